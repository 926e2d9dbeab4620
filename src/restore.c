/* The restore pipeline (see restore.h). Everything it opens or reads on the
 * host happens before the sandbox; after it, only the container's own cgroup
 * directories, the held journal files and the output descriptors. The image
 * is parsed and the plan made in a child that can write nothing (the
 * privilege split, doc/decisions.md "The sandbox"); this process checks the
 * plan it sends and applies it. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgbind/apply.h"
#include "cgbind/container.h"
#include "cgbind/fsutil.h"
#include "cgbind/journal.h"
#include "cgbind/path.h"
#include "cgbind/plan-wire.h"
#include "cgbind/restore.h"
#include "cgbind/rootless.h"
#include "cgbind/sandbox.h"

void restore_options_init(struct restore_options *o)
{
        *o = (struct restore_options){
                .move_init = true,
                .sandbox = true,
                .max_image = CGBIND_DEFAULT_MAX_IMAGE,
                .max_cgroups = CGBIND_DEFAULT_MAX_CGROUPS,
                .timeout_ms = CGBIND_DEFAULT_TIMEOUT_MS,
                .state_fd = STDIN_FILENO,
        };
}

static void warn_cb(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

/* ---- the pure middle ---- */

int restore_match(struct cgbind_image *img, struct located *loc, const struct restore_options *o,
                  enum restore_mode mode, struct cgbind_log *log, struct match *ret,
                  struct cgbind_error *err)
{
        /* containers move between v1 and v2 hosts: an image of the other
         * version is translated; strict refuses what has no counterpart */
        int r = image_convert_for_host(img, loc, mode == MODE_STRICT, o->convert,
                                       log ? warn_cb : NULL, log, err);
        if (r < 0) {
                image_free(img);
                return r;
        }
        /* what the kernel will make, after one image hierarchy spread over
         * several of the host's: capped before anything is copied, planned
         * or made */
        size_t targets;
        size_t n = match_count(img, loc, &targets);
        if (n > o->max_cgroups) {
                image_free(img);
                return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                        "image: %zu sub-cgroups in %zu hierarchies, more than "
                                        "the limit of %zu (--max-cgroups)",
                                        n, targets, o->max_cgroups);
        }
        /* every hierarchy of the image must be there, before any change */
        struct match m = { 0 };
        r = match_image(img, loc, o->skip_missing, log ? warn_cb : NULL, log, &m, err);
        if (r < 0)
                return r;
        r = match_available(&m, mode == MODE_STRICT, log ? warn_cb : NULL, log, err);
        if (r < 0) {
                match_free(&m);
                return r;
        }
        *ret = m;
        return 0;
}

static size_t count_props(const struct cg_node *n)
{
        size_t c = n->n_props;
        for (size_t i = 0; i < n->n_children; i++)
                c += count_props(&n->children[i]);
        return c;
}

void restore_moves_free(struct restore_move *moves, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(moves[i].rel);
                safe_close(moves[i].pidfd);
        }
        free(moves);
}

/* The moves of each target (moves[i], n_moves[i]); NULL: none. */
static int plan_targets(const struct match *m, const struct observed_node *observed,
                        const bool *init_in_top, const size_t *other_procs,
                        struct plan_move *const *moves, const size_t *n_moves,
                        const struct plan_options *popts, struct plan *ret,
                        struct cgbind_error *err);

int restore_plan(const struct match *m, const struct observed_node *observed,
                 const bool *init_in_top, const size_t *other_procs,
                 const struct plan_options *popts, struct plan *ret, struct cgbind_error *err)
{
        return plan_targets(m, observed, init_in_top, other_procs, NULL, NULL, popts, ret, err);
}

static int plan_targets(const struct match *m, const struct observed_node *observed,
                        const bool *init_in_top, const size_t *other_procs,
                        struct plan_move *const *moves, const size_t *n_moves,
                        const struct plan_options *popts, struct plan *ret,
                        struct cgbind_error *err)
{
        struct plan plan = { 0 };
        /* sized once: growing by doubling would hold up to three times
         * what is needed at the moment of the copy */
        size_t dirs = 0, ops = 0;
        for (size_t i = 0; i < m->n; i++) {
                size_t nm = n_moves ? n_moves[i] : 0;
                dirs += m->targets[i].n_nodes + 1 + CGBIND_MAX_DEPTH + nm;
                ops += m->targets[i].n_nodes + count_props(&m->targets[i].image.root) + 2 +
                       CGBIND_MAX_DEPTH + 2 * nm;
        }
        plan_reserve(&plan, dirs, ops);
        for (size_t i = 0; i < m->n; i++) {
                const struct match_target *t = &m->targets[i];
                struct plan_hierarchy_input in = {
                        .image = &t->image,
                        .observed = &observed[i],
                        .init_in_top = init_in_top[i],
                        .other_procs_in_top = other_procs[i],
                        .label = t->label,
                        .moves = moves ? moves[i] : NULL,
                        .n_moves = n_moves ? n_moves[i] : 0,
                };
                int r = plan_hierarchy(&plan, i, &in, popts, err);
                if (r < 0) {
                        plan_free(&plan);
                        return r;
                }
        }
        *ret = plan;
        return 0;
}

/* ---- the run ---- */

struct run {
        const struct restore_options *o;
        struct cgbind_log *log;
        struct cgbind_error *err;
        struct deadline deadline;
        struct container ctr;
        struct located loc;
        struct journal journal;
        int image_fd;         /* the image, read after the sandbox is on */
        bool image_annotated; /* named by io.cgbind.image: every failure says the same */
        char *image_dir;      /* the directory it lies beneath (image_dir_open) */
        size_t memcg_count;   /* memory cgroups on the host now (/proc/cgroups) */
        bool memcg_known;
        struct match match;
        struct observed_node *observed;
        bool *init_in_top;
        size_t *other_procs;
        struct plan plan;
        int *top_fds;
        const char **host_paths;
        enum restore_mode mode;
        /* the processes to move (restore_input), and per target the
         * planner's view of them */
        struct restore_move *moves;
        size_t n_moves;
        struct plan_move **tmoves;
        size_t *n_tmoves;
        struct cgbind_identity id; /* who runs the hook: root, or a rootless user */
        bool nothing;              /* rootless without a delegated cgroup, --skip-missing */
        /* the plan's hierarchies (plan_dir.hier indexes them): in the
         * parent, what the child sent, checked against loc */
        struct plan_wire_targets targets;
};

