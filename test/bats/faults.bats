#!/usr/bin/env bats
# cgbind-layouts: hybrid v2
# Issue 13, parts 3 and 4: a restore of a representative image under system
# call fault injection and killed half-way, on one created container (runc
# create, never started) that every test puts back as it was.
#
# Fault injection: strace --inject=SYSCALL:error=ERRNO:when=N for every N
# from the first call after main() starts (the calls are counted in a clean
# run first; the dynamic loader's are left out) to the last call of a clean
# run, for openat, openat2, mkdir, mkdirat, write, unlinkat, rmdir, flock
# and ftruncate, the errno rotating over N; then when=N+ (every call from
# the Nth on fails, so the rollback's own calls fail too). Each run must end
# in one of:
#   exit 0    the tree (directories and values) is the clean run's;
#   exit 1    every directory and value is as before;
#   exit 2, 3 nothing changed (a failure before the first change);
#   exit 4    the message lists exactly what is left, checked against the
#             tree, and the journal lists every cgroup left, for the next run.
# After any exit but 4, no journal in /run/cgbind may list a sub-cgroup that
# exists: the next restore would take it for a killed run's work.
#
# Killed half-way: test/fault/kill-at SIGKILLs the hook at the entry of its
# Nth system call (counted from main()'s first call, close_range); a second
# run of the same restore must end with the clean run's tree, or refuse with
# a message that says what to clean.
#
# Each test prints its counts (points tried per system call and errno, and
# the outcomes) as TAP comments ("# faults ...", "# killed ...").
# test/fault/README.md has the method.

load helpers

ERRNOS=(EIO ENOSPC EBUSY ENOMEM EACCES)
COUNTED=close_range,openat,openat2,mkdir,mkdirat,write,unlinkat,rmdir,flock,ftruncate

# One container for the file: in the TCG VMs a runc create takes seconds.
# Its id is as long as podman's and CRI-O's (64 characters): the messages
# name host paths. Its own per run, so two runs on one host do not share it.
F=$BATS_FILE_TMPDIR
RUNTIME_ROOT=$F/runtime-root
RUNTIME="$RUNTIME_BIN --root $RUNTIME_ROOT"
ID=faults-$(printf '%s' "$F" | sha256sum | cut -c1-57)

setup_file() {
    requires root runc
    command -v strace >/dev/null || {
        echo "strace is missing (test/run.sh installs it)" >&2
        return 1
    }
    case $(cg_layout) in
    hybrid) V2=0 LAYOUT=hybrid ;;
    v2) V2=1 LAYOUT=v2 ;;
    *)
        echo "faults.bats is written for the hybrid and v2 layouts" >&2
        return 1
        ;;
    esac
    T=$F
    IMG=$F/img.json
    MODE=full
    build_kill_at
    local b
    b=$(BATS_TEST_TMPDIR=$F new_bundle ctr "sleep 1000")
    (cd "$b" && $RUNTIME create "$ID" </dev/null >/dev/null 2>&1)
    STATE=$(state_of "$ID")
    [[ $STATE =~ \"pid\":\ *([0-9]+) ]]
    PID=${BASH_REMATCH[1]}
    if [ "$V2" = 1 ]; then setup_v2; else setup_hybrid; fi
    # every lock file cgbind takes for this container: one per hierarchy
    local hid ctrls p top
    declare -A LOCK_OF=()
    LOCKS=()
    while IFS=: read -r hid ctrls p; do
        [ "$hid" = 0 ] && ctrls=
        [[ $ctrls == name=* ]] && ctrls=${ctrls#name=}
        top=$(pid_cg_dir "$PID" "$ctrls")
        [ -d "$top" ] && [ "$top" != "$CG" ] || continue
        LOCKS+=("$(lock_file_of "$top")")
        LOCK_OF[$top]=${LOCKS[-1]}
    done </proc/"$PID"/cgroup
    rm -f "${LOCKS[@]}"
    # The kills: at each N right after a call that changes something (a
    # kill anywhere else leaves the same state as one of those: every state
    # a kill can leave is tried), and at every KILL_STRIDE-th N besides, a
    # sample that checks that claim: every 10th N with the plain binary on
    # this host; every 20th in the TCG VMs (a process costs 50 to 500 ms)
    # and in test/run.sh's passes with the ASan build and the no-openat2
    # wrapper (whose point is their own code paths). The injected faults:
    # every N on this host; there, when=N+ for openat and openat2 at every
    # 12th N before the first change (where they fail as the single N
    # does). The deep tree's kills (deep_kill_sweep): right after each change
    # on this host; there, after every DEEP_CHANGE_STRIDE-th change of the
    # chain, and after each of its first and last 8 (the shortest and the
    # longest journal lines).
    local magic='' kill_stride=${CGBIND_FAULTS_KILL_STRIDE:-10} stride=${CGBIND_FAULTS_STRIDE:-1}
    local deep_change_stride=${CGBIND_FAULTS_DEEP_CHANGE_STRIDE:-1}
    IFS= read -r -n 2 magic <"$CGBIND" || true
    if [ -n "${CGBIND_VM:-}" ] || [ "$magic" = "#!" ] || ldd "$CGBIND" 2>/dev/null | grep -q libasan; then
        kill_stride=${CGBIND_FAULTS_KILL_STRIDE:-20} stride=${CGBIND_FAULTS_STRIDE:-12}
        deep_change_stride=${CGBIND_FAULTS_DEEP_CHANGE_STRIDE:-8}
    fi
    # strace -f follows forks, and --seccomp-bpf (which needs -f) stops
    # only at the traced calls; a wrapper script's subshells would be
    # injected too, so for a script strace follows the one process that
    # becomes cgbind
    local wrapped=0
    STRACE_OPTS=(-f --seccomp-bpf)
    if [ "$magic" = "#!" ]; then
        wrapped=1
        STRACE_OPTS=()
    fi
    local kill_stride_full=$kill_stride
    # on v2 nothing exists before the restore, so mode full makes the plan
    # soft makes: it is killed only right after each change
    [ "$V2" = 0 ] || kill_stride_full=${CGBIND_FAULTS_KILL_STRIDE:-1000000}
    GREP_INC=()
    local f
    for f in $FILES; do GREP_INC+=("--include=$f"); done
    snap
    BEFORE=$SNAP
    # for the tests (each runs in a process of its own): as globals
    { declare -p V2 LAYOUT STATE PID TOPS FILES MARKER D1 D2 RESTORE LOCKS LOCK_OF GREP_INC BEFORE \
        STRACE_OPTS TOP P M C S B LOOPS 2>/dev/null || true; } | globals >"$F/vars"
    echo "KILL_STRIDE_SOFT=$kill_stride KILL_STRIDE_FULL=$kill_stride_full PLUS_STRIDE=$stride" \
        "DEEP_CHANGE_STRIDE=$deep_change_stride" \
        "KILL_AT=$KILL_AT WRAPPED=$wrapped" >>"$F/vars"
    load_snap BD BV "$BEFORE"
    # the calls of a clean run (mode full), for every test
    quiet count_calls
    declare -p PRE POST OFFSET UNCHANGED CLEAN | globals >"$F/counts"
}

# globals: `declare -p` output, for sourcing inside a function
globals() {
    sed -E 's/^declare -(-|[a-zA-Z]+) /declare -g\1 /; s/^declare -g- /declare -g /'
}

teardown_file() {
    [ -f "$F/vars" ] && . "$F/vars"
    $RUNTIME delete -f "$ID" >/dev/null 2>&1 || true
    rm -rf "$RUNTIME_ROOT"
    [ -z "${LOCKS[*]:-}" ] || rm -f "${LOCKS[@]}"
    local l
    for l in ${LOOPS:-}; do losetup -d "$l" 2>/dev/null || true; done
}

setup() {
    trace_failures_only
    . "$F/vars"
    . "$F/counts"
    T=$BATS_TEST_TMPDIR
    IMG=$F/img.json
    MODE=full
    BAD=()
    declare -gA TRIED=() SEEN_OUT=() SAMPLED=()
    NOW_SNAP=
    load_snap BD BV "$BEFORE"
}

teardown() {
    # the next test starts from the state before (the hook's: an action
    # script's test set its own, action_script)
    if [ "${KILLED:-hook}" = criu ]; then
        . "$F/vars"
        load_snap BD BV "$BEFORE"
    fi
    NOW_SNAP=
    quiet reset_state
}

# test/fault/kill-at, built once per bats run
build_kill_at() {
    KILL_AT=$BATS_RUN_TMPDIR/kill-at
    [ -x "$KILL_AT" ] && return 0
    [ "$(uname -m)" = x86_64 ] || {
        echo "test/fault/kill-at is written for x86_64" >&2
        return 1
    }
    cc -O1 -Wall -o "$KILL_AT.$$" "$CGBIND_SRC/test/fault/kill-at.c" && mv -f "$KILL_AT.$$" "$KILL_AT"
}

# ---- the representative images ----

# D1, D2: "MAJ:MIN" of two block devices.
two_block_devices() {
    local d devs=() loops=() n
    if [ "$V2" = 1 ]; then
        # a VM has no block device of its own to throttle (ordering-v2.bats)
        modprobe loop 2>/dev/null || true
        truncate -s 4M "$F/d1" "$F/d2"
        LOOPS=$(losetup -f --show "$F/d1") && LOOPS="$LOOPS $(losetup -f --show "$F/d2")"
        for d in $LOOPS; do
            IFS= read -r n </sys/class/block/"${d#/dev/}"/dev
            devs+=("$n")
        done
    else
        for d in /sys/block/*; do
            IFS= read -r n <"$d/dev" || continue
            if [[ ${d##*/} == loop* ]]; then loops+=("$n"); else devs+=("$n"); fi
        done
        devs+=("${loops[@]}")
    fi
    [ "${#devs[@]}" -ge 2 ] || {
        echo "two block devices are needed, found: ${devs[*]}" >&2
        return 1
    }
    D1=${devs[0]} D2=${devs[1]}
}

