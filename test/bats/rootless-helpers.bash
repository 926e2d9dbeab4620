#!/bin/bash
# Rootless cgbind (issue 22): the test users, running commands as them, and
# the hostile cases every rootless suite shares. The tests themselves run as
# root only to make the users and their directories; cgbind and the runtimes
# run as the unprivileged user (setpriv), never as root with a switch.

# The user the tests act as, and a second one whose files and processes are
# "another user's". Made once (useradd), removed by the suite that made them.
RL_USER=cgbind-rl
RL_OTHER=cgbind-rl2

# rl_users_setup: both users exist; RL_UID/RL_GID, RL_OTHER_UID/RL_OTHER_GID.
rl_users_setup() {
    local u
    for u in "$RL_USER" "$RL_OTHER"; do
        if ! id -u "$u" >/dev/null 2>&1; then
            useradd --system --no-create-home --home-dir "$(rl_passwd_home "$u")" \
                --user-group --shell /bin/sh "$u"
            echo "$u" >>"$BATS_RUN_TMPDIR/rootless-users-made"
        elif [ "$(getent passwd "$u" | cut -d: -f6)" != "$(rl_passwd_home "$u")" ]; then
            usermod -d "$(rl_passwd_home "$u")" "$u"
        fi
    done
    RL_UID=$(id -u "$RL_USER") RL_GID=$(id -g "$RL_USER")
    RL_OTHER_UID=$(id -u "$RL_OTHER") RL_OTHER_GID=$(id -g "$RL_OTHER")
    export RL_UID RL_GID RL_OTHER_UID RL_OTHER_GID
}

# rl_users_teardown: removes the users this run made.
rl_users_teardown() {
    local u
    [ -e "$BATS_RUN_TMPDIR/rootless-users-made" ] || return 0
    while read -r u; do
        userdel "$u" 2>/dev/null || true
    done <"$BATS_RUN_TMPDIR/rootless-users-made"
    rm -f "$BATS_RUN_TMPDIR/rootless-users-made"
}

# rl_passwd_home USER: USER's home directory in the passwd database, where
# a rootless cgbind finds the image directory of the annotation
# io.cgbind.image (~/.local/share/cgbind): the runtimes run hooks with no
# environment, so it comes from there, not from $HOME.
rl_passwd_home() {
    echo "/tmp/cgbind-rl-home-$1"
}

# rl_data_dir USER: USER's home (rl_passwd_home) and its
# .local/share/cgbind, made for one test, mode 0700; printed.
rl_data_dir() {
    local h g
    h=$(rl_passwd_home "$1") g=$(id -g "$1")
    rm -rf "$h"
    install -d -m 0755 -o "$1" -g "$g" "$h"
    install -d -m 0700 -o "$1" -g "$g" "$h/.local" "$h/.local/share" "$h/.local/share/cgbind"
    echo "$h" >>"$BATS_TEST_TMPDIR/rl-dirs"
    echo "$h/.local/share/cgbind"
}

# rl_home USER: a directory of USER's for one test (bundles, image, runtime
# directory), under /tmp: $BATS_RUN_TMPDIR is root's, mode 0700.
rl_home() {
    local d
    d=$(mktemp -d /tmp/cgbind-rl.XXXXXX)
    chmod 0755 "$d"
    chown "$1:" "$d"
    # listed in a file: rl_home runs in a command substitution's subshell
    echo "$d" >>"$BATS_TEST_TMPDIR/rl-dirs"
    echo "$d"
}

rl_dirs_cleanup() {
    local d
    [ -e "$BATS_TEST_TMPDIR/rl-dirs" ] || return 0
    while read -r d; do
        rm -rf "$d"
    done <"$BATS_TEST_TMPDIR/rl-dirs"
    rm -f "$BATS_TEST_TMPDIR/rl-dirs"
}

# as_user USER ENV... -- CMD...: CMD as USER (its uid, gid and groups; no
# capability), with a clean environment plus ENV.
as_user() {
    local u=$1 envs=()
    shift
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups --inh-caps=-all \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${envs[@]}" "$@"
}

# rl_runtime_dir USER HOME: HOME/xdg, USER's, mode 0700, as systemd-logind
# makes /run/user/<uid>.
rl_runtime_dir() {
    install -d -m 0700 -o "$1" -g "$(id -g "$1")" "$2/xdg"
    echo "$2/xdg"
}

# rl_image_outside FILE HIER KIND: an image (hierarchy header HIER) whose
# sub-cgroup or init would lie outside the container's tree: KIND dotdot,
# absolute, nested, init.
rl_image_outside() {
    local hier=$2 child
    case $3 in
    dotdot) child='{"name": "..", "properties": {}, "children": []}' ;;
    absolute) child='{"name": "/sys/fs/cgroup/evil", "properties": {}, "children": []}' ;;
    nested) child='{"name": "a/../../evil", "properties": {}, "children": []}' ;;
    init) child='{"name": "a", "properties": {}, "children": []}' ;;
    *) return 1 ;;
    esac
    local init=
    [ "$3" = init ] && init='"init": "../../evil",'
    cat >"$1" <<EOF
{"cgbind": 1, "hierarchies": [{$hier, $init "root": {"properties": {}, "children": [$child]}}]}
EOF
}

# rl_one_line: stderr of the last run was one "cgbind: " line (helpers'
# assert_one_error_line) that contains $1.
rl_one_line() {
    assert_one_error_line
    # shellcheck disable=SC2154 # set by bats run --separate-stderr
    if [[ "$stderr" != *"$1"* ]]; then
        echo "expected '$1' in: $stderr" >&2
        return 1
    fi
}
