#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Hostile actors (issue 12): the workload, an unprivileged local user and the
# image author are untrusted. Nothing they do may make the hook wait without
# bound, crash it, make it act on a cgroup that is not the container's own,
# or cost the host more than the caps say. Each class is tried in several
# shapes, on real runc containers; the parser-only cases are in the C unit
# tests (test-image, test-match, test-pipeline).

load helpers

setup() {
    trace_failures_only
    requires root runc
    IMG=$BATS_TEST_TMPDIR/img.json
    ID=act-$BATS_TEST_NUMBER
}

teardown() {
    local p
    # a holder is flock (or setpriv exec'ing it), and flock runs its command
    # as a child that holds the lock too: both go
    for p in ${HOLDERS:-}; do
        pkill -9 -P "$p" 2>/dev/null || true
        kill -9 "$p" 2>/dev/null || true
    done
    common_teardown
    if mountpoint -q "$BATS_TEST_TMPDIR/named" 2>/dev/null; then
        find "$BATS_TEST_TMPDIR/named" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        umount "$BATS_TEST_TMPDIR/named"
    fi
}

# pids_image N: a pids tree of N children of app.
pids_image() {
    local i kids=
    for ((i = 0; i < $1; i++)); do kids+="${kids:+,}{\"name\":\"k$i\",\"properties\":{\"pids.max\":\"5\"}}"; done
    echo "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"pids\"],\"root\":{\"children\":[{\"name\":\"app\",\"children\":[$kids]}]}}]}" >"$IMG"
}

# the number of directories below the container's top-level in every hierarchy
subdirs() {
    local c n=0 d
    for c in pids memory cpu cpuset blkio devices freezer systemd; do
        d=$(cg_host_dir "$ID" "$c") || return 1
        n=$((n + $(find "$d" -mindepth 1 -type d | wc -l)))
    done
    echo "$n"
}

# locked FILE...: every FILE is flocked by someone now (a probe that cannot
# take the lock; not "some FLOCK in /proc/locks", which any other process on
# the host may hold)
locked() {
    local f
    for f in "$@"; do
        if flock -n "$f" true 2>/dev/null; then return 1; fi
    done
}

# ---- nothing anyone can hold makes the hook wait --------------------------

@test "an unprivileged user locking the container's cgroup directories does not delay the hook" {
    create_ctr "$ID"
    pids_image 3
    local c d dirs=()
    HOLDERS=
    for c in pids memory cpu cpuset; do
        d=$(cg_host_dir "$ID" "$c")
        dirs+=("$d")
        # uid 65534, no capabilities: the directories are world-readable
        setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
            flock -x "$d" sleep 300 </dev/null >/dev/null 2>&1 3>&- &
        HOLDERS+=" $!"
    done
    wait_for "locked ${dirs[*]}"
    run --separate-stderr timeout 30 "$CGBIND" restore --image "$IMG" <<<"$STATE"
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$status: $stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$(cg_host_dir "$ID" pids)/app/k2/pids.max")" = 5 ]
    # the holders still hold their locks: the hook did not wait for them
    for c in $HOLDERS; do kill -0 "$c"; done
}

# a static program that locks every path it is given and then sleeps: the
# workload's own flock on its (read-only) cgroup mounts
build_holder() {
    HOLDER=$BATS_RUN_TMPDIR/lock-holder
    [ -x "$HOLDER" ] && return 0
    cat >"$HOLDER.c" <<'C'
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
int main(int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                int fd = open(argv[i], O_RDONLY);
                if (fd < 0 || flock(fd, LOCK_EX) < 0)
                        return 1;
        }
        for (;;)
                pause();
}
C
    cc -static -O1 -o "$HOLDER" "$HOLDER.c"
}

@test "the workload locking its own cgroup mounts does not delay the hook" {
    build_holder
    local b
    b=$(new_bundle lock "/lock-holder /sys/fs/cgroup/pids /sys/fs/cgroup/memory /sys/fs/cgroup/cpu /sys/fs/cgroup/cpuset")
    cp "$HOLDER" "$b/rootfs/lock-holder"
    run_detached "$ID" "$b"
    wait_for "locked $(for c in pids memory cpu cpuset; do cg_host_dir "$ID" "$c"; done | tr '\n' ' ')"
    pids_image 3
    run --separate-stderr timeout 30 "$CGBIND" restore --image "$IMG" < <(state_of "$ID")
    echo "$status: $stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$(cg_host_dir "$ID" pids)/app/k0/pids.max")" = 5 ]
    [ "$($RUNTIME state "$ID" | jq -r .status)" = running ]
}

