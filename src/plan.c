/* The planner (see plan.h). The kernel's ordering rules live here:
 *  - v2: cgroup.type first; a parent's cgroup.subtree_control before the
 *    children's controller files; the init pid leaves the top-level before
 *    the top-level enables domain controllers (no internal processes);
 *    cgroup.max.depth and .descendants only after the whole tree exists.
 *  - v1: cpuset.cpus and .mems right after mkdir (an empty cpuset refuses
 *    tasks and children's cpus); memory.limit_in_bytes never above
 *    memory.memsw.limit_in_bytes; use_hierarchy and clone_children before
 *    children exist. */
#include <inttypes.h>
#include <stdio.h>

#include "cgbind/plan.h"

static const char *const mode_names[MODE_MAX] = {
        [MODE_SOFT] = "soft",   [MODE_FULL] = "full", [MODE_STRICT] = "strict",
        [MODE_PROPS] = "props", [MODE_NONE] = "none", [MODE_IGNORE] = "ignore",
};

int restore_mode_from_string(const char *s, enum restore_mode *ret)
{
        for (size_t i = 0; i < MODE_MAX; i++)
                if (streq(s, mode_names[i])) {
                        *ret = (enum restore_mode)i;
                        return 0;
                }
        return -EINVAL;
}

const char *restore_mode_to_string(enum restore_mode m)
{
        return m < MODE_MAX ? mode_names[m] : "?";
}

void observed_free(struct observed_node *o, const struct cg_node *n)
{
        if (!o)
                return;
        if (o->values) {
                for (size_t i = 0; i < n->n_props; i++)
                        free(o->values[i]);
                free(o->values);
        }
        if (o->children) {
                for (size_t i = 0; i < n->n_children; i++)
                        observed_free(&o->children[i], &n->children[i]);
                free(o->children);
        }
        o->values = NULL;
        o->children = NULL;
}

void plan_free(struct plan *plan)
{
        for (size_t i = 0; i < plan->n_dirs; i++) {
                free(plan->dirs[i].name);
                free(plan->dirs[i].rel);
        }
        for (size_t i = 0; i < plan->n_ops; i++) {
                free(plan->ops[i].name);
                free(plan->ops[i].value);
                free(plan->ops[i].undo);
        }
        free(plan->dirs);
        free(plan->ops);
        *plan = (struct plan){ 0 };
}

static int add_dir(struct plan *plan, size_t parent, size_t hier, const char *name,
                   size_t *ret)
{
        if (plan->n_dirs == plan->cap_dirs) {
                size_t cap = plan->cap_dirs ? plan->cap_dirs * 2 : 64;
                struct plan_dir *d = realloc(plan->dirs, cap * sizeof(*d));
                if (!d)
                        return -ENOMEM;
                plan->dirs = d;
                plan->cap_dirs = cap;
        }
        struct plan_dir *d = &plan->dirs[plan->n_dirs];
        *d = (struct plan_dir){ .parent = parent, .hier = hier };
        if (name) {
                const char *prel = plan->dirs[parent].rel;
                size_t pl = strlen(prel), nl = strlen(name);
                d->name = strdup(name);
                d->rel = malloc(pl + nl + 2);
                if (!d->name || !d->rel) {
                        free(d->name);
                        free(d->rel);
                        return -ENOMEM;
                }
                memcpy(d->rel, prel, pl);
                if (pl)
                        d->rel[pl++] = '/';
                memcpy(d->rel + pl, name, nl + 1);
        } else {
                d->rel = strdup("");
                if (!d->rel)
                        return -ENOMEM;
        }
        *ret = plan->n_dirs++;
        return 0;
}

