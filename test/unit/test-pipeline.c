/* The pure middle of a restore, end to end on literal inputs: image text ->
 * image_parse -> restore_match (conversion, matching, the fan-out cap) on a
 * located layout built by hand -> restore_plan against observed trees built
 * by hand -> the exact operations, as the dry run prints them. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/restore.h"

#include "tap.h"
#include "tree.h"

#define PID 4242

/* ---- located layouts ---- */

struct layout {
        struct located_hierarchy h[8];
        struct located loc;
};

/* "v2", "v1:cpu,cpuacct"; init_rel "" (the pid in the top-level) */
static void layout_init(struct layout *l, const char *const *spec, size_t n)
{
        *l = (struct layout){ 0 };
        for (size_t i = 0; i < n; i++) {
                bool v2 = streq(spec[i], "v2");
                l->h[i] = (struct located_hierarchy){
                        .version = v2 ? CG_V2 : CG_V1,
                        .controllers = (char *)(v2 ? "" : spec[i] + 3),
                        .cgroup_path = (char *)"/ctr",
                        .init_rel = (char *)"",
                        .host_path = (char *)"/sys/fs/cgroup/ctr",
                        .dirfd = -1,
                };
        }
        l->loc = (struct located){ .h = l->h, .n = n, .from_mounts = true };
}

/* The observed state of every target of a match. */
struct world {
        const struct match *m;
        struct observed_node obs[8];
        bool init_in_top[8];
        size_t other_procs[8];
};

static void world_init(struct world *w, const struct match *m)
{
        *w = (struct world){ .m = m };
        for (size_t i = 0; i < m->n; i++) {
                obs_init(&w->obs[i], &m->targets[i].image.root, true);
                w->init_in_top[i] = true;
        }
}

static void world_free(struct world *w)
{
        for (size_t i = 0; i < w->m->n; i++)
                observed_free(&w->obs[i], &w->m->targets[i].image.root);
}

static size_t target(const struct world *w, const char *label)
{
        for (size_t i = 0; i < w->m->n; i++)
                if (streq(w->m->targets[i].label, label))
                        return i;
        printf("Bail out! no target %s\n", label);
        exit(1);
}

static void exists(struct world *w, const char *label, const char *path, bool adopted)
{
        size_t t = target(w, label);
        const struct cg_node *n;
        struct observed_node *o = obs_at(&w->obs[t], &w->m->targets[t].image.root, path, &n);
        o->exists = true;
        o->adopted = adopted;
}

static void value(struct world *w, const char *label, const char *path, const char *name,
                  const char *v)
{
        size_t t = target(w, label);
        const struct cg_node *n;
        struct observed_node *o = obs_at(&w->obs[t], &w->m->targets[t].image.root, path, &n);
        for (size_t i = 0; i < n->n_props; i++)
                if (streq(n->props[i].name, name)) {
                        free(o->values[i]);
                        o->values[i] = xstrdup(v);
                        return;
                }
        printf("Bail out! no property %s at %s\n", name, path);
        exit(1);
}

/* ---- running it ---- */

/* image text -> parse -> restore_match; bails out unless it matches */
static void match_or_bail(const char *json, struct layout *l, const struct restore_options *o,
                          enum restore_mode mode, struct match *m)
{
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        if (image_parse(json, strlen(json), &img, &err) < 0) {
                printf("Bail out! image does not parse: %s\n", err.msg);
                exit(1);
        }
        *m = (struct match){ 0 };
        if (restore_match(&img, &l->loc, o, mode, NULL, m, &err) < 0) {
                printf("Bail out! image does not match: %s\n", err.msg);
                exit(1);
        }
        if (img.n_hierarchies != 0) {
                printf("Bail out! restore_match left the image with hierarchies\n");
                exit(1);
        }
}

/* The dry run's body: "[label]" when the hierarchy changes, then each op. */
static char *print_plan(const struct match *m, const struct plan *p)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        size_t last = SIZE_MAX;
        for (size_t i = 0; i < p->n_ops; i++) {
                size_t h = p->dirs[p->ops[i].dir].hier;
                if (h != last)
                        fprintf(f, "[%s]\n", m->targets[h].label);
                last = h;
                if (plan_print_op(p, &p->ops[i], f) < 0)
                        fputs("(cannot print)\n", f);
        }
        fclose(f);
        return buf;
}

struct result {
        int r;
        struct cgbind_error err;
        struct plan plan;
        char *text;
};

