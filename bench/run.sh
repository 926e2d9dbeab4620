#!/bin/bash
# bench/run.sh: cgbind restore and save against the syscall floor, a shell
# script and libcgroup's cgconfigparser, on real runc containers (created,
# not started) on this host's cgroup v1 hierarchies (cpu and pids), or in
# the single hierarchy of a pure cgroup v2 host. Prints one table.
# It is a benchmark, not a test: it never fails on a slow figure.
#
#   (as root) bench/run.sh [--runs N] [--sizes "10 100 1000 10000"] [--props plain|cfs|memory]
#                     [--contenders "floor cgbind cgbind-nosandbox shell cgconfigparser"]
#                     [--shell-runs-max N] [--cgconfigparser-runs-max N] [--cap-from SIZE]
#                     [--cap CONTENDER@SIZE=N]...
#                     [--no-save] [--no-empty] [--no-restore] [--results FILE]
#                     [--starts "1 8 32"] [--starts-runs N] [--starts-nodes N]
#                     [--starts-timeout SECONDS]
#                     [--cgbind BIN] [--compare BIN]
#                     [--vm v2 [--vm-timeout SEC] [--vm-mem MiB]]
#
# --props: plain or cfs on v1; plain or memory on v2 (see bench/README.md).
# --shell-runs-max and --cgconfigparser-runs-max cap that contender's runs
# at sizes of --cap-from (10000) and up. --cap shell@1000=1 gives that one
# contender at most 1 run at that one size (0: none); it can be repeated.
#
# --vm v2 installs and builds on this host, then boots the cgroup v2 test VM
# (test/vm/run.sh --layout v2) and runs this script there with the other
# options; the raw results come back through the VM's output share (into
# --results FILE, if given) and the table is printed here.
#
# --cgbind BIN measures that binary instead of building the tree's own;
# --compare BIN adds it as contender "cgbind-b" (default flags), interleaved
# with the others run by run: an A/B test of a change.
#
# --starts "1 8 32": for each count K, K runc containers started at the same
# moment (runc run -d), each with a prestart hook restoring a --starts-nodes
# (100) node image, against the same starts without the hook; --starts-runs
# rounds (3) per count and mode. --no-restore leaves out the restore sizes.
# --starts-timeout SECONDS gives those hooks cgbind's --timeout (default:
# none, cgbind's own 10 s).
#
# --results FILE keeps the raw figures (and FILE.meta, and FILE.failures: the
# stderr of each failed start); without it they go
# with the scratch directory.
#
# See bench/README.md for what each contender is.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$SRC/bench
BUILD=${CGBIND_BENCH_BUILD:-$SRC/build-bench}
RUNS=10
SIZES="10 100 1000 10000"
PROPS=plain
CONTENDERS="floor cgbind cgbind-nosandbox shell cgconfigparser"
SHELL_RUNS_MAX=
CGCP_RUNS_MAX=
CAP_FROM=10000
declare -A CAP
VM=
VM_TIMEOUT=7200
VM_MEM=3072
INNER_ARGS=()
DO_SAVE=1
DO_EMPTY=1
DO_RESTORE=1
STARTS=
STARTS_RUNS=3
STARTS_NODES=100
STARTS_TIMEOUT=
RESULTS=
CGBIND=
CGBIND_B=

usage() {
    sed -n '2,/^# See bench/p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

die() {
    echo "run.sh: $*" >&2
    exit 2
}

# an option's value: present, and not the next option
need_arg() {
    if [ $# -lt 2 ] || [[ $2 == --* ]]; then
        die "$1 needs a value"
    fi
}

# number NAME VALUE MIN: a decimal integer >= MIN
number() {
    if ! [[ $2 =~ ^[0-9]{1,9}$ ]] || [ "$2" -lt "$3" ]; then
        die "$1 '$2': not a whole number >= $3"
    fi
}

while [ $# -gt 0 ]; do
    case $1 in
    --runs | --sizes | --props | --contenders | --shell-runs-max | --cgconfigparser-runs-max | \
        --cap-from | --cap | --results | --cgbind | --compare | --vm | --vm-timeout | --vm-mem | \
        --starts | --starts-runs | --starts-nodes | --starts-timeout)
        need_arg "$@" ;;
    esac
    # what the run inside the VM gets: everything but the VM's own options and --results
    case $1 in
    --vm | --vm-timeout | --vm-mem | --results) ;;
    --no-save | --no-empty | --no-restore | -h | --help) INNER_ARGS+=("$1") ;;
    *) INNER_ARGS+=("$1" "${2-}") ;;
    esac
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --props) PROPS=$2; shift 2 ;;
    --contenders) CONTENDERS=$2; shift 2 ;;
    --shell-runs-max) SHELL_RUNS_MAX=$2; shift 2 ;;
    --cgconfigparser-runs-max) CGCP_RUNS_MAX=$2; shift 2 ;;
    --cap-from) CAP_FROM=$2; shift 2 ;;
    --cap)
        [[ $2 =~ ^([a-z-]+)@([0-9]{1,6})=([0-9]{1,6})$ ]] || die "--cap '$2': not CONTENDER@SIZE=RUNS"
        CAP[${BASH_REMATCH[1]}@${BASH_REMATCH[2]}]=${BASH_REMATCH[3]}
        shift 2
        ;;
    --no-save) DO_SAVE=0; shift ;;
    --no-empty) DO_EMPTY=0; shift ;;
    --no-restore) DO_RESTORE=0; shift ;;
    --starts) STARTS=$2; shift 2 ;;
    --starts-runs) STARTS_RUNS=$2; shift 2 ;;
    --starts-nodes) STARTS_NODES=$2; shift 2 ;;
    --starts-timeout) STARTS_TIMEOUT=$2; shift 2 ;;
    --results) RESULTS=$2; shift 2 ;;
    --cgbind) CGBIND=$2; shift 2 ;;
    --compare) CGBIND_B=$2; shift 2 ;;
    --vm) VM=$2; shift 2 ;;
    --vm-timeout) VM_TIMEOUT=$2; shift 2 ;;
    --vm-mem) VM_MEM=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