static void run_free(struct run *r)
{
        for (size_t i = 0; r->tmoves && i < r->match.n; i++)
                free(r->tmoves[i]);
        free(r->tmoves);
        free(r->n_tmoves);
        restore_moves_free(r->moves, r->n_moves);
        for (size_t i = 0; r->observed && i < r->match.n; i++)
                observed_free(&r->observed[i], &r->match.targets[i].image.root);
        free(r->observed);
        free(r->init_in_top);
        free(r->other_procs);
        free(r->top_fds);
        free(r->host_paths);
        plan_free(&r->plan);
        plan_wire_targets_free(&r->targets);
        match_free(&r->match);
        safe_close(r->image_fd);
        free(r->image_dir);
        journal_close(&r->journal);
        located_free(&r->loc);
        container_free(&r->ctr);
}

static int read_image(struct run *r, const char *path)
{
        int k = open_regular_file(AT_FDCWD, path, false, r->o->max_image);
        if (k >= 0) {
                r->image_fd = k;
                /* rootless: another user's file must not choose the limits */
                return rootless_check_file(&r->id, k, "image", path, r->err);
        }
        return regular_file_error(r->err, k, "image", NULL, path, r->o->max_image);
}

/* Whoever sets the annotation io.cgbind.image on a pod chooses the name, not
 * the host: it is opened only beneath the image directory (the hook's user's
 * own, written by no one else: image_dir_open), and whatever is wrong with
 * it (missing, a directory, a device, unreadable, too large, outside, not an
 * image) gets this one message and status, which say nothing about what is
 * there (issue 23.7). */
static int annotated_image_refused(struct run *r, const char *dir)
{
        char esc[300];
        cgbind_escape(dir, strlen(dir), esc, sizeof(esc));
        return cgbind_error_set(r->err, CGBIND_INVALID, EINVAL,
                                "image (annotation io.cgbind.image): not a valid image in the "
                                "image directory %s",
                                esc);
}

static int read_annotated_image(struct run *r, const char *name)
{
        char dir[PATH_MAX];
        _cleanup_close_ int dirfd =
                image_dir_open(&r->id, r->o->image_dir, dir, sizeof(dir), r->err);
        if (dirfd < 0)
                return dirfd;
        /* a name below the directory ("web.json"), or its whole path
         * ("/var/lib/cgbind/web.json"); ".." and symlinks never leave it
         * (open_beneath) */
        if (name[0] == '/') {
                if (!path_is_beneath(name, dir) || streq(name, dir))
                        return annotated_image_refused(r, dir);
                name = path_rel_below(name, dir);
                name += strspn(name, "/");
        }
        _cleanup_close_ int fd = open_regular_beneath(dirfd, name, r->o->max_image);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return annotated_image_refused(r, dir);
        /* rootless: a file of someone else's in the user's own directory (a
         * hard link the kernel let through) is refused like the rest */
        if (r->id.rootless && !identity_trusts(&r->id, &st))
                return annotated_image_refused(r, dir);
        r->image_fd = TAKE_FD(fd);
        r->image_annotated = true;
        r->image_dir = xstrdup(dir);
        return 0;
}

/* The number of memory cgroups on the host (/proc/cgroups), read before
 * the sandbox: the ids they use are host-wide. */
static void read_memcg_count(struct run *r)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (read_full_file("/proc/cgroups", 64 * 1024, &buf, &len) < 0)
                return;
        for (char *s = NULL, *l = strtok_r(buf, "\n", &s); l; l = strtok_r(NULL, "\n", &s)) {
                char name[64];
                unsigned long hier, num;
                if (sscanf(l, "%63s %lu %lu", name, &hier, &num) == 3 && streq(name, "memory")) {
                        r->memcg_count = num;
                        r->memcg_known = true;
                }
        }
}

/* The write sandbox of this process (plan_fd < 0), or the read-only one of
 * the planning child, which writes only to plan_fd, stderr and the log. */
static int enter_sandbox(struct run *r, int plan_fd)
{
        _cleanup_free_ int *dirs = xcalloc(r->loc.n, sizeof(int));
        size_t n = 0;
        for (size_t i = 0; i < r->loc.n; i++)
                if (located_usable(&r->loc.h[i]))
                        dirs[n++] = r->loc.h[i].dirfd;
        int write_fds[SANDBOX_MAX_WRITE_FDS] = { plan_fd, STDERR_FILENO, r->log->file_fd };
        struct sandbox_policy p = {
                .dirs = dirs,
                .n_dirs = n,
                .syslog_fd = r->log->syslog_fd,
                .read_only = plan_fd >= 0,
                .write_fds = write_fds,
                .n_write_fds = r->log->file_fd >= 0 ? 3 : 2,
        };
        struct sandbox_report rep = { 0 };
        int k = sandbox_enter(&p, &rep, r->err);
        if (k < 0)
                return k;
        const char *who = plan_fd >= 0 ? "planner, read-only" : "applier";
        if (rep.landlock_abi > 0)
                log_msg(r->log, LOG_LEVEL_DEBUG,
                        "sandbox: Landlock ABI %d (paths) and seccomp (system calls) (%s)",
                        rep.landlock_abi, who);
        else
                log_msg(r->log, LOG_LEVEL_DEBUG,
                        "sandbox: the kernel has no Landlock (%s): seccomp only, paths are not "
                        "confined (%s)",
                        strerror(rep.landlock_errno), who);
        return 0;
}

/* Marks the observed nodes a killed restore made (its journal lists them). */
static void mark_adopted(struct run *r, size_t t)
{
        const struct journal_file *f = NULL;
        size_t k = (size_t)(r->match.targets[t].located - r->loc.h);
        if (k < r->journal.n)
                f = &r->journal.files[k];
        for (size_t i = 0; f && i < f->n_pending; i++) {
                const struct cg_node *n = &r->match.targets[t].image.root;
                struct observed_node *o = &r->observed[t];
                /* the walk of cg_node_at, a step at a time beside the observed tree */
                for (const char *p = f->pending[i]; *p && n && o;) {
                        size_t l = strcspn(p, "/");
                        const struct cg_node *next = cg_node_child(n, p, l);
                        o = next && o->children ? &o->children[next - n->children] : NULL;
                        n = next;
                        p += l;
                        p += strspn(p, "/");
                }
                if (n && o && o->exists)
                        o->adopted = true;
        }
}

