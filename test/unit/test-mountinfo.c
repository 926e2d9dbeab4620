/* mountinfo and /proc/<pid>/cgroup parsing on literal lines and on a real
 * runc 1.1.5 prestart capture from a hybrid (v1 + unified) host. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/caps.h"
#include "cgbind/cgname.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

#include "tap.h"

/* The controllers of v1 super options, or NULL when refused. */
static char *opts_controllers(const char *opts)
{
        char *c = NULL;
        if (cgroup_v1_controllers_from_opts(opts, &c) < 0)
                return NULL;
        return c;
}

/* controllers_canonical on a copy of s, or NULL when refused. */
static char *canonical(const char *s)
{
        char *c = NULL;
        if (controllers_canonical(xstrdup(s), &c) < 0)
                return NULL;
        return c;
}

static int mi_parse(const char *s, struct mountinfo *mi, struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        return mountinfo_parse(s, strlen(s), mi, err);
}

static void test_escapes(void)
{
        struct mountinfo mi = { 0 };
        struct cgbind_error err;
        /* the kernel's show_mountinfo() escapes " \t\n\\" as \ooo */
        const char *line =
                "36 35 98:0 /mnt\\040dir\\134x /mnt/with\\040space\\011tab\\012nl\\134bs "
                "rw,noatime master:1 - ext3 /dev/ro\\040ot rw,errors=continue\n";
        int r = mi_parse(line, &mi, &err);
        is_int(r, 0, "escaped line parses (%s)", err.msg);
        is_int(mi.n, 1, "one entry");
        if (mi.n == 1) {
                const struct mountinfo_entry *e = &mi.entries[0];
                is_str(e->root, "/mnt dir\\x", "root: \\040 is a space, \\134 a backslash");
                is_str(e->mountpoint, "/mnt/with space\ttab\nnl\\bs",
                       "mount point: \\040 space, \\011 tab, \\012 newline, \\134 backslash");
                is_str(e->source, "/dev/ro ot", "source is unescaped too");
                is_int(e->mount_id, 36, "mount id");
                is_int(e->parent_id, 35, "parent id");
                is_int(e->major, 98, "major");
                is_int(e->minor, 0, "minor");
                is_str(e->mount_opts, "rw,noatime", "mount options");
                is_str(e->fstype, "ext3", "fs type");
                is_str(e->super_opts, "rw,errors=continue", "super options");
        }
        mountinfo_free(&mi);

        /* an escape at the very end of a field, and text that only looks like one */
        line = "1 0 8:1 /a\\134 /b\\9zz\\04 rw - ext4 /dev/sda1 rw";
        r = mi_parse(line, &mi, &err);
        is_int(r, 0, "escape at field end, last line without newline (%s)", err.msg);
        if (r == 0 && mi.n == 1) {
                is_str(mi.entries[0].root, "/a\\", "\\134 at the end of the root");
                is_str(mi.entries[0].mountpoint, "/b\\9zz\\04",
                       "a backslash not followed by three octal digits is kept");
        }
        mountinfo_free(&mi);
}