number --runs "$RUNS" 1
[ -n "$SIZES" ] || die "--sizes: give at least one size"
for n in $SIZES; do
    number "--sizes: size" "$n" 1
    [ "$n" -le 100000 ] || die "--sizes: size $n is above 100000"
done
number --starts-runs "$STARTS_RUNS" 1
number --starts-nodes "$STARTS_NODES" 1
[ -z "$STARTS_TIMEOUT" ] || number --starts-timeout "$STARTS_TIMEOUT" 1
for k in $STARTS; do
    number "--starts: count" "$k" 1
    [ "$k" -le 256 ] || die "--starts: count $k is above 256"
done
[ -z "$SHELL_RUNS_MAX" ] || number --shell-runs-max "$SHELL_RUNS_MAX" 1
[ -z "$CGCP_RUNS_MAX" ] || number --cgconfigparser-runs-max "$CGCP_RUNS_MAX" 1
number --cap-from "$CAP_FROM" 1
number --vm-timeout "$VM_TIMEOUT" 60
number --vm-mem "$VM_MEM" 512
case $VM in '' | v2) ;; *) die "--vm: only v2 (the cgroup v2 test VM; a v1 host runs the v1 half itself)" ;; esac
[ -z "$VM" ] || [ -z "${CGBIND_VM:-}" ] || die "--vm: already inside the test VM"

# the layout decides the tree: cpu and pids v1 hierarchies, or the one cgroup2
if [ -n "$VM" ] || [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
    LAYOUT=v2
else
    LAYOUT=v1
fi
case $LAYOUT:$PROPS in
v1:plain | v1:cfs | v2:plain | v2:memory) ;;
v1:*) die "--props: plain or cfs on a cgroup v1 host" ;;
*) die "--props: plain or memory on a cgroup v2 host" ;;
esac
if [ -n "$CGBIND_B" ]; then
    [ -x "$CGBIND_B" ] || { echo "run.sh: --compare $CGBIND_B: not an executable" >&2; exit 2; }
    CGBIND_B=$(readlink -f "$CGBIND_B")
    CONTENDERS="$CONTENDERS cgbind-b"
fi
for c in $CONTENDERS; do
    case $c in floor | cgbind | cgbind-nosandbox | cgbind-b | shell | cgconfigparser) ;;
    *) echo "run.sh: unknown contender $c" >&2; exit 2 ;;
    esac
done
for k in "${!CAP[@]}"; do
    [[ " $CONTENDERS " == *" ${k%@*} "* ]] || die "--cap $k: ${k%@*} is not a contender of this run"
done

log() { echo "bench: $*" >&2; }

# failure_summary FILE: the failed starts kept in FILE (a "== K MODE RUN ID"
# line, then that start's stderr: runc's message, which carries the hook's),
# counted by the first line of each message; the time, the container id and
# pids are left out, so that the same failure counts as one
failure_summary() {
    awk '/^== / { want = 1; next } want && NF { print; want = 0 }' "$1" |
        sed -e 's/^time="[^"]*" *//; s/bench-[0-9]*-[0-9]*/ID/g; s/pid [0-9][0-9]*/pid N/g' |
        sort | uniq -c | sort -rn | cut -c1-600
}

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (it creates runc containers and cgroups)" >&2; exit 2; }
# v1_mounted CONTROLLER: a v1 hierarchy with that controller is mounted
v1_mounted() {
    awk -v c="$1" '$0 ~ / - cgroup / { n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) f = 1 }
        END { exit !f }' /proc/self/mountinfo
}
if [ "$LAYOUT" = v1 ] && ! { v1_mounted cpu && v1_mounted pids; }; then
    die "this host has neither cgroup2 at /sys/fs/cgroup nor v1 cpu and pids hierarchies"
fi

need_pkgs=()
command -v runc >/dev/null || need_pkgs+=(runc)
command -v jq >/dev/null || need_pkgs+=(jq)
command -v python3 >/dev/null || need_pkgs+=(python3)
command -v cc >/dev/null || need_pkgs+=(gcc)
[ -n "$CGBIND" ] || command -v meson >/dev/null || need_pkgs+=(meson ninja-build pkg-config libyajl-dev libseccomp-dev)
[ -x /bin/busybox ] || need_pkgs+=(busybox-static)
if [[ " $CONTENDERS " == *" cgconfigparser "* ]] && ! command -v cgconfigparser >/dev/null; then
    need_pkgs+=(cgroup-tools)
