/* locate_resolve: which of the container's cgroup mounts are its own
 * pre-bound top-level cgroups, and where each one is on the host. Pure: real
 * runc captures from a hybrid host, then literal variants of them. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/locate.h"

#include "tap.h"

#define ROOTFS    "/var/tmp/probe/rootfs"
#define MEMORY_CG "/process_api/c816ec1db430391f6e1b8277d9ac4808/probe1"

static char *host_mi;
static size_t host_mi_len;

static int resolve(const char *cmi, const char *pc, const char *host, bool pivoted,
                   struct located *loc, struct cgbind_error *err)
{
        struct locate_input in = {
                .rootfs = pivoted ? NULL : ROOTFS,
                .pivoted = pivoted,
                .container_mountinfo = cmi,
                .container_mountinfo_len = strlen(cmi),
                .proc_cgroup = pc,
                .proc_cgroup_len = strlen(pc),
                .host_mountinfo = host ? host : host_mi,
                .host_mountinfo_len = host ? strlen(host) : host_mi_len,
        };
        *err = (struct cgbind_error){ 0 };
        *loc = (struct located){ 0 };
        return locate_resolve(&in, loc, err);
}

static struct located_hierarchy *find(struct located *loc, const char *controllers)
{
        for (size_t i = 0; i < loc->n; i++)
                if (streq(loc->h[i].controllers, controllers))
                        return &loc->h[i];
        return NULL;
}

static size_t n_usable(const struct located *loc)
{
        size_t n = 0;
        for (size_t i = 0; i < loc->n; i++)
                n += loc->h[i].refused == NULL;
        return n;
}

/* The runc capture: 9 v1 hierarchies, none the host's own, no unified one. */
static void check_runc_answer(struct located *loc, bool pivoted, const char *what)
{
        static const struct {
                const char *controllers, *dir;
                unsigned minor;
        } want[] = {
                { "cpu", "cpu", 29 },
                { "cpuacct", "cpuacct", 30 },
                { "cpuset", "cpuset", 31 },
                { "memory", "memory", 32 },
                { "devices", "devices", 33 },
                { "freezer", "freezer", 34 },
                { "blkio", "blkio", 35 },
                { "pids", "pids", 36 },
                { "name=systemd", "systemd", 37 },
        };
        is_int(loc->n, 9, "%s: 9 hierarchies located", what);
        is_int(n_usable(loc), 9, "%s: all 9 usable", what);
        ok(loc->from_mounts, "%s: found from the container's mounts", what);
        bool any_root = false, any_v2 = false;
        for (size_t i = 0; i < loc->n; i++) {
                any_root |= loc->h[i].cgroup_path && streq(loc->h[i].cgroup_path, "/");
                any_v2 |= loc->h[i].version == CG_V2;
                if (loc->h[i].refused)
                        tap_diag("%s refused: %s", loc->h[i].controllers, loc->h[i].refused);
        }
        ok(!any_root, "%s: none is a hierarchy's root / (the host's own mounts)", what);
        ok(!any_v2, "%s: the unified cgroup2 hierarchy is not among them", what);
        for (size_t k = 0; k < ARRAY_SIZE(want); k++) {
                struct located_hierarchy *h = find(loc, want[k].controllers);
                ok(h != NULL, "%s: %s located", what, want[k].controllers);
                if (!h)
                        continue;
                bool mem = streq(want[k].controllers, "memory");
                char host_path[256], cpath[128], hmp[128];
                snprintf(host_path, sizeof(host_path), "/sys/fs/cgroup/%s%s", want[k].dir,
                         mem ? MEMORY_CG : "/probe1");
                snprintf(cpath, sizeof(cpath), "/sys/fs/cgroup/%s", want[k].dir);
                snprintf(hmp, sizeof(hmp), "/sys/fs/cgroup/%s", want[k].dir);
                ok(h->version == CG_V1 && h->refused == NULL && h->dirfd == -1,
                   "%s: %s is v1, usable, not opened", what, want[k].controllers);
                is_str(h->host_path, host_path, "%s: %s host_path", what, want[k].controllers);
                is_str(h->host_mountpoint, hmp, "%s: %s host mount point", what,
                       want[k].controllers);
                is_str(h->host_rel, host_path + strlen(hmp) + 1, "%s: %s host_rel", what,
                       want[k].controllers);
                is_str(h->cgroup_path, mem ? MEMORY_CG : "/probe1", "%s: %s cgroup_path", what,
                       want[k].controllers);
                is_str(h->init_rel, "", "%s: %s init_rel", what, want[k].controllers);
                is_str(h->container_path, cpath, "%s: %s container_path (inside the rootfs)", what,
                       want[k].controllers);
                ok(h->major == 0 && h->minor == want[k].minor, "%s: %s device 0:%u", what,
                   want[k].controllers, want[k].minor);
        }
        (void)pivoted;
}

