#!/bin/bash
# bench/checkpoint.sh: what cgbind as CRIU's action-script adds to `runc
# checkpoint` and `runc restore` (issue 25.3: at most 5 % each).
#
#   bench/checkpoint.sh [--vm v2 [--vm-timeout SEC] [--vm-mem MiB]]
#                       [--engine runc|podman|docker|containerd]
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
# script). After each restore, the sub-cgroups are counted, and what came
# back is scored against the image (test/bats/engines-helpers.bash's
# score_against: the checkpoint's cgbind.json, or without one the image the
# tree was built from); then the container is deleted and its cgroups removed.
# Every step also records the CPU time of the whole machine (/proc/stat, all
# CPUs, not idle or iowait): with a daemon (dockerd, containerd and its shim,
# podman's conmon) runc, CRIU and the script are not the client's children.
#
# --engine (default runc) drives the same steps through another engine, as
# the test suites do (test/bats/checkpoint-{docker,containerd,podman}.bats,
# their helpers sourced from test/bats): docker (dockerd --experimental and
# its containerd, engines-helpers.bash's dockerd_start; `docker run
# --privileged --cgroupns private`, `docker checkpoint create`, `docker start
# --checkpoint`), containerd (containerd_start; `ctr run --with-ns cgroup:`,
# `ctr containers checkpoint --task --rw --image`, then the task and the
# container removed and `ctr containers restore --live --rw`), podman
# (checkpoint-helpers.bash's pm: runc, cgroupfs, vfs; `podman container
# checkpoint`, `podman container restore`). Docker and containerd find CRIU
# through PATH (criu_on_path); runc and podman are given it.
# Each run also keeps the action-script's time per CRIU step, read from
# CRIU's dump.log and restore.log where the engine leaves them in the
# checkpoint directory (bench/criu-steps.py). --cgbind BIN measures that
# binary (for --vm: a path the VM sees, not under /tmp or /var/tmp) instead
# of the tree's own build, e.g. contrib/kubernetes/build-static.sh's.
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
ENGINE=runc
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
    --engine) ENGINE=$2; INNER+=("$1" "$2") ;;
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
case $ENGINE in runc | podman | docker | containerd) ;; *) die "--engine: runc, podman, docker or containerd, not '$ENGINE'" ;; esac
[[ $VM_TIMEOUT =~ ^[1-9][0-9]+$ ]] || die "--vm-timeout: seconds"
case $VM in '' | v2) ;; *) die "--vm: only v2" ;; esac
[ "$(id -u)" = 0 ] || die "run as root (it creates runc containers, cgroups and /etc/criu/runc.conf)"

# ---- on the host: build, boot the VM, bring the figures back ----
TOOLS=$BUILD/bench-tools
if [ -z "${CGBIND_VM:-}" ]; then
    need=(runc jq python3 cc meson iptables)
    case $ENGINE in
    docker) need+=(dockerd containerd /usr/bin/docker) ;;
    containerd) need+=(containerd ctr) ;;
    podman) need+=(podman) ;;
    esac
    for c in "${need[@]}"; do
        command -v "$c" >/dev/null || die "$c is missing (bench/README.md lists the packages)"
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
# the test suites' helpers (pid_cg_dir, score_against, containerd_start,
# dockerd_start, busybox_rootfs, oci_archive, pm, criu_on_path): sourced, not
# copied. helpers.bash asks bats for its version, and up_within notes on fd 3.
bats_require_minimum_version() { :; }
export CGBIND_CRIU=$CRIU
# shellcheck source=../test/bats/helpers.bash
. "$SRC/test/bats/helpers.bash"
# shellcheck source=../test/bats/engines-helpers.bash
. "$SRC/test/bats/engines-helpers.bash"
# shellcheck source=../test/bats/checkpoint-helpers.bash
. "$SRC/test/bats/checkpoint-helpers.bash"
exec 3>&2
CGBIND=$BUILD/cgbind
RT=(runc --root "$W/runc" --criu "$CRIU")
DOCKER=/usr/bin/docker
dk() { "$DOCKER" -H "unix://$W/docker/docker.sock" "$@"; }
c() { ctr -a "$W/ctd/c.sock" "$@"; }
ID=
TOP=
RS_DIR=
ON_PATH=
cleanup() {
    [ -z "$ID" ] || { eng_rm "$ID"; [ -z "$TOP" ] || rm_tree "$TOP"; }
    case $ENGINE in
    docker) dockerd_stop "$W/docker" ;;
    containerd) containerd_stop "$W/ctd" ;;
    podman) pm rm -af >/dev/null 2>&1 || true; pm rmi -af >/dev/null 2>&1 || true ;;
    esac
    [ -z "$ON_PATH" ] || rm -f /usr/local/sbin/criu
    rm -f /etc/criu/runc.conf
    rm -rf "$W"
}
trap cleanup EXIT
rm_tree() { [ ! -d "$1" ] || find "$1" -depth -type d -exec rmdir {} + 2>/dev/null || true; }

