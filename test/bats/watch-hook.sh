#!/bin/bash
# A hook wrapper for tests: records every inotify event on the given
# directories while cgbind runs as the hook, then exits with cgbind's status.
# runc waits for its hook, so what is recorded is the hook's doing.
# Usage: watch-hook.sh EVENTS-FILE DIRS-FILE -- cgbind ARGS...
set -u
events=$1 dirs=$2
shift 3
ready=$(mktemp)
# shellcheck disable=SC2046
inotifywait -m -e modify,create,delete,attrib,moved_to --format '%w%f %e' \
    $(cat "$dirs") -o "$events" 2>"$ready" &
watcher=$!
for _ in $(seq 200); do
    grep -q 'Watches established' "$ready" && break
    sleep 0.02
done
grep -q 'Watches established' "$ready" || { echo "watch-hook: inotifywait did not start" >&2; exit 99; }
"$@"
rc=$?
sleep 0.1
kill $watcher 2>/dev/null
wait $watcher 2>/dev/null
rm -f "$ready"
exit $rc