static void test_runc_fixtures(void)
{
        size_t len, pc_len, post_len;
        char *pre = tap_read_data("runc-hybrid-prestart.mountinfo", &len);
        char *pc = tap_read_data("runc-hybrid-prestart.cgroup", &pc_len);
        char *post = tap_read_data("runc-hybrid-poststart.mountinfo", &post_len);
        struct located loc;
        struct cgbind_error err;

        int r = resolve(pre, pc, NULL, false, &loc, &err);
        is_int(r, 0, "runc prestart: resolves (%s)", err.msg);
        check_runc_answer(&loc, false, "prestart");
        located_free(&loc);
        ok(loc.n == 0 && loc.h == NULL, "located_free resets");

        r = resolve(post, pc, NULL, true, &loc, &err);
        is_int(r, 0, "runc poststart (pivoted): resolves (%s)", err.msg);
        check_runc_answer(&loc, true, "poststart");
        located_free(&loc);

        /* The hook's own table may list the container's read-only binds too
         * (same mount namespace): they are never the way in. */
        r = resolve(pre, pc, pre, false, &loc, &err);
        is_int(r, 0, "prestart, host table = the prestart table: resolves (%s)", err.msg);
        check_runc_answer(&loc, false, "host table with the container's binds");
        located_free(&loc);

        /* rootfs unknown before pivot: cannot tell the container's mounts apart */
        struct locate_input in = {
                .rootfs = NULL,
                .pivoted = false,
                .container_mountinfo = pre,
                .container_mountinfo_len = len,
                .proc_cgroup = pc,
                .proc_cgroup_len = pc_len,
                .host_mountinfo = host_mi,
                .host_mountinfo_len = host_mi_len,
        };
        err = (struct cgbind_error){ 0 };
        loc = (struct located){ .n = 4242 };
        r = locate_resolve(&in, &loc, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && loc.n == 4242,
           "not pivoted and no rootfs: refused (%s)", err.msg);

        /* a malformed mount table is an error, not an empty answer */
        r = resolve("garbage line\n", pc, NULL, false, &loc, &err);
        ok(r < 0 && err.status == CGBIND_INVALID, "malformed container mountinfo refused (%s)",
           err.msg);
        r = resolve(pre, "bogus\n", NULL, false, &loc, &err);
        ok(r < 0 && err.status == CGBIND_INVALID, "malformed /proc/<pid>/cgroup refused (%s)",
           err.msg);
        free(pre);
        free(pc);
        free(post);
}

/* the host's cpu mount as seen before pivot, and the container's bind of it */
#define HOST_CPU "49 48 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
#define CTR_CPU(root)                                                                              \
        "73 72 0:29 " root " " ROOTFS "/sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime - "      \
        "cgroup cgroup rw,cpu\n"

/* The cpu hierarchy is located but refused, and nothing is usable. */
static void expect_refused_cpu_host(const char *cmi, const char *pc, const char *host, bool pivoted,
                                    const char *what)
{
        struct located loc;
        struct cgbind_error err;
        int r = resolve(cmi, pc, host, pivoted, &loc, &err);
        is_int(r, 0, "%s: resolve succeeds, the hierarchy is marked (%s)", what, err.msg);
        struct located_hierarchy *h = find(&loc, "cpu");
        ok(h && h->refused != NULL, "%s: cpu refused (%s)", what,
           h && h->refused ? h->refused : "not refused");
        is_int(n_usable(&loc), 0, "%s: nothing usable", what);
        located_free(&loc);
}

static void expect_refused_cpu(const char *cmi, const char *pc, bool pivoted, const char *what)
{
        expect_refused_cpu_host(cmi, pc, NULL, pivoted, what);
}

