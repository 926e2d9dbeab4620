/* The planner: images parsed from literal JSON, observed trees built by hand,
 * and the exact operation sequence each mode and each kernel ordering rule
 * must give (kind, directory, name, value, undo). */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"

#include "tap.h"
#include "tree.h"

#define PID 4242

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

/* ---- observed trees ---- */

static void obs_exists(struct observed_node *top, const struct cg_node *root, const char *path)
{
        const struct cg_node *n;
        obs_at(top, root, path, &n)->exists = true;
}

/* The current value of property name at path, as apply_observe would read it. */
static void obs_set(struct observed_node *top, const struct cg_node *root, const char *path,
                    const char *name, const char *value)
{
        const struct cg_node *n;
        struct observed_node *o = obs_at(top, root, path, &n);
        for (size_t i = 0; i < n->n_props; i++)
                if (streq(n->props[i].name, name)) {
                        free(o->values[i]);
                        o->values[i] = strdup(value);
                        return;
                }
        printf("Bail out! no property %s at %s in the test image\n", name, path);
        exit(1);
}

/* ---- running the planner ---- */

struct result {
        int r;
        struct cgbind_error err;
        struct plan plan;
        char *ops; /* one line per op */
        bool dirs_ok;
};

/* The path of a plan directory below its top-level, "." for the top-level. */
static const char *dir_rel(const struct plan *p, size_t d, char *buf, size_t size)
{
        if (plan_dir_path(p, d, buf, size) < 0)
                return "(too long)";
        return buf[0] ? buf : ".";
}

static void append_quoted(struct strbuf *sb, const char *s)
{
        strbuf_append(sb, "\"", 1);
        for (; *s; s++)
                if (*s == '\n')
                        strbuf_append(sb, "\\n", 2);
                else
                        strbuf_append(sb, s, 1);
        strbuf_append(sb, "\"", 1);
}

static char *render(const struct plan *p)
{
        struct strbuf sb = { 0 };
        strbuf_append(&sb, "", 0);
        for (size_t i = 0; i < p->n_ops; i++) {
                const struct plan_op *op = &p->ops[i];
                char d1[20000], d2[20000];
                switch (op->kind) {
                case OP_MKDIR:
                        strbuf_appendf(&sb, "mkdir %s %s", dir_rel(p, op->dir, d1, sizeof(d1)),
                                       op->name);
                        if (op->value || op->undo)
                                strbuf_appendf(&sb, " (with a value?)");
                        break;
                case OP_ADOPT:
                        strbuf_appendf(&sb, "adopt %s %s", dir_rel(p, op->dir, d1, sizeof(d1)),
                                       op->name);
                        if (op->value || op->undo)
                                strbuf_appendf(&sb, " (with a value?)");
                        break;
                case OP_WRITE:
                        strbuf_appendf(&sb, "write %s %s ", dir_rel(p, op->dir, d1, sizeof(d1)),
                                       op->name);
                        append_quoted(&sb, op->value);
                        if (op->undo) {
                                strbuf_appendf(&sb, " undo ");
                                append_quoted(&sb, op->undo);
                        }
                        if (op->multiline)
                                strbuf_appendf(&sb, " lines");
                        break;
                case OP_MOVE_PID:
                        strbuf_appendf(&sb, "move %s pid %d undo %s%s",
                                       dir_rel(p, op->dir, d1, sizeof(d1)), (int)op->pid,
                                       dir_rel(p, op->undo_dir, d2, sizeof(d2)),
                                       op->may_vanish ? " (may vanish)" : "");
                        break;
                case OP_KIND_MAX:
                default:
                        strbuf_appendf(&sb, "bad op kind %d", (int)op->kind);
                }
                strbuf_append(&sb, "\n", 1);
        }
        return sb.buf;
}

/* Every dir of hierarchy hier hangs off an earlier dir of the same
 * hierarchy, with a valid name, and its path is the parent's and the name. */
static bool dirs_consistent(const struct plan *p, size_t first_dir, size_t hier)
{
        for (size_t d = first_dir; d < p->n_dirs; d++) {
                const struct plan_dir *pd = &p->dirs[d];
                const char *reason;
                char path[20000], ppath[20000], want[20000];
                if (pd->hier != hier)
                        return false;
                if (pd->parent == PLAN_NO_PARENT) {
                        if (pd->name || plan_dir_path(p, d, path, sizeof(path)) < 0 || path[0])
                                return false;
                        continue;
                }
                if (pd->parent >= d || !pd->name || p->dirs[pd->parent].hier != pd->hier ||
                    !cgroup_name_valid(pd->name, strlen(pd->name), &reason))
                        return false;
                if (plan_dir_path(p, d, path, sizeof(path)) < 0 ||
                    plan_dir_path(p, pd->parent, ppath, sizeof(ppath)) < 0)
                        return false;
                snprintf(want, sizeof(want), "%s%s%s", ppath, ppath[0] ? "/" : "", pd->name);
                if (!streq(want, path))
                        return false;
        }
        for (size_t i = 0; i < p->n_ops; i++)
                if (p->ops[i].dir >= p->n_dirs)
                        return false;
        return true;
}

static void run(struct result *res, const struct image_hierarchy *h,
                const struct observed_node *top, bool init_in_top, enum restore_mode mode,
                bool top_level, bool move_init)
{
        struct plan_hierarchy_input in = {
                .image = h,
                .observed = top,
                .init_in_top = init_in_top,
                .label = image_hierarchy_label(h),
        };
        struct plan_options opts = {
                .mode = mode,
                .top_level = top_level,
                .move_init = move_init,
                .pid = PID,
        };
        *res = (struct result){ 0 };
        res->r = plan_hierarchy(&res->plan, 0, &in, &opts, &res->err);
        res->ops = render(&res->plan);
        res->dirs_ok = dirs_consistent(&res->plan, 0, 0);
}

static void result_free(struct result *res)
{
        plan_free(&res->plan);
        free(res->ops);
}

/* The plan succeeds with exactly the ops in want. */
static void expect(const char *what, struct result *res, const char *want)
{
        is_int(res->r, 0, "%s: plans (%s)", what, res->err.msg);
        is_str(res->ops, want, "%s: operations", what);
        ok(res->dirs_ok, "%s: directories consistent", what);
        result_free(res);
}

/* The plan is refused before any op exists. */
static void expect_refused(const char *what, struct result *res, const char *needle)
{
        ok(res->r < 0 && res->err.status == CGBIND_PRECONDITION, "%s: refused as a precondition",
           what);
        ok(res->plan.n_ops == 0, "%s: zero ops", what);
        ok(has_str(res->err.msg, needle), "%s: message names %s (%s)", what, needle, res->err.msg);
        result_free(res);
}

/* ---- modes ---- */

static const char v2_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\",\"memory\","
        "\"pids\"],\"root\":{\"properties\":{\"cgroup.subtree_control\":\"cpu memory pids\"},"
        "\"children\":[{\"name\":\"app\",\"properties\":{\"memory.max\":\"104857600\","
        "\"pids.max\":\"64\",\"cgroup.subtree_control\":\"cpu\"},\"children\":[{\"name\":"
        "\"worker\",\"properties\":{\"cpu.max\":\"50000 100000\"}}]},{\"name\":\"batch\","
        "\"properties\":{\"cpu.weight\":\"50\"}}]}}]}";

