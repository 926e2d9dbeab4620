#!/bin/bash
# cgbind's test command (README.md): installs the Debian packages it needs,
# builds, and runs every suite for real: the C unit tests, the bats suites on
# this host's cgroups with runc, and the same suites inside a cgroup v2 VM and
# a cgroup v1 VM. Its last line is "N passed, N failed".
#
# As root:
#   test/run.sh              everything
#   test/run.sh --host-only  unit tests and the host suites, no VM
#   test/run.sh --suite NAME [--filter REGEX] [--layout host|v2|v1|v2-systemd|v2migrate|v2-systemd-import]
#                            one bats suite (test/bats/NAME.bats), or the
#                            tests of it whose names match REGEX, after the
#                            gcc build: on this host when the suite's
#                            "# cgbind-layouts:" line names the host's
#                            layout, else in a VM of the first layout it
#                            names; --layout chooses
#
# Environment: CGBIND_BUILD (build dir, default build), CGBIND_LAYOUTS (VM
# layouts, default "v2 v1 v2-systemd"), CGBIND_VM_LANES (VMs at once, default
# one a CPU core),
# CGBIND_VM_ACCEL (qemu -accel for the VMs, default tcg,thread=single).
set -uo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 2
BUILD=${CGBIND_BUILD:-build}
LAYOUTS=${CGBIND_LAYOUTS:-v2 v1 v2-systemd}
SUITE='' FILTER='' LAYOUT=''
usage() {
    echo "usage: test/run.sh [--host-only | --suite NAME [--filter REGEX] [--layout host|v2|v1|v2-systemd|v2migrate|v2-systemd-import]]"
}
while [ $# -gt 0 ]; do
    case $1 in
    --host-only) LAYOUTS='' ;;
    --suite | --filter | --layout)
        [ $# -ge 2 ] || { usage >&2; exit 2; }
        case $1 in
        --suite) SUITE=$2 ;;
        --filter) FILTER=$2 ;;
        --layout) LAYOUT=$2 ;;
        esac
        shift
        ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
    esac
    shift
done
if [ -z "$SUITE" ] && [ -n "$FILTER$LAYOUT" ]; then
    usage >&2
    exit 2
fi
VM_WORKERS=${CGBIND_VM_LANES:-$(nproc)}
if ! [[ $VM_WORKERS =~ ^[1-9][0-9]?$ ]]; then
    echo "test/run.sh: CGBIND_VM_LANES must be a number from 1 to 99, not '$VM_WORKERS'" >&2
    exit 2
fi
RESULTS=$(mktemp -d /var/tmp/cgbind-results.XXXXXX)
export CGBIND_TEST_STRICT=1

say() { printf '\n=== %s\n' "$*"; }

host_layout() {
    if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
        echo v2
    elif [ -d /sys/fs/cgroup/unified ]; then
        echo hybrid
    else
        echo v1
    fi
}

# --suite: the file, and where it runs (its "# cgbind-layouts:" line)
if [ -n "$SUITE" ]; then
    SUITE=${SUITE##*/}
    SUITE=${SUITE%.bats}
    SUITE_FILE=test/bats/$SUITE.bats
    if ! [ -f "$SUITE_FILE" ]; then
        echo "test/run.sh: no suite $SUITE_FILE" >&2
        exit 2
    fi
    suite_layouts=" $(sed -n 's/^# cgbind-layouts://p' "$SUITE_FILE") "
    if [ -z "$LAYOUT" ]; then
        LAYOUT=host
        if [[ $suite_layouts != *" $(host_layout) "* ]]; then
            for l in $suite_layouts; do
                [ "$l" = hybrid ] || { LAYOUT=$l; break; }
            done
        fi
    fi
    if [ "$LAYOUT" = host ]; then
        LAYOUTS=''
    else
        LAYOUTS=$LAYOUT
    fi
fi

if [ "$(id -u)" != 0 ]; then
    echo "test/run.sh: needs root (real cgroups, real runc)" >&2
    exit 2
fi

# --- packages -------------------------------------------------------------
# crun, criu, iptables (CRIU locks the network with it), podman, docker.io and containerd are used in the VMs
# clang and clang-format: the second compiler and the format check; strace:
# the fault-injection suite; shellcheck: the shell lint
PKGS="procps gcc clang clang-format shellcheck meson ninja-build pkg-config libyajl-dev libseccomp-dev runc crun criu iptables podman docker.io containerd busybox-static bats jq inotify-tools util-linux strace"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
        echo "test/run.sh: apt-get install failed" >&2
        echo "0 passed, 1 failed"
        exit 1
    }
