/* The property knowledge: the allowlist per version, the never-list, each
 * value grammar at its edges, and the sub-cgroup name rule. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/props.h"

#include "props-doc.h"
#include "tap.h"

static void test_lookup(void)
{
        static const struct {
                enum cg_version v;
                const char *name, *def_name, *controller;
        } found[] = {
                { CG_V1, "cpu.shares", "cpu.shares", "cpu" },
                { CG_V1, "cpu.cfs_quota_us", "cpu.cfs_quota_us", "cpu" },
                { CG_V1, "memory.limit_in_bytes", "memory.limit_in_bytes", "memory" },
                { CG_V1, "memory.memsw.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory" },
                { CG_V1, "cpuset.cpus", "cpuset.cpus", "cpuset" },
                { CG_V1, "pids.max", "pids.max", "pids" },
                { CG_V1, "blkio.throttle.read_bps_device", "blkio.throttle.read_bps_device",
                  "blkio" },
                { CG_V1, "cgroup.clone_children", "cgroup.clone_children", NULL },
                { CG_V1, "hugetlb.2MB.limit_in_bytes", "hugetlb.*.limit_in_bytes", "hugetlb" },
                { CG_V1, "hugetlb.1GB.rsvd.limit_in_bytes", "hugetlb.*.rsvd.limit_in_bytes",
                  "hugetlb" },
                { CG_V1, "hugetlb.64KB.limit_in_bytes", "hugetlb.*.limit_in_bytes", "hugetlb" },
                { CG_V2, "cpu.max", "cpu.max", "cpu" },
                { CG_V2, "cpu.weight", "cpu.weight", "cpu" },
                { CG_V2, "memory.max", "memory.max", "memory" },
                { CG_V2, "io.max", "io.max", "io" },
                { CG_V2, "pids.max", "pids.max", "pids" },
                { CG_V2, "cgroup.subtree_control", "cgroup.subtree_control", NULL },
                { CG_V2, "cgroup.type", "cgroup.type", NULL },
                { CG_V2, "cgroup.max.descendants", "cgroup.max.descendants", NULL },
                { CG_V2, "hugetlb.1GB.max", "hugetlb.*.max", "hugetlb" },
                { CG_V2, "hugetlb.2MB.max", "hugetlb.*.max", "hugetlb" },
                { CG_V2, "hugetlb.2MB.rsvd.max", "hugetlb.*.rsvd.max", "hugetlb" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(found); i++) {
                const struct prop_def *d = prop_lookup(found[i].v, found[i].name);
                ok(d && d->version == found[i].v && streq(d->name, found[i].def_name) &&
                           (found[i].controller
                                    ? d->controller && streq(d->controller, found[i].controller)
                                    : d->controller == NULL),
                   "v%d %s -> %s (%s)", found[i].v, found[i].name, found[i].def_name,
                   found[i].controller ? found[i].controller : "core");
        }

        static const struct {
                enum cg_version v;
                const char *name;
        } absent[] = {
                { CG_V2, "cpu.shares" },
                { CG_V1, "cpu.weight" },
                { CG_V1, "memory.max" },
                { CG_V2, "memory.limit_in_bytes" },
                { CG_V1, "cgroup.subtree_control" },
                { CG_V2, "cgroup.clone_children" },
                { CG_V1, "cgroup.type" },
                { CG_V2, "hugetlb.2XB.max" },
                { CG_V2, "hugetlb..max" },
                { CG_V2, "hugetlb.MB.max" },
                { CG_V2, "hugetlb.2MB" },
                { CG_V2, "hugetlb.2MB.max.extra" },
                { CG_V2, "hugetlb.2MB.2MB.max" },
                { CG_V2, "hugetlb.2mb.max" },
                { CG_V1, "hugetlb.2MB.max" },
                { CG_V2, "hugetlb.2MB.limit_in_bytes" },
                { CG_V1, "hugetlb..limit_in_bytes" },
                { CG_V1, "cpu.stat" },
                { CG_V2, "memory.current" },
                { CG_V2, "cgroup.procs" },
                { CG_V1, "tasks" },
                { CG_V1, "release_agent" },
                { CG_V1, "devices.allow" },
                { CG_V2, "" },
                { CG_V2, "cpu.max " },
        };
        for (size_t i = 0; i < ARRAY_SIZE(absent); i++)
                ok(prop_lookup(absent[i].v, absent[i].name) == NULL,
                   "v%d \"%s\" not in the allowlist", absent[i].v, absent[i].name);
}

static void test_forbidden(void)
{
        static const char *const never[] = {
                "release_agent",
                "notify_on_release",
                "tasks",
                "cgroup.procs",
                "cgroup.threads",
                "cgroup.kill",
                "cgroup.freeze",
                "devices.allow",
                "devices.deny",
                "devices.list",
                "cpuset.cpus.partition",
                "cpuset.cpus.exclusive",
                "cpuset.cpu_exclusive",
                "cpuset.mem_exclusive",
                "cpuset.sched_load_balance",
                "cpuset.sched_relax_domain_level",
                "freezer.state",
                "memory.kmem.limit_in_bytes",
                "memory.force_empty",
                "memory.reclaim",
                "cpu.weight.nice",
                "io.cost.qos",
                /* not limits: never written either */
                "memory.failcnt",
                "hugetlb.2MB.max_usage_in_bytes",
                "cpu.pressure",
                "cgroup.event_control",
                "cpuacct.usage",
        };
        for (size_t i = 0; i < ARRAY_SIZE(never); i++) {
                ok(prop_is_forbidden(never[i]), "%s is forbidden", never[i]);
                ok(prop_lookup(CG_V1, never[i]) == NULL && prop_lookup(CG_V2, never[i]) == NULL,
                   "%s is in neither allowlist", never[i]);
        }
        static const char *const fine[] = {
                "cpu.shares",        "memory.max", "cgroup.subtree_control",
                "cpuset.cpus",       "pids.max",   "memory.oom_control",
                "cpu.rt_runtime_us", "rdma.max",   "cgroup.pressure"
        };
        for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
                ok(!prop_is_forbidden(fine[i]), "%s is not forbidden", fine[i]);

        /* every forbidden name says why */
        for (size_t i = 0; i < ARRAY_SIZE(never); i++) {
                const char *why = prop_never_reason(never[i]);
                ok(why && *why, "prop_never_reason(%s): %s", never[i], why ? why : "NULL");
        }
        ok(has_str(prop_never_reason("release_agent"), "CVE-2022-0492"),
           "release_agent's reason names CVE-2022-0492");
        ok(prop_never_reason("cpu.shares") == NULL, "prop_never_reason(cpu.shares) is NULL");

        /* ret_canonical may be NULL: a check only */
        const char *why = NULL;
        ok(prop_check_value(prop_lookup(CG_V1, "cpu.shares"), "512", NULL, &why) == 0,
           "prop_check_value with ret_canonical NULL: accepted");
        ok(prop_check_value(prop_lookup(CG_V1, "cpu.shares"), "1", NULL, &why) == -EINVAL && why,
           "prop_check_value with ret_canonical NULL: refused with a reason (%s)", why);
        ok(prop_check_value(prop_classify(CG_V1, "memory.failcnt"), "0", NULL, &why) == -EINVAL,
           "prop_check_value refuses every value of a file that is not carried (%s)", why);
}