@test "cgbind's own lock held for ever: --timeout ends the wait with status 3, one line, nothing changed" {
    create_ctr "$ID"
    pids_image 3
    local top
    top=$(cg_host_dir "$ID" pids)
    # root, as a stuck cgbind would
    flock -x "$(lock_file_of "$top")" sleep 300 </dev/null >/dev/null 2>&1 3>&- &
    HOLDERS=$!
    wait_for "locked $(lock_file_of "$top")"
    local t0=$SECONDS
    run --separate-stderr "$CGBIND" restore --timeout 2 --image "$IMG" <<<"$STATE"
    echo "$status after $((SECONDS - t0)) s: $stderr"
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"another cgbind holds it"* ]]
    [ $((SECONDS - t0)) -le 6 ]
    [ ! -e "$top/app" ]
}

@test "a state on stdin that never ends: --timeout ends the wait with status 3" {
    pids_image 1
    local t0=$SECONDS
    # a writer that keeps stdin open and never finishes the document
    mkfifo "$BATS_TEST_TMPDIR/stdin"
    { printf '{"id": "x"'; exec sleep 300 3>&-; } >"$BATS_TEST_TMPDIR/stdin" &
    HOLDERS=$!
    run --separate-stderr "$CGBIND" restore --timeout 2 --image "$IMG" <"$BATS_TEST_TMPDIR/stdin"
    echo "$status after $((SECONDS - t0)) s: $stderr"
    [ "$status" -eq 3 ]
    [[ "$stderr" == *"state (stdin): not complete before the deadline"* ]]
    [ $((SECONDS - t0)) -le 6 ]
}

# ---- images that cost past the caps, refused before the first mkdir ------

@test "65 300 flat memory sub-cgroups (a 1.3 MB image) are refused before any mkdir" {
    create_ctr "$ID"
    awk 'BEGIN { printf "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"memory\"],\"root\":{\"children\":[";
                 for (i = 0; i < 65300; i++) printf "%s{\"name\":\"m%d\"}", i ? "," : "", i;
                 print "]}}]}" }' >"$IMG"
    local before
    before=$(subdirs)
    run --separate-stderr "$CGBIND" restore --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"65300 sub-cgroups in 1 hierarchies, more than the limit of 10000 (--max-cgroups)"* ]]
    [ "$(subdirs)" = "$before" ]
}

# one v1 image hierarchy that names every controller of this host spreads
# over every hierarchy: each copy counts
all_controllers_image() { # nodes
    local i kids='' ctl
    ctl=$(awk -F'\t' 'NR > 1 && $4 == 1 { printf "%s\"%s\"", n++ ? "," : "", $1 }' /proc/cgroups)
    for ((i = 0; i < $1; i++)); do kids+="${kids:+,}{\"name\":\"f$i\"}"; done
    echo "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[$ctl],\"root\":{\"children\":[$kids]}}]}" >"$IMG"
}

@test "an image hierarchy naming every controller is counted after its fan-out: refused past the cap" {
    create_ctr "$ID"
    all_controllers_image 1500
    local before
    before=$(subdirs)
    run --separate-stderr "$CGBIND" restore --skip-missing --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 2 ]
    # 1 500 nodes land on every hierarchy the container has here (7)
    [[ "$stderr" =~ ([0-9]+)\ sub-cgroups\ in\ ([0-9]+)\ hierarchies ]]
    echo "fan-out: ${BASH_REMATCH[1]} in ${BASH_REMATCH[2]}"
    [ "${BASH_REMATCH[1]}" -eq $((1500 * BASH_REMATCH[2])) ]
    [ "${BASH_REMATCH[2]}" -ge 5 ]
    [ "$(subdirs)" = "$before" ]
    # the control: under a raised cap the same image restores
    run --separate-stderr "$CGBIND" restore --skip-missing --max-cgroups 20000 --image "$IMG" <<<"$STATE"
    [ "$status" -eq 0 ]
    [ -d "$(cg_host_dir "$ID" pids)/f1499" ]
}