fi
if [ -n "$LAYOUTS" ]; then
    say "preparing the test VM"
    # the systemd root file system, for systemd-init.bats (v2-systemd)
    sd_rootfs=
    case " $LAYOUTS " in *" v2-systemd "* | *" v2-systemd-import "*) sd_rootfs=--sd-rootfs ;; esac
    if ! test/vm/setup.sh $sd_rootfs; then
        echo "test/run.sh: VM set-up failed" >&2
        echo "0 passed, 1 failed"
        exit 1
    fi
fi

# --- counting -------------------------------------------------------------
# Every program's TAP goes through tap_verdict (test/tap.bash): its exit
# status, its plan and a bail-out count, so a crash half-way is a failure.
# shellcheck source=tap.bash
. "$SRC/test/tap.bash"
PASSED=0
FAILED=0
count_tap() { # label file exit-status
    tap_verdict "$2" "${3:-0}"
    PASSED=$((PASSED + TAP_PASSED))
    FAILED=$((FAILED + TAP_FAILED))
    printf '%-28s %4d passed, %d failed%s\n' "$1" "$TAP_PASSED" "$TAP_FAILED" \
        "${TAP_WHY:+ ($TAP_WHY)}" | tee -a "$RESULTS/summary"
    grep -E '^not ok|^ok .*# (skip|SKIP)|^Bail out' "$2" | sed 's/^/    /'
    return 0
}

# failure_digest: before the total, each failed test once more with why
# (bats's "(in test file ..., line N)" and "`cmd' failed" lines, then the
# last "#" lines before the next result: the test's output, and the next
# test's own "#" notes when it prints any), so a CI log that keeps only its
# tail still says which assertion failed; 6 programs at most, 14 lines a
# failure
failure_digest() {
    local f n=0
    for f in "$RESULTS"/*.tap; do
        [ -f "$f" ] && grep -q '^not ok' "$f" || continue
        [ "$n" -lt 6 ] || break
        awk -v file="${f##*/}" '
            function flush() {
                if (head == "") return
                print "  " file ": " head
                for (i = 1; i <= nb && i <= 2; i++) print "    " b[i]
                for (i = (nb > 13 ? nb - 11 : 3); i <= nb; i++) print "    " b[i]
                head = ""; nb = 0
            }
            /^not ok / { flush(); head = $0; next }
            /^(ok |1\.\.)/ { flush(); next }
            head != "" && /^#/ { b[++nb] = $0 }
            END { flush() }' "$f"
        n=$((n + 1))
    done | head -n 84 >"$RESULTS/failures"
    if [ -s "$RESULTS/failures" ]; then
        say "the failures, with why"
        cat "$RESULTS/failures"
    fi
    return 0
}

# one-line checks (a build, the format check) as TAP of their own
check_step() { # label command...
    local label=$1 out=$RESULTS/step.$RANDOM rc=0
    shift
    "$@" >"$out.log" 2>&1 || rc=$?
    if [ "$rc" -eq 0 ]; then
        printf '1..1\nok 1 - %s\n' "$label" >"$out"
    else
        printf '1..1\nnot ok 1 - %s\n' "$label" >"$out"
        tail -30 "$out.log" | sed 's/^/    /'
    fi
    count_tap "$label" "$out" 0
    return "$rc"
}

