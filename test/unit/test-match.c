/* Matching image hierarchies to the container's (match_image), on located
 * layouts built by hand: no mount table and no file descriptor, since a
 * hierarchy is usable when nothing refused it. Every target owns its tree,
 * and match_free frees it on every path (run under ASan to see it). */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/match.h"
#include "cgbind/restore.h"

#include "tap.h"
#include "tree.h"

static int n_warnings;
static char last_warning[1100];

static void warn(const char *msg, void *userdata)
{
        (void)userdata;
        n_warnings++;
        snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static struct cgbind_image parse_or_bail(const char *json)
{
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        if (image_parse(json, strlen(json), &img, &err) < 0) {
                printf("Bail out! test image does not parse: %s\n", err.msg);
                exit(1);
        }
        return img;
}

/* A located layout: up to 16 hierarchies, each "v1:cpu,cpuacct", "v2" or
 * "v1:memory!" (refused). Names are borrowed: nothing to free. */
struct layout {
        struct located_hierarchy h[16];
        char controllers[16][128];
        struct located loc;
};

static void layout_init(struct layout *l, const char *const *spec, size_t n)
{
        *l = (struct layout){ 0 };
        for (size_t i = 0; i < n; i++) {
                struct located_hierarchy *h = &l->h[i];
                const char *s = spec[i];
                bool v2 = startswith(s, "v2");
                size_t len = strlen(s);
                bool refused = s[len - 1] == '!';
                snprintf(l->controllers[i], sizeof(l->controllers[i]), "%.*s",
                         v2 ? 0 : (int)(len - 3 - refused), s + 3);
                *h = (struct located_hierarchy){
                        .version = v2 ? CG_V2 : CG_V1,
                        .controllers = l->controllers[i],
                        .cgroup_path = (char *)"/ctr",
                        .init_rel = (char *)"",
                        .host_path = (char *)"/sys/fs/cgroup/x/ctr",
                        .refused = refused ? (char *)"refused for the test" : NULL,
                        .dirfd = -1,
                };
        }
        l->loc = (struct located){ .h = l->h, .n = n, .from_mounts = true };
}

static const struct cg_prop *prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; n && i < n->n_props; i++)
                if (streq(n->props[i].name, name))
                        return &n->props[i];
        return NULL;
}

static const struct match_target *target_on(const struct match *m, const char *controllers)
{
        for (size_t i = 0; i < m->n; i++)
                if (streq(m->targets[i].located->controllers, controllers))
                        return &m->targets[i];
        return NULL;
}

static int do_match(struct cgbind_image *img, struct layout *l, bool skip_missing, struct match *m,
                    struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        *m = (struct match){ 0 };
        n_warnings = 0;
        last_warning[0] = '\0';
        /* the cap and the fan-out come from one routing (issue 24.3): on
         * every case of this file, what match_count counts before is what
         * match_image builds, in hierarchies, and at least in sub-cgroups */
        size_t targets = 0;
        size_t counted = match_count(img, &l->loc, &targets);
        int r = match_image(img, &l->loc, skip_missing, warn, NULL, m, err);
        if (r >= 0)
                ok(targets == m->n && counted >= m->n_nodes,
                   "match_count agrees with match_image: %zu/%zu hierarchies, %zu >= %zu "
                   "sub-cgroups",
                   targets, m->n, counted, m->n_nodes);
        return r;
}

/* The target trees are well-formed and owned: every property belongs to the
 * target's version and controllers, and n_nodes adds up. */
static bool targets_sane(const struct match *m)
{
        size_t total = 0;
        for (size_t i = 0; i < m->n; i++) {
                const struct match_target *t = &m->targets[i];
                struct cgbind_image one = { .hierarchies = (struct image_hierarchy *)&t->image,
                                            .n_hierarchies = 1 };
                struct cgbind_error err = { 0 };
                if (!t->located || !t->label || !t->label[0] ||
                    t->image.version != t->located->version)
                        return false;
                if (t->image.version == CG_V1 &&
                    !streq(t->image.controllers, t->located->controllers))
                        return false;
                if (image_validate(&one, &err) < 0) {
                        tap_diag("target %s: %s", t->label, err.msg);
                        return false;
                }
                if (t->n_nodes != cg_node_count(&t->image.root) || one.n_nodes != t->n_nodes)
                        return false;
                for (size_t k = 0; k < i; k++)
                        if (m->targets[k].located == t->located)
                                return false;
                total += t->n_nodes;
        }
        return total == m->n_nodes;
}