# hybrid (this host): five v1 hierarchies, 12 new cgroups, a multi-line
# blkio value, and (mode full) values written on three sub-cgroups that
# exist before: pids/app, cpu/app, blkio/app (two device rules).
setup_hybrid() {
    two_block_devices
    P=$(pid_cg_dir "$PID" pids)
    M=$(pid_cg_dir "$PID" memory)
    C=$(pid_cg_dir "$PID" cpu)
    S=$(pid_cg_dir "$PID" cpuset)
    B=$(pid_cg_dir "$PID" blkio)
    TOPS="$P $M $C $S $B"
    local t
    for t in $TOPS; do [ -d "$t" ]; done
    # cgroup.clone_children is in every v1 cgroup: it lists the directories
    MARKER=cgroup.clone_children
    FILES="$MARKER pids.max memory.limit_in_bytes memory.memsw.limit_in_bytes cpu.shares cpu.cfs_quota_us
cpuset.cpus cpuset.mems blkio.throttle.read_bps_device blkio.throttle.write_bps_device"
    local memsw=
    [ -e "$M/memory.memsw.limit_in_bytes" ] && memsw=', "memory.memsw.limit_in_bytes": "402653184"'
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [
 { "type": "cgroup", "controllers": ["pids"], "root": { "properties": {}, "children": [
   { "name": "app", "properties": { "pids.max": "200" }, "children": [
     { "name": "web", "properties": { "pids.max": "100" }, "children": [
       { "name": "worker", "properties": { "pids.max": "10" }, "children": [] } ] } ] },
   { "name": "batch", "properties": { "pids.max": "5" }, "children": [] } ] } },
 { "type": "cgroup", "controllers": ["memory"], "root": { "properties": {}, "children": [
   { "name": "app", "properties": { "memory.limit_in_bytes": "268435456"$memsw }, "children": [
     { "name": "web", "properties": { "memory.limit_in_bytes": "134217728" }, "children": [] } ] },
   { "name": "batch", "properties": { "memory.limit_in_bytes": "33554432" }, "children": [] } ] } },
 { "type": "cgroup", "controllers": ["cpu"], "root": { "properties": {}, "children": [
   { "name": "app", "properties": { "cpu.shares": "512", "cpu.cfs_quota_us": "80000" }, "children": [
     { "name": "web", "properties": { "cpu.shares": "256" }, "children": [] } ] },
   { "name": "batch", "properties": { "cpu.shares": "64" }, "children": [] } ] } },
 { "type": "cgroup", "controllers": ["cpuset"], "root": { "properties": {}, "children": [
   { "name": "app", "properties": { "cpuset.cpus": "0", "cpuset.mems": "0" }, "children": [
     { "name": "web", "properties": { "cpuset.cpus": "0", "cpuset.mems": "0" }, "children": [] } ] },
   { "name": "batch", "properties": { "cpuset.cpus": "0", "cpuset.mems": "0" }, "children": [] } ] } },
 { "type": "cgroup", "controllers": ["blkio"], "root": { "properties": {}, "children": [
   { "name": "app", "properties": { "blkio.throttle.read_bps_device": "$D1 1048576\n$D2 2097152" }, "children": [
     { "name": "web", "properties": { "blkio.throttle.write_bps_device": "$D1 4194304\n$D2 8388608" }, "children": [] } ] } ] } }
] }
JSON
    # what exists before, and what reset_state writes back
    mkdir "$P/app" "$C/app" "$B/app"
    RESTORE=("$P/app/pids.max|50" "$C/app/cpu.shares|1000" "$C/app/cpu.cfs_quota_us|-1"
        "$B/app/blkio.throttle.read_bps_device|$D1 1000" "$B/app/blkio.throttle.read_bps_device|$D2 2000")
    restore_values
}

# v2 (the VM): the init move into init.scope, the top-level's
# subtree_control, memory, pids and cpu limits, a multi-line io.max. Nothing
# exists before (a cgroup with the init in it can enable no domain
# controller, so the top-level cannot give a sub-cgroup that exists before
# any limit): mode full does what soft does here.
setup_v2() {
    two_block_devices
    TOP=$(pid_cg_dir "$PID" "")
    TOPS=$TOP
    [ -d "$TOP" ]
    # cgroup.type is in every v2 cgroup but the root: it lists the directories
    MARKER=cgroup.type
    FILES="$MARKER cgroup.subtree_control cgroup.procs memory.max pids.max cpu.max cpu.weight io.max"
    cat >"$IMG" <<JSON
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpu", "io", "memory", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "cpu io memory pids" }, "children": [
    { "name": "init.scope", "properties": {}, "children": [] },
    { "name": "app", "properties": { "cgroup.subtree_control": "cpu memory pids", "memory.max": "104857600",
        "pids.max": "64", "cpu.max": "50000 100000",
        "io.max": "$D1 rbps=1048576 wbps=max riops=max wiops=max\n$D2 rbps=max wbps=2097152 riops=max wiops=max" },
      "children": [
        { "name": "web", "properties": { "memory.max": "52428800", "pids.max": "32", "cpu.weight": "50" }, "children": [] } ] },
    { "name": "batch", "properties": { "pids.max": "8" }, "children": [] } ] } } ] }
JSON
    RESTORE=()
}

restore_values() {
    local r
    for r in "${RESTORE[@]}"; do
        printf '%s\n' "${r#*|}" >"${r%%|*}"
    done
}

# ---- state ----

# snap: SNAP is each line of each file in FILES below the image's top-levels,
# as "path:line"; MARKER's lines list every directory. One process, no sort:
# kernfs lists a directory in the same order every time.
snap() {
    # shellcheck disable=SC2086
    grep -rs "${GREP_INC[@]}" '' $TOPS >"$T/snap" || true
    SNAP=
    IFS= read -r -d '' SNAP <"$T/snap" || true
}

# lines_of STRING: SPLIT is its non-empty lines. Word splitting, not `while
# read <<<`: bash reads a here-string from a pipe, one byte per read(2).
lines_of() {
    local IFS=$'\n'
    set -f
    # shellcheck disable=SC2206
    SPLIT=($1)
    set +f
}

