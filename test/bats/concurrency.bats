#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Concurrency: two hooks for one container serialise (flock on their files in
# /run/cgbind, one per top-level cgroup) and end as one would; twenty containers started at once
# each get their own tree and nothing of another's.

load helpers

setup() {
    trace_failures_only
    requires root runc
    if [ "$(cg_layout)" = v2 ]; then
        V2=1
    else
        V2=0
    fi
}

teardown() {
    common_teardown
}

# image N FILE: app (pids.max N) > a..e, each with pids.max N
image() {
    local n=$1 hier='"type": "cgroup", "controllers": ["pids"]' top='{}' init=
    if [ "$V2" = 1 ]; then
        hier='"type": "cgroup2", "controllers": ["pids"], "init": "init.scope"'
        top='{ "cgroup.subtree_control": "pids" }'
        init='{ "name": "init.scope", "properties": {}, "children": [] },'
    fi
    local kids="" k
    for k in a b c d e f g h; do
        kids="$kids${kids:+,} { \"name\": \"$k\", \"properties\": { \"pids.max\": \"$n\" }, \"children\": [] }"
    done
    if [ "$V2" = 1 ]; then
        cat >"$2" <<JSON
{ "cgbind": 1, "hierarchies": [ { $hier, "root": { "properties": $top, "children": [ $init
  { "name": "app", "properties": { "pids.max": "$n", "cgroup.subtree_control": "pids" }, "children": [ $kids ] } ] } } ] }
JSON
    else
        cat >"$2" <<JSON
{ "cgbind": 1, "hierarchies": [ { $hier, "root": { "properties": $top, "children": [
  { "name": "app", "properties": { "pids.max": "$n" }, "children": [ $kids ] } ] } } ] }
JSON
    fi
}

top_of() {
    if [ "$V2" = 1 ]; then cg_host_dir "$1" ""; else cg_host_dir "$1" pids; fi
}

@test "two hooks for the same container at once end in the same state as one" {
    local b img=$BATS_TEST_TMPDIR/img.json
    image 7 "$img"
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=(conc-a conc-ref)
    (cd "$b" && $RUNTIME create conc-a </dev/null >/dev/null 2>&1)
    (cd "$b" && $RUNTIME create conc-ref </dev/null >/dev/null 2>&1)
    state_of conc-a >"$BATS_TEST_TMPDIR/state"
    "$CGBIND" restore --image "$img" <"$BATS_TEST_TMPDIR/state" 2>"$BATS_TEST_TMPDIR/e1" &
    local p1=$!
    "$CGBIND" restore --image "$img" <"$BATS_TEST_TMPDIR/state" 2>"$BATS_TEST_TMPDIR/e2" &
    local p2=$!
    wait $p1
    local s1=$?
    wait $p2
    local s2=$?
    cat "$BATS_TEST_TMPDIR/e1" "$BATS_TEST_TMPDIR/e2"
    [ $s1 -eq 0 ]
    [ $s2 -eq 0 ]
    # the reference: one hook alone
    "$CGBIND" restore --image "$img" < <(state_of conc-ref)
    diff <(cg_tree_dump "$(top_of conc-ref)" pids.max cgroup.subtree_control) \
        <(cg_tree_dump "$(top_of conc-a)" pids.max cgroup.subtree_control)
}

@test "the second hook waits for the first: its lock is held" {
    local b img=$BATS_TEST_TMPDIR/img.json top
    image 7 "$img"
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=(conc-lock)
    (cd "$b" && $RUNTIME create conc-lock </dev/null >/dev/null 2>&1)
    top=$(top_of conc-lock)
    # hold the lock as a hook would, for a second
    flock "$(lock_file_of "$top")" sleep 1 &
    local holder=$!
    sleep 0.2
    local t0 t1
    t0=$(date +%s%N)
    "$CGBIND" restore --image "$img" < <(state_of conc-lock)
    t1=$(date +%s%N)
    wait $holder
    # it waited for the holder (about 0.8 s left when it started)
    [ $(( (t1 - t0) / 1000000 )) -ge 500 ]
    [ "$(cat "$top/app/a/pids.max")" = 7 ]
}

@test "twenty containers started at once each get their own tree" {
    local i b pids=()
    for i in $(seq 1 20); do
        image "$((100 + i))" "$BATS_TEST_TMPDIR/img$i.json"
        b=$(new_bundle "c$i" "while [ ! -e /restored ]; do sleep 0.05; done; sleep 1000")
        add_hook "$b" prestart restore --image "$BATS_TEST_TMPDIR/img$i.json"
        add_shell_hook "$b" prestart "touch $b/rootfs/restored"
        CONTAINERS+=("conc20-$i")
    done
    for i in $(seq 1 20); do
        (cd "$BATS_TEST_TMPDIR/bundles/c$i" && $RUNTIME run -d "conc20-$i" >"$BATS_TEST_TMPDIR/c$i.out" 2>&1 </dev/null) &
        pids+=($!)
    done
    local failed=0
    for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
    cat "$BATS_TEST_TMPDIR"/c*.out
    [ $failed -eq 0 ]
    for i in $(seq 1 20); do
        local top
        top=$(top_of "conc20-$i")
        # its own values, everywhere in its tree, and nothing else
        [ "$(cat "$top"/app/pids.max "$top"/app/*/pids.max | sort -u)" = "$((100 + i))" ]
        [ "$(find "$top" -mindepth 1 -type d | wc -l)" -eq $((9 + V2)) ]
    done
}

@test "the state directory is scanned at most once in the stale window: a file no one has used for longer is removed then, and the next hooks read no directory" {
    command -v strace >/dev/null || {
        echo "strace is missing (test/run.sh installs it)" >&2
        return 1
    }
    local b img=$BATS_TEST_TMPDIR/img.json st=$BATS_TEST_TMPDIR/state
    image 7 "$img"
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=(conc-stale)
    (cd "$b" && $RUNTIME create conc-stale </dev/null >/dev/null 2>&1)
    state_of conc-stale >"$st"
    # shellcheck disable=SC2174 # the deepest directory is the one that must have this mode
    mkdir -p -m 0700 /run/cgbind
    # an empty journal of a container long gone, and one used a moment ago
    : >/run/cgbind/1-999999991
    : >/run/cgbind/1-999999992
    touch -d '2 hours ago' /run/cgbind/1-999999991
    # the last scan was long ago: this hook scans, and removes the old file only
    touch -d '2 hours ago' /run/cgbind/.scanned
    # (-y: each descriptor with its path; other directories, such as the
    # host's huge page sizes, are read on every run)
    strace -f -y -e trace=getdents64 -o "$BATS_TEST_TMPDIR/scan" "$CGBIND" restore --image "$img" <"$st"
    grep -q 'getdents64([0-9]*</run/cgbind>' "$BATS_TEST_TMPDIR/scan"
    [ ! -e /run/cgbind/1-999999991 ]
    [ -e /run/cgbind/1-999999992 ]
    rm -f /run/cgbind/1-999999992
    # the scan was just now: the next hook does not read the directory
    strace -f -y -e trace=getdents64 -o "$BATS_TEST_TMPDIR/scan2" "$CGBIND" restore --image "$img" <"$st"
    run ! grep -q 'getdents64([0-9]*</run/cgbind>' "$BATS_TEST_TMPDIR/scan2"
}