static const char *const hybrid[] = { "v1:cpu,cpuacct", "v1:cpuset",       "v1:memory",
                                      "v1:pids",        "v1:name=systemd", "v2" };

static void test_exact(void)
{
        struct layout l;
        layout_init(&l, hybrid, ARRAY_SIZE(hybrid));
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpuacct\","
                "\"cpu\"],\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{\"cpu.shares\":"
                "\"512\"},\"children\":[{\"name\":\"b\"}]}]}},{\"type\":\"cgroup\",\"controllers\":"
                "[\"memory\"],\"init\":\"a\",\"root\":{\"children\":[{\"name\":\"a\","
                "\"properties\":{"
                "\"memory.limit_in_bytes\":\"1048576\"}}]}}]}");
        const struct cg_node *cpu_children = img.hierarchies[0].root.children;
        const struct cg_node *mem_children = img.hierarchies[1].root.children;
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        is_int(r, 0, "exact: matched (%s)", err.msg);
        ok(img.n_hierarchies == 0 && img.hierarchies == NULL, "exact: the image is left empty");
        is_int(m.n, 2, "exact: two targets");
        const struct match_target *c = target_on(&m, "cpu,cpuacct");
        const struct match_target *mem = target_on(&m, "memory");
        ok(c && c->located == &l.h[0] && streq(c->label, "cpu,cpuacct"),
           "exact: cpu,cpuacct on the host's cpu,cpuacct, labelled so");
        ok(mem && mem->located == &l.h[2] && streq(mem->label, "memory"),
           "exact: memory on the host's memory");
        ok(c && c->image.root.children == cpu_children && mem &&
                   mem->image.root.children == mem_children,
           "exact: the trees moved (the same nodes, no copy)");
        ok(mem && mem->image.init && streq(mem->image.init, "a"), "exact: the init moved too");
        ok(c && c->n_nodes == 2 && mem && mem->n_nodes == 1 && m.n_nodes == 3,
           "exact: n_nodes 2 + 1 = 3");
        ok(targets_sane(&m), "exact: targets sane");
        ok(n_warnings == 0, "exact: no warning");
        match_free(&m);
        ok(m.n == 0 && m.targets == NULL, "match_free resets");
        match_free(&m);
        image_free(&img);
}