/* The table itself: one entry per (version, name), each class with what it
 * needs, and nothing the name-only lookups could confuse. */
static void test_table(void)
{
        size_t n = prop_count(), counts[2][PROP_CLASS_MAX] = { { 0 } };
        bool bad = false;
        for (size_t i = 0; i < n; i++) {
                const struct prop_def *d = prop_at(i);
                const char *why = NULL;
                /* a huge page pattern is found by any size: its 2MB file */
                char example[128];
                const char *star = strchr(d->name, '*');
                if (star)
                        snprintf(example, sizeof(example), "%.*s2MB%s", (int)(star - d->name),
                                 d->name, star + 1);
                else
                        snprintf(example, sizeof(example), "%s", d->name);
                if (d->version != CG_V1 && d->version != CG_V2)
                        why = "no cgroup version";
                else if (d->class >= PROP_CLASS_MAX)
                        why = "no class";
                else if (!d->note || !d->note[0])
                        why = "no note: what it sets, or why it is never written";
                else if (prop_classify(d->version, example) != d ||
                         !!star != !!(d->flags & PROP_PATTERN))
                        why = "another entry of the same version has the name";
                else if (d->class == PROP_CARRIED &&
                         (d->grammar == GRAM_NONE || d->grammar >= GRAM_MAX))
                        why = "carried without a grammar";
                else if (d->class != PROP_CARRIED && (d->grammar != GRAM_NONE || d->dflt))
                        why = "a grammar or default on a file cgbind never writes";
                else if (d->class == PROP_CARRIED && prop_is_forbidden(d->name))
                        why = "carried in one version, never written in the other";
                else if ((d->grammar == GRAM_WORD || d->grammar == GRAM_DEV_KEYS ||
                          d->grammar == GRAM_NAME_KEYS) != (d->keys != NULL))
                        why = "keys on a grammar without keys, or none where it needs them";
                else if (d->class == PROP_CARRIED &&
                         !!(d->flags & PROP_MULTILINE) !=
                                 (d->grammar >= GRAM_DEV_VALUE && d->grammar <= GRAM_IFPRIOMAP))
                        why = "a line grammar without one write a line, or the reverse";
                if (why) {
                        bad = true;
                        tap_diag("%s (v%d): %s", d->name, d->version, why);
                }
                if (!why)
                        counts[d->version - 1][d->class]++;
        }
        ok(!bad, "every entry of the table is whole (%zu entries)", n);
        for (int v = 0; v < 2; v++)
                tap_diag("v%d: %zu carried, %zu never, %zu not a limit", v + 1,
                         counts[v][PROP_CARRIED], counts[v][PROP_NEVER], counts[v][PROP_NOT_LIMIT]);
        ok(prop_at(n) == NULL, "prop_at past the end is NULL");
        is_str(prop_class_name(PROP_CARRIED), "carried", "class names: carried");
        is_str(prop_class_name(PROP_NEVER), "never", "class names: never");
        is_str(prop_class_name(PROP_NOT_LIMIT), "not-a-limit", "class names: not-a-limit");

        /* each counterpart is a carried file of the other version (a pattern
         * stands for its 2MB file, blkio.throttle.* for each of the four) */
        bad = false;
        for (size_t i = 0; i < n; i++) {
                const struct prop_def *d = prop_at(i);
                if (!d->counterpart)
                        continue;
                enum cg_version other = d->version == CG_V1 ? CG_V2 : CG_V1;
                char name[128];
                snprintf(name, sizeof(name), "%s", d->counterpart);
                char *star = strchr(name, '*');
                if (star && star[1] == '.') {
                        char rest[128];
                        snprintf(rest, sizeof(rest), "%s", star + 1);
                        snprintf(star, sizeof(name) - (size_t)(star - name), "2MB%s", rest);
                } else if (star) {
                        snprintf(star, sizeof(name) - (size_t)(star - name), "read_bps_device");
                }
                if (d->class != PROP_CARRIED || !prop_lookup(other, name)) {
                        bad = true;
                        tap_diag("%s (v%d): counterpart %s is no carried v%d file", d->name,
                                 d->version, d->counterpart, other);
                }
        }
        ok(!bad, "every counterpart is a carried file of the other version");

        /* every default rule is one save can apply */
        bad = false;
        for (size_t i = 0; i < n; i++) {
                const struct prop_def *d = prop_at(i);
                char *c = NULL;
                const char *why = NULL, *what = NULL;
                if (d->class != PROP_CARRIED)
                        continue;
                switch (d->dflt_kind) {
                case DFLT_VALUE:
                        if (d->grammar == GRAM_THREADED) {
                                if (!prop_is_default(d, d->dflt) || prop_is_default(d, "threaded"))
                                        what = "only threaded is not a default";
                        } else if (prop_check_value(d, d->dflt, &c, &why) < 0 ||
                                   !prop_is_default(d, d->dflt)) {
                                what = "the default fails its own grammar";
                        }
                        break;
                case DFLT_UNLIMITED:
                        /* the kernel prints unlimited as a page-size-dependent number:
                         * 4K, 16K and 64K pages, 2MB and 1GB huge pages, and -1 */
                        if (!prop_is_default(d, "9223372036854771712") ||
                            !prop_is_default(d, "9223372036854759424") ||
                            !prop_is_default(d, "9223372036854710272") ||
                            !prop_is_default(d, "9223372036852678656") ||
                            !prop_is_default(d, "9223372035781033984") ||
                            !prop_is_default(d, "-1") || prop_is_default(d, "104857600") ||
                            prop_is_default(d, "max") ||
                            prop_check_value(d, "9223372036854771712", NULL, &why) < 0)
                                what = "unlimited is not every value v1 prints for it";
                        break;
                case DFLT_PARENT:
                        if (d->dflt || prop_is_default(d, "0"))
                                what = "a parent's rule with a fixed default";
                        break;
                case DFLT_SYSCTL:
                        if (!d->dflt || !startswith(d->dflt, "/proc/sys/"))
                                what = "a sysctl rule without a /proc/sys path";
                        break;
                case DFLT_LINES:
                        if (!d->dflt || !(d->flags & PROP_MULTILINE))
                                what = "a line rule on a single-line file";
                        break;
                case DFLT_NONE:
                        if (d->dflt)
                                what = "always saved, yet a default";
                        break;
                case DFLT_MAX:
                default:
                        what = "no default rule";
                }
                if (what) {
                        bad = true;
                        tap_diag("%s (v%d): %s%s%s", d->name, d->version, what, why ? ": " : "",
                                 why ? why : "");
                }
                free(c);
        }
        ok(!bad, "every carried file's default rule holds together");

        /* the files of every layout this project tests, classified (the
         * coverage suite checks what the running kernel offers) */
        static const struct {
                enum cg_version v;
                const char *name;
                enum prop_class c;
        } cls[] = {
                { CG_V1, "memory.oom_control", PROP_CARRIED },
                { CG_V1, "cpu.rt_runtime_us", PROP_CARRIED },
                { CG_V1, "cpu.rt_period_us", PROP_CARRIED },
                { CG_V1, "memory.kmem.tcp.limit_in_bytes", PROP_CARRIED },
                { CG_V1, "rdma.max", PROP_CARRIED },
                { CG_V2, "rdma.max", PROP_CARRIED },
                { CG_V1, "misc.max", PROP_CARRIED },
                { CG_V2, "misc.max", PROP_CARRIED },
                { CG_V1, "blkio.bfq.weight_device", PROP_CARRIED },
                { CG_V2, "io.bfq.weight", PROP_CARRIED },
                { CG_V2, "memory.zswap.writeback", PROP_CARRIED },
                { CG_V2, "io.prio.class", PROP_CARRIED },
                { CG_V1, "blkio.prio.class", PROP_CARRIED },
                { CG_V2, "dmem.max", PROP_CARRIED },
                { CG_V2, "dmem.min", PROP_CARRIED },
                { CG_V2, "dmem.low", PROP_CARRIED },
                { CG_V2, "cpu.uclamp.min", PROP_CARRIED },
                { CG_V1, "cpu.uclamp.max", PROP_CARRIED },
                { CG_V2, "io.latency", PROP_CARRIED },
                { CG_V2, "cgroup.pressure", PROP_CARRIED },
                { CG_V1, "devices.allow", PROP_NEVER },
                { CG_V1, "freezer.state", PROP_NEVER },
                { CG_V2, "cgroup.freeze", PROP_NEVER },
                { CG_V1, "hugetlb.1GB.rsvd.failcnt", PROP_NOT_LIMIT },
                { CG_V1, "hugetlb.2MB.limit_in_bytes", PROP_CARRIED },
                { CG_V2, "memory.peak", PROP_NOT_LIMIT },
                { CG_V2, "irq.pressure", PROP_NOT_LIMIT },
                { CG_V1, "blkio.reset_stats", PROP_NOT_LIMIT },
                { CG_V1, "memory.shown_ram_in_bytes", PROP_NEVER },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cls); i++) {
                const struct prop_def *d = prop_classify(cls[i].v, cls[i].name);
                ok(d && d->class == cls[i].c, "v%d %s is %s", cls[i].v, cls[i].name,
                   prop_class_name(cls[i].c));
        }
        ok(!prop_classify(CG_V1, "memory.max") && !prop_classify(CG_V2, "memory.stat") &&
                   !prop_classify(CG_V2, "hugetlb.2XB.max") && !prop_classify(CG_V1, "io.max"),
           "a file of the other version, a read-only one or a bad size is not classified");

        /* the unlimited test save and the planner use */
        static const struct {
                const char *v;
                bool want;
        } unl[] = {
                { "-1", true },
                { "max", true },
                { "9223372036854771712", true },
                { "9223372036854775807", true },
                { "9223372019674906624", true },
                { "9223372019674906623", false },
                { "0", false },
                { "104857600", false },
                { "", false },
                { "max ", false },
                { "-2", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(unl); i++)
                ok(prop_value_is_unlimited(unl[i].v) == unl[i].want,
                   "prop_value_is_unlimited(\"%s\") is %s", unl[i].v,
                   unl[i].want ? "true" : "false");
        ok(prop_value_is_unlimited(NULL), "prop_value_is_unlimited(NULL): unlimited");
        const struct prop_def *mx = prop_lookup(CG_V2, "memory.max");
        ok(mx && prop_is_default(mx, "max") && !prop_is_default(mx, "-1") &&
                   !prop_is_default(mx, "1000"),
           "v2 memory.max: \"max\" is its default, -1 and 1000 are not");
        const struct prop_def *lim = prop_lookup(CG_V1, "memory.limit_in_bytes");
        ok(lim && !prop_is_default(lim, "max"), "v1 memory.limit_in_bytes: \"max\" is no default");
        const struct prop_def *blk = prop_lookup(CG_V1, "cpuset.cpus");
        ok(blk && blk->dflt_kind == DFLT_NONE && !prop_is_default(blk, ""),
           "a v1 cpuset's cpus are always saved (a new one starts empty)");
}