static void test_optional_fields(void)
{
        static const struct {
                const char *opt;
                const char *what;
        } cases[] = {
                { "", "zero optional fields" },
                { " shared:1", "one optional field" },
                { " shared:1 master:2 propagate_from:3", "three optional fields" },
                { " shared:1 master:2 propagate_from:3 unbindable", "four optional fields" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char line[512];
                struct mountinfo mi = { 0 };
                struct cgbind_error err;
                snprintf(line, sizeof(line),
                         "40 31 0:37 /probe1 /sys/fs/cgroup/systemd rw,nosuid%s - cgroup cgroup "
                         "rw,xattr,name=systemd\n",
                         cases[i].opt);
                int r = mi_parse(line, &mi, &err);
                ok(r == 0 && mi.n == 1, "%s: parses (%s)", cases[i].what, err.msg);
                if (r == 0 && mi.n == 1) {
                        const struct mountinfo_entry *e = &mi.entries[0];
                        ok(streq(e->fstype, "cgroup") && streq(e->source, "cgroup") &&
                                   streq(e->super_opts, "rw,xattr,name=systemd") &&
                                   streq(e->mount_opts, "rw,nosuid") && streq(e->root, "/probe1") &&
                                   streq(e->mountpoint, "/sys/fs/cgroup/systemd") &&
                                   e->major == 0 && e->minor == 37,
                           "%s: fields after \"-\" found", cases[i].what);
                }
                mountinfo_free(&mi);
        }

        /* a super option list that itself contains " - "-looking text cannot
         * move the separator: the first lone "-" after field 6 counts */
        struct mountinfo mi = { 0 };
        struct cgbind_error err;
        int r = mi_parse("1 0 0:5 / /x rw shared:1 - tmpfs - rw\n", &mi, &err);
        ok(r == 0 && mi.n == 1 && streq(mi.entries[0].fstype, "tmpfs") &&
                   streq(mi.entries[0].source, "-") && streq(mi.entries[0].super_opts, "rw"),
           "source \"-\" after the separator is a field, not a second separator");
        mountinfo_free(&mi);
}

static void test_malformed(void)
{
        static const struct {
                const char *line;
                const char *what;
        } bad[] = {
                { "36 35 98:0 / /mnt rw - ext3", "too few fields" },
                { "36 35 98:0 /", "four fields" },
                { "36 35 98:0 / /mnt rw master:1 ext3 /dev/root rw,errors=continue",
                  "no \"-\" separator" },
                { "36 35 98:0 / /mnt rw master:1 ext3 /dev/root rw -", "\"-\" as the last field" },
                { "36 35 98:0 / /mnt rw - ext3 /dev/root", "two fields after \"-\"" },
                { "36 35 98:0 / /mnt rw shared:1 - ext3 /dev/root",
                  "ten fields, but two after \"-\"" },
                { "36 35 98:0 / /mnt rw shared:1 master:2 - ext3",
                  "eleven fields, but one after \"-\"" },
                { "x6 35 98:0 / /mnt rw - ext3 /dev/root rw", "non-numeric mount id" },
                { "36 3y 98:0 / /mnt rw - ext3 /dev/root rw", "non-numeric parent id" },
                { "-36 35 98:0 / /mnt rw - ext3 /dev/root rw", "negative mount id" },
                { "99999999999 35 98:0 / /mnt rw - ext3 /dev/root rw", "mount id too big" },
                { "36 35 98-0 / /mnt rw - ext3 /dev/root rw", "major-minor without ':'" },
                { "36 35 98: / /mnt rw - ext3 /dev/root rw", "empty minor" },
                { "36 35 :0 / /mnt rw - ext3 /dev/root rw", "empty major" },
                { "36 35 9a:0 / /mnt rw - ext3 /dev/root rw", "non-numeric major" },
                { "36 35 98:0x1 / /mnt rw - ext3 /dev/root rw", "non-numeric minor" },
                { "36 35 98:0:1 / /mnt rw - ext3 /dev/root rw", "two colons in major:minor" },
                { "36  35 98:0 / /mnt rw - ext3 /dev/root rw", "double space (empty field)" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct mountinfo mi = { .n = 4242 };
                struct cgbind_error err;
                int r = mi_parse(bad[i].line, &mi, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "line 1") &&
                           mi.n == 4242,
                   "%s: refused, output untouched (%s)", bad[i].what, err.msg);
        }

        /* a bad line after good ones fails the whole parse, naming the line */
        struct mountinfo mi = { 0 };
        struct cgbind_error err;
        int r = mi_parse("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
                         "2 1 0:22 / /sys rw - sysfs sysfs rw\n"
                         "3 2 0:29 / /sys/fs/cgroup/cpu rw - cgroup\n",
                         &mi, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "line 3"),
           "third line malformed: whole parse refused, line 3 named (%s)", err.msg);
        ok(mi.n == 0 && mi.entries == NULL, "nothing returned");

        r = mi_parse("", &mi, &err);
        ok(r == 0 && mi.n == 0, "empty buffer: zero entries");
        mountinfo_free(&mi);
        r = mi_parse("\n\n1 0 8:1 / / rw - ext4 /dev/sda1 rw\n\n", &mi, &err);
        ok(r == 0 && mi.n == 1, "blank lines are skipped");
        mountinfo_free(&mi);
}