/* The moves of target t, with what exists of their paths below the
 * top-level and what of it a killed run made (its journal). */
static void observe_moves(struct run *r, size_t t)
{
        const struct match_target *mt = &r->match.targets[t];
        size_t k = (size_t)(mt->located - r->loc.h);
        for (size_t i = 0; i < r->n_moves; i++) {
                const struct restore_move *rm = &r->moves[i];
                if (rm->hier != k)
                        continue;
                const char *rel = rm->rel;
                if (rm->to_init) {
                        /* the image's init cgroup, checked with the image */
                        rel = mt->image.version == CG_V2 ? mt->image.init : NULL;
                        if (!rel || !rel[0])
                                continue;
                }
                struct plan_move pm = {
                        .pid = rm->pid,
                        .rel = rel,
                        .who = rm->who,
                        .may_vanish = rm->may_vanish,
                };
                _cleanup_free_ char *prefix = xstrdup(rel);
                size_t depth = 0;
                bool exists = true;
                for (char *p = prefix; *p && depth < 64; depth++) {
                        size_t l = strcspn(p, "/");
                        char saved = p[l];
                        p[l] = '\0';
                        if (exists) {
                                _cleanup_close_ int fd = open_beneath(mt->located->dirfd, prefix,
                                                                      O_PATH | O_DIRECTORY);
                                exists = fd >= 0;
                        }
                        if (exists)
                                pm.n_exist = depth + 1;
                        if (exists && k < r->journal.n && journal_lists(&r->journal, k, prefix))
                                pm.adopted |= (uint64_t)1 << depth;
                        p[l] = saved;
                        p += l;
                        p += *p == '/';
                }
                r->tmoves[t] = xreallocarray(r->tmoves[t], r->n_tmoves[t] + 1, sizeof(pm));
                r->tmoves[t][r->n_tmoves[t]++] = pm;
        }
}

/* pid leaves the top-level of target t by a planned move */
static bool moves_out(const struct run *r, size_t t, pid_t pid)
{
        for (size_t i = 0; i < r->n_tmoves[t]; i++)
                if (r->tmoves[t][i].pid == pid && r->tmoves[t][i].rel[0])
                        return true;
        return false;
}

static int count_other_procs(struct run *r, size_t t, size_t *ret)
{
        const struct located_hierarchy *lh = r->match.targets[t].located;
        _cleanup_free_ char *procs = NULL;
        size_t n = 0;
        int k = cg_read_at(lh->dirfd, "cgroup.procs", &procs);
        if (k < 0) {
                char esc[600];
                cgbind_escape(lh->host_path, strlen(lh->host_path), esc, sizeof(esc));
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, -k,
                                        "top-level (%s/cgroup.procs): %s", esc, strerror(-k));
        }
        /* the planning child itself (this process) is gone before the
         * plan is applied: where the hook sits in the top-level (CRIU's
         * action script), it is no other process */
        for (char *s = NULL, *p = strtok_r(procs, "\n", &s); p; p = strtok_r(NULL, "\n", &s))
                if (atoi(p) != (int)r->ctr.pid && atoi(p) != (int)getpid() &&
                    !moves_out(r, t, (pid_t)atoi(p)))
                        n++;
        *ret = n;
        return 0;
}

static int observe(struct run *r)
{
        size_t n = r->match.n;
        r->observed = xcalloc(n, sizeof(*r->observed));
        r->init_in_top = xcalloc(n, sizeof(bool));
        r->other_procs = xcalloc(n, sizeof(size_t));
        r->tmoves = xcalloc(n, sizeof(*r->tmoves));
        r->n_tmoves = xcalloc(n, sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
                const struct match_target *t = &r->match.targets[i];
                observe_moves(r, i);
                int k = apply_observe(t->located->dirfd, t->located->host_path, &t->image.root,
                                      &r->observed[i], r->err);
                if (k < 0)
                        return k;
                mark_adopted(r, i);
                r->init_in_top[i] = t->located->init_rel && t->located->init_rel[0] == '\0';
                if (t->image.version == CG_V2 &&
                    (k = count_other_procs(r, i, &r->other_procs[i])) < 0)
                        return k;
        }
        return 0;
}

/* Whether a sub-cgroup made beneath hierarchy t's top-level gets a memory
 * cgroup, by what the kernel will do, not by what the image declares:
 * v1: the hierarchy has the memory controller. v2: its parent has memory in
 * cgroup.subtree_control once the plan is applied. Below a top-level whose
 * cgroup.subtree_control (read now) lacks memory no existing directory can
 * have it (a controller is enabled in a child only where the parent
 * enabled it), so there only the plan's own "+memory" writes count; where
 * the top-level has it (or it cannot be read) every new sub-cgroup does. */
static bool memcg_everywhere(struct run *r, size_t t)
{
        const struct located_hierarchy *lh = &r->loc.h[r->targets.located[t]];
        if (lh->version != CG_V2)
                return controller_list_has(lh->controllers, "memory");
        _cleanup_free_ char *sc = NULL;
        if (cg_read_at(lh->dirfd, "cgroup.subtree_control", &sc) < 0)
                return true;
        sc[strcspn(sc, "\n")] = '\0';
        return controller_list_has(sc, "memory");
}

/* The host's memory cgroup ids are shared by every container: a restore
 * never takes the host past half of them. Checked by this process on the
 * plan the child sent: the child's count is not trusted. */
static int check_memcg_headroom(struct run *r)
{
        if (!r->memcg_known)
                return 0;
        _cleanup_free_ bool *everywhere = xcalloc(r->targets.n + 1, sizeof(bool));
        _cleanup_free_ bool *enables = xcalloc(r->plan.n_dirs + 1, sizeof(bool));
        for (size_t t = 0; t < r->targets.n; t++)
                everywhere[t] = memcg_everywhere(r, t);
        for (size_t i = 0; i < r->plan.n_ops; i++) {
                const struct plan_op *op = &r->plan.ops[i];
                if (op->kind == OP_WRITE && streq(op->name, "cgroup.subtree_control") &&
                    controller_list_has(op->value, "+memory"))
                        enables[op->dir] = true;
        }
        size_t mk = 0;
        for (size_t i = 0; i < r->plan.n_ops; i++) {
                const struct plan_op *op = &r->plan.ops[i];
                if (op->kind == OP_MKDIR &&
                    (everywhere[r->plan.dirs[op->dir].hier] || enables[op->dir]))
                        mk++;
        }
        if (mk && r->memcg_count + mk > CGBIND_MEMCG_ID_HEADROOM)
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, ENOSPC,
                                        "image: %zu memory cgroups to create, with the host's %zu "
                                        "more than %d (half the kernel's %d memory cgroup ids)",
                                        mk, r->memcg_count, CGBIND_MEMCG_ID_HEADROOM,
                                        CGBIND_MEMCG_ID_LIMIT);
        return 0;
}