static void test_refusals(void)
{
        expect_refused_cpu(HOST_CPU CTR_CPU("/"), "1:cpu:/\n", false,
                           "container mount root / (the host's root cgroup)");
        expect_refused_cpu(HOST_CPU CTR_CPU("/"), "1:cpu:/probe1\n", false,
                           "container mount root / while the pid is in /probe1");
        expect_refused_cpu(HOST_CPU CTR_CPU("/other"), "1:cpu:/probe1\n", false,
                           "mount root is another container's cgroup /other");
        expect_refused_cpu(HOST_CPU CTR_CPU("/probe"), "1:cpu:/probe1\n", false,
                           "mount root /probe is a string prefix of /probe1, not an ancestor");
        expect_refused_cpu(HOST_CPU CTR_CPU("/ctr"), "1:cpu:/ctr/init.scope\n", false,
                           "mount root an ancestor of the pid's cgroup before pivot");
        expect_refused_cpu(HOST_CPU CTR_CPU("/ctr/init.scope"), "1:cpu:/ctr\n", false,
                           "mount root below the pid's cgroup");
        expect_refused_cpu(HOST_CPU CTR_CPU("/probe1"), "1:cpuacct:/probe1\n", false,
                           "the pid is in no cgroup of the mounted hierarchy");
        expect_refused_cpu(HOST_CPU CTR_CPU("/probe1/../other"), "1:cpu:/probe1/../other\n", false,
                           "a mount root with ..");
        /* no host mount of the hierarchy: nothing to reach it through */
        expect_refused_cpu_host(CTR_CPU("/probe1"), "1:cpu:/probe1\n",
                                "1 0 254:0 / / rw - ext4 /dev/vda rw\n", false,
                                "the hook has no mount of the hierarchy");
        /* the hook's only mount of it is the container's own read-only bind */
        expect_refused_cpu_host(CTR_CPU("/probe1"), "1:cpu:/probe1\n", CTR_CPU("/probe1"), false,
                                "the hook's only mount is the container's bind");

        /* the same hierarchy bound twice with different roots */
        const char *twice =
                HOST_CPU CTR_CPU("/probe1") "74 72 0:29 /probe1/sub " ROOTFS
                                            "/sys/fs/cgroup/cpu2 ro - cgroup cgroup rw,cpu\n";
        expect_refused_cpu(twice, "1:cpu:/probe1\n", false,
                           "one hierarchy mounted twice with different roots");
        const char *twice_root =
                HOST_CPU CTR_CPU("/probe1") "74 72 0:29 / " ROOTFS
                                            "/mnt/hostcpu ro - cgroup cgroup rw,cpu\n";
        expect_refused_cpu(twice_root, "1:cpu:/probe1\n", false,
                           "one hierarchy mounted twice, the second at the root /");

        /* another container's binds (a sibling rootfs sharing the prefix) are not ours:
         * with none of our own, the answer comes from /proc/<pid>/cgroup */
        const char *sibling = HOST_CPU "74 72 0:29 /other " ROOTFS
                                       "2/sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu\n";
        struct located sl;
        struct cgbind_error serr;
        int sr = resolve(sibling, "1:cpu:/probe1\n", NULL, false, &sl, &serr);
        struct located_hierarchy *sh = find(&sl, "cpu");
        ok(sr == 0 && !sl.from_mounts && sl.n == 1 && sh && sh->refused == NULL &&
                   streq(sh->cgroup_path, "/probe1") && sh->container_path == NULL,
           "binds under " ROOTFS "2 are another container's: fallback to /probe1");
        located_free(&sl);

        /* the same root twice is the same answer, not a conflict */
        const char *same =
                HOST_CPU CTR_CPU("/probe1") "74 72 0:29 /probe1 " ROOTFS
                                            "/sys/fs/cgroup/cpu2 ro - cgroup cgroup rw,cpu\n";
        struct located loc;
        struct cgbind_error err;
        int r = resolve(same, "1:cpu:/probe1\n", NULL, false, &loc, &err);
        ok(r == 0 && loc.n == 1 && loc.h[0].refused == NULL,
           "one hierarchy mounted twice with the same root: one usable entry");
        located_free(&loc);
}

