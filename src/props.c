/* The property knowledge: one table of every writable interface file a
 * kernel may offer, with its class, grammar, write order, counterpart and
 * default rule; the value grammars; and the name rule for sub-cgroups.
 * Everything an image may make cgbind write is a carried entry here. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgbind/caps.h"
#include "cgbind/props.h"

#define V1     CG_V1
#define V2     CG_V2
#define RES    PROP_RESOURCE
#define MULTI  (PROP_RESOURCE | PROP_MULTILINE)
#define BYTES  (PROP_RESOURCE | PROP_BYTES)
#define US_MAX (INT64_MAX / 1000) /* a time in us the kernel turns into ns */

/* a carried file: every field by name (struct prop_def says what each
 * one means); what it leaves out is 0 or NULL */
#define CARRY(...)                                                                                 \
        {                                                                                          \
                .class = PROP_CARRIED, __VA_ARGS__                                                 \
        }
#define NEVER(n, v, c, f, why)                                                                     \
        {                                                                                          \
                .name = n, .version = v, .controller = c, .class = PROP_NEVER, .flags = f,         \
                .note = why                                                                        \
        }
#define NOT_LIMIT(n, v, c, f, why)                                                                 \
        {                                                                                          \
                .name = n, .version = v, .controller = c, .class = PROP_NOT_LIMIT, .flags = f,     \
                .note = why                                                                        \
        }

/* shared reasons */
static const char MOVES_PROCS[] = "moves processes: where processes run is the runtime's";
static const char MOVES_THREADS[] = "moves threads: where processes run is the runtime's";
static const char FREEZES[] =
        "stops the workload: a state the runtime owns (pause, checkpoint), not a limit";
static const char DEVICES[] = "device access is the runtime's policy";
static const char RESETS[] = "resets a statistic; nothing stays set";
static const char TRIGGER[] = "registers a PSI trigger that lives as long as the writer's file "
                              "descriptor; nothing stays set";
static const char EXCL_CPUS[] = "reserves CPUs against cgroups outside the sub-tree";
static const char SCHED_DOMAINS[] = "changes the scheduler domains the whole host shares";
static const char PRIO_CLASSES[] = "no-change promote-to-rt restrict-to-be idle none-to-rt";

