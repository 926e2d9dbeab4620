/* The property knowledge: the allowlist, value grammars, write order and the
 * name rule for sub-cgroups. Everything an image may make cgbind write is here. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>

#include "cgbind/caps.h"
#include "cgbind/props.h"

/* The default of a v1 page-counter limit: unlimited, printed as a value that
 * depends on the page size (prop_value_is_unlimited). */
static const char UNLIMITED_V1[] = "unlimited";

/* clang-format off */
static const struct prop_def props[] = {
        /* cgroup v1, core */
        { "cgroup.clone_children", CG_V1, NULL, GRAM_BOOL, 0, 1, ORDER_EARLY, 0, "0" },
        /* v1 cpu */
        { "cpu.shares", CG_V1, "cpu", GRAM_INT, 2, 262144, ORDER_NORMAL, PROP_RESOURCE, "1024" },
        { "cpu.cfs_period_us", CG_V1, "cpu", GRAM_INT, 1000, 1000000, ORDER_NORMAL, PROP_RESOURCE, "100000" },
        { "cpu.cfs_quota_us", CG_V1, "cpu", GRAM_INT, 1000, INT64_MAX / 1000, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_NEG1, "-1" },
        { "cpu.cfs_burst_us", CG_V1, "cpu", GRAM_INT, 0, INT64_MAX / 1000, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpu.idle", CG_V1, "cpu", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        /* v1 cpuset */
        { "cpuset.cpus", CG_V1, "cpuset", GRAM_CPULIST, 0, 0, ORDER_CPUSET, PROP_RESOURCE, NULL },
        { "cpuset.mems", CG_V1, "cpuset", GRAM_CPULIST, 0, 0, ORDER_CPUSET, PROP_RESOURCE, NULL },
        { "cpuset.memory_migrate", CG_V1, "cpuset", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpuset.mem_hardwall", CG_V1, "cpuset", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpuset.memory_spread_page", CG_V1, "cpuset", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpuset.memory_spread_slab", CG_V1, "cpuset", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        /* v1 memory */
        { "memory.use_hierarchy", CG_V1, "memory", GRAM_BOOL, 0, 1, ORDER_EARLY, 0, "1" },
        { "memory.limit_in_bytes", CG_V1, "memory", GRAM_INT, 0, INT64_MAX, ORDER_MEMORY, PROP_RESOURCE | PROP_ALLOW_NEG1, UNLIMITED_V1 },
        { "memory.memsw.limit_in_bytes", CG_V1, "memory", GRAM_INT, 0, INT64_MAX, ORDER_MEMORY, PROP_RESOURCE | PROP_ALLOW_NEG1, UNLIMITED_V1 },
        { "memory.soft_limit_in_bytes", CG_V1, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_NEG1, UNLIMITED_V1 },
        { "memory.swappiness", CG_V1, "memory", GRAM_INT, 0, 200, ORDER_NORMAL, PROP_RESOURCE, "60" },
        /* v1 pids */
        { "pids.max", CG_V1, "pids", GRAM_INT, 0, INT32_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        /* v1 blkio */
        { "blkio.weight", CG_V1, "blkio", GRAM_INT, 10, 1000, ORDER_NORMAL, PROP_RESOURCE, NULL },
        { "blkio.bfq.weight", CG_V1, "blkio", GRAM_INT, 1, 1000, ORDER_NORMAL, PROP_RESOURCE, "100" },
        { "blkio.weight_device", CG_V1, "blkio", GRAM_DEV_VALUE, 0, 1000, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        { "blkio.throttle.read_bps_device", CG_V1, "blkio", GRAM_DEV_VALUE, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        { "blkio.throttle.write_bps_device", CG_V1, "blkio", GRAM_DEV_VALUE, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        { "blkio.throttle.read_iops_device", CG_V1, "blkio", GRAM_DEV_VALUE, 0, UINT32_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        { "blkio.throttle.write_iops_device", CG_V1, "blkio", GRAM_DEV_VALUE, 0, UINT32_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        /* v1 hugetlb: hugetlb.<size>.limit_in_bytes */
        { "hugetlb.*.limit_in_bytes", CG_V1, "hugetlb", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_NEG1 | PROP_PATTERN, UNLIMITED_V1 },
        { "hugetlb.*.rsvd.limit_in_bytes", CG_V1, "hugetlb", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_NEG1 | PROP_PATTERN, UNLIMITED_V1 },
        /* v1 net_cls, net_prio */
        { "net_cls.classid", CG_V1, "net_cls", GRAM_INT, 0, UINT32_MAX, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "net_prio.ifpriomap", CG_V1, "net_prio", GRAM_IFPRIOMAP, 0, UINT32_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },

        /* cgroup v2, core */
        { "cgroup.type", CG_V2, NULL, GRAM_THREADED, 0, 0, ORDER_TYPE, 0, NULL },
        { "cgroup.subtree_control", CG_V2, NULL, GRAM_CONTROLLERS, 0, 0, ORDER_SUBTREE, 0, "" },
        { "cgroup.max.depth", CG_V2, NULL, GRAM_INT, 0, INT32_MAX, ORDER_LAST, PROP_ALLOW_MAX, "max" },
        { "cgroup.max.descendants", CG_V2, NULL, GRAM_INT, 0, INT32_MAX, ORDER_LAST, PROP_ALLOW_MAX, "max" },
        /* v2 cpu */
        { "cpu.weight", CG_V2, "cpu", GRAM_INT, 1, 10000, ORDER_NORMAL, PROP_RESOURCE, "100" },
        { "cpu.max", CG_V2, "cpu", GRAM_CPU_MAX, 1000, INT64_MAX / 1000, ORDER_NORMAL, PROP_RESOURCE, "max 100000" },
        { "cpu.max.burst", CG_V2, "cpu", GRAM_INT, 0, INT64_MAX / 1000, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpu.idle", CG_V2, "cpu", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        { "cpu.uclamp.min", CG_V2, "cpu", GRAM_PERCENT, 0, 0, ORDER_NORMAL, PROP_RESOURCE, "0.00" },
        { "cpu.uclamp.max", CG_V2, "cpu", GRAM_PERCENT, 0, 0, ORDER_NORMAL, PROP_RESOURCE, "max" },
        /* v2 cpuset */
        { "cpuset.cpus", CG_V2, "cpuset", GRAM_CPULIST, 0, 0, ORDER_NORMAL, PROP_RESOURCE, "" },
        { "cpuset.mems", CG_V2, "cpuset", GRAM_CPULIST, 0, 0, ORDER_NORMAL, PROP_RESOURCE, "" },
        /* v2 memory */
        { "memory.min", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "0" },
        { "memory.low", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "0" },
        { "memory.high", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        { "memory.max", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        { "memory.swap.high", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        { "memory.swap.max", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        { "memory.zswap.max", CG_V2, "memory", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        { "memory.oom.group", CG_V2, "memory", GRAM_BOOL, 0, 1, ORDER_NORMAL, PROP_RESOURCE, "0" },
        /* v2 io */
        { "io.weight", CG_V2, "io", GRAM_IO_WEIGHT, 1, 10000, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "default 100" },
        { "io.max", CG_V2, "io", GRAM_IO_KEYS, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        { "io.latency", CG_V2, "io", GRAM_IO_KEYS, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_MULTILINE, "" },
        /* v2 pids */
        { "pids.max", CG_V2, "pids", GRAM_INT, 0, INT32_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX, "max" },
        /* v2 hugetlb: hugetlb.<size>.max */
        { "hugetlb.*.max", CG_V2, "hugetlb", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX | PROP_PATTERN, "max" },
        { "hugetlb.*.rsvd.max", CG_V2, "hugetlb", GRAM_INT, 0, INT64_MAX, ORDER_NORMAL, PROP_RESOURCE | PROP_ALLOW_MAX | PROP_PATTERN, "max" },
};
/* clang-format on */

/* DESIGN's never-list, each with the reason: a confused deputy could reach
 * past the container's sub-tree through any of these, or they are the
 * runtime's business. */
static const struct {
        const char *name;
        const char *reason;
} never[] = {
        { "release_agent", "runs a program as root on the host (CVE-2022-0492)" },
        { "notify_on_release", "makes the kernel run the hierarchy's release_agent" },
        { "tasks", "moves threads: where processes run is the runtime's" },
        { "cgroup.procs", "moves processes: where processes run is the runtime's" },
        { "cgroup.threads", "moves threads: where processes run is the runtime's" },
        { "cgroup.kill", "kills every process of the sub-tree: an action, not a limit" },
        { "cgroup.freeze", "stops the workload: a state the runtime owns (pause), not a limit" },
        { "freezer.state", "stops the workload: a state the runtime owns (pause), not a limit" },
        { "cpuset.cpus.partition", "takes CPUs away from the rest of the host" },
        { "cpuset.cpus.exclusive", "reserves CPUs against cgroups outside the sub-tree" },
        { "cpuset.cpu_exclusive", "reserves CPUs against cgroups outside the sub-tree" },
        { "cpuset.mem_exclusive", "reserves memory nodes against cgroups outside the sub-tree" },
        { "cpuset.sched_load_balance", "changes the scheduler domains the whole host shares" },
        { "cpuset.sched_relax_domain_level", "changes the scheduler domains the whole host shares" },
};

size_t prop_count(void)
{
        return ARRAY_SIZE(props);
}

const struct prop_def *prop_at(size_t i)
{
        return i < ARRAY_SIZE(props) ? &props[i] : NULL;
}

const char *prop_never_reason(const char *name)
{
        if (startswith(name, "devices."))
                return "device access is the runtime's policy";
        for (size_t i = 0; i < ARRAY_SIZE(never); i++)
                if (streq(name, never[i].name))
                        return never[i].reason;
        return NULL;
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
        if (!def->dflt)
                return false;
        if (def->dflt == UNLIMITED_V1)
                return prop_value_is_unlimited(value) && !streq(value, "max");
        return streq(value, def->dflt);
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

const struct prop_def *prop_lookup(enum cg_version v, const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(props); i++) {
                const struct prop_def *p = &props[i];
                /* the first byte rejects almost every entry without a call */
                if (p->version != v || p->name[0] != name[0])
                        continue;
                if (p->flags & PROP_PATTERN ? pattern_match(p->name, name) : streq(p->name, name))
                        return p;
        }
        return NULL;
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

static const char *check_line(const struct prop_def *d, const char *s, size_t n)
{
        const char *sp = memchr(s, ' ', n);
        switch (d->grammar) {
        case GRAM_DEV_VALUE:
                if (!sp || !dev_ok(s, (size_t)(sp - s)) ||
                    !int_token_ok(d, sp + 1, n - (size_t)(sp - s) - 1, d->min, d->max))
                        return "expected \"MAJ:MIN value\" lines";
                return NULL;
        case GRAM_IO_WEIGHT:
                if (!sp || !((sp - s == 7 && strncmp(s, "default", 7) == 0) ||
                             dev_ok(s, (size_t)(sp - s))) ||
                    !int_token_ok(d, sp + 1, n - (size_t)(sp - s) - 1, d->min, d->max))
                        return "expected \"default N\" or \"MAJ:MIN N\" lines, N in 1..10000";
                return NULL;
        case GRAM_IO_KEYS: {
                if (!sp || !dev_ok(s, (size_t)(sp - s)))
                        return "expected \"MAJ:MIN key=value ...\" lines";
                static const char *const keys[] = { "rbps", "wbps", "riops", "wiops", "target" };
                const char *p = sp + 1, *end = s + n;
                while (p < end) {
                        const char *e = memchr(p, ' ', (size_t)(end - p));
                        if (!e)
                                e = end;
                        const char *eq = memchr(p, '=', (size_t)(e - p));
                        bool known = false;
                        for (size_t k = 0; eq && k < ARRAY_SIZE(keys); k++)
                                known |= (size_t)(eq - p) == strlen(keys[k]) &&
                                         strncmp(p, keys[k], (size_t)(eq - p)) == 0;
                        struct prop_def withmax = *d;
                        withmax.flags |= PROP_ALLOW_MAX;
                        if (!known || !int_token_ok(&withmax, eq + 1, (size_t)(e - eq - 1), 0,
                                                    INT64_MAX))
                                return "expected \"MAJ:MIN key=value ...\" with keys rbps, wbps, "
                                       "riops, wiops, target";
                        p = e + 1;
                }
                return NULL;
        }
        case GRAM_IFPRIOMAP: {
                if (!sp || sp == s || (size_t)(sp - s) > 15)
                        return "expected \"ifname priority\" lines";
                for (const char *c = s; c < sp; c++)
                        if (*c == '/' || *c == ':' || !isgraph((unsigned char)*c))
                                return "expected \"ifname priority\" lines";
                if (!int_token_ok(d, sp + 1, n - (size_t)(sp - s) - 1, d->min, d->max))
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
        case GRAM_DEV_VALUE:
        case GRAM_IO_WEIGHT:
        case GRAM_IO_KEYS:
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
        case GRAM_MAX:
        default:
                return "unknown grammar";
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
        const char *why = check(def, value, n);
        if (why) {
                *ret_reason = why;
                return -EINVAL;
        }
        if (ret_canonical)
                *ret_canonical = xstrdup(value);
        return 0;
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
        if (prop_is_forbidden(buf) || prop_lookup(CG_V1, buf) || prop_lookup(CG_V2, buf)) {
                *ret_reason = "name is that of an interface file";
                return false;
        }
        static const char *const ctrl_prefixes[] = {
                "cpu.",     "cpuacct.", "cpuset.", "memory.", "pids.",    "blkio.", "io.",
                "hugetlb.", "net_cls.", "net_prio.", "freezer.", "devices.", "rdma.", "misc.",
                "perf_event.",
        };
        /* systemd's unit names ("cpu.slice" would be odd, but legal) are not interface files */
        static const char *const unit_suffixes[] = { ".slice", ".scope", ".service", ".mount",
                                                     ".socket", ".swap" };
        for (size_t i = 0; i < ARRAY_SIZE(unit_suffixes); i++) {
                size_t sl = strlen(unit_suffixes[i]);
                if (len > sl && streq(buf + len - sl, unit_suffixes[i]))
                        return true;
        }
        for (size_t i = 0; i < ARRAY_SIZE(ctrl_prefixes); i++)
                if (startswith(buf, ctrl_prefixes[i])) {
                        *ret_reason = "name is that of an interface file";
                        return false;
                }
        return true;
}