@test "a CRIU image whose controller lists overlap (cpu,cpuacct then cpu) is refused, nothing changed" {
    create_ctr "$ID"
    local top
    top=$(cg_host_dir "$ID" cpu)
    cat >"$IMG" <<JSON
{"magic": "CGROUP", "entries": [{"sets": [{"id": 1, "ctls": [
  {"name": "cpu,cpuacct", "path": "/$ID"}, {"name": "cpu", "path": "/$ID"}]}],
 "controllers": [
  {"cnames": ["cpu", "cpuacct"], "dirs": [{"dir_name": "$ID", "children": [{"dir_name": "a", "properties": [{"name": "cpu.shares", "value": "512"}]}]}]},
  {"cnames": ["cpu"], "dirs": [{"dir_name": "$ID", "children": [{"dir_name": "b", "properties": [{"name": "cpu.shares", "value": "256"}]}]}]}
 ]}]}
JSON
    run --separate-stderr "$CGBIND" restore --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 2 ]
    assert_one_error_line
    [[ "$stderr" == *"controllers shared with another hierarchy"* ]]
    [ ! -e "$top/a" ] && [ ! -e "$top/b" ]
}

@test "a CRIU image whose init is 100 levels deep is refused before any mkdir" {
    create_ctr "$ID"
    local deep='' i
    for ((i = 0; i < 100; i++)); do deep+="/d$i"; done
    cat >"$IMG" <<JSON
{"magic": "CGROUP", "entries": [{"sets": [{"id": 1, "ctls": [{"name": "pids", "path": "/$ID$deep", "cgns_prefix": $((${#ID} + 1))}]}],
 "controllers": [{"cnames": ["pids"], "dirs": [{"dir_name": "$ID$deep"}]}]}]}
JSON
    local before
    before=$(subdirs)
    run --separate-stderr "$CGBIND" restore --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"deeper than 64 levels"* ]]
    [ "$(subdirs)" = "$before" ]
}

# ---- a cgroup that is not the container's own ---------------------------

# a v1 named hierarchy: runc 1.1 does not move a container into it, so the
# container sits in its caller's cgroup there, shared with all it starts
@test "a named v1 hierarchy where runc leaves the container in its caller's cgroup is refused" {
    local named=$BATS_TEST_TMPDIR/named
    mkdir -p "$named"
    mount -t cgroup -o none,name=cgbind-test-$BATS_TEST_NUMBER cgroup "$named"
    mkdir "$named/caller"
    # the caller (this test's shell, and so runc) in a cgroup of its own there
    echo $$ >"$named/caller/cgroup.procs"
    create_ctr "$ID"
    echo $$ >"$named/cgroup.procs"
    cat >"$IMG" <<JSON
{"cgbind": 1, "hierarchies": [{"type": "cgroup", "controllers": ["name=cgbind-test-$BATS_TEST_NUMBER"],
 "root": {"children": [{"name": "leaked"}]}}]}
JSON
    run --separate-stderr "$CGBIND" restore --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"/caller is not the container's own cgroup"* ]]
    [ ! -e "$named/caller/leaked" ]
    # save leaves that hierarchy out, and says why
    run --separate-stderr "$CGBIND" save <<<"$STATE"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"left out hierarchy name=cgbind-test-$BATS_TEST_NUMBER"* ]]
    [[ "$output" != *"cgbind-test"* ]]
}

# forged states: a bundle whose rootfs is an empty directory, and the pid of
# a process that merely has a private mount namespace
forged_state() { # pid bundle
    printf '{"ociVersion": "1.0.2", "id": "forged", "status": "creating", "pid": %d, "bundle": "%s"}' "$1" "$2"
}

@test "a process with a private mount namespace (unshare -m) is not a container: the forged state is refused" {
    local bundle=$BATS_TEST_TMPDIR/forged scratch
    mkdir -p "$bundle/rootfs"
    echo '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}}' >"$bundle/config.json"
    scratch=$(cg_v1_mount pids)/cgbind-forged-$$-$BATS_TEST_NUMBER
    mkdir "$scratch"
    SCRATCH_CGROUPS+=("$scratch")
    pids_image 1
    # 1: the plain private namespace; 2: it also mounts the rootfs on itself,
    # as a runtime does; 3: and binds a cgroup mount under it
    local shape
    for shape in "exec sleep 300" \
        "mount --bind $bundle/rootfs $bundle/rootfs && exec sleep 300" \
        "mount --bind $bundle/rootfs $bundle/rootfs && mkdir -p $bundle/rootfs/sys/fs/cgroup/pids && mount --bind $scratch $bundle/rootfs/sys/fs/cgroup/pids && exec sleep 300"; do
        # detached (setsid -f): a service's process descends from pid 1 only
        rm -f "$BATS_TEST_TMPDIR/pid"
        setsid -f sh -c "echo \$\$ >'$scratch/cgroup.procs' && echo \$\$ >'$BATS_TEST_TMPDIR/pid' && exec unshare -m --propagation private sh -c '$shape'"
        wait_for "[ -s '$BATS_TEST_TMPDIR/pid' ]"
        local pid
        pid=$(cat "$BATS_TEST_TMPDIR/pid")
        HOLDERS+=" $pid"
        wait_for "[ \"\$(readlink /proc/$pid/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ] && grep -q sleep /proc/$pid/comm"
        run --separate-stderr "$CGBIND" restore --image "$IMG" < <(forged_state "$pid" "$bundle")
        echo "[$shape] $status: $stderr"
        [ "$status" -eq 3 ]
        assert_one_error_line
        [[ "$stderr" == *"not this container's process"* ]]
        [ -z "$(find "$scratch" -mindepth 1 -type d)" ]
        kill -9 "$pid"
    done
}

@test "the state of one container with the pid of another made from the same bundle is refused" {
    local b s
    b=$(new_bundle ctr "sleep 1000")
    CONTAINERS+=("$ID-a" "$ID-b")
    (cd "$b" && $RUNTIME create "$ID-a" </dev/null >/dev/null 2>&1)
    (cd "$b" && $RUNTIME create "$ID-b" </dev/null >/dev/null 2>&1)
    local pid_b
    pid_b=$(ctr_pid "$ID-b")
    s=$(state_of "$ID-a")
    s=$(sed -E "s/\"pid\": *[0-9]+/\"pid\": $pid_b/" <<<"$s")
    pids_image 2
    run --separate-stderr "$CGBIND" restore --image "$IMG" <<<"$s"
    echo "$status: $stderr"
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"/$ID-b is not the container's own cgroup (/$ID-b does not end with /$ID-a)"* ]]
    [ ! -e "$(cg_host_dir "$ID-a" pids)/app" ] && [ ! -e "$(cg_host_dir "$ID-b" pids)/app" ]
}