/* clang-format off */
static const struct prop_def props[] = {
        /* ---- cgroup v1: every hierarchy ---- */
        CARRY(.name = "cgroup.clone_children", .version = V1, .controller = NULL,
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_EARLY,
              .flags = 0,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "a new cpuset child copies this group's cpus and mems"),
        NEVER("notify_on_release", V1, NULL, 0,
              "makes the kernel run the hierarchy's release_agent, a host program, as root (CVE-2022-0492)"),
        NEVER("release_agent", V1, NULL, PROP_ROOT_ONLY, "runs a program as root on the host (CVE-2022-0492)"),
        NEVER("tasks", V1, NULL, 0, MOVES_THREADS),
        NEVER("cgroup.procs", V1, NULL, 0, MOVES_PROCS),
        /* v1 cpu */
        CARRY(.name = "cpu.shares", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 2, .max = 262144, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "1024",
              .counterpart = "cpu.weight",
              .note = "CPU weight among siblings"),
        CARRY(.name = "cpu.cfs_period_us", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 1000, .max = 1000000, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "100000",
              .counterpart = "cpu.max",
              .note = "CFS bandwidth period, us"),
        CARRY(.name = "cpu.cfs_quota_us", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 1000, .max = US_MAX, .order = ORDER_NORMAL,
              .flags = RES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_VALUE, .dflt = "-1",
              .counterpart = "cpu.max",
              .note = "CFS run time per period, us (-1: unlimited)"),
        CARRY(.name = "cpu.cfs_burst_us", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 0, .max = US_MAX, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = "cpu.max.burst",
              .note = "CFS run time a period may borrow from earlier ones, us (5.14)"),
        CARRY(.name = "cpu.idle", .version = V1, .controller = "cpu",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = "cpu.idle",
              .note = "the group's tasks run as SCHED_IDLE (5.15)"),
        CARRY(.name = "cpu.rt_period_us", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 1, .max = US_MAX, .order = ORDER_RT,
              .flags = RES,
              .dflt_kind = DFLT_SYSCTL, .dflt = "/proc/sys/kernel/sched_rt_period_us",
              .counterpart = NULL,
              .note = "real-time bandwidth period, us (CONFIG_RT_GROUP_SCHED)"),
        CARRY(.name = "cpu.rt_runtime_us", .version = V1, .controller = "cpu",
              .grammar = GRAM_INT, .min = 0, .max = US_MAX, .order = ORDER_RT,
              .flags = RES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "real-time run time per period, us, out of the parent's (CONFIG_RT_GROUP_SCHED)"),
        CARRY(.name = "cpu.uclamp.min", .version = V1, .controller = "cpu",
              .grammar = GRAM_PERCENT, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0.00",
              .counterpart = "cpu.uclamp.min",
              .note = "utilization clamp, percent (CONFIG_UCLAMP_TASK_GROUP)"),
        CARRY(.name = "cpu.uclamp.max", .version = V1, .controller = "cpu",
              .grammar = GRAM_PERCENT, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "cpu.uclamp.max",
              .note = "utilization clamp, percent (CONFIG_UCLAMP_TASK_GROUP)"),
        /* v1 cpuacct */
        NOT_LIMIT("cpuacct.usage", V1, "cpuacct", 0, "resets the usage counter (0 is the only value accepted)"),
        /* v1 cpuset */
        CARRY(.name = "cpuset.cpus", .version = V1, .controller = "cpuset",
              .grammar = GRAM_CPULIST, .min = 0, .max = 0, .order = ORDER_CPUSET,
              .flags = RES,
              .dflt_kind = DFLT_NONE, .dflt = NULL,
              .counterpart = "cpuset.cpus",
              .note = "the group's CPUs, a subset of the parent's; a new cpuset starts empty and refuses tasks"),
        CARRY(.name = "cpuset.mems", .version = V1, .controller = "cpuset",
              .grammar = GRAM_CPULIST, .min = 0, .max = 0, .order = ORDER_CPUSET,
              .flags = RES,
              .dflt_kind = DFLT_NONE, .dflt = NULL,
              .counterpart = "cpuset.mems",
              .note = "the group's memory nodes, as cpuset.cpus"),
        CARRY(.name = "cpuset.memory_migrate", .version = V1, .controller = "cpuset",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "pages move when mems change (cgroup v2 always moves them)"),
        CARRY(.name = "cpuset.mem_hardwall", .version = V1, .controller = "cpuset",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "kernel allocations too stay on the group's mems"),
        CARRY(.name = "cpuset.memory_spread_page", .version = V1, .controller = "cpuset",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "page cache spread over the group's mems"),
        CARRY(.name = "cpuset.memory_spread_slab", .version = V1, .controller = "cpuset",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "slab caches spread over the group's mems"),
        NEVER("cpuset.cpu_exclusive", V1, "cpuset", 0, EXCL_CPUS),
        NEVER("cpuset.mem_exclusive", V1, "cpuset", 0, "reserves memory nodes against cgroups outside the sub-tree"),
        NEVER("cpuset.sched_load_balance", V1, "cpuset", 0, SCHED_DOMAINS),
        NEVER("cpuset.sched_relax_domain_level", V1, "cpuset", 0, SCHED_DOMAINS),
        NEVER("cpuset.memory_pressure_enabled", V1, "cpuset", PROP_ROOT_ONLY, "a switch for the whole host"),
        /* v1 memory */
        CARRY(.name = "memory.limit_in_bytes", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_MEMORY,
              .flags = BYTES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = "memory.max",
              .note = "memory limit"),
        CARRY(.name = "memory.memsw.limit_in_bytes", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_MEMORY,
              .flags = BYTES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = "memory.swap.max",
              .note = "memory and swap limit (with swap accounting)"),
        CARRY(.name = "memory.soft_limit_in_bytes", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = "memory.low",
              .note = "what reclaim brings the group back to under pressure"),
        CARRY(.name = "memory.kmem.tcp.limit_in_bytes", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_NEG1,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = NULL,
              .note = "TCP buffer memory limit"),
        CARRY(.name = "memory.swappiness", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = 200, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "how readily reclaim swaps"),
        CARRY(.name = "memory.oom_control", .version = V1, .controller = "memory",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "1: no OOM kill in the group, its tasks wait instead; reads three lines, written as the first number"),
        CARRY(.name = "memory.use_hierarchy", .version = V1, .controller = "memory",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_EARLY,
              .flags = 0,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "hierarchical accounting; current kernels accept only 1"),
        CARRY(.name = "memory.move_charge_at_immigrate", .version = V1, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = 3, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "charges move with a task that moves in (deprecated; recent kernels accept only 0)"),
        NEVER("memory.kmem.limit_in_bytes", V1, "memory", 0,
              "no kernel-memory limit since 5.16 (a write is ignored or refused): carrying it would fail or pretend"),
        NEVER("memory.force_empty", V1, "memory", 0, "an action: reclaims every page of the group"),
        NEVER("memory.shown_ram_in_bytes", V1, "memory", 0,
              "in no upstream kernel (the vendor kernel of this project's CI host): what a write does is unknown"),
        NOT_LIMIT("memory.failcnt", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.max_usage_in_bytes", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.memsw.failcnt", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.memsw.max_usage_in_bytes", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.kmem.failcnt", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.kmem.max_usage_in_bytes", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.kmem.tcp.failcnt", V1, "memory", 0, RESETS),
        NOT_LIMIT("memory.kmem.tcp.max_usage_in_bytes", V1, "memory", 0, RESETS),
        NOT_LIMIT("cgroup.event_control", V1, "memory", 0,
                  "registers an eventfd of the writing process; nothing stays set"),
        /* v1 devices, freezer */
        NEVER("devices.allow", V1, "devices", 0, DEVICES),
        NEVER("devices.deny", V1, "devices", 0, DEVICES),
        NEVER("freezer.state", V1, "freezer", 0, FREEZES),
        /* v1 net_cls, net_prio */
        CARRY(.name = "net_cls.classid", .version = V1, .controller = "net_cls",
              .grammar = GRAM_INT, .min = 0, .max = UINT32_MAX, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "class id of the group's packets (tc, iptables)"),
        CARRY(.name = "net_prio.ifpriomap", .version = V1, .controller = "net_prio",
              .grammar = GRAM_IFPRIOMAP, .min = 0, .max = UINT32_MAX, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "priority of the group's packets per network device of the host's initial network namespace"),
        /* v1 blkio */
        CARRY(.name = "blkio.weight", .version = V1, .controller = "blkio",
              .grammar = GRAM_INT, .min = 10, .max = 1000, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "500",
              .counterpart = "io.weight",
              .note = "CFQ weight (kernels before 5.0)"),
        CARRY(.name = "blkio.weight_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = 1000, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.weight",
              .note = "CFQ weight per device (kernels before 5.0)"),
        CARRY(.name = "blkio.leaf_weight", .version = V1, .controller = "blkio",
              .grammar = GRAM_INT, .min = 10, .max = 1000, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "500",
              .counterpart = NULL,
              .note = "CFQ weight of the group's own tasks against its children (kernels before 5.0)"),
        CARRY(.name = "blkio.leaf_weight_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = 1000, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = NULL,
              .note = "the same per device (kernels before 5.0)"),
        CARRY(.name = "blkio.bfq.weight", .version = V1, .controller = "blkio",
              .grammar = GRAM_INT, .min = 1, .max = 1000, .order = ORDER_EARLY,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "100",
              .counterpart = "io.bfq.weight",
              .note = "BFQ weight; before the per-device weights, which a later write of it resets"),
        CARRY(.name = "blkio.bfq.weight_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_IO_WEIGHT, .min = 1, .max = 1000, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.bfq.weight",
              .note = "BFQ weight per device; its \"default\" line is blkio.bfq.weight and is not saved"),
        CARRY(.name = "blkio.throttle.read_bps_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.max",
              .note = "read bytes per second per device (rbps)"),
        CARRY(.name = "blkio.throttle.write_bps_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.max",
              .note = "written bytes per second per device (wbps)"),
        CARRY(.name = "blkio.throttle.read_iops_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = UINT32_MAX, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.max",
              .note = "reads per second per device (riops)"),
        CARRY(.name = "blkio.throttle.write_iops_device", .version = V1, .controller = "blkio",
              .grammar = GRAM_DEV_VALUE, .min = 0, .max = UINT32_MAX, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "io.max",
              .note = "writes per second per device (wiops)"),
        CARRY(.name = "blkio.prio.class", .version = V1, .controller = "blkio",
              .grammar = GRAM_WORD, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "no-change",
              .keys = PRIO_CLASSES,
              .counterpart = "io.prio.class",
              .note = "I/O priority class policy (CONFIG_BLK_CGROUP_IOPRIO)"),
        NOT_LIMIT("blkio.reset_stats", V1, "blkio", 0, RESETS),
        /* v1 hugetlb: hugetlb.<size>.* */
        CARRY(.name = "hugetlb.*.limit_in_bytes", .version = V1, .controller = "hugetlb",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_NEG1 | PROP_PATTERN,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = "hugetlb.*.max",
              .note = "huge page limit"),
        CARRY(.name = "hugetlb.*.rsvd.limit_in_bytes", .version = V1, .controller = "hugetlb",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_NEG1 | PROP_PATTERN,
              .dflt_kind = DFLT_UNLIMITED, .dflt = NULL,
              .counterpart = "hugetlb.*.rsvd.max",
              .note = "huge page reservation limit (5.7)"),
        NOT_LIMIT("hugetlb.*.failcnt", V1, "hugetlb", PROP_PATTERN, RESETS),
        NOT_LIMIT("hugetlb.*.max_usage_in_bytes", V1, "hugetlb", PROP_PATTERN, RESETS),
        NOT_LIMIT("hugetlb.*.rsvd.failcnt", V1, "hugetlb", PROP_PATTERN, RESETS),
        NOT_LIMIT("hugetlb.*.rsvd.max_usage_in_bytes", V1, "hugetlb", PROP_PATTERN, RESETS),
        /* v1 pids, rdma, misc */
        CARRY(.name = "pids.max", .version = V1, .controller = "pids",
              .grammar = GRAM_INT, .min = 0, .max = 4194304, .order = ORDER_NORMAL,
              .flags = RES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "pids.max",
              .note = "task limit (4194304 is the kernel's PID_MAX_LIMIT)"),
        CARRY(.name = "rdma.max", .version = V1, .controller = "rdma",
              .grammar = GRAM_NAME_KEYS, .min = 0, .max = INT32_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "max",
              .keys = "hca_handle hca_object",
              .counterpart = "rdma.max",
              .note = "RDMA handles and objects per device"),
        CARRY(.name = "misc.max", .version = V1, .controller = "misc",
              .grammar = GRAM_NAME_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "max",
              .counterpart = "misc.max",
              .note = "limit per misc resource (sev, sev_es, tdx)"),

        /* ---- cgroup v2: every cgroup ---- */
        CARRY(.name = "cgroup.type", .version = V2, .controller = NULL,
              .grammar = GRAM_THREADED, .min = 0, .max = 0, .order = ORDER_TYPE,
              .flags = 0,
              .dflt_kind = DFLT_VALUE, .dflt = "domain",
              .counterpart = NULL,
              .note = "threaded mode of the sub-tree; the kernel makes \"domain threaded\" and \"domain invalid\" itself"),
        CARRY(.name = "cgroup.subtree_control", .version = V2, .controller = NULL,
              .grammar = GRAM_CONTROLLERS, .min = 0, .max = 0, .order = ORDER_SUBTREE,
              .flags = 0,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = NULL,
              .note = "the controllers the children get; only ever added"),
        CARRY(.name = "cgroup.max.depth", .version = V2, .controller = NULL,
              .grammar = GRAM_INT, .min = 0, .max = INT32_MAX, .order = ORDER_LAST,
              .flags = PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = NULL,
              .note = "depth limit of the sub-tree"),
        CARRY(.name = "cgroup.max.descendants", .version = V2, .controller = NULL,
              .grammar = GRAM_INT, .min = 0, .max = INT32_MAX, .order = ORDER_LAST,
              .flags = PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = NULL,
              .note = "size limit of the sub-tree"),
        CARRY(.name = "cgroup.pressure", .version = V2, .controller = NULL,
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "1",
              .counterpart = NULL,
              .note = "PSI accounting of this group alone on or off (6.1; not inherited)"),
        NEVER("cgroup.procs", V2, NULL, 0, MOVES_PROCS),
        NEVER("cgroup.threads", V2, NULL, 0, MOVES_THREADS),
        NEVER("cgroup.kill", V2, NULL, 0, "an action: kills every process of the sub-tree"),
        NEVER("cgroup.freeze", V2, NULL, 0, FREEZES),
        NOT_LIMIT("cpu.pressure", V2, NULL, 0, TRIGGER),
        NOT_LIMIT("io.pressure", V2, NULL, 0, TRIGGER),
        NOT_LIMIT("memory.pressure", V2, NULL, 0, TRIGGER),
        NOT_LIMIT("irq.pressure", V2, NULL, 0, TRIGGER),
        /* v2 cpu */
        CARRY(.name = "cpu.weight", .version = V2, .controller = "cpu",
              .grammar = GRAM_INT, .min = 1, .max = 10000, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "100",
              .counterpart = "cpu.shares",
              .note = "CPU weight among siblings"),
        CARRY(.name = "cpu.max", .version = V2, .controller = "cpu",
              .grammar = GRAM_CPU_MAX, .min = 1000, .max = US_MAX, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "max 100000",
              .counterpart = "cpu.cfs_quota_us",
              .note = "bandwidth: run time per period and the period, us"),
        CARRY(.name = "cpu.max.burst", .version = V2, .controller = "cpu",
              .grammar = GRAM_INT, .min = 0, .max = US_MAX, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = "cpu.cfs_burst_us",
              .note = "run time a period may borrow from earlier ones, us"),
        CARRY(.name = "cpu.idle", .version = V2, .controller = "cpu",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = "cpu.idle",
              .note = "the group's tasks run as SCHED_IDLE"),
        CARRY(.name = "cpu.uclamp.min", .version = V2, .controller = "cpu",
              .grammar = GRAM_PERCENT, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0.00",
              .counterpart = "cpu.uclamp.min",
              .note = "utilization clamp, percent (CONFIG_UCLAMP_TASK_GROUP)"),
        CARRY(.name = "cpu.uclamp.max", .version = V2, .controller = "cpu",
              .grammar = GRAM_PERCENT, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "cpu.uclamp.max",
              .note = "utilization clamp, percent (CONFIG_UCLAMP_TASK_GROUP)"),
        NEVER("cpu.weight.nice", V2, "cpu", 0, "another view of cpu.weight, which carries the same setting"),
        /* v2 cpuset */
        CARRY(.name = "cpuset.cpus", .version = V2, .controller = "cpuset",
              .grammar = GRAM_CPULIST, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "cpuset.cpus",
              .note = "the group's CPUs (empty: the parent's)"),
        CARRY(.name = "cpuset.mems", .version = V2, .controller = "cpuset",
              .grammar = GRAM_CPULIST, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .counterpart = "cpuset.mems",
              .note = "the group's memory nodes (empty: the parent's)"),
        NEVER("cpuset.cpus.partition", V2, "cpuset", 0, "takes CPUs away from the rest of the host"),
        NEVER("cpuset.cpus.exclusive", V2, "cpuset", 0, EXCL_CPUS),
        /* v2 memory */
        CARRY(.name = "memory.min", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "memory protection, hard"),
        CARRY(.name = "memory.low", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = "memory.soft_limit_in_bytes",
              .note = "memory protection, best effort"),
        CARRY(.name = "memory.high", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = NULL,
              .note = "memory throttling limit"),
        CARRY(.name = "memory.max", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "memory.limit_in_bytes",
              .note = "memory limit"),
        CARRY(.name = "memory.swap.high", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = NULL,
              .note = "swap throttling limit"),
        CARRY(.name = "memory.swap.max", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "memory.memsw.limit_in_bytes",
              .note = "swap limit"),
        CARRY(.name = "memory.zswap.max", .version = V2, .controller = "memory",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = NULL,
              .note = "zswap pool limit"),
        CARRY(.name = "memory.zswap.writeback", .version = V2, .controller = "memory",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_PARENT, .dflt = NULL,
              .counterpart = NULL,
              .note = "zswap may write pages back to swap (6.8)"),
        CARRY(.name = "memory.oom.group", .version = V2, .controller = "memory",
              .grammar = GRAM_BOOL, .min = 0, .max = 1, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "0",
              .counterpart = NULL,
              .note = "the OOM killer kills the group as a whole"),
        NEVER("memory.reclaim", V2, "memory", 0, "an action: reclaims the workload's memory"),
        NOT_LIMIT("memory.peak", V2, "memory", 0, "resets the peak seen through the writer's file descriptor (6.12)"),
        NOT_LIMIT("memory.swap.peak", V2, "memory", 0, "resets the peak seen through the writer's file descriptor (6.12)"),
        /* v2 io */
        CARRY(.name = "io.weight", .version = V2, .controller = "io",
              .grammar = GRAM_IO_WEIGHT, .min = 1, .max = 10000, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "default 100",
              .counterpart = "blkio.weight",
              .note = "io.cost weight, default and per device"),
        CARRY(.name = "io.bfq.weight", .version = V2, .controller = "io",
              .grammar = GRAM_IO_WEIGHT, .min = 1, .max = 1000, .order = ORDER_NORMAL,
              .flags = MULTI,
              .dflt_kind = DFLT_VALUE, .dflt = "default 100",
              .counterpart = "blkio.bfq.weight",
              .note = "BFQ weight, the default line first, then per device"),
        CARRY(.name = "io.max", .version = V2, .controller = "io",
              .grammar = GRAM_DEV_KEYS, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .keys = "rbps wbps riops wiops",
              .counterpart = "blkio.throttle.*",
              .note = "bytes and operations per second per device"),
        CARRY(.name = "io.latency", .version = V2, .controller = "io",
              .grammar = GRAM_DEV_KEYS, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "",
              .keys = "target",
              .counterpart = NULL,
              .note = "latency target per device, us (CONFIG_BLK_CGROUP_IOLATENCY)"),
        CARRY(.name = "io.prio.class", .version = V2, .controller = "io",
              .grammar = GRAM_WORD, .min = 0, .max = 0, .order = ORDER_NORMAL,
              .flags = RES,
              .dflt_kind = DFLT_VALUE, .dflt = "no-change",
              .keys = PRIO_CLASSES,
              .counterpart = "blkio.prio.class",
              .note = "I/O priority class policy (CONFIG_BLK_CGROUP_IOPRIO)"),
        NEVER("io.cost.qos", V2, "io", PROP_ROOT_ONLY, "configures a device for the whole host"),
        NEVER("io.cost.model", V2, "io", PROP_ROOT_ONLY, "configures a device for the whole host"),
        /* v2 pids, hugetlb, rdma, misc, dmem */
        CARRY(.name = "pids.max", .version = V2, .controller = "pids",
              .grammar = GRAM_INT, .min = 0, .max = 4194304, .order = ORDER_NORMAL,
              .flags = RES | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "pids.max",
              .note = "task limit (4194304 is the kernel's PID_MAX_LIMIT)"),
        CARRY(.name = "hugetlb.*.max", .version = V2, .controller = "hugetlb",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX | PROP_PATTERN,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "hugetlb.*.limit_in_bytes",
              .note = "huge page limit"),
        CARRY(.name = "hugetlb.*.rsvd.max", .version = V2, .controller = "hugetlb",
              .grammar = GRAM_INT, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = BYTES | PROP_ALLOW_MAX | PROP_PATTERN,
              .dflt_kind = DFLT_VALUE, .dflt = "max",
              .counterpart = "hugetlb.*.rsvd.limit_in_bytes",
              .note = "huge page reservation limit"),
        CARRY(.name = "rdma.max", .version = V2, .controller = "rdma",
              .grammar = GRAM_NAME_KEYS, .min = 0, .max = INT32_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "max",
              .keys = "hca_handle hca_object",
              .counterpart = "rdma.max",
              .note = "RDMA handles and objects per device"),
        CARRY(.name = "misc.max", .version = V2, .controller = "misc",
              .grammar = GRAM_NAME_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "max",
              .counterpart = "misc.max",
              .note = "limit per misc resource (sev, sev_es, tdx)"),
        CARRY(.name = "dmem.max", .version = V2, .controller = "dmem",
              .grammar = GRAM_NAME_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "max",
              .counterpart = NULL,
              .note = "device memory limit per region, bytes (6.14)"),
        CARRY(.name = "dmem.min", .version = V2, .controller = "dmem",
              .grammar = GRAM_NAME_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "0",
              .counterpart = NULL,
              .note = "device memory protection per region, hard, bytes (6.14)"),
        CARRY(.name = "dmem.low", .version = V2, .controller = "dmem",
              .grammar = GRAM_NAME_VALUE, .min = 0, .max = INT64_MAX, .order = ORDER_NORMAL,
              .flags = MULTI | PROP_ALLOW_MAX,
              .dflt_kind = DFLT_LINES, .dflt = "0",
              .counterpart = NULL,
              .note = "device memory protection per region, best effort, bytes (6.14)"),
};
/* clang-format on */