/* What save records: the kernel's content turned into the value cgbind
 * writes, and left out when a new cgroup would read the same. */
static void saves(enum cg_version v, const char *name, const char *raw, const char *inherited,
                  const char *want)
{
        const struct prop_def *d = prop_lookup(v, name);
        char *got = d ? prop_value_to_save(d, raw, inherited) : NULL;
        char shown[200];
        cgbind_escape(raw, strlen(raw), shown, sizeof(shown));
        if (want)
                is_str(got, want, "v%d %s reading \"%s\" is saved", v, name, shown);
        else
                ok(d && !got, "v%d %s reading \"%s\" is left out (%s)", v, name, shown,
                   got ? got : "");
        free(got);
}

static void test_save_rules(void)
{
        /* the parent's value: swappiness 60 is not the default under 30 */
        saves(CG_V1, "memory.swappiness", "60", "30", "60");
        saves(CG_V1, "memory.swappiness", "30", "30", NULL);
        saves(CG_V1, "memory.swappiness", "60", NULL, "60");
        /* the OOM switch: three lines, the first number is the switch */
        saves(CG_V1, "memory.oom_control", "oom_kill_disable 1\nunder_oom 0\noom_kill 0",
              "oom_kill_disable 0\nunder_oom 0\noom_kill 0", "1");
        saves(CG_V1, "memory.oom_control", "oom_kill_disable 1\nunder_oom 1\noom_kill 3",
              "oom_kill_disable 1\nunder_oom 0\noom_kill 0", NULL);
        saves(CG_V1, "memory.oom_control", "oom_kill_disable 0", "oom_kill_disable 1", "0");
        char *k = prop_from_kernel(prop_lookup(CG_V1, "memory.oom_control"),
                                   "oom_kill_disable 1\nunder_oom 0\noom_kill 0");
        is_str(k, "1", "prop_from_kernel: memory.oom_control is written as its first number");
        free(k);
        k = prop_from_kernel(prop_lookup(CG_V1, "memory.oom_control"), "0");
        is_str(k, "0", "prop_from_kernel: CRIU's reduced value stays");
        free(k);
        saves(CG_V1, "cgroup.clone_children", "1", "1", NULL);
        saves(CG_V1, "cgroup.clone_children", "0", "1", "0");
        saves(CG_V1, "cpuset.memory_spread_page", "1", "0", "1");
        saves(CG_V1, "net_cls.classid", "1048577", "1048577", NULL);
        saves(CG_V2, "memory.zswap.writeback", "0", "1", "0");
        saves(CG_V2, "memory.zswap.writeback", "1", "1", NULL);
        /* ifpriomap is inherited per device */
        saves(CG_V1, "net_prio.ifpriomap", "lo 0\neth0 3", "lo 0\neth0 3", NULL);
        saves(CG_V1, "net_prio.ifpriomap", "lo 0\neth0 0", "lo 0\neth0 3", "eth0 0");
        saves(CG_V1, "net_prio.ifpriomap", "lo 0\neth0 5", NULL, "eth0 5");
        saves(CG_V1, "net_prio.ifpriomap", "lo 0\neth0 0", NULL, NULL);
        /* a sysctl */
        saves(CG_V1, "cpu.rt_period_us", "1000000", "1000000", NULL);
        saves(CG_V1, "cpu.rt_period_us", "500000", "1000000", "500000");
        saves(CG_V1, "cpu.rt_period_us", "1000000", NULL, "1000000");
        saves(CG_V1, "cpu.rt_runtime_us", "0", NULL, NULL);
        saves(CG_V1, "cpu.rt_runtime_us", "10000", NULL, "10000");
        /* unlimited at any page size, hugetlb rounded to its page */
        saves(CG_V1, "hugetlb.2MB.limit_in_bytes", "9223372036852678656", NULL, NULL);
        saves(CG_V1, "hugetlb.1GB.rsvd.limit_in_bytes", "9223372035781033984", NULL, NULL);
        saves(CG_V1, "hugetlb.2MB.limit_in_bytes", "2097152", NULL, "2097152");
        saves(CG_V1, "memory.kmem.tcp.limit_in_bytes", "9223372036854710272", NULL, NULL);
        /* lines at their default */
        saves(CG_V1, "rdma.max", "mlx4_0 hca_handle=max hca_object=max", NULL, NULL);
        saves(CG_V2, "rdma.max", "a hca_handle=max hca_object=max\nb hca_handle=max hca_object=9",
              NULL, "b hca_handle=max hca_object=9");
        saves(CG_V2, "misc.max", "sev max\nsev_es max", NULL, NULL);
        saves(CG_V1, "misc.max", "sev 5\nsev_es max", NULL, "sev 5");
        saves(CG_V2, "dmem.max", "drm/0000:03:00.0/vram0 max", NULL, NULL);
        saves(CG_V2, "dmem.low", "drm/0000:03:00.0/vram0 0", NULL, NULL);
        saves(CG_V2, "dmem.low", "drm/0000:03:00.0/vram0 1048576", NULL,
              "drm/0000:03:00.0/vram0 1048576");
        /* BFQ: the per-device file's default line is blkio.bfq.weight */
        saves(CG_V1, "blkio.bfq.weight_device", "default 200", NULL, NULL);
        saves(CG_V1, "blkio.bfq.weight_device", "default 100\n254:0 300", NULL, "254:0 300");
        saves(CG_V2, "io.bfq.weight", "default 100", NULL, NULL);
        saves(CG_V2, "io.bfq.weight", "default 100\n254:0 300", NULL, "default 100\n254:0 300");
        saves(CG_V2, "io.prio.class", "no-change", NULL, NULL);
        saves(CG_V2, "io.prio.class", "idle", NULL, "idle");
        saves(CG_V2, "cgroup.pressure", "1", NULL, NULL);
        saves(CG_V2, "cgroup.pressure", "0", NULL, "0");
        saves(CG_V2, "cgroup.type", "domain threaded", NULL, NULL);
        saves(CG_V2, "cgroup.type", "threaded", NULL, "threaded");
        saves(CG_V2, "cgroup.subtree_control", "", NULL, NULL);
}

