/* A plan serialised for the privilege split, and read back with every
 * field checked again (see plan-wire.h). A reply is one of three, each
 * little-endian, each string with its length:
 *   "cgbind-plan 2\n", u32 n_targets, n_targets x { u32 located, str label },
 *   u32 pid,
 *   u32 n_dirs, n_dirs x { u32 parent, u32 hier, str name },
 *   u32 n_ops, n_ops x { u8 kind, u8 flags (1 multiline, 2 may vanish),
 *                        u32 dir, u32 undo_dir, u32 pid,
 *                        str name, str value, str undo }
 *   "cgbind-fail 2\n", u32 status, u32 errno, str message
 *   "cgbind-none 2\n"
 * where str is u32 length (UINT32_MAX: NULL) and the bytes, no NUL. */
#include <stdint.h>
#include <stdio.h>

#include "cgbind/caps.h"
#include "cgbind/plan-wire.h"
#include "cgbind/props.h"

static const char magic[] = "cgbind-plan 2\n";
static const char magic_fail[] = "cgbind-fail 2\n";
static const char magic_none[] = "cgbind-none 2\n";
#define MAGIC_LEN (sizeof(magic) - 1)
/* a label joins at most a few controller lists ("cpu,cpuacct+memory") */
#define CGBIND_MAX_LABEL 1024
#define NO_STRING        UINT32_MAX

static void put_u32(struct strbuf *out, uint32_t v)
{
        unsigned char b[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                               (unsigned char)(v >> 24) };
        strbuf_append(out, (const char *)b, sizeof(b));
}

static void put_str(struct strbuf *out, const char *s)
{
        if (!s) {
                put_u32(out, NO_STRING);
                return;
        }
        size_t l = strlen(s);
        put_u32(out, (uint32_t)l);
        strbuf_append(out, s, l);
}

void plan_wire_write(const struct plan *plan, const uint32_t *targets, const char *const *labels,
                     size_t n_targets, struct strbuf *out)
{
        strbuf_append(out, magic, MAGIC_LEN);
        put_u32(out, (uint32_t)n_targets);
        for (size_t i = 0; i < n_targets; i++) {
                put_u32(out, targets[i]);
                put_str(out, labels[i]);
        }
        put_u32(out, (uint32_t)plan->pid);
        put_u32(out, (uint32_t)plan->n_dirs);
        for (size_t i = 0; i < plan->n_dirs; i++) {
                put_u32(out, plan->dirs[i].parent);
                put_u32(out, plan->dirs[i].hier);
                put_str(out, plan->dirs[i].name);
        }
        put_u32(out, (uint32_t)plan->n_ops);
        for (size_t i = 0; i < plan->n_ops; i++) {
                const struct plan_op *op = &plan->ops[i];
                unsigned char head[2] = { (unsigned char)op->kind,
                                          (unsigned char)((op->multiline ? 1 : 0) |
                                                          (op->may_vanish ? 2 : 0)) };
                strbuf_append(out, (const char *)head, sizeof(head));
                put_u32(out, op->dir);
                put_u32(out, op->undo_dir);
                put_u32(out, (uint32_t)op->pid);
                put_str(out, op->name);
                put_str(out, op->value);
                put_str(out, op->undo);
        }
}

void plan_wire_write_failure(const struct cgbind_error *e, struct strbuf *out)
{
        strbuf_append(out, magic_fail, MAGIC_LEN);
        put_u32(out, (uint32_t)e->status);
        put_u32(out, (uint32_t)e->errnum);
        put_str(out, e->msg);
}

void plan_wire_write_nothing(struct strbuf *out)
{
        strbuf_append(out, magic_none, MAGIC_LEN);
}

void plan_wire_targets_free(struct plan_wire_targets *t)
{
        free(t->located);
        free(t->labels);
        *t = (struct plan_wire_targets){ 0 };
}

/* ---- reading ---- */

struct reader {
        const unsigned char *p, *end;
        struct plan *plan;
        struct cgbind_error *err;
};

