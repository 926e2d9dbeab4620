/* Observing and changing cgroups; the plan itself is the journal for the undo. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgbind/apply.h"
#include "cgbind/fsutil.h"

/* ---- observe ---- */

struct observe_ctx {
        const char *host_path;
        char path[CGBIND_MAX_PATH]; /* below the top-level, for messages */
        struct cgbind_error *err;
};

static int observe_failed(struct observe_ctx *c, const char *file, int r)
{
        char esc[700];
        char where[CGBIND_MAX_PATH + 300];
        snprintf(where, sizeof(where), "%s%s%s/%s", c->host_path, c->path[0] ? "/" : "", c->path,
                 file);
        cgbind_escape(where, strlen(where), esc, sizeof(esc));
        return cgbind_error_set(c->err, CGBIND_PRECONDITION, -r, "observe (%s): %s", esc,
                                strerror(-r));
}

static int observe_node(struct observe_ctx *c, int dirfd, const struct cg_node *n,
                        struct observed_node *o)
{
        o->exists = true;
        if (n->n_props) {
                o->values = xcalloc(n->n_props, sizeof(char *));
                for (size_t i = 0; i < n->n_props; i++) {
                        char *raw = NULL;
                        int r = cg_read_at(dirfd, n->props[i].name, &raw);
                        if (r < 0 && r != -ENOENT)
                                return observe_failed(c, n->props[i].name, r);
                        /* as cgbind would write it: this is the undo value
                         * (memory.oom_control reads three lines, takes one) */
                        if (raw) {
                                o->values[i] = prop_from_kernel(n->props[i].def, raw);
                                free(raw);
                        }
                }
        }
        if (n->n_children == 0)
                return 0;
        o->children = xcalloc(n->n_children, sizeof(*o->children));
        size_t plen = strlen(c->path);
        for (size_t i = 0; i < n->n_children; i++) {
                const char *name = n->children[i].name;
                _cleanup_close_ int cfd = open_beneath(dirfd, name, O_PATH | O_DIRECTORY);
                if (cfd == -ENOENT)
                        continue;
                if (cfd < 0)
                        return observe_failed(c, name, cfd);
                snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen ? "/" : "", name);
                int r = observe_node(c, cfd, &n->children[i], &o->children[i]);
                c->path[plen] = '\0';
                if (r < 0)
                        return r;
        }
        return 0;
}