# the checks of the whole tree (not with --suite: it runs one suite)
if [ -z "$SUITE" ]; then
    # --- the runner's own check -----------------------------------------------
    say "the runner's self-check: a crash, a plan mismatch, a bail-out are failures"
    rc=0
    bash test/tap-selfcheck.sh >"$RESULTS/selfcheck.tap" 2>/dev/null || rc=$?
    count_tap "runner self-check" "$RESULTS/selfcheck.tap" "$rc"

    # --- format ---------------------------------------------------------------
    say "formatting (.clang-format)"
    C_FILES=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include hook test bench -name '*.[ch]')
    # shellcheck disable=SC2086
    check_step "clang-format: the C sources follow .clang-format" clang-format --dry-run --Werror $C_FILES

    # --- shell lint -----------------------------------------------------------
    # ShellCheck at warning level over every shell file of test/, contrib/,
    # bench/ and debian/ (a finding is fixed, or excused on its line with
    # "# shellcheck disable=SCxxxx # why"). The .bats files are read in
    # ShellCheck's bats dialect (their "#!/usr/bin/env bats" line): it knows
    # @test and run's variables, and reports a `!` that asserts nothing (SC2314).
    # test/dead-assertions.sh finds the assertions bash's `set -e` ignores in
    # every function too.
    shell_files() {
        local f
        git ls-files -- test contrib bench debian ':!test/fuzz/corpus' ':!*/data/*' | while read -r f; do
            case $f in
            *.sh | *.bash | *.bats) echo "$f" ;;
            *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*[/ ](ba|da)?sh( |$)' && echo "$f" ;;
            esac
        done
    }
    say "shell lint (shellcheck -S warning; dead bats assertions)"
    mapfile -t SH_FILES < <(shell_files)
    check_step "shellcheck: ${#SH_FILES[@]} shell files, no warning" shellcheck -S warning -x "${SH_FILES[@]}"
    check_step "bats: no assertion that cannot fail" test/dead-assertions.sh
fi

# --- build ----------------------------------------------------------------
# warnings are errors, with gcc (the build every suite uses) and with clang
build() { # dir compiler
    if [ -f "$1/build.ninja" ]; then
        meson configure "$1" -Dwerror=true || return 1
    else
        CC=$2 meson setup "$1" -Dwerror=true || return 1
    fi
    ninja -C "$1"
}
say "building in $BUILD (gcc, -Dwerror=true)"
if ! check_step "build with gcc, warnings are errors" build "$BUILD" gcc; then
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
export CGBIND_BIN=$SRC/$BUILD/cgbind

