#!/usr/bin/env bats
# cgbind-layouts: v2
# runc restore on cgroup v2 with cgbind as the restore's prestart hook: CRIU
# sits in the container's top-level cgroup while runc runs that hook, so no
# controller can be enabled there. cgbind refuses before any change and says
# what works instead (criu.bats tests that way).

load helpers
load criu-helpers

@test "v2: as the restore's prestart hook cgbind refuses clearly while CRIU holds the top-level" {
    start_and_checkpoint ck-pre ignore
    add_hook "$B" prestart restore --image "$IMG"
    restore_ck ck-pre ignore
    [ "$status" -ne 0 ]
    [[ "$output" == *"other processes share it (CRIU during runc restore?)"* ]]
}