static void test_after_pivot(void)
{
        /* after pivot_root the workload (systemd) may have moved itself into a
         * sub-cgroup: the mount root is then an ancestor of the pid's cgroup */
        const char *cmi = "73 72 0:29 /ctr /sys/fs/cgroup/cpu ro,nosuid - cgroup cgroup rw,cpu\n";
        struct located loc;
        struct cgbind_error err;
        int r = resolve(cmi, "1:cpu:/ctr/init.scope\n", NULL, true, &loc, &err);
        is_int(r, 0, "pivoted, ancestor root: resolves (%s)", err.msg);
        struct located_hierarchy *h = find(&loc, "cpu");
        ok(h && h->refused == NULL, "pivoted, ancestor root: cpu usable (%s)",
           h && h->refused ? h->refused : "");
        if (h) {
                is_str(h->init_rel, "init.scope", "init_rel is the rest of the pid's path");
                is_str(h->cgroup_path, "/ctr", "cgroup_path is the mount root");
                is_str(h->host_path, "/sys/fs/cgroup/cpu/ctr", "host_path of /ctr");
                is_str(h->container_path, "/sys/fs/cgroup/cpu", "container_path after pivot");
        }
        located_free(&loc);

        r = resolve(cmi, "1:cpu:/ctr/a/b\n", NULL, true, &loc, &err);
        h = find(&loc, "cpu");
        ok(r == 0 && h && h->refused == NULL && streq(h->init_rel, "a/b"),
           "pivoted: init_rel of two levels is a/b");
        located_free(&loc);

        /* even after pivot, the host's root cgroup is refused */
        expect_refused_cpu("73 72 0:29 / /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu\n",
                           "1:cpu:/ctr\n", true, "pivoted, mount root /");
        /* and a root that is not an ancestor */
        expect_refused_cpu("73 72 0:29 /other /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu\n",
                           "1:cpu:/ctr\n", true, "pivoted, mount root /other");
}

/* Before runc restore's CRIU has made the mounts: /proc/<pid>/cgroup alone. */
static void test_fallback(void)
{
        size_t len, pc_len;
        char *pre = tap_read_data("runc-hybrid-prestart.mountinfo", &len);
        char *pc = tap_read_data("runc-hybrid-prestart.cgroup", &pc_len);
        /* the prestart table without the container's cgroup binds */
        struct strbuf sb = { 0 };
        size_t dropped = 0;
        for (const char *p = pre; *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
                bool bind = strstr(p, ROOTFS "/sys/fs/cgroup/") &&
                            (size_t)(strstr(p, ROOTFS "/sys/fs/cgroup/") - p) < l &&
                            strstr(p, " - cgroup ") && (size_t)(strstr(p, " - cgroup ") - p) < l;
                if (bind)
                        dropped++;
                else
                        strbuf_append(&sb, p, l);
                p += l;
        }
        is_int(dropped, 9, "fallback: the 9 container binds removed from the table");

        struct located loc;
        struct cgbind_error err;
        int r = resolve(sb.buf, pc, NULL, false, &loc, &err);
        is_int(r, 0, "no container cgroup mounts: resolves (%s)", err.msg);
        ok(!loc.from_mounts, "from_mounts is false");
        is_int(loc.n, 10, "all 10 hierarchies of /proc/<pid>/cgroup, unified included");
        is_int(n_usable(&loc), 10, "all usable");
        struct located_hierarchy *h = find(&loc, "memory");
        ok(h && h->refused == NULL, "fallback: memory usable");
        if (h) {
                is_str(h->host_path, "/sys/fs/cgroup/memory" MEMORY_CG,
                       "fallback: memory host_path");
                ok(h->container_path == NULL, "fallback: no container path");
                is_str(h->init_rel, "", "fallback: init_rel \"\"");
                ok(h->major == 0 && h->minor == 32, "fallback: device from the host's mount");
        }
        h = find(&loc, "");
        ok(h && h->version == CG_V2 && h->refused == NULL, "fallback: the unified hierarchy");
        if (h)
                is_str(h->host_path, "/sys/fs/cgroup/unified/probe1",
                       "fallback: unified host_path");
        h = find(&loc, "name=systemd");
        if (h)
                is_str(h->host_path, "/sys/fs/cgroup/systemd/probe1",
                       "fallback: name=systemd host_path");
        else
                ok(false, "fallback: name=systemd located");
        located_free(&loc);

        /* entries whose path is "/" are the host's root cgroup: refused */
        r = resolve(sb.buf, "2:cpuacct:/\n1:cpu:/probe1\n0::/\n", NULL, false, &loc, &err);
        is_int(r, 0, "fallback with / entries: resolves (%s)", err.msg);
        ok(!loc.from_mounts, "fallback with / entries: from_mounts false");
        h = find(&loc, "cpuacct");
        ok(h && h->refused != NULL, "fallback: cpuacct at / refused");
        h = find(&loc, "");
        ok(h && h->refused != NULL, "fallback: cgroup2 at / refused");
        h = find(&loc, "cpu");
        ok(h && h->refused == NULL && h->host_path &&
                   streq(h->host_path, "/sys/fs/cgroup/cpu/probe1"),
           "fallback: cpu at /probe1 usable");
        is_int(n_usable(&loc), 1, "fallback: one usable");
        located_free(&loc);

        /* a hierarchy the hook cannot see is simply absent */
        r = resolve(sb.buf, "12:rdma:/probe1\n1:cpu:/probe1\n", NULL, false, &loc, &err);
        ok(r == 0 && loc.n == 1 && find(&loc, "cpu") && !find(&loc, "rdma"),
           "fallback: a hierarchy without a host mount is left out");
        located_free(&loc);

        /* a cgroup outside the hook's cgroup namespace */
        r = resolve(sb.buf, "0::/../other\n", NULL, false, &loc, &err);
        h = find(&loc, "");
        ok(r == 0 && h && h->refused != NULL, "fallback: 0::/../other refused (%s)",
           h && h->refused ? h->refused : "");
        located_free(&loc);

        strbuf_free(&sb);
        free(pre);
        free(pc);
}