static void plan_world(struct result *res, const struct world *w, enum restore_mode mode,
                       bool top_level, bool move_init)
{
        struct plan_options popts = {
                .mode = mode, .top_level = top_level, .move_init = move_init, .pid = PID
        };
        *res = (struct result){ 0 };
        /* a plan that is refused is not returned: this one must stay as it was */
        res->plan.n_ops = 4242;
        res->r = restore_plan(w->m, w->obs, w->init_in_top, w->other_procs, &popts, &res->plan,
                              &res->err);
        if (res->r == 0)
                res->text = print_plan(w->m, &res->plan);
}

static void result_free(struct result *res)
{
        if (res->r == 0)
                plan_free(&res->plan);
        free(res->text);
}

static void expect(const char *what, struct result *res, const char *want)
{
        is_int(res->r, 0, "%s: plans (%s)", what, res->err.msg);
        is_str(res->text, want, "%s: the dry run", what);
        result_free(res);
}

static void expect_refused(const char *what, struct result *res, enum cgbind_status status,
                           const char *needle)
{
        ok(res->r < 0 && res->err.status == status && has_str(res->err.msg, needle),
           "%s: refused with status %d, message names %s (%s)", what, (int)status, needle,
           res->err.msg);
        ok(res->plan.n_ops == 4242 && res->plan.ops == NULL,
           "%s: no plan returned (nothing to apply)", what);
        result_free(res);
}

/* Every write below the top-levels has no undo (each such cgroup was
 * created or adopted: rmdir undoes it). */
static bool no_undo_below_top(const struct plan *p)
{
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->ops[i].undo && p->dirs[p->ops[i].dir].parent != PLAN_NO_PARENT)
                        return false;
        return true;
}

/* ---- the cases ---- */