# Suites for a layout: each .bats file says where it runs ("# cgbind-layouts: hybrid v1 v2"),
# whole words between spaces (v2 is not v2-systemd).
suites_for() {
    grep -lE "^# cgbind-layouts:(.* )?$1( .*)?$" test/bats/*.bats | sort
}

# --- VM suites, in the background -------------------------------------------
# Under TCG a VM keeps one core busy: the VMs run side by side with the host
# suites, in CGBIND_VM_LANES workers (default: one a core) that take the VM
# runs in VM_JOB_ORDER, and the VM results are counted at the end. More VMs
# than cores cost far more than their share: on 2 cores (2026-12-07), the v2
# lane took 193 s alone, 191 s beside one other VM, and about 500 s as one
# of three; whole runs took 18 min 48 s to 21 min 56 s with three lanes,
# 15 min 46 s to 18 min 24 s with two. The whole run is CPU-bound, so the
# longest runs start first and the short ones fill the lanes at the end: a
# long run that waited for a free lane would end last, on one core. A
# LABEL-import run (a fresh VM that reads what LABEL's VM left) is no job of
# its own: the lane that ran LABEL runs it next (vm_worker).
#
# vm_jobs: one line per VM run, "LABEL LAYOUT RUNTIME FILTER FILES...", in
# the order the lanes take them
# (FILTER: a bats --filter regex with "_" for a space, "-" for every test).
vm_jobs() {
    vm_job_lines | awk -v order="$VM_JOB_ORDER" '
        BEGIN { n = split(order, o, " "); for (i = 1; i <= n; i++) rank[o[i]] = i }
        { printf "%03d %06d %s\n", ($1 in rank) ? rank[$1] : 999, NR, $0 }' |
        sort | cut -d' ' -f3-
}
# Longest first, by the lanes' times in a whole run (2026-12-07, two lanes:
# v2-systemd 501 s and its import 79 s after it, v2-ck 438, both beside the
# host suites; v2 204, v1 146, v2-machines 144, v2-engines 139,
# v2-systemd-rootless 128, v1-modes 52).
VM_JOB_ORDER='vm-v2-systemd vm-v2-ck vm-v2 vm-v1 vm-v2-engines vm-v2-machines vm-v2-systemd-rootless vm-v1-modes'
# shellcheck disable=SC2046 # the suites' file names, one word each
vm_job_lines() {
    local layout
    for layout in $LAYOUTS; do
        if [ "$layout" = v2 ]; then
            # the v2 suites are twice the v1 ones: the checkpoints (runc,
            # podman) and the fault sweeps boot a VM of their own
            echo "vm-v2-ck v2 runc -" $(suites_for v2 | grep -E "$V2_CK_SUITES")
            # the checkpoints through other engines and cgroup modes
            echo "vm-v2-engines v2 runc -" $(suites_for v2 | grep -E "$ENGINE_SUITES")
            echo "vm-v2 v2 runc -" $(suites_for v2 | grep -vE "$V2_CK_SUITES|$ENGINE_SUITES")
            # migration (runc, podman, containerd's ctr): three VMs in turn,
            # the third on Debian's next release's kernel
            # (vm_run_machines)
            [ -z "$(suites_for v2migrate)" ] ||
                echo "vm-v2-machines v2 runc @machines" $(suites_for v2migrate)
        elif [ "$layout" = v2-systemd ]; then
            # systemd as PID 1 (systemd.bats: podman with its defaults there);
            # then a fresh VM restores its checkpoint archive (the import)
            echo "vm-v2-systemd v2-systemd runc -" $(suites_for v2-systemd | grep -vE "$ROOTLESS_SUITES")
            # rootless podman as a lingering user: a VM of its own (the
            # user's first podman command alone takes minutes under TCG)
            [ -z "$(suites_for v2-systemd | grep -E "$ROOTLESS_SUITES")" ] ||
                echo "vm-v2-systemd-rootless v2-systemd runc -" $(suites_for v2-systemd | grep -E "$ROOTLESS_SUITES")
            [ -z "$(suites_for v2-systemd-import)" ] ||
                echo "vm-v2-systemd-import v2-systemd runc -" $(suites_for v2-systemd-import)
        elif [ "$layout" = v1 ]; then
            echo "vm-v1 v1 runc -" $(suites_for v1 | grep -vE "$V1_MODES_SUITE")
            # the cgroup modes on v1: only what no other v1 suite covers
            # (V1_MODES_FILTER)
            [ -z "$(suites_for v1 | grep -E "$V1_MODES_SUITE")" ] ||
                echo "vm-v1-modes v1 runc $V1_MODES_FILTER" $(suites_for v1 | grep -E "$V1_MODES_SUITE")
        else
            echo "vm-$layout $layout runc -" $(suites_for "$layout")
        fi
    done
}
# crun refuses this host's hybrid layout; crun.bats runs in the v2 VM (its
# state at prestart and createRuntime, a restore through its hooks, and after
# a restore).
V2_CK_SUITES='/(checkpoint|checkpoint-v2|checkpoint-podman|criu-v2|faults)\.bats$'
ENGINE_SUITES='/checkpoint-(modes|docker|crun)\.bats$'
ROOTLESS_SUITES='/rootless-systemd\.bats$'
# checkpoint-modes.bats on v1 ("# cgbind-layouts: v2 v1"): mode full through
# the action-script (criu.bats's full and soft restore through a prestart
# hook), mode strict (CRIU refuses), runc's default (soft) with and without
# the action-script (the times, what CRIU alone gives back), CRIU's mode
# ignore and a new parent. Left out there: the plain soft test (runc's
# default is soft) and runc's refusal of --manage-cgroups-mode ignore
# (criu.bats), and the image with no init cgroup (v2 only: the init's
# cgroup is the container's own on v1).
V1_MODES_SUITE='/checkpoint-modes\.bats$'
V1_MODES_FILTER="^(mode_full|mode_strict|runc's_default_mode|CRIU's_mode_ignore_\(|a_new_parent)"

# vm_run LABEL LAYOUT RUNTIME FILTER FILES...: one VM boot, one bats run;
# TAP in LABEL.tap, exit status in LABEL.rc, seconds in LABEL.secs.
vm_run() {
    local label=$1 layout=$2 runtime=$3 filter=${4//_/ } start
    [[ $4 == =* ]] && filter=${4#=} # "=REGEX": as it is (--suite)
    shift 4
    [ "$filter" != @machines ] || { vm_run_machines "$label" "$layout" "$runtime" "$@"; return; }
    [ "$filter" = - ] && filter=
    # LABEL-import: a second VM that reads what LABEL's VM left in its --out
    # dir, copied under the build dir (the VMs mount /tmp and /var/tmp
    # afresh: $RESULTS is not seen in them). It runs once LABEL's VM has
    # ended: next in LABEL's lane (vm_worker), or after it (--suite).
    local env=() in
    if [[ $label == *-import ]] && [ "$layout" = v2-systemd ]; then
        in=$SRC/$BUILD/vm-import/$label
        rm -rf "$in"
        mkdir -p "$in"
        cp -a "$RESULTS/${label%-import}.out/." "$in/" 2>/dev/null
        env=(--env "CGBIND_SD_CK_IN=$in")
    fi
    start=$(date +%s)
    # One host thread per VM (single-threaded TCG; the guest still has two
    # CPUs): with multi-threaded TCG, a VM's two vCPU threads share the cores
    # with the rest, and a guest vCPU can spin on a lock whose holder's
    # thread is not running. A lane may take 3000 s (vm-v2-ck, with the
    # faults suite's kill sweeps, took 1800 s and more with three VMs and
    # the host suites on two cores).
    CGBIND_VM_ACCEL=${CGBIND_VM_ACCEL:-tcg,thread=single} \
        test/vm/run.sh --layout "$layout" --timeout 3000 --out "$RESULTS/$label.out" "${env[@]}" -- \
        env CGBIND_TEST_STRICT=1 CGBIND_BIN="$CGBIND_BIN" CGBIND_RUNTIME="$runtime" \
        bats --tap --timing ${filter:+--filter "$filter"} "$@" \
        >"$RESULTS/$label.tap" 2>&1 </dev/null
    echo $? >"$RESULTS/$label.rc"
    echo $(($(date +%s) - start)) >"$RESULTS/$label.secs"
}

# vm_run_machines LABEL LAYOUT RUNTIME FILES...: the migration suites
# ("# cgbind-layouts: v2migrate"). Their "machine A: ..." tests run in one
# VM and leave what they carry in $CGBIND_VM_OUT, which run.sh --out copies
# into a directory the next VM sees (under the build dir: the VMs mount
# /tmp and /var/tmp afresh); then their "machine B: ..." tests run in a
# freshly booted VM, with CGBIND_MIGRATE_DIR naming that directory; then
# their "machine C: ..." tests in a third, on Debian's next release's
# kernel (test/vm/run.sh --kernel next), with the same directory. One TAP
# of the three, renumbered, in LABEL.tap.
vm_run_machines() {
    local label=$1 layout=$2 runtime=$3 dir=$SRC/$BUILD/vm-machines/$1 start rc=0 m
    shift 3
    start=$(date +%s)
    rm -rf "$dir"
    mkdir -p "$dir"
    local -a io
    for m in A B C; do
        io=(--out "$dir")
        [ $m = A ] || io=(--env "CGBIND_MIGRATE_DIR=$dir")
        [ $m != C ] || io+=(--kernel next)
        # a boot of the next kernel only for suites that have machine C tests
        if [ $m = C ] && ! grep -q '^@test "machine C: ' "$@"; then
            echo "1..0" >"$RESULTS/$label.C.tap"
            continue
        fi
        CGBIND_VM_ACCEL=${CGBIND_VM_ACCEL:-tcg,thread=single} \
            test/vm/run.sh --layout "$layout" --timeout 1500 "${io[@]}" -- \
            env CGBIND_TEST_STRICT=1 CGBIND_BIN="$CGBIND_BIN" CGBIND_RUNTIME="$runtime" \
            bats --tap --timing --filter "^machine $m: " "$@" \
            >"$RESULTS/$label.$m.tap" 2>&1 </dev/null || rc=$?
    done
    awk 'FNR == 1 { off = total }
        /^1\.\.[0-9]+$/ { total += substr($0, 4); next }
        /^(not )?ok [0-9]+/ {
            pre = $0 ~ /^not / ? "not ok " : "ok "; rest = substr($0, length(pre) + 1)
            n = rest + 0; sub(/^[0-9]+/, "", rest); print pre (n + off) rest; next }
        { print }
        END { print "1.." total }' "$RESULTS/$label.A.tap" "$RESULTS/$label.B.tap" "$RESULTS/$label.C.tap" \
        >"$RESULTS/$label.tap"
    echo "$rc" >"$RESULTS/$label.rc"
    echo $(($(date +%s) - start)) >"$RESULTS/$label.secs"
}

vm_report() { # LABEL LAYOUT RUNTIME
    local rc
    say "bats in a cgroup $2 VM with $3 ($1)"
    rc=$(cat "$RESULTS/$1.rc" 2>/dev/null || echo 125)
    count_tap "bats $1 ($3)" "$RESULTS/$1.tap" "$rc"
    if ! grep -qE '^1\.\.[0-9]+' "$RESULTS/$1.tap"; then
        echo "    the VM run did not report (exit $rc):"
        tail -20 "$RESULTS/$1.tap" | sed 's/^/    /'
    fi
    echo "    $(cat "$RESULTS/$1.secs" 2>/dev/null || echo '?') s"
}

# --- one suite (--suite NAME) ---------------------------------------------
if [ -n "$SUITE" ]; then
    if [ "$LAYOUT" = host ]; then
        say "bats $SUITE_FILE on this host ($(host_layout))${FILTER:+, tests matching $FILTER}"
        bats --tap --timing ${FILTER:+--filter "$FILTER"} "$SUITE_FILE" 2>&1 </dev/null |
            tee "$RESULTS/one.tap"
        count_tap "bats $SUITE (host)" "$RESULTS/one.tap" "${PIPESTATUS[0]}"
    elif [ "$LAYOUT" = v2-systemd-import ]; then
        # a second v2-systemd VM that reads what the first left (as the CI
        # lanes vm-v2-systemd and vm-v2-systemd-import): the first runs
        # the export test of systemd-checkpoint.bats, alone
        say "the exports of systemd-checkpoint.bats and systemd-init.bats in a v2-systemd VM, then bats $SUITE_FILE in a fresh one"
        vm_run one v2-systemd "${CGBIND_RUNTIME:-runc}" "=first VM: checkpoint --export|systemd as the container's init: podman" \
            test/bats/systemd-checkpoint.bats test/bats/systemd-init.bats
        cat "$RESULTS/one.tap"
        vm_report one v2-systemd "${CGBIND_RUNTIME:-runc}"
        vm_run one-import v2-systemd "${CGBIND_RUNTIME:-runc}" "=$FILTER" "$SUITE_FILE"
        cat "$RESULTS/one-import.tap"
        vm_report one-import v2-systemd "${CGBIND_RUNTIME:-runc}"
    else
        say "bats $SUITE_FILE in a cgroup $LAYOUT VM${FILTER:+, tests matching $FILTER}"
        if [ "$LAYOUT" = v2migrate ]; then
            # three boots of the v2 VM, machine A, B, then C on the next
            # release's kernel (vm_run_machines)
            [ -z "$FILTER" ] || { echo "test/run.sh: --filter does not apply to a v2migrate suite" >&2; exit 2; }
            vm_run_machines "$SUITE" v2 "${CGBIND_RUNTIME:-runc}" "$SUITE_FILE"
        else
            vm_run "$SUITE" "$LAYOUT" "${CGBIND_RUNTIME:-runc}" "=$FILTER" "$SUITE_FILE"
        fi
        cat "$RESULTS/$SUITE.tap"
        vm_report "$SUITE" "$LAYOUT" "${CGBIND_RUNTIME:-runc}"
    fi
    # a filter that matched nothing ran nothing: that is no pass
    if grep -qx '1\.\.0' "$RESULTS/one.tap" "$RESULTS/one-import.tap" "$RESULTS/$SUITE.tap" 2>/dev/null; then
        echo "test/run.sh: no test of $SUITE_FILE matches '$FILTER'" >&2
        FAILED=$((FAILED + 1))
    fi
    failure_digest
    say "results in $RESULTS"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" -eq 0 ]
    exit
fi

# vm_worker: runs each job of vm-jobs that no other worker has claimed
# (mkdir is the claim), and after a job LABEL the job LABEL-import, if any.
vm_worker() {
    local -a job next
    while read -r -a job; do
        [[ ${job[0]} != *-import ]] || continue
        mkdir "$RESULTS/claim.${job[0]}" 2>/dev/null || continue
        vm_run "${job[@]}"
        while read -r -a next; do
            [ "${next[0]}" = "${job[0]}-import" ] || continue
            mkdir "$RESULTS/claim.${next[0]}" && vm_run "${next[@]}"
        done <"$RESULTS/vm-jobs"
    done <"$RESULTS/vm-jobs"
}

VM_LANES=()
stop_vm_lanes() {
    local lane kids
    for lane in "${VM_LANES[@]}"; do
        kids=$(pgrep -P "$lane")
        kill "$lane" 2>/dev/null
        # test/vm/run.sh stops its qemu on TERM
        [ -z "$kids" ] || kill $kids 2>/dev/null
    done
    VM_LANES=()
}
trap stop_vm_lanes EXIT
if [ -n "$LAYOUTS" ]; then
    vm_jobs >"$RESULTS/vm-jobs"
    say "VM suites started in the background: $(cut -d' ' -f1 "$RESULTS/vm-jobs" | tr '\n' ' ')"
    for ((lane = 0; lane < VM_WORKERS; lane++)); do
        vm_worker &
        VM_LANES+=($!)
    done
fi

say "building in $BUILD-clang (clang, -Dwerror=true)"
check_step "build with clang, warnings are errors" build "$BUILD-clang" clang

# a distribution's hardening flags win over meson.build's defaults
fortify3_build() { # dir
    if ! [ -f "$1/build.ninja" ]; then
        CFLAGS=-D_FORTIFY_SOURCE=3 meson setup "$1" -Dwerror=true || return 1
    fi
    ninja -C "$1"
}
say "building in $BUILD-fortify3 (CFLAGS=-D_FORTIFY_SOURCE=3, -Dwerror=true)"
check_step "build with CFLAGS=-D_FORTIFY_SOURCE=3, warnings are errors" fortify3_build "$BUILD-fortify3"

# --- unit tests -----------------------------------------------------------
# Each test program of a build on its own: its exit status and plan count.
run_unit_tests() { # build-dir label
    local t rc
    for t in "$1"/test/unit/test-*; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        rc=0
        CGBIND_TEST_DATA=$SRC/test/unit/data "$t" >"$RESULTS/$2.${t##*/}.tap" 2>&1 || rc=$?
        count_tap "$2 ${t##*/}" "$RESULTS/$2.${t##*/}.tap" "$rc"
    done
}
# The fuzz corpus (test/fuzz/corpus), replayed through every fuzz target.
replay_corpus() { # build-dir label
    local t rc name
    for t in "$1"/test/fuzz/fuzz-*-replay; do
        [ -f "$t" ] && [ -x "$t" ] || continue
        name=$(basename "$t" -replay)
        rc=0
        "$t" "$SRC/test/fuzz/corpus/$name" >"$RESULTS/$2.$name.tap" 2>&1 || rc=$?
        count_tap "$2 $name" "$RESULTS/$2.$name.tap" "$rc"
    done
}
say "unit tests"
run_unit_tests "$BUILD" unit
say "fuzz corpus replay"
replay_corpus "$BUILD" corpus