#define HOST_V2                                                                                    \
        "25 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "  \
        "rw,nsdelegate,memory_recursiveprot\n"
#define CTR_V2(root)                                                                               \
        "300 290 0:26 " root " " ROOTFS "/sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - "        \
        "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n"

static void test_v2_only(void)
{
        const char *cmi = "1 0 254:0 / / rw - ext4 /dev/vda rw\n" HOST_V2 "280 1 254:0 " ROOTFS
                          " " ROOTFS " rw - ext4 /dev/vda rw\n"
                          "290 280 0:44 / " ROOTFS "/sys ro - sysfs sysfs ro\n" CTR_V2("/ctr");
        const char *host = "1 0 254:0 / / rw - ext4 /dev/vda rw\n" HOST_V2;
        struct located loc;
        struct cgbind_error err;
        int r = resolve(cmi, "0::/ctr\n", host, false, &loc, &err);
        is_int(r, 0, "v2 only: resolves (%s)", err.msg);
        is_int(loc.n, 1, "v2 only: one hierarchy (the host's own cgroup2 mount is not one)");
        if (loc.n == 1) {
                struct located_hierarchy *h = &loc.h[0];
                ok(h->version == CG_V2 && h->refused == NULL, "v2 only: cgroup2, usable");
                is_str(h->controllers, "", "v2 only: controllers \"\"");
                is_str(h->host_path, "/sys/fs/cgroup/ctr", "v2 only: host_path");
                is_str(h->host_mountpoint, "/sys/fs/cgroup", "v2 only: host mount point");
                is_str(h->host_rel, "ctr", "v2 only: host_rel");
                is_str(h->cgroup_path, "/ctr", "v2 only: cgroup_path");
                is_str(h->container_path, "/sys/fs/cgroup", "v2 only: container_path");
                is_str(h->init_rel, "", "v2 only: init_rel");
                ok(h->major == 0 && h->minor == 26, "v2 only: device 0:26");
        }
        located_free(&loc);

        /* the pid's cgroup outside the container's cgroup namespace root */
        r = resolve(cmi, "0::/../other\n", host, false, &loc, &err);
        ok(r == 0 && loc.n == 1 && loc.h[0].refused != NULL,
           "v2: a /proc/<pid>/cgroup path with .. (0::/../other) refused (%s)",
           loc.n == 1 && loc.h[0].refused ? loc.h[0].refused : "");
        located_free(&loc);

        /* a deeper host mount of the same hierarchy that holds the cgroup is
         * used: host_rel is then relative to that mount's root */
        const char *host2 = "1 0 254:0 / / rw - ext4 /dev/vda rw\n" HOST_V2
                            "40 1 0:26 /machine.slice /run/ms rw - cgroup2 cgroup2 rw\n";
        r = resolve("300 290 0:26 /machine.slice/ctr /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n",
                    "0::/machine.slice/ctr\n", host2, true, &loc, &err);
        ok(r == 0 && loc.n == 1 && loc.h[0].refused == NULL, "v2, two host mounts: usable");
        if (r == 0 && loc.n == 1) {
                is_str(loc.h[0].host_path, "/run/ms/ctr", "v2: the closest host mount is used");
                is_str(loc.h[0].host_rel, "ctr", "v2: host_rel below that mount's root");
        }
        located_free(&loc);
}