static void check(enum cg_version v, const char *name, const char *value, bool want)
{
        const struct prop_def *d = prop_lookup(v, name);
        if (!d) {
                ok(false, "v%d %s is allowlisted", v, name);
                return;
        }
        char *canon = (char *)"sentinel";
        const char *reason = NULL;
        int r = prop_check_value(d, value, &canon, &reason);
        char shown[128];
        cgbind_escape(value, strlen(value), shown, sizeof(shown));
        if (want) {
                ok(r == 0 && canon && streq(canon, value), "v%d %s = \"%s\" accepted%s%s", v, name,
                   shown, r < 0 ? ": " : "", r < 0 && reason ? reason : "");
                if (r == 0)
                        free(canon);
        } else {
                ok(r == -EINVAL && reason && *reason && canon && streq(canon, "sentinel"),
                   "v%d %s = \"%s\" refused (%s)", v, name, shown, reason ? reason : "no reason");
                if (r == 0)
                        free(canon);
        }
}

static void test_values(void)
{
        check(CG_V1, "cpu.shares", "1", false);
        check(CG_V1, "cpu.shares", "2", true);
        check(CG_V1, "cpu.shares", "1024", true);
        check(CG_V1, "cpu.shares", "262144", true);
        check(CG_V1, "cpu.shares", "262145", false);
        check(CG_V1, "cpu.shares", "-1", false);
        check(CG_V1, "cpu.shares", "", false);
        check(CG_V1, "cpu.shares", " 2", false);
        check(CG_V1, "cpu.shares", "2 ", false);
        check(CG_V1, "cpu.shares", "+2", false);
        check(CG_V1, "cpu.shares", "0x10", false);
        check(CG_V1, "cpu.shares", "256\n", false);

        check(CG_V1, "cpu.cfs_quota_us", "-1", true);
        check(CG_V1, "cpu.cfs_quota_us", "999", false);
        check(CG_V1, "cpu.cfs_quota_us", "1000", true);
        check(CG_V1, "cpu.cfs_quota_us", "-2", false);
        check(CG_V1, "cpu.cfs_quota_us", "0", false);
        check(CG_V1, "cpu.cfs_quota_us", "max", false);

        check(CG_V1, "memory.limit_in_bytes", "-1", true);
        check(CG_V1, "memory.limit_in_bytes", "0", true);
        check(CG_V1, "memory.limit_in_bytes", "9223372036854771712", true);
        check(CG_V1, "memory.limit_in_bytes", "9223372036854775807", true);
        check(CG_V1, "memory.limit_in_bytes", "9223372036854775808", false);
        check(CG_V1, "memory.limit_in_bytes", "99999999999999999999", false);
        check(CG_V1, "memory.limit_in_bytes", "100M", false);
        check(CG_V1, "memory.limit_in_bytes", "012", false);
        check(CG_V1, "memory.limit_in_bytes", "-0", false);
        check(CG_V1, "memory.limit_in_bytes", "-2", false);
        check(CG_V1, "memory.limit_in_bytes", "max", false);

        check(CG_V2, "pids.max", "max", true);
        check(CG_V2, "pids.max", "0", true);
        check(CG_V2, "pids.max", "64", true);
        check(CG_V2, "pids.max", "-1", false);
        check(CG_V2, "pids.max", "Max", false);
        check(CG_V1, "pids.max", "max", true);
        check(CG_V1, "pids.max", "-1", false);

        check(CG_V2, "memory.max", "max", true);
        check(CG_V2, "memory.max", "104857600", true);
        check(CG_V2, "memory.max", "-1", false);
        check(CG_V2, "memory.max", "1\n2", false);

        check(CG_V2, "cpu.max", "max", true);
        check(CG_V2, "cpu.max", "max 100000", true);
        check(CG_V2, "cpu.max", "50000 100000", true);
        check(CG_V2, "cpu.max", "50000", true);
        check(CG_V2, "cpu.max", "50000 999", false);
        check(CG_V2, "cpu.max", "50000 1000001", false);
        check(CG_V2, "cpu.max", "50000 100000 1", false);
        check(CG_V2, "cpu.max", "999 100000", false);
        check(CG_V2, "cpu.max", "50000 max", false);
        check(CG_V2, "cpu.max", "", false);
        check(CG_V2, "cpu.max", "50000  100000", false);
        check(CG_V2, "cpu.max", "50000 100000\n", false);

        for (int v = CG_V1; v <= CG_V2; v++) {
                check(v, "cpuset.cpus", "", true);
                check(v, "cpuset.cpus", "0", true);
                check(v, "cpuset.cpus", "0-3,5", true);
                check(v, "cpuset.cpus", "0-3,5-7,9", true);
                check(v, "cpuset.cpus", "3-1", false);
                check(v, "cpuset.cpus", "0,", false);
                check(v, "cpuset.cpus", ",0", false);
                check(v, "cpuset.cpus", "0-", false);
                check(v, "cpuset.cpus", "a", false);
                check(v, "cpuset.cpus", "0 1", false);
                check(v, "cpuset.mems", "0", true);
                check(v, "cpuset.mems", "0\n", false);
        }

        check(CG_V2, "cgroup.subtree_control", "cpu memory pids", true);
        check(CG_V2, "cgroup.subtree_control", "", true);
        check(CG_V2, "cgroup.subtree_control", "io", true);
        check(CG_V2, "cgroup.subtree_control", "+cpu", false);
        check(CG_V2, "cgroup.subtree_control", "-cpu", false);
        check(CG_V2, "cgroup.subtree_control", "bogus", false);
        check(CG_V2, "cgroup.subtree_control", "cpu  memory", false);
        check(CG_V2, "cgroup.subtree_control", "cpu\nmemory", false);

        check(CG_V2, "cgroup.type", "threaded", true);
        check(CG_V2, "cgroup.type", "domain", false);
        check(CG_V2, "cgroup.type", "domain threaded", false);
        check(CG_V2, "cgroup.type", "threaded\n", false);

        check(CG_V2, "io.max", "8:0 rbps=1048576 wbps=max\n8:16 riops=100", true);
        check(CG_V2, "io.max", "8:0 rbps=max wbps=max riops=max wiops=max", true);
        check(CG_V2, "io.max", "8:0 foo=1", false);
        check(CG_V2, "io.max", "8:0 rbps", false);
        check(CG_V2, "io.max", "8:0 rbps=-5", false);
        check(CG_V2, "io.max", "sda rbps=1", false);
        check(CG_V2, "io.max", "8:0 rbps=1\n\n8:16 riops=100", false);

        check(CG_V2, "io.weight", "default 100\n8:0 200", true);
        check(CG_V2, "io.weight", "default 100", true);
        check(CG_V2, "io.weight", "default 0", false);
        check(CG_V2, "io.weight", "default 10001", false);
        check(CG_V2, "io.weight", "8:0 10000", true);
        check(CG_V2, "io.weight", "deflt 100", false);

        check(CG_V1, "blkio.throttle.read_bps_device", "8:0 1048576", true);
        check(CG_V1, "blkio.throttle.read_bps_device", "8:0 1048576\n8:16 2097152", true);
        check(CG_V1, "blkio.throttle.read_bps_device", "8:0", false);
        check(CG_V1, "blkio.throttle.read_bps_device", "8 1048576", false);
        check(CG_V1, "blkio.throttle.read_bps_device", "8:0 -1", false);
        check(CG_V1, "blkio.throttle.read_bps_device", "8:0 1M", false);
        check(CG_V1, "blkio.weight_device", "8:0 1001", false);

        check(CG_V1, "net_prio.ifpriomap", "eth0 5\nlo 0", true);
        check(CG_V1, "net_prio.ifpriomap", "eth/0 5", false);

        check(CG_V1, "cgroup.clone_children", "1", true);
        check(CG_V1, "cgroup.clone_children", "2", false);
        check(CG_V1, "memory.use_hierarchy", "0", true);
        check(CG_V1, "memory.use_hierarchy", "yes", false);

        check(CG_V2, "cpu.uclamp.min", "10.50", true);
        check(CG_V2, "cpu.uclamp.min", "100.00", true);
        check(CG_V2, "cpu.uclamp.min", "100.01", false);
        check(CG_V2, "cpu.uclamp.max", "max", true);
        check(CG_V2, "cpu.uclamp.min", "10.123", false);

        check(CG_V2, "hugetlb.2MB.max", "max", true);
        check(CG_V2, "hugetlb.2MB.max", "2097152", true);
        check(CG_V1, "hugetlb.2MB.limit_in_bytes", "-1", true);

        /* issue 15's files: their grammars, whether or not a kernel here has them */
        check(CG_V1, "memory.oom_control", "1", true);
        check(CG_V1, "memory.oom_control", "2", false);
        check(CG_V1, "memory.oom_control", "oom_kill_disable 1", false);
        check(CG_V1, "cpu.rt_runtime_us", "-1", true);
        check(CG_V1, "cpu.rt_runtime_us", "0", true);
        check(CG_V1, "cpu.rt_runtime_us", "950000", true);
        check(CG_V1, "cpu.rt_runtime_us", "-2", false);
        check(CG_V1, "cpu.rt_period_us", "0", false);
        check(CG_V1, "cpu.rt_period_us", "1", true);
        check(CG_V1, "cpu.rt_period_us", "1000000", true);
        check(CG_V1, "cpu.rt_period_us", "-1", false);
        check(CG_V1, "memory.kmem.tcp.limit_in_bytes", "-1", true);
        check(CG_V1, "memory.kmem.tcp.limit_in_bytes", "1073741824", true);
        check(CG_V1, "memory.kmem.tcp.limit_in_bytes", "1G", false);
        check(CG_V1, "memory.move_charge_at_immigrate", "3", true);
        check(CG_V1, "memory.move_charge_at_immigrate", "4", false);
        for (int v = CG_V1; v <= CG_V2; v++) {
                check(v, "rdma.max", "mlx4_0 hca_handle=2 hca_object=2000", true);
                check(v, "rdma.max", "mlx4_0 hca_handle=max hca_object=max\nmlx5_1 hca_object=7",
                      true);
                check(v, "rdma.max", "mlx4_0 hca_handle=2147483648", false);
                check(v, "rdma.max", "mlx4_0 rbps=1", false);
                check(v, "rdma.max", "mlx4_0", false);
                check(v, "rdma.max", "mlx4_0 hca_handle=-1", false);
                check(v, "rdma.max", "8:0 hca_handle=1 x", false);
                check(v, "misc.max", "sev 10\nsev_es max", true);
                check(v, "misc.max", "sev", false);
                check(v, "misc.max", "sev -1", false);
                check(v, "misc.max", "sev 1 2", false);
                check(v, "pids.max", "4194304", true);
                check(v, "pids.max", "4194305", false);
                check(v, "cpu.uclamp.min", "0.00", true);
                check(v, "cpu.uclamp.max", "100", true);
        }
        check(CG_V1, "blkio.bfq.weight", "1", true);
        check(CG_V1, "blkio.bfq.weight", "0", false);
        check(CG_V1, "blkio.bfq.weight", "1001", false);
        check(CG_V1, "blkio.bfq.weight_device", "254:0 300\n8:0 1000", true);
        check(CG_V1, "blkio.bfq.weight_device", "default 100\n254:0 300", true);
        check(CG_V1, "blkio.bfq.weight_device", "254:0 1001", false);
        check(CG_V2, "io.bfq.weight", "default 100\n254:0 300", true);
        check(CG_V2, "io.bfq.weight", "default 1000", true);
        check(CG_V2, "io.bfq.weight", "default 1001", false);
        check(CG_V2, "io.bfq.weight", "300", false);
        check(CG_V2, "io.prio.class", "promote-to-rt", true);
        check(CG_V2, "io.prio.class", "restrict-to-be", true);
        check(CG_V2, "io.prio.class", "none-to-rt", true);
        check(CG_V2, "io.prio.class", "rt", false);
        check(CG_V2, "io.prio.class", "idle ", false);
        check(CG_V1, "blkio.prio.class", "idle", true);
        check(CG_V2, "io.latency", "8:0 target=10", true);
        check(CG_V2, "io.latency", "8:0 target=max", true);
        check(CG_V2, "io.latency", "8:0 rbps=10", false);
        check(CG_V2, "io.max", "8:0 target=10", false);
        check(CG_V2, "io.max", "8:0", false);
        check(CG_V2, "memory.zswap.writeback", "0", true);
        check(CG_V2, "memory.zswap.writeback", "2", false);
        check(CG_V2, "cgroup.pressure", "0", true);
        check(CG_V2, "cgroup.pressure", "2", false);
        check(CG_V2, "dmem.max", "drm/0000:03:00.0/vram0 1073741824", true);
        check(CG_V2, "dmem.max", "drm/0000:03:00.0/vram0 max", true);
        check(CG_V2, "dmem.min", "drm/0000:03:00.0/vram0 1G", false);
        check(CG_V2, "dmem.low", "drm/0000:03:00.0/vram0=1 5", false);

        /* a single-line value longer than 64 KiB */
        char *big = malloc(64 * 1024 + 2);
        memset(big, '1', 64 * 1024 + 1);
        big[64 * 1024 + 1] = '\0';
        const char *reason = NULL;
        char *canon = NULL;
        ok(prop_check_value(prop_lookup(CG_V2, "io.max"), big, &canon, &reason) == -EINVAL &&
                   reason && canon == NULL,
           "a value over 64 KiB is refused (%s)", reason ? reason : "");
        free(big);
}