size_t prop_count(void)
{
        return ARRAY_SIZE(props);
}

const struct prop_def *prop_at(size_t i)
{
        return i < ARRAY_SIZE(props) ? &props[i] : NULL;
}

const char *prop_class_name(enum prop_class c)
{
        static const char *const names[PROP_CLASS_MAX] = {
                [PROP_CARRIED] = "carried",
                [PROP_NEVER] = "never",
                [PROP_NOT_LIMIT] = "not-a-limit",
        };
        return c < PROP_CLASS_MAX ? names[c] : "?";
}

static const struct prop_def *find(const char *name, bool any_version, enum cg_version v);

const char *prop_never_reason(const char *name)
{
        /* DESIGN names devices.* as a whole, devices.list included */
        if (startswith(name, "devices."))
                return DEVICES;
        const struct prop_def *d = find(name, true, V1);
        return d && d->class != PROP_CARRIED ? d->note : NULL;
}

bool prop_is_forbidden(const char *name)
{
        return prop_never_reason(name) != NULL;
}

bool prop_value_is_unlimited(const char *v)
{
        if (!v || streq(v, "-1") || streq(v, "max"))
                return true;
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        return !errno && end != v && !*end && n >= PROP_V1_UNLIMITED_FLOOR;
}

bool prop_is_default(const struct prop_def *def, const char *value)
{
        switch (def->dflt_kind) {
        case DFLT_VALUE:
                if (def->grammar == GRAM_THREADED)
                        return !streq(value, "threaded");
                return streq(value, def->dflt);
        case DFLT_UNLIMITED:
                return prop_value_is_unlimited(value) && !streq(value, "max");
        case DFLT_NONE:
        case DFLT_PARENT:
        case DFLT_SYSCTL:
        case DFLT_LINES:
        case DFLT_MAX:
        default:
                return false;
        }
}