# --- host suites ----------------------------------------------------------
HL=$(host_layout)
say "bats on this host ($HL)"
start=$(date +%s)
rc=0
# shellcheck disable=SC2046 # the suites' file names, one word each
bats --tap --timing $(suites_for "$HL") >"$RESULTS/host.tap" 2>&1 || rc=$?
count_tap "bats host ($HL)" "$RESULTS/host.tap" "$rc"
echo "    $(($(date +%s) - start)) s"

# The host's suites again, all but install.bats (it builds its own binary)
# and the fault and sandbox suites;
# without openat2 the suites whose restores walk real and spoofed mounts,
# other layouts and a rollback (the fallback walk's code): not hostile.bats,
# whose own openat2 and seccomp tests wrap the binary themselves; the other
# suites open their paths the same way as these.
# faults.bats and sandbox.bats trace and preload the plain binary itself
# (strace, LD_PRELOAD): once is what they are for.
core_suites() {
    suites_for "$HL" | grep -v -e '/install\.bats$' -e '/faults\.bats$' -e '/sandbox\.bats$'
}
# with ASan: the round trips, every property (coverage), a rollback, a
# conversion and the hostile images on real cgroups; the state, locate and
# lock code of the other suites runs under ASan in the unit tests and the
# corpus (test-state, test-locate, test-hostile, fuzz-*)
asan_suites() {
    core_suites | grep -E '/(convert-v1|coverage|hostile|rollback|roundtrip-v1)\.bats$'
}
no_openat2_suites() {
    core_suites | grep -E '/(layouts|rollback|roundtrip-v1|spoof)\.bats$'
}