static int bad(struct reader *r, const char *fmt, ...) _printf_(2, 3);
static int bad(struct reader *r, const char *fmt, ...)
{
        char msg[600];
        va_list ap;
        va_start(ap, fmt);
        cgbind_format_escaped(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return cgbind_error_set(r->err, CGBIND_INVALID, EINVAL, "plan (from the parser): %s", msg);
}

static int get_u8(struct reader *r, unsigned *ret)
{
        if (r->end - r->p < 1)
                return bad(r, "cut short");
        *ret = *r->p++;
        return 0;
}

static int get_u32(struct reader *r, uint32_t *ret)
{
        if (r->end - r->p < 4)
                return bad(r, "cut short");
        *ret = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
               (uint32_t)r->p[3] << 24;
        r->p += 4;
        return 0;
}

/* a string, owned by the plan; max bounds its length */
static int get_str(struct reader *r, size_t max, const char **ret)
{
        uint32_t l;
        int k = get_u32(r, &l);
        if (k < 0)
                return k;
        if (l == NO_STRING) {
                *ret = NULL;
                return 0;
        }
        if (l > max || (size_t)(r->end - r->p) < l)
                return bad(r, "a string longer than %zu bytes, or cut short", max);
        if (memchr(r->p, '\0', l))
                return bad(r, "a string with a NUL byte");
        char *s = xstrndup((const char *)r->p, l);
        r->p += l;
        struct plan *plan = r->plan;
        plan->strings = xreallocarray(plan->strings, plan->n_strings + 1, sizeof(char *));
        plan->strings[plan->n_strings++] = s;
        *ret = s;
        return 0;
}

static bool name_ok(const char *name)
{
        const char *reason;
        return name && cgroup_name_valid(name, strlen(name), &reason);
}

/* v2's cgroup.subtree_control is written as a delta ("+cpu +memory"),
 * undone with "-cpu": known controllers only */
static bool subtree_delta_ok(const char *v)
{
        if (!*v)
                return false;
        for (const char *p = v; *p;) {
                size_t l = strcspn(p, " ");
                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                if (l < 2 || l > CGBIND_MAX_CONTROLLER_NAME || (p[0] != '+' && p[0] != '-'))
                        return false;
                memcpy(name, p + 1, l - 1);
                name[l - 1] = '\0';
                if (!v2_controller_known(name))
                        return false;
                p += l;
                if (*p == ' ' && p[1])
                        p++;
                else if (*p)
                        return false;
        }
        return true;
}

static int check_write(struct reader *r, const struct plan_wire_check *chk,
                       const struct plan_wire_targets *t, const struct plan_op *op)
{
        enum cg_version v = chk->versions[t->located[r->plan->dirs[op->dir].hier]];
        const struct prop_def *def = op->name ? prop_lookup(v, op->name) : NULL;
        if (!def)
                return bad(r, "a write of %s, which is not in the allowlist",
                           op->name ? op->name : "(none)");
        if (!op->value)
                return bad(r, "a write of %s without a value", op->name);
        if (op->undo && strlen(op->undo) > CGBIND_MAX_VALUE)
                return bad(r, "the undo of %s is too long", op->name);
        if (def->grammar == GRAM_CONTROLLERS) {
                if (!subtree_delta_ok(op->value) || (op->undo && !subtree_delta_ok(op->undo)))
                        return bad(r, "a write of %s that is not a controller delta", op->name);
                return 0;
        }
        const char *reason;
        if (prop_check_value(def, op->value, NULL, &reason) < 0)
                return bad(r, "value of %s: %s", op->name, reason);
        if (op->multiline != !!(def->flags & PROP_MULTILINE))
                return bad(r, "%s written with the wrong line mode", op->name);
        return 0;
}

static bool pid_allowed(const struct plan_wire_check *chk, pid_t pid)
{
        for (size_t i = 0; i < chk->n_pids; i++)
                if (chk->pids[i] == pid && pid > 0)
                        return true;
        return false;
}

/* The child's own refusal: nothing was changed, so status 1 to 3; its
 * message was escaped by the child and must still be one printable line. */
static int read_failure(struct reader *r)
{
        uint32_t status = 0, errnum = 0;
        const char *msg = NULL;
        int k;
        if ((k = get_u32(r, &status)) < 0 || (k = get_u32(r, &errnum)) < 0 ||
            (k = get_str(r, CGBIND_ERROR_MAX - 1, &msg)) < 0)
                return k;
        if (r->p != r->end)
                return bad(r, "%zu bytes after the error", (size_t)(r->end - r->p));
        if (status < CGBIND_FAILED || status > CGBIND_PRECONDITION || !msg || !*msg ||
            errnum == 0 || errnum > 4095)
                return bad(r, "an error without a status, a reason or a message");
        for (const char *c = msg; *c; c++)
                if (*c < 0x20 || *c > 0x7e)
                        return bad(r, "an error message that is not one printable line");
        return cgbind_error_set(r->err, (enum cgbind_status)status, (int)errnum, "%s", msg);
}

static int read_all(struct reader *r, const struct plan_wire_check *chk,
                    struct plan_wire_targets *t)
{
        struct plan *plan = r->plan;
        uint32_t pid = 0, n = 0;
        int k;
        if ((size_t)(r->end - r->p) < MAGIC_LEN)
                return bad(r, "not a plan");
        if (memcmp(r->p, magic_none, MAGIC_LEN) == 0) {
                r->p += MAGIC_LEN;
                return r->p == r->end
                               ? 1
                               : bad(r, "%zu bytes after the reply", (size_t)(r->end - r->p));
        }
        if (memcmp(r->p, magic_fail, MAGIC_LEN) == 0) {
                r->p += MAGIC_LEN;
                return read_failure(r);
        }
        if (memcmp(r->p, magic, MAGIC_LEN) != 0)
                return bad(r, "not a plan");
        r->p += MAGIC_LEN;
        /* the hierarchies: the parent's own, usable, each once */
        if ((k = get_u32(r, &n)) < 0)
                return k;
        if (n > chk->n_hier || n > CGBIND_MAX_HIERARCHIES)
                return bad(r, "%u hierarchies, more than the %zu located", n, chk->n_hier);
        t->located = xcalloc(n ? n : 1, sizeof(uint32_t));
        t->labels = xcalloc(n ? n : 1, sizeof(char *));
        for (uint32_t i = 0; i < n; i++) {
                if ((k = get_u32(r, &t->located[i])) < 0 ||
                    (k = get_str(r, CGBIND_MAX_LABEL, &t->labels[i])) < 0)
                        return k;
                if (!t->labels[i])
                        return bad(r, "hierarchy %u without a label", i);
                t->n = i + 1;
                if (t->located[i] >= chk->n_hier || !chk->versions[t->located[i]])
                        return bad(r, "hierarchy %u: located %u, not one to write", i,
                                   t->located[i]);
                for (uint32_t j = 0; j < i; j++)
                        if (t->located[j] == t->located[i])
                                return bad(r, "hierarchy %u: located %u twice", i, t->located[i]);
        }
        if ((k = get_u32(r, &pid)) < 0 || (k = get_u32(r, &n)) < 0)
                return k;
        plan->pid = (pid_t)pid;
        if (pid && !pid_allowed(chk, plan->pid))
                return bad(r, "pid %d is not the container's", (int)plan->pid);
        if (n > chk->max_dirs)
                return bad(r, "%u directories, more than allowed", n);
        if (n > (size_t)(r->end - r->p) / 12)
                return bad(r, "%u directories, cut short", n);
        plan_reserve(plan, n ? n : 1, 1);
        /* depth of each directory below its top-level */
        _cleanup_free_ uint8_t *depth = xcalloc(n ? n : 1, 1);
        for (uint32_t i = 0; i < n; i++) {
                struct plan_dir *d = &plan->dirs[i];
                if ((k = get_u32(r, &d->parent)) < 0 || (k = get_u32(r, &d->hier)) < 0 ||
                    (k = get_str(r, CGBIND_MAX_NAME, &d->name)) < 0)
                        return k;
                plan->n_dirs = i + 1;
                if (d->hier >= t->n)
                        return bad(r, "directory %u: hierarchy %u of %zu", i, d->hier, t->n);
                if (d->parent == PLAN_NO_PARENT) {
                        if (d->name)
                                return bad(r, "directory %u: a top-level with a name", i);
                        continue;
                }
                /* parents come first: a tree, no cycle, no other hierarchy */
                if (d->parent >= i || plan->dirs[d->parent].hier != d->hier)
                        return bad(r, "directory %u: parent %u", i, d->parent);
                if (!name_ok(d->name))
                        return bad(r, "directory %u: not a valid sub-cgroup name", i);
                depth[i] = (uint8_t)(depth[d->parent] + 1);
                if (depth[i] > CGBIND_MAX_DEPTH + 1)
                        return bad(r, "directory %u: deeper than %d levels", i, CGBIND_MAX_DEPTH);
        }
        if ((k = get_u32(r, &n)) < 0)
                return k;
        if (n > chk->max_ops)
                return bad(r, "%u operations, more than allowed", n);
        if (n > (size_t)(r->end - r->p) / 26)
                return bad(r, "%u operations, cut short", n);
        plan_reserve(plan, plan->n_dirs ? plan->n_dirs : 1, n ? n : 1);
        for (uint32_t i = 0; i < n; i++) {
                struct plan_op *op = &plan->ops[i];
                unsigned kind = 0, flags = 0;
                uint32_t op_pid = 0;
                *op = (struct plan_op){ 0 };
                if ((k = get_u8(r, &kind)) < 0 || (k = get_u8(r, &flags)) < 0 ||
                    (k = get_u32(r, &op->dir)) < 0 || (k = get_u32(r, &op->undo_dir)) < 0 ||
                    (k = get_u32(r, &op_pid)) < 0 ||
                    (k = get_str(r, CGBIND_MAX_PATH, &op->name)) < 0 ||
                    (k = get_str(r, CGBIND_MAX_VALUE, &op->value)) < 0 ||
                    (k = get_str(r, CGBIND_MAX_VALUE, &op->undo)) < 0)
                        return k;
                plan->n_ops = i + 1;
                if (kind >= OP_KIND_MAX || flags > 3)
                        return bad(r, "operation %u: kind %u", i, kind);
                op->kind = (enum op_kind)kind;
                op->multiline = flags & 1;
                op->may_vanish = flags & 2;
                op->pid = (pid_t)op_pid;
                /* a pid, and the may-vanish flag, only on a move */
                if (op->kind != OP_MOVE_PID && (op_pid || op->may_vanish))
                        return bad(r, "operation %u: a pid on an operation that moves none", i);
                if (op->dir >= plan->n_dirs)
                        return bad(r, "operation %u: directory %u of %zu", i, op->dir,
                                   plan->n_dirs);
                switch (op->kind) {
                case OP_MKDIR:
                case OP_ADOPT:
                        if (!name_ok(op->name) || op->value || op->undo)
                                return bad(r, "operation %u: not a valid sub-cgroup", i);
                        plan->n_mkdirs += op->kind == OP_MKDIR;
                        break;
                case OP_WRITE:
                        if ((k = check_write(r, chk, t, op)) < 0)
                                return k;
                        break;
                case OP_MOVE_PID:
                        if (op->name || op->value || op->undo || op->undo_dir >= plan->n_dirs ||
                            plan->dirs[op->undo_dir].hier != plan->dirs[op->dir].hier)
                                return bad(r, "operation %u: not a process move", i);
                        if (!pid_allowed(chk, op->pid))
                                return bad(r, "operation %u: pid %d is not one the hook named", i,
                                           (int)op->pid);
                        break;
                case OP_KIND_MAX:
                default:
                        return bad(r, "operation %u: kind %u", i, kind);
                }
        }
        if (r->p != r->end)
                return bad(r, "%zu bytes after the plan", (size_t)(r->end - r->p));
        return 0;
}

int plan_wire_read(const char *buf, size_t len, const struct plan_wire_check *chk, struct plan *ret,
                   struct plan_wire_targets *ret_targets, struct cgbind_error *err)
{
        struct plan plan = { 0 };
        struct plan_wire_targets t = { 0 };
        struct reader r = {
                .p = (const unsigned char *)buf,
                .end = (const unsigned char *)buf + len,
                .plan = &plan,
                .err = err,
        };
        int k = read_all(&r, chk, &t);
        if (k != 0) {
                plan_free(&plan);
                plan_wire_targets_free(&t);
                return k;
        }
        *ret = plan;
        *ret_targets = t;
        return 0;
}