static void test_soft_empty(void)
{
        struct cgbind_image img = parse_or_bail(v2_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("soft, empty top-level", &res,
               "write . cgroup.subtree_control \"+cpu +memory +pids\" undo \"-cpu -memory -pids\"\n"
               "mkdir . app\n"
               "write app memory.max \"104857600\"\n"
               "write app pids.max \"64\"\n"
               "write app cgroup.subtree_control \"+cpu\"\n"
               "mkdir app worker\n"
               "write app/worker cpu.max \"50000 100000\"\n"
               "mkdir . batch\n"
               "write batch cpu.weight \"50\"\n");

        /* the top-level already enables some: only the rest, undo only the rest */
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "cpu pids");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        ok(res.r == 0 && startswith(res.ops, "write . cgroup.subtree_control \"+memory\" undo "
                                             "\"-memory\"\nmkdir . app\n"),
           "top-level with cpu pids enabled: only +memory, undo -memory");
        result_free(&res);

        obs_set(&top, &h->root, "", "cgroup.subtree_control", "cpu memory pids io");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        ok(res.r == 0 && startswith(res.ops, "mkdir . app\n"),
           "top-level with all enabled: no subtree_control write");
        result_free(&res);

        /* strict creates exactly as soft does when nothing exists */
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "");
        struct result soft, strict;
        run(&soft, h, &top, false, MODE_SOFT, false, true);
        run(&strict, h, &top, false, MODE_STRICT, false, true);
        ok(soft.r == 0 && strict.r == 0 && streq(soft.ops, strict.ops),
           "strict on an empty top-level plans what soft does");
        /* full too: there is nothing to compare against */
        struct result full;
        run(&full, h, &top, false, MODE_FULL, false, true);
        ok(full.r == 0 && streq(soft.ops, full.ops),
           "full on an empty top-level plans what soft does");
        result_free(&soft);
        result_free(&strict);
        result_free(&full);

        observed_free(&top, &h->root);
        image_free(&img);
}

static const char v1_cpu_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\","
        "\"cpuacct\"],\"root\":{\"properties\":{\"cpu.shares\":\"2048\"},\"children\":[{"
        "\"name\":\"a\",\"properties\":{\"cpu.shares\":\"512\",\"cpu.cfs_quota_us\":\"50000\"},"
        "\"children\":[{\"name\":\"b\",\"properties\":{\"cpu.shares\":\"256\"}},{\"name\":\"c\","
        "\"properties\":{\"cpu.shares\":\"128\"}}]}]}}]}";

static void test_modes_existing(void)
{
        struct cgbind_image img = parse_or_bail(v1_cpu_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        /* a and a/c exist; a/b does not */
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cpu.shares", "1024");
        obs_exists(&top, &h->root, "a");
        obs_set(&top, &h->root, "a", "cpu.shares", "1024");
        obs_set(&top, &h->root, "a", "cpu.cfs_quota_us", "50000");
        obs_exists(&top, &h->root, "a/c");
        obs_set(&top, &h->root, "a/c", "cpu.shares", "128");

        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("soft, a exists, a/b missing", &res,
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n");

        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("full, a exists", &res,
               "write a cpu.shares \"512\" undo \"1024\"\n"
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n");

        run(&res, h, &top, false, MODE_FULL, true, true);
        expect("full with --top-level", &res,
               "write . cpu.shares \"2048\" undo \"1024\"\n"
               "write a cpu.shares \"512\" undo \"1024\"\n"
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n");

        run(&res, h, &top, false, MODE_STRICT, false, true);
        expect_refused("strict, a exists", &res, "a");

        run(&res, h, &top, false, MODE_PROPS, false, true);
        expect_refused("props, a/b missing", &res, "a/b");

        run(&res, h, &top, false, MODE_NONE, false, true);
        expect_refused("none, a/b missing", &res, "a/b");

        run(&res, h, &top, false, MODE_IGNORE, false, true);
        expect("ignore, a/b missing", &res, "");

        /* now everything exists */
        obs_exists(&top, &h->root, "a/b");
        obs_set(&top, &h->root, "a/b", "cpu.shares", "100");

        run(&res, h, &top, false, MODE_PROPS, false, true);
        expect("props, all exist", &res,
               "write a cpu.shares \"512\" undo \"1024\"\n"
               "write a/b cpu.shares \"256\" undo \"100\"\n");

        run(&res, h, &top, false, MODE_NONE, false, true);
        expect("none, all exist (values differ: a verification run)", &res, "");

        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("soft, all exist", &res, "");

        run(&res, h, &top, false, MODE_STRICT, false, true);
        expect_refused("strict, all exist", &res, "a");

        run(&res, h, &top, false, MODE_IGNORE, true, true);
        expect("ignore, all exist, --top-level", &res, "");

        observed_free(&top, &h->root);
        image_free(&img);
}

/* ---- v1 ordering ---- */

static const char v1_cpuset_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpuset\"],"
        "\"root\":{\"children\":[{\"name\":\"c\",\"properties\":{\"cpuset.memory_migrate\":\"1\","
        "\"cgroup.clone_children\":\"1\",\"cpuset.cpus\":\"0-1\",\"cpuset.mems\":\"0\"},"
        "\"children\":[{\"name\":\"d\",\"properties\":{\"cpuset.mem_hardwall\":\"1\","
        "\"cpuset.cpus\":\"1\",\"cpuset.mems\":\"0\"}}]}]}}]}";

static void test_v1_cpuset(void)
{
        struct cgbind_image img = parse_or_bail(v1_cpuset_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 cpuset created", &res,
               "mkdir . c\n"
               "write c cpuset.cpus \"0-1\"\n"
               "write c cpuset.mems \"0\"\n"
               "write c cgroup.clone_children \"1\"\n"
               "write c cpuset.memory_migrate \"1\"\n"
               "mkdir c d\n"
               "write c/d cpuset.cpus \"1\"\n"
               "write c/d cpuset.mems \"0\"\n"
               "write c/d cpuset.mem_hardwall \"1\"\n");

        /* a pre-existing, empty cpuset refuses tasks: soft fills it anyway */
        obs_exists(&top, &h->root, "c");
        obs_set(&top, &h->root, "c", "cpuset.cpus", "");
        obs_set(&top, &h->root, "c", "cpuset.mems", "");
        obs_set(&top, &h->root, "c", "cpuset.memory_migrate", "0");
        obs_set(&top, &h->root, "c", "cgroup.clone_children", "0");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 cpuset pre-existing and empty, soft", &res,
               "write c cpuset.cpus \"0-1\" undo \"\"\n"
               "write c cpuset.mems \"0\" undo \"\"\n"
               "mkdir c d\n"
               "write c/d cpuset.cpus \"1\"\n"
               "write c/d cpuset.mems \"0\"\n"
               "write c/d cpuset.mem_hardwall \"1\"\n");

        /* a pre-existing cpuset that has cpus and mems is left as found */
        obs_set(&top, &h->root, "c", "cpuset.cpus", "0-3");
        obs_set(&top, &h->root, "c", "cpuset.mems", "0");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 cpuset pre-existing, filled, soft", &res,
               "mkdir c d\n"
               "write c/d cpuset.cpus \"1\"\n"
               "write c/d cpuset.mems \"0\"\n"
               "write c/d cpuset.mem_hardwall \"1\"\n");

        /* full: clone_children before the child exists, cpus first */
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 cpuset pre-existing, full", &res,
               "write c cpuset.cpus \"0-1\" undo \"0-3\"\n"
               "write c cgroup.clone_children \"1\" undo \"0\"\n"
               "write c cpuset.memory_migrate \"1\" undo \"0\"\n"
               "mkdir c d\n"
               "write c/d cpuset.cpus \"1\"\n"
               "write c/d cpuset.mems \"0\"\n"
               "write c/d cpuset.mem_hardwall \"1\"\n");

        observed_free(&top, &h->root);
        image_free(&img);
}

static const char v1_memory_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"memory\"],"
        "\"root\":{\"children\":[{\"name\":\"m\",\"properties\":{"
        "\"memory.memsw.limit_in_bytes\":\"209715200\",\"memory.swappiness\":\"10\","
        "\"memory.limit_in_bytes\":\"104857600\",\"memory.use_hierarchy\":\"1\"},"
        "\"children\":[{\"name\":\"n\",\"properties\":{\"memory.limit_in_bytes\":\"52428800\"}}]}"
        "]}}]}";

static void test_v1_memory(void)
{
        struct cgbind_image img = parse_or_bail(v1_memory_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 memory created: use_hierarchy, limit, memsw, then children", &res,
               "mkdir . m\n"
               "write m memory.use_hierarchy \"1\"\n"
               "write m memory.limit_in_bytes \"104857600\"\n"
               "write m memory.memsw.limit_in_bytes \"209715200\"\n"
               "write m memory.swappiness \"10\"\n"
               "mkdir m n\n"
               "write m/n memory.limit_in_bytes \"52428800\"\n");

        /* lowering both on an existing node: the limit first */
        obs_exists(&top, &h->root, "m");
        obs_exists(&top, &h->root, "m/n");
        obs_set(&top, &h->root, "m", "memory.limit_in_bytes", "209715200");
        obs_set(&top, &h->root, "m", "memory.memsw.limit_in_bytes", "419430400");
        obs_set(&top, &h->root, "m", "memory.swappiness", "10");
        obs_set(&top, &h->root, "m", "memory.use_hierarchy", "1");
        obs_set(&top, &h->root, "m/n", "memory.limit_in_bytes", "52428800");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 memory lowered (full): limit before memsw", &res,
               "write m memory.limit_in_bytes \"104857600\" undo \"209715200\"\n"
               "write m memory.memsw.limit_in_bytes \"209715200\" undo \"419430400\"\n");

        /* raising the limit above the current memsw: memsw first */
        obs_set(&top, &h->root, "m", "memory.limit_in_bytes", "52428800");
        obs_set(&top, &h->root, "m", "memory.memsw.limit_in_bytes", "62914560");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 memory raised above memsw (full): memsw before limit", &res,
               "write m memory.memsw.limit_in_bytes \"209715200\" undo \"62914560\"\n"
               "write m memory.limit_in_bytes \"104857600\" undo \"52428800\"\n");

        /* raising the limit, but not past the current memsw: limit first */
        obs_set(&top, &h->root, "m", "memory.memsw.limit_in_bytes", "9223372036854771712");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 memory raised under an unlimited memsw (full): limit first", &res,
               "write m memory.limit_in_bytes \"104857600\" undo \"52428800\"\n"
               "write m memory.memsw.limit_in_bytes \"209715200\" undo \"9223372036854771712\"\n");

        /* soft leaves the existing node alone */
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 memory existing, soft", &res, "");

        observed_free(&top, &h->root);
        image_free(&img);
}