# load_snap DIRS VALUES SNAP: the snapshot into two associative arrays:
# DIRS[dir]=1, VALUES[path]="line|line|".
load_snap() {
    declare -gA "$1=()" "$2=()"
    local -n _d=$1 _v=$2
    local l p
    lines_of "$3"
    for l in "${SPLIT[@]}"; do
        p=${l%%:*}
        _v[$p]+="${l#*:}|"
        [[ $p != */"$MARKER" ]] || _d[${p%/*}]=1
    done
}

# journals: JOURNALS is what the container's lock files hold.
journals() {
    local f c
    JOURNALS=
    for f in "${LOCKS[@]}"; do
        # an empty file lists nothing (a run empties its journal when done,
        # and never removes it: its sandbox has no rule on /run/cgbind)
        if [ -s "$f" ]; then
            c=
            IFS= read -r -d '' c <"$f" || true
            JOURNALS+="$f:$c"$'\n'
        fi
    done
}

# reset_state: back to the state before the restore, whatever a run left.
# NOW_SNAP, when set, is a snapshot of the state now (else one is taken).
reset_state() {
    local l p extra=() c cur dis='' f max=0
    local -A bylen=()
    if [ -z "${NOW_SNAP:-}" ]; then
        snap
        NOW_SNAP=$SNAP
    fi
    # the directories not there before, deepest (longest) first
    lines_of "$NOW_SNAP"
    for l in "${SPLIT[@]}"; do
        p=${l%%:*}
        [[ $p == */"$MARKER" ]] || continue
        p=${p%/*}
        [ -z "${BD[$p]:-}" ] || continue
        bylen[${#p}]+="$p"$'\n'
        [ "${#p}" -le "$max" ] || max=${#p}
    done
    NOW_SNAP=
    for ((l = max; l > 0; l--)); do
        [ -n "${bylen[$l]:-}" ] || continue
        lines_of "${bylen[$l]}"
        extra+=("${SPLIT[@]}")
    done
    if [ "${#extra[@]}" -gt 0 ]; then rmdir "${extra[@]}" 2>/dev/null || true; fi
    if [ "$V2" = 1 ]; then
        # the controllers the run enabled off, then the init back, then
        # the init's cgroup can go
        local was=${BV[$TOP/cgroup.subtree_control]:-}
        was=" ${was//|/ } "
        IFS= read -r cur <"$TOP/cgroup.subtree_control" || true
        for c in $cur; do
            [[ $was == *" $c "* ]] || dis+=" -$c"
        done
        [ -z "$dis" ] || echo "$dis" >"$TOP/cgroup.subtree_control"
        cur=
        IFS= read -r -d '' cur <"$TOP/cgroup.procs" || true
        [[ $'\n'$cur == *$'\n'"$PID"$'\n'* ]] || echo "$PID" >"$TOP/cgroup.procs"
        if [ "${#extra[@]}" -gt 0 ]; then rmdir "${extra[@]}" 2>/dev/null || true; fi
    fi
    restore_values
    for f in "${LOCKS[@]}"; do
        if [ -e "$f" ]; then
            rm -f "${LOCKS[@]}"
            break
        fi
    done
    [ "${KILLED:-hook}" != criu ] || stale_records_gone
}

# stale_records_gone: the action script's records (/run/cgbind/criu-PID-START,
# left by every run that CRIU did not resume) whose CRIU is gone, removed as
# the script's next run removes them: each run starts with none, and makes
# the same calls as the clean run
stale_records_gone() {
    local r pid st stat
    local -a fields
    for r in /run/cgbind/criu-*; do
        [[ ${r##*/} =~ ^criu-([0-9]+)-([0-9]+)(\.dump)?$ ]] || continue
        pid=${BASH_REMATCH[1]} st=${BASH_REMATCH[2]} stat=
        { IFS= read -r stat </proc/"$pid"/stat; } 2>/dev/null || true
        # the fields after "(comm) ": the start time is the 20th
        read -r -a fields <<<"${stat##*) }"
        [ "${fields[19]:-}" = "$st" ] || rm -f "$r"
    done
}

# ---- one run and its outcome ----

# message: the hook's one line on stderr; when its write(2) to stderr was
# what failed (write N+), the line it tried to write, from strace's log.
message() {
    local l
    MSG=
    IFS= read -r -d '' MSG <"$T/err" || true
    MSG=${MSG%$'\n'}
    [ -z "$MSG" ] || return 0
    [ -f "$T/trace" ] || return 0
    while IFS= read -r l; do
        # (with strace -y, as the action script's runs have it: "2<pipe:[N]>")
        if [[ $l == *'write(2, "cgbind: '* ]] || [[ $l == *'write(2<'*'>, "cgbind: '* ]]; then
            l=${l#*', "'}
            l=${l%%'\n", '*}
            l=${l//\\\"/\"}
            MSG=${l//\\\\/\\}
            MSG_FROM_TRACE=1
        fi
    done <"$T/trace"
}

# classify STATUS: OUTCOME is 0..4, or "" with WHY when the run ended in
# none of the allowed outcomes.
classify() {
    local rc=$1 now
    OUTCOME='' WHY='' MSG_FROM_TRACE=
    snap
    now=$SNAP
    NOW_SNAP=$now
    message
    case $rc in
    0)
        if [ "$now" = "$CLEAN" ]; then OUTCOME=0; else WHY="exit 0, but the tree is not the clean run's"; fi
        ;;
    1 | 2 | 3)
        if [ "$now" != "$BEFORE" ]; then
            WHY="exit $rc, but the tree changed"
        elif [[ $MSG != "cgbind: "* ]] || [[ $MSG == *$'\n'* ]]; then
            WHY="exit $rc without one cgbind: line"
        elif moves_left && [ "${#MOVED[@]}" -gt 0 ]; then
            WHY="exit $rc, but processes it moved are not back: ${!MOVED[*]}"
        else
            OUTCOME=$rc
        fi
        ;;
    4) check_left "$now" && OUTCOME=4 ;;
    *) WHY="exit $rc" ;;
    esac
    if [ -n "$OUTCOME" ] && [ "$rc" != 4 ]; then
        journal_harmless "$rc" || OUTCOME=
    fi
    if [ -z "$OUTCOME" ]; then
        WHY+=$'\n'"  message: $MSG"$'\n'"  diff before/now:"$'\n'"$(diff <(echo "$BEFORE") <(echo "$now") | sed 's/^/    /')"
        [ "$rc" != 0 ] || WHY+=$'\n'"  diff clean/now:"$'\n'"$(diff <(echo "$CLEAN") <(echo "$now") | sed 's/^/    /')"
        journals
        WHY+=$'\n'"  journals:"$'\n'"$(echo "$JOURNALS" | sed 's/^/    /')"
    fi
}

# journal_harmless STATUS: no journal lists a sub-cgroup that exists.
journal_harmless() {
    local top f rel
    for top in $TOPS; do
        f=${LOCK_OF[$top]}
        [ -s "$f" ] || continue
        # a finished run that could not empty its list ended it with "."
        # (src/journal.c): it names nothing to adopt
        [ "$(tail -n 1 "$f")" != . ] || continue
        while IFS= read -r rel; do
            if [ -n "$rel" ] && [ -d "$top/$rel" ]; then
                WHY="exit $1, but $f still lists $top/$rel, which exists: the next restore would adopt it"
                return 1
            fi
        done <"$f"
    done
    return 0
}

# moves_left: MOVED[PATH] for each cgroup.procs a run moved a process into
# (a write of its pid that went in, strace -y naming the file) and did not
# move it back into a top-level: the action script moves CRIU and itself,
# and both are gone by the time the tree is read. Only where the run's
# writes are traced (the action script's: traced_run, sweep).
moves_left() {
    local l pid top
    local -A at=()
    local re='write\([0-9]+<([^>]*/cgroup\.procs)>, "([0-9]+)(\\n)?", [0-9]+\) = [0-9]+$'
    declare -gA MOVED=()
    [ "${KILLED:-hook}" = criu ] && [ -f "$T/trace" ] || return 0
    while IFS= read -r l; do
        [[ $l =~ $re ]] || continue
        pid=${BASH_REMATCH[2]}
        at[$pid]=${BASH_REMATCH[1]}
        for top in $TOPS; do
            [ "${BASH_REMATCH[1]}" != "$top/cgroup.procs" ] || unset "at[$pid]"
        done
    done <"$T/trace"
    for pid in "${!at[@]}"; do MOVED[${at[$pid]}]=1; done
}

