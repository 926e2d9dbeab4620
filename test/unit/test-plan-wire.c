/* plan_wire_write/plan_wire_read (the privilege split's pipe): a plan comes
 * back equal; every field a parser child could forge is refused by the
 * parent's checks (names, allowlist, grammar, pids, indices); no cut or
 * flipped byte crashes the reader or gets an unchecked plan through. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/plan-wire.h"

#include "tap.h"

static const enum cg_version versions[] = { CG_V2, CG_V1 };
static const pid_t pids[] = { 4242, 5151 };
static const uint32_t targets[] = { 0, 1 };
static const char *const labels[] = { "cgroup2", "pids" };
static const struct plan_wire_check chk = {
        .versions = versions,
        .n_hier = 2,
        .pids = pids,
        .n_pids = 2,
        .max_dirs = 1000,
        .max_ops = 1000,
};

/* one v2 hierarchy: app/job with a limit each, the pid moved into app; one
 * v1 pids hierarchy with a sub-cgroup */
struct fixture {
        struct plan_dir dirs[5];
        struct plan_op ops[8];
        struct plan plan;
};

static void fixture_init(struct fixture *f)
{
        *f = (struct fixture){
                .dirs = {
                        { PLAN_NO_PARENT, 0, NULL },
                        { 0, 0, "app" },
                        { 1, 0, "job" },
                        { PLAN_NO_PARENT, 1, NULL },
                        { 3, 1, "w" },
                },
                .ops = {
                        { .kind = OP_MKDIR, .dir = 0, .name = "app" },
                        { .kind = OP_WRITE, .dir = 0, .name = "cgroup.subtree_control",
                          .value = "+memory +pids", .undo = "-memory -pids" },
                        { .kind = OP_WRITE, .dir = 1, .name = "pids.max", .value = "7",
                          .undo = "max" },
                        { .kind = OP_MKDIR, .dir = 1, .name = "job" },
                        { .kind = OP_WRITE, .dir = 2, .name = "memory.max",
                          .value = "67108864" },
                        { .kind = OP_MOVE_PID, .dir = 1, .undo_dir = 0, .pid = 4242 },
                        { .kind = OP_ADOPT, .dir = 3, .name = "w" },
                        { .kind = OP_WRITE, .dir = 4, .name = "pids.max", .value = "5" },
                },
        };
        f->plan = (struct plan){
                .dirs = f->dirs, .n_dirs = 5, .ops = f->ops, .n_ops = 8, .pid = 4242
        };
}

static bool streq_null(const char *a, const char *b)
{
        return (!a && !b) || (a && b && streq(a, b));
}

static bool plans_equal(const struct plan *a, const struct plan *b)
{
        if (a->n_dirs != b->n_dirs || a->n_ops != b->n_ops || a->pid != b->pid)
                return false;
        for (size_t i = 0; i < a->n_dirs; i++)
                if (a->dirs[i].parent != b->dirs[i].parent || a->dirs[i].hier != b->dirs[i].hier ||
                    !streq_null(a->dirs[i].name, b->dirs[i].name))
                        return false;
        for (size_t i = 0; i < a->n_ops; i++) {
                const struct plan_op *x = &a->ops[i], *y = &b->ops[i];
                if (x->kind != y->kind || x->dir != y->dir || x->multiline != y->multiline ||
                    x->pid != y->pid || x->may_vanish != y->may_vanish ||
                    (x->kind == OP_MOVE_PID && x->undo_dir != y->undo_dir) ||
                    !streq_null(x->name, y->name) || !streq_null(x->value, y->value) ||
                    !streq_null(x->undo, y->undo))
                        return false;
        }
        return true;
}