static void name_ok(const char *name, size_t len, const char *what)
{
        const char *reason = NULL;
        ok(cgroup_name_valid(name, len, &reason), "name %s accepted%s%s", what, reason ? ": " : "",
           reason ? reason : "");
}

static void name_bad(const char *name, size_t len, const char *what)
{
        const char *reason = NULL;
        ok(!cgroup_name_valid(name, len, &reason) && reason && *reason, "name %s refused (%s)",
           what, reason ? reason : "no reason");
}

#define NAME_OK(s)  name_ok(s, sizeof(s) - 1, #s)
#define NAME_BAD(s) name_bad(s, sizeof(s) - 1, #s)

static void test_names(void)
{
        NAME_OK("app");
        NAME_OK("system-serial\\x2dgetty.slice");
        NAME_OK("user@1000.service");
        NAME_OK("init.scope");
        NAME_OK("worker-1_a.b");
        NAME_OK("caf\xc3\xa9");      /* é, two bytes */
        NAME_OK("\xf0\x9f\x90\xb3"); /* U+1F433, four bytes */
        NAME_OK("cpu.slice");        /* a unit name, not an interface file */
        NAME_OK("...");
        NAME_OK(".hidden");
        /* controller prefixes come from cgname.c's list, both versions */
        NAME_BAD("net_prio.x");
        NAME_BAD("freezer.x");
        NAME_BAD("dmem.x");
        NAME_BAD("perf_event.x");
        NAME_OK("cpux.y");
        NAME_OK("iox.y");
        char n255[256], n256[257];
        memset(n255, 'a', 255);
        n255[255] = '\0';
        memset(n256, 'b', 256);
        n256[256] = '\0';
        name_ok(n255, 255, "of 255 bytes");
        name_bad(n256, 256, "of 256 bytes");

        NAME_BAD("");
        NAME_BAD(".");
        NAME_BAD("..");
        NAME_BAD("a/b");
        NAME_BAD("/");
        NAME_BAD("a\nb");
        NAME_BAD("a\tb");
        NAME_BAD("a\x7f");
        NAME_BAD("cgroup.procs");
        NAME_BAD("cgroup.foo");
        NAME_BAD("cgroup.subtree_control");
        NAME_BAD("tasks");
        NAME_BAD("release_agent");
        NAME_BAD("notify_on_release");
        NAME_BAD("cpu.shares");
        NAME_BAD("memory.max");
        NAME_BAD("memory.limit_in_bytes");
        NAME_BAD("cpu.stat");
        NAME_BAD("devices.allow");
        NAME_BAD("hugetlb.2MB.max");
        NAME_BAD("\xff");
        NAME_BAD("\xc0\xaf");         /* overlong "/" */
        NAME_BAD("\xe0\x80\xaf");     /* overlong "/", three bytes */
        NAME_BAD("\xed\xa0\x80");     /* UTF-16 surrogate D800 */
        NAME_BAD("\xf4\x90\x80\x80"); /* past U+10FFFF */
        NAME_BAD("caf\xc3");          /* truncated sequence */
        /* the length is what counts: an embedded NUL is part of the name */
        name_bad("a\0b", 3, "with an embedded NUL");
}