static int add_op(struct plan *plan, enum op_kind kind, size_t dir, const char *name,
                  const char *value, const char *undo, bool multiline, pid_t pid,
                  size_t undo_dir)
{
        if (plan->n_ops == plan->cap_ops) {
                size_t cap = plan->cap_ops ? plan->cap_ops * 2 : 256;
                struct plan_op *o = realloc(plan->ops, cap * sizeof(*o));
                if (!o)
                        return -ENOMEM;
                plan->ops = o;
                plan->cap_ops = cap;
        }
        struct plan_op *op = &plan->ops[plan->n_ops];
        *op = (struct plan_op){ .kind = kind, .dir = dir, .multiline = multiline, .pid = pid,
                                .undo_dir = undo_dir };
        op->name = name ? strdup(name) : NULL;
        op->value = value ? strdup(value) : NULL;
        op->undo = undo ? strdup(undo) : NULL;
        if ((name && !op->name) || (value && !op->value) || (undo && !op->undo)) {
                free(op->name);
                free(op->value);
                free(op->undo);
                return -ENOMEM;
        }
        plan->n_ops++;
        return 0;
}

/* ---- checks that must pass before the first change ---- */

struct walk {
        struct plan *plan;
        size_t hier;
        const struct plan_hierarchy_input *in;
        const struct plan_options *opts;
        struct cgbind_error *err;
        char path[4096]; /* for messages */
        /* writes that wait until the whole tree exists */
        struct deferred {
                size_t dir;
                const struct cg_prop *prop;
                const char *undo;
        } *deferred;
        size_t n_deferred;
        /* the init chain, created before the top-level's subtree_control */
        struct chain {
                const struct cg_node *node;
                size_t dir;
                bool created;
        } chain[CGBIND_MAX_DEPTH];
        size_t n_chain;
};

static int path_push(struct walk *w, const char *name, size_t *ret_len)
{
        size_t l = strlen(w->path), n = strlen(name);
        *ret_len = l;
        if (l + n + 2 >= sizeof(w->path))
                return 0; /* the message path is cut; nothing else depends on it */
        if (l && w->path[l - 1] != '/')
                w->path[l++] = '/';
        memcpy(w->path + l, name, n + 1);
        return 0;
}

static int precheck(struct walk *w, const struct cg_node *n, const struct observed_node *o)
{
        enum restore_mode mode = w->opts->mode;
        for (size_t i = 0; i < n->n_children; i++) {
                const struct observed_node *co = o && o->children ? &o->children[i] : NULL;
                bool exists = co && co->exists;
                size_t saved;
                path_push(w, n->children[i].name, &saved);
                char esc[512];
                cgbind_escape(w->path, strlen(w->path), esc, sizeof(esc));
                if (!exists && (mode == MODE_PROPS || mode == MODE_NONE))
                        return cgbind_error_set(w->err, CGBIND_PRECONDITION, ENOENT,
                                                "sub-cgroup (%s:%s): missing, and mode %s does "
                                                "not create it",
                                                w->in->label, esc, restore_mode_to_string(mode));
                if (exists && mode == MODE_STRICT)
                        return cgbind_error_set(w->err, CGBIND_PRECONDITION, EEXIST,
                                                "sub-cgroup (%s:%s): exists already, and mode "
                                                "strict only creates",
                                                w->in->label, esc);
                int r = precheck(w, &n->children[i], co);
                w->path[saved] = '\0';
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- ordering helpers ---- */

#define V1_UNLIMITED_FLOOR INT64_C(9223372036854771712)

static int64_t mem_value(const char *s)
{
        if (!s || streq(s, "-1") || streq(s, "max"))
                return INT64_MAX;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end || v >= V1_UNLIMITED_FLOOR)
                return INT64_MAX;
        return v;
}

static const char *observed_value(const struct observed_node *o, size_t i)
{
        return o && o->values ? o->values[i] : NULL;
}

static int find_prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; i < n->n_props; i++)
                if (streq(n->props[i].name, name))
                        return (int)i;
        return -1;
}

/* "cpu memory" -> "+cpu +memory" for the controllers not yet in current;
 * undo gets the matching "-cpu -memory". Both empty when nothing is missing. */