/* "2MB", "1GB", "64KB": the kernel's hugepage size tokens. */
static bool hugepage_size_valid(const char *s, size_t n)
{
        size_t d = 0;
        while (d < n && isdigit((unsigned char)s[d]))
                d++;
        if (d == 0 || d > 4 || n - d != 2)
                return false;
        return (s[d] == 'K' || s[d] == 'M' || s[d] == 'G') && s[d + 1] == 'B';
}

static bool pattern_match(const char *pattern, const char *name)
{
        const char *star = strchr(pattern, '*');
        size_t pre = (size_t)(star - pattern), suf = strlen(star + 1), n = strlen(name);
        if (n <= pre + suf || strncmp(name, pattern, pre) != 0 ||
            strcmp(name + n - suf, star + 1) != 0)
                return false;
        return hugepage_size_valid(name + pre, n - pre - suf);
}

bool prop_name_matches(const struct prop_def *def, const char *name)
{
        /* the first byte rejects almost every entry without a call */
        if (def->name[0] != name[0])
                return false;
        return def->flags & PROP_PATTERN ? pattern_match(def->name, name) : streq(def->name, name);
}

static const struct prop_def *find(const char *name, bool any_version, enum cg_version v)
{
        for (size_t i = 0; i < ARRAY_SIZE(props); i++)
                if ((any_version || props[i].version == v) && prop_name_matches(&props[i], name))
                        return &props[i];
        return NULL;
}

