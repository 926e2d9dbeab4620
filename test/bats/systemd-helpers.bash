#!/bin/bash
# Shared by the suites of the v2-systemd VM layout: the container's tree,
# where its systemd scope is, and a watch on the scope's own cgroup files
# (systemd's) around cgbind's hook.

# The workload's own tree, built inside the container: the init moves into
# init.scope, cpu, memory and pids are delegated two levels down.
# shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
SD_BUILD='set -e; c=/sys/fs/cgroup
mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
echo "+cpu +memory +pids" > $c/cgroup.subtree_control
mkdir -p $c/app/web $c/batch
echo "+cpu +memory +pids" > $c/app/cgroup.subtree_control
echo 268435456 > $c/app/memory.max; echo 200 > $c/app/cpu.weight; echo 100 > $c/app/pids.max
echo 134217728 > $c/app/web/memory.max; echo "20000 100000" > $c/app/web/cpu.max; echo 10 > $c/app/web/pids.max
echo 10 > $c/batch/cpu.weight; echo 5 > $c/batch/pids.max'

# Read inside the container: where its init is and every value of the tree.
# shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
SD_VERIFY='c=/sys/fs/cgroup
echo "init $(cut -d: -f3 /proc/1/cgroup)"
echo "top $(cat $c/cgroup.subtree_control)"
for f in app/cgroup.subtree_control app/memory.max app/cpu.weight app/pids.max app/web/memory.max \
    app/web/cpu.max app/web/pids.max batch/cpu.weight batch/pids.max; do echo "$f $(cat $c/$f 2>&1)"; done'

# sd_rm NAME: removes (with the suite's pm) a container whose init is
# systemd through systemd's own shutdown: podman stop sends its stop signal
# (SIGRTMIN+3) and waits up to 120 s. With a short timeout (rm -f -t 1),
# podman 4.3's SIGKILL can find the container exited in the meantime and
# the rm fails ("container state improper: stopped", podman#16505 and
# #16142): a race of podman's, seen in CI, not of the tree.
sd_rm() {
    pm stop -t 120 "$1" >/dev/null
    pm rm "$1" >/dev/null
}

sd_expected() {
    printf '%s\n' "init /init.scope" "top cpu memory pids" "app/cgroup.subtree_control cpu memory pids" \
        "app/memory.max 268435456" "app/cpu.weight 200" "app/pids.max 100" "app/web/memory.max 134217728" \
        "app/web/cpu.max 20000 100000" "app/web/pids.max 10" "batch/cpu.weight 10" "batch/pids.max 5"
}