static void test_comounted(void)
{
        const char *cmi =
                "49 48 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                "73 72 0:29 /ctr " ROOTFS
                "/sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
                "74 72 0:30 /ctr " ROOTFS "/sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n";
        const char *host =
                "49 48 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                "50 48 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
        const char *pcs[] = { "3:cpu,cpuacct:/ctr\n2:memory:/ctr\n",
                              "3:cpuacct,cpu:/ctr\n2:memory:/ctr\n" };
        for (size_t i = 0; i < ARRAY_SIZE(pcs); i++) {
                struct located loc;
                struct cgbind_error err;
                int r = resolve(cmi, pcs[i], host, false, &loc, &err);
                const char *what = i == 0 ? "cpu,cpuacct" : "cpuacct,cpu in /proc/<pid>/cgroup";
                is_int(r, 0, "co-mounted %s: resolves (%s)", what, err.msg);
                is_int(loc.n, 2, "co-mounted %s: two hierarchies", what);
                struct located_hierarchy *h = find(&loc, "cpu,cpuacct");
                ok(h && h->refused == NULL, "co-mounted %s: cpu,cpuacct usable", what);
                if (h)
                        is_str(h->host_path, "/sys/fs/cgroup/cpu,cpuacct/ctr",
                               "co-mounted %s: host_path", what);
                ok(locate_find(&loc, CG_V1, "cpu,cpuacct") == h && h,
                   "locate_find(v1, cpu,cpuacct)");
                ok(locate_find(&loc, CG_V1, "cpu") == NULL,
                   "locate_find(v1, cpu) is not the co-mounted hierarchy");
                ok(locate_find(&loc, CG_V2, "") == NULL, "locate_find(v2) finds nothing");
                h = find(&loc, "memory");
                ok(h && h->refused == NULL && streq(h->host_path, "/sys/fs/cgroup/memory/ctr"),
                   "co-mounted %s: memory beside it", what);
                located_free(&loc);
        }
}

/* A hierarchy is refused once, with the first reason, escaped. */
static void test_refuse(void)
{
        struct located_hierarchy h = { .version = CG_V1, .dirfd = -1 };
        ok(located_usable(&h), "a hierarchy without a reason is usable (no dirfd needed)");
        ok(!located_usable(NULL), "located_usable(NULL) is false");
        located_refuse(&h, "mount %s is odd", "/a\nb\x1b[31m");
        ok(!located_usable(&h), "refused: no longer usable");
        is_str(h.refused, "mount /a\\x0ab\\x1b[31m is odd", "the reason is escaped");
        located_refuse(&h, "a second reason");
        ok(h.refused && !strstr(h.refused, "second"), "the first reason stays");
        free(h.refused);
}

/* the hugetlb controller's names for the sizes in /sys/kernel/mm/hugepages */
static void test_hugepage_names(void)
{
        static const struct {
                unsigned long kib;
                const char *want;
        } cases[] = {
                { 64, "64KB" },      { 2048, "2MB" },    { 32768, "32MB" },
                { 524288, "512MB" }, { 1048576, "1GB" }, { 16777216, "16GB" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char buf[32];
                hugepage_size_name(cases[i].kib, buf, sizeof(buf));
                ok(streq(buf, cases[i].want), "hugepages-%lukB is %s (got %s)", cases[i].kib,
                   cases[i].want, buf);
        }
        /* the host's own: every size read is in the kernel's spelling */
        struct located loc = { 0 };
        locate_hugepage_sizes(&loc);
        bool fine = true;
        for (const char *p = loc.hugepage_sizes ? loc.hugepage_sizes : ""; *p;) {
                size_t l = strcspn(p, ",");
                fine &= l >= 3 && (p[l - 2] == 'K' || p[l - 2] == 'M' || p[l - 2] == 'G') &&
                        p[l - 1] == 'B';
                p += l;
                p += *p == ',';
        }
        ok(fine, "this host's huge page sizes: %s", loc.hugepage_sizes ? loc.hugepage_sizes : "?");
        located_free(&loc);
}

int main(void)
{
        test_hugepage_names();
        host_mi = tap_read_data("host-hybrid.mountinfo", &host_mi_len);
        test_runc_fixtures();
        test_refusals();
        test_after_pivot();
        test_fallback();
        test_v2_only();
        test_comounted();
        test_refuse();
        free(host_mi);
        return tap_done();
}