# machine_cpu_us: the CPU time of the whole machine so far (all CPUs: user,
# nice, system, irq, softirq, steal; not idle or iowait), from /proc/stat,
# read with builtins (no process of its own inside the window)
HZ=$(getconf CLK_TCK)
machine_cpu_us() {
    local u n s irq sirq st
    read -r _ u n s _ _ irq sirq st _ </proc/stat
    echo $(((u + n + s + irq + sirq + st) * 1000000 / HZ))
}

# ---- the engines: each defines how a container is run, checkpointed,
# restored and removed; `one` below is the same for all ----
# eng_up: the daemons and the image. eng_run ID N: the container started,
# INIT its init's pid. CK and RS: the checkpoint and restore commands (arrays).
# eng_saved ID: the cgbind.json the checkpoint holds (nothing printed when it
# has none). eng_between ID: what the engine needs between the two (untimed).
# eng_pid ID: the restored init's pid. eng_rm ID: the container gone.
WORKLOAD='exec </dev/null >/dev/null 2>&1; touch /built; while true; do sleep 1; done'
case $ENGINE in
runc)
    eng_up() {
        # the rootfs, the config (runc's default, the workload's stdio
        # /dev/null, as runc checkpoint needs)
        busybox_rootfs "$W/rootfs" sh sleep touch
        (cd "$W" && runc spec && jq --arg w "$WORKLOAD" '.process.terminal = false
            | .process.args = ["/bin/sh", "-c", $w] | .root.readonly = false' config.json >config.new &&
            mv config.new config.json)
    }
    eng_run() {
        local b=$W/b
        rm -rf "$b" && mkdir -p "$b"
        cp -a "$W/rootfs" "$b/rootfs" && cp "$W/config.json" "$b/config.json"
        (cd "$b" && "${RT[@]}" run -d "$1" </dev/null >/dev/null 2>>"$W/err.log") || return 1
        INIT=$("${RT[@]}" state "$1" | jq -r .pid)
        CK=("${RT[@]}" checkpoint --image-path "$W/ck" "$1")
        RS=("${RT[@]}" restore -d --image-path "$W/ck" "$1")
        RS_DIR=$b
    }
    eng_saved() { [ ! -e "$W/ck/cgbind.json" ] || echo "$W/ck/cgbind.json"; }
    eng_between() { :; }
    eng_pid() { "${RT[@]}" state "$1" | jq -r .pid; }
    eng_rm() { "${RT[@]}" delete -f "$1" >/dev/null 2>&1 || true; }
    ;;
docker)
    eng_up() {
        criu_on_path || return 1
        ON_PATH=1
        dockerd_start "$W/docker" || return 1
        busybox_rootfs "$W/rootfs" sh sleep touch
        tar -C "$W/rootfs" -c . | dk import - cgbind-busybox >/dev/null || return 1
        [ "$(dk info -f '{{.CgroupDriver}} {{.CgroupVersion}}')" = "cgroupfs 2" ]
    }
    eng_run() {
        dk run -d --name "$1" --privileged --cgroupns private --network none cgbind-busybox \
            sh -c "$WORKLOAD" >/dev/null 2>>"$W/err.log" || return 1
        INIT=$(dk inspect -f '{{.State.Pid}}' "$1")
        CK=("$DOCKER" -H "unix://$W/docker/docker.sock" checkpoint create "$1" ck1)
        RS=("$DOCKER" -H "unix://$W/docker/docker.sock" start --checkpoint ck1 "$1")
    }
    eng_saved() {
        local f
        f=$W/docker/data/containers/$(dk inspect -f '{{.Id}}' "$1")/checkpoints/ck1/cgbind.json
        [ ! -e "$f" ] || echo "$f"
    }
    eng_between() { :; }
    eng_pid() { dk inspect -f '{{.State.Pid}}' "$1"; }
    eng_rm() { dk rm -f "$1" >/dev/null 2>&1 || true; }
    ;;