fi
if [ ${#need_pkgs[@]} -gt 0 ]; then
    # the test VM's root is the host's, read-only, with no network: install there first
    [ -z "${CGBIND_VM:-}" ] || die "missing in the VM: ${need_pkgs[*]} (install them on the host: bench/run.sh --vm v2 does)"
    log "installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >&2
fi

# ---- build: cgbind as users build it (meson defaults), the tools with cc -O2 ----
CGBIND_GIVEN=${CGBIND:+1}
if [ -n "$CGBIND" ]; then
    [ -x "$CGBIND" ] || { echo "run.sh: --cgbind $CGBIND: not an executable" >&2; exit 2; }
    CGBIND=$(readlink -f "$CGBIND")
elif [ -n "${CGBIND_VM:-}" ]; then
    # built on the host by --vm just before the VM booted (building under TCG takes minutes)
    CGBIND=$BUILD/cgbind
    [ -x "$CGBIND" ] || die "$CGBIND is missing: build on the host first (bench/run.sh --vm v2 does)"
else
    if [ ! -f "$BUILD/build.ninja" ]; then
        (cd "$SRC" && meson setup "$BUILD" >&2)
    fi
    ninja -C "$BUILD" cgbind >&2
    CGBIND=$BUILD/cgbind
fi
mkdir -p "$BUILD"
TOOLS=$BUILD/bench-tools
mkdir -p "$TOOLS"
for t in timer floor readfloor forkfloor; do
    if [ ! -x "$TOOLS/$t" ] || [ "$BENCH/$t.c" -nt "$TOOLS/$t" ]; then
        [ -z "${CGBIND_VM:-}" ] || die "$TOOLS/$t is missing or stale: build on the host first"
        cc -O2 -Wall -Wextra -o "$TOOLS/$t" "$BENCH/$t.c"
    fi
done
TIMER=$TOOLS/timer

# ---- --vm v2: everything is installed and built; boot the VM and run there ----
if [ -n "$VM" ]; then
    [ -x "$SRC/test/vm/run.sh" ] || die "test/vm/run.sh is missing"
    # the guest hides the host's /tmp and /var/tmp: the tree must be elsewhere
    case $(cd "$SRC" && pwd -P) in /tmp/* | /var/tmp/*) die "--vm: the tree must not be below /tmp or /var/tmp" ;; esac
    if [ -n "$RESULTS" ]; then
        mkdir -p "$(dirname "$RESULTS")"
        : >"$RESULTS" || die "--results $RESULTS: cannot write"
    fi
    VM_OUT=$(mktemp -d /var/tmp/cgbind-bench-vm.XXXXXX)
    trap 'rm -rf "$VM_OUT"' EXIT
    host_desc="$(uname -r), $(nproc) cpus, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    log "booting the cgroup v2 VM (timeout ${VM_TIMEOUT}s, ${VM_MEM} MiB): bench/run.sh ${INNER_ARGS[*]}"
    rc=0
    (cd "$SRC" && test/vm/run.sh --layout v2 --timeout "$VM_TIMEOUT" --mem "$VM_MEM" --out "$VM_OUT" \
        --env "CGBIND_BENCH_HOST=$host_desc" --env "CGBIND_BENCH_HOST_LOAD=$(cut -d' ' -f1-3 /proc/loadavg)" \
        --env "CGBIND_BENCH_VM_MEM=$VM_MEM" --env "CGBIND_BENCH_BUDGET=$((VM_TIMEOUT - VM_TIMEOUT / 10 - 60))" \
        -- bench/run.sh ${INNER_ARGS[@]+"${INNER_ARGS[@]}"}) || rc=$?
    if [ ! -s "$VM_OUT/results.txt.meta" ]; then
        echo "run.sh: the run in the VM failed (status $rc); no results came back" >&2
        exit 1
    fi
    if [ -s "$VM_OUT/results.txt.failures" ]; then
        log "failed starts in the VM, by message (count, first line):"
        failure_summary "$VM_OUT/results.txt.failures" >&2
        [ -z "$RESULTS" ] || cp "$VM_OUT/results.txt.failures" "$RESULTS.failures"
    fi
    echo "host-load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$VM_OUT/results.txt.meta"
    if [ -n "$RESULTS" ]; then
        cp "$VM_OUT/results.txt" "$RESULTS"
        cp "$VM_OUT/results.txt.meta" "$RESULTS.meta"
        python3 "$BENCH/report.py" "$RESULTS.meta" "$RESULTS" >"$RESULTS.table"
        log "raw results kept in $RESULTS and $RESULTS.meta, the table in $RESULTS.table"
    fi
    echo
    python3 "$BENCH/report.py" "$VM_OUT/results.txt.meta" "$VM_OUT/results.txt"
    [ "$rc" = 0 ] || log "warning: the run in the VM exited with status $rc"
    exit "$rc"
fi
# inside the VM, the results go out through its output share
if [ -n "${CGBIND_VM_OUT:-}" ] && [ -z "$RESULTS" ]; then
    RESULTS=$CGBIND_VM_OUT/results.txt
fi

# ---- scratch space, containers, and cleanup of everything we create ----
W=$(mktemp -d /tmp/cgbind-bench.XXXXXX)
ID_PREFIX=bench-$$-
N_CTR=0
CURRENT=
CUR_DIRS=()

remove_subtree() {
    local d
    for d in "$@"; do
        if [ -d "$d" ]; then
            find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
        fi
    done
}

# delete_container ID [DIR...]: DIRs are the container's own top-level
# cgroups (from its /proc/PID/cgroup), never anything above them.
delete_container() {
    local id=$1 d
    shift
    remove_subtree "$@"
    runc kill "$id" KILL >/dev/null 2>&1 || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        runc delete -f "$id" >/dev/null 2>&1 && break
        sleep 0.2
    done
    # on v2 the init's sub-cgroup is busy until the init is gone; what runc
    # left of the container's own cgroups goes once runc has deleted it
    for d in "$@"; do
        if [ -d "$d" ] && ! [ -e "/run/runc/$id" ]; then
            remove_subtree "$d"
            rmdir "$d" 2>/dev/null || true
        fi
    done
}

cleanup() {
    local id
    if [ -n "$CURRENT" ]; then
        delete_container "$CURRENT" "${CUR_DIRS[@]}"
    fi
    # anything of ours that an interrupted run left behind
    for id in $(runc list -q 2>/dev/null | grep "^$ID_PREFIX" || true); do
        delete_container "$id"
    done
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A busybox rootfs; the container is only ever created, never started.
B=$W/bundle
mkdir -p "$B/rootfs/bin" "$B/rootfs/proc" "$B/rootfs/sys" "$B/rootfs/dev" "$B/rootfs/tmp" "$B/rootfs/etc"
cp /bin/busybox "$B/rootfs/bin/busybox"
ln -s busybox "$B/rootfs/bin/sh"
(cd "$B" && runc spec)
jq '.process.terminal = false | .process.args = ["/bin/sh", "-c", "sleep 3600"]' \
    "$B/config.json" >"$B/config.json.new" && mv "$B/config.json.new" "$B/config.json"

# host_dir PID CONTROLLER: "HOSTDIR REL" for the pid's cgroup in that v1
# hierarchy (CONTROLLER "" for cgroup2: the "0::" line), from /proc/PID/cgroup
# and our mount table (never assume /<id>).
host_dir() {
    local pid=$1 c=$2 path root mnt
    if [ -z "$c" ]; then
        path=$(awk -F: '$1 == "0" && $2 == "" { print substr($0, 4) }' "/proc/$pid/cgroup")
        read -r root mnt < <(awk '$0 ~ / - cgroup2 / { print $4, $5; exit }' /proc/self/mountinfo)
    else
        path=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
            "/proc/$pid/cgroup")
        read -r root mnt < <(awk -v c="$c" '$0 ~ / - cgroup / {
            n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $4, $5; exit } }' \
            /proc/self/mountinfo)
    fi
    [ -n "$path" ] && [ -n "$mnt" ] || return 1
    [ "$root" = / ] && root=
    # the pid's cgroup must be inside what this mount shows
    case $path in "$root" | "$root"/*) ;; *) return 1 ;; esac
    local rel=${path#"$root"}
    echo "$mnt$rel ${rel#/}"
}

# new_container: creates bench-<pid>-<n>; sets CURRENT, STATE, PID, and
# HDIR[h] / HREL[h] for each hierarchy h of the layout (v1: cpu and pids,
# v2: cg): the container's top-level cgroup on the host and its path below
# the hierarchy's root.
declare -A HDIR HREL
if [ "$LAYOUT" = v2 ]; then HIERS=(cg); else HIERS=(cpu pids); fi
new_container() {
    N_CTR=$((N_CTR + 1))
    local id=$ID_PREFIX$N_CTR
    CURRENT=$id
    CUR_DIRS=()
    if ! runc create --bundle "$B" "$id" </dev/null >"$W/create.log" 2>&1; then
        cat "$W/create.log" >&2
        echo "run.sh: runc create $id failed" >&2
        exit 1
    fi
    STATE=$W/state.json
    runc state "$id" >"$STATE"
    PID=$(jq -r .pid "$STATE")
    local h dir rel
    for h in "${HIERS[@]}"; do
        dir='' rel=
        read -r dir rel < <(host_dir "$PID" "${h/cg/}") || true
        # never touch a hierarchy root: the container's cgroup must be below it
        if [ -z "$rel" ] || [ ! -d "$dir" ]; then
            echo "run.sh: $id has no cgroup of its own in hierarchy $h ('${dir:-?}')" >&2
            exit 1
        fi
        HDIR[$h]=$dir
        HREL[$h]=$rel
        CUR_DIRS+=("$dir")
    done
}

# subst FILE: the template with the container's paths and pid
subst() {
    sed -e "s#{cpu}#${HDIR[cpu]-}#; s#{pids}#${HDIR[pids]-}#; s#{cg}#${HDIR[cg]-}#; s#{pid}#$PID#" "$1"
}

end_container() {
    delete_container "$CURRENT" "${CUR_DIRS[@]}"
    local d
    for d in "${CUR_DIRS[@]}"; do
        [ ! -d "$d" ] || log "warning: $d still exists after runc delete"
    done
    CURRENT=
    CUR_DIRS=()
}

# verify SIZE: the restored tree has the expected sub-cgroups in each
# hierarchy, the container's init sits where the image says, and the
# spot-checked values hold (check-SIZE.txt). Prints ok or what is wrong.
verify() {
    local n=$1 hier a b c got
    while read -r hier a b c; do
        case $hier in
        nodes) continue ;; # what save must find
        count) # count HIER N
            got=$(find "${HDIR[$a]}" -mindepth 1 -type d | wc -l)
            if [ "$got" != "$b" ]; then
                echo "count-$a:$got"
                return
            fi
            continue
            ;;
        initpid) # initpid SUBPATH: the init's cgroup is the top-level's SUBPATH
            got=$(awk -F: '$1 == "0" && $2 == "" { print substr($0, 4) }' "/proc/$PID/cgroup")
            if [ "$got" != "/${HREL[cg]}/$a" ]; then
                echo "init:$got"
                return
            fi
            continue
            ;;
        esac
        # HIER RELPATH FILE VALUE
        got=$(cat "${HDIR[$hier]}/$a/$b" 2>/dev/null || echo missing)
        if [ "$got" != "$c" ]; then
            echo "$hier:$a/$b=$got"
            return
        fi
    done <"$W/in/check-$n.txt"
    echo ok
}

RES=${RESULTS:-$W/results.txt}
: >"$RES"
# in the VM: stop measuring in time for the results to come out before
# test/vm/run.sh's timeout kills the guest (what was measured is kept)
DEADLINE=
if [ -n "${CGBIND_BENCH_BUDGET:-}" ]; then
    DEADLINE=$(($(date +%s) + CGBIND_BENCH_BUDGET))
fi
SKIPPED=0
out_of_time() {
    if [ -n "$DEADLINE" ] && [ "$(date +%s)" -ge "$DEADLINE" ]; then
        [ "$SKIPPED" = 1 ] || log "warning: out of time (--vm-timeout): the rest is left out"
        SKIPPED=1
        return 0
    fi
    return 1
}
ERRLOG=$W/stderr.log

# record KIND SIZE CONTENDER RUN TIMER-OUTPUT VERIFIED
record() {
    echo "$1 $2 $3 $4 $5 $6" >>"$RES"
}

# run_restore SIZE CONTENDER RUN: one measured restore into a fresh container.
run_restore() {
    local n=$1 c=$2 run=$3 out
    new_container
    case $c in
    floor)
        subst "$W/in/floor-$n.ops" >"$W/run.ops"
        out=$("$TIMER" -- "$TOOLS/floor" "$W/run.ops" 2>>"$ERRLOG")
        ;;
    cgbind)
        out=$("$TIMER" -i "$STATE" -- "$CGBIND" restore --image "$W/in/image-$n.json" 2>>"$ERRLOG")
        ;;
    cgbind-nosandbox)
        out=$("$TIMER" -i "$STATE" -- "$CGBIND" restore --no-sandbox --image "$W/in/image-$n.json" 2>>"$ERRLOG")
        ;;
    cgbind-b)
        out=$("$TIMER" -i "$STATE" -- "$CGBIND_B" restore --image "$W/in/image-$n.json" 2>>"$ERRLOG")
        ;;
    shell)
        subst "$W/in/shell-$n.sh" >"$W/run.sh"
        out=$("$TIMER" -- /bin/sh "$W/run.sh" 2>>"$ERRLOG")
        ;;
    cgconfigparser)
        if [ "$LAYOUT" = v2 ]; then
            # libcgroup enables the controllers in every ancestor of a group
            # below the cgroup2 root: that stays inside the container's own
            # cgroup only when it sits right below the root
            if [[ ${HREL[cg]} == */* ]]; then
                log "warning: cgconfigparser left out: it would write cgroup.subtree_control above the container (/${HREL[cg]})"
                end_container
                return
            fi
            # it cannot move a process: the init's move happens before the clock
            mkdir "${HDIR[cg]}/init"
            echo "$PID" >"${HDIR[cg]}/init/cgroup.procs"
            sed -e "s#{rel}#${HREL[cg]}#" "$W/in/cgconfig-$n.conf" >"$W/run.conf"
        elif [ "${HREL[cpu]}" = "${HREL[pids]}" ]; then
            sed -e "s#{rel}#${HREL[cpu]}#" "$W/in/cgconfig-$n.conf" >"$W/run.conf"
        else
            sed -e "s#{cpu_rel}#${HREL[cpu]}#; s#{pids_rel}#${HREL[pids]}#" "$W/in/cgconfig-$n.split.conf" >"$W/run.conf"
        fi
        out=$("$TIMER" -- cgconfigparser -l "$W/run.conf" 2>>"$ERRLOG")
        ;;
    esac
    local v
    v=$(verify "$n")
    record restore "$n" "$c" "$run" "$out" "$v"
    [ "$v" = ok ] || log "warning: $c at $n, run $run: tree not as expected ($v)"
    end_container
}

