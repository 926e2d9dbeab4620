#!/bin/bash
# bench/checkpoint.sh: what cgbind as CRIU's action-script adds to `runc
# checkpoint` and `runc restore` (issue 25.3: at most 5 % each).
#
#   bench/checkpoint.sh [--vm v2 [--vm-timeout SEC] [--vm-mem MiB]]
#                       [--sizes "100 1000"] [--runs N] [--modes "with without"]
#                       [--cgbind BIN] [--results FILE]
#
# For each size N and each run, two fresh busybox containers, one per mode,
# in an order that alternates from run to run: "with" (/etc/criu/runc.conf
# names cgbind as CRIU's action-script, as the installed fragment does) and
# "without" (no /etc/criu/runc.conf: a host without cgbind); --modes may add
# "true" (runc.conf names /bin/true as the action-script: what CRIU's calls
# of any script cost, at every step, twice). Each container's
# workload has an N-node sub-tree (bench/gen-image --layout v2, built by
# bench/floor from the host before the clock starts; the init in init/).
# Timed with bench/timer: `runc checkpoint`, then `runc restore -d` of that
# checkpoint (wall and CPU of runc and its waited-for children: CRIU and the
# script). After each restore, the sub-cgroups are counted; then the
# container is deleted and its cgroups removed. Each run also keeps the
# action-script's time per CRIU step, read from CRIU's dump.log and
# restore.log (bench/criu-steps.py). --cgbind BIN measures that binary (for
# --vm: a path the VM sees, not under /tmp or /var/tmp) instead of the
# tree's own build, e.g. contrib/kubernetes/build-static.sh's.
#
# A benchmark, not a test: never fails on a figure. Needs a pure cgroup v2
# host and a CRIU >= 3.19 ($CGBIND_CRIU, default the test VM's Debian 13 CRIU,
# /var/cache/cgbind-vm/criu-trixie/criu, made by test/vm/setup.sh); --vm v2
# builds on this host and runs in the cgroup v2 test VM (test/vm/run.sh).
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$BENCH/.." && pwd)
BUILD=${CGBIND_BENCH_BUILD:-$SRC/build-bench}
SIZES="100 1000"
RUNS=5
MODES="with without"
RESULTS=
CGBIND_BIN=
VM=
VM_TIMEOUT=3600
VM_MEM=3072
CRIU=${CGBIND_CRIU:-/var/cache/cgbind-vm/criu-trixie/criu}
die() { echo "checkpoint.sh: $*" >&2; exit 2; }
log() { echo "bench: $*" >&2; }
INNER=()
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1: needs a value"
    case $1 in
    --sizes) SIZES=$2; INNER+=("$1" "$2") ;;
    --runs) RUNS=$2; INNER+=("$1" "$2") ;;
    --modes) MODES=$2; INNER+=("$1" "$2") ;;
    --results) RESULTS=$2 ;;
    --cgbind) CGBIND_BIN=$(realpath -e -- "$2") || die "--cgbind: no $2"; INNER+=("$1" "$CGBIND_BIN") ;;
    --vm) VM=$2 ;;
    --vm-timeout) VM_TIMEOUT=$2 ;;
    --vm-mem) VM_MEM=$2 ;;
    *) die "unknown option $1" ;;
    esac
    shift 2
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs: a number from 1"
for m in $MODES; do case $m in with | without | true) ;; *) die "--modes: with, without or true, not '$m'" ;; esac; done
for n in $SIZES; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "--sizes: numbers from 1, not '$n'"; done
[[ $VM_TIMEOUT =~ ^[1-9][0-9]+$ ]] || die "--vm-timeout: seconds"
case $VM in '' | v2) ;; *) die "--vm: only v2" ;; esac
[ "$(id -u)" = 0 ] || die "run as root (it creates runc containers, cgroups and /etc/criu/runc.conf)"

# ---- on the host: build, boot the VM, bring the figures back ----
TOOLS=$BUILD/bench-tools
if [ -z "${CGBIND_VM:-}" ]; then
    for c in runc jq python3 cc meson iptables; do
        command -v $c >/dev/null || die "$c is missing (bench/README.md lists the packages)"
    done
    [ -x /bin/busybox ] || die "/bin/busybox is missing (busybox-static)"
    [ -f "$BUILD/build.ninja" ] || (cd "$SRC" && meson setup "$BUILD" >&2)
    ninja -C "$BUILD" cgbind >&2
    mkdir -p "$TOOLS"
    for t in timer floor; do
        if [ ! -x "$TOOLS/$t" ] || [ "$BENCH/$t.c" -nt "$TOOLS/$t" ]; then
            cc -O2 -Wall -Wextra -o "$TOOLS/$t" "$BENCH/$t.c"
        fi
    done