containerd)
    eng_up() {
        criu_on_path || return 1
        ON_PATH=1
        containerd_start "$W/ctd" || return 1
        busybox_rootfs "$W/rootfs" sh sleep touch
        oci_archive "$W/rootfs" "$W/busybox.tar" docker.io/cgbind/busybox:1
        c images import "$W/busybox.tar" >/dev/null || return 1
    }
    eng_run() {
        # the test's flags: a cgroup namespace of its own and /sys/fs/cgroup
        c run -d --privileged --cgroup "/default/$1" --with-ns cgroup: \
            --mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=rw:nosuid:nodev:noexec \
            docker.io/cgbind/busybox:1 "$1" sh -c "$WORKLOAD" >/dev/null 2>>"$W/err.log" || return 1
        INIT=$(eng_pid "$1")
        CK=(ctr -a "$W/ctd/c.sock" containers checkpoint --task --rw --image "$1" "docker.io/cgbind/ck-$1:1")
        RS=(ctr -a "$W/ctd/c.sock" containers restore --live --rw "$1" "docker.io/cgbind/ck-$1:1")
        touch "$W/ck.stamp"
    }
    eng_saved() {
        # the checkpoint tarball among the content blobs written since the run
        local f
        rm -f "$W/ctd-saved.json"
        while read -r f; do
            tar -xOf "$f" --wildcards '*cgbind.json' >"$W/ctd-saved.json" 2>/dev/null &&
                [ -s "$W/ctd-saved.json" ] && { echo "$W/ctd-saved.json"; return 0; }
        done < <(find "$W/ctd/root/io.containerd.content.v1.content/blobs" -type f -newer "$W/ck.stamp")
        rm -f "$W/ctd-saved.json"
    }
    eng_between() { # `ctr containers checkpoint` leaves the task running
        c task kill -s KILL "$1" >/dev/null 2>&1 || true
        local i
        for ((i = 0; i < 100; i++)); do
            c task rm -f "$1" >/dev/null 2>&1 && break
            sleep 0.2
        done
        c containers rm "$1" >/dev/null 2>&1 || true
    }
    eng_pid() { c task ls | awk -v id="$1" '$1 == id { print $2 }'; }
    eng_rm() {
        eng_between "$1"
        c images rm "docker.io/cgbind/ck-$1:1" >/dev/null 2>&1 || true
    }
    ;;
podman)
    eng_up() {
        export PM_ROOT=$W/podman
        pm_import_busybox localhost/cgbind-ck sh sleep touch
    }
    eng_run() {
        pm run -d --name "$1" --network none localhost/cgbind-ck sh -c "$WORKLOAD" \
            >/dev/null 2>>"$W/err.log" || return 1
        INIT=$(eng_pid "$1")
        CK=("${PM[@]}" container checkpoint "$1")
        RS=("${PM[@]}" container restore "$1")
    }
    eng_saved() {
        local f
        f=/var/lib/containers/storage/vfs-containers/$(pm inspect -f '{{.Id}}' "$1")/userdata/checkpoint/cgbind.json
        [ ! -e "$f" ] || echo "$f"
    }
    eng_between() { :; }
    eng_pid() { pm inspect -f '{{.State.Pid}}' "$1"; }
    eng_rm() { pm rm -f "$1" >/dev/null 2>&1 || true; }
    ;;
esac

# the CRIU configuration of the "with" mode
ln -s "$CGBIND" "$W/criu-script"
sed "s|@CRIU_SCRIPT@|$W/criu-script|" "$SRC/contrib/criu/runc.conf.in" >"$W/runc.conf.with"
# shellcheck disable=SC2086 # the sizes, one word each
python3 "$BENCH/gen-image" --out "$W/in" --layout v2 $SIZES >/dev/null
mkdir -p /etc/criu
t0=$SECONDS
eng_up >>"$W/up.log" 2>&1 || { cat "$W/up.log" >&2; die "$ENGINE could not be set up"; }

{
    echo "# bench/checkpoint.sh $(date -u +%FT%TZ)"
    echo "meta engine $ENGINE"
    echo "meta sizes $SIZES"
    echo "meta runs $RUNS"
    echo "meta modes $MODES"
    echo "meta criu $v"
    echo "meta runc $(runc --version | head -1)"
    case $ENGINE in
    docker) echo "meta docker $(dk version -f '{{.Server.Version}}') (dockerd --experimental, cgroup driver $(dk info -f '{{.CgroupDriver}}'))" ;;
    containerd) echo "meta containerd $(containerd --version)" ;;
    podman) echo "meta podman $(podman --version)" ;;
    esac
    [ "$ENGINE" = runc ] || echo "meta engine-up $((SECONDS - t0)) s (daemons started, image imported)"
    echo "meta cgbind $("$CGBIND" --version | head -1)${CGBIND_BIN:+ ($CGBIND_BIN)}"
    echo "meta where ${CGBIND_VM:+vm test/vm (qemu ${CGBIND_VM_ACCEL:-tcg}), }$(uname -r), $(nproc) cpus"
    echo "host-load-start ${CGBIND_BENCH_HOST_LOAD:-$(cut -d' ' -f1-3 /proc/loadavg)}"
    echo "guest-load-start $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RESULTS"

