#!/bin/bash
# bench/shapes.sh: peak RSS, wall and CPU time of `cgbind restore --dry-run`
# on adversarial image shapes (bench/gen-shapes), against the target of
# issue 12: peak RSS within 8 MiB + 2 x the image size, whatever the shape;
# and issue 23.6's: CPU time close to linear in the image (cpu_ms; the
# hugetlb-props shape cost 145 s before duplicates were found by sorting).
#
#   (as root) bench/shapes.sh [--cgbind PATH] [--runs N] [--only SHAPE]
#
# Each shape runs twice: with the default caps (the image is refused after
# it is parsed, before anything is planned: status 2) and with
# --max-cgroups 1000000 (parsed, matched, observed and planned in full, the
# plan printed to /dev/null). A runc container is created (never started)
# for the restores to locate. Prints one table; never fails on a figure.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CGBIND=$SRC/build/cgbind
RUNS=3
ONLY=
while [ $# -gt 0 ]; do
    case $1 in
    --cgbind) CGBIND=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "shapes.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" = 0 ] || { echo "shapes.sh: needs root (runc)" >&2; exit 2; }
W=$(mktemp -d /var/tmp/cgbind-shapes.XXXXXX)
ID=cgbind-shapes-$$
cleanup() {
    runc delete -f "$ID" >/dev/null 2>&1 || true
    rm -rf "$W"
}
trap cleanup EXIT

cc -O2 -o "$W/timer" "$SRC/bench/timer.c"
python3 "$SRC/bench/gen-shapes" "$W/img"
mkdir -p "$W/b/rootfs/bin" "$W/b/rootfs/proc" "$W/b/rootfs/sys" "$W/b/rootfs/dev"
cp /bin/busybox "$W/b/rootfs/bin/"
ln -s busybox "$W/b/rootfs/bin/sh"
ln -s busybox "$W/b/rootfs/bin/sleep"
(cd "$W/b" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"sleep", "1000"/' config.json &&
    runc create "$ID" </dev/null >/dev/null 2>&1)
runc state "$ID" >"$W/state.json"

printf '%-14s %10s %7s %5s %4s  %-8s %6s %9s %9s %9s %10s  %s\n' shape bytes nodes depth hier caps status wall_ms cpu_ms rss_kib limit_kib verdict
# shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
while read -r name nodes depth nh desc; do
    [ -z "$ONLY" ] || [ "$name" = "$ONLY" ] || continue
    img=$W/img/$name.json
    bytes=$(stat -c %s "$img")
    limit=$((8192 + 2 * bytes / 1024))
    for caps in default raised; do
        extra=()
        [ "$caps" = raised ] && extra=(--max-cgroups 1000000)
        best_wall='' best_rss='' best_cpu='' st=''
        for ((r = 0; r < RUNS; r++)); do
            read -r wall rss st cpu < <("$W/timer" -i "$W/state.json" -o /dev/null -- \
                "$CGBIND" restore --dry-run "${extra[@]}" --image "$img" 2>/dev/null)
            [ -z "$best_wall" ] || [ "$wall" -lt "$best_wall" ] && best_wall=$wall
            [ -z "$best_cpu" ] || [ "$cpu" -lt "$best_cpu" ] && best_cpu=$cpu
            [ -z "$best_rss" ] || [ "$rss" -gt "$best_rss" ] && best_rss=$rss
        done
        verdict=met
        [ "$best_rss" -le "$limit" ] || verdict="NOT met"
        printf '%-14s %10d %7d %5d %4d  %-8s %6s %9d %9d %9d %10d  %s\n' "$name" "$bytes" "$nodes" \
            "$depth" "$nh" "$caps" "$st" $((best_wall / 1000)) $((best_cpu / 1000)) "$best_rss" \
            "$limit" "$verdict"
    done
done <"$W/img/shapes.txt"
echo "(wall, cpu: the fastest of $RUNS runs; rss: the largest; limit: 8 MiB + 2 x the image size)"
