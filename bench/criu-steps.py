#!/usr/bin/env python3
"""bench/criu-steps.py LOG: the time of each action-script step in one CRIU log.

CRIU (at log level 4, which runc asks for) writes "Running <step> scripts"
and then a "\t[<script>]" line as it starts each script; that run lasts
until CRIU's next log line, so a step's last run also holds whatever CRIU
did next without logging (after network-lock and network-unlock, CRIU's own
iptables work): compare a step between modes (cgbind against /bin/true as
the script), not with zero. Prints one line, "STEP=MS ... total=MS", the
milliseconds of script runs summed per step (CRIU runs each step's scripts
in turn; under runc every script named twice is run twice), in the order
the steps ran. It measures nothing itself: only CRIU's own timestamps.
bench/checkpoint.sh keeps this line per run ("steps ...") and
bench/checkpoint-report.py prints the medians per step and mode."""
import re
import sys

LINE = re.compile(r'^\((\d+)\.(\d+)\)\s?(.*)$')
STEP = re.compile(r'^Running (\S+) scripts$')
SCRIPT = re.compile(r'^\[.*\]$')


def steps(path):
    """{step: ms} for one CRIU log, in the order the steps ran"""
    out, step, start = {}, None, None
    with open(path, errors='replace') as f:
        for raw in f:
            m = LINE.match(raw.rstrip('\n'))
            if not m:
                continue
            t = int(m.group(1)) * 1000.0 + int(m.group(2)) / 1000.0
            text = m.group(3).strip()
            if start is not None:
                out[step] = out.get(step, 0.0) + t - start
                start = None
            s = STEP.match(text)
            if s:
                step = s.group(1)
            elif step and SCRIPT.match(text):
                start = t
    return out


def main(argv):
    if len(argv) != 1:
        sys.exit(__doc__)
    ms = steps(argv[0])
    print(" ".join(f"{k}={v:.1f}" for k, v in ms.items()) + f" total={sum(ms.values()):.1f}")


if __name__ == '__main__':
    main(sys.argv[1:])