/* v1 cpu.rt_*: a child's runtime per period comes out of its parent's, and
 * the kernel checks every write (EINVAL when a child would exceed its parent
 * or a parent would fall below its children) */
static const char v1_rt_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
        "\"root\":{\"properties\":{\"cpu.rt_runtime_us\":\"20000\"},\"children\":[{\"name\":"
        "\"a\",\"properties\":{\"cpu.shares\":\"512\",\"cpu.rt_runtime_us\":\"10000\","
        "\"cpu.rt_period_us\":\"1000000\"},\"children\":[{\"name\":\"b\",\"properties\":{"
        "\"cpu.rt_runtime_us\":\"5000\"}},{\"name\":\"c\",\"properties\":{"
        "\"cpu.rt_runtime_us\":\"2000\"}}]}]}}]}";

static void obs_rt(struct observed_node *top, const struct cg_node *root, const char *a_rt,
                   const char *b_rt, const char *c_rt)
{
        obs_exists(top, root, "a");
        obs_exists(top, root, "a/b");
        obs_exists(top, root, "a/c");
        obs_set(top, root, "", "cpu.rt_runtime_us", "950000");
        obs_set(top, root, "a", "cpu.shares", "512");
        obs_set(top, root, "a", "cpu.rt_period_us", "1000000");
        obs_set(top, root, "a", "cpu.rt_runtime_us", a_rt);
        obs_set(top, root, "a/b", "cpu.rt_runtime_us", b_rt);
        obs_set(top, root, "a/c", "cpu.rt_runtime_us", c_rt);
}