# check_left NOW: the message of an exit 4 lists exactly what differs from
# before (created cgroups still there, values not written back), and the
# journal lists every created cgroup left.
check_left() {
    local now=$1 list item p dir top f rel
    local -A listed=() actual=()
    local marker="; rollback incomplete, left: "
    if [[ $MSG != *"$marker"* ]]; then
        WHY="exit 4 without the list of what is left"
        return 1
    fi
    list=${MSG##*"$marker"}
    if [[ $list =~ \ and\ [0-9]+\ more$ ]]; then
        WHY="exit 4, but the list is cut: ...${BASH_REMATCH[0]}"
        return 1
    fi
    while [ -n "$list" ]; do
        item=${list%%", "*}
        if [ -n "${listed[$item]:-}" ]; then
            WHY="exit 4, but the message lists $item twice"
            return 1
        fi
        listed[$item]=1
        [ "$item" != "$list" ] || break
        list=${list#*", "}
    done
    load_snap ND NV "$now"
    for p in "${!ND[@]}"; do
        [ -n "${BD[$p]:-}" ] || actual[$p]=1
    done
    for p in "${!BD[@]}"; do
        [ -n "${ND[$p]:-}" ] || actual["(removed) $p"]=1
    done
    # v2: the controllers the top-level's cgroup.subtree_control gives its
    # children now and did not before (that line is left, and listed): the
    # kernel shows their interface files, at their defaults, in each child
    # that existed before (the action script's init.scope). They come and go
    # with that one line, which the message names.
    local on=' ' c f
    local -A dflt=([cpu.max]="max 100000|" [cpu.weight]="100|" [memory.max]="max|" [pids.max]="max|")
    if [ "$V2" = 1 ]; then
        for c in ${NV[$TOP/cgroup.subtree_control]//|/ }; do
            [[ " ${BV[$TOP/cgroup.subtree_control]//|/ } " == *" $c "* ]] || on+="$c "
        done
    fi
    for p in "${!BV[@]}" "${!NV[@]}"; do
        dir=${p%/*}
        [ -n "${BD[$dir]:-}" ] && [ -n "${ND[$dir]:-}" ] || continue
        [ "${BV[$p]:-}" != "${NV[$p]:-}" ] || continue
        f=${p##*/}
        if [ "${dir%/*}" = "${TOP:-}" ] && [ -z "${BV[$p]:-}" ] && [[ $on == *" ${f%%.*} "* ]] &&
            [ "${NV[$p]}" = "${dflt[$f]:-}" ]; then
            continue
        fi
        if [ "$V2" = 1 ] && [ "$p" = "$TOP/cgroup.procs" ]; then
            # the init is not back: named by where it is (the move's cgroup)
            p=$(pid_cg_dir "$PID" "")/cgroup.procs
        fi
        actual[$p]=1
    done
    # the processes moved and not moved back, gone by now (the action
    # script's CRIU and the script itself): from strace's log
    moves_left
    for p in "${!MOVED[@]}"; do actual[$p]=1; done
    local a l
    a=$(printf '%s\n' "${!actual[@]}" | sort)
    l=$(printf '%s\n' "${!listed[@]}" | sort)
    if [ "$a" != "$l" ]; then
        WHY="exit 4, but the message does not list exactly what is left:"$'\n'"$(diff <(echo "$l") <(echo "$a") | sed -e 's/^</    listed, not left:/' -e 's/^>/    left, not listed:/' | grep listed)"
        return 1
    fi
    # the next run adopts what the journal lists
    for p in "${!actual[@]}"; do
        [ -n "${BD[$p]:-}" ] || [ ! -d "$p" ] || {
            for top in $TOPS; do
                [[ $p == "$top/"* ]] || continue
                rel=${p#"$top/"}
                f=${LOCK_OF[$top]}
                grep -qxF -- "$rel" "$f" 2>/dev/null || {
                    WHY="exit 4, but the journal $f does not list $rel, which is left"
                    return 1
                }
            done
        }
    done
    return 0
}

# ---- counting ----

# count_calls: a clean run from the state before, under strace. PRE[sys] and
# POST[sys]: the calls before main()'s close_range and from it on; OFFSET[sys]
# the calls before it in the process that became cgbind (strace counts
# those too); UNCHANGED[sys] the calls from main() on before the first that
# changes a cgroup or a journal. CHANGE_AT[sys]: the Ns (as strace's
# when= counts them) of the calls that change something outside the process
# (as kill_points counts them: a write not to stdout or stderr, ftruncate,
# mkdir, mkdirat, rmdir, unlinkat, an open with O_CREAT). CLEAN: the tree it
# leaves.
count_calls() {
    local rc=0 l pid name main=
    reset_state
    traced_run "${STRACE_OPTS[@]}" -qq -o "$T/count" -e trace=$COUNTED <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "the clean run failed ($rc):" >&2
        cat "$T/err" >&2
        return 1
    fi
    snap
    CLEAN=$SNAP
    NOW_SNAP=$CLEAN
    [ "$CLEAN" != "$BEFORE" ]
    declare -gA PRE=() POST=() OFFSET=() UNCHANGED=()
    # "PID call(...)" with -f, "call(...)" without
    while IFS= read -r l; do
        if [[ $l =~ ^([0-9]+)\ +(.*)$ ]]; then
            pid=${BASH_REMATCH[1]} l=${BASH_REMATCH[2]}
        else
            pid=0
        fi
        name=${l%%(*}
        [[ $name =~ ^[a-z_0-9]+$ ]] || continue
        if [ -z "$main" ] && [ "$name" = close_range ]; then main=$pid; fi
        if [ -n "$main" ] && [ "$pid" = "$main" ]; then
            POST[$name]=$((${POST[$name]:-0} + 1))
        else
            PRE[$name]=$((${PRE[$name]:-0} + 1))
        fi
    done <"$T/count"
    [ -n "$main" ] || {
        echo "no close_range in the clean run: is this cgbind's main()?" >&2
        return 1
    }
    local after=0 changed=0
    local -A nth=()
    declare -gA CHANGE_AT=()
    while IFS= read -r l; do
        if [[ $l =~ ^([0-9]+)\ +(.*)$ ]]; then
            pid=${BASH_REMATCH[1]} l=${BASH_REMATCH[2]}
        else
            pid=0
        fi
        [ "$pid" = "$main" ] || continue
        name=${l%%(*}
        [[ $name =~ ^[a-z_0-9]+$ ]] || continue
        [ "$name" = close_range ] && after=1
        if [ "$after" = 0 ]; then
            OFFSET[$name]=$((${OFFSET[$name]:-0} + 1))
            continue
        fi
        # the first call that changes a cgroup or a journal (the lock
        # files are made before, and change nothing)
        case $l in
        write\([3-9]* | write\([1-9][0-9]* | mkdirat* | unlinkat* | ftruncate*) changed=1 ;;
        esac
        [ "$changed" = 1 ] || UNCHANGED[$name]=$((${UNCHANGED[$name]:-0} + 1))
        nth[$name]=$((${nth[$name]:-${OFFSET[$name]:-0}} + 1))
        case $l in
        write\([3-9]* | write\([1-9][0-9]* | mkdir* | rmdir* | unlinkat* | ftruncate* | openat*O_CREAT*)
            CHANGE_AT[$name]+=" ${nth[$name]}"
            ;;
        esac
    done <"$T/count"
    reset_state
}

# ---- the sweeps ----

# traced_run STRACE-ARGS...: the restore under strace: the hook (cgbind
# restore), or with KILLED=criu CRIU's action script at post-restore, strace
# standing in for CRIU (criu_standin: strace forks the script, so it is the
# script's parent, whose descriptor CRTOOLS_IMAGE_DIR names).
traced_run() {
    if [ "${KILLED:-hook}" = criu ]; then
        criu_standin strace -y "$@"
    else
        strace "$@" "$CGBIND" restore --image "$IMG" --mode "$MODE"
    fi
}

# point LABEL ERRNO STRACE-ARGS...: one run under strace, classified.
point() {
    local label=$1 err=$2 rc=0 key
    shift 2
    reset_state
    traced_run "${STRACE_OPTS[@]}" -qq -o "$T/trace" -s 4096 "$@" <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
    classify "$rc"
    key="$label $err"
    TRIED[$key]=$((${TRIED[$key]:-0} + 1))
    if [ -n "$OUTCOME" ]; then
        SEEN_OUT[$key $OUTCOME]=$((${SEEN_OUT[$key $OUTCOME]:-0} + 1))
        [ -z "$MSG_FROM_TRACE" ] || SEEN_OUT[$key trace]=$((${SEEN_OUT[$key trace]:-0} + 1))
    else
        SEEN_OUT[$key bad]=$((${SEEN_OUT[$key bad]:-0} + 1))
        BAD+=("$LAYOUT $label $err ($*): $WHY")
    fi
}

# sweep SYSCALL [+]: every N of SYSCALL in a clean run, from main() on;
# with "+", when=N+ (every call from the Nth on fails), and for openat and
# openat2 only every PLUS_STRIDE-th N of the calls before the first change.
sweep() {
    local sys=$1 plus=${2:-} n first last k=0 err stride=1 errs=("${ERRNOS[@]}")
    [ "$sys" = openat2 ] && errs+=(EPERM) # EPERM: the fallback walk, as under a seccomp profile
    first=$((${OFFSET[$sys]:-0} + 1))
    last=$((${OFFSET[$sys]:-0} + ${POST[$sys]:-0}))
    if [ -n "$plus" ] && { [ "$sys" = openat ] || [ "$sys" = openat2 ]; }; then stride=$PLUS_STRIDE; fi
    local traced="close_range,$sys" ns=()
    if [ "${KILLED:-hook}" = criu ]; then
        # the action script: sampled (criu_points); its writes traced too,
        # for the processes it moved (moves_left)
        criu_points "$first" "$last" "${CHANGE_AT[$sys]:-}"
        ns=("${POINTS[@]}")
        SAMPLED[$sys$plus]=$SAMPLED_LINE
        [ "$sys" = write ] || traced+=,write
    else
        for ((n = first; n <= last; n++)); do
            # when=N+ before the first change: every STRIDE-th N
            if ((n - first < ${UNCHANGED[$sys]:-0} && (n - first) % stride != 0)); then continue; fi
            ns+=("$n")
        done
    fi
    for n in "${ns[@]}"; do
        err=${errs[k++ % ${#errs[@]}]}
        point "$sys$plus" "$err" -e trace="$traced" -e inject="$sys:error=$err:when=$n$plus"
    done
}

# criu_points FIRST LAST CHANGE-NS: POINTS, the Ns from FIRST to LAST a
# sweep of CRIU's action script tries: of the calls that change something
# (CHANGE-NS, count_calls), the first and last 4 and every
# CRIU_CHANGE_STRIDE-th between; of the others (a failure there fails as at
# the nearest one tried: before the first change nothing is to undo, after
# it the same undo), every CRIU_STRIDE-th and the last. SAMPLED_LINE says
# how many of how many, for the TAP comments.
criu_points() {
    local first=$1 last=$2 n i=0 nc=0 c=0
    local -A change=()
    for n in $3; do
        change[$n]=1
        nc=$((nc + 1))
    done
    POINTS=()
    for ((n = first; n <= last; n++)); do
        if [ -n "${change[$n]:-}" ]; then
            if ((i < 4 || i >= nc - 4 || i % CRIU_CHANGE_STRIDE == 0)); then
                POINTS+=("$n")
                c=$((c + 1))
            fi
            i=$((i + 1))
        elif (((n - first) % CRIU_STRIDE == 0 || n == last)); then
            POINTS+=("$n")
        fi
    done
    SAMPLED_LINE="${#POINTS[@]} points of $((last - first + 1)) calls ($c of the $nc that change)"
}

report() {
    local key o line
    for key in $(printf '%s\n' "${!TRIED[@]}" | sed 's/ /@/' | sort); do
        key=${key/@/ }
        line="# faults $LAYOUT${CRIU_LABEL:-} mode $MODE: ${key%% *} ${key#* }: ${TRIED[$key]} points:"
        for o in 0 1 2 3 4; do line+=" exit $o: ${SEEN_OUT[$key $o]:-0},"; done
        line+=" outside the allowed: ${SEEN_OUT[$key bad]:-0}"
        [ -z "${SEEN_OUT[$key trace]:-}" ] || line+=" (message read from strace's log: ${SEEN_OUT[$key trace]})"
        echo "$line" >&3
    done
    for key in $(printf '%s\n' "${!SAMPLED[@]}" | sort); do
        echo "# faults $LAYOUT${CRIU_LABEL:-} mode $MODE: $key tried at ${SAMPLED[$key]}" >&3
    done
    if [ "${#BAD[@]}" -gt 0 ]; then
        printf '%s\n\n' "${BAD[@]}" >&2
        return 1
    fi
}

calls_line() {
    local s line="# faults $LAYOUT${CRIU_LABEL:-}: calls of a clean run (mode $MODE) from main() on:"
    for s in ${COUNTED//,/ }; do line+=" $s ${POST[$s]:-0},"; done
    echo "${line%,}" >&3
}

# rollback_sweep: the rollback's calls: the last write of a clean run fails
# (EBUSY, as the kernel says for a limit below usage), and unlinkat (its
# rmdirs, then the journals) fails at every N, then from every N on.
rollback_sweep() {
    local w=$((${OFFSET[write]:-0} + ${POST[write]})) rc=0 u=0 l n k=0 err plus
    reset_state
    NOW_SNAP=
    traced_run "${STRACE_OPTS[@]}" -qq -o "$T/count2" -e trace=close_range,write,unlinkat \
        -e inject="write:error=EBUSY:when=$w" <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
    cat "$T/err"
    [ "$rc" = 1 ]
    while IFS= read -r l; do [[ ! $l =~ ^([0-9]+\ +)?unlinkat\( ]] || u=$((u + 1)); done <"$T/count2"
    [ "$u" -gt "${POST[unlinkat]:-0}" ]
    local first=$((${OFFSET[unlinkat]:-0} + 1)) last=$((${OFFSET[unlinkat]:-0} + u)) ns=()
    if [ "${KILLED:-hook}" = criu ]; then
        # each unlinkat of the rollback undoes something: sampled as changes
        criu_points "$first" "$last" "$(seq "$first" "$last")"
        ns=("${POINTS[@]}")
        SAMPLED["unlinkat(rollback)"]=$SAMPLED_LINE
    else
        for ((n = first; n <= last; n++)); do ns+=("$n"); done
    fi
    for plus in "" +; do
        for n in "${ns[@]}"; do
            err=${ERRNOS[k++ % ${#ERRNOS[@]}]}
            point "unlinkat$plus(rollback)" "$err" -e trace=close_range,write,unlinkat \
                -e inject="write:error=EBUSY:when=$w" -e inject="unlinkat:error=$err:when=$n$plus"
        done
    done
}

# quiet CMD...: CMD without bats' DEBUG trap, which bats runs before every
# command (for the line of a failure) and which makes a sweep ten times
# slower. A failure inside still fails the test; its report names CMD.
quiet() {
    local t
    t=$(trap -p DEBUG)
    trap - DEBUG
    "$@"
    eval "$t"
}

# ---- the tests: fault injection ----

@test "faults: the clean run (mode full) restores the whole image, and its calls are counted" {
    calls_line
    # every sub-cgroup of the image is in its tree (setup_file's count_calls)
    if [ "$V2" = 1 ]; then
        [[ $CLEAN == *$'\n'"$TOP/app/web/cgroup.type:"* ]]
        [[ $CLEAN == *$'\n'"$TOP/init.scope/cgroup.procs:$PID"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$TOP/app/io.max:$D2 rbps=max wbps=2097152 "* ]]
    else
        [[ $CLEAN == *$'\n'"$P/app/web/worker/cgroup.clone_children:"* ]]
        [[ $CLEAN == *$'\n'"$B/app/blkio.throttle.read_bps_device:$D2 2097152"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$B/app/web/blkio.throttle.write_bps_device:$D2 8388608"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$C/app/cpu.shares:512"$'\n'* ]]
    fi
    [ "${POST[mkdirat]:-0}" -gt 0 ]
    [ "${POST[write]:-0}" -gt 0 ]
    [ "${POST[flock]:-0}" -gt 0 ]
    # openat2 too, unless the no-openat2 wrapper's filter refuses it (strace
    # --seccomp-bpf does not see a call another filter refuses)
    [ "${POST[openat2]:-0}" -gt 0 ] || [ "$WRAPPED" = 1 ]
}

@test "faults: openat failing at every call" {
    quiet sweep openat
    report
}

@test "faults: openat2 failing at every call (EPERM too: the fallback walk)" {
    quiet sweep openat2
    report
}

@test "faults: mkdir and mkdirat failing at every call" {
    quiet sweep mkdir
    quiet sweep mkdirat
    [ "${TRIED[mkdirat EIO]:-0}" -gt 0 ]
    report
}

@test "faults: write failing at every call (journal, values, multi-line values)" {
    quiet sweep write
    report
}

@test "faults: flock and ftruncate failing at every call (the lock and the journal)" {
    quiet sweep flock
    quiet sweep ftruncate
    report
}

@test "faults: unlinkat and rmdir failing at every call, also in the rollback of a failed last write" {
    # a clean run removes nothing (its journals are emptied, not removed)
    quiet sweep unlinkat
    quiet sweep rmdir
    quiet rollback_sweep
    report
}

@test "faults: every call from the Nth on fails (the rollback's own calls too)" {
    local s
    for s in mkdirat write flock ftruncate unlinkat; do quiet sweep "$s" +; done
    # openat and openat2 are made many times before the first change (and
    # fail the same way there): every PLUS_STRIDE-th N there (see setup_file)
    quiet sweep openat +
    quiet sweep openat2 +
    report
}

# ---- the tests: killed half-way ----

# killed_run KILL-AT-ARGS...: the restore under test-kill-at: the hook
# (cgbind restore), or with KILLED=criu CRIU's action script (below).
killed_run() {
    if [ "${KILLED:-hook}" = criu ]; then
        criu_standin "$KILL_AT" "$@"
    else
        "$KILL_AT" "$@" -- "$CGBIND" restore --image "$IMG" --mode "$MODE"
    fi
}

# criu_standin [KILL-AT KILL-AT-ARGS...]: cgbind as CRIU's action script at
# post-restore, as CRIU runs it: its parent (kill-at, standing in for CRIU)
# sits in the container's cgroups, as runc puts CRIU there, and holds the
# checkpoint directory whose descriptor CRTOOLS_IMAGE_DIR names; on v2 the
# restored init sits in init.scope, where CRIU restored it, so the script
# plans CRIU's and its own move out of the top-level (OP_MOVE_PID) before
# the top-level's controllers.
criu_standin() {
    local cgs=() hid ctrls p top
    mkdir -p "$F/ck"
    cp "$IMG" "$F/ck/cgbind.json"
    if [ "$V2" = 1 ]; then
        criu_init_moved
        cgs=("$TOP")
    else
        while IFS=: read -r hid ctrls p; do
            [ "$hid" = 0 ] && ctrls=
            [[ $ctrls == name=* ]] && ctrls=${ctrls#name=}
            top=$(pid_cg_dir "$PID" "$ctrls")
            [ -d "$top" ] && [ "$top" != "$CG" ] && cgs+=("$top")
        done </proc/"$PID"/cgroup
    fi
    ln -sfn "$CGBIND" "$F/criu-script"
    CGS="${cgs[*]}" CK_DIR=$F/ck INIT=$PID FORGE=${FORGE:-} bash -c '
        for d in $CGS; do echo $$ >"$d/cgroup.procs" || exit 97; done
        if [ -n "$FORGE" ]; then
            # a record as a first run of this restore would have left it
            # (FORGE=same: CRIU'"'"'s cgroups as they are), or forged
            read -r stat </proc/$$/stat
            start=$(set -- ${stat##*) } && echo "${20}")
            if [ "$FORGE" = same ]; then cat /proc/$$/cgroup; else printf "%s\n" "$FORGE"; fi \
                >/run/cgbind/criu-$$-$start
        fi
        exec 9<"$CK_DIR"
        export CRTOOLS_IMAGE_DIR=/proc/$$/fd/9 CRTOOLS_SCRIPT_ACTION=post-restore CRTOOLS_INIT_PID=$INIT
        # kill-at stands in for CRIU itself; else this shell does, and
        # stays the script'"'"'s parent (bash would exec a last command)
        if [ "$#" -gt 1 ]; then exec "$@"; fi
        "$@"
        exit "$?"' criu "${@:-$F/criu-script}" ${1:+--} ${1:+"$F/criu-script"}
}

# kill_points LIST STRIDE CHANGE_STRIDE: the Ns to kill at, from kill-at's
# list of a clean run (a line a call: N, number, arguments): every
# STRIDE-th, and each right after a call that changes something outside the
# process (a write that is not to stdout or stderr, ftruncate, mkdir,
# mkdirat, rmdir, unlink, unlinkat, openat with O_CREAT), of those the
# first and last 8 and every CHANGE_STRIDE-th between. KILL_POINTS, CALLS,
# CHANGES (calls that change), KILLED_AFTER (of them, killed right after).
kill_points() {
    local stride=$2 cstride=$3 n nr a0 a2 i=0
    local -A after=() kill=()
    KILL_POINTS=() CALLS=0
    while read -r n nr a0 _ a2; do
        CALLS=$n
        case $nr in
        1) [ "$a0" -le 2 ] || after[$((n + 1))]=1 ;;
        77 | 83 | 84 | 87 | 258 | 263) after[$((n + 1))]=1 ;;
        257) ((a2 & 0100)) && after[$((n + 1))]=1 ;;
        esac
    done <"$1"
    [ "$CALLS" -gt 0 ]
    CHANGES=${#after[@]} KILLED_AFTER=0
    for ((n = 1; n <= CALLS + 1; n++)); do
        [ -n "${after[$n]:-}" ] || continue
        if ((n <= CALLS && (i < 8 || i >= CHANGES - 8 || i % cstride == 0))); then
            kill[$n]=1
            KILLED_AFTER=$((KILLED_AFTER + 1))
        fi
        i=$((i + 1))
    done
    for ((n = 1; n <= CALLS; n++)); do
        if (((n - 1) % stride == 0)) || [ -n "${kill[$n]:-}" ]; then KILL_POINTS+=("$n"); fi
    done
}

# criu_init_moved: on v2 the init in init.scope, where CRIU restored it (the
# action script's state before)
criu_init_moved() {
    [ "$V2" = 1 ] || return 0
    [ -d "$TOP/init.scope" ] || mkdir "$TOP/init.scope"
    grep -qx "$PID" "$TOP/init.scope/cgroup.procs" || echo "$PID" >"$TOP/init.scope/cgroup.procs"
}

# kill_sweep STRIDE: the hook killed (SIGKILL) at the entry of its Nth
# system call, then the same restore again. N: every STRIDE-th call of a
# clean run from main() on, and each call right after one that changes
# something (kill_points): a kill anywhere else leaves the same state as
# one of those. A second run from a state already seen is the same run,
# and is not repeated.
kill_sweep() {
    local rc=0 n nr total=0 stride=$1 what k fp v rc2 now
    local -A verdict_of=() outcome=()
    local states=0 bad=0 ended=0
    reset_state
    NOW_SNAP=
    killed_run --list "$T/calls" <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
    if [ "$rc" != 0 ]; then
        echo "the clean run failed ($rc):" >&2
        cat "$T/err" >&2
        return 1
    fi
    snap
    CLEAN=$SNAP
    NOW_SNAP=$CLEAN
    JOURNALS=x
    kill_points "$T/calls" "$stride" 1
    total=$CALLS
    for n in "${KILL_POINTS[@]}"; do
        # a kill before the first change left the state as it was before
        [ "${NOW_SNAP:-}" = "$BEFORE" ] && [ -z "$JOURNALS" ] || reset_state
        rc=0
        killed_run --kill "$n" --report "$T/rep" <<<"$STATE" >/dev/null 2>"$T/kerr" || rc=$?
        what='' k=''
        read -r what k nr <"$T/rep" || true
        # a run may make fewer calls than the listed one: the hook's process
        # reads the planning child's reply in as many reads as the pipe
        # hands it, and the action script's state directory holds a varying
        # number of other runs' records (CI: 8 calls fewer). A point past
        # its end is a whole run, which must have ended as the clean run
        # did (exit 0, the clean tree); counted.
        if [ "$what" = ended ] && [ "$rc" = 0 ] && [ "$k" -lt "$n" ]; then
            snap
            if [ "$SNAP" = "$CLEAN" ]; then
                ended=$((ended + 1))
            else
                BAD+=("$LAYOUT mode $MODE at $n: the run ended after $k calls with a tree unlike the clean run")
                bad=$((bad + 1))
            fi
            NOW_SNAP=
            continue
        fi
        if [ "$what" != killed ] || [ "$rc" != 137 ]; then
            BAD+=("$LAYOUT killed mode $MODE at $n: kill-at says '$what $k', exit $rc")
            bad=$((bad + 1))
            NOW_SNAP=
            continue
        fi
        snap
        now=$SNAP
        journals
        fp=$now$'\n'$JOURNALS
        v=${verdict_of[$fp]:-}
        if [ -z "$v" ]; then
            states=$((states + 1))
            rc2=0
            "$CGBIND" restore --image "$IMG" --mode "$MODE" <<<"$STATE" >"$T/out" 2>"$T/err" || rc2=$?
            snap
            now=$SNAP
            MSG=
            IFS= read -r -d '' MSG <"$T/err" || true
            MSG=${MSG%$'\n'}
            WHY=
            if [ "$rc2" = 0 ] && [ "$now" = "$CLEAN" ] && journal_harmless 0; then
                v=converged
            elif { [ "$rc2" = 3 ] || [ "$rc2" = 4 ]; } && [[ $MSG == "cgbind: "* ]] && [[ $MSG != *$'\n'* ]] &&
                [[ $MSG == *"left: "* || $MSG == *"/run/cgbind"* ]]; then
                v="refused $rc2"
            else
                v=bad
                BAD+=("$LAYOUT killed mode $MODE at $n (syscall $nr): second run exit $rc2: ${WHY:-a tree unlike the clean run}
  message: $MSG
  diff clean/now:
$(diff <(echo "$CLEAN") <(echo "$now") | sed 's/^/    /')")
            fi
            verdict_of[$fp]=$v
            journals
        fi
        NOW_SNAP=$now
        outcome[$v]=$((${outcome[$v]:-0} + 1))
    done
    local line="# killed $LAYOUT mode $MODE: ${#KILL_POINTS[@]} kill points of $total calls (stride $stride),"
    line+=" $states states after the kill; second run: exit 0 with the clean tree: ${outcome[converged]:-0},"
    line+=" refused (exit 3): ${outcome[refused 3]:-0}, refused (exit 4): ${outcome[refused 4]:-0},"
    line+=" outside the allowed: $((${outcome[bad]:-0} + bad)); points past the end of a shorter run: $ended"
    echo "$line" >&3
    if [ "${#BAD[@]}" -gt 0 ]; then
        printf '%s\n\n' "${BAD[@]}" >&2
        return 1
    fi
}

@test "killed half-way (mode soft, the default): a second run ends with the clean run's tree" {
    MODE=soft
    quiet kill_sweep "$KILL_STRIDE_SOFT"
}

@test "killed half-way (mode full): a second run ends with the clean run's tree" {
    MODE=full
    quiet kill_sweep "$KILL_STRIDE_FULL"
}

# ---- deep and long names (issue 23, part 3) ----

# The deepest tree validation allows: 64 levels of 255-byte names, a limit
# on the deepest (hybrid: pids; v2: the init's cgroup beside, pids enabled
# down the chain). A journal line is 16 KiB then; the journal must hold it,
# or a run killed at its last write leaves a tree the next run takes for
# the workload's and never finishes.
deep_setup() {
    local k n pad json='' close=''
    DNAMES=()
    printf -v pad '%252s' ''
    pad=${pad// /x}
    for ((k = 0; k < 64; k++)); do
        printf -v n 'l%02d%s' "$k" "$pad"
        DNAMES+=("$n")
    done
    [ "${#DNAMES[0]}" = 255 ]
    DIMG=$F/deep.json
    if [ "$V2" = 1 ]; then
        DTOP=$TOP
        for ((k = 0; k < 64; k++)); do
            if [ "$k" = 63 ]; then
                json+="{ \"name\": \"${DNAMES[k]}\", \"properties\": { \"pids.max\": \"7\" }, \"children\": ["
            else
                json+="{ \"name\": \"${DNAMES[k]}\", \"properties\": { \"cgroup.subtree_control\": \"pids\" }, \"children\": ["
            fi
            close+="] }"
        done
        printf '%s' "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup2\", \"controllers\": [\"pids\"], \"init\": \"init.scope\",
  \"root\": { \"properties\": { \"cgroup.subtree_control\": \"pids\" }, \"children\": [
    { \"name\": \"init.scope\", \"properties\": {}, \"children\": [] }, $json$close ] } } ] }" >"$DIMG"
    else
        DTOP=$P
        for ((k = 0; k < 64; k++)); do
            if [ "$k" = 63 ]; then
                json+="{ \"name\": \"${DNAMES[k]}\", \"properties\": { \"pids.max\": \"7\" }, \"children\": ["
            else
                json+="{ \"name\": \"${DNAMES[k]}\", \"properties\": {}, \"children\": ["
            fi
            close+="] }"
        done
        printf '%s' "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup\", \"controllers\": [\"pids\"],
  \"root\": { \"properties\": {}, \"children\": [ $json$close ] } } ] }" >"$DIMG"
    fi
    DLOCK=${LOCK_OF[$DTOP]}
}

# deep_value: the deepest cgroup's pids.max ("" when the chain is not whole);
# a path of 16 KiB is longer than PATH_MAX: walked a level at a time
deep_value() {
    DVALUE=$(
        cd "$DTOP" || exit 0
        for n in "${DNAMES[@]}"; do cd "./$n" 2>/dev/null || exit 0; done
        cat pids.max 2>/dev/null
    )
}

# deep_reset: the chain removed (deepest first, by find's relative walk),
# the init back in the top-level, pids off there, the journal gone
deep_reset() {
    local cur
    if [ -d "$DTOP/${DNAMES[0]}" ]; then
        find "$DTOP/${DNAMES[0]}" -depth -type d -delete 2>/dev/null || true
    fi
    if [ "$V2" = 1 ]; then
        # pids off first (a cgroup that gives its children a controller
        # holds no process: the init's move back would be EBUSY), then the
        # init back, then its cgroup can go
        cur=
        IFS= read -r cur <"$DTOP/cgroup.subtree_control" || true
        [[ " $cur " != *" pids "* ]] || [[ " ${BV[$DTOP/cgroup.subtree_control]//|/ } " == *" pids "* ]] ||
            echo "-pids" >"$DTOP/cgroup.subtree_control"
        cur=
        IFS= read -r -d '' cur <"$DTOP/cgroup.procs" || true
        [[ $'\n'$cur == *$'\n'"$PID"$'\n'* ]] || echo "$PID" >"$DTOP/cgroup.procs"
        [ ! -d "$DTOP/init.scope" ] || rmdir "$DTOP/init.scope" 2>/dev/null || true
    fi
    rm -f "$DLOCK"
    [ ! -d "$DTOP/${DNAMES[0]}" ]
}

# deep_kill_sweep STRIDE: killed at every STRIDE-th call and right after
# a change (each of the first and last 8 changes, and every
# DEEP_CHANGE_STRIDE-th between: setup_file), then the same restore again:
# it must end with exit 0 and the deepest limit written, its journal
# listing nothing that exists.
deep_kill_sweep() {
    local stride=$1 rc n nr total=0 what k v points=0 conv=0 bad=0 ended=0
    deep_setup
    deep_reset
    rc=0
    "$KILL_AT" --list "$T/dcalls" -- "$CGBIND" restore --image "$DIMG" <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
    deep_value
    if [ "$rc" != 0 ] || [ "$DVALUE" != 7 ]; then
        echo "the clean deep run: exit $rc, deepest pids.max '$DVALUE':" >&2
        cat "$T/err" >&2
        return 1
    fi
    kill_points "$T/dcalls" "$stride" "$DEEP_CHANGE_STRIDE"
    total=$CALLS
    for n in "${KILL_POINTS[@]}"; do
        deep_reset
        rc=0
        "$KILL_AT" --kill "$n" --report "$T/rep" -- "$CGBIND" restore --image "$DIMG" \
            <<<"$STATE" >/dev/null 2>"$T/kerr" || rc=$?
        what='' k=
        read -r what k nr <"$T/rep" || true
        points=$((points + 1))
        # a run a call or two shorter than the listed one (kill_sweep)
        if [ "$what" = ended ] && [ "$rc" = 0 ] && [ "$k" -lt "$n" ]; then
            deep_value
            if [ "$DVALUE" = 7 ] && [ ! -s "$DLOCK" ]; then
                ended=$((ended + 1))
            else
                BAD+=("$LAYOUT deep: the run ended after $k calls, deepest pids.max '$DVALUE'")
                bad=$((bad + 1))
            fi
            continue
        fi
        if [ "$what" != killed ] || [ "$rc" != 137 ]; then
            BAD+=("$LAYOUT deep: killed at $n: kill-at says '$what $k', exit $rc")
            bad=$((bad + 1))
            continue
        fi
        rc=0
        "$CGBIND" restore --image "$DIMG" <<<"$STATE" >"$T/out" 2>"$T/err" || rc=$?
        deep_value
        v=ok
        if [ "$rc" != 0 ] || [ "$DVALUE" != 7 ]; then
            v="second run exit $rc, deepest pids.max '$DVALUE': $(cat "$T/err")"
        elif [ -s "$DLOCK" ]; then
            v="the journal still lists $(wc -l <"$DLOCK") lines after a finished run"
        fi
        if [ "$v" = ok ]; then
            conv=$((conv + 1))
        else
            bad=$((bad + 1))
            BAD+=("$LAYOUT deep: killed at $n (syscall $nr): $v")
        fi
    done
    deep_reset
    echo "# killed $LAYOUT deep (64 levels of 255 bytes): ${#KILL_POINTS[@]} kill points of $total calls (stride $stride; after $KILLED_AFTER of the $CHANGES changes); second run exit 0 with the deepest limit: $conv, outside the allowed: $bad; points past the end of a shorter run: $ended" >&3
    if [ "${#BAD[@]}" -gt 0 ]; then
        printf '%s\n\n' "${BAD[@]}" >&2
        return 1
    fi
}

@test "killed half-way, 64 levels of 255-byte names: a second run converges (the journal holds every valid path)" {
    # right after a change (on this host each, every state a kill can
    # leave; in the VMs a sample, setup_file) and every 50th call: about
    # 2 x 64 changes, two runs each
    quiet deep_kill_sweep "${CGBIND_FAULTS_DEEP_STRIDE:-50}"
}

# ---- CRIU's action script (issue 24, part 1) ----

@test "killed half-way, CRIU's action script (its moves, journaled): the restore run again ends with the clean run's tree" {
    # the script at post-restore under a stand-in for CRIU, killed right
    # after each change and every KILL_STRIDE_SOFT-th call; then the
    # operator's rerun of the restore (DESIGN: a killed run is finished by
    # running the restore again), which adopts what the script's journal lists
    MODE=full KILLED=criu
    quiet kill_sweep "$KILL_STRIDE_SOFT"
}

@test "CRIU's action script: a record of a first run is checked against the kernel (forged: refused; true: the second run does nothing)" {
    local rc=0 before
    # shellcheck disable=SC2174 # the deepest directory is the one that must have this mode
    mkdir -p -m 0700 /run/cgbind
    # the record names a cgroup CRIU is not in (a host service's)
    FORGE="0::/system.slice" criu_standin </dev/null >"$T/out" 2>"$T/err" || rc=$?
    cat "$T/err"
    [ "$rc" = 3 ]
    grep -q "does not match CRIU's cgroups now; nothing changed" "$T/err"
    snap
    before=$SNAP
    # nothing made, nothing written, nothing moved
    [[ $before != *"/app/web/"* ]]
    # a true record: the second run of CRIU's pair, which does nothing
    rc=0
    FORGE=same criu_standin </dev/null >"$T/out" 2>"$T/err" || rc=$?
    cat "$T/err"
    [ "$rc" = 0 ]
    snap
    [ "$SNAP" = "$before" ]
    # and it removed the record
    run ls /run/cgbind
    [[ $output != *criu-* ]]
}

# ---- CRIU's action script under injected faults (issue 24) ----

# action_script: the sweeps run CRIU's action script at post-restore
# (KILLED=criu: traced_run, under criu_standin) in mode full, its default.
# BEFORE is the state the script starts from: on v2 the init in init.scope,
# where CRIU restored it (criu_init_moved; the stand-in's own move into the
# top-level is gone with it); CLEAN and the counts are a clean run of the
# script's, made once per file (count_calls) and kept for its other tests.
action_script() {
    KILLED=criu MODE=full CRIU_LABEL=" (CRIU's action script)"
    # the sampling of its sweeps (criu_points): every 4th change between
    # the first and last 4, every 8th other call; on this host every call
    # cost 750 s for the five tests
    CRIU_CHANGE_STRIDE=${CGBIND_FAULTS_CRIU_CHANGE_STRIDE:-4} CRIU_STRIDE=${CGBIND_FAULTS_CRIU_STRIDE:-8}
    reset_state
    criu_init_moved
    snap
    BEFORE=$SNAP
    NOW_SNAP=$BEFORE
    load_snap BD BV "$BEFORE"
    if [ -f "$F/counts-criu" ]; then
        . "$F/counts-criu"
        return 0
    fi
    count_calls
    declare -p PRE POST OFFSET UNCHANGED CHANGE_AT CLEAN | globals >"$F/counts-criu"
}

@test "faults, CRIU's action script: its clean run restores the whole image from its own state before" {
    quiet action_script
    calls_line
    if [ "$V2" = 1 ]; then
        # the init was in init.scope before; CRIU and the script left the
        # top-level, and its controllers are on
        [[ $BEFORE == *$'\n'"$TOP/init.scope/cgroup.procs:$PID"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$TOP/init.scope/cgroup.procs:$PID"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$TOP/cgroup.subtree_control:cpu io memory pids"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$TOP/app/io.max:$D2 rbps=max wbps=2097152 "* ]]
    else
        [[ $CLEAN == *$'\n'"$P/app/web/worker/cgroup.clone_children:"* ]]
        [[ $CLEAN == *$'\n'"$B/app/web/blkio.throttle.write_bps_device:$D2 8388608"$'\n'* ]]
        [[ $CLEAN == *$'\n'"$C/app/cpu.shares:512"$'\n'* ]]
    fi
    [ "${POST[mkdirat]:-0}" -gt 0 ]
    [ "${POST[write]:-0}" -gt 0 ]
    [ "${POST[flock]:-0}" -gt 0 ]
    [ "${POST[unlinkat]:-0}" -gt 0 ] || [ "${POST[ftruncate]:-0}" -gt 0 ]
}

@test "faults, CRIU's action script: mkdir, mkdirat and write failing at every call" {
    quiet action_script
    quiet sweep mkdir
    quiet sweep mkdirat
    quiet sweep write
    [ "${TRIED[mkdirat EIO]:-0}" -gt 0 ]
    [ "${TRIED[write EIO]:-0}" -gt 0 ]
    report
}

@test "faults, CRIU's action script: openat and openat2 failing at every call" {
    quiet action_script
    quiet sweep openat
    quiet sweep openat2
    [ "${TRIED[openat EIO]:-0}" -gt 0 ]
    report
}

@test "faults, CRIU's action script: flock, ftruncate, unlinkat and rmdir failing at every call, also in the rollback of a failed last write" {
    quiet action_script
    quiet sweep flock
    quiet sweep ftruncate
    quiet sweep unlinkat
    quiet sweep rmdir
    quiet rollback_sweep
    [ "${TRIED[flock EIO]:-0}" -gt 0 ]
    [ "${TRIED[unlinkat(rollback) EIO]:-0}" -gt 0 ]
    report
}

@test "faults, CRIU's action script: every call from the Nth on fails (the rollback's own calls too)" {
    local s
    quiet action_script
    for s in mkdirat write flock ftruncate unlinkat; do quiet sweep "$s" +; done
    quiet sweep openat +
    quiet sweep openat2 +
    [ "${TRIED[write+ EIO]:-0}" -gt 0 ]
    report
}