# ---- the image file ------------------------------------------------------

@test "a FIFO behind a symlink is never opened: its writer stays blocked" {
    create_ctr "$ID"
    mkfifo "$BATS_TEST_TMPDIR/fifo"
    ln -s "$BATS_TEST_TMPDIR/fifo" "$IMG"
    # a writer blocks in open(2) until a reader opens the FIFO
    (exec 3>"$BATS_TEST_TMPDIR/fifo"; echo opened >"$BATS_TEST_TMPDIR/writer") &
    HOLDERS=$!
    sleep 0.3
    run --separate-stderr timeout 20 "$CGBIND" restore --image "$IMG" <<<"$STATE"
    echo "$status: $stderr"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"not a regular file"* ]]
    sleep 0.3
    [ ! -e "$BATS_TEST_TMPDIR/writer" ]
    kill -0 "$HOLDERS"
    # show too
    run --separate-stderr timeout 20 "$CGBIND" show "$IMG"
    [ "$status" -eq 2 ]
    [ ! -e "$BATS_TEST_TMPDIR/writer" ]
}

# ---- what reaches the operator's terminal --------------------------------

# no byte a terminal acts on: no C0 control but newline, no DEL, no C1
# control in UTF-8 (0xc2 0x80-0x9f)
assert_no_control() { # text
    local bad
    bad=$(printf '%s' "$1" | LC_ALL=C grep -naP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' || true)
    if [ -n "$bad" ]; then
        echo "raw control characters in: $bad" | cat -v >&2
        return 1
    fi
}

@test "show escapes everything the image chose: the id, the date, init, names and values" {
    cat >"$IMG" <<'JSON'
{"cgbind": 1, "created": "\u001b]0;owned\u0007\u001b[2J", "container": {"id": "x\u001b[31m\u009b2J"},
 "hierarchies": [{"type": "cgroup2", "controllers": ["pids"], "init": "in\u009bit",
  "root": {"children": [{"name": "in\u009bit"}, {"name": "\u009b1;1H\u00e9t\u00e9", "properties": {"pids.max": "5"}}]}}]}
JSON
    run --separate-stderr "$CGBIND" show "$IMG"
    echo "$output" | cat -v
    [ "$status" -eq 0 ]
    assert_no_control "$output"
    [[ "$output" == *'\x1b]0;owned\x07\x1b[2J'* ]]
    [[ "$output" == *'(init in in\xc2\x9bit)'* ]]
}

@test "dry-run and --debug print paths and values escaped" {
    create_ctr "$ID"
    cat >"$IMG" <<'JSON'
{"cgbind": 1, "hierarchies": [{"type": "cgroup", "controllers": ["pids"],
  "root": {"children": [{"name": "\u009b2J", "properties": {"pids.max": "5"}}]}}]}
JSON
    run --separate-stderr "$CGBIND" restore --dry-run --image "$IMG" <<<"$STATE"
    [ "$status" -eq 0 ]
    assert_no_control "$output"
    [[ "$output" == *'mkdir \xc2\x9b2J'* ]]
    run --separate-stderr "$CGBIND" restore --debug --image "$IMG" <<<"$STATE"
    [ "$status" -eq 0 ]
    assert_no_control "$stderr"
    [[ "$stderr" == *'\xc2\x9b2J/pids.max'* ]]
}

# ---- save never writes an image that restore refuses ----------------------

# hostile_tree SEED: a shell script for inside a container that builds, with
# pseudo-random shapes from SEED, sub-cgroups the image cannot carry: bad
# names at every depth (control characters, invalid UTF-8, interface-file
# and controller-prefix names), a chain deeper than 64, a wide fan-out, and
# the init moved into a badly named sub-cgroup. Good siblings carry limits.
hostile_tree() {
    local seed=$1
    cat <<SH
set -e
c=/sys/fs/cgroup/pids
n=$seed
rnd() { n=\$(( (n * 1103515245 + 12345) % 2147483648 )); echo \$(( n % \$1 )); }
bad() {
    case \$(rnd 5) in
    0) printf 'tab\tname' ;;
    1) printf 'esc\033[2J' ;;
    2) printf 'bad\377utf8' ;;
    3) printf 'cpu.shadow' ;;
    4) printf 'tasks' ;;
    esac
}
mkdir -p \$c/good/a/b
echo 7 > \$c/good/pids.max
echo 3 > \$c/good/a/pids.max
mkdir "\$c/\$(bad)" 2>/dev/null || true
mkdir "\$c/good/\$(bad)" 2>/dev/null || true
mkdir "\$c/good/a/b/\$(bad)" 2>/dev/null || true
mkdir -p "\$c/good/a/\$(bad)/under" 2>/dev/null || true
d=\$c/deep
i=0
while [ \$i -lt \$((65 + \$(rnd 5))) ]; do d=\$d/l\$i; i=\$((i + 1)); done
mkdir -p \$d
i=0
w=\$((100 + \$(rnd 200)))
mkdir -p \$c/wide
while [ \$i -lt \$w ]; do mkdir \$c/wide/w\$i; i=\$((i + 1)); done
b=\$c/good/\$(bad)
mkdir -p "\$b" 2>/dev/null || b=\$c/good/esc\$(printf '\033')
mkdir -p "\$b"
echo \$\$ > "\$b/cgroup.procs"
touch /built
exec sleep 1000
SH
}