static void test_v2(void)
{
        struct layout l;
        layout_init(&l, hybrid + 5, 1);
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"memory\","
                "\"cpu\"],\"init\":\"init.scope\",\"root\":{\"properties\":{"
                "\"cgroup.subtree_control\":\"cpu "
                "memory\"},\"children\":[{\"name\":\"init.scope\"},{"
                "\"name\":\"app\",\"properties\":{\"memory.max\":\"1000\"}}]}}]}");
        const struct cg_node *children = img.hierarchies[0].root.children;
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        ok(r == 0 && m.n == 1 && m.targets[0].located == &l.h[0] &&
                   streq(m.targets[0].label, "cgroup2") && m.targets[0].image.version == CG_V2,
           "v2 onto v2: one target, labelled cgroup2 (%s)", err.msg);
        ok(r == 0 && m.targets[0].image.root.children == children &&
                   streq(m.targets[0].image.controllers, "cpu,memory") &&
                   streq(m.targets[0].image.init, "init.scope"),
           "v2 onto v2: the tree, controllers and init moved");
        ok(r == 0 && m.n_nodes == 2 && targets_sane(&m), "v2 onto v2: 2 nodes, sane");
        ok(img.n_hierarchies == 0, "v2 onto v2: the image is left empty");
        match_free(&m);

        /* the same v2 image where the container's cgroup2 was refused */
        layout_init(&l, (const char *const[]){ "v2!" }, 1);
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"root\":{"
                            "\"children\":[{\"name\":\"a\"}]}}]}");
        r = do_match(&img, &l, false, &m, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "cgroup2") &&
                   has_str(err.msg, "refused for the test") && m.n == 0,
           "v2 onto a refused cgroup2: status 3 with the reason (%s)", err.msg);
        ok(img.n_hierarchies == 0, "refused: the image is left empty all the same");
        match_free(&m);

        /* a v2 image onto a v1-only layout, without conversion: missing */
        layout_init(&l, hybrid, 5);
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"root\":{"
                            "\"children\":[{\"name\":\"a\"}]}}]}");
        r = do_match(&img, &l, false, &m, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "not bound"),
           "v2 image onto v1 hierarchies (match alone, no conversion): status 3 (%s)", err.msg);
        match_free(&m);
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"root\":{"
                            "\"children\":[{\"name\":\"a\"}]}}]}");
        r = do_match(&img, &l, true, &m, &err);
        ok(r == 0 && m.n == 0 && m.n_nodes == 0 && n_warnings == 1 &&
                   (strstr(last_warning, "--skip-missing") != NULL),
           "... with skip_missing: nothing matched, one warning (%s)", last_warning);
        match_free(&m);
}

/* An image saved with separate cpu and cpuacct, restored on a co-mounted host. */
static void test_merge(void)
{
        struct layout l;
        layout_init(&l, hybrid, ARRAY_SIZE(hybrid));
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
                "\"init\":\"a\",\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{"
                "\"cpu.shares\":\"512\",\"cgroup.clone_children\":\"1\"},\"children\":[{\"name\":"
                "\"b\",\"properties\":{\"cpu.cfs_quota_us\":\"50000\"}}]}]}},{\"type\":\"cgroup\","
                "\"controllers\":[\"cpuacct\"],\"root\":{\"children\":[{\"name\":\"a\","
                "\"properties\":"
                "{\"cgroup.clone_children\":\"0\"},\"children\":[{\"name\":\"c\"}]},{\"name\":"
                "\"d\"}]}}]}");
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        is_int(r, 0, "cpu and cpuacct onto cpu,cpuacct: matched (%s)", err.msg);
        is_int(m.n, 1, "merged: one target");
        const struct match_target *t = target_on(&m, "cpu,cpuacct");
        ok(t && streq(t->label, "cpu+cpuacct"), "merged: labelled cpu+cpuacct (%s)",
           t ? t->label : "none");
        ok(t && streq(t->image.controllers, "cpu,cpuacct") && t->image.version == CG_V1,
           "merged: the host's controllers");
        const struct cg_node *a = t ? tree_child(&t->image.root, "a") : NULL;
        ok(a && tree_child(a, "b") && tree_child(a, "c") && tree_child(&t->image.root, "d"),
           "merged: a/b, a/c and d in one tree");
        ok(a && prop(a, "cpu.shares") && streq(prop(a, "cpu.shares")->value, "512"),
           "merged: a's cpu.shares");
        ok(a && prop(a, "cgroup.clone_children") &&
                   streq(prop(a, "cgroup.clone_children")->value, "1"),
           "merged: a core file named twice keeps the first image hierarchy's value");
        ok(t && t->image.init && streq(t->image.init, "a"), "merged: the init carried over");
        ok(t && t->n_nodes == 4 && m.n_nodes == 4, "merged: n_nodes 4 (a, a/b, a/c, d)");
        ok(targets_sane(&m), "merged: target sane");
        ok(img.n_hierarchies == 0, "merged: the image is left empty");
        match_free(&m);
}