static int roundtrip_with(const struct plan *p, const uint32_t *t, size_t n_t, struct plan *ret,
                          struct cgbind_error *err, const struct plan_wire_check *c)
{
        struct strbuf sb = { 0 };
        struct plan_wire_targets back = { 0 };
        plan_wire_write(p, t, labels, n_t, &sb);
        *err = (struct cgbind_error){ 0 };
        int r = plan_wire_read(sb.buf, sb.len, c, ret, &back, err);
        if (r == 0 && (back.n != n_t || memcmp(back.located, t, n_t * sizeof(*t)) != 0 ||
                       !streq(back.labels[0], labels[0]) || !streq(back.labels[1], labels[1])))
                r = cgbind_error_set(err, CGBIND_FAILED, EIO, "the targets came back changed");
        plan_wire_targets_free(&back);
        strbuf_free(&sb);
        return r;
}

static int roundtrip(const struct plan *p, struct plan *ret, struct cgbind_error *err)
{
        return roundtrip_with(p, targets, 2, ret, err, &chk);
}

static void test_roundtrip(void)
{
        struct fixture f;
        fixture_init(&f);
        struct plan back = { 0 };
        struct cgbind_error err;
        int r = roundtrip(&f.plan, &back, &err);
        ok(r == 0 && plans_equal(&f.plan, &back) && back.n_mkdirs == 2,
           "a plan comes back equal (%s)", err.msg);
        plan_free(&back);
        /* a move of another pid the hook named (CRIU's), which may vanish */
        fixture_init(&f);
        f.ops[5].pid = 5151;
        f.ops[5].may_vanish = true;
        r = roundtrip(&f.plan, &back, &err);
        ok(r == 0 && plans_equal(&f.plan, &back) && back.ops[5].pid == 5151 &&
                   back.ops[5].may_vanish,
           "each move keeps its own pid and may-vanish flag (%s)", err.msg);
        plan_free(&back);
        /* the targets name the parent's located hierarchies, in any order */
        fixture_init(&f);
        const uint32_t swapped[] = { 1, 0 };
        static const enum cg_version swapped_versions[] = { CG_V1, CG_V2 };
        struct plan_wire_check chk2 = chk;
        chk2.versions = swapped_versions;
        r = roundtrip_with(&f.plan, swapped, 2, &back, &err, &chk2);
        ok(r == 0 && plans_equal(&f.plan, &back), "the targets map onto located hierarchies (%s)",
           err.msg);
        plan_free(&back);
}

/* the two other replies: nothing to do, and the child's own refusal */
static void test_replies(void)
{
        struct strbuf sb = { 0 };
        struct plan back = { 0 };
        struct plan_wire_targets t = { 0 };
        struct cgbind_error err = { 0 };
        plan_wire_write_nothing(&sb);
        ok(plan_wire_read(sb.buf, sb.len, &chk, &back, &t, &err) == 1 && back.n_ops == 0,
           "nothing to do comes back as such");
        strbuf_free(&sb);
        struct cgbind_error child = { 0 };
        cgbind_error_set(&child, CGBIND_PRECONDITION, ENOENT, "sub-cgroup (pids:a): missing");
        plan_wire_write_failure(&child, &sb);
        int r = plan_wire_read(sb.buf, sb.len, &chk, &back, &t, &err);
        ok(r == -ENOENT && err.status == CGBIND_PRECONDITION && streq(err.msg, child.msg),
           "the child's refusal comes back with its status and line (%s)", err.msg);
        strbuf_free(&sb);
        static const struct {
                const char *what;
                enum cgbind_status status;
                const char *msg;
        } bad_errors[] = {
                { "status 0 (success)", CGBIND_OK, "x" },
                { "status 4 (something left)", CGBIND_PARTIAL, "x" },
                { "an empty message", CGBIND_INVALID, "" },
                { "a message with a newline", CGBIND_INVALID, "a\nb" },
                { "a message with an escape", CGBIND_INVALID, "a\x1b[2Jb" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad_errors); i++) {
                struct cgbind_error e = { .status = bad_errors[i].status, .errnum = EINVAL };
                snprintf(e.msg, sizeof(e.msg), "%s", bad_errors[i].msg);
                plan_wire_write_failure(&e, &sb);
                err = (struct cgbind_error){ 0 };
                r = plan_wire_read(sb.buf, sb.len, &chk, &back, &t, &err);
                ok(r < 0 && err.status == CGBIND_INVALID &&
                           has_str(err.msg, "plan (from the parser)"),
                   "a child's error with %s is refused (%s)", bad_errors[i].what, err.msg);
                strbuf_free(&sb);
        }
}