static const char *const memory_root = "/process_api/c816ec1db430391f6e1b8277d9ac4808/probe1";

static void test_fixture(void)
{
        size_t len;
        char *buf = tap_read_data("runc-hybrid-prestart.mountinfo", &len);
        struct mountinfo mi = { 0 };
        struct cgbind_error err = { 0 };
        int r = mountinfo_parse(buf, len, &mi, &err);
        is_int(r, 0, "runc prestart mountinfo parses (%s)", err.msg);
        is_int(mi.n, 37, "all 37 lines");
        if (mi.n == 37) {
                const struct mountinfo_entry *e = &mi.entries[0];
                ok(e->mount_id == 44 && e->parent_id == 43 && e->major == 254 && e->minor == 0 &&
                           streq(e->root, "/") && streq(e->mountpoint, "/") &&
                           streq(e->fstype, "ext4") && streq(e->source, "/dev/vda") &&
                           streq(e->super_opts, "rw,discard,resv_strict,resuid=65534,resgid=65534"),
                   "first line: the host's root");
                e = &mi.entries[36];
                ok(e->mount_id == 81 && e->parent_id == 72 && e->major == 0 && e->minor == 37 &&
                           streq(e->root, "/probe1") &&
                           streq(e->mountpoint, "/var/tmp/probe/rootfs/sys/fs/cgroup/systemd") &&
                           streq(e->mount_opts, "ro,nosuid,nodev,noexec,relatime") &&
                           streq(e->super_opts, "rw,name=systemd"),
                   "last line: the container's name=systemd bind");
        }

        static const char *const ctl[] = { "cpu",     "cpuacct", "cpuset", "memory", "devices",
                                           "freezer", "blkio",   "pids",   "systemd" };
        static const unsigned minors[] = { 29, 30, 31, 32, 33, 34, 35, 36, 37 };
        size_t host_cg = 0, ctr_cg = 0, cg2 = 0;
        for (size_t i = 0; i < mi.n; i++) {
                const struct mountinfo_entry *e = &mi.entries[i];
                if (streq(e->fstype, "cgroup2"))
                        cg2++;
                if (!streq(e->fstype, "cgroup"))
                        continue;
                if (streq(e->root, "/") && startswith(e->mountpoint, "/sys/fs/cgroup/"))
                        host_cg++;
                else if (startswith(e->mountpoint, "/var/tmp/probe/rootfs/sys/fs/cgroup/"))
                        ctr_cg++;
        }
        is_int(host_cg, 9, "nine host v1 mounts with root /");
        is_int(ctr_cg, 9, "nine container v1 binds under the rootfs");
        is_int(cg2, 1, "one cgroup2 mount (the host's unified)");
        for (size_t k = 0; k < ARRAY_SIZE(ctl); k++) {
                char mp[128];
                snprintf(mp, sizeof(mp), "/var/tmp/probe/rootfs/sys/fs/cgroup/%s", ctl[k]);
                const struct mountinfo_entry *found = NULL;
                for (size_t i = 0; i < mi.n; i++)
                        if (streq(mi.entries[i].mountpoint, mp))
                                found = &mi.entries[i];
                ok(found != NULL, "container mount %s found", mp);
                if (!found)
                        continue;
                is_str(found->root, streq(ctl[k], "memory") ? memory_root : "/probe1", "root of %s",
                       mp);
                ok(found->major == 0 && found->minor == minors[k], "device 0:%u of %s", minors[k],
                   mp);
                _cleanup_free_ char *c = opts_controllers(found->super_opts);
                is_str(c, streq(ctl[k], "systemd") ? "name=systemd" : ctl[k], "controllers of %s",
                       mp);
        }
        mountinfo_free(&mi);
        ok(mi.n == 0 && mi.entries == NULL, "mountinfo_free resets");
        free(buf);
}