const struct prop_def *prop_classify(enum cg_version v, const char *name)
{
        return find(name, false, v);
}

const struct prop_def *prop_lookup(enum cg_version v, const char *name)
{
        const struct prop_def *d = find(name, false, v);
        return d && d->class == PROP_CARRIED ? d : NULL;
}

/* Parses a decimal int64 covering exactly [s, s+n). */
static bool parse_int64(const char *s, size_t n, int64_t *ret)
{
        bool neg = false;
        uint64_t v = 0;
        size_t i = 0;
        if (n > 0 && s[0] == '-') {
                neg = true;
                i = 1;
        }
        if (i == n || n - i > 19)
                return false;
        /* no leading zeros except "0" itself: one spelling per value */
        if (s[i] == '0' && n - i > 1)
                return false;
        for (; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (uint64_t)(s[i] - '0');
        }
        if (v > (uint64_t)INT64_MAX)
                return false;
        if (neg && v == 0)
                return false;
        *ret = neg ? -(int64_t)v : (int64_t)v;
        return true;
}

/* An integer or "max" in [min, max], honouring the flags. */
static bool int_token_ok(const struct prop_def *d, const char *s, size_t n, int64_t min,
                         int64_t max)
{
        int64_t v;
        if (n == 3 && strncmp(s, "max", 3) == 0)
                return d->flags & PROP_ALLOW_MAX;
        if (!parse_int64(s, n, &v))
                return false;
        if (v == -1 && (d->flags & PROP_ALLOW_NEG1))
                return true;
        return v >= min && v <= max;
}