/* Lists, per top-level, every sub-cgroup this run creates or adopts. */
static int write_journal(struct run *r)
{
        for (size_t t = 0; t < r->targets.n; t++) {
                size_t k = r->targets.located[t];
                const char **rels = NULL;
                size_t n = 0;
                for (size_t i = 0; i < r->plan.n_ops; i++) {
                        const struct plan_op *op = &r->plan.ops[i];
                        if ((op->kind != OP_MKDIR && op->kind != OP_ADOPT) ||
                            r->plan.dirs[op->dir].hier != t)
                                continue;
                        /* any path validation accepts fits (caps.h) */
                        char rel[CGBIND_MAX_REL_PATH];
                        size_t l = 0;
                        int e = plan_dir_path(&r->plan, op->dir, rel, sizeof(rel));
                        if (e >= 0) {
                                l = strlen(rel);
                                if (l + 1 + strlen(op->name) + 1 > sizeof(rel))
                                        e = -ENAMETOOLONG;
                        }
                        if (e < 0) {
                                for (size_t i2 = 0; i2 < n; i2++)
                                        free((char *)rels[i2]);
                                free(rels);
                                return cgbind_error_set(r->err, CGBIND_INVALID, ENAMETOOLONG,
                                                        "journal: a sub-cgroup path longer than "
                                                        "%d bytes; nothing changed",
                                                        CGBIND_MAX_REL_PATH - 1);
                        }
                        snprintf(rel + l, sizeof(rel) - l, "%s%s", l ? "/" : "", op->name);
                        rels = xreallocarray(rels, n + 1, sizeof(char *));
                        rels[n++] = xstrdup(rel);
                }
                int e = n ? journal_write(&r->journal, k, rels, n, r->err) : 0;
                for (size_t i = 0; i < n; i++)
                        free((char *)rels[i]);
                free(rels);
                if (e < 0)
                        return e;
        }
        return 0;
}

struct debug_ctx {
        struct cgbind_log *log;
        const char *const *host_paths;
};

static void debug_op(const struct plan *plan, const struct plan_op *op, void *userdata)
{
        struct debug_ctx *d = userdata;
        if (d->log->level < LOG_LEVEL_DEBUG)
                return;
        char line[1500];
        plan_format_op(plan, op, d->host_paths[plan->dirs[op->dir].hier], line, sizeof(line));
        log_msg(d->log, LOG_LEVEL_DEBUG, "%s", line);
}

static int print_plan(struct run *r)
{
        FILE *out = r->o->out ? r->o->out : stdout;
        fprintf(out, "# mode %s%s\n", restore_mode_to_string(r->mode),
                r->o->top_level ? ", top-level" : "");
        for (size_t i = 0; i < r->targets.n; i++) {
                char esc_l[600], esc_p[700];
                const char *label = r->targets.labels[i];
                const struct located_hierarchy *lh = &r->loc.h[r->targets.located[i]];
                cgbind_escape(label, strlen(label), esc_l, sizeof(esc_l));
                cgbind_escape(lh->host_path, strlen(lh->host_path), esc_p, sizeof(esc_p));
                fprintf(out, "hierarchy %s: %s\n", esc_l, esc_p);
        }
        size_t last = (size_t)-1;
        for (size_t i = 0; i < r->plan.n_ops; i++) {
                size_t h = r->plan.dirs[r->plan.ops[i].dir].hier;
                if (h != last) {
                        char esc[600];
                        const char *l = r->targets.labels[h];
                        fprintf(out, "[%s]\n", cgbind_escape(l, strlen(l), esc, sizeof(esc)));
                }
                last = h;
                fputs("  ", out);
                int k = plan_print_op(&r->plan, &r->plan.ops[i], out);
                if (k < 0)
                        return cgbind_error_set(r->err, CGBIND_FAILED, EIO, "dry run (stdout): %s",
                                                strerror(EIO));
        }
        if (fflush(out) != 0 || ferror(out))
                return cgbind_error_set(r->err, CGBIND_FAILED, EIO, "dry run (stdout): %s",
                                        strerror(errno ? errno : EIO));
        return 0;
}

/* Everything before the sandbox: the inputs, the container, its cgroups,
 * the state directory. */
static int prepare_host(struct run *r);

/* A container its caller found without an OCI state (CRIU's action
 * script): the process, its cgroups and the image are taken over. */
static int prepare_input(struct run *r)
{
        const struct restore_options *o = r->o;
        struct restore_input *in = o->input;
        r->ctr = in->ctr;
        r->loc = in->loc;
        r->image_fd = in->image_fd;
        r->moves = in->moves;
        r->n_moves = in->n_moves;
        in->ctr = (struct container){ .pidfd = -1, .proc_dirfd = -1 };
        in->loc = (struct located){ 0 };
        in->image_fd = -1;
        in->moves = NULL;
        in->n_moves = 0;
        if (o->mode && restore_mode_from_string(o->mode, &r->mode) < 0)
                return cgbind_error_set(r->err, CGBIND_INVALID, EINVAL,
                                        "mode: not one of soft, full, strict, props, none, "
                                        "ignore");
        if (r->mode == MODE_IGNORE)
                return 0;
        return prepare_host(r);
}