static const char v2_image[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\",\"memory\","
        "\"pids\"],\"init\":\"init.scope\",\"root\":{\"properties\":{\"cgroup.subtree_control\":"
        "\"cpu memory pids\"},\"children\":[{\"name\":\"init.scope\"},{\"name\":\"app\","
        "\"properties\":{\"memory.max\":\"104857600\",\"pids.max\":\"64\",\"cgroup.subtree_"
        "control\":"
        "\"cpu\"},\"children\":[{\"name\":\"web\",\"properties\":{\"cpu.max\":\"50000 "
        "100000\"}}]}]}}]}";

static void test_v2(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v2" }, 1);
        struct restore_options o;
        restore_options_init(&o);
        struct match m;
        match_or_bail(v2_image, &l, &o, MODE_SOFT, &m);
        ok(m.n == 1 && streq(m.targets[0].label, "cgroup2") && m.n_nodes == 3,
           "v2 onto v2: one target, three sub-cgroups");

        struct world w;
        world_init(&w, &m);
        value(&w, "cgroup2", "", "cgroup.subtree_control", "");
        struct result res;
        plan_world(&res, &w, MODE_SOFT, false, true);
        ok(res.r == 0 && res.plan.pid == PID && res.plan.n_mkdirs == 3,
           "v2: the plan carries the pid, three mkdirs");
        expect("v2, the init in the top-level", &res,
               "[cgroup2]\n"
               "mkdir init.scope\n"
               "move pid 4242 into init.scope\n"
               "write ./cgroup.subtree_control = \"+cpu +memory +pids\"\n"
               "mkdir app\n"
               "write app/memory.max = \"104857600\"\n"
               "write app/pids.max = \"64\"\n"
               "write app/cgroup.subtree_control = \"+cpu\"\n"
               "mkdir app/web\n"
               "write app/web/cpu.max = \"50000 100000\"\n");

        plan_world(&res, &w, MODE_SOFT, false, false);
        expect("v2, --no-move-init", &res,
               "[cgroup2]\n"
               "write ./cgroup.subtree_control = \"+cpu +memory +pids\"\n"
               "mkdir init.scope\n"
               "mkdir app\n"
               "write app/memory.max = \"104857600\"\n"
               "write app/pids.max = \"64\"\n"
               "write app/cgroup.subtree_control = \"+cpu\"\n"
               "mkdir app/web\n"
               "write app/web/cpu.max = \"50000 100000\"\n");

        /* a killed run made app and app/web: adopted, filled in, nothing to undo */
        exists(&w, "cgroup2", "app", true);
        exists(&w, "cgroup2", "app/web", true);
        value(&w, "cgroup2", "app", "memory.max", "104857600");
        value(&w, "cgroup2", "app", "cgroup.subtree_control", "cpu");
        plan_world(&res, &w, MODE_SOFT, false, true);
        ok(res.r == 0 && no_undo_below_top(&res.plan) && res.plan.n_mkdirs == 1,
           "adopted: no write below the top-level has an undo value, one mkdir (init.scope)");
        size_t n_adopt = 0;
        for (size_t i = 0; res.r == 0 && i < res.plan.n_ops; i++)
                n_adopt += res.plan.ops[i].kind == OP_ADOPT;
        is_int(n_adopt, 2, "adopted: two OP_ADOPT");
        expect("v2, app and app/web adopted (values already there are written again)", &res,
               "[cgroup2]\n"
               "mkdir init.scope\n"
               "move pid 4242 into init.scope\n"
               "write ./cgroup.subtree_control = \"+cpu +memory +pids\"\n"
               "adopt app (made by a cgbind that was stopped)\n"
               "write app/memory.max = \"104857600\"\n"
               "write app/pids.max = \"64\"\n"
               "write app/cgroup.subtree_control = \"+cpu\"\n"
               "adopt app/web (made by a cgbind that was stopped)\n"
               "write app/web/cpu.max = \"50000 100000\"\n");

        /* strict refuses what exists, but not what cgbind itself made */
        plan_world(&res, &w, MODE_STRICT, false, true);
        ok(res.r == 0 && res.text && has_str(res.text, "adopt app (made") &&
                   has_str(res.text, "adopt app/web (made"),
           "strict with adopted nodes: not refused (%s)", res.err.msg);
        result_free(&res);
        exists(&w, "cgroup2", "app/web", false);
        plan_world(&res, &w, MODE_STRICT, false, true);
        expect_refused("strict, app/web the workload's", &res, CGBIND_PRECONDITION, "app/web");

        /* props never creates: the missing init.scope refuses before any op */
        plan_world(&res, &w, MODE_PROPS, false, true);
        expect_refused("props, init.scope missing", &res, CGBIND_PRECONDITION, "init.scope");

        /* CRIU in the top-level (runc restore's prestart): refused, status 3 */
        w.other_procs[0] = 2;
        plan_world(&res, &w, MODE_SOFT, false, true);
        expect_refused("v2, two other processes in the top-level", &res, CGBIND_PRECONDITION,
                       "other processes");
        ok(res.err.errnum == EBUSY, "... with EBUSY (what --skip-busy looks for)");
        /* ... unless nothing needs enabling there */
        value(&w, "cgroup2", "", "cgroup.subtree_control", "cpu io memory pids");
        plan_world(&res, &w, MODE_SOFT, false, false);
        ok(res.r == 0 && res.text && !has_str(res.text, "./cgroup.subtree_control"),
           "v2, other processes but every controller enabled: plans (%s)", res.err.msg);
        result_free(&res);

        world_free(&w);
        match_free(&m);
}

/* props refuses a missing sub-cgroup before any op, whatever the hierarchy */
static void test_props_missing(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v1:cpu,cpuacct", "v1:memory", "v1:pids" }, 3);
        struct restore_options o;
        restore_options_init(&o);
        struct match m;
        match_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":"
                      "[\"memory\"],\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{"
                      "\"memory.limit_in_bytes\":\"1048576\"}}]}},{\"type\":\"cgroup\","
                      "\"controllers\":[\"pids\"],\"root\":{\"children\":[{\"name\":\"a\","
                      "\"properties\":{\"pids.max\":\"5\"},\"children\":[{\"name\":\"b\"}]}]}}]}",
                      &l, &o, MODE_PROPS, &m);
        struct world w;
        world_init(&w, &m);
        exists(&w, "memory", "a", false);
        value(&w, "memory", "a", "memory.limit_in_bytes", "9223372036854771712");
        exists(&w, "pids", "a", false);
        value(&w, "pids", "a", "pids.max", "max");
        struct result res;
        /* memory is complete and plans its write; pids lacks a/b: all refused */
        plan_world(&res, &w, MODE_PROPS, false, true);
        expect_refused("props, pids:/a/b missing (memory complete)", &res, CGBIND_PRECONDITION,
                       "a/b");
        ok(has_str(res.err.msg, "pids") && has_str(res.err.msg, "props"),
           "the message names the hierarchy and the mode");
        exists(&w, "pids", "a/b", false);
        plan_world(&res, &w, MODE_PROPS, false, true);
        expect("props, everything there", &res,
               "[memory]\n"
               "write a/memory.limit_in_bytes = \"1048576\"\n"
               "[pids]\n"
               "write a/pids.max = \"5\"\n");
        plan_world(&res, &w, MODE_NONE, false, true);
        expect("none, everything there: a verification, nothing to do", &res, "");
        plan_world(&res, &w, MODE_IGNORE, false, true);
        expect("ignore", &res, "");
        world_free(&w);
        match_free(&m);
}