/* A co-mounted image onto a host where each controller has its own hierarchy. */
static void test_split(void)
{
        struct layout l;
        layout_init(&l,
                    (const char *const[]){ "v1:cpu", "v1:cpuacct", "v1:net_cls", "v1:net_prio",
                                           "v1:memory" },
                    5);
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\","
                "\"cpuacct\"],\"init\":\"a/"
                "w\",\"root\":{\"children\":[{\"name\":\"a\",\"properties\":"
                "{\"cpu.shares\":\"512\",\"cgroup.clone_children\":\"1\"},\"children\":[{\"name\":"
                "\"w\",\"properties\":{\"cpu.cfs_quota_us\":\"50000\"}}]}]}},{\"type\":\"cgroup\","
                "\"controllers\":[\"net_prio\",\"net_cls\"],\"root\":{\"children\":[{\"name\":"
                "\"n\","
                "\"properties\":{\"net_cls.classid\":\"1048577\",\"net_prio.ifpriomap\":\"eth0 "
                "5\"}}"
                "]}}]}");
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        is_int(r, 0, "cpu,cpuacct and net_cls,net_prio onto separate hierarchies (%s)", err.msg);
        is_int(m.n, 4, "split: four targets");
        const struct match_target *cpu = target_on(&m, "cpu"), *acct = target_on(&m, "cpuacct");
        const struct match_target *cls = target_on(&m, "net_cls"),
                                  *prio = target_on(&m, "net_prio");
        ok(cpu && acct && cls && prio && !target_on(&m, "memory"),
           "split: cpu, cpuacct, net_cls, net_prio (memory untouched)");
        if (cpu && acct && cls && prio) {
                ok(streq(cpu->label, "cpu,cpuacct") && streq(acct->label, "cpu,cpuacct") &&
                           streq(cls->label, "net_cls,net_prio"),
                   "split: each labelled by the image hierarchy");
                const struct cg_node *ca = tree_child(&cpu->image.root, "a");
                const struct cg_node *aa = tree_child(&acct->image.root, "a");
                ok(ca && prop(ca, "cpu.shares") && prop(ca, "cgroup.clone_children") &&
                           prop(tree_child(ca, "w"), "cpu.cfs_quota_us"),
                   "split: cpu gets cpu.* and the core file");
                ok(aa && !prop(aa, "cpu.shares") && prop(aa, "cgroup.clone_children") &&
                           tree_child(aa, "w") && tree_child(aa, "w")->n_props == 0,
                   "split: cpuacct gets the tree and the core file, no cpu.*");
                ok(ca != aa && ca && aa && ca->name != aa->name,
                   "split: each target owns its own copy");
                const struct cg_node *cn = tree_child(&cls->image.root, "n");
                const struct cg_node *pn = tree_child(&prio->image.root, "n");
                ok(cn && pn && prop(cn, "net_cls.classid") && !prop(cn, "net_prio.ifpriomap") &&
                           prop(pn, "net_prio.ifpriomap") && !prop(pn, "net_cls.classid"),
                   "split: net_cls.classid only on net_cls, net_prio.ifpriomap only on net_prio");
                ok(cpu->image.init && acct->image.init && streq(cpu->image.init, "a/w") &&
                           streq(acct->image.init, "a/w") && cpu->image.init != acct->image.init,
                   "split: each target has its own copy of the init");
                ok(cpu->n_nodes == 2 && acct->n_nodes == 2 && cls->n_nodes == 1 &&
                           prio->n_nodes == 1 && m.n_nodes == 6,
                   "split: n_nodes after the fan-out 2+2+1+1 = 6");
        }
        ok(targets_sane(&m), "split: targets sane");
        match_free(&m);
        image_free(&img);
}

