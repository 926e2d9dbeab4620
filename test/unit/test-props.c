/* The property knowledge: the allowlist per version, the never-list, each
 * value grammar at its edges, and the sub-cgroup name rule. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/props.h"

#include "tap.h"

static void test_lookup(void)
{
        static const struct {
                enum cg_version v;
                const char *name, *def_name, *controller;
        } found[] = {
            {CG_V1, "cpu.shares", "cpu.shares", "cpu"},
            {CG_V1, "cpu.cfs_quota_us", "cpu.cfs_quota_us", "cpu"},
            {CG_V1, "memory.limit_in_bytes", "memory.limit_in_bytes", "memory"},
            {CG_V1, "memory.memsw.limit_in_bytes", "memory.memsw.limit_in_bytes", "memory"},
            {CG_V1, "cpuset.cpus", "cpuset.cpus", "cpuset"},
            {CG_V1, "pids.max", "pids.max", "pids"},
            {CG_V1, "blkio.throttle.read_bps_device", "blkio.throttle.read_bps_device", "blkio"},
            {CG_V1, "cgroup.clone_children", "cgroup.clone_children", NULL},
            {CG_V1, "hugetlb.2MB.limit_in_bytes", "hugetlb.*.limit_in_bytes", "hugetlb"},
            {CG_V1, "hugetlb.1GB.rsvd.limit_in_bytes", "hugetlb.*.rsvd.limit_in_bytes", "hugetlb"},
            {CG_V1, "hugetlb.64KB.limit_in_bytes", "hugetlb.*.limit_in_bytes", "hugetlb"},
            {CG_V2, "cpu.max", "cpu.max", "cpu"},
            {CG_V2, "cpu.weight", "cpu.weight", "cpu"},
            {CG_V2, "memory.max", "memory.max", "memory"},
            {CG_V2, "io.max", "io.max", "io"},
            {CG_V2, "pids.max", "pids.max", "pids"},
            {CG_V2, "cgroup.subtree_control", "cgroup.subtree_control", NULL},
            {CG_V2, "cgroup.type", "cgroup.type", NULL},
            {CG_V2, "cgroup.max.descendants", "cgroup.max.descendants", NULL},
            {CG_V2, "hugetlb.1GB.max", "hugetlb.*.max", "hugetlb"},
            {CG_V2, "hugetlb.2MB.max", "hugetlb.*.max", "hugetlb"},
            {CG_V2, "hugetlb.2MB.rsvd.max", "hugetlb.*.rsvd.max", "hugetlb"},
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
            {CG_V2, "cpu.shares"},
            {CG_V1, "cpu.weight"},
            {CG_V1, "memory.max"},
            {CG_V2, "memory.limit_in_bytes"},
            {CG_V1, "cgroup.subtree_control"},
            {CG_V2, "cgroup.clone_children"},
            {CG_V1, "cgroup.type"},
            {CG_V2, "hugetlb.2XB.max"},
            {CG_V2, "hugetlb..max"},
            {CG_V2, "hugetlb.MB.max"},
            {CG_V2, "hugetlb.2MB"},
            {CG_V2, "hugetlb.2MB.max.extra"},
            {CG_V2, "hugetlb.2MB.2MB.max"},
            {CG_V2, "hugetlb.2mb.max"},
            {CG_V1, "hugetlb.2MB.max"},
            {CG_V2, "hugetlb.2MB.limit_in_bytes"},
            {CG_V1, "hugetlb..limit_in_bytes"},
            {CG_V1, "cpu.stat"},
            {CG_V2, "memory.current"},
            {CG_V2, "cgroup.procs"},
            {CG_V1, "tasks"},
            {CG_V1, "release_agent"},
            {CG_V1, "devices.allow"},
            {CG_V2, ""},
            {CG_V2, "cpu.max "},
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
            "cpuset.cpu_exclusive",
            "cpuset.mem_exclusive",
            "cpuset.sched_load_balance",
        };
        for (size_t i = 0; i < ARRAY_SIZE(never); i++) {
                ok(prop_is_forbidden(never[i]), "%s is forbidden", never[i]);
                ok(prop_lookup(CG_V1, never[i]) == NULL && prop_lookup(CG_V2, never[i]) == NULL,
                   "%s is in neither allowlist", never[i]);
        }
        static const char *const fine[] = {"cpu.shares", "memory.max", "cgroup.subtree_control",
                                           "cpuset.cpus", "pids.max"};
        for (size_t i = 0; i < ARRAY_SIZE(fine); i++)
                ok(!prop_is_forbidden(fine[i]), "%s is not forbidden", fine[i]);

        /* the allowlist and the never-list never meet */
        bool overlap = false;
        size_t n = prop_count();
        for (size_t i = 0; i < n; i++)
                if (prop_is_forbidden(prop_at(i)->name)) {
                        overlap = true;
                        tap_diag("allowlisted and forbidden: %s", prop_at(i)->name);
                }
        ok(n > 40 && !overlap, "none of the %zu allowlist entries is forbidden", n);
        ok(prop_at(n) == NULL, "prop_at past the end is NULL");

        /* every default value passes its own grammar, and is a default. The
         * v1 page-counter limits have "unlimited" instead: the kernel prints
         * unlimited as a page-size-dependent number (prop_value_is_unlimited),
         * so their default is every such number and -1, never a literal */
        bool bad_default = false;
        for (size_t i = 0; i < n; i++) {
                const struct prop_def *d = prop_at(i);
                char *c = NULL;
                const char *why = NULL;
                if (!d->dflt)
                        continue;
                if (d->version == CG_V1 && streq(d->dflt, "unlimited")) {
                        if (!prop_is_default(d, "9223372036854771712") ||
                            !prop_is_default(d, "9223372036854775807") ||
                            !prop_is_default(d, "-1") || prop_is_default(d, "104857600") ||
                            prop_check_value(d, "9223372036854771712", NULL, &why) < 0) {
                                bad_default = true;
                                tap_diag("unlimited default of %s is not what v1 prints", d->name);
                        }
                        continue;
                }
                if (prop_check_value(d, d->dflt, &c, &why) < 0 || !prop_is_default(d, d->dflt)) {
                        bad_default = true;
                        tap_diag("default of %s (\"%s\") refused: %s", d->name, d->dflt,
                                 why ? why : "not its own default");
                }
                free(c);
        }
        ok(!bad_default, "every allowlist default passes its own grammar (v1 unlimited: every "
                         "value v1 prints for it)");

        /* the unlimited test save and the planner use */
        static const struct {
                const char *v;
                bool want;
        } unl[] = {
            {"-1", true},
            {"max", true},
            {"9223372036854771712", true},
            {"9223372036854775807", true},
            {"9223372019674906624", true},
            {"9223372019674906623", false},
            {"0", false},
            {"104857600", false},
            {"", false},
            {"max ", false},
            {"-2", false},
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
        const struct prop_def *blk = prop_lookup(CG_V1, "blkio.weight");
        ok(blk && !blk->dflt && !prop_is_default(blk, "500"),
           "a property without a default is always saved (blkio.weight)");

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
        check(CG_V2, "io.latency", "8:0 target=10", true);

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

int main(void)
{
        test_lookup();
        test_forbidden();
        test_values();
        test_names();
        test_utf8();
        test_controllers();
        return tap_done();
}