static void utf8(const char *s, size_t len, size_t want, const char *what)
{
        is_int(utf8_valid_prefix(s, len), want, "utf8_valid_prefix: %s", what);
}

#define UTF8(s, want, what) utf8(s, sizeof(s) - 1, want, what)

static void test_utf8(void)
{
        UTF8("", 0, "empty");
        UTF8("plain ascii", 11, "ASCII");
        UTF8("h\xc3\xa9llo", 6, "two-byte é");
        UTF8("\xe2\x82\xac", 3, "three-byte €");
        UTF8("\xf0\x9f\x98\x80", 4, "four-byte U+1F600");
        UTF8("\xed\x9f\xbf", 3, "U+D7FF, just below the surrogates");
        UTF8("\xee\x80\x80", 3, "U+E000, just above the surrogates");
        UTF8("\xf4\x8f\xbf\xbf", 4, "U+10FFFF, the last code point");
        UTF8("abc\xff"
             "def",
             3, "stops at 0xff");
        UTF8("ab\x80", 2, "stray continuation byte");
        UTF8("ab\xc3", 2, "truncated two-byte sequence at the end");
        UTF8("ab\xe2\x82", 2, "truncated three-byte sequence at the end");
        UTF8("ab\xc3(", 2, "lead byte followed by a non-continuation");
        UTF8("\xc0\xaf", 0, "overlong two-byte");
        UTF8("\xc1\xbf", 0, "overlong two-byte C1");
        UTF8("\xe0\x80\xaf", 0, "overlong three-byte");
        UTF8("\xf0\x80\x80\xaf", 0, "overlong four-byte");
        UTF8("x\xed\xa0\x80", 1, "surrogate U+D800");
        UTF8("x\xed\xbf\xbf", 1, "surrogate U+DFFF");
        UTF8("\xf4\x90\x80\x80", 0, "U+110000");
        UTF8("\xf8\x88\x80\x80\x80", 0, "five-byte form");
        utf8("a\0b", 3, 3, "NUL is ASCII");
}