static void test_v1_rt(void)
{
        struct cgbind_image img = parse_or_bail(v1_rt_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        /* new groups start at runtime 0: parents first, period before runtime */
        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 rt created: parents first, the period before the runtime", &res,
               "mkdir . a\n"
               "write a cpu.rt_period_us \"1000000\"\n"
               "write a cpu.rt_runtime_us \"10000\"\n"
               "write a cpu.shares \"512\"\n"
               "mkdir a b\n"
               "write a/b cpu.rt_runtime_us \"5000\"\n"
               "mkdir a c\n"
               "write a/c cpu.rt_runtime_us \"2000\"\n");

        /* every group lowered: children first, ahead of everything else */
        obs_rt(&top, &h->root, "40000", "30000", "8000");
        obs_set(&top, &h->root, "a", "cpu.shares", "1024");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 rt lowered (full): children first, before the other writes", &res,
               "write a/b cpu.rt_runtime_us \"5000\" undo \"30000\"\n"
               "write a/c cpu.rt_runtime_us \"2000\" undo \"8000\"\n"
               "write a cpu.rt_runtime_us \"10000\" undo \"40000\"\n"
               "write a cpu.shares \"512\" undo \"1024\"\n");

        /* with --top-level the top-level is lowered last of all */
        run(&res, h, &top, false, MODE_FULL, true, true);
        expect("v1 rt lowered with --top-level: the top-level after its children", &res,
               "write a/b cpu.rt_runtime_us \"5000\" undo \"30000\"\n"
               "write a/c cpu.rt_runtime_us \"2000\" undo \"8000\"\n"
               "write a cpu.rt_runtime_us \"10000\" undo \"40000\"\n"
               "write . cpu.rt_runtime_us \"20000\" undo \"950000\"\n"
               "write a cpu.shares \"512\" undo \"1024\"\n");

        /* every group raised: parents first, where the tree puts them */
        obs_rt(&top, &h->root, "4000", "1000", "1000");
        obs_set(&top, &h->root, "", "cpu.rt_runtime_us", "5000");
        run(&res, h, &top, false, MODE_FULL, true, true);
        expect("v1 rt raised (full, --top-level): parents first", &res,
               "write . cpu.rt_runtime_us \"20000\" undo \"5000\"\n"
               "write a cpu.rt_runtime_us \"10000\" undo \"4000\"\n"
               "write a/b cpu.rt_runtime_us \"5000\" undo \"1000\"\n"
               "write a/c cpu.rt_runtime_us \"2000\" undo \"1000\"\n");

        /* one sibling lowered, one raised, the parent unchanged: the lowered one
         * first although it comes second in the tree (the raised one needs the
         * room it gives back) */
        obs_rt(&top, &h->root, "10000", "1000", "8000");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v1 rt: a lowered sibling before a raised one", &res,
               "write a/c cpu.rt_runtime_us \"2000\" undo \"8000\"\n"
               "write a/b cpu.rt_runtime_us \"5000\" undo \"1000\"\n");

        /* soft leaves existing groups alone */
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v1 rt, soft, all exist", &res, "");
        observed_free(&top, &h->root);
        image_free(&img);

        /* within a group: the period and the runtime in the order that keeps
         * runtime <= period and the bandwidth between the old and the new */
        img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
                "\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{"
                "\"cpu.rt_runtime_us\":\"5000\",\"cpu.rt_period_us\":\"100000\"}}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        obs_exists(&top, &h->root, "a");
        obs_set(&top, &h->root, "a", "cpu.rt_period_us", "1000000");
        obs_set(&top, &h->root, "a", "cpu.rt_runtime_us", "10000");
        run(&res, h, &top, false, MODE_FULL, false, true);
        /* period first would pass through 10000/100000, above both 1% and 5% */
        expect("v1 rt within a group: runtime first when the period shrinks below it", &res,
               "write a cpu.rt_runtime_us \"5000\" undo \"10000\"\n"
               "write a cpu.rt_period_us \"100000\" undo \"1000000\"\n");
        obs_set(&top, &h->root, "a", "cpu.rt_period_us", "50000");
        obs_set(&top, &h->root, "a", "cpu.rt_runtime_us", "1000");
        run(&res, h, &top, false, MODE_FULL, false, true);
        /* 2% to 5%: the period first passes through 1%, below both: runtime first;
         * lowering (from 10% to 5%) would put it in front: see above */
        expect("v1 rt within a group: runtime first when the period grows", &res,
               "write a cpu.rt_runtime_us \"5000\" undo \"1000\"\n"
               "write a cpu.rt_period_us \"100000\" undo \"50000\"\n");
        obs_set(&top, &h->root, "a", "cpu.rt_period_us", "200000");
        obs_set(&top, &h->root, "a", "cpu.rt_runtime_us", "4000");
        run(&res, h, &top, false, MODE_FULL, false, true);
        /* 2% to 5%: the period first passes through 4%: period first */
        expect("v1 rt within a group: period first when that passes between the two", &res,
               "write a cpu.rt_period_us \"100000\" undo \"200000\"\n"
               "write a cpu.rt_runtime_us \"5000\" undo \"4000\"\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

/* ---- v2 ordering ---- */

static void test_v2_type(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\"],"
                "\"root\":{\"properties\":{\"cgroup.subtree_control\":\"cpu\"},\"children\":[{"
                "\"name\":\"t\",\"properties\":{\"cpu.weight\":\"50\",\"cgroup.type\":"
                "\"threaded\"}}]}}]}");
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "cpu");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v2 cgroup.type first", &res,
               "mkdir . t\n"
               "write t cgroup.type \"threaded\"\n"
               "write t cpu.weight \"50\"\n");

        /* an existing domain cgroup cannot go back: no undo for cgroup.type */
        obs_exists(&top, &h->root, "t");
        obs_set(&top, &h->root, "t", "cgroup.type", "domain");
        obs_set(&top, &h->root, "t", "cpu.weight", "100");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v2 cgroup.type on an existing cgroup (full)", &res,
               "write t cgroup.type \"threaded\"\n"
               "write t cpu.weight \"50\" undo \"100\"\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

