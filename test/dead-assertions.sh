#!/bin/bash
# Finds assertions in the bats suites that cannot fail (test/run.sh runs it).
#
# bats runs a test under `set -e`, and bash does not stop on a failing
# command that is negated or that is not the last of an && list. So, in a
# test or a function body, unless it is the body's last statement:
#   ! cmd               asserts nothing: write `run ! cmd`, or
#                       `[ "$status" -ne 0 ]` after a `run`
#   [ a ] && [ b ]      asserts only b: write the tests on lines of their own
# (as a body's last statement the status is the test's, or the function's).
# ShellCheck's SC2314 sees the first form in @test bodies only; this sees both
# forms in every body of the .bats and .bash files given, or of test/bats.
#
# Usage: test/dead-assertions.sh [FILE...]; prints FILE:LINE: why, one a line,
# and exits 1 if it found any.
set -euo pipefail

cd "$(dirname "$0")/.." || exit 2
if [ $# -eq 0 ]; then
    set -- test/bats/*.bats test/bats/*.bash
fi

awk '
function report(why) { printf "%s:%d: %s\n", FILENAME, pend_line, why; found = 1 }
FNR == 1 { depth = 0; pend = ""; cont = 0 }
# a test or a function body begins (bats tests and functions open at column 0)
depth == 0 && (/^@test .*\{[ \t]*$/ || /^(function[ \t]+)?[A-Za-z_][A-Za-z0-9_:-]*[ \t]*\(\)[ \t]*\{[ \t]*$/) {
    depth = 1; pend = ""; cont = 0; next
}
depth == 0 { next }
/^[ \t]*(#.*)?$/ { next }  # blank and comment lines
{
    # the statement before this line was pending: was it the last one?
    if (pend != "" && !cont) {
        if ($0 !~ /^}[ \t]*$/) report(pend)
        pend = ""
    }
    if ($0 ~ /^}[ \t]*$/) { depth = 0; next }
    if (!cont) {
        if ($0 ~ /^[ \t]*![ \t]/)
            { pend = "`! cmd` asserts nothing unless it is the last statement (use `run ! cmd`)"; pend_line = FNR }
        else if ($0 ~ /^[ \t]*\[\[? .*\]\]?[ \t]*&&[ \t]*\[\[? .*\]\]?[ \t]*$/ && $0 !~ /\|\|/)
            { pend = "`[ a ] && [ b ]` asserts only its last test unless it is the last statement (one test a line)"; pend_line = FNR }
    }
    # the statement goes on on the next line
    cont = ($0 ~ /(\\|&&|\|\||\|)[ \t]*$/)
}
END { exit found }
' "$@"