static void test_missing(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v1:cpu", "v1:memory!", "v2" }, 3);
        static const char json[] =
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
                "\"root\":{\"children\":[{\"name\":\"a\"}]}},{\"type\":\"cgroup\",\"controllers\":"
                "[\"pids\"],\"root\":{\"children\":[{\"name\":\"p\"}]}},{\"type\":\"cgroup\","
                "\"controllers\":[\"memory\"],\"root\":{\"children\":[{\"name\":\"m\"}]}}]}";
        struct cgbind_image img = parse_or_bail(json);
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "pids") &&
                   has_str(err.msg, "not bound"),
           "pids missing: status 3, names pids (%s)", err.msg);
        ok(m.n == 0 && m.targets == NULL, "missing: *ret untouched");
        ok(img.n_hierarchies == 0 && img.hierarchies == NULL,
           "missing: the image is consumed all the same");
        match_free(&m);

        img = parse_or_bail(json);
        r = do_match(&img, &l, true, &m, &err);
        ok(r == 0 && m.n == 1 && target_on(&m, "cpu") && m.n_nodes == 1,
           "skip_missing: cpu matched, the rest skipped (%s)", err.msg);
        ok(n_warnings == 2, "skip_missing: two warnings (pids, memory): %d", n_warnings);
        ok((strstr(last_warning, "memory") != NULL) &&
                   (strstr(last_warning, "refused for the test") != NULL) &&
                   (strstr(last_warning, "--skip-missing") != NULL),
           "the refused memory hierarchy's warning carries its reason (%s)", last_warning);
        ok(targets_sane(&m), "skip_missing: target sane");
        match_free(&m);

        /* warn may be NULL */
        img = parse_or_bail(json);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = match_image(&img, &l.loc, true, NULL, NULL, &m, &err);
        ok(r == 0 && m.n == 1, "skip_missing without a warn callback");
        match_free(&m);

        /* a co-mounted image where only part of it is here */
        layout_init(&l, (const char *const[]){ "v1:cpu" }, 1);
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":"
                            "[\"cpu\",\"pids\"],\"root\":{\"children\":[{\"name\":\"a\","
                            "\"properties\":{\"cpu.shares\":\"100\",\"pids.max\":\"5\"}}]}}]}");
        r = do_match(&img, &l, false, &m, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "controller pids"),
           "cpu,pids onto a cpu-only host: status 3 for pids (%s)", err.msg);
        match_free(&m);
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":"
                            "[\"cpu\",\"pids\"],\"root\":{\"children\":[{\"name\":\"a\","
                            "\"properties\":{\"cpu.shares\":\"100\",\"pids.max\":\"5\"}}]}}]}");
        r = do_match(&img, &l, true, &m, &err);
        const struct match_target *t = target_on(&m, "cpu");
        ok(r == 0 && m.n == 1 && t && streq(t->label, "cpu,pids") &&
                   prop(tree_child(&t->image.root, "a"), "cpu.shares") &&
                   !prop(tree_child(&t->image.root, "a"), "pids.max") && n_warnings == 1,
           "... with skip_missing: cpu gets its part, pids warned (%s)", last_warning);
        ok(targets_sane(&m), "partial: target sane");
        match_free(&m);
}

/* The CRIU image that once reached match with overlapping hierarchies
 * (cpu,cpuacct and cpu) and freed one tree twice. */