static int pc_parse(const char *s, struct proc_cgroup *pc, struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        return proc_cgroup_parse(s, strlen(s), pc, err);
}

static void test_proc_cgroup(void)
{
        size_t len;
        char *buf = tap_read_data("runc-hybrid-prestart.cgroup", &len);
        struct proc_cgroup pc = { 0 };
        struct cgbind_error err = { 0 };
        int r = proc_cgroup_parse(buf, len, &pc, &err);
        is_int(r, 0, "runc prestart /proc/<pid>/cgroup parses (%s)", err.msg);
        is_int(pc.n, 10, "ten lines");
        if (pc.n == 10) {
                ok(pc.entries[0].hierarchy_id == 9 &&
                           streq(pc.entries[0].controllers, "name=systemd") &&
                           streq(pc.entries[0].path, "/probe1"),
                   "9:name=systemd:/probe1");
                ok(pc.entries[5].hierarchy_id == 4 && streq(pc.entries[5].controllers, "memory") &&
                           streq(pc.entries[5].path, memory_root),
                   "4:memory:/process_api/.../probe1");
                ok(pc.entries[8].hierarchy_id == 1 && streq(pc.entries[8].controllers, "cpu") &&
                           streq(pc.entries[8].path, "/probe1"),
                   "1:cpu:/probe1");
                ok(pc.entries[9].hierarchy_id == 0 && streq(pc.entries[9].controllers, "") &&
                           streq(pc.entries[9].path, "/probe1"),
                   "0::/probe1 (the unified hierarchy)");
        }
        proc_cgroup_free(&pc);
        free(buf);

        r = pc_parse("0::/user.slice/x.scope\n", &pc, &err);
        ok(r == 0 && pc.n == 1 && pc.entries[0].hierarchy_id == 0 &&
                   streq(pc.entries[0].controllers, "") &&
                   streq(pc.entries[0].path, "/user.slice/x.scope"),
           "v2 only: 0::/user.slice/x.scope");
        proc_cgroup_free(&pc);

        r = pc_parse("0::/a:b/c:d\n", &pc, &err);
        ok(r == 0 && pc.n == 1 && streq(pc.entries[0].path, "/a:b/c:d"),
           "a path containing ':' is kept whole");
        proc_cgroup_free(&pc);

        r = pc_parse("1:name=systemd:/user.slice/user-1000.slice/session-2.scope", &pc, &err);
        ok(r == 0 && pc.n == 1 && pc.entries[0].hierarchy_id == 1 &&
                   streq(pc.entries[0].controllers, "name=systemd") &&
                   streq(pc.entries[0].path, "/user.slice/user-1000.slice/session-2.scope"),
           "name=systemd, last line without newline");
        proc_cgroup_free(&pc);

        r = pc_parse("4:cpu,cpuacct:/ctr\n5:cpuacct,cpu:/ctr2\n6:net_prio,net_cls:/\n", &pc, &err);
        ok(r == 0 && pc.n == 3, "co-mounted controllers parse");
        if (r == 0 && pc.n == 3) {
                is_str(pc.entries[0].controllers, "cpu,cpuacct", "cpu,cpuacct as printed");
                is_str(pc.entries[1].controllers, "cpu,cpuacct",
                       "cpuacct,cpu canonicalised to cpu,cpuacct");
                is_str(pc.entries[2].controllers, "net_cls,net_prio",
                       "net_prio,net_cls canonicalised to net_cls,net_prio");
                is_str(pc.entries[2].path, "/", "root path /");
        }
        proc_cgroup_free(&pc);

        static const struct {
                const char *text;
                const char *what;
        } bad[] = {
                { "0:/x\n", "one colon" },
                { "0\n", "no colon" },
                { "x:cpu:/a\n", "non-numeric id" },
                { ":cpu:/a\n", "empty id" },
                { "-1:cpu:/a\n", "negative id" },
                { "1:cpu:\n", "empty path" },
                { "1:cpu:relative/path\n", "relative path" },
                { "99999999999:cpu:/a\n", "id too big" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct proc_cgroup out = { .n = 4242 };
                r = pc_parse(bad[i].text, &out, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "line 1") &&
                           out.n == 4242,
                   "/proc/<pid>/cgroup %s: refused (%s)", bad[i].what, err.msg);
        }
        r = pc_parse("1:cpu:/a\n2:memory:/a\nbroken\n", &pc, &err);
        ok(r < 0 && has_str(err.msg, "line 3") && pc.n == 0,
           "a malformed third line refuses the whole file (%s)", err.msg);
}

