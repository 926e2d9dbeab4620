#!/bin/bash
# cgbind demo, the README's first command: on a fresh Debian machine, as root,
# it installs what it needs, builds cgbind, and shows a container getting its
# cgroup sub-tree back:
#   1. container "demo-src" builds sub-cgroups with limits (cpu, cpuset,
#      memory, pids) under its own cgroups, the way a nested runtime would;
#   2. `runc state demo-src | cgbind save` records them;
#   3. demo-src is deleted, and "demo-dst" (another id) starts with cgbind as
#      its prestart hook;
#   4. the tree demo-dst sees from the inside is printed beside the saved one.
set -euo pipefail
# character counts (side_by_side) are UTF-8 characters, not bytes
export LC_ALL=C.UTF-8

SRC=$(cd "$(dirname "$0")/.." && pwd)
WORK=${CGBIND_DEMO_DIR:-/var/tmp/cgbind-demo}

[ "$(id -u)" = 0 ] || { echo "demo: run as root (real cgroups, real runc)" >&2; exit 2; }

PKGS="gcc meson ninja-build pkg-config libyajl-dev libseccomp-dev runc busybox-static jq"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "demo: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null
fi

cd "$SRC"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
CGBIND=$SRC/build/cgbind

cleanup() {
    for id in demo-src demo-dst; do
        runc kill "$id" KILL >/dev/null 2>&1 || true
        runc delete -f "$id" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT
cleanup

rm -rf "$WORK"
mkdir -p "$WORK/rootfs/bin"
cp /bin/busybox "$WORK/rootfs/bin/"
for a in $(busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$WORK/rootfs/bin/$a"; done

# cgroup paths inside the container: /sys/fs/cgroup/<controller>, or the
# cgroup2 root on a v2 host
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    BUILD='set -e; c=/sys/fs/cgroup
mkdir $c/init.scope && echo 1 > $c/init.scope/cgroup.procs
echo "+cpu +memory +pids" > $c/cgroup.subtree_control
mkdir -p $c/app/web $c/app/db $c/batch
echo "+cpu +memory +pids" > $c/app/cgroup.subtree_control
echo 268435456 > $c/app/memory.max; echo 200 > $c/app/pids.max; echo "50000 100000" > $c/app/cpu.max
echo 134217728 > $c/app/web/memory.max; echo 200 > $c/app/web/cpu.weight
echo 67108864 > $c/app/db/memory.high; echo 20 > $c/app/db/pids.max
echo 50 > $c/batch/cpu.weight; echo 5 > $c/batch/pids.max'
    SHOW='cd /sys/fs/cgroup; for d in $(find . -mindepth 1 -type d | sort); do printf "%-14s" "${d#./}"; for f in memory.max memory.high pids.max cpu.max cpu.weight; do v=$(cat $d/$f 2>/dev/null) || continue; case "$v" in max|"max 100000"|100) ;; *) printf " %s=%s" $f "$v";; esac; done; echo; done'
else
    BUILD='set -e; c=/sys/fs/cgroup
mkdir -p $c/cpu/app/web $c/cpu/app/db $c/cpu/batch
echo 512 > $c/cpu/app/cpu.shares; echo 50000 > $c/cpu/app/cpu.cfs_quota_us
echo 256 > $c/cpu/app/web/cpu.shares; echo 64 > $c/cpu/batch/cpu.shares
mkdir -p $c/cpuset/app/web
echo 0 > $c/cpuset/app/cpuset.cpus; echo 0 > $c/cpuset/app/cpuset.mems
echo 0 > $c/cpuset/app/web/cpuset.cpus; echo 0 > $c/cpuset/app/web/cpuset.mems
mkdir -p $c/memory/app/web $c/memory/app/db
echo 268435456 > $c/memory/app/memory.limit_in_bytes
echo 134217728 > $c/memory/app/web/memory.limit_in_bytes
echo 67108864 > $c/memory/app/db/memory.limit_in_bytes
mkdir -p $c/pids/app/db $c/pids/batch
echo 200 > $c/pids/app/pids.max; echo 20 > $c/pids/app/db/pids.max; echo 5 > $c/pids/batch/pids.max'
    SHOW='for h in cpu cpuset memory pids; do cd /sys/fs/cgroup/$h; for d in $(find . -mindepth 1 -type d | sort); do printf "%-8s %-10s" $h "${d#./}"; for f in cpu.shares cpu.cfs_quota_us cpuset.cpus cpuset.mems memory.limit_in_bytes pids.max; do v=$(cat $d/$f 2>/dev/null) || continue; case "$v" in 1024|-1|max|9223372036854771712) ;; *) printf " %s=%s" $f "$v";; esac; done; echo; done; done'
fi

bundle() { # dir args-script [hook-json]
    mkdir -p "$1"
    (cd "$1" && rm -f config.json && runc spec)
    # both containers share one busybox rootfs
    jq --arg s "$2" --argjson hooks "${3:-{\}}" --arg root "$WORK/rootfs" '
        .process.terminal = false | .process.args = ["/bin/sh", "-c", $s] | .hooks = $hooks
        | .root = { path: $root, readonly: false }
        | (.mounts[] | select(.type == "cgroup") | .options) |= (map(select(. != "ro")) + ["rw"])
    ' "$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"
}

echo "== 1. demo-src builds its sub-cgroups"
bundle "$WORK/src" "$BUILD; touch /tmp/built; exec sleep 600"
mkdir -p "$WORK/rootfs/tmp"
rm -f "$WORK/rootfs/tmp/built"
(cd "$WORK/src" && runc run -d demo-src >/dev/null 2>&1 </dev/null)
for _ in $(seq 100); do [ -e "$WORK/rootfs/tmp/built" ] && break; sleep 0.1; done
[ -e "$WORK/rootfs/tmp/built" ] || { echo "demo: demo-src did not build its tree" >&2; exit 1; }

echo "== 2. runc state demo-src | cgbind save -o $WORK/image.json"
runc state demo-src | "$CGBIND" save -o "$WORK/image.json"
"$CGBIND" show "$WORK/image.json" >"$WORK/saved.txt"

# side_by_side LEFT RIGHT: two texts in columns, padded by what a terminal
# shows (characters), not by bytes: cgbind show's tree has box-drawing
# characters of three bytes each, which pr(1) counts as three columns.
side_by_side() {
    local l r w=0 width
    local -a left=() right=()
    mapfile -t left <"$1"
    mapfile -t right <"$2"
    for l in "${left[@]}"; do
        l=${l//$'\t'/        }
        [ "${#l}" -le "$w" ] || w=${#l}
    done
    width=$((w + 2))
    local i n=${#left[@]}
    [ "${#right[@]}" -le "$n" ] || n=${#right[@]}
    for ((i = 0; i < n; i++)); do
        l=${left[i]:-}
        l=${l//$'\t'/        }
        r=${right[i]:-}
        printf '%s%*s%s\n' "$l" $((width - ${#l})) "" "$r"
    done
}

echo "== 3. demo-src deleted; demo-dst starts with cgbind as its prestart hook"
runc kill demo-src KILL; sleep 0.3; runc delete -f demo-src
hooks=$(jq -n --arg p "$CGBIND" --arg img "$WORK/image.json" \
    '{ prestart: [{ path: $p, args: ["cgbind", "restore", "--image", $img] }] }')
bundle "$WORK/dst" "$SHOW" "$hooks"
start=$(date +%s%N)
(cd "$WORK/dst" && runc run demo-dst </dev/null) >"$WORK/restored.txt"
end=$(date +%s%N)

echo "== 4. the saved image (cgbind show) beside the tree demo-dst sees inside"
side_by_side "$WORK/saved.txt" <(echo "inside demo-dst:"; cat "$WORK/restored.txt")
echo
echo "demo-dst started with its sub-tree restored (runc run, hook included: $(( (end - start) / 1000000 )) ms)"
