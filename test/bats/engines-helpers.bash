#!/bin/bash
# Shared by the suites that take a checkpoint through other engines, cgroup
# modes and machines (checkpoint-modes, checkpoint-migrate, checkpoint-docker,
# checkpoint-containerd, checkpoint-crun, checkpoint-podman; checkpoint.bats
# for its workload's tree; systemd-checkpoint for score_against): a workload that builds a sub-tree
# with limits and counts, and what came back counted against the image
# cgbind saved into the checkpoint.

# eng_workload: the workload's shell script. It builds its tree (v2: an
# init cgroup, two levels, memory, pids and cpu limits; v1: the memory, pids
# and cpu hierarchies, with cpu.cfs_burst_us, which CRIU does not restore by
# itself), then counts in /count. No cgroup file stays open (CRIU could not
# dump it), no output leaves the container (CRIU could not dump it either).
# LAYOUT (v2 or v1) is the host's by default; TAIL, the script's last line,
# replaces the counting (checkpoint.bats's v2 workload runs its reader).
eng_workload() {
    local count='touch /built; n=0; while true; do n=$((n+1)); echo $n > /count; sleep 0.2; done'
    if [ "${1:-$(cg_layout)}" = v2 ]; then
        echo 'exec </dev/null >/dev/null 2>&1; set -e; c=/sys/fs/cgroup
mkdir $c/init.scope; echo 1 > $c/init.scope/cgroup.procs
echo "+memory +pids +cpu" > $c/cgroup.subtree_control
mkdir -p $c/app/web; echo "+memory +pids +cpu" > $c/app/cgroup.subtree_control
echo 268435456 > $c/app/memory.max; echo 50 > $c/app/pids.max; echo 200 > $c/app/cpu.weight
echo 134217728 > $c/app/web/memory.max; echo 20 > $c/app/web/pids.max; echo "50000 100000" > $c/app/web/cpu.max
'"${2:-$count}"
    else
        echo 'exec </dev/null >/dev/null 2>&1; set -e; c=/sys/fs/cgroup
mkdir -p $c/memory/app/web $c/pids/app/web $c/cpu/app
echo 268435456 > $c/memory/app/memory.limit_in_bytes; echo 134217728 > $c/memory/app/web/memory.limit_in_bytes
echo 50 > $c/pids/app/pids.max; echo 20 > $c/pids/app/web/pids.max; echo 512 > $c/cpu/app/cpu.shares
echo 50000 > $c/cpu/app/cpu.cfs_quota_us; echo 20000 > $c/cpu/app/cpu.cfs_burst_us
'"${2:-$count}"
    fi
}

# pm_tree_image FILE: the image the podman suites' hooks.d hook builds at
# the first start (an init cgroup; app with memory, pids and cpu limits; job
# beneath it with pids and cpu), written to FILE
pm_tree_image() {
    cat >"$1" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup2", "controllers": ["cpu", "memory", "pids"], "init": "init.scope",
  "root": { "properties": { "cgroup.subtree_control": "cpu memory pids" }, "children": [
    { "name": "init.scope" },
    { "name": "app", "properties": { "pids.max": "7", "memory.max": "67108864", "cpu.weight": "50",
        "cgroup.subtree_control": "cpu pids" },
      "children": [ { "name": "job", "properties": { "pids.max": "3", "cpu.max": "20000 100000" } } ] } ] } } ] }
JSON
}