static void test_super_opts(void)
{
        static const char *const cases[][2] = {
                { "rw,cpu,cpuacct", "cpu,cpuacct" },
                { "rw,cpuacct,cpu", "cpu,cpuacct" },
                { "rw,xattr,name=systemd", "name=systemd" },
                /* nosuid is a VFS flag, never a controller */
                { "rw,nosuid,release_agent=/x,memory", "memory" },
                { "rw,nosuid,nodev,noexec,relatime,pids", "pids" },
                { "rw,clone_children,cpuset", "cpuset" },
                { "rw,noprefix,cpuset_v2_mode,cpuset", "cpuset" },
                { "ro,net_prio,net_cls", "net_cls,net_prio" },
                { "rw,memory", "memory" },
                { "rw", "" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                _cleanup_free_ char *c = opts_controllers(cases[i][0]);
                is_str(c, cases[i][1], "super options %s -> \"%s\"", cases[i][0], cases[i][1]);
        }

        char *c = canonical("pids,memory,cpu,blkio");
        is_str(c, "blkio,cpu,memory,pids", "controllers_canonical sorts");
        free(c);
        c = canonical("cpu");
        is_str(c, "cpu", "controllers_canonical: one controller");
        free(c);
        c = canonical("");
        is_str(c, "", "controllers_canonical: empty list");
        free(c);
        c = canonical("cpu,,cpuacct,cpu,");
        is_str(c, "cpu,cpuacct", "controllers_canonical: empty and repeated names dropped");
        free(c);

        /* at most CGBIND_MAX_CONTROLLERS names; the 65th is an error, never a cut */
        struct strbuf sb = { 0 };
        for (int i = 0; i < CGBIND_MAX_CONTROLLERS; i++)
                strbuf_appendf(&sb, "%sc%02d", i ? "," : "", i);
        c = canonical(sb.buf);
        ok(c && strlen(c) == sb.len, "controllers_canonical: %d names accepted",
           CGBIND_MAX_CONTROLLERS);
        free(c);
        strbuf_appendf(&sb, ",c%02d", CGBIND_MAX_CONTROLLERS);
        c = (char *)"untouched";
        int r = controllers_canonical(xstrdup(sb.buf), &c);
        ok(r == -E2BIG && streq(c, "untouched"),
           "controllers_canonical: %d names -> -E2BIG, *ret untouched", CGBIND_MAX_CONTROLLERS + 1);
        strbuf_free(&sb);

        /* the same cap through the super options of a mount */
        strbuf_append(&sb, "rw,nosuid", 9);
        for (int i = 0; i <= CGBIND_MAX_CONTROLLERS; i++)
                strbuf_appendf(&sb, ",c%02d", i);
        c = NULL;
        ok(cgroup_v1_controllers_from_opts(sb.buf, &c) == -E2BIG && c == NULL,
           "super options with %d controllers: -E2BIG", CGBIND_MAX_CONTROLLERS + 1);
        strbuf_free(&sb);

        /* which mounts are cgroup mounts */
        struct mountinfo_entry e = { .fstype = (char *)"cgroup" };
        bool v2 = true;
        ok(mountinfo_is_cgroup(&e, &v2) && !v2, "fstype cgroup: a v1 cgroup mount");
        e.fstype = (char *)"cgroup2";
        v2 = false;
        ok(mountinfo_is_cgroup(&e, &v2) && v2, "fstype cgroup2: a v2 cgroup mount");
        e.fstype = (char *)"tmpfs";
        ok(!mountinfo_is_cgroup(&e, &v2), "fstype tmpfs: not a cgroup mount");
        e.fstype = (char *)"cgroup2x";
        ok(!mountinfo_is_cgroup(&e, &v2), "fstype cgroup2x: not a cgroup mount");
}

static void test_path_is_beneath(void)
{
        static const struct {
                const char *path, *prefix;
                bool want;
        } cases[] = {
                { "/a/b", "/a/b", true },
                { "/a/b/c", "/a/b", true },
                { "/a/b/c/d", "/a/b", true },
                { "/a/bc", "/a/b", false },
                { "/a/b.c", "/a/b", false },
                { "/a", "/a/b", false },
                { "/", "/a", false },
                { "/b/a", "/a", false },
                { "/anything/at/all", "/", true },
                { "/", "/", true },
                { "/a/b/c", "/a/b/", true },
                { "/a/b", "/a/b/", true },
                { "/a/bc", "/a/b/", false },
                { "/a/b/", "/a/b", true },
                { "/a/b", "/a/b//", true },
                { "/var/tmp/probe/rootfs/sys/fs/cgroup/cpu", "/var/tmp/probe/rootfs", true },
                { "/var/tmp/probe/rootfs2/sys", "/var/tmp/probe/rootfs", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                ok(path_is_beneath(cases[i].path, cases[i].prefix) == cases[i].want,
                   "path_is_beneath(\"%s\", \"%s\") is %s", cases[i].path, cases[i].prefix,
                   cases[i].want ? "true" : "false");
        /* "//" is the root with a trailing slash, so everything is beneath it */
        ok(path_is_beneath("/a", "//"), "path_is_beneath(\"/a\", \"//\") is true");
}

static void test_path_helpers(void)
{
        static const struct {
                const char *p;
                bool want;
        } normal[] = {
                { "/", true },      { "/a", true },      { "/a/b.c/d", true }, { "/..a/b..", true },
                { "", false },      { "a/b", false },    { "/a/", false },     { "//a", false },
                { "/a//b", false }, { "/a/./b", false }, { "/a/.", false },    { "/a/../b", false },
                { "/..", false },   { "/a/..", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(normal); i++)
                ok(path_is_normal(normal[i].p) == normal[i].want, "path_is_normal(\"%s\") is %s",
                   normal[i].p, normal[i].want ? "true" : "false");

        is_str(path_rel_below("/a/b/c", "/a"), "b/c", "path_rel_below(/a/b/c, /a)");
        is_str(path_rel_below("/a/b", "/a/b"), "", "path_rel_below of itself is \"\"");
        is_str(path_rel_below("/a/b", "/"), "a/b", "path_rel_below(/a/b, /)");
        is_str(path_rel_below("/", "/"), "", "path_rel_below(/, /)");

        static const struct {
                const char *path, *suffix;
                bool want;
        } ends[] = {
                { "/a/b/c", "b/c", true },     { "/a/b/c", "/b/c", true },
                { "/a/b/c", "c", true },       { "/a/b/c", "/a/b/c", true },
                { "/a/b/c", "/c/x", false },   { "/a/b/c", "b/", false },
                { "/a/bb/c", "b/c", false },   { "/a/b/c", "", false },
                { "/a/b/c", "/", false },      { "/c", "/a/b/c", false },
                { "/x/ctr-1", "ctr-1", true }, { "/x/octr-1", "ctr-1", false },
        };
        for (size_t i = 0; i < ARRAY_SIZE(ends); i++)
                ok(path_ends_with(ends[i].path, ends[i].suffix) == ends[i].want,
                   "path_ends_with(\"%s\", \"%s\") is %s", ends[i].path, ends[i].suffix,
                   ends[i].want ? "true" : "false");
}

int main(void)
{
        test_escapes();
        test_optional_fields();
        test_malformed();
        test_fixture();
        test_proc_cgroup();
        test_super_opts();
        test_path_is_beneath();
        test_path_helpers();
        return tap_done();
}