static int prepare(struct run *r, const char **ret_image)
{
        const struct restore_options *o = r->o;
        if (o->input)
                return prepare_input(r);
        int k = identity_read(&r->id, r->err);
        if (k >= 0)
                k = container_read_state(o->state_fd, &r->deadline, &r->ctr.state, r->err);
        if (k < 0)
                return k;
        log_set_container(r->log, r->ctr.state.id);
        k = container_read_config(&r->ctr.state, &r->ctr.config, r->err);
        if (k < 0)
                return k;
        const char *mode =
                o->mode ? o->mode
                        : cgbind_annotation(&r->ctr.state, &r->ctr.config, "io.cgbind.mode");
        if (mode && restore_mode_from_string(mode, &r->mode) < 0) {
                char esc[100];
                cgbind_escape(mode, strlen(mode), esc, sizeof(esc));
                return cgbind_error_set(r->err, CGBIND_INVALID, EINVAL,
                                        "mode (%s): not one of soft, full, strict, props, none, "
                                        "ignore",
                                        esc);
        }
        if (r->mode == MODE_IGNORE)
                return 0;
        const char *image =
                o->image ? o->image
                         : cgbind_annotation(&r->ctr.state, &r->ctr.config, "io.cgbind.image");
        if (!image || !*image)
                return cgbind_error_set(r->err, CGBIND_INVALID, EINVAL,
                                        "image (none): give --image FILE or the annotation "
                                        "io.cgbind.image");
        *ret_image = image;
        k = o->image ? read_image(r, image) : read_annotated_image(r, image);
        if (k >= 0)
                k = container_open(&r->ctr, r->ctr.state.pid, true, r->err);
        if (k >= 0)
                k = container_locate(&r->ctr, &r->loc, r->err);
        if (k < 0)
                return k;
        /* rootless: only the cgroups systemd delegated to the user, and
         * without one nothing at all, the state directory included */
        char warning[400];
        k = rootless_check_delegation(&r->id, &r->loc, o->skip_missing, warning, sizeof(warning),
                                      r->err);
        if (k < 0)
                return k;
        if (k > 0) {
                log_msg(r->log, LOG_LEVEL_WARNING, "%s", warning);
                r->nothing = true;
                return 0;
        }
        return prepare_host(r);
}

/* The host's side, for every caller: the memory cgroup count and the
 * state directory with one journal file per located hierarchy. */
static int prepare_host(struct run *r)
{
        const struct restore_options *o = r->o;
        read_memcg_count(r);
        locate_hugepage_sizes(&r->loc);

        _cleanup_free_ uint64_t *devs = xcalloc(r->loc.n, sizeof(uint64_t));
        _cleanup_free_ uint64_t *inos = xcalloc(r->loc.n, sizeof(uint64_t));
        /* one journal file per located hierarchy, index for index; a refused
         * one gets none (it is never written) */
        for (size_t i = 0; i < r->loc.n; i++)
                if (located_usable(&r->loc.h[i])) {
                        devs[i] = r->loc.h[i].dev;
                        inos[i] = r->loc.h[i].ino;
                }
        bool readonly = o->dry_run || r->mode == MODE_NONE;
        return journal_open(&r->journal, devs, inos, r->loc.n, readonly, r->err);
}

/* A hierarchy with processes to move and nothing of the image: a target
 * with an empty tree, so that the moves are planned there too. */
static void add_move_targets(struct run *r)
{
        for (size_t i = 0; i < r->n_moves; i++) {
                struct located_hierarchy *lh = &r->loc.h[r->moves[i].hier];
                bool found = false;
                for (size_t t = 0; t < r->match.n && !found; t++)
                        found = r->match.targets[t].located == lh;
                if (found)
                        continue;
                r->match.targets =
                        xreallocarray(r->match.targets, r->match.n + 1, sizeof(*r->match.targets));
                r->match.targets[r->match.n++] = (struct match_target){
                        .located = lh,
                        .image = { .version = lh->version, .controllers = xstrdup("") },
                        .label = xstrdup(cg_label(lh->version, lh->controllers)),
                };
        }
}

/* In the planning child: image -> match -> lock -> observe -> plan. Returns 1 when
 * there is nothing more to do (--skip-busy), 0 to go on. */
static int stage_plan(struct run *r)
{
        const struct restore_options *o = r->o;
        struct cgbind_image img = { 0 };
        int k = image_parse_fd(r->image_fd, o->max_image, &img, r->err);
        r->image_fd = safe_close(r->image_fd);
        if (k < 0 && r->image_annotated) {
                /* the parser's reason would quote the file */
                *r->err = (struct cgbind_error){ 0 };
                return annotated_image_refused(r, r->image_dir);
        }
        if (k < 0)
                return k;
        if (img.n_dropped)
                log_msg(r->log, LOG_LEVEL_WARNING,
                        "image (CRIU cgroup.img): %zu properties that cgbind never writes were "
                        "left out",
                        img.n_dropped);
        k = restore_match(&img, &r->loc, o, r->mode, r->log, &r->match, r->err);
        if (k < 0)
                return k;
        add_move_targets(r);
        /* two restores of one container serialise here, the wait in this
         * sandboxed child; the lock is on the descriptions the hook's own
         * process shares, so it stays held after the child exits (and that
         * process checks it: journal_lock_check). Nothing a workload or
         * another user can open is waited for. */
        k = journal_lock(&r->journal, &r->deadline, r->err);
        if (k >= 0)
                k = observe(r);
        if (k < 0)
                return k;
        struct plan_options popts = { .mode = r->mode,
                                      .top_level = o->top_level,
                                      .move_init = o->move_init,
                                      .tree_only = o->tree_only,
                                      .pid = r->ctr.pid,
                                      .max_move_dirs = o->max_cgroups > r->match.n_nodes
                                                               ? o->max_cgroups - r->match.n_nodes
                                                               : 0 };
        k = plan_targets(&r->match, r->observed, r->init_in_top, r->other_procs, r->tmoves,
                         r->n_tmoves, &popts, &r->plan, r->err);
        if (k == -EBUSY && r->err->status == CGBIND_PRECONDITION && o->skip_busy) {
                /* CRIU in the v2 top-level (a restore's prestart hook): a
                 * hooks.d hook must not break `podman container restore` */
                log_msg(r->log, LOG_LEVEL_WARNING, "%s; nothing changed (--skip-busy)",
                        r->err->msg);
                *r->err = (struct cgbind_error){ 0 };
                return 1;
        }
        return k < 0 ? k : 0;
}

/* The journal, then the changes; *ret_applied when the run ended with every
 * change made or every change undone. */