static void test_v2_subtree(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\","
                "\"memory\"],\"root\":{\"properties\":{\"cgroup.subtree_control\":\"cpu memory\"},"
                "\"children\":[{\"name\":\"app\",\"properties\":{\"cgroup.subtree_control\":\"cpu "
                "memory\",\"memory.max\":\"1000000\"},\"children\":[{\"name\":\"w\",\"properties\":"
                "{\"memory.max\":\"500000\",\"cpu.weight\":\"10\"}}]}]}}]}");
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "cpu memory");
        obs_exists(&top, &h->root, "app");
        obs_set(&top, &h->root, "app", "cgroup.subtree_control", "");
        obs_set(&top, &h->root, "app", "memory.max", "max");

        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v2 existing parent (soft): its subtree_control before the child", &res,
               "write app cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir app w\n"
               "write app/w memory.max \"500000\"\n"
               "write app/w cpu.weight \"10\"\n");

        obs_set(&top, &h->root, "app", "cgroup.subtree_control", "memory");
        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v2 existing parent (full)", &res,
               "write app memory.max \"1000000\" undo \"max\"\n"
               "write app cgroup.subtree_control \"+cpu\" undo \"-cpu\"\n"
               "mkdir app w\n"
               "write app/w memory.max \"500000\"\n"
               "write app/w cpu.weight \"10\"\n");

        /* nothing exists: a created parent's write has no undo (rmdir undoes it) */
        observed_free(&top, &h->root);
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "cpu memory");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v2 created parent", &res,
               "mkdir . app\n"
               "write app memory.max \"1000000\"\n"
               "write app cgroup.subtree_control \"+cpu +memory\"\n"
               "mkdir app w\n"
               "write app/w memory.max \"500000\"\n"
               "write app/w cpu.weight \"10\"\n");
        /* the tree alone (CRIU's post-setup-namespaces): the cgroups and
         * the subtree_control their children need, no limit, whatever the
         * mode */
        struct plan_hierarchy_input in = { .image = h, .observed = &top, .label = "cgroup2" };
        struct plan_options tree = { .mode = MODE_FULL, .tree_only = true, .pid = PID };
        res = (struct result){ 0 };
        res.r = plan_hierarchy(&res.plan, 0, &in, &tree, &res.err);
        res.ops = render(&res.plan);
        res.dirs_ok = dirs_consistent(&res.plan, 0, 0);
        expect("v2 tree only", &res,
               "mkdir . app\n"
               "write app cgroup.subtree_control \"+cpu +memory\"\n"
               "mkdir app w\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

static void test_v2_top_level(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"memory\"],"
                "\"root\":{\"properties\":{\"memory.max\":\"1073741824\",\"cgroup.subtree_"
                "control\":"
                "\"memory\",\"cgroup.max.descendants\":\"100\"},\"children\":[{\"name\":\"a\","
                "\"properties\":{\"memory.max\":\"1000\"}}]}}]}");
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "memory.max", "max");
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "");
        obs_set(&top, &h->root, "", "cgroup.max.descendants", "max");

        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v2 top-level without --top-level: only its subtree_control", &res,
               "write . cgroup.subtree_control \"+memory\" undo \"-memory\"\n"
               "mkdir . a\n"
               "write a memory.max \"1000\"\n");

        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("v2 top-level, full without --top-level: still only its subtree_control", &res,
               "write . cgroup.subtree_control \"+memory\" undo \"-memory\"\n"
               "mkdir . a\n"
               "write a memory.max \"1000\"\n");

        run(&res, h, &top, false, MODE_SOFT, true, true);
        expect("v2 top-level with --top-level", &res,
               "write . memory.max \"1073741824\" undo \"max\"\n"
               "write . cgroup.subtree_control \"+memory\" undo \"-memory\"\n"
               "mkdir . a\n"
               "write a memory.max \"1000\"\n"
               "write . cgroup.max.descendants \"100\" undo \"max\"\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

static const char v2_init_tree[] =
        "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\","
        "\"memory\"],\"init\":\"init.scope\",\"root\":{\"properties\":{"
        "\"cgroup.subtree_control\":\"cpu memory\"},\"children\":[{\"name\":\"init.scope\"},{"
        "\"name\":\"app\",\"properties\":{\"memory.max\":\"1000\"}}]}}]}";

static size_t count_lines(const char *ops, const char *line)
{
        size_t n = 0, l = strlen(line);
        for (const char *p = ops; (p = strstr(p, line)); p += l)
                if ((p == ops || p[-1] == '\n') && p[l] == '\n')
                        n++;
        return n;
}

static void test_v2_init_move(void)
{
        struct cgbind_image img = parse_or_bail(v2_init_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "");

        run(&res, h, &top, true, MODE_SOFT, false, true);
        ok(count_lines(res.ops, "mkdir . init.scope") == 1, "init.scope is created once");
        ok(res.plan.n_ops > 1 && res.plan.ops[1].kind == OP_MOVE_PID && res.plan.pid == PID &&
                   res.plan.ops[1].undo_dir == 0,
           "the second op moves pid %d, undo back to the top-level", PID);
        expect("v2 init move", &res,
               "mkdir . init.scope\n"
               "move init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");

        const char *no_move = "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu "
                              "-memory\"\n"
                              "mkdir . init.scope\n"
                              "mkdir . app\n"
                              "write app memory.max \"1000\"\n";
        run(&res, h, &top, true, MODE_SOFT, false, false);
        expect("v2 init in the top-level, --no-move-init", &res, no_move);

        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("v2 init no longer in the top-level: no move", &res, no_move);

        obs_exists(&top, &h->root, "init.scope");
        run(&res, h, &top, true, MODE_SOFT, false, true);
        expect("v2 init.scope exists already: move only", &res,
               "move init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");

        run(&res, h, &top, true, MODE_IGNORE, false, true);
        expect("v2 init move, mode ignore", &res, "");
        run(&res, h, &top, true, MODE_NONE, false, true);
        expect_refused("v2 init move, mode none, app missing", &res, "app");
        obs_exists(&top, &h->root, "app");
        run(&res, h, &top, true, MODE_NONE, false, true);
        expect("v2 init move, mode none (everything present): no move either", &res, "");
        observed_free(&top, &h->root);
        image_free(&img);

        /* a nested init: both levels exist before the move */
        img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"cpu\","
                "\"memory\"],\"init\":\"system.slice/init.scope\",\"root\":{\"properties\":{"
                "\"cgroup.subtree_control\":\"cpu memory\"},\"children\":[{\"name\":"
                "\"system.slice\",\"properties\":{\"cgroup.subtree_control\":\"cpu\"},"
                "\"children\":[{\"name\":\"init.scope\",\"properties\":{\"cpu.weight\":\"10\"}}]},"
                "{\"name\":\"app\",\"properties\":{\"memory.max\":\"1000\"}}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        run(&res, h, &top, true, MODE_SOFT, false, true);
        expect("v2 nested init move", &res,
               "mkdir . system.slice\n"
               "mkdir system.slice init.scope\n"
               "move system.slice/init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "write system.slice cgroup.subtree_control \"+cpu\"\n"
               "write system.slice/init.scope cpu.weight \"10\"\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");
        observed_free(&top, &h->root);
        image_free(&img);

        /* props never creates a sub-cgroup, the init one included */
        img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"memory\"],"
                "\"init\":\"init.scope\",\"root\":{\"properties\":{\"cgroup.subtree_control\":"
                "\"memory\"},\"children\":[{\"name\":\"init.scope\"},{\"name\":\"app\","
                "\"properties\":{\"memory.max\":\"1000\"}}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        obs_exists(&top, &h->root, "app");
        run(&res, h, &top, true, MODE_PROPS, false, true);
        expect_refused("v2 init move, mode props, init.scope missing", &res, "init.scope");
        observed_free(&top, &h->root);
        image_free(&img);

        /* the same when the image names an init cgroup its tree does not hold */
        img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"memory\"],"
                "\"init\":\"init.scope\",\"root\":{\"properties\":{\"cgroup.subtree_control\":"
                "\"memory\"},\"children\":[{\"name\":\"app\",\"properties\":{\"memory.max\":"
                "\"1000\"}}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        obs_exists(&top, &h->root, "app");
        run(&res, h, &top, true, MODE_PROPS, false, true);
        ok(res.r < 0 || count_lines(res.ops, "mkdir . init.scope") == 0,
           "v2 init outside the tree, mode props: no mkdir (refused or not created)");
        result_free(&res);
        observed_free(&top, &h->root);
        image_free(&img);

        /* v1 has no internal-process rule: an init there is never moved */
        img = parse_or_bail("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":"
                            "[\"pids\"],\"init\":\"init.scope\",\"root\":{\"children\":[{"
                            "\"name\":\"init.scope\"}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        run(&res, h, &top, true, MODE_SOFT, false, true);
        expect("v1 with an init: no move", &res, "mkdir . init.scope\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

static void test_v2_last(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"pids\"],"
                "\"root\":{\"properties\":{\"cgroup.subtree_control\":\"pids\"},\"children\":[{"
                "\"name\":\"a\",\"properties\":{\"cgroup.max.descendants\":\"5\",\"pids.max\":"
                "\"10\"},\"children\":[{\"name\":\"b\"}]},{\"name\":\"c\",\"properties\":{"
                "\"cgroup.max.depth\":\"2\"},\"children\":[{\"name\":\"d\",\"properties\":{"
                "\"cgroup.max.descendants\":\"0\"}}]}]}}]}");
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "pids");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        size_t last_mkdir = 0, first_max = SIZE_MAX;
        for (size_t i = 0; i < res.plan.n_ops; i++) {
                const struct plan_op *op = &res.plan.ops[i];
                if (op->kind == OP_MKDIR)
                        last_mkdir = i;
                else if (op->kind == OP_WRITE && startswith(op->name, "cgroup.max.") &&
                         first_max == SIZE_MAX)
                        first_max = i;
        }
        ok(first_max != SIZE_MAX && first_max > last_mkdir,
           "every cgroup.max.* write comes after the last mkdir");
        expect("v2 cgroup.max.* last", &res,
               "mkdir . a\n"
               "write a pids.max \"10\"\n"
               "mkdir a b\n"
               "mkdir . c\n"
               "mkdir c d\n"
               "write a cgroup.max.descendants \"5\"\n"
               "write c cgroup.max.depth \"2\"\n"
               "write c/d cgroup.max.descendants \"0\"\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

/* v2 multi-line values are written one line per write(2) */
static void test_multiline(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"io\"],"
                "\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{\"io.max\":\"8:0 "
                "rbps=1048576\\n8:16 wiops=100\",\"io.weight\":\"default 100\\n8:0 200\"}}]}}]}");
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        expect("multi-line values flagged", &res,
               "mkdir . a\n"
               "write a io.max \"8:0 rbps=1048576\\n8:16 wiops=100\" lines\n"
               "write a io.weight \"default 100\\n8:0 200\" lines\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

/* Two hierarchies in one plan keep their own directories. */
static void test_two_hierarchies(void)
{
        struct cgbind_image img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"pids\"],"
                "\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{\"pids.max\":\"5\"}}]}},"
                "{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],\"root\":{\"children\":[{\"name\":"
                "\"a\",\"properties\":{\"cpu.shares\":\"512\"}}]}}]}");
        struct plan plan = { 0 };
        struct cgbind_error err = { 0 };
        struct observed_node top[2];
        struct plan_options opts = { .mode = MODE_SOFT, .move_init = true, .pid = PID };
        int r = 0;
        for (size_t i = 0; i < 2 && r == 0; i++) {
                const struct image_hierarchy *h = &img.hierarchies[i];
                obs_init(&top[i], &h->root, true);
                struct plan_hierarchy_input in = { .image = h,
                                                   .observed = &top[i],
                                                   .label = image_hierarchy_label(h) };
                r = plan_hierarchy(&plan, i, &in, &opts, &err);
        }
        ok(r == 0 && plan.n_ops == 4 && plan.n_dirs == 4, "two hierarchies: 4 ops, 4 dirs (%s)",
           err.msg);
        if (plan.n_ops == 4 && plan.n_dirs == 4) {
                ok(plan.dirs[0].hier == 0 && plan.dirs[1].hier == 0 && plan.dirs[2].hier == 1 &&
                           plan.dirs[3].hier == 1,
                   "dirs carry their hierarchy index");
                ok(plan.dirs[plan.ops[2].dir].hier == 1 && plan.dirs[plan.ops[3].dir].hier == 1 &&
                           plan.ops[2].kind == OP_MKDIR && plan.ops[2].dir == 2,
                   "the second hierarchy's mkdir is in its own top-level");
                ok(plan.dirs[3].parent == 2, "second hierarchy's a hangs off its own top-level");

                struct strbuf sb = { 0 };
                for (size_t i = 0; i < plan.n_ops; i++) {
                        char line[256];
                        plan_format_op(&plan, &plan.ops[i], NULL, line, sizeof(line));
                        strbuf_appendf(&sb, "%s\n", line);
                }
                is_str(sb.buf,
                       "mkdir a\n"
                       "write a/pids.max = \"5\"\n"
                       "mkdir a\n"
                       "write a/cpu.shares = \"512\"\n",
                       "plan_format_op lines");
                strbuf_free(&sb);
                static const char *const bases[] = { "/sys/fs/cgroup/pids/ctr",
                                                     "/sys/fs/cgroup/cpu/ctr" };
                for (size_t i = 0; i < plan.n_ops; i++) {
                        char line[256];
                        plan_format_op(&plan, &plan.ops[i], bases[plan.dirs[plan.ops[i].dir].hier],
                                       line, sizeof(line));
                        strbuf_appendf(&sb, "%s\n", line);
                }
                is_str(sb.buf,
                       "mkdir /sys/fs/cgroup/pids/ctr/a\n"
                       "write /sys/fs/cgroup/pids/ctr/a/pids.max = \"5\"\n"
                       "mkdir /sys/fs/cgroup/cpu/ctr/a\n"
                       "write /sys/fs/cgroup/cpu/ctr/a/cpu.shares = \"512\"\n",
                       "plan_format_op lines with the host path in front");
                strbuf_free(&sb);
        }
        for (size_t i = 0; i < 2; i++)
                observed_free(&top[i], &img.hierarchies[i].root);
        plan_free(&plan);
        ok(plan.n_ops == 0 && plan.ops == NULL, "plan_free resets");
        image_free(&img);
}

static void test_mode_names(void)
{
        static const char *const names[] = { "soft", "full", "strict", "props", "none", "ignore" };
        for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
                enum restore_mode m = MODE_MAX;
                ok(restore_mode_from_string(names[i], &m) == 0 && m == (enum restore_mode)i &&
                           streq(restore_mode_to_string(m), names[i]),
                   "mode %s round-trips", names[i]);
        }
        enum restore_mode m = MODE_FULL;
        ok(restore_mode_from_string("Soft", &m) < 0 && m == MODE_FULL, "mode Soft refused");
        ok(restore_mode_from_string("", &m) < 0 && m == MODE_FULL, "mode \"\" refused");
        ok(restore_mode_from_string("soft,full", &m) < 0, "modes never combine");
}

/* ---- sub-cgroups a killed run made (the journal lists them) ---- */

static void obs_adopted(struct observed_node *top, const struct cg_node *root, const char *path)
{
        const struct cg_node *n;
        struct observed_node *o = obs_at(top, root, path, &n);
        o->exists = true;
        o->adopted = true;
}

static void test_adopt(void)
{
        struct cgbind_image img = parse_or_bail(v1_cpu_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;

        /* a was made by a killed run (with its own value already written),
         * a/c exists and is the workload's, a/b is missing */
        obs_init(&top, &h->root, true);
        obs_adopted(&top, &h->root, "a");
        obs_set(&top, &h->root, "a", "cpu.shares", "512");
        obs_set(&top, &h->root, "a", "cpu.cfs_quota_us", "-1");
        obs_exists(&top, &h->root, "a/c");
        obs_set(&top, &h->root, "a/c", "cpu.shares", "2");

        run(&res, h, &top, false, MODE_SOFT, false, true);
        ok(res.plan.n_mkdirs == 1, "adopt: n_mkdirs counts the mkdir only (%zu)",
           res.plan.n_mkdirs);
        expect("soft, a adopted: every property written as on a new cgroup, no undo", &res,
               "adopt . a\n"
               "write a cpu.shares \"512\"\n"
               "write a cpu.cfs_quota_us \"50000\"\n"
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n");

        run(&res, h, &top, false, MODE_FULL, false, true);
        expect("full, a adopted, a/c the workload's: a/c gets an undo, a none", &res,
               "adopt . a\n"
               "write a cpu.shares \"512\"\n"
               "write a cpu.cfs_quota_us \"50000\"\n"
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n"
               "write a/c cpu.shares \"128\" undo \"2\"\n");

        /* strict only refuses what is not cgbind's own */
        run(&res, h, &top, false, MODE_STRICT, false, true);
        expect_refused("strict, a adopted but a/c the workload's", &res, "a/c");
        obs_adopted(&top, &h->root, "a/c");
        run(&res, h, &top, false, MODE_STRICT, false, true);
        expect("strict, a and a/c adopted: not refused", &res,
               "adopt . a\n"
               "write a cpu.shares \"512\"\n"
               "write a cpu.cfs_quota_us \"50000\"\n"
               "mkdir a b\n"
               "write a/b cpu.shares \"256\"\n"
               "adopt a c\n"
               "write a/c cpu.shares \"128\"\n");

        /* props: an adopted node exists, a missing one is still refused */
        run(&res, h, &top, false, MODE_PROPS, false, true);
        expect_refused("props, a adopted, a/b missing", &res, "a/b");
        obs_adopted(&top, &h->root, "a/b");
        run(&res, h, &top, false, MODE_PROPS, false, true);
        ok(res.r == 0 && res.plan.n_mkdirs == 0 && count_lines(res.ops, "adopt . a") == 1 &&
                   count_lines(res.ops, "adopt a b") == 1 && count_lines(res.ops, "adopt a c") == 1,
           "props, everything adopted: three adopts, no mkdir (%s)", res.err.msg);
        result_free(&res);
        run(&res, h, &top, false, MODE_NONE, false, true);
        expect("none, everything adopted: nothing", &res, "");
        observed_free(&top, &h->root);
        image_free(&img);

        /* the v2 init chain: an adopted init.scope is adopted, then the pid moves */
        img = parse_or_bail(v2_init_tree);
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        obs_adopted(&top, &h->root, "init.scope");
        run(&res, h, &top, true, MODE_SOFT, false, true);
        expect("v2 init.scope adopted", &res,
               "adopt . init.scope\n"
               "move init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");
        obs_adopted(&top, &h->root, "app");
        run(&res, h, &top, true, MODE_STRICT, false, true);
        expect("v2 strict, init.scope and app adopted: not refused", &res,
               "adopt . init.scope\n"
               "move init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "adopt . app\n"
               "write app memory.max \"1000\"\n");
        observed_free(&top, &h->root);
        image_free(&img);
}

/* ---- the dry run's lines and the debug log's ---- */

static char *print_all(const struct plan *p)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f)
                abort();
        for (size_t i = 0; i < p->n_ops; i++)
                if (plan_print_op(p, &p->ops[i], f) < 0)
                        fputs("(error)\n", f);
        fclose(f);
        return buf;
}

static void test_print(void)
{
        struct cgbind_image img = parse_or_bail(v2_init_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        run(&res, h, &top, true, MODE_SOFT, false, true);
        char *out = print_all(&res.plan);
        is_str(out,
               "mkdir init.scope\n"
               "move pid 4242 into init.scope\n"
               "write ./cgroup.subtree_control = \"+cpu +memory\"\n"
               "mkdir app\n"
               "write app/memory.max = \"1000\"\n",
               "plan_print_op: the dry run's lines, relative, ./ at the top-level");
        free(out);
        result_free(&res);
        obs_adopted(&top, &h->root, "app");
        run(&res, h, &top, false, MODE_SOFT, false, true);
        out = print_all(&res.plan);
        ok(has_str(out, "\nadopt app (made by a cgbind that was stopped)\n"),
           "plan_print_op: an adopted sub-cgroup says so");
        free(out);
        /* the debug log and a failed operation's error render it the same way */
        for (size_t i = 0; i < res.plan.n_ops; i++) {
                const struct plan_op *op = &res.plan.ops[i];
                char line[200], path[200];
                if (op->kind != OP_ADOPT && op->kind != OP_MOVE_PID)
                        continue;
                plan_format_op(&res.plan, op, "/sys/fs/cgroup/ctr", line, sizeof(line));
                plan_format_op_path(&res.plan, op, "/sys/fs/cgroup/ctr", path, sizeof(path));
                if (op->kind == OP_ADOPT) {
                        is_str(line,
                               "adopt /sys/fs/cgroup/ctr/app (made by a cgbind that was stopped)",
                               "plan_format_op: an adopted sub-cgroup says so too");
                        is_str(path, "/sys/fs/cgroup/ctr/app", "plan_format_op_path: adopt");
                } else {
                        is_str(line, "move pid 4242 into /sys/fs/cgroup/ctr/init.scope",
                               "plan_format_op: move");
                        is_str(path, "/sys/fs/cgroup/ctr/init.scope/cgroup.procs",
                               "plan_format_op_path: a move changes cgroup.procs");
                }
        }
        result_free(&res);
        observed_free(&top, &h->root);
        image_free(&img);

        /* names and values from the image are escaped, a multi-line value is one line */
        img = parse_or_bail(
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"io\"],"
                "\"root\":{\"children\":[{\"name\":\"caf\xc3\xa9\",\"children\":[{\"name\":"
                "\"x\\\\y\",\"properties\":{\"io.max\":\"8:0 rbps=1\\n8:16 wiops=2\"}}]}]}}]}");
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        out = print_all(&res.plan);
        is_str(out,
               "mkdir caf\\xc3\\xa9\n"
               "mkdir caf\\xc3\\xa9/x\\x5cy\n"
               "write caf\\xc3\\xa9/x\\x5cy/io.max = \"8:0 rbps=1\\x0a8:16 wiops=2\"\n",
               "plan_print_op escapes names and values");
        free(out);
        char line[40];
        plan_format_op(&res.plan, &res.plan.ops[2], "/sys/fs/cgroup/ctr", line, sizeof(line));
        ok(strlen(line) == sizeof(line) - 1 && streq(line + strlen(line) - 3, "..."),
           "plan_format_op cuts a long line to its buffer, ending in ... (%s)", line);
        char small[4];
        ok(plan_dir_path(&res.plan, res.plan.ops[2].dir, small, sizeof(small)) == -ENAMETOOLONG,
           "plan_dir_path: -ENAMETOOLONG when the buffer is too small");
        char path[64];
        ok(plan_dir_path(&res.plan, res.plan.ops[2].dir, path, sizeof(path)) == 0 &&
                   streq(path, "caf\xc3\xa9/x\\y"),
           "plan_dir_path: the raw path below the top-level");
        result_free(&res);
        observed_free(&top, &h->root);
        image_free(&img);

        /* a deep tree of long names: the dry run never cuts */
        struct strbuf sb = { 0 };
        char name[256];
        memset(name, 'n', 255);
        name[255] = '\0';
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\","
                            "\"controllers\":[\"pids\"],\"root\":{\"children\":[");
        for (int i = 0; i < CGBIND_MAX_DEPTH; i++)
                strbuf_appendf(&sb, "{\"name\":\"%s\",%s\"children\":[", name,
                               i == CGBIND_MAX_DEPTH - 1 ? "\"properties\":{\"pids.max\":\"7\"},"
                                                         : "");
        for (int i = 0; i < CGBIND_MAX_DEPTH; i++)
                strbuf_append(&sb, "]}", 2);
        strbuf_appendf(&sb, "]}}]}");
        img = parse_or_bail(sb.buf);
        strbuf_free(&sb);
        h = &img.hierarchies[0];
        obs_init(&top, &h->root, true);
        run(&res, h, &top, false, MODE_SOFT, false, true);
        ok(res.r == 0 && res.dirs_ok && res.plan.n_ops == CGBIND_MAX_DEPTH + 1,
           "64 levels of 255-byte names: %d ops", CGBIND_MAX_DEPTH + 1);
        out = print_all(&res.plan);
        size_t want = strlen("write ") + CGBIND_MAX_DEPTH * 256 + strlen("pids.max = \"7\"\n");
        ok(out && strlen(out) > want && has_str(out, "/pids.max = \"7\"\n"),
           "plan_print_op prints the whole %zu-byte path", want);
        free(out);
        result_free(&res);
        observed_free(&top, &h->root);
        image_free(&img);
}

/* ---- moves (CRIU's action script: rebase, CRIU and cgbind leaving) ---- */

static void run_moves(struct result *res, const struct image_hierarchy *h,
                      const struct observed_node *top, enum restore_mode mode,
                      const struct plan_move *moves, size_t n, size_t max_dirs)
{
        struct plan_hierarchy_input in = {
                .image = h,
                .observed = top,
                .label = image_hierarchy_label(h),
                .moves = moves,
                .n_moves = n,
        };
        struct plan_options opts = {
                .mode = mode, .move_init = true, .pid = PID, .max_move_dirs = max_dirs
        };
        *res = (struct result){ 0 };
        res->r = plan_hierarchy(&res->plan, 0, &in, &opts, &res->err);
        res->ops = render(&res->plan);
        res->dirs_ok = dirs_consistent(&res->plan, 0, 0);
}

static void expect_move_refused(const char *what, struct result *res, enum cgbind_status st,
                                const char *needle)
{
        ok(res->r < 0 && res->err.status == st, "%s: refused with status %d (%s)", what, (int)st,
           res->err.msg);
        ok(res->plan.n_ops == 0 && res->plan.n_mkdirs == 0, "%s: no operation, nothing made", what);
        ok(has_str(res->err.msg, needle), "%s: message names %s", what, needle);
        result_free(res);
}

static void test_moves(void)
{
        struct cgbind_image img = parse_or_bail(v2_init_tree);
        const struct image_hierarchy *h = &img.hierarchies[0];
        struct observed_node top;
        struct result res;
        obs_init(&top, &h->root, true);
        obs_set(&top, &h->root, "", "cgroup.subtree_control", "");

        /* a restore under a new id: the tasks to the paths they had, then
         * CRIU and cgbind into the init's cgroup, all before the top-level
         * enables its controllers; app (the image's, made by a move) gets
         * its limits; web (not the image's) is made and counted */
        const struct plan_move rebase[] = {
                { .pid = 100, .rel = "init.scope", .who = "task" },
                { .pid = 102, .rel = "app/web", .who = "task", .may_vanish = true },
                { .pid = 101, .rel = "init.scope", .who = "task", .may_vanish = true },
                { .pid = 50, .rel = "init.scope", .who = "CRIU" },
                { .pid = 51, .rel = "init.scope", .who = "cgbind" },
        };
        run_moves(&res, h, &top, MODE_FULL, rebase, ARRAY_SIZE(rebase), 10);
        is_int((int)res.plan.n_mkdirs, 3, "rebase: three sub-cgroups made, each once");
        expect("rebase: moves first, in the order of their paths", &res,
               "mkdir . app\n"
               "mkdir app web\n"
               "move app/web pid 102 undo . (may vanish)\n"
               "mkdir . init.scope\n"
               "move init.scope pid 100 undo .\n"
               "move init.scope pid 101 undo . (may vanish)\n"
               "move init.scope pid 50 undo .\n"
               "move init.scope pid 51 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "write app memory.max \"1000\"\n");

        /* one made outside the image over the cap: refused, nothing planned */
        run_moves(&res, h, &top, MODE_FULL, rebase, ARRAY_SIZE(rebase), 0);
        expect_move_refused("rebase over --max-cgroups", &res, CGBIND_INVALID, "--max-cgroups");

        /* what exists already (a killed run's, listed in its journal: adopted) */
        const struct plan_move again[] = {
                { .pid = 102, .rel = "x/y", .who = "task", .n_exist = 2, .adopted = 2 },
                { .pid = 103, .rel = "x/y/z", .who = "task", .n_exist = 2 },
        };
        run_moves(&res, h, &top, MODE_SOFT, again, ARRAY_SIZE(again), 1);
        expect("moves into what exists: x kept, y adopted, z made", &res,
               "adopt x y\n"
               "move x/y pid 102 undo .\n"
               "mkdir x/y z\n"
               "move x/y/z pid 103 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir . init.scope\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");

        /* paths the image rules refuse: nothing made, nothing moved */
        static char deep[CGBIND_MAX_REL_PATH + 300], longname[300];
        memset(longname, 'n', 255);
        longname[255] = '\0';
        const char *bad[] = { "pids.max",   "init.scope/cgroup.evil",
                              "cpu.max",    "a/../b",
                              "a//b",       "a/",
                              "memory.low", "tasks",
                              "x\x1b[2Jy",  NULL };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                const char *rel = bad[i];
                if (!rel) {
                        /* 65 levels */
                        deep[0] = '\0';
                        for (int k = 0; k < 65; k++)
                                strcat(deep, k ? "/d" : "d");
                        rel = deep;
                }
                const struct plan_move one[] = {
                        { .pid = 100, .rel = "init.scope", .who = "task" },
                        { .pid = 101, .rel = rel, .who = "task" },
                };
                run_moves(&res, h, &top, MODE_FULL, one, 2, 100);
                char what[80];
                snprintf(what, sizeof(what), "a task's old path %.40s", i < 8 ? rel : "(hostile)");
                expect_move_refused(what, &res, CGBIND_INVALID, "cannot be made beneath");
        }
        /* the message escapes what it names */
        const struct plan_move esc[] = {
                { .pid = 100, .rel = "a\x1b[31m/pids.max", .who = "task" }
        };
        run_moves(&res, h, &top, MODE_FULL, esc, 1, 100);
        ok(res.r < 0 && !strchr(res.err.msg, '\x1b') && has_str(res.err.msg, "\\x1b"),
           "an escape in a path is escaped in the message (%s)", res.err.msg);
        result_free(&res);

        /* the deepest and longest path validation allows: planned whole */
        deep[0] = '\0';
        for (int k = 0; k < CGBIND_MAX_DEPTH; k++) {
                if (k)
                        strcat(deep, "/");
                strcat(deep, longname);
        }
        ok(plan_move_path_valid(deep, &(const char *){ NULL }), "64 names of 255 bytes: valid");
        const struct plan_move big[] = { { .pid = 100, .rel = deep, .who = "task" } };
        run_moves(&res, h, &top, MODE_FULL, big, 1, CGBIND_MAX_DEPTH);
        ok(res.r == 0 && res.plan.n_mkdirs == CGBIND_MAX_DEPTH + 2,
           "64 levels of 255 bytes: planned (%s)", res.err.msg);
        char path[CGBIND_MAX_REL_PATH];
        ok(plan_dir_path(&res.plan, res.plan.ops[CGBIND_MAX_DEPTH].dir, path, sizeof(path)) == 0 &&
                   streq(path, deep),
           "... and its path fits a journal line (CGBIND_MAX_REL_PATH)");
        result_free(&res);
        strcat(deep, "/x");
        ok(!plan_move_path_valid(deep, &(const char *){ NULL }), "65 levels: refused");

        /* the init move of the hook reuses what the moves planned */
        const struct plan_move criu[] = { { .pid = 50, .rel = "init.scope", .who = "CRIU" } };
        struct plan_hierarchy_input in = { .image = h,
                                           .observed = &top,
                                           .init_in_top = true,
                                           .label = "cgroup2",
                                           .moves = criu,
                                           .n_moves = 1 };
        struct plan_options opts = { .mode = MODE_SOFT, .move_init = true, .pid = PID };
        res = (struct result){ 0 };
        res.r = plan_hierarchy(&res.plan, 0, &in, &opts, &res.err);
        res.ops = render(&res.plan);
        res.dirs_ok = dirs_consistent(&res.plan, 0, 0);
        expect("a move and the init move into one cgroup: made once", &res,
               "mkdir . init.scope\n"
               "move init.scope pid 50 undo .\n"
               "move init.scope pid 4242 undo .\n"
               "write . cgroup.subtree_control \"+cpu +memory\" undo \"-cpu -memory\"\n"
               "mkdir . app\n"
               "write app memory.max \"1000\"\n");
        /* mode props creates nothing: a move into a missing cgroup is
         * refused (the image's sub-cgroups exist) */
        obs_exists(&top, &h->root, "init.scope");
        obs_exists(&top, &h->root, "app");
        const struct plan_move props[] = { { .pid = 100, .rel = "gone", .who = "task" } };
        run_moves(&res, h, &top, MODE_PROPS, props, 1, 10);
        expect_move_refused("mode props, a missing path", &res, CGBIND_PRECONDITION,
                            "task (pid 100): its cgroup (cgroup2:/gone) is missing");
        observed_free(&top, &h->root);
        image_free(&img);
}

int main(void)
{
        test_moves();
        test_soft_empty();
        test_modes_existing();
        test_v1_cpuset();
        test_v1_memory();
        test_v1_rt();
        test_v2_type();
        test_v2_subtree();
        test_v2_top_level();
        test_v2_init_move();
        test_v2_last();
        test_multiline();
        test_two_hierarchies();
        test_mode_names();
        test_adopt();
        test_print();
        return tap_done();
}