static void test_criu_overlap(void)
{
        static const char overlap[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"cpu,cpuacct\",\"path\":\"/c\"},{\"name\":\"cpu\",\"path\":\"/c\"}]}],"
                "\"controllers\":[{\"cnames\":[\"cpu\",\"cpuacct\"],\"dirs\":[{\"dir_name\":\"c\","
                "\"children\":[{\"dir_name\":\"a\",\"properties\":[{\"name\":\"cpu.shares\","
                "\"value\":\"512\"}]}]}]},{\"cnames\":[\"cpu\"],\"dirs\":[{\"dir_name\":\"c\","
                "\"children\":[{\"dir_name\":\"a\"}]}]}]}]}";
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        int r = image_parse(overlap, strlen(overlap), &img, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && img.n_hierarchies == 0,
           "CRIU cpu,cpuacct then cpu: refused by image_parse, status 2, before match (%s)",
           err.msg);

        /* and were it ever to get through: match merges, it never frees twice */
        struct layout l;
        layout_init(&l, hybrid, ARRAY_SIZE(hybrid));
        img = (struct cgbind_image){ 0 };
        img.hierarchies = xcalloc(2, sizeof(*img.hierarchies));
        img.n_hierarchies = 2;
        img.hierarchies[0] =
                (struct image_hierarchy){ .version = CG_V1, .controllers = xstrdup("cpu,cpuacct") };
        cg_node_add_child(&img.hierarchies[0].root, "a");
        img.hierarchies[1] =
                (struct image_hierarchy){ .version = CG_V1, .controllers = xstrdup("cpu") };
        cg_node_add_child(&img.hierarchies[1].root, "b");
        struct match m;
        r = do_match(&img, &l, false, &m, &err);
        ok(img.n_hierarchies == 0, "hand-built overlap: the image is consumed");
        ok(r < 0 || (m.n == 1 && targets_sane(&m)),
           "hand-built overlap: refused, or one sane target (r %d, %s)", r, err.msg);
        match_free(&m);
}

/* One image hierarchy that names every controller, on a host where each is
 * separate: every node lands once per carrier. */
static void test_fan_out(void)
{
        static const char *const ctls[] = { "blkio", "cpu", "cpuacct", "cpuset", "memory", "pids" };
        enum { NODES = 50 };
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb,
                       "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[");
        for (size_t i = 0; i < ARRAY_SIZE(ctls); i++)
                strbuf_appendf(&sb, "%s\"%s\"", i ? "," : "", ctls[i]);
        strbuf_appendf(&sb, "],\"root\":{\"children\":[");
        for (int i = 0; i < NODES; i++)
                strbuf_appendf(&sb, "%s{\"name\":\"n%d\"}", i ? "," : "", i);
        strbuf_appendf(&sb, "]}}]}");

        const char *spec[ARRAY_SIZE(ctls)];
        char specs[ARRAY_SIZE(ctls)][32];
        for (size_t i = 0; i < ARRAY_SIZE(ctls); i++) {
                snprintf(specs[i], sizeof(specs[i]), "v1:%s", ctls[i]);
                spec[i] = specs[i];
        }
        struct layout l;
        layout_init(&l, spec, ARRAY_SIZE(ctls));

        struct cgbind_image img = parse_or_bail(sb.buf);
        ok(img.n_nodes == NODES, "fan-out: the image has %d nodes", NODES);
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        ok(r == 0 && m.n == ARRAY_SIZE(ctls), "fan-out: %zu targets (%s)", ARRAY_SIZE(ctls),
           err.msg);
        is_int(m.n_nodes, NODES * ARRAY_SIZE(ctls), "fan-out: n_nodes = nodes x carriers");
        ok(targets_sane(&m), "fan-out: targets sane");
        match_free(&m);

        /* restore_match caps what the fan-out makes */
        struct restore_options o;
        restore_options_init(&o);
        ok(o.max_cgroups == CGBIND_DEFAULT_MAX_CGROUPS && o.move_init && !o.skip_missing,
           "restore_options_init: the defaults");
        o.max_cgroups = NODES * ARRAY_SIZE(ctls);
        img = parse_or_bail(sb.buf);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r == 0 && m.n_nodes == NODES * ARRAY_SIZE(ctls),
           "restore_match: exactly at --max-cgroups passes (%s)", err.msg);
        match_free(&m);

        o.max_cgroups = NODES * ARRAY_SIZE(ctls) - 1;
        img = parse_or_bail(sb.buf);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "--max-cgroups") &&
                   has_str(err.msg, "300"),
           "restore_match: one over --max-cgroups, status 2, names it (%s)", err.msg);
        ok(m.n == 0 && m.targets == NULL && img.n_hierarchies == 0,
           "refused: nothing returned, the image consumed");
        match_free(&m);

        /* the image's own count is under the cap; only the fan-out is over it */
        o.max_cgroups = NODES;
        img = parse_or_bail(sb.buf);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "--max-cgroups"),
           "restore_match: %d nodes x 6 carriers over a cap of %d (%s)", NODES, NODES, err.msg);
        match_free(&m);

        /* and a missing controller through restore_match: status 3 */
        restore_options_init(&o);
        layout_init(&l, spec, ARRAY_SIZE(ctls) - 1);
        img = parse_or_bail(sb.buf);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "pids"),
           "restore_match: pids missing, status 3 (%s)", err.msg);
        match_free(&m);
        o.skip_missing = true;
        img = parse_or_bail(sb.buf);
        m = (struct match){ 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r == 0 && m.n == ARRAY_SIZE(ctls) - 1 && m.n_nodes == NODES * (ARRAY_SIZE(ctls) - 1),
           "restore_match --skip-missing: five carriers (%s)", err.msg);
        match_free(&m);
        strbuf_free(&sb);
}