static int stage_apply(struct run *r, struct restore_result *res, bool *ret_applied)
{
        r->top_fds = xcalloc(r->targets.n + 1, sizeof(int));
        r->host_paths = xcalloc(r->targets.n + 1, sizeof(char *));
        for (size_t i = 0; i < r->targets.n; i++) {
                r->top_fds[i] = r->loc.h[r->targets.located[i]].dirfd;
                r->host_paths[i] = r->loc.h[r->targets.located[i]].host_path;
        }
        int k = write_journal(r);
        if (k < 0)
                return k;
        struct debug_ctx dctx = { r->log, r->host_paths };
        /* the processes the plan may move: the container's, and the ones
         * its caller named before the sandbox */
        _cleanup_free_ struct apply_pid *pids = xcalloc(r->n_moves + 1, sizeof(*pids));
        size_t n_pids = 0;
        pids[n_pids++] = (struct apply_pid){ r->ctr.pid, r->ctr.pidfd };
        for (size_t i = 0; i < r->n_moves; i++)
                pids[n_pids++] = (struct apply_pid){ r->moves[i].pid, r->moves[i].pidfd };
        apply_pids_sort(pids, n_pids);
        struct apply_ctx actx = {
                .top_fds = r->top_fds,
                .host_paths = r->host_paths,
                .pids = pids,
                .n_pids = n_pids,
                .before = debug_op,
                .userdata = &dctx,
        };
        k = apply_plan(&r->plan, &actx, r->err);
        /* done, or all undone: the journal goes; what a partial rollback
         * left stays listed for the next run */
        *ret_applied = k >= 0 || r->err->status == CGBIND_FAILED;
        if (k < 0)
                return k;
        for (size_t i = 0; i < r->plan.n_ops; i++) {
                enum op_kind kind = r->plan.ops[i].kind;
                res->n_mkdirs += kind == OP_MKDIR;
                res->n_adopted += kind == OP_ADOPT;
                res->n_writes += kind == OP_WRITE || kind == OP_MOVE_PID;
                res->n_moved += kind == OP_MOVE_PID;
        }
        res->changed = true;
        return 0;
}

/* runc hands a restore's hooks the state "stopped": the container is in
 * CRIU's hands, its mounts may not be there yet. With --skip-busy (a
 * hooks.d hook) a precondition that fails then is a warning and nothing is
 * changed, so that the restore goes on; CRIU's action-script (criu.h) or
 * the follow-up restore puts the sub-tree back. */
static bool restoring_skipped(struct run *r)
{
        if (!r->o->skip_busy || r->err->status != CGBIND_PRECONDITION || !r->ctr.state.status ||
            !streq(r->ctr.state.status, "stopped"))
                return false;
        log_msg(r->log, LOG_LEVEL_WARNING,
                "%s; the container is being restored (state stopped): nothing changed "
                "(--skip-busy)",
                r->err->msg);
        *r->err = (struct cgbind_error){ 0 };
        return true;
}

/* ---- the privilege split ---- */

/* The most a child's reply may hold: the image's values once more, the
 * undo values read from the host beside them, and room for the records. */
static size_t reply_limit(const struct restore_options *o)
{
        return 2 * o->max_image + CGBIND_MAX_PLAN_SLACK;
}

/* The child: the read-only sandbox, then image -> plan, one reply on
 * plan_fd. It never returns, and changes nothing on the host. */
_noreturn_ static void plan_child(struct run *r, int plan_fd)
{
        struct strbuf out = { 0 };
        int k = r->o->sandbox ? enter_sandbox(r, plan_fd) : 0;
        if (k >= 0)
                k = stage_plan(r);
        if (k < 0) {
                plan_wire_write_failure(r->err, &out);
        } else if (k > 0) {
                plan_wire_write_nothing(&out);
        } else {
                size_t n = r->match.n;
                _cleanup_free_ uint32_t *located = xcalloc(n + 1, sizeof(uint32_t));
                _cleanup_free_ const char **labels = xcalloc(n + 1, sizeof(char *));
                for (size_t i = 0; i < n; i++) {
                        located[i] = (uint32_t)(r->match.targets[i].located - r->loc.h);
                        labels[i] = r->match.targets[i].label;
                }
                plan_wire_write(&r->plan, located, labels, n, &out);
        }
        /* no exit handlers, no stdio flush: the parent owns them; and the
         * exit system call itself, not _exit(), which a sanitizer's build
         * intercepts to make calls (sigaltstack, ptrace) that the read-only
         * filter refuses */
        syscall(SYS_exit_group, write_full_fd(plan_fd, out.buf, out.len) < 0 ? 1 : 0);
        __builtin_unreachable();
}

/* How long the hook's process waits for its planning child: to the run's
 * deadline and the grace (a child that gave up on the lock at the deadline
 * is heard, not killed), then on while the child works, to the bound of
 * caps.h. It works when a look finds it runnable (state R: it wants the CPU,
 * and a busy node has not given it enough), having used CPU time since the
 * look before (it ran, then slept a moment: a page fault, a lock), exited
 * (Z: its reply and status are there to take), or having sent what this
 * process has not read yet (it waits on a full pipe, on this process). A
 * child that has not worked for CGBIND_PLANNER_QUIET_MS waits on something
 * else and is killed then; one that spins, or sends without end, at the
 * bound. The looks come at least every tenth of a second, and more often
 * when the pipe or the reap wakes this process: the quiet time is measured
 * in time, not in looks. */
struct planner_wait {
        pid_t child;
        struct deadline grace;        /* the run's deadline and the grace */
        struct deadline bound;        /* and the wait past it while the child works */
        struct deadline quiet;        /* past the grace: when a child that does not work
                                       * again is killed */
        bool late;                    /* it was waited for past the grace */
        bool ran;                     /* a look past the grace found it runnable or
                                       * having used CPU time */
        bool sampled;                 /* cpu_ticks holds a look's figure */
        unsigned long long cpu_ticks; /* its CPU time at the last look */
        char state;                   /* its state at the last look */
        int stat_errno;               /* its stat could not be read: why */
};

static struct planner_wait planner_wait_start(const struct run *r, pid_t child)
{
        uint64_t left = (uint64_t)deadline_left_ms(&r->deadline) + CGBIND_PLANNER_GRACE_MS;
        uint64_t more = (uint64_t)r->o->timeout_ms * CGBIND_PLANNER_RUNNABLE_FACTOR;
        if (more > CGBIND_PLANNER_RUNNABLE_MAX_MS)
                more = CGBIND_PLANNER_RUNNABLE_MAX_MS;
        return (struct planner_wait){ .child = child,
                                      .grace = deadline_in_ms(left),
                                      .bound = deadline_in_ms(left + more),
                                      .state = '?' };
}

/* Past the grace: the child works, its quiet time starts again. */
static void planner_worked(struct planner_wait *w)
{
        if (w->late)
                w->quiet = deadline_in_ms(CGBIND_PLANNER_QUIET_MS);
}