static void test_controllers(void)
{
        ok(controller_list_has("cpu,cpuacct", "cpu"), "cpu in cpu,cpuacct");
        ok(controller_list_has("cpu,cpuacct", "cpuacct"), "cpuacct in cpu,cpuacct");
        ok(!controller_list_has("cpuacct", "cpu"), "cpu not in cpuacct");
        ok(!controller_list_has("cpuset", "cpu"), "cpu not in cpuset");
        ok(controller_list_has("cpu memory pids", "memory"), "memory in \"cpu memory pids\"");
        ok(!controller_list_has("", "cpu"), "nothing in \"\"");
        ok(v2_controller_known("memory") && v2_controller_known("io") &&
                   v2_controller_known("hugetlb"),
           "memory, io, hugetlb are v2 controllers");
        ok(!v2_controller_known("cpuacct") && !v2_controller_known("blkio") &&
                   !v2_controller_known("devices") && !v2_controller_known(""),
           "cpuacct, blkio, devices, \"\" are not v2 controllers");
}

/* cgbind-image(5)'s PROPERTIES section is the table, rendered: the committed
 * page must hold exactly what `props-table --scd` prints. */
static void test_doc(void)
{
        const char *path = getenv("CGBIND_DOC_SCD");
        if (!path)
                path = CGBIND_DOC_SCD_DEFAULT;
        FILE *f = fopen(path, "re");
        struct strbuf page = { 0 }, want = { 0 };
        strbuf_puts(&page, "");
        if (f) {
                char buf[4096];
                size_t k;
                while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
                        strbuf_append(&page, buf, k);
                fclose(f);
        }
        ok(f != NULL, "the man page source is read (%s)", path);
        const char *begin = strstr(page.buf, PROPS_DOC_BEGIN "\n");
        const char *end = begin ? strstr(begin, PROPS_DOC_END "\n") : NULL;
        ok(begin && end, "it has the generated section's BEGIN and END lines");
        props_doc_scd(&want);
        size_t len = end ? (size_t)(end - begin) + strlen(PROPS_DOC_END "\n") : 0;
        bool same = end && len == want.len && memcmp(begin, want.buf, len) == 0;
        if (!same && end) {
                /* the first line that differs, to find it quickly */
                size_t line = 1, i = 0;
                while (i < len && i < want.len && begin[i] == want.buf[i])
                        line += begin[i++] == '\n';
                tap_diag("first difference in the section's line %zu: regenerate it with "
                         "props-table --scd (build/test/unit/props-table)",
                         line);
        }
        ok(same, "cgbind-image(5)'s PROPERTIES section is what the table renders");
        strbuf_free(&page);
        strbuf_free(&want);
}

int main(void)
{
        test_lookup();
        test_forbidden();
        test_table();
        test_save_rules();
        test_doc();
        test_values();
        test_names();
        test_utf8();
        test_controllers();
        return tap_done();
}