static const char v1_image[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\",\"cpuacct\"],"
        "\"root\":{\"children\":[{\"name\":\"app\",\"properties\":{\"cpu.shares\":\"512\","
        "\"cpu.cfs_quota_us\":\"50000\",\"cpu.cfs_period_us\":\"100000\"},\"children\":[{\"name\":"
        "\"web\",\"properties\":{\"cpu.shares\":\"2\"}}]}]}},{\"type\":\"cgroup\",\"controllers\":"
        "[\"memory\"],\"root\":{\"children\":[{\"name\":\"app\",\"properties\":{"
        "\"memory.limit_in_bytes\":\"104857600\",\"memory.swappiness\":\"10\"}}]}},{\"type\":"
        "\"cgroup\",\"controllers\":[\"pids\"],\"root\":{\"children\":[{\"name\":\"app\","
        "\"properties\":{\"pids.max\":\"64\"}}]}}]}";

/* A v1 image restored in a v2 container, and the v2 result back on v1. */
static void test_convert(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v2" }, 1);
        struct restore_options o;
        restore_options_init(&o);
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        ok(image_parse(v1_image, strlen(v1_image), &img, &err) == 0, "the v1 image parses (%s)",
           err.msg);
        struct match m = { 0 };
        int r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r == 0 && m.n == 1 && m.targets[0].image.version == CG_V2 &&
                   streq(m.targets[0].label, "cgroup2"),
           "v1 image onto v2: converted and matched (%s)", err.msg);
        ok(r == 0 && streq(m.targets[0].image.controllers, "cpu,memory,pids") &&
                   m.targets[0].image.init && streq(m.targets[0].image.init, "init.scope"),
           "converted: controllers cpu,memory,pids and an init.scope");
        ok(img.n_hierarchies == 0, "the image was consumed");

        struct world w;
        world_init(&w, &m);
        value(&w, "cgroup2", "", "cgroup.subtree_control", "");
        struct result res;
        plan_world(&res, &w, MODE_SOFT, false, true);
        expect("v1 image on v2: converted plan", &res,
               "[cgroup2]\n"
               "mkdir init.scope\n"
               "move pid 4242 into init.scope\n"
               "write ./cgroup.subtree_control = \"+cpu +memory +pids\"\n"
               "mkdir app\n"
               "write app/cpu.weight = \"20\"\n"
               "write app/cpu.max = \"50000 100000\"\n"
               "write app/memory.max = \"104857600\"\n"
               "write app/pids.max = \"64\"\n"
               "write app/cgroup.subtree_control = \"+cpu\"\n"
               "mkdir app/web\n"
               "write app/web/cpu.weight = \"1\"\n");
        world_free(&w);

        /* strict refuses what has no counterpart (memory.swappiness), status 3 */
        img = (struct cgbind_image){ 0 };
        image_parse(v1_image, strlen(v1_image), &img, &err);
        struct match ms = { 0 };
        err = (struct cgbind_error){ 0 };
        r = restore_match(&img, &l.loc, &o, MODE_STRICT, NULL, &ms, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && has_str(err.msg, "memory.swappiness") &&
                   ms.n == 0 && img.n_hierarchies == 0,
           "v1 image onto v2, mode strict: refused, status 3, the image consumed (%s)", err.msg);
        match_free(&ms);

        /* the converted tree, written out, is a v2 image; back onto a v1 host */
        struct cgbind_image back = { .hierarchies = &m.targets[0].image, .n_hierarchies = 1 };
        struct strbuf out = { 0 };
        r = image_write_json(&back, &out, &err);
        ok(r == 0, "the converted tree writes as an image (%s)", err.msg);
        match_free(&m);
        struct layout l1;
        layout_init(&l1,
                    (const char *const[]){ "v1:cpu,cpuacct", "v1:memory", "v1:pids",
                                           "v1:name=systemd" },
                    4);
        img = (struct cgbind_image){ 0 };
        r = image_parse(out.buf, out.len, &img, &err);
        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V2,
           "it parses back (%s)", err.msg);
        strbuf_free(&out);
        o.convert = true;
        r = restore_match(&img, &l1.loc, &o, MODE_SOFT, NULL, &m, &err);
        ok(r == 0 && m.n == 3, "v2 image onto v1: three targets (%s)", err.msg);
        ok(r == 0 && !strcmp(m.targets[0].label, "cpu") &&
                   streq(m.targets[0].located->controllers, "cpu,cpuacct"),
           "converted cpu lands on the co-mounted cpu,cpuacct, labelled cpu");

        world_init(&w, &m);
        plan_world(&res, &w, MODE_SOFT, false, true);
        expect("v2 back onto v1: no init move on v1, every hierarchy gets the tree", &res,
               "[cpu]\n"
               "mkdir app\n"
               "write app/cpu.shares = \"500\"\n"
               "write app/cpu.cfs_period_us = \"100000\"\n"
               "write app/cpu.cfs_quota_us = \"50000\"\n"
               "mkdir app/web\n"
               "write app/web/cpu.shares = \"2\"\n"
               "mkdir init.scope\n"
               "[memory]\n"
               "mkdir app\n"
               "write app/memory.limit_in_bytes = \"104857600\"\n"
               "mkdir app/web\n"
               "mkdir init.scope\n"
               "[pids]\n"
               "mkdir app\n"
               "write app/pids.max = \"64\"\n"
               "mkdir app/web\n"
               "mkdir init.scope\n");
        world_free(&w);
        match_free(&m);
}

