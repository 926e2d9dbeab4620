#!/bin/bash
# bench/run.sh: cgbind restore and save against the syscall floor, a shell
# script and libcgroup's cgconfigparser, on real runc containers (created,
# not started) on this host's cgroup v1 hierarchies. Prints one table.
# It is a benchmark, not a test: it never fails on a slow figure.
#
#   sudo bench/run.sh [--runs N] [--sizes "10 100 1000 10000"] [--props plain|cfs]
#                     [--contenders "floor cgbind cgbind-nosandbox shell cgconfigparser"]
#                     [--shell-runs-max N] [--no-save] [--no-empty] [--results FILE]
#                     [--cgbind BIN] [--compare BIN]
#
# --cgbind BIN measures that binary instead of building the tree's own;
# --compare BIN adds it as contender "cgbind-b" (default flags), interleaved
# with the others run by run: an A/B test of a change.
#
# --results FILE keeps the raw figures (and FILE.meta); without it they go
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
DO_SAVE=1
DO_EMPTY=1
RESULTS=
CGBIND=
CGBIND_B=

usage() {
    sed -n '2,/^# See bench/p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case $1 in
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --props) PROPS=$2; shift 2 ;;
    --contenders) CONTENDERS=$2; shift 2 ;;
    --shell-runs-max) SHELL_RUNS_MAX=$2; shift 2 ;;
    --no-save) DO_SAVE=0; shift ;;
    --no-empty) DO_EMPTY=0; shift ;;
    --results) RESULTS=$2; shift 2 ;;
    --cgbind) CGBIND=$2; shift 2 ;;
    --compare) CGBIND_B=$2; shift 2 ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; usage 2 ;;
    esac
done
case $PROPS in plain | cfs) ;; *) echo "run.sh: --props plain or cfs" >&2; exit 2 ;; esac
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