static bool cpulist_ok(const char *s, size_t n)
{
        size_t i = 0;
        if (n == 0)
                return true;
        while (i < n) {
                size_t a = i;
                while (i < n && isdigit((unsigned char)s[i]))
                        i++;
                int64_t lo, hi;
                if (!parse_int64(s + a, i - a, &lo) || lo > 65535)
                        return false;
                hi = lo;
                if (i < n && s[i] == '-') {
                        size_t b = ++i;
                        while (i < n && isdigit((unsigned char)s[i]))
                                i++;
                        if (!parse_int64(s + b, i - b, &hi) || hi > 65535 || hi < lo)
                                return false;
                }
                if (i == n)
                        return true;
                if (s[i] != ',' || i + 1 == n)
                        return false;
                i++;
        }
        return false;
}

static bool dev_ok(const char *s, size_t n)
{
        const char *colon = memchr(s, ':', n);
        int64_t maj, min;
        if (!colon)
                return false;
        return parse_int64(s, (size_t)(colon - s), &maj) && maj >= 0 && maj <= 4095 &&
               parse_int64(colon + 1, n - (size_t)(colon - s) - 1, &min) && min >= 0 &&
               min <= 1048575;
}

/* An RDMA device, misc resource or dmem region: printable, no '=' (the
 * keys' separator), at most 255 bytes (dmem regions are "drm/PCI-ID/vram0"). */
static bool resource_name_ok(const char *s, size_t n)
{
        if (n == 0 || n > 255)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!isgraph((unsigned char)s[i]) || s[i] == '=')
                        return false;
        return true;
}

/* True when [s, s+n) is one of the space-separated words of list. */
static bool word_in(const char *list, const char *s, size_t n)
{
        for (const char *p = list; *p;) {
                size_t l = strcspn(p, " ");
                if (l == n && strncmp(p, s, n) == 0)
                        return true;
                p += l;
                p += strspn(p, " ");
        }
        return false;
}

static bool percent_ok(const char *s, size_t n)
{
        if (n == 3 && strncmp(s, "max", 3) == 0)
                return true;
        /* "N", "N.N" or "N.NN", 0..100 */
        size_t i = 0;
        int64_t whole;
        while (i < n && isdigit((unsigned char)s[i]))
                i++;
        if (!parse_int64(s, i, &whole) || whole > 100)
                return false;
        if (i == n)
                return true;
        if (s[i] != '.' || n - i - 1 == 0 || n - i - 1 > 2)
                return false;
        for (size_t j = i + 1; j < n; j++)
                if (!isdigit((unsigned char)s[j]))
                        return false;
        return whole < 100 || strspn(s + i + 1, "0") == n - i - 1;
}

/* " key=N key=N": each key one of d->keys, each N in [min, max] or "max". */
static bool keys_ok(const struct prop_def *d, const char *p, const char *end)
{
        struct prop_def withmax = *d;
        withmax.flags |= PROP_ALLOW_MAX;
        if (p == end)
                return false;
        while (p < end) {
                if (*p != ' ')
                        return false;
                p++;
                const char *e = memchr(p, ' ', (size_t)(end - p));
                if (!e)
                        e = end;
                const char *eq = memchr(p, '=', (size_t)(e - p));
                if (!eq || !word_in(d->keys, p, (size_t)(eq - p)) ||
                    !int_token_ok(&withmax, eq + 1, (size_t)(e - eq - 1), d->min, d->max))
                        return false;
                p = e;
        }
        return true;
}

