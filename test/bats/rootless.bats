#!/usr/bin/env bats
# cgbind-layouts: hybrid
# Rootless cgbind on a cgroup v1 (hybrid) host, run as an unprivileged user
# (issue 22): real `runc --rootless true` containers from `runc spec
# --rootless`, cgbind as the same user. Without a delegated cgroup (what
# rootless runc and podman get on v1) the restore is one line, status 3,
# nothing written. With a v1 cgroup delegated by chown (as `cgcreate -a -t`
# does) the sub-tree comes back, read from inside; the state lives in the
# user's XDG_RUNTIME_DIR. The hostile cases: another user's image, a planted
# state directory, an image naming a cgroup outside the tree, another user's
# container. The v2/systemd side (podman, delegated controllers) is
# rootless-systemd.bats.

load helpers
load rootless-helpers

setup_file() {
    rl_users_setup
}

teardown_file() {
    rl_users_teardown
}

setup() {
    trace_failures_only
    requires root runc cgroup_v1
    rl_users_setup
    UHOME=$(rl_home "$RL_USER")
    XDG=$(rl_runtime_dir "$RL_USER" "$UHOME")
    # the annotation's image directory: ~/.local/share/cgbind of the
    # user's passwd home
    DATA=$(rl_data_dir "$RL_USER")
    ID=rl-$BATS_TEST_NUMBER
    RL_CTRS=()
    PIDS_HIER='"type": "cgroup", "controllers": ["pids"]'
}

teardown() {
    local c u root id
    for c in "${RL_CTRS[@]}"; do
        read -r u root id <<<"$c"
        as_user "$u" -- runc --root "$root" delete -f "$id" >/dev/null 2>&1 || true
    done
    cleanup_scratch
    rl_dirs_cleanup
    [ -z "${ROOT_IMG:-}" ] || rm -f "$ROOT_IMG"
    [ -z "${MADE_VAR_LIB:-}" ] || rmdir /var/lib/cgbind
    [ -z "${MADE_RUN_USER:-}" ] || rm -rf "$MADE_RUN_USER"
}

# rl_delegate USER NAME: NAME below the root of every v1 hierarchy, handed to
# USER by chown (the directory, tasks and cgroup.procs), cpuset filled in.
rl_delegate() {
    local u=$1 name=$2 id parent dev root mnt rest
    # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
    while read -r id parent dev root mnt rest; do
        [ "${rest#* - cgroup }" != "$rest" ] || continue
        [ -e "$mnt/cgroup.procs" ] || continue
        mkdir "$mnt/$name"
        SCRATCH_CGROUPS+=("$mnt/$name")
        if [ -e "$mnt/$name/cpuset.cpus" ]; then
            cat "$mnt/cpuset.cpus" >"$mnt/$name/cpuset.cpus"
            cat "$mnt/cpuset.mems" >"$mnt/$name/cpuset.mems"
        fi
        chown "$u:" "$mnt/$name" "$mnt/$name/tasks" "$mnt/$name/cgroup.procs"
    done </proc/self/mountinfo
}