log() { echo "bench: $*" >&2; }

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (it creates runc containers and cgroups)" >&2; exit 2; }
[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || {
    echo "run.sh: this runner is written for cgroup v1 hierarchies (cpu, pids); this host is cgroup v2" >&2
    exit 2
}

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
    log "installing ${need_pkgs[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_pkgs[@]}" >&2
fi

# ---- build: cgbind as users build it (meson defaults), the tools with cc -O2 ----
CGBIND_GIVEN=${CGBIND:+1}
if [ -n "$CGBIND" ]; then
    [ -x "$CGBIND" ] || { echo "run.sh: --cgbind $CGBIND: not an executable" >&2; exit 2; }
    CGBIND=$(readlink -f "$CGBIND")
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
for t in timer floor readfloor; do
    if [ ! -x "$TOOLS/$t" ] || [ "$BENCH/$t.c" -nt "$TOOLS/$t" ]; then
        cc -O2 -Wall -Wextra -o "$TOOLS/$t" "$BENCH/$t.c"
    fi
done
TIMER=$TOOLS/timer

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

delete_container() {
    local id=$1
    shift
    remove_subtree "$@"
    runc kill "$id" KILL >/dev/null 2>&1 || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        runc delete -f "$id" >/dev/null 2>&1 && break
        sleep 0.2
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
# hierarchy, from /proc/PID/cgroup and our mount table (never assume /<id>).
host_dir() {
    local pid=$1 c=$2 path root mnt
    path=$(awk -F: -v c="$c" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
        "/proc/$pid/cgroup")
    read -r root mnt < <(awk -v c="$c" '$0 ~ / - cgroup / {
        n = split($NF, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) { print $4, $5; exit } }' \
        /proc/self/mountinfo)
    [ -n "$path" ] && [ -n "$mnt" ] || return 1
    [ "$root" = / ] && root=
    local rel=${path#"$root"}
    echo "$mnt$rel ${rel#/}"
}

# new_container: creates bench-<pid>-<n>; sets CURRENT, STATE, CPU_DIR,
# PIDS_DIR, CPU_REL, PIDS_REL.
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
    local pid
    pid=$(jq -r .pid "$STATE")
    read -r CPU_DIR CPU_REL < <(host_dir "$pid" cpu)
    read -r PIDS_DIR PIDS_REL < <(host_dir "$pid" pids)
    # never touch a hierarchy root: the container's cgroup must be below it
    if [ -z "$CPU_REL" ] || [ -z "$PIDS_REL" ]; then
        echo "run.sh: $id has no cgroup of its own" >&2
        exit 1
    fi
    CUR_DIRS=("$CPU_DIR" "$PIDS_DIR")
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

# verify SIZE: the restored tree has SIZE sub-cgroups in each hierarchy and
# the spot-checked values (check-SIZE.txt). Prints ok or what is wrong.
verify() {
    local n=$1 hier a b c dir got
    while read -r hier a b c; do
        if [ "$hier" = count ]; then # count HIER N
            dir=$CPU_DIR
            [ "$a" = pids ] && dir=$PIDS_DIR
            got=$(find "$dir" -mindepth 1 -type d | wc -l)
            if [ "$got" != "$b" ]; then
                echo "count-$a:$got"
                return
            fi
            continue
        fi
        dir=$CPU_DIR # HIER RELPATH FILE VALUE
        [ "$hier" = pids ] && dir=$PIDS_DIR
        got=$(cat "$dir/$a/$b" 2>/dev/null || echo missing)
        if [ "$got" != "$c" ]; then
            echo "$hier:$a/$b=$got"
            return
        fi
    done <"$W/in/check-$n.txt"
    echo ok
}

RES=${RESULTS:-$W/results.txt}
: >"$RES"
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
        sed -e "s#{cpu}#$CPU_DIR#; s#{pids}#$PIDS_DIR#" "$W/in/floor-$n.ops" >"$W/run.ops"
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
        sed -e "s#{cpu}#$CPU_DIR#; s#{pids}#$PIDS_DIR#" "$W/in/shell-$n.sh" >"$W/run.sh"
        out=$("$TIMER" -- /bin/sh "$W/run.sh" 2>>"$ERRLOG")
        ;;
    cgconfigparser)
        if [ "$CPU_REL" = "$PIDS_REL" ]; then
            sed -e "s#{rel}#$CPU_REL#" "$W/in/cgconfig-$n.conf" >"$W/run.conf"
        else
            sed -e "s#{cpu_rel}#$CPU_REL#; s#{pids_rel}#$PIDS_REL#" "$W/in/cgconfig-$n.split.conf" >"$W/run.conf"
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

# ---- inputs ----
log "generating images (--binary $CGBIND
compare ${CGBIND_B:--}
props $PROPS) for sizes 0 $SIZES"
mkdir -p "$W/in"
# shellcheck disable=SC2086
"$BENCH/gen-image" --out "$W/in" --props "$PROPS" 0 $SIZES

cat >"$W/meta.txt" <<EOF
date $(date -u +%Y-%m-%dT%H:%M:%SZ)
host $(uname -r) $(nproc) cpus, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
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
    for run in $(seq "$RUNS"); do
        # shellcheck disable=SC2086 # a list of words
        set -- $CONTENDERS
        # rotate the order each run
        k=$(((run - 1) % $#))
        order=("${@:k+1}" "${@:1:k}")
        for c in "${order[@]}"; do
            if [ "$c" = shell ] && [ -n "$SHELL_RUNS_MAX" ] && [ "$n" -ge 10000 ] && [ "$run" -gt "$SHELL_RUNS_MAX" ]; then
                continue
            fi
            log "restore size $n run $run/$RUNS: $c"
            run_restore "$n" "$c" "$run"
        done
    done
done

# ---- the empty image: hook start-up against the floor's process start ----
if [ "$DO_EMPTY" = 1 ]; then
    log "empty image: $((RUNS * 3)) runs each"
    new_container
    for run in $(seq $((RUNS * 3))); do
        out=$("$TIMER" -- "$TOOLS/floor" "$W/in/floor-0.ops" 2>>"$ERRLOG")
        record empty 0 floor "$run" "$out" ok
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

# ---- save of the largest tree against reading the same files ----
if [ "$DO_SAVE" = 1 ]; then
    n=${SIZES##* }
    log "save: $n sub-cgroups, $RUNS runs each"
    new_container
    sed -e "s#{cpu}#$CPU_DIR#; s#{pids}#$PIDS_DIR#" "$W/in/floor-$n.ops" >"$W/run.ops"
    "$TOOLS/floor" "$W/run.ops"
    v=$(verify "$n")
    [ "$v" = ok ] || log "warning: save tree not as expected ($v)"
    # the files cgbind save reads: every allowlisted v1 file of the hierarchy's
    # controllers, and the v1 core cgroup.clone_children
    cpu_files=cgroup.clone_children,cpu.shares,cpu.cfs_period_us,cpu.cfs_quota_us,cpu.cfs_burst_us,cpu.idle
    pids_files=cgroup.clone_children,pids.max
    for run in $(seq "$RUNS"); do
        out=$("$TIMER" -o "$W/readfloor.out" -- "$TOOLS/readfloor" "$CPU_DIR" "$cpu_files" "$PIDS_DIR" "$pids_files" 2>>"$ERRLOG")
        record save "$n" readfloor "$run" "$out" ok
        out=$("$TIMER" -i "$STATE" -o "$W/saved.json" -- "$CGBIND" save 2>>"$ERRLOG")
        # the image must hold every sub-cgroup: count the "name" keys
        got=$(grep -c '"name":' "$W/saved.json" || true)
        v=ok
        [ "$got" = $((2 * n)) ] || v=nodes:$got
        record save "$n" cgbind "$run" "$out" "$v"
        if [ -n "$CGBIND_B" ]; then
            out=$("$TIMER" -i "$STATE" -o "$W/saved.json" -- "$CGBIND_B" save 2>>"$ERRLOG")
            got=$(grep -c '"name":' "$W/saved.json" || true)
            v=ok
            [ "$got" = $((2 * n)) ] || v=nodes:$got
            record save "$n" cgbind-b "$run" "$out" "$v"
        fi
    done
    echo "save-files $(cat "$W/readfloor.out")" >>"$W/meta.txt"
    echo "save-image-size $(stat -c %s "$W/saved.json")" >>"$W/meta.txt"
    end_container
fi

echo "load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$W/meta.txt"
if [ -s "$ERRLOG" ]; then
    log "stderr of the measured commands (first lines):"
    sort "$ERRLOG" | uniq -c | sort -rn | head -5 >&2
fi
if [ -n "$RESULTS" ]; then
    cp "$W/meta.txt" "$RESULTS.meta"
    log "raw results kept in $RESULTS and $RESULTS.meta (bench/report.py prints the table again)"
fi
python3 "$BENCH/report.py" "$W/meta.txt" "$RES"