static int subtree_delta(const char *want, const char *current, struct strbuf *add,
                         struct strbuf *undo)
{
        int r = strbuf_append(add, "", 0);
        if (r >= 0)
                r = strbuf_append(undo, "", 0);
        for (const char *p = want; r >= 0 && *p;) {
                size_t l = strcspn(p, " ");
                char name[32];
                if (l > 0 && l < sizeof(name)) {
                        memcpy(name, p, l);
                        name[l] = '\0';
                        if (!current || !controller_list_has(current, name)) {
                                r = strbuf_appendf(add, "%s+%s", add->len ? " " : "", name);
                                if (r >= 0)
                                        r = strbuf_appendf(undo, "%s-%s", undo->len ? " " : "",
                                                           name);
                        }
                }
                p += l;
                p += strspn(p, " ");
        }
        return r;
}

/* Emits one property write of a node (or defers it). written: the node
 * existed, so keep the old value for rollback and skip a write that changes nothing. */
static int emit_prop(struct walk *w, size_t dir, const struct cg_node *n, size_t i,
                     const struct observed_node *o, bool existed)
{
        const struct cg_prop *p = &n->props[i];
        const char *old = existed ? observed_value(o, i) : NULL;

        if (p->def->order == ORDER_SUBTREE) {
                struct strbuf add = { 0 }, undo = { 0 };
                int r = subtree_delta(p->value, old, &add, &undo);
                if (r >= 0 && add.len)
                        r = add_op(w->plan, OP_WRITE, dir, p->name, add.buf,
                                   existed ? undo.buf : NULL, false, 0, 0);
                strbuf_free(&add);
                strbuf_free(&undo);
                return r;
        }
        if (existed && old && streq(old, p->value))
                return 0;
        if (p->def->order == ORDER_LAST) {
                struct deferred *d =
                        realloc(w->deferred, (w->n_deferred + 1) * sizeof(*w->deferred));
                if (!d)
                        return -ENOMEM;
                w->deferred = d;
                w->deferred[w->n_deferred++] = (struct deferred){ dir, p, old };
                return 0;
        }
        /* cgroup.type cannot go back to "domain": nothing to undo with */
        const char *undo = p->def->order == ORDER_TYPE ? NULL : old;
        return add_op(w->plan, OP_WRITE, dir, p->name, p->value, existed ? undo : NULL,
                      p->def->flags & PROP_MULTILINE, 0, 0);
}

static int emit_memory(struct walk *w, size_t dir, const struct cg_node *n,
                       const struct observed_node *o, bool existed, bool resources)
{
        int li = find_prop(n, "memory.limit_in_bytes");
        int mi = find_prop(n, "memory.memsw.limit_in_bytes");
        if (!resources)
                return 0;
        /* Raising past the current memsw limit needs memsw raised first;
         * lowering needs the limit lowered first. A new cgroup is unlimited. */
        bool memsw_first = false;
        if (li >= 0 && mi >= 0) {
                const char *cur_memsw = existed ? observed_value(o, (size_t)mi) : NULL;
                memsw_first = mem_value(n->props[li].value) > mem_value(cur_memsw);
        }
        int first = memsw_first ? mi : li, second = memsw_first ? li : mi;
        int r = 0;
        if (first >= 0)
                r = emit_prop(w, dir, n, (size_t)first, o, existed);
        if (r >= 0 && second >= 0)
                r = emit_prop(w, dir, n, (size_t)second, o, existed);
        return r;
}

/* Writes a node's properties in the kernel's order. all: every property (a
 * created node, or full/props mode); otherwise only what the tree below needs. */
static int emit_props(struct walk *w, size_t dir, const struct cg_node *n,
                      const struct observed_node *o, bool existed, bool all, bool resources)
{
        int r = 0;
        for (int order = ORDER_TYPE; r >= 0 && order < ORDER_MAX; order++) {
                if (order == ORDER_MEMORY) {
                        if (all)
                                r = emit_memory(w, dir, n, o, existed, resources);
                        continue;
                }
                for (size_t i = 0; r >= 0 && i < n->n_props; i++) {
                        const struct prop_def *d = n->props[i].def;
                        if ((int)d->order != order)
                                continue;
                        if (!resources && (d->flags & PROP_RESOURCE))
                                continue;
                        bool needed = all;
                        /* children cannot get controller files otherwise */
                        if (d->order == ORDER_SUBTREE && n->n_children > 0)
                                needed = true;
                        /* an empty v1 cpuset refuses tasks and children: fill it (criu#16) */
                        if (d->order == ORDER_CPUSET && d->version == CG_V1 && existed) {
                                const char *cur = observed_value(o, i);
                                if (cur && cur[0] == '\0')
                                        needed = true;
                        }
                        if (needed)
                                r = emit_prop(w, dir, n, i, o, existed);
                }
        }
        return r;
}