# The watch, as a hook program: `scope-watch start DIR` / `scope-watch stop
# DIR` with the OCI state on stdin. start: the scope's own files' values to
# DIR/before, the scope's path to DIR/scope, the container's top-level to
# DIR/top, and an inotify watch on the scope directory (not recursive)
# logging every write to DIR/writes; stop: ends the watch, values to
# DIR/after. Written once per file by sd_watch_script.
sd_watch_script() {
    SD_WATCH=$BATS_FILE_TMPDIR/scope-watch
    cat >"$SD_WATCH" <<'EOF'
#!/bin/bash
set -e
dir=$2
mkdir -p "$dir"
state=$(cat)
[[ $state =~ \"pid\":\ *([0-9]+) ]] || { echo "scope-watch: no pid in the state" >&2; exit 1; }
pid=${BASH_REMATCH[1]}
# systemd's attributes of the unit: every writable file of its cgroup but
# the ones delegation hands to the unit's owner (cgroup.procs,
# cgroup.threads, cgroup.subtree_control), the write-only ones and the
# pressure files (writable for triggers, their values change on their own)
# (read, no process a file: each costs the emulated VM 100 ms and more)
values() {
    local f v
    for f in $(find "$scope" -maxdepth 1 -type f -perm -u=w | sort); do
        case ${f##*/} in cgroup.procs | cgroup.threads | cgroup.subtree_control | cgroup.kill | memory.reclaim | *.pressure) continue ;; esac
        v='(unreadable)'
        { read -r -d '' v <"$f" || :; } 2>/dev/null
        echo "${f##*/} ${v//$'\n'/|}"
    done
}
case $1 in
start)
    # the container's init is where the runtime put it: in the scope, or
    # below it (crun: <scope>/container); the scope is the nearest .scope
    top=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
    scope=$top
    while [ "$scope" != /sys/fs/cgroup ] && [[ $scope != *.scope ]]; do scope=${scope%/*}; done
    echo "$scope" >"$dir/scope"
    echo "$top" >"$dir/top"
    values >"$dir/before"
    # The watch runs as a transient service of PID 1's (its own cgroup in
    # system.slice, a clean signal mask), never as a child of the hook:
    # crun runs its hooks with every signal blocked (libcrun blocks them
    # all before it creates the container and forks the hooks without
    # unblocking), so a watch the hook forked ignored the stop's SIGTERM
    # (and timeout's), stayed in podman's libpod-conmon-<id>.scope and kept
    # that scope after podman stop and podman rm. RuntimeMaxSec ends it if
    # no stop comes.
    unit=cgbind-scope-watch-$$-$RANDOM
    echo "$unit" >>"$dir/watch.units"
    systemd-run --quiet --collect --unit "$unit" -p RuntimeMaxSec=120 \
        -p "StandardOutput=truncate:$dir/writes" -p "StandardError=truncate:$dir/watch.err" \
        "$(command -v inotifywait)" -m -e modify --format '%f' "$scope"
    for _ in $(seq 100); do grep -q 'Watches established' "$dir/watch.err" && break; sleep 0.1; done
    grep -q 'Watches established' "$dir/watch.err"
    ;;
stop)
    scope=$(cat "$dir/scope")
    sleep 0.5
    # every watch a start began (a second start would otherwise leak one)
    for u in $(cat "$dir/watch.units"); do systemctl stop "$u" 2>/dev/null || true; done
    values >"$dir/after"
    ;;
esac
EOF
    chmod +x "$SD_WATCH"
}

# sd_assert_scope_untouched DIR: between start and stop, no file of the
# scope was written but the ones systemd delegates to the unit's owner
# (cgroup.subtree_control: controllers for the tree; cgroup.procs,
# cgroup.threads), and every value of systemd's is as it was.
sd_assert_scope_untouched() {
    local w
    echo "# scope $(cat "$1/scope"), top-level $(cat "$1/top"), writes in the scope: $(sort -u "$1/writes" | tr '\n' ' ')" >&3
    while read -r w; do
        case $w in cgroup.subtree_control | cgroup.procs | cgroup.threads) ;; *) echo "the scope's own $w was written" >&2; return 1 ;; esac
    done <"$1/writes"
    [ -s "$1/before" ]
    diff "$1/before" "$1/after"
}

# limits_at TOP: the tree's values seen from the host, in sd_expected's
# form (INIT: the init's cgroup, as in /proc/<pid>/cgroup)
limits_at() {
    local t=$1 f
    echo "init ${INIT#"${t#/sys/fs/cgroup}"}"
    echo "top $(cat "$t/cgroup.subtree_control")"
    for f in app/cgroup.subtree_control app/memory.max app/cpu.weight app/pids.max app/web/memory.max \
        app/web/cpu.max app/web/pids.max batch/cpu.weight batch/pids.max; do echo "$f $(cat "$t/$f" 2>&1)"; done
}

# sd_booted NAME: the systemd of NAME (a container of the suite's pm) is
# running (multi-user reached, no failed unit); up to 300 s (about 70 s
# under TCG). One `systemctl is-system-running --wait` waits out the boot:
# a podman exec a second costs the booting guest more CPU than the boot
# itself under TCG. It is asked again only while systemd in the container
# does not answer yet.
sd_booted() {
    local s='' end=$((SECONDS + 300))
    while ((SECONDS < end)); do
        # (timeout runs no shell function: pm's store, the exec runs with
        # the container's own runtime)
        s=$(timeout $((end - SECONDS)) podman --storage-driver vfs exec "$1" \
            systemctl is-system-running --wait 2>/dev/null) || true
        case $s in
        running) return 0 ;;
        degraded)
            pm exec "$1" systemctl --failed --no-legend >&2
            return 1
            ;;
        esac
        sleep 1
    done
    echo "systemd in $1: '$s' after 300 s" >&2
    return 1
}

# sd_show NAME: what systemd inside NAME (a container of the suite's pm
# whose init is systemd, sd_set_limits's units) reports of the limits, in
# one exec (each costs the emulated VM a second and more of CPU)
sd_show() {
    pm exec "$1" systemctl show -p ActiveState -p MemoryMax -p CPUWeight -p TasksMax work.service tx.service txs.scope
}
