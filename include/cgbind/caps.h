/* Every limit cgbind puts on what it reads and what it makes, in one place.
 * Hitting one is an error with a message, never a silent cut. */
#pragma once

/* hierarchies in one image, one mount table, one /proc/<pid>/cgroup */
#define CGBIND_MAX_HIERARCHIES 64
/* controller names in one hierarchy (v1 mount options, an image's list) */
#define CGBIND_MAX_CONTROLLERS 64
/* bytes of a controller name */
#define CGBIND_MAX_CONTROLLER_NAME 63

/* the image */
#define CGBIND_DEFAULT_MAX_IMAGE (64u * 1024 * 1024)
#define CGBIND_MAX_IMAGE_LIMIT   (4ull * 1024 * 1024 * 1024)
#define CGBIND_MAX_DEPTH         64     /* sub-cgroup levels below a top-level */
#define CGBIND_MAX_NODES         100000 /* sub-cgroups in one image */
#define CGBIND_MAX_NAME          255    /* bytes of a sub-cgroup name (NAME_MAX) */
#define CGBIND_MAX_VALUE         (64 * 1024)
/* properties of one cgroup: every file the allowlist carries for one cgroup
 * version, with each huge page size a host has, is about 80 */
#define CGBIND_MAX_PROPS 256
/* the privilege split: a plan on the pipe holds at most twice the image
 * (its values, and the undo values read from the host) and this much more */
#define CGBIND_MAX_PLAN_SLACK (16 * 1024 * 1024)
/* a cgroup path from the kernel or from CRIU's image */
#define CGBIND_MAX_PATH 4096
/* a sub-cgroup's path below its top-level as validation allows it (64
 * names of 255 bytes and the slashes between them), with its NUL: every
 * buffer that holds one (the journal's lines) is this large */
#define CGBIND_MAX_REL_PATH (CGBIND_MAX_DEPTH * (CGBIND_MAX_NAME + 1))

/* Sub-cgroups one restore may create, counted after the image is spread over
 * the container's hierarchies (a v1 image hierarchy can land on several):
 * each costs kernel memory and, with the memory controller, one of the
 * host's 65 535 memory cgroup ids. --max-cgroups raises it. */
#define CGBIND_DEFAULT_MAX_CGROUPS 10000
#define CGBIND_MAX_CGROUPS_LIMIT   (CGBIND_MAX_NODES * CGBIND_MAX_HIERARCHIES)
/* The kernel gives out 65 535 memory cgroup ids host-wide (MEM_CGROUP_ID_MAX);
 * a restore never takes the host past half of them. */
#define CGBIND_MEMCG_ID_LIMIT    65535
#define CGBIND_MEMCG_ID_HEADROOM (CGBIND_MEMCG_ID_LIMIT / 2)

/* what the hook reads from the runtime and /proc */
#define CGBIND_MAX_STATE_SIZE  (1024 * 1024)
#define CGBIND_MAX_CONFIG_SIZE (16 * 1024 * 1024)
#define CGBIND_MAX_MOUNTINFO   (64 * 1024 * 1024)
#define CGBIND_MAX_MOUNTS      100000
#define CGBIND_MAX_PROC_CGROUP (1024 * 1024)
/* one cgroup interface file */
#define CGBIND_MAX_CGROUP_FILE (1024 * 1024)

/* Every wait of a run (the state on stdin, another cgbind's lock) ends by
 * then; --timeout changes it. */
#define CGBIND_DEFAULT_TIMEOUT_MS 10000
#define CGBIND_MAX_TIMEOUT_MS     (3600 * 1000)

/* CPU seconds a restore may use (RLIMIT_CPU, set before the image is
 * parsed): the timeout bounds waits, this bounds work. The largest image
 * the caps accept costs a few seconds (bench/shapes.sh); past the limit
 * the kernel ends the hook (SIGXCPU, then SIGKILL a second later), which
 * the journal makes a kill like any other: the next run converges. */
#define CGBIND_MAX_CPU_SECONDS 60
/* How long past the run's deadline (--timeout) the hook's process still
 * waits for the planning child's reply: a child that gave up waiting for
 * the lock at the deadline is heard ("another cgbind holds it") rather than
 * killed as a child that never answered. */
#define CGBIND_PLANNER_GRACE_MS 500
/* How much longer still the hook waits for a planning child that works
 * past the grace's end: runnable (state R: it wants the CPU, a busy node
 * has not given it enough), or it used CPU time since the last look (a
 * short sleep between runs: a page fault, a lock; the kernel counts CPU
 * time in clock ticks, 10 ms at USER_HZ 100), or its reply waits in the
 * pipe: CGBIND_PLANNER_RUNNABLE_FACTOR times --timeout, at most
 * CGBIND_PLANNER_RUNNABLE_MAX_MS. A child that has not worked for
 * CGBIND_PLANNER_QUIET_MS sleeps on something else and is killed then; one
 * that spins is killed at this bound. With the longest --timeout the whole
 * wait stays within the age at which journal files count as stale
 * (journal.c). */
#define CGBIND_PLANNER_RUNNABLE_FACTOR 4
#define CGBIND_PLANNER_RUNNABLE_MAX_MS 50000
#define CGBIND_PLANNER_QUIET_MS        500
