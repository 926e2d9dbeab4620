# Counting TAP the way test/run.sh does it, sourced by run.sh and by its
# self-check (test/tap-selfcheck.sh). A total must not be able to lie: a
# program's exit status, its plan and a bail-out all count, so a program that
# prints two "ok" lines and then crashes is a failure, not two passes.

# tap_verdict FILE STATUS: sets TAP_PASSED and TAP_FAILED for one program's
# TAP output in FILE and its exit status, and TAP_WHY to why extra failures
# were counted ("" when none).
#  - "ok N" passes; "not ok N" fails, and so does "ok N # skip" (a skipped
#    test is a failure: the runner starts a suite only where it can run);
#  - "Bail out!" anywhere is one more failure;
#  - the plan "1..N" must be there exactly once, and N must be the number of
#    results; what the plan promised and never came counts as failed (at
#    least one failure when the plan is missing or wrong);
#  - an exit status above 128 (a signal: a crash, an abort, an ASan report)
#    is one more failure, and any other non-zero status with no failed
#    result is one too.
tap_verdict() {
    local file=$1 rc=$2 line ok=0 notok=0 skip=0 plans=0 planned=-1 bail=0
    TAP_WHY=
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        "ok "[0-9]*)
            if [[ $line =~ \#\ *([Ss][Kk][Ii][Pp]) ]]; then
                skip=$((skip + 1))
            else
                ok=$((ok + 1))
            fi
            ;;
        "not ok "[0-9]*) notok=$((notok + 1)) ;;
        "Bail out!"*) bail=$((bail + 1)) ;;
        1..[0-9]*)
            if [[ $line =~ ^1\.\.([0-9]+)([[:space:]]|$) ]]; then
                plans=$((plans + 1))
                planned=${BASH_REMATCH[1]}
            fi
            ;;
        esac
    done <"$file"
    # shellcheck disable=SC2034 # TAP_PASSED: read by the sourcing script
    TAP_PASSED=$ok
    TAP_FAILED=$((notok + skip))
    local results=$((ok + notok + skip))
    if [ "$bail" -gt 0 ]; then
        TAP_FAILED=$((TAP_FAILED + 1))
        TAP_WHY+=" bailed out;"
    fi
    if [ "$plans" -ne 1 ]; then
        TAP_FAILED=$((TAP_FAILED + 1))
        TAP_WHY+=" $plans plan lines;"
    elif [ "$planned" -ne "$results" ]; then
        local missing=$((planned - results))
        [ "$missing" -gt 0 ] || missing=1
        TAP_FAILED=$((TAP_FAILED + missing))
        TAP_WHY+=" planned $planned, got $results;"
    fi
    if [ "$rc" -gt 128 ]; then
        TAP_FAILED=$((TAP_FAILED + 1))
        TAP_WHY+=" killed by signal $((rc - 128));"
    elif [ "$rc" -ne 0 ] && [ "$TAP_FAILED" -eq 0 ]; then
        TAP_FAILED=1
        TAP_WHY+=" exit status $rc with no failed test;"
    fi
    TAP_WHY=${TAP_WHY# }
}
