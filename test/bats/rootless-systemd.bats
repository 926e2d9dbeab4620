#!/usr/bin/env bats
# cgbind-layouts: v2-systemd
# Rootless podman as its users run it (issue 22), with systemd as PID 1: a
# regular user with subordinate ids (useradd gives them), lingering
# (loginctl enable-linger: systemd starts user@UID.service, to which it
# delegates cpu, memory and pids), every command in a login session of the
# user's (su -, pam_systemd), podman's defaults (the systemd cgroup manager
# of the user's manager, crun) with vfs storage (the VM's root is an overlay
# itself). cgbind is a hooks.d hook: crun runs it in podman's user
# namespace, as the user. The round trip (saved by the user from the
# running container, restored into a new one, read back inside), the
# delegated-controller rule, the user's image directory, and a container
# without a delegated cgroup (--cgroup-manager cgroupfs). The same rules on
# cgroup v1 with runc --rootless, and the hostile cases: rootless.bats.

load helpers
load systemd-helpers

RLS_USER=cgbind-rls
# a second user of the same kind, for the hostile case
RLS_OTHER=cgbind-rls2

# rls CMD...: CMD as the user, in a login session of the user's
rls() {
    su - "$RLS_USER" -c "$(printf '%q ' "$@")" </dev/null
}

# pm ARGS...: the user's podman, with its defaults but the storage
pm() {
    rls podman --storage-driver vfs "$@"
}

# user_up USER: a regular user, as a person has one (home, subordinate
# ids), lingering, with the user's manager running
user_up() {
    local uid
    useradd --create-home --shell /bin/bash "$1"
    uid=$(id -u "$1")
    grep -q "^$1:" /etc/subuid
    grep -q "^$1:" /etc/subgid
    loginctl enable-linger "$1"
    # logind starts the user's manager for a lingering user; the start job
    # ends when it is up (a minute and more under load: wait for the job,
    # not a fixed time)
    systemctl start "user@$uid.service" || {
        systemctl status "user@$uid.service" --no-pager >&2
        return 1
    }
    [ -S "/run/user/$uid/bus" ]
}

# user_down USER: its sessions, processes and home gone
user_down() {
    loginctl disable-linger "$1" 2>/dev/null || true
    loginctl terminate-user "$1" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
        pgrep -u "$1" >/dev/null || break
        sleep 0.1
    done
    userdel --remove "$1" 2>/dev/null || true
}

setup_file() {
    requires root systemd podman
    user_up "$RLS_USER"
    RLS_UID=$(id -u "$RLS_USER")
    RLS_HOME=$(getent passwd "$RLS_USER" | cut -d: -f6)
    export RLS_UID RLS_HOME
    # a busybox image of the user's own
    local r=$RLS_HOME/rootfs a
    mkdir -p "$r/bin"
    cp /bin/busybox "$r/bin/"
    for a in sh cat echo sleep mkdir cut tr ls; do ln -sf busybox "$r/bin/$a"; done
    # the hooks.d file as installed, with the binary under test and a log
    # file of the user's (--log: podman drops a hook's stderr)
    mkdir -p "$RLS_HOME/hooks"
    jq --arg p "$CGBIND" --arg log "$RLS_HOME/hook.log" \
        '.hook.path = $p | .hook.args += ["--log", $log] | .stages = ["prestart"]' \
        <(sed 's|@CGBIND_PATH@|/x|; s|@HOOK_STAGE@|prestart|' "$CGBIND_SRC/hook/cgbind-hook.json.in") \
        >"$RLS_HOME/hooks/50-cgbind.json"
    chown -R "$RLS_USER:" "$RLS_HOME"
    rls sh -c 'tar -C ~/rootfs -c . | podman --storage-driver vfs import - localhost/cgbind-bb' >/dev/null
    rls install -d -m 0700 "$RLS_HOME/.local/share/cgbind"
}

teardown_file() {
    pm rm -af -t 0 >/dev/null 2>&1 || true
    user_down "$RLS_USER"
    # the second user of the hostile test, if that test left it
    if id "$RLS_OTHER" >/dev/null 2>&1; then user_down "$RLS_OTHER"; fi
}

setup() {
    trace_failures_only
    requires root systemd podman
    LOG=$RLS_HOME/hook.log
    DATA=$RLS_HOME/.local/share/cgbind
}