/* each forged field, on the fixture: refused with status 2 and the reason */
static void test_forged(void)
{
        static const struct {
                const char *what, *want;
                int field; /* which edit below */
                const char *s;
        } cases[] = {
                { "a directory named ..", "not a valid sub-cgroup name", 0, ".." },
                { "a directory named a/b", "not a valid sub-cgroup name", 0, "a/b" },
                { "a directory named cgroup.procs", "not a valid sub-cgroup name", 0,
                  "cgroup.procs" },
                { "a directory named pids.max", "not a valid sub-cgroup name", 0, "pids.max" },
                { "a mkdir of ../../x", "not a valid sub-cgroup", 1, "../../x" },
                { "a write of release_agent", "not in the allowlist", 2, "release_agent" },
                { "a write of cgroup.procs", "not in the allowlist", 2, "cgroup.procs" },
                { "a write of cgroup.kill", "not in the allowlist", 2, "cgroup.kill" },
                { "a write of ../pids.max", "not in the allowlist", 2, "../pids.max" },
                { "a value with a newline injected", "value of pids.max", 3, "7\n+cpu" },
                { "a value past the grammar", "value of pids.max", 3, "-5" },
                { "a subtree_control that is not a delta", "not a controller delta", 4,
                  "+memory; echo" },
                { "a subtree_control with an unknown controller", "not a controller delta", 4,
                  "+devices" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct fixture f;
                fixture_init(&f);
                switch (cases[i].field) {
                case 0:
                        f.dirs[2].name = cases[i].s;
                        break;
                case 1:
                        f.ops[3].name = cases[i].s;
                        break;
                case 2:
                        f.ops[2].name = cases[i].s;
                        break;
                case 3:
                        f.ops[2].value = cases[i].s;
                        break;
                default:
                        f.ops[1].value = cases[i].s;
                        break;
                }
                struct plan back = { 0 };
                struct cgbind_error err;
                int r = roundtrip(&f.plan, &back, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, cases[i].want) &&
                           back.n_ops == 0,
                   "%s: refused (%s)", cases[i].what, err.msg);
        }
}

static void forged_struct(const char *what, const char *want, struct fixture *f)
{
        struct plan back = { 0 };
        struct cgbind_error err;
        int r = roundtrip(&f->plan, &back, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, want) && back.n_ops == 0,
           "%s: refused (%s)", what, err.msg);
}

/* the pid, the indices, the hierarchies */
static void test_forged_struct(void)
{
        struct fixture f;
        fixture_init(&f);
        f.plan.pid = 1;
        forged_struct("a plan of pid 1 (not the container's)", "pid 1 is not the container's", &f);
        fixture_init(&f);
        f.ops[5].pid = 1;
        forged_struct("a move of pid 1 (not one the hook named)", "pid 1 is not one the hook named",
                      &f);
        fixture_init(&f);
        f.ops[4].pid = 4242;
        forged_struct("a pid on a write", "a pid on an operation that moves none", &f);
        fixture_init(&f);
        const uint32_t twice[] = { 0, 0 };
        struct plan back = { 0 };
        struct cgbind_error err;
        int r = roundtrip_with(&f.plan, twice, 2, &back, &err, &chk);
        ok(r < 0 && has_str(err.msg, "located 0 twice"), "a hierarchy named twice: refused (%s)",
           err.msg);
        const uint32_t beyond[] = { 0, 2 };
        r = roundtrip_with(&f.plan, beyond, 2, &back, &err, &chk);
        ok(r < 0 && has_str(err.msg, "located 2, not one to write"),
           "a hierarchy the parent did not locate: refused (%s)", err.msg);
        fixture_init(&f);
        f.dirs[1].parent = 2;
        forged_struct("a parent after its child (a cycle)", "directory 1: parent 2", &f);
        fixture_init(&f);
        f.dirs[4].parent = 1;
        forged_struct("a parent in another hierarchy", "directory 4: parent 1", &f);
        fixture_init(&f);
        f.dirs[4].hier = 7;
        forged_struct("a hierarchy the plan does not have", "hierarchy 7 of 2", &f);
        fixture_init(&f);
        f.dirs[0].name = "x";
        forged_struct("a top-level with a name", "a top-level with a name", &f);
        fixture_init(&f);
        f.ops[4].dir = 99;
        forged_struct("an operation on a directory that is not there", "directory 99 of 5", &f);
        fixture_init(&f);
        f.ops[5].undo_dir = 4;
        forged_struct("a move whose undo is in another hierarchy", "not a process move", &f);
        fixture_init(&f);
        f.ops[4].kind = OP_KIND_MAX;
        forged_struct("an unknown kind", "kind", &f);
        fixture_init(&f);
        f.ops[2].multiline = true;
        forged_struct("a single-line file written line by line", "wrong line mode", &f);
        fixture_init(&f);
        f.ops[7].name = "memory.max"; /* hierarchy 1 is v1: memory.max is v2's */
        forged_struct("a v2 file in a v1 hierarchy", "not in the allowlist", &f);
}