# --- without openat2 (an old kernel, or a seccomp profile that blocks it) --
say "bats on this host with openat2 failing (ENOSYS)"
rc=0
# the wrapper runs the real binary, CGBIND_BIN as it was before this line
# shellcheck disable=SC2046,SC2097,SC2098 # file names one word each; CGBIND_REAL is the old CGBIND_BIN on purpose
CGBIND_REAL=$CGBIND_BIN CGBIND_NO_OPENAT2_WRAPPER=$SRC/$BUILD/test/no-openat2/no-openat2 \
    CGBIND_BIN=$SRC/test/no-openat2/cgbind-no-openat2 bats --tap --timing $(no_openat2_suites) \
    >"$RESULTS/no-openat2.tap" 2>&1 || rc=$?
count_tap "bats host, no openat2" "$RESULTS/no-openat2.tap" "$rc"

# --- ASan and UBSan -------------------------------------------------------
# The unit tests and the corpus run with LeakSanitizer on. The real binary
# keeps its seccomp filter on (as users run it), and LeakSanitizer's exit
# check needs ptrace, which the filter forbids: leaks are not checked there.
say "ASan and UBSan build"
ASAN=${BUILD}-asan
if check_step "build with ASan and UBSan" \
    bash -c "{ [ -f '$ASAN/build.ninja' ] || meson setup '$ASAN' -Db_sanitize=address,undefined; } && ninja -C '$ASAN'"; then
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    export ASAN_OPTIONS=detect_leaks=1
    run_unit_tests "$ASAN" asan-unit
    replay_corpus "$ASAN" asan-corpus
    export ASAN_OPTIONS=detect_leaks=0
    rc=0
    # shellcheck disable=SC2046
    CGBIND_BIN=$SRC/$ASAN/cgbind bats --tap --timing $(asan_suites) \
        >"$RESULTS/asan-bats.tap" 2>&1 || rc=$?
    count_tap "ASan+UBSan bats host" "$RESULTS/asan-bats.tap" "$rc"
    unset ASAN_OPTIONS UBSAN_OPTIONS
fi

# --- VM suites: their results ---------------------------------------------
if [ ${#VM_LANES[@]} -gt 0 ]; then
    say "waiting for the VM suites"
    wait "${VM_LANES[@]}"
    VM_LANES=()
    while read -r label layout runtime _; do
        vm_report "$label" "$layout" "$runtime"
    done <"$RESULTS/vm-jobs"
fi

failure_digest
say "results in $RESULTS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