# plan_check SIZE: cgbind restore --dry-run, turned into the floor's
# notation, must be exactly the floor's list (same calls, same order).
# Prints "same" or where the first difference is.
plan_check() {
    local n=$1 d
    new_container
    if ! "$CGBIND" restore --dry-run --image "$W/in/image-$n.json" <"$STATE" >"$W/dry.txt" 2>>"$ERRLOG"; then
        end_container
        echo "dry-run-failed"
        return
    fi
    awk -v pid="$PID" '
        /^\[/ { l = substr($0, 2, length($0) - 2)
                print "cd {" (l == "cgroup2" ? "cg" : (l ~ /pids/ ? "pids" : "cpu")) "}"; next }
        /^  mkdir / { print "mkdir " substr($0, 9); next }
        /^  move pid / { print "write " $5 "/cgroup.procs " ($3 == pid ? "{pid}" : $3); next }
        /^  write / { t = substr($0, 9); i = index(t, " = \""); p = substr(t, 1, i - 1)
                v = substr(t, i + 4); sub(/"$/, "", v); sub(/^\.\//, "", p)
                print "write " p " " v; next }' "$W/dry.txt" >"$W/dry.ops"
    end_container
    if d=$(diff "$W/in/floor-$n.ops" "$W/dry.ops" | head -3 | tr '\n' ' '); [ -z "$d" ]; then
        echo same
    else
        echo "differs: $d"
    fi
}

# ---- inputs ----
log "generating images for sizes 0 $SIZES (layout $LAYOUT, props $PROPS)"
mkdir -p "$W/in"
# shellcheck disable=SC2086
"$BENCH/gen-image" --out "$W/in" --layout "$LAYOUT" --props "$PROPS" 0 $SIZES

cat >"$W/meta.txt" <<EOF
date $(date -u +%Y-%m-%dT%H:%M:%SZ)
host $(uname -r) $(nproc) cpus, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
layout $LAYOUT
$(if [ -n "${CGBIND_VM:-}" ]; then
    echo "vm test/vm (qemu ${CGBIND_VM_ACCEL:-tcg}), $(nproc) vCPUs, ${CGBIND_BENCH_VM_MEM:-?} MiB; host ${CGBIND_BENCH_HOST:-?}"
    echo "host-load-start ${CGBIND_BENCH_HOST_LOAD:-?}"
fi)
$(if [ -n "$CGBIND_GIVEN" ]; then
    echo "cgbind $("$CGBIND" --version | awk '{ print $2 }') (given with --cgbind)"
    echo "buildtype ?"
else
    echo "cgbind $("$CGBIND" --version | awk '{ print $2 }') $(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$SRC" diff --quiet HEAD -- src hook include meson.build 2>/dev/null || echo ' (+ local changes)')"
    echo "buildtype $(meson introspect --buildoptions "$BUILD" 2>/dev/null | jq -r '.[] | select(.name == "buildtype") | .value' 2>/dev/null || echo '?')"
fi)
runc $(runc --version | awk 'NR == 1 { print $3 }')
cgconfigparser $(dpkg-query -W -f '${Version}' cgroup-tools 2>/dev/null || echo '?')
binary $CGBIND
compare ${CGBIND_B:--}
props $PROPS
runs $RUNS
load-start $(cut -d' ' -f1-3 /proc/loadavg)
EOF
for n in 0 $SIZES; do
    echo "image-size $n $(stat -c %s "$W/in/image-$n.json")" >>"$W/meta.txt"
done

# ---- restore: every size, contenders interleaved run by run (a load spike
# from other users of the machine then hits all of them alike) ----
for n in $SIZES; do
    [ "$DO_RESTORE" = 1 ] || break
    if [[ " $CONTENDERS " == *" floor "* ]]; then
        pc=$(plan_check "$n")
        echo "plan-check $n $pc" >>"$W/meta.txt"
        if [ "$pc" = same ]; then
            log "plan check $n: cgbind restore --dry-run lists exactly the floor's calls"
        else
            log "warning: plan check $n: cgbind's plan is not the floor's list ($pc)"
        fi
    fi
    for run in $(seq "$RUNS"); do
        out_of_time && break
        # shellcheck disable=SC2086 # a list of words
        set -- $CONTENDERS
        # rotate the order each run
        k=$(((run - 1) % $#))
        order=("${@:k+1}" "${@:1:k}")
        for c in "${order[@]}"; do
            if [ -n "${CAP[$c@$n]-}" ] && [ "$run" -gt "${CAP[$c@$n]}" ]; then
                continue
            fi
            if [ "$n" -ge "$CAP_FROM" ]; then
                if [ "$c" = shell ] && [ -n "$SHELL_RUNS_MAX" ] && [ "$run" -gt "$SHELL_RUNS_MAX" ]; then
                    continue
                fi
                if [ "$c" = cgconfigparser ] && [ -n "$CGCP_RUNS_MAX" ] && [ "$run" -gt "$CGCP_RUNS_MAX" ]; then
                    continue
                fi
            fi
            log "restore size $n run $run/$RUNS: $c"
            run_restore "$n" "$c" "$run"
        done
    done
done

# ---- the empty image: hook start-up against the floor's process start ----
if [ "$DO_EMPTY" = 1 ] && ! out_of_time; then
    log "empty image: $((RUNS * 3)) runs each"
    new_container
    for run in $(seq $((RUNS * 3))); do
        out=$("$TIMER" -- "$TOOLS/floor" "$W/in/floor-0.ops" 2>>"$ERRLOG")
        record empty 0 floor "$run" "$out" ok
        out=$("$TIMER" -i "$STATE" -- /bin/true 2>>"$ERRLOG")
        record empty 0 true "$run" "$out" ok
        out=$("$TIMER" -i "$STATE" -- "$TOOLS/forkfloor" 2>>"$ERRLOG")
        record empty 0 forkfloor "$run" "$out" ok
        out=$("$TIMER" -i "$STATE" -- "$CGBIND" restore --image "$W/in/image-0.json" 2>>"$ERRLOG")
        record empty 0 cgbind "$run" "$out" ok
        out=$("$TIMER" -i "$STATE" -- "$CGBIND" restore --no-sandbox --image "$W/in/image-0.json" 2>>"$ERRLOG")
        record empty 0 cgbind-nosandbox "$run" "$out" ok
        if [ -n "$CGBIND_B" ]; then
            out=$("$TIMER" -i "$STATE" -- "$CGBIND_B" restore --image "$W/in/image-0.json" 2>>"$ERRLOG")
            record empty 0 cgbind-b "$run" "$out" ok
        fi
    done
    end_container
fi

# ---- many starts at once (--starts) ----
# start_round K MODE RUN: K containers started at one moment with `runc run
# -d`, each timed; MODE hook: each has a prestart hook, cgbind restore of the
# --starts-nodes image through the timer (-a: its figures go to a file),
# traced: the same under strace -T -e flock (not timed: the lock wait).
start_round() {
    local k=$1 mode=$2 run=$3 i id b fifo=$W/go pids=() t0 t1
    case $mode in off) b=$W/sb-off ;; hook) b=$W/sb-hook ;; traced) b=$W/sb-traced ;; esac
    : >"$W/hook-times.txt"
    rm -f "$fifo" "$W"/flock.*
    mkfifo "$fifo"
    # held open read-write: a reader's open never blocks, and one that
    # starts late still finds its line
    exec 3<>"$fifo"
    local ids=()
    # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
    for i in $(seq "$k"); do
        N_CTR=$((N_CTR + 1))
        ids+=("$ID_PREFIX$N_CTR")
    done
    for id in "${ids[@]}"; do
        (
            read -r _ <"$fifo" || true
            if [ "$mode" = traced ]; then
                runc run -d --bundle "$b" "$id" </dev/null >"$W/start-$id.log" 2>&1
                echo "$?" >"$W/start-$id.out"
            else
                "$TIMER" -- runc run -d --bundle "$b" "$id" </dev/null >"$W/start-$id.out" 2>"$W/start-$id.log"
            fi
        ) &
        pids+=($!)
    done
    sleep 0.5
    t0=$(date +%s%N)
    # one line per waiting start, in one write: they all go at once
    printf '%*s' "$k" '' | tr ' ' '\n' >&3
    wait "${pids[@]}" || true
    exec 3>&-
    t1=$(date +%s%N)
    local okc=0 out st
    for id in "${ids[@]}"; do
        out=$(cat "$W/start-$id.out" 2>/dev/null || echo "0 0 1 0")
        if [ "$mode" = traced ]; then
            st=$out
        else
            st=$(awk '{ print $3 }' <<<"$out")
        fi
        local v=ok
        if [ "$st" != 0 ]; then
            v=failed
            log "warning: $mode start of $id failed: $(head -c 300 "$W/start-$id.log" | tr '\n' ' ')"
            # kept whole: runc's message and the hook's stderr in it
            {
                echo "== $k $mode $run $id (status $st)"
                cat "$W/start-$id.log" 2>/dev/null || echo "(no stderr)"
            } >>"$W/start-failures.txt"
        elif [ "$mode" != off ]; then
            # the hook restored the tree: count the nodes in its cpu (or cgroup2) top-level
            local pid h dir rel
            pid=$(runc state "$id" 2>/dev/null | jq -r .pid)
            h=cpu
            [ "$LAYOUT" = v1 ] || h=
            read -r dir rel < <(host_dir "$pid" "$h") || true
            # on v2 the image moves the init into init/: its cgroup is below the top-level
            [ "$LAYOUT" = v1 ] || [ "${dir##*/}" != init ] || dir=${dir%/init}
            [ -n "$dir" ] && [ "$(find "$dir" -mindepth 1 -type d | wc -l)" -ge "$STARTS_NODES" ] || v=tree
        fi
        [ "$v" = ok ] && okc=$((okc + 1))
        [ "$mode" = traced ] || record start "$k" "runc-$mode" "$run" "$out" "$v"
    done
    if [ "$mode" = hook ]; then
        while read -r line; do
            record hook "$k" cgbind "$run" "$line" ok
        done <"$W/hook-times.txt"
    fi
    [ "$mode" = traced ] || echo "throughput $k runc-$mode $run $okc $(((t1 - t0) / 1000))" >>"$W/meta.txt"
    if [ "$mode" = traced ]; then
        # lock wait: every flock of every hook, EWOULDBLOCK = it would have waited
        local n_flock n_block max_us
        n_flock=$(cat "$W"/flock.* 2>/dev/null | grep -c '^flock(' || true)
        n_block=$(cat "$W"/flock.* 2>/dev/null | grep -c 'EWOULDBLOCK\|EAGAIN' || true)
        max_us=$(cat "$W"/flock.* 2>/dev/null | sed -n 's/^flock(.*<\([0-9.]*\)>$/\1/p' |
            awk 'BEGIN { m = 0 } { if ($1 > m) m = $1 } END { printf "%d", m * 1000000 }')
        echo "lock-wait $k $okc $n_flock $n_block $max_us" >>"$W/meta.txt"
        log "lock wait, $k starts: $n_flock flock calls, $n_block would have blocked, longest ${max_us} us"
    fi
    # clean up: the restored trees, then the containers
    for id in "${ids[@]}"; do
        local pid dirs=() h dir rel
        pid=$(runc state "$id" 2>/dev/null | jq -r .pid 2>/dev/null || true)
        if [ -n "$pid" ] && [ "$pid" != 0 ] && [ -e "/proc/$pid" ]; then
            for h in "${HIERS[@]}"; do
                read -r dir rel < <(host_dir "$pid" "${h/cg/}") || true
                [ -z "$rel" ] || dirs+=("$dir")
            done
        fi
        delete_container "$id" "${dirs[@]}"
    done
    rm -f "$W"/start-*.out "$W"/start-*.log
}

