#!/usr/bin/env bats
# cgbind-layouts: hybrid v1 v2
# Issue 15, coverage as a test: every writable interface file that this
# kernel offers in a new cgroup (and at a hierarchy's root) is classified by
# cgbind's property table; and every carried property that this layout can
# set comes back: a workload sets it on a sub-cgroup, cgbind saves the
# container, and a second container restored by the hook reads the same.
# A carried property this layout cannot set is named with the reason, and
# the reason is checked: it fails here the day a kernel offers it.

load helpers

# the table from the outside (test/unit/props-table.c), next to the cgbind
# being tested; CGBIND_REAL when CGBIND is the no-openat2 wrapper
_bin=${CGBIND_REAL:-$CGBIND}
PROPS_TABLE=${CGBIND_PROPS_TABLE:-${_bin%/*}/test/unit/props-table}

setup_file() {
    # bfq's files exist only while it is registered (a module in the VMs),
    # and the block device of the round trip is a loop device
    modprobe -q -a loop bfq 2>/dev/null || true
}

setup() {
    trace_failures_only
    requires root runc
    [ -x "$PROPS_TABLE" ] || {
        echo "no props-table at $PROPS_TABLE (build the tree, or set CGBIND_PROPS_TABLE)" >&2
        return 1
    }
    LAYOUT=$(cg_layout)
    MINE=()
}

teardown() {
    # the scratch cgroups, children first, in one process (common_teardown
    # would spend two a hierarchy, and a process is dear in the VMs)
    local i dirs=()
    for ((i = ${#MINE[@]} - 1; i >= 0; i--)); do dirs+=("${MINE[i]}/child" "${MINE[i]}"); done
    [ ${#dirs[@]} -eq 0 ] || rmdir "${dirs[@]}" 2>/dev/null || true
    common_teardown
    [ -z "${LOOP:-}" ] || losetup -d "$LOOP" 2>/dev/null || true
}

say() { echo "# $*" >&3; }

# Every cgroup mount at a hierarchy's root: "v1|v2 MOUNTPOINT SUPER-OPTIONS"
# (the options of a v1 mount name its controllers).
cg_hierarchies() {
    local root mnt rest fstype
    while read -r _ _ _ root mnt rest; do
        rest=${rest#* - }
        fstype=${rest%% *}
        [ "$root" = / ] || continue
        [[ $mnt == "$BATS_RUN_TMPDIR"* ]] && continue
        case $fstype in
        cgroup) echo "v1 $mnt ${rest##* }" ;;
        cgroup2) echo "v2 $mnt ${rest##* }" ;;
        esac
    done </proc/self/mountinfo
}

# make_scratch V...: for every hierarchy of the versions given, a new cgroup
# below a scratch parent of its root, all made by one mkdir (a process is
# dear in the VMs); on cgroup2 the parent enables every controller it has.
# SCRATCH maps each mount point to its child, HIERS lists "V MOUNT OPTIONS".
make_scratch() {
    local v mnt opts c ctls want=" $* " dirs=()
    declare -gA SCRATCH=()
    HIERS=()
    while read -r v mnt opts; do
        [[ $want == *" $v "* ]] || continue
        HIERS+=("$v $mnt $opts")
        SCRATCH[$mnt]=$mnt/cgbind-cov-$BATS_TEST_NUMBER-$$/child
        SCRATCH_CGROUPS+=("${SCRATCH[$mnt]%/child}")
        MINE+=("${SCRATCH[$mnt]%/child}")
        dirs+=("${SCRATCH[$mnt]}")
    done < <(cg_hierarchies)
    [ ${#dirs[@]} -gt 0 ] || return 0
    mkdir -p "${dirs[@]}"
    for mnt in "${!SCRATCH[@]}"; do
        [ -e "$mnt/cgroup.controllers" ] || continue
        read -r ctls <"${SCRATCH[$mnt]%/child}/cgroup.controllers" || true
        for c in $ctls; do
            echo "+$c" >"${SCRATCH[$mnt]%/child}/cgroup.subtree_control"
        done
    done
}

@test "every writable interface file of this kernel is classified by the table" {
    local v mnt opts h name class n=0 where=()
    local -A files_v1 files_v2 version
    make_scratch v1 v2
    for h in "${HIERS[@]}"; do
        read -r v mnt opts <<<"$h"
        # a new child's files, and the root's (only their names: nothing is written there)
        where+=("${SCRATCH[$mnt]}" "$mnt")
        version[${SCRATCH[$mnt]}]=$v
        version[$mnt]=$v
    done
    while IFS=$'\t' read -r mnt name; do
        # shellcheck disable=SC2034 # files_v1, files_v2: read through the nameref files=files_$v
        if [ "${version[$mnt]}" = v1 ]; then files_v1[$name]=1; else files_v2[$name]=1; fi
    done < <(find "${where[@]}" -maxdepth 1 -type f -perm /222 -printf '%h\t%f\n')
    local -A counts
    local missing=() out line
    for v in v1 v2; do
        local -n files=files_$v
        [ ${#files[@]} -gt 0 ] || continue
        n=$((n + ${#files[@]}))
        out=$("$PROPS_TABLE" --classify "$v" "${!files[@]}") || true
        local -A by_class=()
        while IFS=$'\t' read -r name class; do
            [[ $name == "#"* ]] && continue
            by_class[$class]+=" $name"
            counts[$v-$class]=$((${counts[$v-$class]:-0} + 1))
            [ "$class" != missing ] || missing+=("$v $name")
        done <<<"$out"
        say "coverage, $LAYOUT layout, cgroup $v: ${#files[@]} writable files:" \
            "${counts[$v-carried]:-0} carried, ${counts[$v-never]:-0} never," \
            "${counts[$v-not-a-limit]:-0} not a limit, ${counts[$v-missing]:-0} missing"
        for class in carried never not-a-limit missing; do
            [ -z "${by_class[$class]:-}" ] || say "  $v $class:${by_class[$class]}"
        done
        unset -n files
    done
    [ "$n" -gt 0 ]
    if [ ${#missing[@]} -gt 0 ]; then
        printf 'not in the table: %s\n' "${missing[@]}" >&2
        return 1
    fi
}

# ---- the round trip ----

# The block device of the round trip: a loop device of our own, with bfq as
# its scheduler where bfq exists (BFQ's per-device weights need it). DEV is
# its MAJ:MIN.
make_disk() {
    truncate -s 8M "$BATS_TEST_TMPDIR/disk"
    LOOP=$(losetup -f --show "$BATS_TEST_TMPDIR/disk")
    read -r DEV <"/sys/block/${LOOP#/dev/}/dev"
    echo bfq >"/sys/block/${LOOP#/dev/}/queue/scheduler" 2>/dev/null || true
    local s
    read -r s <"/sys/block/${LOOP#/dev/}/queue/scheduler"
    DISK_BFQ=0
    [[ $s == *"[bfq]"* ]] && DISK_BFQ=1
    return 0
}

# The carried properties a workload sets, every one cgbind knows how to
# exercise: "CTRL|PATH|FILE|VALUE|KIND", CTRL "-" on cgroup v2 (paths below
# /sys/fs/cgroup) and on v1 the controller whose mount holds the file. KIND
# "set": written by the workload and expected in the image; "inherit": not
# written, the kernel copies it from the parent, not expected in the image
# (and back in the new container all the same). Parents before children.
candidates_v1() {
    local hp size bytes
    cat <<EOF
cpu|.|cpu.rt_runtime_us|20000|set
cpu|rt|cpu.rt_period_us|500000|set
cpu|rt|cpu.rt_runtime_us|5000|set
cpu|a|cpu.shares|512|set
cpu|a|cpu.cfs_quota_us|50000|set
cpu|a|cpu.cfs_period_us|200000|set
cpu|a|cpu.cfs_burst_us|10000|set
cpu|b|cpu.idle|1|set
cpu|a|cpu.uclamp.min|10.00|set
cpu|a|cpu.uclamp.max|80.00|set
cpuset|a|cpuset.cpus|0|set
cpuset|a|cpuset.mems|0|set
cpuset|a|cpuset.memory_migrate|1|set
cpuset|a|cpuset.mem_hardwall|1|set
cpuset|a|cpuset.memory_spread_page|1|set
cpuset|a|cpuset.memory_spread_slab|1|set
cpuset|a|cgroup.clone_children|1|set
cpuset|a/c|cgroup.clone_children||inherit
cpuset|a/c|cpuset.memory_spread_page||inherit
memory|a|memory.limit_in_bytes|268435456|set
memory|a|memory.memsw.limit_in_bytes|402653184|set
memory|a|memory.soft_limit_in_bytes|134217728|set
memory|a|memory.kmem.tcp.limit_in_bytes|16777216|set
memory|a|memory.swappiness|30|set
memory|a|memory.oom_control|1|set
memory|a|memory.move_charge_at_immigrate|1|set
memory|a|memory.use_hierarchy|0|set
memory|a/b|memory.swappiness||inherit
memory|a/b|memory.oom_control||inherit
memory|a/c|memory.swappiness|60|set
memory|a/c|memory.oom_control|0|set
pids|a|pids.max|50|set
blkio|a|blkio.bfq.weight|300|set
blkio|a|blkio.bfq.weight_device|$DEV 500|set
blkio|a|blkio.throttle.read_bps_device|$DEV 1048576|set
blkio|a|blkio.throttle.write_bps_device|$DEV 2097152|set
blkio|a|blkio.throttle.read_iops_device|$DEV 100|set
blkio|a|blkio.throttle.write_iops_device|$DEV 200|set
blkio|a|blkio.prio.class|idle|set
blkio|a|blkio.weight|300|set
blkio|a|blkio.weight_device|$DEV 400|set
blkio|a|blkio.leaf_weight|300|set
blkio|a|blkio.leaf_weight_device|$DEV 400|set
net_cls|a|net_cls.classid|1048577|set
net_prio|a|net_prio.ifpriomap|lo 5|set
rdma|a|rdma.max|$RDMA_DEV hca_handle=2 hca_object=100|set
misc|a|misc.max|$MISC_RES 1|set
EOF
    # hugetlb: every huge page size this kernel has
    for hp in /sys/kernel/mm/hugepages/hugepages-*kB; do
        [ -d "$hp" ] || continue
        size=${hp##*hugepages-}
        size=${size%kB}
        bytes=$((size * 1024 * 2))
        if [ "$size" -ge 1048576 ]; then size=$((size / 1048576))GB; elif [ "$size" -ge 1024 ]; then size=$((size / 1024))MB; else size=${size}KB; fi
        echo "hugetlb|a|hugetlb.$size.limit_in_bytes|$bytes|set"
        echo "hugetlb|a|hugetlb.$size.rsvd.limit_in_bytes|$bytes|set"
    done
}

candidates_v2() {
    local hp size bytes
    cat <<EOF
-|.|cgroup.subtree_control|$V2_ENABLE|set
-|a|cgroup.subtree_control|+cpu +memory +pids|set
-|thr|cgroup.subtree_control|+cpu +pids|set
-|thr/t|cgroup.type|threaded|set
-|thr/t|pids.max|7|set
-|lim|cgroup.max.depth|2|set
-|lim|cgroup.max.descendants|5|set
-|a|cgroup.pressure|0|set
-|a|cpu.weight|200|set
-|a|cpu.max|50000 200000|set
-|a|cpu.max.burst|10000|set
-|b|cpu.idle|1|set
-|a|cpu.uclamp.min|10.00|set
-|a|cpu.uclamp.max|80.00|set
-|a|cpuset.cpus|0|set
-|a|cpuset.mems|0|set
-|a|memory.min|16777216|set
-|a|memory.low|33554432|set
-|a|memory.high|201326592|set
-|a|memory.max|268435456|set
-|a|memory.swap.high|67108864|set
-|a|memory.swap.max|134217728|set
-|a|memory.zswap.max|33554432|set
-|a|memory.zswap.writeback|0|set
-|a/b|memory.zswap.writeback||inherit
-|a|memory.oom.group|1|set
-|a|io.weight|default 200|set
-|a|io.bfq.weight|default 300|set
-|a|io.bfq.weight|$DEV 500|set
-|a|io.max|$DEV rbps=1048576 wiops=100|set
-|a|io.latency|$DEV target=1000|set
-|a|io.prio.class|idle|set
-|a|pids.max|50|set
-|a|rdma.max|$RDMA_DEV hca_handle=2 hca_object=100|set
-|a|misc.max|$MISC_RES 1|set
-|a|dmem.max|$DMEM_REGION 1048576|set
-|a|dmem.min|$DMEM_REGION 4096|set
-|a|dmem.low|$DMEM_REGION 8192|set
EOF
    for hp in /sys/kernel/mm/hugepages/hugepages-*kB; do
        [ -d "$hp" ] || continue
        size=${hp##*hugepages-}
        size=${size%kB}
        bytes=$((size * 1024 * 2))
        if [ "$size" -ge 1048576 ]; then size=$((size / 1048576))GB; elif [ "$size" -ge 1024 ]; then size=$((size / 1024))MB; else size=${size}KB; fi
        echo "-|a|hugetlb.$size.max|$bytes|set"
        echo "-|a|hugetlb.$size.rsvd.max|$bytes|set"
    done
}

# settable CTRL FILE: whether this layout can give FILE a non-default value
# in a sub-cgroup; when not, REPLY says why, and the why is checked here.
# PROBE (CTRL -> a scratch child of that hierarchy) must be filled.
settable() {
    local ctrl=$1 file=$2 dir line c
    REPLY=
    dir=${PROBE[$ctrl]:-}
    if [ -z "$dir" ]; then
        if [ "$ctrl" = - ]; then
            REPLY="no cgroup2 hierarchy here"
        else
            REPLY="no $ctrl controller is mounted or enabled here"
        fi
        return 1
    fi
    if [ ! -e "$dir/$file" ]; then
        REPLY="this kernel offers no $file in a new cgroup"
        return 1
    fi
    case $file in
    rdma.max)
        read -r line <"$dir/rdma.max" || true
        [ -n "$line" ] && return 0
        REPLY="no RDMA device (rdma.max lists none)"
        return 1
        ;;
    misc.max)
        read -r line <"$dir/misc.max" || true
        [ -n "$line" ] && return 0
        REPLY="no misc resource (misc.max lists none; misc.capacity is empty)"
        return 1
        ;;
    dmem.*)
        read -r line <"$dir/$file" || true
        [ -n "$line" ] && return 0
        REPLY="no device memory region ($file lists none)"
        return 1
        ;;
    memory.move_charge_at_immigrate)
        { echo 1 >"$dir/$file"; } 2>/dev/null && { echo 0 >"$dir/$file"; return 0; }
        REPLY="this kernel refuses every value but 0 (deprecated)"
        return 1
        ;;
    memory.use_hierarchy)
        { echo 0 >"$dir/$file"; } 2>/dev/null && { echo 1 >"$dir/$file"; return 0; }
        REPLY="this kernel refuses every value but 1, its default"
        return 1
        ;;
    blkio.bfq.weight_device | io.bfq.weight)
        [ "$DISK_BFQ" = 1 ] && return 0
        REPLY="no block device here can use bfq"
        return 1
        ;;
    esac
    return 0
}

# The round trip spec of this layout (SPEC lines as candidates_*, only what
# can be set here), and for each carried file of the table either a line in
# it or the checked reason why not (UNSETTABLE, "FILE: REASON").
build_spec() {
    local v=$1 ctrl path file value kind mnt opts c line
    local -A have
    declare -gA PROBE=()
    V2_ENABLE=
    make_scratch "$v"
    for line in "${HIERS[@]}"; do
        read -r _ mnt opts <<<"$line"
        if [ "$v" = v2 ]; then
            PROBE[-]=${SCRATCH[$mnt]}
            # what the container's top-level can enable: what the root gives
            read -r line <"${SCRATCH[$mnt]%/child}/cgroup.controllers" || true
            for c in $line; do V2_ENABLE+="${V2_ENABLE:+ }+$c"; done
        else
            for c in ${opts//,/ }; do PROBE[$c]=${SCRATCH[$mnt]}; done
        fi
    done
    # the first RDMA device, misc resource and dmem region, if any
    RDMA_DEV=none MISC_RES=none DMEM_REGION=none
    local p=${PROBE[rdma]:-${PROBE[-]:-}}
    [ -z "$p" ] || [ ! -s "$p/rdma.max" ] || { read -r line <"$p/rdma.max"; RDMA_DEV=${line%% *}; }
    p=${PROBE[misc]:-${PROBE[-]:-}}
    [ -z "$p" ] || [ ! -s "$p/misc.max" ] || { read -r line <"$p/misc.max"; MISC_RES=${line%% *}; }
    p=${PROBE[-]:-}
    [ -z "$p" ] || [ ! -s "$p/dmem.max" ] || { read -r line <"$p/dmem.max"; DMEM_REGION=${line%% *}; }
    SPEC=()
    while IFS='|' read -r ctrl path file value kind; do
        # a file in the core of v1 hierarchies is tried in the hierarchy named
        if settable "$ctrl" "$file"; then
            SPEC+=("$ctrl|$path|$file|$value|$kind")
            have[$file]=1
        fi
    done < <(candidates_$v)
    # every carried file of the table: round-tripped, or a checked reason
    UNSETTABLE=()
    local name ctl rest
    local v2ctls=
    [ -z "${PROBE[-]:-}" ] || read -r v2ctls <"${PROBE[-]}/cgroup.controllers" || true
    while read -r name ctl rest; do
        if [ "$v" = v2 ]; then
            # one hierarchy: a controller the root does not give is absent
            if [ "$ctl" != - ] && [[ " $v2ctls " != *" $ctl "* ]]; then
                UNSETTABLE+=("$name: this kernel has no $ctl controller")
                continue
            fi
            ctl=-
        fi
        # the core files of v1 are tried in the cpuset hierarchy
        [ "$ctl" = - ] && ctl=$([ "$v" = v2 ] && echo - || echo cpuset)
        local found=0 k mid
        if [[ $name == *"*"* ]]; then
            # a huge page pattern: round-tripped for some size
            local pre=${name%%\**} suf=${name#*\*}
            for k in "${!have[@]}"; do
                [[ $k == "$pre"*"$suf" ]] || continue
                mid=${k#"$pre"}
                mid=${mid%"$suf"}
                [[ $mid == *.* ]] || found=1
            done
            [ $found = 1 ] && continue
            if [ -n "${PROBE[$ctl]:-}" ] && compgen -G "${PROBE[$ctl]}/$pre*$suf" >/dev/null; then
                echo "$name exists here, but the round trip has no line for it" >&2
                return 1
            fi
            if [ -n "${PROBE[$ctl]:-}" ]; then
                UNSETTABLE+=("$name: this kernel has no huge page size")
            else
                UNSETTABLE+=("$name: no $ctl controller is mounted or enabled here")
            fi
            continue
        fi
        [ -n "${have[$name]:-}" ] && continue
        if settable "$ctl" "$name"; then
            echo "$name can be set on this layout, but the round trip has no line for it" >&2
            return 1
        fi
        UNSETTABLE+=("$name: $REPLY")
    done < <("$PROPS_TABLE" --carried "$v")
}

# The scripts of the two containers are built from SPEC here, so that they
# run on busybox's builtins (a process costs 50 to 500 ms in the VMs).
cg_file() { # V CTRL PATH FILE: REPLY is the path inside the container
    if [ "$1" = v2 ]; then REPLY=/sys/fs/cgroup/$3/$4; else REPLY=/sys/fs/cgroup/$2/$3/$4; fi
}

# write_script V: the workload's side. Level by level, so that a child is
# made after its parent's values (what the kernel copies at mkdir): one mkdir
# for the new directories of a level, then that level's writes in spec order.
# A refused write is noted in /err.
write_script() {
    local v=$1 e ctrl path file value kind depth dirs seen=" "
    echo 'w() { echo "$2" >"$1" 2>/dev/null || echo "refused: $1 = $2" >>/err; }'
    if [ "$v" = v2 ]; then
        # the init leaves the top-level first: v2 lets no process sit beside
        # children with controllers
        echo 'mkdir /sys/fs/cgroup/init.scope && echo 1 >/sys/fs/cgroup/init.scope/cgroup.procs'
    fi
    for ((depth = 0; depth <= 8; depth++)); do
        dirs=()
        for e in "${SPEC[@]}"; do
            IFS='|' read -r ctrl path file value kind <<<"$e"
            _depth "$path"
            [ "$REPLY" = "$depth" ] || continue
            cg_file "$v" "$ctrl" "$path" "$file"
            local d=${REPLY%/*}
            [[ $seen == *" $d "* ]] || { dirs+=("$d"); seen+="$d "; }
        done
        [ ${#dirs[@]} -eq 0 ] || echo "mkdir -p ${dirs[*]}"
        for e in "${SPEC[@]}"; do
            IFS='|' read -r ctrl path file value kind <<<"$e"
            _depth "$path"
            [ "$REPLY" = "$depth" ] && [ "$kind" = set ] || continue
            cg_file "$v" "$ctrl" "$path" "$file"
            printf "w %q %q\n" "$REPLY" "$value"
        done
    done
}

_depth() { # PATH: REPLY is its depth below the top-level ("." is 0)
    local p=$1 n=1
    [ "$p" = . ] && { REPLY=0; return; }
    while [[ $p == */* ]]; do p=${p#*/}; n=$((n + 1)); done
    REPLY=$n
}

