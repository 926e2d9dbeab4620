#!/usr/bin/env python3
"""bench/checkpoint-report.py FILE: the table of bench/checkpoint.sh's raw figures.

Lines "run N MODE RUN STEP WALL_US MAXRSS_KIB STATUS CPU_US [sys=US] EXTRA" (MODE with or
without, STEP checkpoint or restore; sys= the whole machine's CPU time over the step, since
--engine). For each N and step: the median wall and CPU time of each mode over the runs that
exited 0, the ratio with / without, and the issue's target (the action script adds at most
5 %) met or not, on each clock. Under load the CPU ratio is the one to judge by: wall time then
mostly measures the other users of the machine. The CPU column is the timed command's and its
waited-for children's: with a daemon (docker, containerd) that is the client only, and the
machine's CPU (sys=) is the one that holds runc, CRIU and the script; a table of it follows
when the file has it. What came back (nodes=, back=sub-cgroups,limits against ref=) is listed
per run kind at the end."""
import statistics
import sys

TARGET = 1.05


def main(path):
    runs, meta, steps = {}, [], {}
    for line in open(path):
        f = line.split()
        if not f:
            continue
        if f[0] == "run" and len(f) >= 10:
            n, mode, step = int(f[1]), f[2], f[4]
            wall, status, cpu = int(f[5]), int(f[7]), int(f[8])
            sysc = [int(x[4:]) for x in f[9:] if x.startswith("sys=")]
            extra = " ".join(x for x in f[9:] if not x.startswith("sys="))
            runs.setdefault((n, step, mode), []).append((wall, cpu, status, extra,
                                                         sysc[0] if sysc else None))
        elif f[0] == "steps" and len(f) >= 5:
            n, mode, kind = int(f[1]), f[2], f[4]
            for kv in f[5:]:
                name, _, ms = kv.partition("=")
                steps.setdefault((n, kind), {}).setdefault(name, {}).setdefault(mode, []).append(
                    float(ms))
        elif not f[0].startswith("#"):
            meta.append(line.rstrip())
    for m in meta:
        print(m)
    print()
    print(f"{'N':>5} {'step':<10} {'runs w/wo':>9} {'wall with':>10} {'wall w/o':>10} {'ratio':>6}"
          f" {'CPU with':>10} {'CPU w/o':>10} {'ratio':>6}  target <= {TARGET:.2f} (wall / CPU)")
    for n, step in sorted({(k[0], k[1]) for k in runs}, key=lambda k: (k[0], k[1] != "checkpoint")):
        med = {}
        count = {}
        for mode in ("with", "without"):
            ok = [r for r in runs.get((n, step, mode), []) if r[2] == 0]
            count[mode] = f"{len(ok)}/{len(runs.get((n, step, mode), []))}"
            med[mode] = (statistics.median(r[0] for r in ok) / 1000,
                         statistics.median(r[1] for r in ok) / 1000) if ok else None
        if not med["with"] or not med["without"]:
            print(f"{n:>5} {step:<10} {count['with']}, {count['without']}: no figure")
            continue
        rw = med["with"][0] / med["without"][0]
        rc = med["with"][1] / med["without"][1]
        verdict = "/".join("met" if r <= TARGET else "NOT met" for r in (rw, rc))
        print(f"{n:>5} {step:<10} {count['with'] + ' ' + count['without']:>9}"
              f" {med['with'][0]:>8.0f}ms {med['without'][0]:>8.0f}ms {rw:>6.3f}"
              f" {med['with'][1]:>8.0f}ms {med['without'][1]:>8.0f}ms {rc:>6.3f}  {verdict}")
    if all(r[4] is not None for v in runs.values() for r in v) and runs:
        print()
        print("the whole machine's CPU time over each step (/proc/stat), medians:")
        print(f"{'N':>5} {'step':<10} {'mach with':>10} {'mach w/o':>10} {'ratio':>6}")
        for n, step in sorted({(k[0], k[1]) for k in runs}, key=lambda k: (k[0], k[1] != "checkpoint")):
            m = {}
            for mode in ("with", "without"):
                ok = [r[4] for r in runs.get((n, step, mode), []) if r[2] == 0]
                m[mode] = statistics.median(ok) / 1000 if ok else None
            if None in m.values():
                print(f"{n:>5} {step:<10} no figure")
                continue
            print(f"{n:>5} {step:<10} {m['with']:>8.0f}ms {m['without']:>8.0f}ms {m['with'] / m['without']:>6.3f}")
    if any(k[2] == "true" for k in runs):
        print()
        print("CRIU's calls of any action-script (/bin/true) and cgbind's own share, CPU medians:")
        for n, step in sorted({(k[0], k[1]) for k in runs}, key=lambda k: (k[0], k[1] != "checkpoint")):
            c = {}
            for mode in ("with", "true", "without"):
                ok = [r[1] for r in runs.get((n, step, mode), []) if r[2] == 0]
                c[mode] = statistics.median(ok) / 1000 if ok else None
            if None in c.values():
                continue
            print(f"{n:>5} {step:<10} true/without {c['true'] / c['without']:.3f}"
                  f"  with/true {c['with'] / c['true']:.3f}"
                  f"  (with {c['with']:.0f} ms, true {c['true']:.0f} ms, without {c['without']:.0f} ms)")
    if steps:
        print()
        print("The action-script's runs per CRIU step, from CRIU's own log (bench/criu-steps.py),")
        print("medians in ms; a step's last run also holds CRIU's next unlogged work, the same in")
        print("every mode: with - true is what cgbind costs there over any script:")
        modes = [m for m in ("with", "true") if any(m in v for d in steps.values() for v in d.values())]
        for (n, kind), d in sorted(steps.items(), key=lambda k: (k[0][0], k[0][1] != "checkpoint")):
            print(f"  {n} {kind}: " + "  ".join(
                f"{name} " + "/".join(
                    f"{statistics.median(v[m]):.0f}" if m in v else "-" for m in modes)
                + (f" ({statistics.median(v['with']) - statistics.median(v['true']):+.0f})"
                   if "with" in v and "true" in v else "")
                for name, v in d.items() if name != "total" and any(m in v for m in modes))
                + "  total " + "/".join(
                    f"{statistics.median(d['total'][m]):.0f}" for m in modes if m in d.get("total", {})))
        print(f"  (each figure: {' / '.join(modes)}; in brackets with - true)")
    extras = sorted({(k[0], k[1], k[2], r[3]) for k, v in runs.items() for r in v})
    print()
    print("what each run left (checkpoint: cgbind.json in it or not; restore: sub-cgroups after it,"
          " and back= the image's sub-cgroups,limits found against ref=, the checkpoint's image"
          " or, without one, the built tree's):")
    for n, step, mode, extra in extras:
        k = sum(1 for r in runs[(n, step, mode)] if r[3] == extra)
        print(f"  {n} {step} {mode}: {extra} x{k}")


if __name__ == "__main__":
    main(sys.argv[1])