/* Whether a look finds the child working (planner_wait); false with
 * stat_errno set when its stat cannot be read. */
static bool planner_works(struct planner_wait *w, int pipe_fd)
{
        struct pollfd pfd = { .fd = pipe_fd, .events = POLLIN };
        if (pipe_fd >= 0 && poll(&pfd, 1, 0) > 0)
                return true;
        struct proc_stat st;
        int k = proc_stat_read(w->child, &st);
        if (k < 0) {
                w->stat_errno = -k;
                return false;
        }
        bool ran = st.state == 'R' || (w->sampled && st.cpu_ticks > w->cpu_ticks);
        w->state = st.state;
        w->cpu_ticks = st.cpu_ticks;
        w->sampled = true;
        w->ran |= ran;
        return ran || st.state == 'Z';
}

/* The next wait in ms; 0 when the child's time is up. pipe_fd: the reply's
 * pipe while it is read, or -1. */
static int planner_wait_ms(struct planner_wait *w, int pipe_fd)
{
        int left = deadline_left_ms(&w->grace);
        if (left > 0)
                return left;
        left = deadline_left_ms(&w->bound);
        if (left <= 0)
                return 0;
        if (!w->late) {
                w->late = true;
                w->quiet = deadline_in_ms(CGBIND_PLANNER_QUIET_MS);
        }
        if (planner_works(w, pipe_fd))
                planner_worked(w);
        else if (w->stat_errno || deadline_left_ms(&w->quiet) <= 0)
                return 0;
        return left < 100 ? left : 100;
}

/* what: "plan" or "exit" */
static int planner_timed_out(struct run *r, const struct planner_wait *w, const char *what)
{
        int pid = (int)w->child;
        unsigned timeout = r->o->timeout_ms;
        int past = deadline_past_ms(&w->grace);
        if (!w->late)
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "planner (pid %d): no %s within the timeout of %u ms "
                                        "(--timeout) and %d ms more; killed, nothing changed",
                                        pid, what, timeout, CGBIND_PLANNER_GRACE_MS);
        if (w->stat_errno)
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "planner (pid %d): no %s within the timeout of %u ms "
                                        "(--timeout) and %d ms more, and its /proc/%d/stat cannot "
                                        "be read (%s); killed, nothing changed",
                                        pid, what, timeout, CGBIND_PLANNER_GRACE_MS, pid,
                                        strerror(w->stat_errno));
        if (deadline_left_ms(&w->bound) == 0)
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "planner (pid %d): no %s within the timeout of %u ms "
                                        "(--timeout) and %d ms more, nor in the %d ms more that "
                                        "a working planner is given; killed, nothing changed",
                                        pid, what, timeout, CGBIND_PLANNER_GRACE_MS, past);
        if (!w->ran)
                return cgbind_error_set(r->err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "planner (pid %d): no %s within the timeout of %u ms "
                                        "(--timeout) and %d ms more, and none in %d ms more while "
                                        "it slept (state %c, no CPU time); killed, nothing changed",
                                        pid, what, timeout, CGBIND_PLANNER_GRACE_MS, past,
                                        w->state);
        return cgbind_error_set(r->err, CGBIND_PRECONDITION, ETIMEDOUT,
                                "planner (pid %d): no %s within the timeout of %u ms (--timeout) "
                                "and %d ms more, nor while it was runnable or using CPU (%d ms "
                                "more, then state %c and no CPU time for %d ms); killed, nothing "
                                "changed",
                                pid, what, timeout, CGBIND_PLANNER_GRACE_MS, past, w->state,
                                CGBIND_PLANNER_QUIET_MS + deadline_past_ms(&w->quiet));
}

/* Reads the child's reply until it closes the pipe, at most reply_limit()
 * bytes, while planner_wait_ms() says. */
static int read_reply(struct run *r, struct planner_wait *w, int pipe_fd, struct strbuf *ret)
{
        size_t limit = reply_limit(r->o);
        for (;;) {
                struct pollfd pfd = { .fd = pipe_fd, .events = POLLIN };
                int left = planner_wait_ms(w, pipe_fd);
                if (left == 0)
                        return planner_timed_out(r, w, "plan");
                int n = poll(&pfd, 1, left);
                if ((n < 0 && errno == EINTR) || n == 0)
                        continue;
                char buf[65536];
                ssize_t got = n < 0 ? -1 : read(pipe_fd, buf, sizeof(buf));
                if (got < 0 && errno == EINTR)
                        continue;
                if (got < 0)
                        return cgbind_error_set(r->err, CGBIND_FAILED, errno,
                                                "planner (pid %d): %s; killed, nothing changed",
                                                (int)w->child, strerror(errno));
                if (got == 0)
                        return 0;
                if ((size_t)got > limit - ret->len)
                        return cgbind_error_set(r->err, CGBIND_INVALID, E2BIG,
                                                "plan (from the parser): more than %zu bytes; "
                                                "killed, nothing changed",
                                                limit);
                strbuf_append(ret, buf, (size_t)got);
                /* what it sends is work, read before the next look */
                planner_worked(w);
        }
}

/* Reaps the child once it has exited, while planner_wait_ms() says (its
 * pidfd says when; without one, a kernel before 5.3, it is asked every
 * 5 ms). */
static int reap_child(struct run *r, struct planner_wait *w, int pidfd, int *ret_status)
{
        pid_t child = w->child;
        for (;;) {
                pid_t got = waitpid(child, ret_status, WNOHANG);
                if (got == child)
                        return 0;
                if (got < 0 && errno != EINTR)
                        return cgbind_error_set(r->err, CGBIND_FAILED, errno,
                                                "planner (pid %d): waitpid: %s; nothing changed",
                                                (int)child, strerror(errno));
                int left = planner_wait_ms(w, -1);
                if (left <= 0)
                        return planner_timed_out(r, w, "exit");
                struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
                if (poll(pidfd >= 0 ? &pfd : NULL, pidfd >= 0 ? 1 : 0,
                         pidfd >= 0 ? left : (left < 5 ? left : 5)) < 0 &&
                    errno != EINTR)
                        return cgbind_error_set(r->err, CGBIND_FAILED, errno,
                                                "planner (pid %d): poll: %s; nothing changed",
                                                (int)child, strerror(errno));
        }
}