if [ -n "$STARTS" ] && ! out_of_time; then
    "$BENCH/gen-image" --out "$W/in-starts" --layout "$LAYOUT" --props "$PROPS" "$STARTS_NODES" >/dev/null
    SIMG=$W/in-starts/image-$STARTS_NODES.json
    # the hook's arguments after "restore" (jq 1.6 reads --args' values as its own options)
    hargs='["--image", $i] + (if $to == "" then [] else ["--timeout", $to] end)'
    mkdir -p "$W/sb-off" "$W/sb-hook" "$W/sb-traced"
    jq --arg r "$B/rootfs" '.root.path = $r' "$B/config.json" >"$W/sb-off/config.json"
    jq --arg r "$B/rootfs" --arg t "$TIMER" --arg f "$W/hook-times.txt" --arg c "$CGBIND" \
        --arg i "$SIMG" --arg to "$STARTS_TIMEOUT" \
        '.root.path = $r | .hooks.prestart = [{ path: $t, args: (["timer", "-a", $f, "--", $c, "restore"] + '"$hargs"') }]' \
        "$B/config.json" >"$W/sb-hook/config.json"
    STRACE=$(command -v strace || true)
    if [ -n "$STRACE" ]; then
        jq --arg r "$B/rootfs" --arg s "$STRACE" --arg f "$W/flock" --arg c "$CGBIND" \
            --arg i "$SIMG" --arg to "$STARTS_TIMEOUT" \
            '.root.path = $r | .hooks.prestart = [{ path: "/bin/sh", args: (["sh", "-c",
                "f=$1; shift; exec \"$0\" -T -e trace=flock -o \"$f.$$\" \"$@\"", $s, $f, $c, "restore"] + '"$hargs"') }]' \
            "$B/config.json" >"$W/sb-traced/config.json"
    fi
    echo "starts-nodes $STARTS_NODES" >>"$W/meta.txt"
    echo "starts-timeout ${STARTS_TIMEOUT:-default}" >>"$W/meta.txt"
    for k in $STARTS; do
        for run in $(seq "$STARTS_RUNS"); do
            out_of_time && break
            # alternate which mode goes first
            if [ $((run % 2)) = 1 ]; then modes="off hook"; else modes="hook off"; fi
            for m in $modes; do
                log "starts: $k at once, $m, round $run/$STARTS_RUNS"
                start_round "$k" "$m" "$run"
            done
        done
        if [ -n "$STRACE" ] && ! out_of_time; then
            log "starts: $k at once under strace (the lock wait)"
            start_round "$k" traced 1
        fi
    done
    if [ -s "$W/start-failures.txt" ]; then
        log "failed starts: $(grep -c '^== ' "$W/start-failures.txt"), by message (count, first line):"
        failure_summary "$W/start-failures.txt" >&2
        [ -z "$RESULTS" ] || cp "$W/start-failures.txt" "$RESULTS.failures"
    fi