static const char *check_line(const struct prop_def *d, const char *s, size_t n)
{
        const char *sp = memchr(s, ' ', n);
        size_t head = sp ? (size_t)(sp - s) : n;
        switch (d->grammar) {
        case GRAM_DEV_VALUE:
                if (!sp || !dev_ok(s, head) ||
                    !int_token_ok(d, sp + 1, n - head - 1, d->min, d->max))
                        return "expected \"MAJ:MIN value\" lines";
                return NULL;
        case GRAM_IO_WEIGHT:
                if (!sp || !((head == 7 && strncmp(s, "default", 7) == 0) || dev_ok(s, head)) ||
                    !int_token_ok(d, sp + 1, n - head - 1, d->min, d->max))
                        return "expected \"default N\" or \"MAJ:MIN N\" lines, N in range";
                return NULL;
        case GRAM_DEV_KEYS:
                if (!dev_ok(s, head) || !keys_ok(d, s + head, s + n))
                        return "expected \"MAJ:MIN key=value ...\" lines with the file's keys";
                return NULL;
        case GRAM_NAME_KEYS:
                if (!resource_name_ok(s, head) || !keys_ok(d, s + head, s + n))
                        return "expected \"NAME key=value ...\" lines with the file's keys";
                return NULL;
        case GRAM_NAME_VALUE:
                if (!sp || !resource_name_ok(s, head) ||
                    !int_token_ok(d, sp + 1, n - head - 1, d->min, d->max))
                        return "expected \"NAME value\" lines";
                return NULL;
        case GRAM_IFPRIOMAP: {
                if (!sp || sp == s || head > 15)
                        return "expected \"ifname priority\" lines";
                for (const char *c = s; c < sp; c++)
                        if (*c == '/' || *c == ':' || !isgraph((unsigned char)*c))
                                return "expected \"ifname priority\" lines";
                if (!int_token_ok(d, sp + 1, n - head - 1, d->min, d->max))
                        return "expected \"ifname priority\" lines";
                return NULL;
        }
        default:
                return "not a multi-line property";
        }
}

static const char *check(const struct prop_def *d, const char *v, size_t n)
{
        switch (d->grammar) {
        case GRAM_INT: {
                int64_t x;
                if (int_token_ok(d, v, n, d->min, d->max))
                        return NULL;
                if ((n == 3 && strncmp(v, "max", 3) == 0) || parse_int64(v, n, &x))
                        return "out of range";
                return "expected a plain integer (no unit suffix)";
        }
        case GRAM_BOOL:
                return n == 1 && (v[0] == '0' || v[0] == '1') ? NULL : "expected 0 or 1";
        case GRAM_CPULIST:
                return cpulist_ok(v, n) ? NULL : "expected a list such as 0-3,5";
        case GRAM_CPU_MAX: {
                const char *sp = memchr(v, ' ', n);
                size_t ql = sp ? (size_t)(sp - v) : n;
                struct prop_def q = *d;
                q.flags |= PROP_ALLOW_MAX;
                if (!int_token_ok(&q, v, ql, d->min, d->max))
                        return "expected \"max\" or a quota in microseconds, then a period";
                if (sp && !int_token_ok(d, sp + 1, n - ql - 1, 1000, 1000000))
                        return "period out of range 1000..1000000";
                return NULL;
        }
        case GRAM_PERCENT:
                return percent_ok(v, n) ? NULL : "expected \"max\" or a percentage";
        case GRAM_CONTROLLERS: {
                const char *p = v, *end = v + n;
                while (p < end) {
                        const char *e = memchr(p, ' ', (size_t)(end - p));
                        if (!e)
                                e = end;
                        char name[16];
                        size_t l = (size_t)(e - p);
                        if (l == 0 || l >= sizeof(name))
                                return "expected controller names separated by spaces";
                        memcpy(name, p, l);
                        name[l] = '\0';
                        if (!v2_controller_known(name))
                                return "unknown controller";
                        p = e + 1;
                }
                return NULL;
        }
        case GRAM_THREADED:
                return n == 8 && strncmp(v, "threaded", 8) == 0 ? NULL : "only \"threaded\"";
        case GRAM_WORD:
                return n > 0 && !memchr(v, ' ', n) && word_in(d->keys, v, n)
                               ? NULL
                               : "not one of the words the file takes";
        case GRAM_DEV_VALUE:
        case GRAM_IO_WEIGHT:
        case GRAM_DEV_KEYS:
        case GRAM_NAME_KEYS:
        case GRAM_NAME_VALUE:
        case GRAM_IFPRIOMAP: {
                const char *p = v, *end = v + n;
                while (p < end) {
                        const char *e = memchr(p, '\n', (size_t)(end - p));
                        if (!e)
                                e = end;
                        const char *why = check_line(d, p, (size_t)(e - p));
                        if (why)
                                return why;
                        p = e + 1;
                }
                return NULL;
        }
        case GRAM_NONE:
        case GRAM_MAX:
        default:
                return "not a property cgbind writes";
        }
}

int prop_check_value(const struct prop_def *def, const char *value, char **ret_canonical,
                     const char **ret_reason)
{
        size_t n = strlen(value);
        if (n > CGBIND_MAX_VALUE) {
                *ret_reason = "value longer than 64 KiB";
                return -EINVAL;
        }
        if (!(def->flags & PROP_MULTILINE) && memchr(value, '\n', n)) {
                *ret_reason = "newline in a single-line value";
                return -EINVAL;
        }
        const char *why =
                def->class == PROP_CARRIED ? check(def, value, n) : "not a property cgbind writes";
        if (why) {
                *ret_reason = why;
                return -EINVAL;
        }
        if (ret_canonical)
                *ret_canonical = xstrdup(value);
        return 0;
}

/* ---- what save records ---- */

char *prop_from_kernel(const struct prop_def *def, const char *raw)
{
        /* "oom_kill_disable 1\nunder_oom 0\noom_kill 0": the switch is the
         * first number, the rest is state (CRIU records the same) */
        if (def->grammar == GRAM_BOOL && startswith(raw, "oom_kill_disable "))
                return xstrndup(raw + strlen("oom_kill_disable "),
                                strcspn(raw + strlen("oom_kill_disable "), "\n"));
        return xstrdup(raw);
}

/* True when every value in the line (after its name: " key=V ..." or " V")
 * is dflt. */
static bool line_all(const char *line, size_t n, const char *dflt)
{
        const char *sp = memchr(line, ' ', n);
        if (!sp)
                return false;
        size_t dl = strlen(dflt);
        for (const char *p = sp + 1, *end = line + n; p < end;) {
                const char *e = memchr(p, ' ', (size_t)(end - p));
                if (!e)
                        e = end;
                const char *eq = memchr(p, '=', (size_t)(e - p));
                const char *val = eq ? eq + 1 : p;
                if ((size_t)(e - val) != dl || strncmp(val, dflt, dl) != 0)
                        return false;
                p = e + 1;
        }
        return true;
}