static int visit(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                 size_t parent_dir);

static int visit_children(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                          size_t dir)
{
        for (size_t i = 0; i < n->n_children; i++) {
                const struct observed_node *co = o && o->children ? &o->children[i] : NULL;
                int r = visit(w, &n->children[i], co, dir);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int visit(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                 size_t parent_dir)
{
        size_t dir = PLAN_NO_PARENT;
        bool existed = o && o->exists, created = false;
        int r;

        for (size_t i = 0; i < w->n_chain; i++)
                if (w->chain[i].node == n) {
                        dir = w->chain[i].dir;
                        created = w->chain[i].created;
                        existed = !created;
                }
        if (dir == PLAN_NO_PARENT) {
                r = add_dir(w->plan, parent_dir, w->hier, n->name, &dir);
                if (r < 0)
                        return r;
                if (!existed) {
                        r = add_op(w->plan, OP_MKDIR, parent_dir, n->name, NULL, NULL, false,
                                   0, 0);
                        if (r < 0)
                                return r;
                        created = true;
                }
        }
        enum restore_mode m = w->opts->mode;
        bool all = created || m == MODE_FULL || m == MODE_PROPS;
        r = emit_props(w, dir, n, o, !created, all, true);
        if (r < 0)
                return r;
        return visit_children(w, n, o, dir);
}

/* Creates the image's init cgroup (and its parents) and moves the one pid
 * into it, so that the top-level may enable domain controllers. */
static int emit_init_move(struct walk *w, size_t top_dir)
{
        const struct image_hierarchy *h = w->in->image;
        const struct cg_node *n = &h->root;
        const struct observed_node *o = w->in->observed;
        size_t dir = top_dir;
        int r;

        for (const char *p = h->init; *p;) {
                size_t l = strcspn(p, "/");
                char name[CGBIND_MAX_NAME + 1];
                memcpy(name, p, l);
                name[l] = '\0';
                p += l;
                p += strspn(p, "/");

                const struct cg_node *child = NULL;
                const struct observed_node *co = NULL;
                for (size_t i = 0; n && i < n->n_children; i++)
                        if (streq(n->children[i].name, name)) {
                                child = &n->children[i];
                                co = o && o->children ? &o->children[i] : NULL;
                        }
                bool exists = co && co->exists;
                size_t cdir;
                if (!exists && w->opts->mode == MODE_PROPS) {
                        char esc[300];
                        cgbind_escape(h->init, strlen(h->init), esc, sizeof(esc));
                        return cgbind_error_set(w->err, CGBIND_PRECONDITION, ENOENT,
                                                "sub-cgroup (%s:/%s): the init cgroup is missing, "
                                                "and mode props does not create it",
                                                w->in->label, esc);
                }
                r = add_dir(w->plan, dir, w->hier, name, &cdir);
                if (r >= 0 && !exists)
                        r = add_op(w->plan, OP_MKDIR, dir, name, NULL, NULL, false, 0, 0);
                if (r < 0)
                        return r;
                if (child && w->n_chain < ARRAY_SIZE(w->chain))
                        w->chain[w->n_chain++] = (struct chain){ child, cdir, !exists };
                dir = cdir;
                n = child;
                o = co;
        }
        return add_op(w->plan, OP_MOVE_PID, dir, NULL, NULL, NULL, false, w->opts->pid, top_dir);
}

int plan_hierarchy(struct plan *plan, size_t hier, const struct plan_hierarchy_input *in,
                   const struct plan_options *opts, struct cgbind_error *err)
{
        struct walk w = { .plan = plan, .hier = hier, .in = in, .opts = opts, .err = err,
                          .path = "/" };
        const struct cg_node *root = &in->image->root;
        size_t top;
        int r;

        if (opts->mode == MODE_IGNORE)
                return 0;
        r = precheck(&w, root, in->observed);
        if (r < 0 || opts->mode == MODE_NONE)
                return r;

        /* During `runc restore`, CRIU itself sits in the v2 top-level while
         * the prestart hook runs: no domain controller can be enabled there
         * until it leaves. Refuse before any change, and say what works. */
        if (in->image->version == CG_V2 && in->other_procs_in_top > 0 && opts->mode != MODE_NONE) {
                int sc = find_prop(root, "cgroup.subtree_control");
                const char *cur = sc >= 0 ? observed_value(in->observed, (size_t)sc) : NULL;
                struct strbuf add = { 0 }, undo = { 0 };
                r = sc >= 0 ? subtree_delta(root->props[sc].value, cur, &add, &undo) : 0;
                bool needs = add.len > 0;
                strbuf_free(&add);
                strbuf_free(&undo);
                if (r < 0)
                        return r;
                if (needs)
                        return cgbind_error_set(
                                err, CGBIND_PRECONDITION, EBUSY,
                                "top-level (%s): %zu other processes share it (CRIU during runc "
                                "restore?), so its controllers cannot be enabled; restore after "
                                "the runtime is done (runtime state ID | cgbind restore --mode full "
                                "--image FILE), or at prestart",
                                in->label, in->other_procs_in_top);
        }
        r = add_dir(plan, PLAN_NO_PARENT, hier, NULL, &top);
        if (r < 0)
                return r;
        /* v2's no-internal-process rule: the pid must leave the top-level
         * before the top-level enables controllers for its children. */
        if (in->image->version == CG_V2 && in->image->init && in->init_in_top && opts->move_init) {
                r = emit_init_move(&w, top);
                if (r < 0)
                        goto out;
        }
        /* The top-level is the runtime's: only what the children need, and its
         * resource properties with --top-level, as full mode would. */
        r = emit_props(&w, top, root, in->observed, true, opts->top_level, opts->top_level);
        if (r >= 0)
                r = visit_children(&w, root, in->observed, top);
        for (size_t i = 0; r >= 0 && i < w.n_deferred; i++) {
                const struct deferred *d = &w.deferred[i];
                r = add_op(plan, OP_WRITE, d->dir, d->prop->name, d->prop->value, d->undo, false,
                           0, 0);
        }
out:
        free(w.deferred);
        if (r == -ENOMEM)
                return cgbind_error_set(err, CGBIND_FAILED, ENOMEM, "plan: out of memory");
        return r;
}

int plan_format_op(const struct plan *plan, const struct plan_op *op, const char *base,
                   struct strbuf *out)
{
        const struct plan_dir *d = &plan->dirs[op->dir];
        char rel[1100], esc_val[1024], esc_name[300];
        /* relative to the top-level ("app/web"), or below base when given */
        if (base)
                snprintf(rel, sizeof(rel), "%s%s%s", base, d->rel[0] ? "/" : "", d->rel);
        else
                snprintf(rel, sizeof(rel), "%s", d->rel[0] ? d->rel : ".");
        char esc_rel[1200];
        cgbind_escape(rel, strlen(rel), esc_rel, sizeof(esc_rel));
        bool at_top = !base && !d->rel[0];
        switch (op->kind) {
        case OP_MKDIR:
                cgbind_escape(op->name, strlen(op->name), esc_name, sizeof(esc_name));
                return strbuf_appendf(out, "mkdir %s%s%s\n", at_top ? "" : esc_rel,
                                      at_top ? "" : "/", esc_name);
        case OP_WRITE:
                cgbind_escape(op->value, strlen(op->value), esc_val, sizeof(esc_val));
                return strbuf_appendf(out, "write %s/%s = \"%s\"\n", esc_rel, op->name, esc_val);
        case OP_MOVE_PID:
                return strbuf_appendf(out, "move pid %d into %s\n", (int)op->pid, esc_rel);
        case OP_KIND_MAX:
        default:
                return -EINVAL;
        }
}