/* Forks the planning child and takes its reply: the whole of it, then the
 * child's exit, within a timeout of its own; killed otherwise. */
static int plan_in_child(struct run *r, struct strbuf *ret_reply)
{
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0)
                return cgbind_error_set(r->err, CGBIND_FAILED, errno,
                                        "planner (pipe): %s; nothing changed", strerror(errno));
        _cleanup_close_ int rfd = fds[0];
        _cleanup_close_ int wfd = fds[1];
        pid_t self = getpid();
        pid_t child = fork();
        if (child < 0)
                return cgbind_error_set(r->err, CGBIND_FAILED, errno,
                                        "planner (fork): %s; nothing changed", strerror(errno));
        if (child == 0) {
                /* a hook killed half-way takes its child along: the child
                 * shares the lock's descriptions and would hold the lock
                 * against the rerun until its own deadline */
                if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != self)
                        _exit(1);
                rfd = safe_close(rfd);
                plan_child(r, wfd);
        }
        wfd = safe_close(wfd);
        /* the child waits on the run's deadline; its reply is awaited a
         * little longer, so that its own refusal is what the user reads,
         * and longer still while it is runnable (planner_wait) */
        struct planner_wait w = planner_wait_start(r, child);
        /* the pid stays this process's child until it is reaped: no reuse */
        _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, child, 0);
        int status = 0;
        int k = read_reply(r, &w, rfd, ret_reply);
        if (k < 0)
                kill(child, SIGKILL);
        int e = reap_child(r, &w, pidfd, &status);
        if (e < 0 && k >= 0) {
                /* it closed its pipe but does not exit */
                kill(child, SIGKILL);
                k = e;
        }
        if (e < 0 || k < 0) {
                while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
                        ;
                return k < 0 ? k : e;
        }
        if (WIFSIGNALED(status))
                return cgbind_error_set(r->err, CGBIND_FAILED, EIO,
                                        "planner (pid %d): killed by signal %d (%s); nothing "
                                        "changed",
                                        (int)child, WTERMSIG(status), strsignal(WTERMSIG(status)));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return cgbind_error_set(r->err, CGBIND_FAILED, EIO,
                                        "planner (pid %d): exited with status %d; nothing "
                                        "changed",
                                        (int)child, WEXITSTATUS(status));
        if (w.late && w.ran)
                log_msg(r->log, LOG_LEVEL_WARNING,
                        "planner (pid %d): its plan came %d ms past the timeout of %u ms "
                        "(--timeout) and %d ms more, waited for while it ran or was runnable: "
                        "this node is short of CPU",
                        (int)child, deadline_past_ms(&w.grace), r->o->timeout_ms,
                        CGBIND_PLANNER_GRACE_MS);
        else if (w.late)
                log_msg(r->log, LOG_LEVEL_WARNING,
                        "planner (pid %d): its plan came %d ms past the timeout of %u ms "
                        "(--timeout) and %d ms more, after it slept (no CPU time)",
                        (int)child, deadline_past_ms(&w.grace), r->o->timeout_ms,
                        CGBIND_PLANNER_GRACE_MS);
        return 0;
}

/* The child's reply, checked whole against what this process fixed before
 * the fork: its located hierarchies, the pids it named, the caps. */
static int take_plan(struct run *r, const struct strbuf *reply)
{
        const struct restore_options *o = r->o;
        _cleanup_free_ enum cg_version *versions = xcalloc(r->loc.n + 1, sizeof(enum cg_version));
        for (size_t i = 0; i < r->loc.n; i++)
                if (located_usable(&r->loc.h[i]))
                        versions[i] = r->loc.h[i].version;
        _cleanup_free_ pid_t *pids = xcalloc(r->n_moves + 1, sizeof(pid_t));
        size_t n_pids = 0;
        pids[n_pids++] = r->ctr.pid;
        for (size_t i = 0; i < r->n_moves; i++)
                pids[n_pids++] = r->moves[i].pid;
        /* every sub-cgroup and move the caps allow, with their ancestors,
         * and every property a node may have */
        size_t max_dirs = o->max_cgroups + (r->loc.n + r->n_moves) * (CGBIND_MAX_DEPTH + (size_t)2);
        struct plan_wire_check chk = {
                .versions = versions,
                .n_hier = r->loc.n,
                .pids = pids,
                .n_pids = n_pids,
                .max_dirs = max_dirs,
                .max_ops = max_dirs * (CGBIND_MAX_PROPS + (size_t)4),
        };
        return plan_wire_read(reply->buf, reply->len, &chk, &r->plan, &r->targets, r->err);
}

static int run_stages(struct run *r, struct restore_result *res, bool *ret_applied)
{
        const char *image = NULL;
        int k = prepare(r, &image);
        res->mode = r->mode;
        if (k < 0 && restoring_skipped(r))
                return 0;
        if (k < 0 || r->mode == MODE_IGNORE || r->nothing)
                return k;
        /* before the parse: the image decides how much work follows */
        if ((k = sandbox_limit_cpu(CGBIND_MAX_CPU_SECONDS, r->err)) < 0)
                return k;
        _cleanup_(strbuf_free) struct strbuf reply = { 0 };
        if ((k = plan_in_child(r, &reply)) < 0)
                return k;
        r->image_fd = safe_close(r->image_fd);
        if (r->o->sandbox && (k = enter_sandbox(r, -1)) < 0)
                return k;
        k = take_plan(r, &reply);
        if (k != 0)
                return k < 0 ? k : 0;
        if ((k = journal_lock_check(&r->journal, r->err)) < 0)
                return k;
        if ((k = check_memcg_headroom(r)) < 0)
                return k;
        if (r->o->dry_run)
                return print_plan(r);
        return stage_apply(r, res, ret_applied);
}

int restore_run(const struct restore_options *o, struct cgbind_log *log, struct restore_result *ret,
                struct cgbind_error *err)
{
        struct run r = {
                .o = o,
                .log = log,
                .err = err,
                .deadline = deadline_in_ms(o->timeout_ms),
                .ctr = { .pidfd = -1, .proc_dirfd = -1 },
                .journal = { .dirfd = -1 },
                .image_fd = -1,
                .mode = MODE_SOFT,
        };
        struct restore_result res = { 0 };
        bool applied = false;
        int k = run_stages(&r, &res, &applied);
        journal_finish(&r.journal, applied);
        run_free(&r);
        if (k >= 0 && ret)
                *ret = res;
        return k;
}