# image_entries IMAGE: one line per sub-cgroup and per property the image
# holds, its fields separated by US (\x1f, which read does not merge):
# "TYPE CONTROLLER /REL -" for a sub-cgroup,
# "TYPE CONTROLLER /REL FILE VALUE" for a property (REL is
# "" for the top-level; CONTROLLER is the hierarchy's first, "" on v2).
image_entries() {
    jq -r '
      def entries($t; $c; $p):
        (if $p != "" then [$t, $c, $p, "-"] else empty end),
        ((.properties // {}) | to_entries[] | [$t, $c, $p, .key, .value]),
        ((.children // [])[] | . as $ch | entries($t; $c; $p + "/" + $ch.name));
      .hierarchies[] | (if .type == "cgroup2" then "" else (.controllers[0] | sub("^name="; "")) end) as $c
      | .type as $t | .root | entries($t; $c; "") | join("\u001f")' "$1"
}

# words_in WANT HAVE: every word of WANT is one of HAVE's
words_in() {
    local w
    for w in $1; do
        [[ " $2 " == *" $w "* ]] || return 1
    done
}

# score_against IMAGE PID [TOPV2]: counts what the host has of the image
# beneath PID's cgroups: SCORE is "D/Dn sub-cgroups, P/Pn limits", and
# MISSING the entries that are not there or differ. Returns 0 when all are.
# On v2 the top-level is PID's cgroup without its init's name (the image's
# "init"), or TOPV2 when given. The top-level's cgroup.subtree_control
# counts when it enables every controller the image's does: the top-level
# is the runtime's (after Docker's restore it enables every controller, in
# the v2 VM "cpuset cpu io memory hugetlb pids rdma misc"), and cgbind
# adds there what the image needs and removes nothing.
score_against() {
    local img=$1 pid=$2 t c rel f v top d=0 dn=0 p=0 pn=0 init have
    MISSING=
    init=$(jq -r '.hierarchies[] | select(.type == "cgroup2") | .init // ""' "$img")
    while IFS=$'\x1f' read -r t c rel f v; do
        if [ "$t" = cgroup2 ]; then
            top=${3:-$(pid_cg_dir "$pid" "")}
            [ -n "$3" ] || [ -z "$init" ] || top=${top%/"$init"}
        else
            top=$(pid_cg_dir "$pid" "$c")
        fi
        if [ "$f" = - ]; then
            dn=$((dn + 1))
            if [ -d "$top$rel" ]; then d=$((d + 1)); else MISSING+="$c$rel/ "; fi
        else
            pn=$((pn + 1))
            have=$(cat "$top$rel/$f" 2>/dev/null) || have="(none)"
            if [ "$have" = "$v" ] || { [ -z "$rel" ] && [ "$f" = cgroup.subtree_control ] && words_in "$v" "$have"; }; then
                p=$((p + 1))
            else
                MISSING+="$c$rel/$f=$have(want $v) "
            fi
        fi
    done < <(image_entries "$img")
    # shellcheck disable=SC2034 # read into or set for the helpers and tests that load this file
    SCORE="$d/$dn sub-cgroups, $p/$pn limits"
    [ "$d" = "$dn" ] && [ "$p" = "$pn" ] && [ "$dn" -gt 0 ]
}

# machine_setup: the setup of a migration suite (VM boots in turn): a "machine
# A:" test needs $CGBIND_VM_OUT to write into (test/vm/run.sh), a "machine
# B:" or "machine C:" test $CGBIND_MIGRATE_DIR, machine A's output, to read
machine_setup() {
    requires root runc vm cgroup_v2
    case "$BATS_TEST_DESCRIPTION" in
    "machine A:"*) [ -d "${CGBIND_VM_OUT:-}" ] || { echo "machine A needs \$CGBIND_VM_OUT (test/vm/run.sh)" >&2; return 1; } ;;
    "machine B:"* | "machine C:"*) [ -d "${CGBIND_MIGRATE_DIR:-}" ] || { echo "${BATS_TEST_DESCRIPTION%%:*} needs \$CGBIND_MIGRATE_DIR (machine A's output)" >&2; return 1; } ;;
    esac
}

# up_within LOG WHAT CMD...: runs CMD each second until it succeeds, and
# notes "WHAT up in N s"; after 600 s, LOG's last lines and a failure. A
# deadline, not a count of tries: beside other VMs containerd took minutes
# to answer (checkpoint-docker.bats: 238 s)
up_within() {
    local log=$1 what=$2 t0 deadline
    shift 2
    t0=$(date +%s)
    deadline=$((t0 + 600))
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || { tail -n 20 "$log" >&2; return 1; }
        sleep 1
    done
    echo "# $what up in $(($(date +%s) - t0)) s" >&3
}

# containerd_start DIR: a containerd of the test's own, its config, root,
# state, socket (c.sock), log and pid file in DIR, up and answering;
# containerd_stop DIR ends it
containerd_start() {
    mkdir -p "$1"
    : >"$1/config.toml"
    containerd -c "$1/config.toml" --root "$1/root" --state "$1/state" \
        --address "$1/c.sock" >"$1/containerd.log" 2>&1 &
    echo $! >"$1/pid"
    up_within "$1/containerd.log" containerd ctr -a "$1/c.sock" version
}

containerd_stop() {
    [ ! -s "$1/pid" ] || kill "$(cat "$1/pid")" 2>/dev/null || true
}

# dockerd_start DIR: Debian's dockerd --experimental of the caller's own,
# pointed (--containerd) at a containerd started beside it in DIR/ctd, as
# Debian's docker.service does (a dockerd that starts its own containerd
# gives it 15 s, and in a loaded two-core TCG VM containerd took longer:
# "timeout waiting for containerd to start"); its data and exec roots,
# socket (docker.sock), log and pid files in DIR; no network, vfs storage,
# Docker's default cgroup driver. Up and answering when it returns;
# dockerd_stop DIR ends both daemons. The client is ${DOCKER:-/usr/bin/docker}.
dockerd_start() {
    mkdir -p "$1/data" "$1/exec"
    containerd_start "$1/ctd"
    dockerd --experimental --iptables=false --ip-masq=false --bridge=none --storage-driver=vfs \
        --containerd "$1/ctd/c.sock" --data-root "$1/data" --exec-root "$1/exec" \
        --pidfile "$1/dockerd.pid" -H "unix://$1/docker.sock" >"$1/dockerd.log" 2>&1 &
    echo $! >"$1/dockerd.pid.own"
    up_within "$1/dockerd.log" dockerd "${DOCKER:-/usr/bin/docker}" -H "unix://$1/docker.sock" version
}

dockerd_stop() {
    [ ! -s "$1/dockerd.pid.own" ] || kill "$(cat "$1/dockerd.pid.own")" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
        [ -S "$1/docker.sock" ] || break
        sleep 0.1
    done
    containerd_stop "$1/ctd"
}

# now_ms: milliseconds since the epoch
now_ms() {
    local t
    t=$(date +%s%N)
    echo $((t / 1000000))
}

# note LINE: a line in bats' output (TAP comment), for the figures
note() {
    echo "# $*" >&3
}

# busybox_rootfs DIR APPLET...: a busybox rootfs with those applets
busybox_rootfs() {
    local r=$1 a
    shift
    mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/etc" "$r/tmp"
    cp /bin/busybox "$r/bin/"
    for a in "$@"; do ln -sf busybox "$r/bin/$a"; done
}

# oci_archive ROOTFS OUT NAME: an OCI image archive (one uncompressed layer)
# of ROOTFS, named NAME, that `ctr images import` reads: no registry needed.
oci_archive() {
    local r=$1 out=$2 name=$3 d l c m ls cs ms
    d=$(mktemp -d)
    mkdir -p "$d/blobs/sha256"
    tar --sort=name --mtime=@0 --owner=0 --group=0 -C "$r" -cf "$d/layer.tar" .
    l=$(sha256sum "$d/layer.tar" | cut -d' ' -f1)
    ls=$(stat -c %s "$d/layer.tar")
    mv "$d/layer.tar" "$d/blobs/sha256/$l"
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "$l" >"$d/config"
    c=$(sha256sum "$d/config" | cut -d' ' -f1)
    cs=$(stat -c %s "$d/config")
    mv "$d/config" "$d/blobs/sha256/$c"
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
        "$c" "$cs" "$l" "$ls" >"$d/manifest"
    m=$(sha256sum "$d/manifest" | cut -d' ' -f1)
    ms=$(stat -c %s "$d/manifest")
    mv "$d/manifest" "$d/blobs/sha256/$m"
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
        "$m" "$ms" "$name" "${name##*:}" >"$d/index.json"
    echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
    tar -C "$d" -cf "$out" oci-layout index.json blobs
    rm -rf "$d"
}