/* True when the exact line [line, line+n) is one of the lines of text. */
static bool has_line(const char *text, const char *line, size_t n)
{
        for (const char *p = text; p && *p;) {
                size_t l = strcspn(p, "\n");
                if (l == n && strncmp(p, line, n) == 0)
                        return true;
                p += l;
                p += *p == '\n';
        }
        return false;
}

enum line_rule {
        KEEP_ALL_DFLT,  /* drop lines whose values all read the default */
        KEEP_NEW,       /* drop lines that the parent has as they are */
        KEEP_NON_ZERO,  /* drop " 0" lines */
        KEEP_NO_DEFAULT /* drop the "default N" line */
};

/* v with the lines the rule says a new cgroup would have taken out, in place. */
static void drop_lines(char *v, enum line_rule rule, const char *arg)
{
        char *out = v;
        for (char *p = v; *p;) {
                size_t l = strcspn(p, "\n");
                bool drop = false;
                switch (rule) {
                case KEEP_ALL_DFLT:
                        drop = line_all(p, l, arg);
                        break;
                case KEEP_NEW:
                        drop = has_line(arg, p, l);
                        break;
                case KEEP_NON_ZERO:
                        drop = l >= 2 && p[l - 1] == '0' && p[l - 2] == ' ';
                        break;
                case KEEP_NO_DEFAULT:
                        drop = startswith(p, "default ");
                        break;
                default:
                        break;
                }
                if (!drop) {
                        if (out != v)
                                *out++ = '\n';
                        memmove(out, p, l);
                        out += l;
                }
                p += l;
                if (*p)
                        p++;
        }
        *out = '\0';
}

char *prop_value_to_save(const struct prop_def *def, const char *raw, const char *inherited)
{
        _cleanup_free_ char *v = prop_from_kernel(def, raw);
        bool dflt = false;
        switch (def->dflt_kind) {
        case DFLT_NONE:
                break;
        case DFLT_VALUE:
                /* the "default N" line of blkio.bfq.weight_device is
                 * blkio.bfq.weight, which is saved on its own */
                if (def->grammar == GRAM_IO_WEIGHT && def->version == CG_V1)
                        drop_lines(v, KEEP_NO_DEFAULT, NULL);
                dflt = prop_is_default(def, v);
                break;
        case DFLT_UNLIMITED:
                dflt = prop_is_default(def, v);
                break;
        case DFLT_PARENT:
        case DFLT_SYSCTL: {
                if (!inherited) {
                        /* the root's priorities are 0: the rest is the host's interface list */
                        if (def->grammar == GRAM_IFPRIOMAP)
                                drop_lines(v, KEEP_NON_ZERO, NULL);
                        dflt = def->grammar == GRAM_IFPRIOMAP && !v[0];
                        break;
                }
                _cleanup_free_ char *p = prop_from_kernel(def, inherited);
                /* ifpriomap is inherited line by line (one line per device) */
                if (def->grammar == GRAM_IFPRIOMAP) {
                        drop_lines(v, KEEP_NEW, p);
                        dflt = !v[0];
                } else {
                        dflt = streq(v, p);
                }
                break;
        }
        case DFLT_LINES:
                drop_lines(v, KEEP_ALL_DFLT, def->dflt);
                dflt = !v[0];
                break;
        case DFLT_MAX:
        default:
                break;
        }
        return dflt ? NULL : TAKE_PTR(v);
}

bool cgroup_name_valid(const char *name, size_t len, const char **ret_reason)
{
        if (len == 0) {
                *ret_reason = "empty name";
                return false;
        }
        if (len > CGBIND_MAX_NAME) {
                *ret_reason = "name longer than 255 bytes";
                return false;
        }
        if (utf8_valid_prefix(name, len) != len) {
                *ret_reason = "name is not valid UTF-8";
                return false;
        }
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)name[i];
                if (c == '/' || c < 0x20 || c == 0x7f) {
                        *ret_reason = "name contains '/' or a control character";
                        return false;
                }
        }
        if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.')) {
                *ret_reason = "name is . or ..";
                return false;
        }
        if (len >= 7 && strncmp(name, "cgroup.", 7) == 0) {
                *ret_reason = "name starts with cgroup.";
                return false;
        }
        /* Every interface file, controller prefix and unit suffix below has a
         * dot, except three forbidden names: a name without a dot needs no more. */
        if (!memchr(name, '.', len)) {
                static const char *const dotless[] = { "tasks", "release_agent",
                                                       "notify_on_release" };
                for (size_t i = 0; i < ARRAY_SIZE(dotless); i++)
                        if (strlen(dotless[i]) == len && memcmp(name, dotless[i], len) == 0) {
                                *ret_reason = "name is that of an interface file";
                                return false;
                        }
                return true;
        }
        /* A directory named like an interface file of any controller would
         * shadow it (mkdir fails with EEXIST or, worse, it confuses readers). */
        char buf[256];
        memcpy(buf, name, len);
        buf[len] = '\0';
        if (prop_is_forbidden(buf) || prop_classify(CG_V1, buf) || prop_classify(CG_V2, buf)) {
                *ret_reason = "name is that of an interface file";
                return false;
        }
        /* systemd's unit names ("cpu.slice" would be odd, but legal) are not interface files */
        static const char *const unit_suffixes[] = { ".slice", ".scope",  ".service",
                                                     ".mount", ".socket", ".swap" };
        for (size_t i = 0; i < ARRAY_SIZE(unit_suffixes); i++) {
                size_t sl = strlen(unit_suffixes[i]);
                if (len > sl && streq(buf + len - sl, unit_suffixes[i]))
                        return true;
        }
        /* the controller list is cgname.c's */
        if (controller_prefixed(buf)) {
                *ret_reason = "name is that of an interface file";
                return false;
        }
        return true;
}
