#!/usr/bin/env bats
# cgbind-layouts: v2
# runc restore on cgroup v2 with cgbind as the restore's prestart hook: CRIU
# sits in the container's top-level cgroup while runc runs that hook, so no
# controller can be enabled there. cgbind refuses before any change and says
# what works instead (criu.bats tests that way).

load helpers
load criu-helpers

@test "v2: as the restore's prestart hook cgbind refuses clearly while CRIU holds the top-level" {
    start_and_checkpoint ck-pre soft
    add_hook "$B" prestart restore --image "$IMG"
    restore_ck ck-pre soft
    [ "$status" -ne 0 ]
    [[ "$output" == *"other processes share it (CRIU during runc restore?)"* ]]
}


@test "v2: with --skip-busy (as the installed hooks.d file has it) the restore goes on, and the limits come back after it" {
    start_and_checkpoint ck-busy soft
    add_hook "$B" prestart restore --image "$IMG" --skip-busy --log "$BATS_TEST_TMPDIR/log"
    restore_ck ck-busy soft
    [ "$status" -eq 0 ]
    # the reason is the top-level CRIU holds, or the mounts CRIU has not made yet
    grep -q "warning container=ck-busy restore: .*nothing changed (--skip-busy)" "$BATS_TEST_TMPDIR/log"
    state_of ck-busy | "$CGBIND" restore --mode full --image "$IMG"
    [ "$(limits_of ck-busy)" = "$EXPECTED" ]
    assert_running_again ck-busy
}