# timed STEP CMD...: CMD through the timer, and the machine's CPU around it:
# "WALL_US MAXRSS_KIB STATUS CPU_US sys=US"
timed() {
    local s0 s1 out
    s0=$(machine_cpu_us)
    out=$("$TIMER" -i /dev/null -o /dev/null -- "$@" 2>>"$W/err.log") || true
    s1=$(machine_cpu_us)
    echo "$out sys=$((s1 - s0))"
}

# one N MODE RUN: a container with the N-node tree, checkpointed and restored
one() {
    local n=$1 mode=$2 run=$3 pid ref what i out
    ID=ck-$n-$mode-$run
    rm -rf "$W/ck" "$W/saved.json"
    eng_run "$ID" || return 1
    [[ $INIT =~ ^[1-9][0-9]*$ ]] || return 1
    TOP=$(pid_cg_dir "$INIT" "")
    [ "$TOP" != /sys/fs/cgroup ] || return 1
    for ((i = 0; i < 300; i++)); do [ -e "/proc/$INIT/root/built" ] && break; sleep 0.1; done
    # every process of the workload into init/ first (a sleep of its loop
    # may sit in the top-level, which then could not enable controllers)
    mkdir "$TOP/init"
    for ((i = 0; i < 50; i++)); do
        local p moved=0
        while read -r p; do echo "$p" >"$TOP/init/cgroup.procs" 2>/dev/null && moved=1; done <"$TOP/cgroup.procs"
        [ "$moved" = 1 ] || break
    done
    sed -e '/^mkdir init$/d' -e "s|{cg}|$TOP|g" -e "s|{pid}|$INIT|g" "$W/in/floor-$n.ops" >"$W/run.ops"
    "$TOOLS/floor" "$W/run.ops" || return 1
    case $mode in
    with) cp "$W/runc.conf.with" /etc/criu/runc.conf ;;
    true) echo "action-script /bin/true" >/etc/criu/runc.conf ;;
    *) rm -f /etc/criu/runc.conf ;;
    esac
    out=$(timed "${CK[@]}")
    ref=$(eng_saved "$ID") || ref=
    if [ -n "$ref" ]; then cp "$ref" "$W/saved.json" && ref=$W/saved.json && what=image; else what=noimage; fi
    echo "run $n $mode $run checkpoint $out $what" >>"$RESULTS"
    [ ! -f "$W/ck/dump.log" ] || echo "steps $n $mode $run checkpoint $(python3 "$BENCH/criu-steps.py" "$W/ck/dump.log")" >>"$RESULTS"
    eng_between "$ID"
    rm_tree "$TOP"
    out=$(cd "${RS_DIR:-.}" && timed "${RS[@]}")
    local count score=
    count=$(find "$TOP" -mindepth 1 -type d 2>/dev/null | wc -l)
    # what came back: against the checkpoint's image, else the built one
    pid=$(eng_pid "$ID" 2>/dev/null) || pid=
    if [[ $pid =~ ^[1-9][0-9]*$ ]]; then
        score_against "${ref:-$W/in/image-$n.json}" "$pid" "$TOP" || true
        score=$(echo "$SCORE" | sed 's|^\([0-9/]*\) sub-cgroups, \([0-9/]*\) limits$|back=\1,\2|')
        score="$score ref=$([ -n "$ref" ] && echo saved || echo built)"
    fi
    echo "run $n $mode $run restore $out nodes=$count $score" >>"$RESULTS"
    [ ! -f "$W/ck/restore.log" ] || echo "steps $n $mode $run restore $(python3 "$BENCH/criu-steps.py" "$W/ck/restore.log")" >>"$RESULTS"
    rm -f /etc/criu/runc.conf
    eng_rm "$ID"
    rm_tree "$TOP"
    ID="" TOP=""
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
                log "warning: $n $m run $r could not be set up ($ENGINE's stderr below)"
                echo "setup-failed $n $m run $r" >>"$RESULTS"
                rm -f /etc/criu/runc.conf
                [ -z "$ID" ] || { eng_rm "$ID"; [ -z "$TOP" ] || rm_tree "$TOP"; }
                ID="" TOP=""
            fi
        done
        log "size $n run $r/$RUNS done (load $(cut -d' ' -f1-3 /proc/loadavg))"
    done
done
echo "guest-load-end $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS"
echo "records-left $(find /run/cgbind -maxdepth 1 -name "criu-*" 2>/dev/null | wc -l) (criu-* in /run/cgbind after the runs)" >>"$RESULTS"
if [ -s "$W/err.log" ]; then
    log "stderr of $ENGINE (last 20 lines):"
    tail -20 "$W/err.log" >&2
fi
[ "$RESULTS" = /dev/stdout ] || [ -n "${CGBIND_VM_OUT:-}" ] || python3 "$BENCH/checkpoint-report.py" "$RESULTS"