int apply_observe(int top_fd, const char *host_path, const struct cg_node *root,
                  struct observed_node *ret, struct cgbind_error *err)
{
        struct observe_ctx c = { .host_path = host_path, .err = err };
        struct observed_node o = { 0 };
        int r = observe_node(&c, top_fd, root, &o);
        if (r < 0) {
                observed_free(&o, root);
                return r;
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
        bool found = false;
        /* climb from dir until a directory already on the stack */
        for (size_t d = dir; !found;) {
                for (size_t i = s->n; i-- > 0;)
                        if (s->ids[i] == d) {
                                dir_stack_pop_to(s, i + 1);
                                found = true;
                                break;
                        }
                if (found)
                        break;
                if (n == ARRAY_SIZE(chain))
                        return -ELOOP;
                chain[n++] = d;
                if (s->plan->dirs[d].parent == PLAN_NO_PARENT) {
                        dir_stack_pop_to(s, 0);
                        break;
                }
                d = s->plan->dirs[d].parent;
        }
        while (n > 0) {
                size_t d = chain[--n];
                const struct plan_dir *pd = &s->plan->dirs[d];
                int fd;
                if (s->n == ARRAY_SIZE(s->ids))
                        return -ELOOP;
                if (pd->parent == PLAN_NO_PARENT)
                        fd = s->top_fds[pd->hier];
                else
                        fd = open_beneath(s->fds[s->n - 1], pd->name, O_PATH | O_DIRECTORY);
                if (fd < 0)
                        return fd;
                s->ids[s->n] = d;
                s->fds[s->n] = fd;
                s->n++;
        }
        return s->fds[s->n - 1];
}

static int pidfd_alive(int pidfd)
{
        /* signal 0 to a pidfd: the process (or its zombie, which still
         * holds the pid number) is there */
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0 ? -errno : 0;
}

static int cmp_pid(const void *a, const void *b)
{
        pid_t x = ((const struct apply_pid *)a)->pid, y = ((const struct apply_pid *)b)->pid;
        return x < y ? -1 : x > y;
}

void apply_pids_sort(struct apply_pid *pids, size_t n)
{
        if (n > 1)
                qsort(pids, n, sizeof(*pids), cmp_pid);
}

/* op's pid into dirfd's cgroup.procs: only a pid its caller named before
 * the sandbox, and only while its pidfd says the process is there. */
static int move_pid(int dirfd, const struct plan_op *op, const struct apply_ctx *ctx)
{
        struct apply_pid key = { .pid = op->pid };
        const struct apply_pid *a =
                ctx->n_pids ? bsearch(&key, ctx->pids, ctx->n_pids, sizeof(key), cmp_pid) : NULL;
        if (!a || op->pid <= 1)
                return -EPERM;
        char buf[32];
        int r;
        if (a->pidfd >= 0 && (r = pidfd_alive(a->pidfd)) < 0)
                return r == -ESRCH && op->may_vanish ? 0 : r;
        snprintf(buf, sizeof(buf), "%d", (int)op->pid);
        r = cg_write_at(dirfd, "cgroup.procs", buf, false);
        if (r == -ESRCH && op->may_vanish)
                return 0;
        /* alive after the write too: the pid named it all along */
        if (r >= 0 && a->pidfd >= 0 && pidfd_alive(a->pidfd) < 0)
                return -ESRCH;
        return r;
}

/* lines: how many lines of a write went in before it failed */
static int do_op(struct dir_stack *s, const struct plan_op *op, const struct apply_ctx *ctx,
                 size_t *lines)
{
        *lines = 0;
        /* A write into a child of the innermost open directory (a new leaf,
         * most of a tree) goes through "child/file" from the parent: no
         * directory fd for the leaf, one open and one close saved per cgroup. */
        if (op->kind == OP_WRITE && s->n > 0) {
                const struct plan_dir *d = &s->plan->dirs[op->dir];
                if (d->parent != PLAN_NO_PARENT && s->ids[s->n - 1] == d->parent)
                        return cg_write_lines_beneath(s->fds[s->n - 1], d->name, op->name,
                                                      op->value, op->multiline, lines);
        }
        if (op->kind == OP_ADOPT)
                return 0;
        int fd = dir_stack_get(s, op->dir);
        if (fd < 0)
                return fd;
        switch (op->kind) {
        case OP_MKDIR:
                return mkdirat(fd, op->name, 0755) < 0 ? -errno : 0;
        case OP_WRITE:
                return cg_write_lines_at(fd, op->name, op->value, op->multiline, lines);
        case OP_MOVE_PID:
                return move_pid(fd, op, ctx);
        case OP_ADOPT:
        case OP_KIND_MAX:
        default:
                return -EINVAL;
        }
}

static int undo_op(struct dir_stack *s, const struct plan_op *op, const struct apply_ctx *ctx)
{
        /* a written cgroup that we created disappears with its rmdir */
        if (op->kind == OP_WRITE && !op->undo)
                return 0;
        int fd = dir_stack_get(s, op->kind == OP_MOVE_PID ? op->undo_dir : op->dir);
        if (fd < 0)
                return fd;
        switch (op->kind) {
        case OP_MKDIR:
        case OP_ADOPT:
                /* the kernel refuses to remove a cgroup that gained a process */
                return unlinkat(fd, op->name, AT_REMOVEDIR) < 0 ? -errno : 0;
        case OP_WRITE:
                return cg_write_at(fd, op->name, op->undo, op->multiline);
        case OP_MOVE_PID:
                /* back into the top-level: never out of the sub-tree */
                return move_pid(fd, op, ctx);
        case OP_KIND_MAX:
        default:
                return -EINVAL;
        }
}

int apply_plan(const struct plan *plan, const struct apply_ctx *ctx, struct cgbind_error *err)
{
        struct dir_stack s = { .plan = plan, .top_fds = ctx->top_fds };
        size_t done = 0, lines = 0;
        int r = 0;

        /* every process the plan moves is one its caller named: checked
         * before the first change */
        for (size_t i = 0; i < plan->n_ops; i++) {
                const struct plan_op *op = &plan->ops[i];
                struct apply_pid key = { .pid = op->pid };
                if (op->kind != OP_MOVE_PID ||
                    (op->pid > 1 && ctx->n_pids &&
                     bsearch(&key, ctx->pids, ctx->n_pids, sizeof(key), cmp_pid)))
                        continue;
                char where[700];
                plan_format_op_path(plan, op, ctx->host_paths[plan->dirs[op->dir].hier], where,
                                    sizeof(where));
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "move pid %d (%s): not a process of the container named "
                                        "before the sandbox; nothing changed",
                                        (int)op->pid, where);
        }