# rl_bundle USER HOME NAME [CGROUPS-PATH]: HOME/NAME, a bundle of USER's
# from `runc spec --rootless`, running sleep. The spec's /sys is a
# read-only rbind of the host's, whose cgroup mounts stay listed (hidden
# under the container's own) in the container's mount table; a network
# namespace lets runc mount a sysfs of the container's own instead.
rl_bundle() {
    local u=$1 b=$2/$3 cgpath=${4:-}
    mkdir -p "$b"
    _rootfs_template
    cp -a "$REPLY" "$b/rootfs"
    chown -R "$u:" "$b"
    (cd "$b" && as_user "$u" -- runc spec --rootless)
    jq --arg cg "$cgpath" '.process.terminal = false | .process.args = ["sleep", "1000"]
        | .linux.namespaces += [{"type": "network"}]
        | (.mounts[] | select(.destination == "/sys")) |= {"destination": "/sys",
            "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
        | if $cg != "" then .linux.cgroupsPath = $cg else . end' \
        "$b/config.json" >"$b/config.json.new"
    mv "$b/config.json.new" "$b/config.json"
    chown "$u:" "$b/config.json"
    echo "$b"
}

# rl_create USER HOME BUNDLE ID: `runc --rootless true create` as USER;
# STATE is its state, PID its init.
rl_create() {
    local u=$1 root=$2/runc
    RL_CTRS+=("$u $root $4")
    (cd "$3" && as_user "$u" -- runc --rootless true --root "$root" create "$4" \
        </dev/null >/dev/null 2>"$2/create.err") || { cat "$2/create.err" >&2; return 1; }
    STATE=$(as_user "$u" -- runc --root "$root" state "$4")
    PID=$(jq -r .pid <<<"$STATE")
}

rl_runc() {
    as_user "$RL_USER" -- runc --root "$UHOME/runc" "$@"
}

# A pids and memory tree, the user's own image file.
rl_image() {
    cat >"$1" <<'EOF'
{"cgbind": 1, "hierarchies": [
 {"type": "cgroup", "controllers": ["pids"], "root": {"properties": {}, "children": [
   {"name": "app", "properties": {"pids.max": "40"}, "children": [
     {"name": "web", "properties": {"pids.max": "7"}, "children": []}]}]}},
 {"type": "cgroup", "controllers": ["memory"], "root": {"properties": {}, "children": [
   {"name": "app", "properties": {"memory.limit_in_bytes": "67108864"}, "children": []}]}}]}
EOF
    chown "$RL_USER:" "$1"
}

# restore_as ENV... : `cgbind restore --image $IMG` as the user on STATE,
# with XDG_RUNTIME_DIR=$XDG unless an ENV sets it.
restore_as() {
    local envs=("XDG_RUNTIME_DIR=$XDG")
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    [ "${1:-}" != -- ] || shift
    run --separate-stderr as_user "$RL_USER" "${envs[@]}" -- "$CGBIND" restore --image "$IMG" "$@" <<<"$STATE"
}

# A delegated container of the user's: DELEG is its delegated cgroup name.
delegated_ctr() {
    DELEG=cgbind-rl-$BATS_TEST_NUMBER
    rl_delegate "$RL_USER" "$DELEG"
    local b
    b=$(rl_bundle "$RL_USER" "$UHOME" b "/$DELEG/$ID")
    rl_create "$RL_USER" "$UHOME" "$b" "$ID"
    TOP_PIDS=$(pid_cg_dir "$PID" pids)
    TOP_MEM=$(pid_cg_dir "$PID" memory)
    [ "$TOP_PIDS" = "$(cg_v1_mount pids)/$DELEG/$ID" ]
}

# state_clean DIR: DIR is missing, or holds only what a finished restore
# leaves in its state directory: empty files of the user's (the journal
# files, emptied, and the scan mark .scanned).
state_clean() {
    [ -e "$1" ] || return 0
    [ -z "$(find "$1" -mindepth 1 \( ! -type f -o -size +0c -o ! -user "$RL_UID" \) -print)" ]
}

# Nothing written: no sub-cgroup in the container's, no record in the state
# directory (a run that parses the image, inside the sandbox, has made it).
nothing_written() {
    run ls -A "$XDG"
    [ -z "$output" ] || [ "$output" = cgbind ]
    state_clean "$XDG/cgbind"
    [ ! -e "$TOP_PIDS/app" ]
    [ ! -e "$TOP_MEM/app" ]
}

# annotated_as NAME [ENV...] [-- ARGS...]: `cgbind restore` as the user on
# STATE with the annotation io.cgbind.image NAME and no --image.
annotated_as() {
    local name=$1 envs=("XDG_RUNTIME_DIR=$XDG")
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    [ "${1:-}" != -- ] || shift
    run --separate-stderr as_user "$RL_USER" "${envs[@]}" -- "$CGBIND" restore "$@" \
        <<<"$(jq -c --arg n "$name" '.annotations["io.cgbind.image"] = $n' <<<"$STATE")"
}

@test "rootless, no delegated cgroup (runc spec --rootless on v1): one line, status 3, nothing written" {
    local b
    b=$(rl_bundle "$RL_USER" "$UHOME" b)
    rl_create "$RL_USER" "$UHOME" "$b" "$ID"
    TOP_PIDS=$(pid_cg_dir "$PID" pids) TOP_MEM=$(pid_cg_dir "$PID" memory)
    IMG=$UHOME/img.json
    rl_image "$IMG"
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "rootless (uid $RL_UID): the container has no cgroup delegated to this user"
    nothing_written
    # --skip-missing: a warning, status 0, still nothing written
    restore_as -- --skip-missing
    [ "$status" -eq 0 ]
    # shellcheck disable=SC2154 # set by bats run --separate-stderr
    [[ "$stderr" == *"no cgroup delegated"*"(--skip-missing)"* ]]
    nothing_written
}

@test "rootless, no delegated cgroup, as the container's prestart hook: the container does not start" {
    local b
    b=$(rl_bundle "$RL_USER" "$UHOME" b)
    IMG=$DATA/img.json
    rl_image "$IMG"
    jq --arg cg "$CGBIND" --arg img "$IMG" --arg xdg "XDG_RUNTIME_DIR=$XDG" \
        '.annotations["io.cgbind.image"] = $img
        | .hooks.prestart = [{"path": $cg, "args": ["cgbind", "restore"], "env": [$xdg]}]' \
        "$b/config.json" >"$b/c.new"
    mv "$b/c.new" "$b/config.json"
    chown "$RL_USER:" "$b/config.json"
    RL_CTRS+=("$RL_USER $UHOME/runc $ID")
    run bash -c "cd '$b' && exec setpriv --reuid=$RL_UID --regid=$RL_GID --init-groups \
        runc --rootless true --root '$UHOME/runc' run -d '$ID' </dev/null 2>&1"
    [ "$status" -ne 0 ]
    [[ "$output" == *"exit status 3"*"no cgroup delegated to this user"* ]]
    run ls -A "$XDG"
    [ -z "$output" ]
}

@test "rootless, delegated v1 cgroups: restored as the user, read back inside; state in XDG_RUNTIME_DIR; save round trip" {
    delegated_ctr
    IMG=$UHOME/img.json
    rl_image "$IMG"
    restore_as
    [ "$status" -eq 0 ]
    [ "$(cat "$TOP_PIDS/app/pids.max")" = 40 ]
    [ "$(cat "$TOP_PIDS/app/web/pids.max")" = 7 ]
    [ "$(cat "$TOP_MEM/app/memory.limit_in_bytes")" = 67108864 ]
    # the user's own state directory, no record left in it
    [ "$(stat -c '%u %a' "$XDG/cgbind")" = "$RL_UID 700" ]
    state_clean "$XDG/cgbind"
    # from inside the container
    rl_runc start "$ID"
    run rl_runc exec "$ID" cat /sys/fs/cgroup/pids/app/pids.max /sys/fs/cgroup/pids/app/web/pids.max \
        /sys/fs/cgroup/memory/app/memory.limit_in_bytes
    [ "$status" -eq 0 ]
    [ "$output" = "40
7
67108864" ]
    # save by the same user, from the running container's state
    STATE=$(rl_runc state "$ID")
    run --separate-stderr as_user "$RL_USER" -- "$CGBIND" save -o - <<<"$STATE"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.hierarchies[] | select(.controllers == ["pids"]) | .root.children[0].children[0]
        | "\(.name) \(.properties["pids.max"])"' <<<"$output")" = "web 7" ]
    [ "$(jq -r '.hierarchies[] | select(.controllers == ["memory"]) | .root.children[0]
        .properties["memory.limit_in_bytes"]' <<<"$output")" = 67108864 ]
}

@test "rootless, as the container's prestart hook without XDG_RUNTIME_DIR: restored, state in /run/user/UID" {
    [ ! -e "/run/user/$RL_UID" ] || skip "/run/user/$RL_UID exists on this machine"
    # what systemd-logind makes for a logged-in or lingering user
    install -d -m 0755 /run/user
    install -d -m 0700 -o "$RL_USER" -g "$RL_GID" "/run/user/$RL_UID"
    MADE_RUN_USER=/run/user/$RL_UID
    DELEG=cgbind-rl-$BATS_TEST_NUMBER
    rl_delegate "$RL_USER" "$DELEG"
    local b
    b=$(rl_bundle "$RL_USER" "$UHOME" b "/$DELEG/$ID")
    rl_image "$DATA/img.json"
    # runc runs a hook with the hook's own environment only: no
    # XDG_RUNTIME_DIR, no HOME (the image directory comes from passwd)
    jq --arg cg "$CGBIND" --arg img img.json '.annotations["io.cgbind.image"] = $img
        | .hooks.prestart = [{"path": $cg, "args": ["cgbind", "restore"]}]' \
        "$b/config.json" >"$b/c.new"
    mv "$b/c.new" "$b/config.json"
    chown "$RL_USER:" "$b/config.json"
    RL_CTRS+=("$RL_USER $UHOME/runc $ID")
    # the detached container's output to a file: a pipe would stay open
    run bash -c "cd '$b' && setpriv --reuid=$RL_UID --regid=$RL_GID --init-groups \
        runc --rootless true --root '$UHOME/runc' run -d '$ID' </dev/null >'$UHOME/run.out' 2>&1"
    cat "$UHOME/run.out" >&2
    [ "$status" -eq 0 ]
    run rl_runc exec "$ID" cat /sys/fs/cgroup/pids/app/web/pids.max /sys/fs/cgroup/memory/app/memory.limit_in_bytes
    [ "$output" = "7
67108864" ]
    [ "$(stat -c '%u %a' "/run/user/$RL_UID/cgbind")" = "$RL_UID 700" ]
}

@test "rootless hostile: another user's image, or one others may write, is refused; root's is read" {
    delegated_ctr
    local other
    other=$(rl_home "$RL_OTHER")
    IMG=$other/img.json
    rl_image "$IMG"
    chown "$RL_OTHER:" "$IMG"
    chmod 0644 "$IMG"
    restore_as
    [ "$status" -eq 2 ]
    rl_one_line "owned by uid $RL_OTHER_UID"
    nothing_written
    # the user's own file, writable by the group or by anyone
    local mode
    for mode in 0664 0646; do
        IMG=$UHOME/img-$mode.json
        rl_image "$IMG"
        chmod "$mode" "$IMG"
        restore_as
        [ "$status" -eq 2 ]
        rl_one_line "only a file of uid $RL_UID's or root's that no one else may write"
        nothing_written
    done
    # root's image, 0644: root can write anything anyway
    IMG=$UHOME/img-root.json
    rl_image "$IMG"
    chown root:root "$IMG"
    restore_as
    [ "$status" -eq 0 ]
    [ "$(cat "$TOP_PIDS/app/web/pids.max")" = 7 ]
}

@test "rootless hostile: a state directory another user planted or can write is refused, nothing written" {
    delegated_ctr
    IMG=$UHOME/img.json
    rl_image "$IMG"
    local other
    other=$(rl_home "$RL_OTHER")
    install -d -m 0700 -o "$RL_OTHER" "$other/xdg"
    install -d -m 1777 -o "$RL_OTHER" "$other/open"
    install -d -m 0700 -o "$RL_OTHER" "$other/open/cgbind"
    local dir
    for dir in /tmp "$other/xdg" "$other/open"; do
        restore_as XDG_RUNTIME_DIR="$dir"
        [ "$status" -eq 3 ]
        rl_one_line "not a directory of uid $RL_UID's that only it may write"
        nothing_written
        [ ! -e "$other/xdg/cgbind" ]
        [ -z "$(ls -A "$other/open/cgbind")" ]
    done
    # the user's own runtime directory, but others may write into it
    chmod 0770 "$XDG"
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "not a directory of uid $RL_UID's that only it may write"
    nothing_written
    chmod 0700 "$XDG"
    # cgbind there a symbolic link to another user's directory, or not 0700
    ln -s "$other/open/cgbind" "$XDG/cgbind"
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "state ($XDG/cgbind)"
    [ -z "$(ls -A "$other/open/cgbind")" ]
    [ ! -e "$TOP_PIDS/app" ]
    rm "$XDG/cgbind"
    install -d -m 0755 -o "$RL_USER" "$XDG/cgbind"
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "with mode 0700"
    [ ! -e "$TOP_PIDS/app" ]
}

@test "rootless hostile: an image naming a cgroup outside the user's tree is refused, nothing written" {
    delegated_ctr
    local parent_before kind
    parent_before=$(ls -A "$(cg_v1_mount pids)/$DELEG")
    for kind in dotdot absolute nested init; do
        IMG=$UHOME/img-$kind.json
        rl_image_outside "$IMG" "$PIDS_HIER" "$kind"
        chown "$RL_USER:" "$IMG"
        restore_as
        [ "$status" -eq 2 ]
        assert_one_error_line
        nothing_written
        [ "$(ls -A "$(cg_v1_mount pids)/$DELEG")" = "$parent_before" ]
        # shellcheck disable=SC2010 # cgroup interface file names: no unusual characters
        [ -z "$(ls -A "$TOP_PIDS" | grep -v -e '^cgroup\.' -e '^pids\.' -e '^tasks$' -e '^notify_on_release$')" ]
    done
}

@test "rootless hostile: a state naming another user's container or process is refused, nothing written" {
    # the other user's own delegated container
    local other b other_state other_pid
    other=$(rl_home "$RL_OTHER")
    DELEG=cgbind-rl-$BATS_TEST_NUMBER
    rl_delegate "$RL_OTHER" "$DELEG"
    b=$(rl_bundle "$RL_OTHER" "$other" b "/$DELEG/$ID-other")
    rl_create "$RL_OTHER" "$other" "$b" "$ID-other"
    other_state=$STATE other_pid=$PID
    TOP_PIDS=$(pid_cg_dir "$other_pid" pids) TOP_MEM=$(pid_cg_dir "$other_pid" memory)
    IMG=$UHOME/img.json
    rl_image "$IMG"
    # its state as it is
    STATE=$other_state
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "process (pid $other_pid): not this user's"
    nothing_written
    # the user's own container's state with the other's pid in it
    b=$(rl_bundle "$RL_USER" "$UHOME" b)
    rl_create "$RL_USER" "$UHOME" "$b" "$ID"
    STATE=$(jq -c --argjson p "$other_pid" '.pid = $p' <<<"$STATE")
    restore_as
    [ "$status" -eq 3 ]
    rl_one_line "process (pid $other_pid): not this user's"
    nothing_written
    # a process of root's (the state's pid 1 is refused as no container's)
    # shellcheck disable=SC2217 # stdin closed on purpose for a background process
    sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
    ROOT_SLEEP=$!
    STATE=$(jq -c --argjson p "$ROOT_SLEEP" '.pid = $p' <<<"$STATE")
    restore_as
    kill "$ROOT_SLEEP"
    [ "$status" -eq 3 ]
    rl_one_line "process (pid $ROOT_SLEEP): not this user's"
    run ls -A "$XDG"
    [ -z "$output" ]
}

@test "rootless annotation: images lie beneath the user's ~/.local/share/cgbind (passwd home), nothing outside it, root's /var/lib/cgbind included" {
    delegated_ctr
    rl_image "$DATA/img.json"
    local other name home
    other=$(rl_home "$RL_OTHER") home=$(rl_passwd_home "$RL_USER")
    rl_image "$other/img.json"
    chown "$RL_OTHER:" "$other/img.json"
    # a valid image of the user's, but above the directory
    rl_image "$home/img.json"
    # a valid image in root's image directory
    [ -d /var/lib/cgbind ] || MADE_VAR_LIB=1
    install -d -m 0755 /var/lib/cgbind
    ROOT_IMG=/var/lib/cgbind/cgbind-rl-$BATS_TEST_NUMBER.json
    rl_image "$ROOT_IMG"
    chown root:root "$ROOT_IMG"
    # a symbolic link out, and a hard link to another user's file (root
    # may make one where protected_hardlinks stops the user)
    ln -s "$home/img.json" "$DATA/link.json"
    ln "$other/img.json" "$DATA/hard.json"
    for name in "$ROOT_IMG" "${ROOT_IMG##*/}" "$other/img.json" ../../../img.json "$DATA/../../../img.json" \
        "$home/img.json" link.json hard.json missing.json "$DATA"; do
        annotated_as "$name"
        echo "[$name] status $status: $stderr"
        [ "$status" -eq 2 ]
        rl_one_line "image (annotation io.cgbind.image): not a valid image in the image directory $DATA"
        nothing_written
    done
    # the control, with HOME and XDG_DATA_HOME elsewhere: the directory is
    # the passwd home's, as for a hook that gets no environment
    annotated_as "$DATA/img.json" HOME="$UHOME" XDG_DATA_HOME="$UHOME" -- --dry-run
    [ "$status" -eq 0 ]
    [[ $output == *"mkdir app"* ]]
    annotated_as img.json HOME="$UHOME" XDG_DATA_HOME="$UHOME"
    [ "$status" -eq 0 ]
    [ "$(cat "$TOP_PIDS/app/web/pids.max")" = 7 ]
}

@test "rootless annotation: an image directory that is not the user's, or that others may write, is refused (status 3)" {
    delegated_ctr
    rl_image "$DATA/img.json"
    chmod 0770 "$DATA"
    annotated_as img.json
    [ "$status" -eq 3 ]
    rl_one_line "image directory ($DATA): not owned by uid $RL_UID or root, or writable by group or others"
    nothing_written
    chmod 0700 "$DATA"
    chown "$RL_OTHER:" "$DATA"
    annotated_as img.json
    [ "$status" -eq 3 ]
    rl_one_line "image directory ($DATA): not owned by uid $RL_UID or root"
    nothing_written
    # no directory at all: status 3, and where it was looked for
    rm -rf "$DATA"
    annotated_as img.json
    [ "$status" -eq 3 ]
    rl_one_line "image directory ($DATA): No such file or directory"
    nothing_written
}
