/* Observing and changing cgroups, with a journal for the undo. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cgbind/apply.h"
#include "cgbind/fsutil.h"

/* ---- observe ---- */

static int observe_node(int dirfd, const struct cg_node *n, struct observed_node *o)
{
        o->exists = true;
        if (n->n_props) {
                o->values = calloc(n->n_props, sizeof(char *));
                if (!o->values)
                        return -ENOMEM;
                for (size_t i = 0; i < n->n_props; i++) {
                        int r = cg_read_at(dirfd, n->props[i].name, &o->values[i]);
                        if (r == -ENOMEM)
                                return r;
                }
        }
        if (n->n_children == 0)
                return 0;
        o->children = calloc(n->n_children, sizeof(*o->children));
        if (!o->children)
                return -ENOMEM;
        for (size_t i = 0; i < n->n_children; i++) {
                _cleanup_close_ int cfd = open_beneath(dirfd, n->children[i].name,
                                                       O_PATH | O_DIRECTORY);
                if (cfd == -ENOENT)
                        continue;
                if (cfd < 0)
                        return cfd;
                int r = observe_node(cfd, &n->children[i], &o->children[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

int apply_observe(int top_fd, const struct cg_node *root, struct observed_node *ret,
                  struct cgbind_error *err)
{
        struct observed_node o = { 0 };
        int r = observe_node(top_fd, root, &o);
        if (r < 0) {
                observed_free(&o, root);
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "observe (sub-cgroups): %s", strerror(-r));
        }
        *ret = o;
        return 0;
}

/* ---- apply ---- */

/* Directory fds along the path from a top-level to the current directory:
 * a plan walks its trees depth first, so each directory is opened once per
 * visit and at most depth fds are open at a time. */
struct dir_stack {
        const struct plan *plan;
        const int *top_fds;
        size_t ids[CGBIND_MAX_DEPTH + 2];
        int fds[CGBIND_MAX_DEPTH + 2];
        size_t n;
};

static void dir_stack_pop_to(struct dir_stack *s, size_t keep)
{
        while (s->n > keep) {
                s->n--;
                if (s->plan->dirs[s->ids[s->n]].parent != PLAN_NO_PARENT)
                        safe_close(s->fds[s->n]);
        }
}

static int dir_stack_get(struct dir_stack *s, size_t dir)
{
        size_t chain[CGBIND_MAX_DEPTH + 2], n = 0;
        /* climb from dir until a directory already on the stack */
        for (size_t d = dir;; d = s->plan->dirs[d].parent) {
                for (size_t i = s->n; i-- > 0;)
                        if (s->ids[i] == d) {
                                dir_stack_pop_to(s, i + 1);
                                goto descend;
                        }
                if (n == ARRAY_SIZE(chain))
                        return -ELOOP;
                chain[n++] = d;
                if (s->plan->dirs[d].parent == PLAN_NO_PARENT) {
                        dir_stack_pop_to(s, 0);
                        break;
                }
        }
descend:
        while (n > 0) {
                size_t d = chain[--n];
                const struct plan_dir *pd = &s->plan->dirs[d];
                int fd;
                if (pd->parent == PLAN_NO_PARENT)
                        fd = s->top_fds[pd->hier];
                else
                        fd = open_beneath(s->fds[s->n - 1], pd->name, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return fd;
                if (s->n == ARRAY_SIZE(s->ids)) {
                        if (pd->parent != PLAN_NO_PARENT)
                                safe_close(fd);
                        return -ELOOP;
                }
                s->ids[s->n] = d;
                s->fds[s->n] = fd;
                s->n++;
        }
        return s->fds[s->n - 1];
}

static int move_pid(int dirfd, pid_t pid)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        return cg_write_at(dirfd, "cgroup.procs", buf, false);
}

static int do_op(struct dir_stack *s, const struct plan_op *op)
{
        /* A write into a child of the innermost open directory (a new leaf,
         * most of a tree) goes through "child/file" from the parent: no
         * directory fd for the leaf, one open and one close saved per cgroup. */
        if (op->kind == OP_WRITE && s->n > 0) {
                const struct plan_dir *d = &s->plan->dirs[op->dir];
                if (d->parent != PLAN_NO_PARENT && s->ids[s->n - 1] == d->parent)
                        return cg_write_beneath(s->fds[s->n - 1], d->name, op->name, op->value,
                                                op->multiline);
        }
        int fd = dir_stack_get(s, op->dir);
        if (fd < 0)
                return fd;
        switch (op->kind) {
        case OP_MKDIR:
                return mkdirat(fd, op->name, 0755) < 0 ? -errno : 0;
        case OP_WRITE:
                return cg_write_at(fd, op->name, op->value, op->multiline);
        case OP_MOVE_PID:
                return move_pid(fd, op->pid);
        case OP_KIND_MAX:
        default:
                return -EINVAL;
        }
}

static int undo_op(struct dir_stack *s, const struct plan_op *op)
{
        int fd = dir_stack_get(s, op->kind == OP_MOVE_PID ? op->undo_dir : op->dir);
        if (fd < 0)
                return fd;
        switch (op->kind) {
        case OP_MKDIR:
                /* the kernel refuses to remove a cgroup that gained a process */
                return unlinkat(fd, op->name, AT_REMOVEDIR) < 0 ? -errno : 0;
        case OP_WRITE:
                /* a written cgroup that we created disappears with its rmdir */
                if (!op->undo)
                        return 0;
                return cg_write_at(fd, op->name, op->undo, op->multiline);
        case OP_MOVE_PID:
                return move_pid(fd, op->pid);
        case OP_KIND_MAX:
        default:
                return -EINVAL;
        }
}

static void describe_op(const struct plan *plan, const char *const *host_paths,
                        const struct plan_op *op, char *buf, size_t size)
{
        const struct plan_dir *d = &plan->dirs[op->kind == OP_MOVE_PID ? op->dir : op->dir];
        char esc[1024], escn[300];
        cgbind_escape(d->rel, strlen(d->rel), esc, sizeof(esc));
        cgbind_escape(op->name ? op->name : "cgroup.procs",
                      strlen(op->name ? op->name : "cgroup.procs"), escn, sizeof(escn));
        snprintf(buf, size, "%s%s%s/%s", host_paths[d->hier], d->rel[0] ? "/" : "", esc, escn);
}

int apply_plan(const struct plan *plan, const int *top_fds, const char *const *host_paths,
               const struct apply_hooks *hooks, struct cgbind_error *err)
{
        struct dir_stack s = { .plan = plan, .top_fds = top_fds };
        size_t done = 0;
        int r = 0;

        for (; done < plan->n_ops; done++) {
                const struct plan_op *op = &plan->ops[done];
                if (hooks && hooks->before)
                        hooks->before(plan, op, hooks->userdata);
                r = do_op(&s, op);
                if (r < 0)
                        break;
        }
        if (r >= 0) {
                dir_stack_pop_to(&s, 0);
                return 0;
        }

        const struct plan_op *failed = &plan->ops[done];
        char where[1200];
        describe_op(plan, host_paths, failed, where, sizeof(where));
        const char *verb = failed->kind == OP_MKDIR ? "mkdir" :
                           failed->kind == OP_MOVE_PID ? "move pid" : "write";
        char value[200] = "";
        if (failed->kind == OP_WRITE) {
                char esc[160];
                cgbind_escape(failed->value, strlen(failed->value), esc, sizeof(esc));
                snprintf(value, sizeof(value), " \"%s\"", esc);
        }
        int saved_errno = -r;

        /* undo in reverse: values back, created cgroups removed deepest first */
        struct strbuf left = { 0 };
        size_t n_left = 0;
        dir_stack_pop_to(&s, 0);
        while (done-- > 0) {
                const struct plan_op *op = &plan->ops[done];
                int u = undo_op(&s, op);
                if (u < 0) {
                        char w[1200];
                        describe_op(plan, host_paths, op, w, sizeof(w));
                        if (op->kind == OP_MKDIR) {
                                /* name the directory, not its parent */
                                const struct plan_dir *d = &plan->dirs[op->dir];
                                snprintf(w, sizeof(w), "%s%s%s/%s", host_paths[d->hier],
                                         d->rel[0] ? "/" : "", d->rel, op->name);
                        }
                        strbuf_appendf(&left, "%s%s", n_left ? ", " : "", w);
                        n_left++;
                }
        }
        dir_stack_pop_to(&s, 0);
        if (n_left) {
                cgbind_error_set(err, CGBIND_PARTIAL, saved_errno,
                                 "%s%s (%s): %s; rollback incomplete, left: %s", verb, value,
                                 where, strerror(saved_errno), left.buf ? left.buf : "?");
                strbuf_free(&left);
                return -saved_errno;
        }
        return cgbind_error_set(err, CGBIND_FAILED, saved_errno,
                                "%s%s (%s): %s; every change was rolled back", verb, value, where,
                                strerror(saved_errno));
}