        for (; done < plan->n_ops; done++) {
                const struct plan_op *op = &plan->ops[done];
                if (ctx->before)
                        ctx->before(plan, op, ctx->userdata);
                r = do_op(&s, op, ctx, &lines);
                if (r < 0)
                        break;
        }
        dir_stack_pop_to(&s, 0);
        if (r >= 0)
                return 0;

        const struct plan_op *failed = &plan->ops[done];
        /* the operation as the dry run and the debug log show it, host path in front */
        char what[900];
        plan_format_op(plan, failed, ctx->host_paths[plan->dirs[failed->dir].hier], what,
                       sizeof(what));
        int saved_errno = -r;
        const char *why = strerror(saved_errno);
        if (failed->kind == OP_MOVE_PID && r == -ESRCH)
                why = "the container's process exited during the move";

        /* undo in reverse: values back, created cgroups removed deepest first;
         * what cannot be undone is listed (mkdir: the directory itself). A
         * multi-line value is written a line at a time: the lines before the
         * one that failed are in, so the failed write is undone too. */
        char left[CGBIND_ERROR_MAX - 1200] = "";
        size_t n_left = 0, shown = 0, left_len = 0;
        if (failed->kind == OP_WRITE && failed->multiline && lines > 0)
                done++;
        /* the directories with a move whose undo failed: several processes
         * moved into one cgroup leave one path (its cgroup.procs), listed
         * once */
        _cleanup_free_ bool *move_left = calloc(plan->n_dirs, sizeof(bool));
        while (done-- > 0) {
                const struct plan_op *op = &plan->ops[done];
                if (undo_op(&s, op, ctx) >= 0)
                        continue;
                if (op->kind == OP_MOVE_PID && move_left) {
                        if (move_left[op->dir])
                                continue;
                        move_left[op->dir] = true;
                }
                char w[700];
                plan_format_op_path(plan, op, ctx->host_paths[plan->dirs[op->dir].hier], w,
                                    sizeof(w));
                n_left++;
                if (left_len + strlen(w) + 3 < sizeof(left)) {
                        left_len += (size_t)snprintf(left + left_len, sizeof(left) - left_len,
                                                     "%s%s", shown ? ", " : "", w);
                        shown++;
                }
        }
        dir_stack_pop_to(&s, 0);
        if (n_left) {
                char more[64] = "";
                if (shown < n_left)
                        snprintf(more, sizeof(more), " and %zu more", n_left - shown);
                cgbind_error_set(err, CGBIND_PARTIAL, saved_errno,
                                 "%s: %s; rollback incomplete, left: %s%s", what, why, left, more);
                return -saved_errno;
        }
        return cgbind_error_set(err, CGBIND_FAILED, saved_errno,
                                "%s: %s; every change was rolled back", what, why);
}