teardown() {
    pm rm -af -t 0 >/dev/null 2>&1 || true
    rm -f "$LOG" "$DATA"/*.json /var/lib/cgbind/cgbind-rls.json
    [ -z "${MADE_VAR_LIB:-}" ] || rm -rf /var/lib/cgbind
}

# dst NAME ANNOTATION...: `podman run` of a new container of the user's
# with the hooks.d hook; status and output as run sets them
dst() {
    local name=$1 a args=()
    shift
    for a in "$@"; do args+=(--annotation "$a"); done
    run pm --hooks-dir "$RLS_HOME/hooks" run -d --name "$name" --network none "${args[@]}" \
        localhost/cgbind-bb sh -c 'exec sleep 1000'
    echo "podman run $name: status $status: $output"
    echo "hook log:"
    cat "$LOG" 2>/dev/null || true
}

# user_image FILE: a literal image (stdin) as a file of the user's, 0600
user_image() {
    cat >"$1"
    chown "$RLS_USER:" "$1"
    chmod 0600 "$1"
}

# The state directory is the user's (/run/user/UID/cgbind, 0700), with no
# record left in it.
state_dir_clean() {
    local d=/run/user/$RLS_UID/cgbind
    [ "$(stat -c '%U %a' "$d")" = "$RLS_USER 700" ]
    [ -z "$(find "$d" -mindepth 1 \( ! -type f -o -size +0c -o ! -user "$RLS_USER" \) -print)" ]
}

@test "rootless podman (lingering user, systemd manager, crun): saved by the user, restored by the hooks.d hook as the user, read back inside" {
    [ "$(pm info --format '{{.Host.Security.Rootless}} {{.Host.CgroupManager}} {{.Host.OCIRuntime.Name}} {{.Host.CgroupsVersion}}')" = "true systemd crun v2" ]
    # the workload builds its tree (--systemd always: podman mounts the
    # cgroup tree writable for a systemd container only)
    pm run -d --systemd always --name rsrc --network none localhost/cgbind-bb \
        sh -c "$SD_BUILD; touch /built; exec sleep 1000"
    local pid id top
    pid=$(pm inspect -f '{{.State.Pid}}' rsrc)
    id=$(pm inspect -f '{{.Id}}' rsrc)
    wait_for "[ -e /proc/$pid/root/built ]"
    top=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    echo "# source: init in $top" >&3
    [ "$top" = "/user.slice/user-$RLS_UID.slice/user@$RLS_UID.service/user.slice/libpod-$id.scope/container/init.scope" ]
    # saved by the user, from crun's state of the user's container
    rls sh -c "crun --root /run/user/$RLS_UID/crun state $id | $CGBIND save -o $DATA/web.json"
    [ "$(stat -c %U "$DATA/web.json")" = "$RLS_USER" ]
    jq -e '.hierarchies[0].init == "init.scope"' "$DATA/web.json"
    pm rm -f -t 0 rsrc
    # re-created: the annotation names the image in the user's directory
    dst rdst io.cgbind.image=web.json
    [ "$status" -eq 0 ]
    # the hook ran as the user (its log file is the user's), restored
    [ "$(stat -c %U "$LOG")" = "$RLS_USER" ]
    grep -q "restore: restored with mode soft: 4 cgroups created" "$LOG"
    pid=$(pm inspect -f '{{.State.Pid}}' rdst)
    id=$(pm inspect -f '{{.Id}}' rdst)
    [ "$(sed -n 's/^0:://p' "/proc/$pid/cgroup")" = "/user.slice/user-$RLS_UID.slice/user@$RLS_UID.service/user.slice/libpod-$id.scope/container/init.scope" ]
    run pm exec rdst sh -c "$SD_VERIFY"
    echo "$output"
    [ "$status" -eq 0 ]
    diff <(sd_expected) <(printf '%s\n' "$output")
    state_dir_clean
}

@test "rootless podman: a controller systemd does not delegate (io) is left out with a warning in soft, refused before any change in strict" {
    [ "$(cat "/sys/fs/cgroup/user.slice/user-$RLS_UID.slice/user@$RLS_UID.service/cgroup.controllers")" = "cpu memory pids" ]
    user_image "$DATA/io.json" <<'EOF'
{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["cpu", "io", "memory", "pids"],
  "init": "init.scope", "root": {"properties": {"cgroup.subtree_control": "cpu io memory pids"},
  "children": [{"name": "init.scope", "properties": {}, "children": []},
    {"name": "app", "properties": {"io.weight": "default 50", "pids.max": "100", "memory.max": "268435456"},
     "children": []}]}}]}
EOF
    dst rstrict io.cgbind.image=io.json io.cgbind.mode=strict
    [ "$status" -ne 0 ]
    grep -q "controller io not available to the container's cgroup (its cgroup.controllers: cpu memory pids; .*: refused (strict), nothing changed" "$LOG"
    run pm rm -f -t 0 rstrict
    rm -f "$LOG"
    dst rsoft io.cgbind.image=io.json
    [ "$status" -eq 0 ]
    grep -q "warning .*controller io not available to the container's cgroup .*settings left out" "$LOG"
    run pm exec rsoft sh -c 'cat /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/app/pids.max /sys/fs/cgroup/app/memory.max; ls /sys/fs/cgroup/app/io.weight'
    echo "$output"
    [ "$output" = "cpu memory pids
100
268435456
ls: /sys/fs/cgroup/app/io.weight: No such file or directory" ]
}

@test "rootless podman: the annotation names only images in the user's ~/.local/share/cgbind; anything else stops the container with one message" {
    local name
    [ -d /var/lib/cgbind ] || MADE_VAR_LIB=1
    install -d -m 0755 /var/lib/cgbind
    user_image /var/lib/cgbind/cgbind-rls.json <<'EOF'
{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["pids"], "root": {"properties": {},
  "children": [{"name": "app", "properties": {"pids.max": "7"}, "children": []}]}}]}
EOF
    cp /var/lib/cgbind/cgbind-rls.json "$RLS_HOME/up.json"
    chown "$RLS_USER:" "$RLS_HOME/up.json"
    chown root: /var/lib/cgbind/cgbind-rls.json
    chmod 0644 /var/lib/cgbind/cgbind-rls.json
    for name in /var/lib/cgbind/cgbind-rls.json ../../../up.json "$RLS_HOME/up.json"; do
        rm -f "$LOG"
        dst rbad io.cgbind.image="$name"
        [ "$status" -ne 0 ]
        grep -q "error .*image (annotation io.cgbind.image): not a valid image in the image directory $DATA$" "$LOG"
        run pm rm -f -t 0 rbad
    done
    rm -f /var/lib/cgbind/cgbind-rls.json "$RLS_HOME/up.json"
}

@test "rootless podman without a delegated cgroup (--cgroup-manager cgroupfs): one line, status 3, the container does not start; mode ignore starts it" {
    user_image "$DATA/none.json" <<'EOF'
{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["pids"], "root": {"properties": {},
  "children": [{"name": "app", "properties": {"pids.max": "7"}, "children": []}]}}]}
EOF
    run pm --cgroup-manager cgroupfs --hooks-dir "$RLS_HOME/hooks" run -d --name rnone --network none \
        --annotation io.cgbind.image=none.json localhost/cgbind-bb sh -c 'exec sleep 1000'
    echo "$output"
    cat "$LOG"
    [ "$status" -ne 0 ]
    grep -q "error .*rootless (uid $RLS_UID): the container has no cgroup delegated to this user" "$LOG"
    [ "$(grep -c . "$LOG")" = 1 ]
    run pm rm -f -t 0 rnone
    rm -f "$LOG"
    run pm --cgroup-manager cgroupfs --hooks-dir "$RLS_HOME/hooks" run -d --name rignore --network none \
        --annotation io.cgbind.image=none.json --annotation io.cgbind.mode=ignore localhost/cgbind-bb \
        sh -c 'exec sleep 1000'
    echo "$output"
    [ "$status" -eq 0 ]
    run pm exec rignore ls /sys/fs/cgroup/app
    [ "$status" -ne 0 ]
}

# scope_listing DIR: every cgroup below DIR (DIR included) with the values
# of its writable files (but the pressure files, whose values change on
# their own, and the write-only ones)
scope_listing() {
    local d f
    while IFS= read -r d; do
        echo "cgroup ${d#"$1"}"
        for f in $(find "$d" -maxdepth 1 -type f -perm -u=w | sort); do
            case ${f##*/} in cgroup.kill | memory.reclaim | *.pressure) continue ;; esac
            echo "  ${f##*/} $(tr '\n' '|' <"$f" 2>&1)"
        done
    done < <(find "$1" -type d | sort)
}