/* every prefix of a valid plan is refused; every byte changed in every way
 * is refused or, if accepted, still passes the checks it went through */
static void test_cut_and_flipped(void)
{
        struct fixture f;
        fixture_init(&f);
        struct strbuf sb = { 0 };
        plan_wire_write(&f.plan, targets, labels, 2, &sb);
        struct plan_wire_targets t = { 0 };
        size_t accepted_cut = 0;
        for (size_t l = 0; l < sb.len; l++) {
                struct plan back = { 0 };
                struct cgbind_error err = { 0 };
                if (plan_wire_read(sb.buf, l, &chk, &back, &t, &err) == 0)
                        accepted_cut++;
                plan_free(&back);
                plan_wire_targets_free(&t);
        }
        ok(accepted_cut == 0, "every one of the %zu cut plans is refused", sb.len);
        /* and with a byte more */
        strbuf_append(&sb, "x", 1);
        struct plan back = { 0 };
        struct cgbind_error err = { 0 };
        ok(plan_wire_read(sb.buf, sb.len, &chk, &back, &t, &err) < 0 &&
                   has_str(err.msg, "1 bytes after the plan"),
           "bytes after the plan are refused (%s)", err.msg);
        sb.len--;
        size_t accepted = 0, wrong = 0;
        for (size_t i = 0; i < sb.len; i++)
                for (unsigned v = 0; v < 256; v++) {
                        char *copy = xmalloc(sb.len);
                        memcpy(copy, sb.buf, sb.len);
                        if ((unsigned char)copy[i] == v) {
                                free(copy);
                                continue;
                        }
                        copy[i] = (char)v;
                        back = (struct plan){ 0 };
                        err = (struct cgbind_error){ 0 };
                        if (plan_wire_read(copy, sb.len, &chk, &back, &t, &err) == 0) {
                                accepted++;
                                /* what got through is a plan the checks allow */
                                for (size_t d = 0; d < back.n_dirs; d++) {
                                        const char *reason;
                                        const char *n = back.dirs[d].name;
                                        if (back.dirs[d].parent != PLAN_NO_PARENT &&
                                            (back.dirs[d].parent >= d ||
                                             !cgroup_name_valid(n, strlen(n), &reason)))
                                                wrong++;
                                }
                                for (size_t o = 0; o < back.n_ops; o++)
                                        if (back.ops[o].kind == OP_MOVE_PID &&
                                            back.ops[o].pid != 4242 && back.ops[o].pid != 5151)
                                                wrong++;
                        }
                        plan_free(&back);
                        plan_wire_targets_free(&t);
                        free(copy);
                }
        ok(wrong == 0,
           "every flipped byte: %zu variants accepted (names, values a checker allows), "
           "none outside the checks",
           accepted);
        strbuf_free(&sb);
}

int main(void)
{
        test_roundtrip();
        test_forged();
        test_forged_struct();
        test_replies();
        test_cut_and_flipped();
        return tap_done();
}