# dump_script V: "CTRL PATH FILE LINE|LINE|" for each spec file, as read.
dump_script() {
    local v=$1 e ctrl path file value kind
    echo 'd() { v=; if [ -e "$1" ]; then while IFS= read -r l || [ -n "$l" ]; do v="$v$l|"; done <"$1"; else v=MISSING; fi; echo "$2 $v"; }'
    for e in "${SPEC[@]}"; do
        IFS='|' read -r ctrl path file value kind <<<"$e"
        cg_file "$v" "$ctrl" "$path" "$file"
        printf "d %q %q\n" "$REPLY" "$ctrl $path $file"
    done
}

@test "every carried property this layout can set comes back in a new container" {
    local v=v1 e ctrl path file value kind
    [ "$LAYOUT" = v2 ] && v=v2
    make_disk
    build_spec "$v"
    [ ${#SPEC[@]} -gt 0 ]

    # the source: the workload sets everything, then prints what it reads
    local src
    src=$(new_bundle src "$(write_script "$v")
{ $(dump_script "$v")
} >/src.dump; touch /built; exec sleep 1000")
    run_detached cov-src "$src"
    wait_for "[ -e '$src/rootfs/built' ]"
    if [ -s "$src/rootfs/err" ]; then
        cat "$src/rootfs/err" >&2
        return 1
    fi
    IMG=$BATS_TEST_TMPDIR/img.json
    run --separate-stderr "$CGBIND" save -o "$IMG" < <(state_of cov-src)
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 0 ]
    cleanup_containers

    # what the image holds: "CTRL PATH FILE" for every controller of its hierarchy
    local -A saved
    local ctls p f c
    while read -r ctls p f; do
        if [ "$v" = v2 ]; then
            saved["- $p $f"]=1
        else
            for c in ${ctls//,/ }; do saved["$c $p $f"]=1; done
        fi
    done < <(jq -r 'def nodes(p): (.properties // {} | keys[] | "\(p) \(.)"),
            ((.children // [])[] | .name as $n | nodes(if p == "." then $n else p + "/" + $n end));
            .hierarchies[] | (.controllers | join(",")) as $c | .root | nodes(".") | "\($c) \(.)"' "$IMG")
    if [ "$LAYOUT" = hybrid ]; then
        # runc 1.1 binds no cgroup2 into the container here: nothing of it is saved
        run jq -e '[.hierarchies[] | select(.type == "cgroup2")] | length == 0' "$IMG"
        [ "$status" -eq 0 ]
        say "not settable on hybrid: every cgroup v2 file: runc 1.1 binds no cgroup2 into the" \
            "container on a hybrid host, so cgbind saves none (the image has no cgroup2: checked)"
    fi

    # the new container: the hook restores; the workload prints what it reads
    local dst args=(restore --image "$IMG")
    # a real-time budget for the sub-cgroups needs the top-level's own
    for e in "${SPEC[@]}"; do [[ $e == "cpu|.|cpu.rt_runtime_us|"* ]] && args+=(--top-level); done
    # prestart hooks are done before the workload starts: no waiting
    dst=$(new_bundle dst "[ -e /restored ] || echo 'the hook has not run'; $(dump_script "$v")")
    add_hook "$dst" prestart "${args[@]}"
    add_shell_hook "$dst" prestart "touch $dst/rootfs/restored"
    run_fg cov-dst "$dst"
    echo "$output"
    [ "$status" -eq 0 ]

    # per property: in the image (or, inherited, not), and read back the same
    local -A got want
    local key val bad=0
    while read -r ctrl path file val; do want["$ctrl $path $file"]=$val; done <"$src/rootfs/src.dump"
    while read -r ctrl path file val; do got["$ctrl $path $file"]=$val; done <<<"$output"
    local -A reported
    for e in "${SPEC[@]}"; do
        IFS='|' read -r ctrl path file value kind <<<"$e"
        key="$ctrl $path $file"
        # a file written in several lines is one property
        [ -z "${reported[$key]:-}" ] || continue
        reported[$key]=1
        local in_image=0 verdict=ok expect=1
        [ -n "${saved[$key]:-}" ] && in_image=1
        # an inherited value is saved only where it differs from the parent's
        # (a kernel may give a new cgroup its own: zswap writeback since 6.11)
        if [ "$kind" = inherit ] && [ "${want[$key]:-}" = "${want["$ctrl ${path%/*} $file"]:-}" ]; then
            expect=0
        fi
        if [ $in_image != $expect ]; then
            verdict="$([ $in_image = 1 ] && echo "in the image, though a new cgroup would read it" || echo "not in the image")"
        fi
        if [ "${want[$key]:-}" = MISSING ] || [ "${want[$key]:-}" != "${got[$key]:-}" ]; then
            verdict="read back \"${got[$key]:-}\", the source read \"${want[$key]:-}\""
        fi
        [ "$verdict" = ok ] || bad=1
        say "round trip, $LAYOUT: $key ($kind): $verdict (${want[$key]:-})"
    done
    for e in "${UNSETTABLE[@]}"; do
        say "not settable on $LAYOUT: $e"
    done
    [ $bad = 0 ]
}