@test "rootless hostile: another lingering user runs the hook on the user's running container's state: one line, status 3, nothing written in its cgroups" {
    # the user's container, running, with the tree its workload built
    pm run -d --systemd always --name rvictim --network none localhost/cgbind-bb \
        sh -c "$SD_BUILD; touch /built; exec sleep 1000"
    local pid id scope state before other_uid other_home img
    pid=$(pm inspect -f '{{.State.Pid}}' rvictim)
    id=$(pm inspect -f '{{.Id}}' rvictim)
    wait_for "[ -e /proc/$pid/root/built ]"
    # the container's init runs as the user (podman's user namespace maps
    # its root to the user's uid)
    [[ $(grep '^Uid:' "/proc/$pid/status") =~ ^Uid:[[:space:]]+${RLS_UID}[[:space:]] ]]
    scope=/sys/fs/cgroup/user.slice/user-$RLS_UID.slice/user@$RLS_UID.service/user.slice/libpod-$id.scope
    [ -d "$scope/container/app/web" ]
    # the state crun hands the user's hooks, as the user reads it
    state=$(rls crun --root "/run/user/$RLS_UID/crun" state "$id")
    [[ $state =~ \"pid\":\ *${pid}[^0-9] ]]
    before=$(scope_listing "$scope")
    # the other user, made as the suite's user is, with an image of its own
    # (0600, in its image directory) that would make app/evil in the tree
    user_up "$RLS_OTHER"
    other_uid=$(id -u "$RLS_OTHER")
    other_home=$(getent passwd "$RLS_OTHER" | cut -d: -f6)
    su - "$RLS_OTHER" -c 'install -d -m 0700 ~/.local/share/cgbind' </dev/null
    img=$other_home/.local/share/cgbind/evil.json
    cat >"$img" <<'EOF'
{"cgbind": 1, "hierarchies": [{"type": "cgroup2", "controllers": ["pids"], "root": {"properties": {},
  "children": [{"name": "app", "properties": {"pids.max": "3"},
    "children": [{"name": "evil", "properties": {"pids.max": "1"}, "children": []}]}]}}]}
EOF
    chown "$RLS_OTHER:" "$img"
    chmod 0600 "$img"
    # the hook as the other user runs it: cgbind restore, the state on
    # stdin, in a login session of that user's. First the state as it is:
    # its bundle is the user's (refused if the other user may not read it),
    # then the same state with a copy of its bundle config that the other
    # user owns: the process is not the other user's either way.
    local bundle mine=$other_home/bundle try
    bundle=$(jq -r .bundle <<<"$state")
    mkdir -p "$mine/rootfs"
    cp "$bundle/config.json" "$mine/"
    chown -R "$RLS_OTHER:" "$mine"
    for try in "$state" "$(jq -c --arg b "$mine" '.bundle = $b' <<<"$state")"; do
        run --separate-stderr su - "$RLS_OTHER" -c "$(printf '%q ' "$CGBIND" restore --image "$img")" <<<"$try"
        echo "status $status, stdout: $output"
        # shellcheck disable=SC2154 # set by bats run --separate-stderr
        echo "# the other user's cgbind restore: status $status: $stderr" >&3
        [ "$status" -ne 0 ]
        assert_one_error_line
        if [[ $try == *"\"bundle\":\"$mine\""* ]]; then
            [ "$status" -eq 3 ]
            [[ $stderr == *"process (pid $pid): not this user's"* ]]
        else
            [[ $stderr == *"process (pid $pid): not this user's"* ||
                $stderr == *"(bundle $bundle): Permission denied"* ||
                $stderr == *"bundle config"*"Permission denied"* ]]
        fi
    done
    # no record in the other user's state directory
    [ -z "$(find "/run/user/$other_uid/cgbind" -mindepth 1 -size +0c -print 2>/dev/null)" ]
    # nothing written in the user's container's cgroups, which still run it
    diff <(printf '%s\n' "$before") <(scope_listing "$scope")
    [ ! -e "$scope/container/app/evil" ]
    run pm exec rvictim sh -c "$SD_VERIFY"
    [ "$status" -eq 0 ]
    diff <(sd_expected) <(printf '%s\n' "$output")
    # (teardown_file removes the other user if a check above failed)
    user_down "$RLS_OTHER"
}