fi
if [ -n "$VM" ]; then
    case $(cd "$SRC" && pwd -P) in /tmp/* | /var/tmp/*) die "--vm: the tree must not be below /tmp or /var/tmp" ;; esac
    out=$(mktemp -d /var/tmp/cgbind-ckbench-vm.XXXXXX)
    trap 'rm -rf "$out"' EXIT
    load0=$(cut -d' ' -f1-3 /proc/loadavg)
    log "booting the cgroup v2 VM (timeout ${VM_TIMEOUT}s): bench/checkpoint.sh ${INNER[*]}"
    rc=0
    (cd "$SRC" && test/vm/run.sh --layout v2 --timeout "$VM_TIMEOUT" --mem "$VM_MEM" --out "$out" \
        --env "CGBIND_BENCH_HOST_LOAD=$load0" --env "CGBIND_BENCH_BUILD=$BUILD" \
        --env "CGBIND_BENCH_BUDGET=$((VM_TIMEOUT * 7 / 10 - 120))" \
        -- bench/checkpoint.sh "${INNER[@]}") || rc=$?
    [ -s "$out/results.txt" ] || { echo "checkpoint.sh: the run in the VM failed (status $rc)" >&2; exit 1; }
    echo "host-load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.txt"
    if [ -n "$RESULTS" ]; then
        mkdir -p "$(dirname "$RESULTS")"
        cp "$out/results.txt" "$RESULTS"
        python3 "$BENCH/checkpoint-report.py" "$RESULTS" >"$RESULTS.table"
        log "raw figures in $RESULTS, the table in $RESULTS.table"
    fi
    python3 "$BENCH/checkpoint-report.py" "$out/results.txt"
    exit "$rc"
fi

# ---- the measurement (in the VM, or on a cgroup v2 host) ----
[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || die "not a pure cgroup v2 host (use --vm v2)"
[ -x "$CRIU" ] || die "no CRIU at $CRIU (test/vm/setup.sh makes it; or set CGBIND_CRIU)"
v=$("$CRIU" --version | sed -n 's/^Version: //p')
case "$v" in 3.19* | 3.[2-9][0-9]* | [4-9].*) ;; *) die "$CRIU is CRIU '$v', not >= 3.19" ;; esac
[ ! -e /etc/criu/runc.conf ] || die "/etc/criu/runc.conf exists; this benchmark writes its own"
CGBIND=${CGBIND_BIN:-$BUILD/cgbind}
for t in "$CGBIND" "$TOOLS/timer" "$TOOLS/floor"; do [ -x "$t" ] || die "$t is missing (build on the host first)"; done
if [ -n "${CGBIND_VM_OUT:-}" ] && [ -z "$RESULTS" ]; then RESULTS=$CGBIND_VM_OUT/results.txt; fi
[ -n "$RESULTS" ] || RESULTS=/dev/stdout

W=$(mktemp -d /tmp/cgbind-ckbench.XXXXXX)
RT=(runc --root "$W/runc" --criu "$CRIU")
ID=
cleanup() {
    [ -z "$ID" ] || { "${RT[@]}" delete -f "$ID" >/dev/null 2>&1 || true; rm_tree "/sys/fs/cgroup/$ID"; }
    rm -f /etc/criu/runc.conf
    rm -rf "$W"
}
trap cleanup EXIT
rm_tree() { [ ! -d "$1" ] || find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true; }

# the rootfs, the config (runc's default, the workload's stdio /dev/null, as
# runc checkpoint needs) and the CRIU configuration of the "with" mode
mkdir -p "$W/rootfs/bin" "$W/rootfs/proc" "$W/rootfs/sys" "$W/rootfs/dev" "$W/rootfs/tmp"
cp /bin/busybox "$W/rootfs/bin/busybox"
for a in sh sleep; do ln -s busybox "$W/rootfs/bin/$a"; done
(cd "$W" && runc spec && jq '.process.terminal = false
    | .process.args = ["/bin/sh", "-c", "exec </dev/null >/dev/null 2>&1; touch /built; while true; do sleep 1; done"]
    | .root.readonly = false' config.json >config.new && mv config.new config.json)
ln -s "$CGBIND" "$W/criu-script"
sed "s|@CRIU_SCRIPT@|$W/criu-script|" "$SRC/contrib/criu/runc.conf.in" >"$W/runc.conf.with"
# shellcheck disable=SC2086 # the sizes, one word each
python3 "$BENCH/gen-image" --out "$W/in" --layout v2 $SIZES >/dev/null
mkdir -p /etc/criu

{
    echo "# bench/checkpoint.sh $(date -u +%FT%TZ)"
    echo "meta sizes $SIZES"
    echo "meta runs $RUNS"
    echo "meta modes $MODES"
    echo "meta criu $v"
    echo "meta runc $(runc --version | head -1)"
    echo "meta cgbind $("$CGBIND" --version | head -1)${CGBIND_BIN:+ ($CGBIND_BIN)}"
    echo "meta where ${CGBIND_VM:+vm test/vm (qemu ${CGBIND_VM_ACCEL:-tcg}), }$(uname -r), $(nproc) cpus"
    echo "host-load-start ${CGBIND_BENCH_HOST_LOAD:-$(cut -d' ' -f1-3 /proc/loadavg)}"
    echo "guest-load-start $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RESULTS"

# one N MODE RUN: a container with the N-node tree, checkpointed and restored
one() {
    local n=$1 mode=$2 run=$3 top init out ck=$W/ck b=$W/b
    ID=ck-$n-$mode-$run
    rm -rf "$ck" "$b" && mkdir -p "$b"
    cp -a "$W/rootfs" "$b/rootfs" && cp "$W/config.json" "$b/config.json"
    (cd "$b" && "${RT[@]}" run -d "$ID" </dev/null >/dev/null 2>>"$W/err.log") || return 1
    init=$("${RT[@]}" state "$ID" | jq -r .pid) || return 1
    top=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$init/cgroup")
    [ "$top" != /sys/fs/cgroup ] || return 1
    local i
    for ((i = 0; i < 100; i++)); do [ -e "$b/rootfs/built" ] && break; sleep 0.1; done
    # every process of the workload into init/ first (a sleep of its loop
    # may sit in the top-level, which then could not enable controllers)
    mkdir "$top/init"
    for ((i = 0; i < 50; i++)); do
        local p moved=0
        while read -r p; do echo "$p" >"$top/init/cgroup.procs" 2>/dev/null && moved=1; done <"$top/cgroup.procs"
        [ "$moved" = 1 ] || break
    done
    sed -e '/^mkdir init$/d' -e "s|{cg}|$top|g" -e "s|{pid}|$init|g" "$W/in/floor-$n.ops" >"$W/run.ops"
    "$TOOLS/floor" "$W/run.ops" || return 1
    case $mode in
    with) cp "$W/runc.conf.with" /etc/criu/runc.conf ;;
    true) echo "action-script /bin/true" >/etc/criu/runc.conf ;;
    *) rm -f /etc/criu/runc.conf ;;
    esac
    out=$("$TIMER" -i /dev/null -o /dev/null -- "${RT[@]}" checkpoint --image-path "$ck" "$ID" 2>>"$W/err.log")
    echo "run $n $mode $run checkpoint $out $([ -e "$ck/cgbind.json" ] && echo image || echo noimage)" >>"$RESULTS"
    echo "steps $n $mode $run checkpoint $(python3 "$BENCH/criu-steps.py" "$ck/dump.log")" >>"$RESULTS"
    rm_tree "$top"
    out=$(cd "$b" && "$TIMER" -i /dev/null -o /dev/null -- "${RT[@]}" restore -d --image-path "$ck" "$ID" 2>>"$W/err.log")
    local count
    count=$(find "$top" -mindepth 1 -type d 2>/dev/null | wc -l)
    echo "run $n $mode $run restore $out nodes=$count" >>"$RESULTS"
    echo "steps $n $mode $run restore $(python3 "$BENCH/criu-steps.py" "$ck/restore.log")" >>"$RESULTS"
    rm -f /etc/criu/runc.conf
    "${RT[@]}" delete -f "$ID" >/dev/null 2>&1 || true
    rm_tree "$top"
    ID=
}
TIMER=$TOOLS/timer
# the sizes interleaved too, so that a run cut short (--vm-timeout) still has
# every size; no run starts after the budget (the VM's timeout less a margin)
BUDGET_END=$((SECONDS + ${CGBIND_BENCH_BUDGET:-999999}))
for ((r = 1; r <= RUNS; r++)); do
    if ((SECONDS > BUDGET_END)); then
        log "out of time (--vm-timeout): stopped after run $((r - 1))"
        echo "cut-short after run $((r - 1)) of $RUNS (--vm-timeout)" >>"$RESULTS"
        break
    fi
    for n in $SIZES; do
        # the order rotates from run to run
        order=$(echo "$MODES" | awk -v r="$r" '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r - 1) % NF + 1) }')
        for m in $order; do
            if ! one "$n" "$m" "$r"; then
                log "warning: $n $m run $r could not be set up (runc's stderr below)"
                echo "setup-failed $n $m run $r" >>"$RESULTS"
                rm -f /etc/criu/runc.conf
                [ -z "$ID" ] || { "${RT[@]}" delete -f "$ID" >/dev/null 2>&1 || true; rm_tree "/sys/fs/cgroup/$ID"; }
                ID=
            fi
        done
        log "size $n run $r/$RUNS done (load $(cut -d' ' -f1-3 /proc/loadavg))"
    done
done
echo "guest-load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS"
echo "records-left $(find /run/cgbind -maxdepth 1 -name "criu-*" 2>/dev/null | wc -l) (criu-* in /run/cgbind after the runs)" >>"$RESULTS"
if [ -s "$W/err.log" ]; then
    log "stderr of runc (last 20 lines):"
    tail -20 "$W/err.log" >&2
fi
[ "$RESULTS" = /dev/stdout ] || [ -n "${CGBIND_VM_OUT:-}" ] || python3 "$BENCH/checkpoint-report.py" "$RESULTS"