/* An image whose init cgroup is not in its tree: either image_validate
 * refuses it (status 2, at parse), or the plan makes the init cgroup, as the
 * planner before the restructuring did. An image that parses and then cannot
 * be planned is the bug this looks for. */
static void init_outside_tree(const char *what, const char *json)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v2" }, 1);
        struct restore_options o;
        restore_options_init(&o);
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        if (image_parse(json, strlen(json), &img, &err) < 0) {
                ok(err.status == CGBIND_INVALID && has_str(err.msg, "init"),
                   "%s: refused by image_parse, status 2 (%s)", what, err.msg);
                return;
        }
        struct match m = { 0 };
        int r = restore_match(&img, &l.loc, &o, MODE_SOFT, NULL, &m, &err);
        struct world w;
        world_init(&w, &m);
        struct result res = { 0 };
        if (r == 0)
                plan_world(&res, &w, MODE_SOFT, false, true);
        ok(r == 0 && res.r == 0 && res.text &&
                   has_str(res.text, "mkdir init.scope\nmove pid 4242 into init.scope\n"),
           "%s: parsed, so it plans: init.scope made, the pid moved (%s)", what,
           r < 0 ? err.msg : res.err.msg);
        if (r == 0)
                result_free(&res);
        world_free(&w);
        match_free(&m);
}

static void test_init_outside_tree(void)
{
        init_outside_tree(
                "native v2 image, init.scope not among the children",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"memory\"],"
                "\"init\":\"init.scope\",\"root\":{\"properties\":{\"cgroup.subtree_control\":"
                "\"memory\"},\"children\":[{\"name\":\"app\",\"properties\":{\"memory.max\":"
                "\"1000\"}}]}}]}");
        /* CRIU 3.17 on v2 with the task in ck/init.scope but no dir recorded */
        init_outside_tree(
                "CRIU v2 image, the root task in init.scope, no dirs",
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":\"\","
                "\"cgns_prefix\":3,\"path\":\"/ck/init.scope\"}]}],\"controllers\":[{\"cnames\":"
                "[\"\"],\"dirs\":[]}]}]}");
}

/* Two hierarchies in one plan; the second refuses: nothing of the first stays. */
static void test_refusal_spans_hierarchies(void)
{
        struct layout l;
        layout_init(&l, (const char *const[]){ "v1:cpu,cpuacct", "v1:memory", "v1:pids" }, 3);
        struct restore_options o;
        restore_options_init(&o);
        struct match m;
        match_or_bail(v1_image, &l, &o, MODE_STRICT, &m);
        struct world w;
        world_init(&w, &m);
        exists(&w, "pids", "app", false);
        struct result res;
        plan_world(&res, &w, MODE_STRICT, false, true);
        expect_refused("strict, pids:/app exists (cpu and memory planned first)", &res,
                       CGBIND_PRECONDITION, "pids");
        plan_world(&res, &w, MODE_SOFT, false, true);
        expect("soft, pids:/app exists", &res,
               "[cpu,cpuacct]\n"
               "mkdir app\n"
               "write app/cpu.shares = \"512\"\n"
               "write app/cpu.cfs_quota_us = \"50000\"\n"
               "write app/cpu.cfs_period_us = \"100000\"\n"
               "mkdir app/web\n"
               "write app/web/cpu.shares = \"2\"\n"
               "[memory]\n"
               "mkdir app\n"
               "write app/memory.limit_in_bytes = \"104857600\"\n"
               "write app/memory.swappiness = \"10\"\n");
        world_free(&w);
        match_free(&m);
}

int main(void)
{
        test_v2();
        test_props_missing();
        test_convert();
        test_init_outside_tree();
        test_refusal_spans_hierarchies();
        return tap_done();
}