@test "save never writes an image that restore refuses: hostile trees, init in a bad sub-cgroup" {
    local seed b
    for seed in 1 7 42; do
        b=$(new_bundle "h$seed" "$(hostile_tree $seed)")
        run_detached "$ID-$seed" "$b"
        wait_for "[ -e '$b/rootfs/built' ]"
        run --separate-stderr "$CGBIND" save -o "$BATS_TEST_TMPDIR/saved-$seed.json" < <(state_of "$ID-$seed")
        echo "seed $seed save: $status"
        echo "$stderr" | cat -v | head -20
        [ "$status" -eq 0 ]
        # the init's bad sub-cgroup was left out, and so is its name as init
        [[ "$stderr" == *"left out init"* ]]
        run --separate-stderr "$CGBIND" show "$BATS_TEST_TMPDIR/saved-$seed.json"
        [ "$status" -eq 0 ]
        assert_no_control "$output"
        [[ "$output" == *"good"*"pids.max=7"* ]]
        create_ctr "$ID-dst-$seed"
        run --separate-stderr "$CGBIND" restore --dry-run --image "$BATS_TEST_TMPDIR/saved-$seed.json" <<<"$STATE"
        echo "seed $seed dry-run: $status $stderr"
        [ "$status" -eq 0 ]
        [[ "$output" == *"write good/pids.max = \"7\""* ]]
        run --separate-stderr "$CGBIND" restore --image "$BATS_TEST_TMPDIR/saved-$seed.json" <<<"$STATE"
        [ "$status" -eq 0 ]
        [ "$(cat "$(cg_host_dir "$ID-dst-$seed" pids)/good/a/pids.max")" = 3 ]
    done
}
