#!/usr/bin/env bats
# cgbind-layouts: hybrid v1
# Restoring onto another v1 layout: an image from separate cpu and cpuacct
# hierarchies restores onto a co-mounted cpu,cpuacct one, and back; an image
# hierarchy the container lacks fails with 3 before any change unless
# --skip-missing.

load helpers

setup() {
    trace_failures_only
    requires root runc cgroup_v1
    ID=lay-$BATS_TEST_NUMBER
    create_ctr "$ID"
    CPU_TOP=$(pid_cg_dir "$PID" cpu)
    PIDS_TOP=$(pid_cg_dir "$PID" pids)
    IMG=$BATS_TEST_TMPDIR/img.json
    # how this machine mounts cpu: alone, or with cpuacct
    CPU_CTLS=$(awk '$0 ~ / - cgroup / { n = split($NF, o, ","); c = ""; for (i = 1; i <= n; i++) if (o[i] ~ /^cpu(acct)?$/) c = c (c ? "," : "") o[i]; if (c ~ /cpu/ && c ~ /(^|,)cpu(,|$)/) print c }' /proc/self/mountinfo | sort -u | head -1)
}

teardown() {
    common_teardown
}

restore() {
    restore_ctr "$@"
}

@test "an image in the other cpu/cpuacct layout restores here" {
    if [ "$CPU_CTLS" = "cpu" ]; then
        # this host: separate; the image: co-mounted
        cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [ { "type": "cgroup", "controllers": ["cpu", "cpuacct"],
  "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "cpu.shares": "300" }, "children": [
      { "name": "w", "properties": { "cpu.cfs_quota_us": "30000" }, "children": [] } ] } ] } } ] }
JSON
    else
        # this host: co-mounted; the image: separate, a tree in each
        cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [
  { "type": "cgroup", "controllers": ["cpu"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "cpu.shares": "300" }, "children": [
      { "name": "w", "properties": { "cpu.cfs_quota_us": "30000" }, "children": [] } ] } ] } },
  { "type": "cgroup", "controllers": ["cpuacct"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": {}, "children": [ { "name": "acct-only", "properties": {}, "children": [] } ] } ] } } ] }
JSON
    fi
    restore
    # shellcheck disable=SC2154 # stderr: set by bats' run --separate-stderr
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cat "$CPU_TOP/app/cpu.shares")" = 300 ]
    [ "$(cat "$CPU_TOP/app/w/cpu.cfs_quota_us")" = 30000 ]
    if [ "$CPU_CTLS" = "cpu" ]; then
        # the tree is in cpuacct too, without cpu's properties
        local acct
        acct=$(pid_cg_dir "$PID" cpuacct)
        [ -d "$acct/app/w" ]
    else
        # both trees merged into the one hierarchy
        [ -d "$CPU_TOP/app/acct-only" ]
    fi
}

@test "a hierarchy the container lacks fails with 3 before any change" {
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [
  { "type": "cgroup", "controllers": ["pids"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "pids.max": "5" }, "children": [] } ] } },
  { "type": "cgroup", "controllers": ["name=cgbind-absent"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": {}, "children": [] } ] } } ] }
JSON
    restore
    [ "$status" -eq 3 ]
    assert_one_error_line
    [[ "$stderr" == *"name=cgbind-absent"* ]]
    [ ! -d "$PIDS_TOP/app" ]
}

@test "--skip-missing restores what it can and warns for the rest" {
    cat >"$IMG" <<'JSON'
{ "cgbind": 1, "hierarchies": [
  { "type": "cgroup", "controllers": ["pids"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": { "pids.max": "5" }, "children": [] } ] } },
  { "type": "cgroup", "controllers": ["name=cgbind-absent"], "root": { "properties": {}, "children": [
    { "name": "app", "properties": {}, "children": [] } ] } } ] }
JSON
    restore --skip-missing
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"warning:"*"name=cgbind-absent"*"skipped"* ]]
    [ "$(cat "$PIDS_TOP/app/pids.max")" = 5 ]
}