fi

# ---- save of the largest tree against reading the same files ----
if [ "$DO_SAVE" = 1 ] && ! out_of_time; then
    n=${SIZES##* }
    log "save: $n sub-cgroups, $RUNS runs each"
    new_container
    subst "$W/in/floor-$n.ops" >"$W/run.ops"
    "$TOOLS/floor" "$W/run.ops"
    v=$(verify "$n")
    [ "$v" = ok ] || log "warning: save tree not as expected ($v)"
    nodes=$(awk '$1 == "nodes" { print $2 }' "$W/in/check-$n.txt")
    # the files cgbind save reads: every allowlisted file of the hierarchy's
    # controllers (readfloor reads a name only where the file exists)
    if [ "$LAYOUT" = v2 ]; then
        # the top-level has the files of every controller its parent enabled
        v2_files=cgroup.type,cgroup.subtree_control,cgroup.max.depth,cgroup.max.descendants
        v2_files+=,cpu.weight,cpu.max,cpu.max.burst,cpu.idle,cpu.uclamp.min,cpu.uclamp.max
        v2_files+=,cpuset.cpus,cpuset.mems,io.weight,io.max,io.latency,pids.max
        v2_files+=,memory.min,memory.low,memory.high,memory.max,memory.swap.high,memory.swap.max
        v2_files+=,memory.zswap.max,memory.oom.group
        for f in "${HDIR[cg]}"/hugetlb.*.max; do
            [ ! -e "$f" ] || v2_files+=,${f##*/}
        done
        read_args=("${HDIR[cg]}" "$v2_files")
    else
        # v1: and the core cgroup.clone_children
        cpu_files=cgroup.clone_children,cpu.shares,cpu.cfs_period_us,cpu.cfs_quota_us,cpu.cfs_burst_us,cpu.idle,cpu.rt_period_us,cpu.rt_runtime_us
        pids_files=cgroup.clone_children,pids.max
        read_args=("${HDIR[cpu]}" "$cpu_files" "${HDIR[pids]}" "$pids_files")
    fi
    for run in $(seq "$RUNS"); do
        out_of_time && break
        out=$("$TIMER" -o "$W/readfloor.out" -- "$TOOLS/readfloor" "${read_args[@]}" 2>>"$ERRLOG")
        record save "$n" readfloor "$run" "$out" ok
        for c in cgbind ${CGBIND_B:+cgbind-b}; do
            bin=$CGBIND
            [ "$c" = cgbind ] || bin=$CGBIND_B
            out=$("$TIMER" -i "$STATE" -o "$W/saved.json" -- "$bin" save --max-cgroups 1000000 2>>"$ERRLOG")
            # the image must hold every sub-cgroup: count the "name" keys
            got=$(grep -c '"name":' "$W/saved.json" || true)
            v=ok
            [ "$got" = "$nodes" ] || v=nodes:$got
            record save "$n" "$c" "$run" "$out" "$v"
        done
    done
    echo "save-files $(cat "$W/readfloor.out")" >>"$W/meta.txt"
    echo "save-image-size $(stat -c %s "$W/saved.json")" >>"$W/meta.txt"
    end_container
fi

echo "load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$W/meta.txt"
[ "$SKIPPED" = 0 ] || echo "cut-short out of time (--vm-timeout); the runs column shows what was measured" >>"$W/meta.txt"
if [ -s "$ERRLOG" ]; then
    log "stderr of the measured commands (first lines):"
    sort "$ERRLOG" | uniq -c | sort -rn | head -5 >&2
fi
if [ -n "$RESULTS" ]; then
    cp "$W/meta.txt" "$RESULTS.meta"
    log "raw results kept in $RESULTS and $RESULTS.meta (bench/report.py prints the table again)"
fi
# in the VM, the --vm side on the host prints the table from what came back
if [ -z "${CGBIND_VM_OUT:-}" ] || [ "$RESULTS" != "$CGBIND_VM_OUT/results.txt" ]; then
    python3 "$BENCH/report.py" "$W/meta.txt" "$RES"
fi