/* cgroup v2: what the top-level's cgroup.controllers lacks (a rootless
 * user's: what systemd did not delegate) is left out, or refused under strict. */
static const char avail_image[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\",\"io\","
        "\"memory\",\"pids\"],\"root\":{\"properties\":{\"cgroup.subtree_control\":\"cpu io "
        "memory pids\"},\"children\":[{\"name\":\"app\",\"properties\":{\"io.weight\":"
        "\"default 200\",\"memory.max\":\"1000\",\"cgroup.subtree_control\":\"io pids\"},"
        "\"children\":[{\"name\":\"w\",\"properties\":{\"pids.max\":\"5\",\"io.weight\":"
        "\"default 50\"}}]}]}}]}";

static void test_available(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v2" }, 1);
        l.h[0].available = (char *)"cpu memory pids";
        struct cgbind_image img = parse_or_bail(avail_image);
        struct match m;
        struct cgbind_error err;
        int r = do_match(&img, &l, false, &m, &err);
        if (r == 0)
                r = match_available(&m, false, warn, NULL, &err);
        const struct cg_node *root = r == 0 ? &m.targets[0].image.root : NULL;
        const struct cg_node *app = tree_child(root, "app"), *w = tree_child(app, "w");
        const struct cg_prop *sc = prop(root, "cgroup.subtree_control");
        const struct cg_prop *app_sc = prop(app, "cgroup.subtree_control");
        ok(r == 0 && n_warnings == 1 && strstr(last_warning, "controller io not available") &&
                   strstr(last_warning, "cpu memory pids") &&
                   strstr(last_warning, "4 settings left out"),
           "io not in cgroup.controllers: one warning naming it (%s)", last_warning);
        ok(sc && streq(sc->value, "cpu memory pids") && app_sc && streq(app_sc->value, "pids"),
           "io taken out of every cgroup.subtree_control (%s, %s)", sc ? sc->value : "-",
           app_sc ? app_sc->value : "-");
        ok(app && !prop(app, "io.weight") && prop(app, "memory.max") && w &&
                   !prop(w, "io.weight") && prop(w, "pids.max") && app->n_props == 2 &&
                   w->n_props == 1,
           "io's properties left out, the rest kept");
        match_free(&m);

        img = parse_or_bail(avail_image);
        r = do_match(&img, &l, false, &m, &err);
        if (r == 0)
                r = match_available(&m, true, warn, NULL, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "io not available") &&
                   has_str(err.msg, "strict"),
           "strict: refused, status 3 (%s)", err.msg);
        match_free(&m);

        /* everything available, or cgroup.controllers unread: nothing happens */
        l.h[0].available = (char *)"cpu io memory pids";
        img = parse_or_bail(avail_image);
        r = do_match(&img, &l, false, &m, &err);
        if (r == 0)
                r = match_available(&m, true, warn, NULL, &err);
        root = r == 0 ? &m.targets[0].image.root : NULL;
        sc = prop(root, "cgroup.subtree_control");
        ok(r == 0 && n_warnings == 0 && sc && streq(sc->value, "cpu io memory pids"),
           "all available: nothing left out, no warning");
        match_free(&m);
        l.h[0].available = NULL;
        img = parse_or_bail(avail_image);
        r = do_match(&img, &l, false, &m, &err);
        if (r == 0)
                r = match_available(&m, true, warn, NULL, &err);
        ok(r == 0 && n_warnings == 0, "cgroup.controllers unknown: nothing left out");
        match_free(&m);
}

int main(void)
{
        test_exact();
        test_v2();
        test_merge();
        test_split();
        test_missing();
        test_criu_overlap();
        test_fan_out();
        test_available();
        return tap_done();
}
