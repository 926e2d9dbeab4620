/* The planner (see plan.h). The kernel's ordering rules live here:
 *  - v2: cgroup.type first; a parent's cgroup.subtree_control before the
 *    children's controller files; the init pid leaves the top-level before
 *    the top-level enables domain controllers (no internal processes);
 *    cgroup.max.depth and .descendants only after the whole tree exists.
 *  - v1: cpuset.cpus and .mems right after mkdir (an empty cpuset refuses
 *    tasks and children's cpus); memory.limit_in_bytes never above
 *    memory.memsw.limit_in_bytes; use_hierarchy and clone_children before
 *    children exist; cpu.rt_* parents first where the real-time bandwidth
 *    grows, children first (and before everything else) where it shrinks. */
#include <inttypes.h>
#include <math.h>
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
        for (size_t i = 0; i < plan->n_strings; i++)
                free(plan->strings[i]);
        free(plan->strings);
        free(plan->dirs);
        free(plan->ops);
        *plan = (struct plan){ 0 };
}

void plan_reserve(struct plan *plan, size_t dirs, size_t ops)
{
        if (dirs > plan->cap_dirs) {
                plan->dirs = xreallocarray(plan->dirs, dirs, sizeof(*plan->dirs));
                plan->cap_dirs = dirs;
        }
        if (ops > plan->cap_ops) {
                plan->ops = xreallocarray(plan->ops, ops, sizeof(*plan->ops));
                plan->cap_ops = ops;
        }
}

static const char *plan_own(struct plan *plan, char *s)
{
        plan->strings = xreallocarray(plan->strings, plan->n_strings + 1, sizeof(char *));
        plan->strings[plan->n_strings++] = s;
        return s;
}

static size_t add_dir(struct plan *plan, size_t parent, size_t hier, const char *name)
{
        if (plan->n_dirs == plan->cap_dirs) {
                plan->cap_dirs = plan->cap_dirs ? plan->cap_dirs * 2 : 64;
                plan->dirs = xreallocarray(plan->dirs, plan->cap_dirs, sizeof(*plan->dirs));
        }
        plan->dirs[plan->n_dirs] = (struct plan_dir){
                .parent = parent == PLAN_NO_PARENT ? PLAN_NO_PARENT : (uint32_t)parent,
                .hier = (uint32_t)hier,
                .name = name,
        };
        return plan->n_dirs++;
}

static struct plan_op *add_op(struct plan *plan, enum op_kind kind, size_t dir, const char *name,
                              const char *value, const char *undo, bool multiline, size_t undo_dir)
{
        if (plan->n_ops == plan->cap_ops) {
                plan->cap_ops = plan->cap_ops ? plan->cap_ops * 2 : 256;
                plan->ops = xreallocarray(plan->ops, plan->cap_ops, sizeof(*plan->ops));
        }
        plan->ops[plan->n_ops++] = (struct plan_op){
                .kind = kind,
                .dir = (uint32_t)dir,
                .undo_dir = (uint32_t)undo_dir,
                .multiline = multiline,
                .name = name,
                .value = value,
                .undo = undo,
        };
        if (kind == OP_MKDIR)
                plan->n_mkdirs++;
        return &plan->ops[plan->n_ops - 1];
}

/* ---- checks that must pass before the first change ---- */

struct walk {
        struct plan *plan;
        size_t hier;
        const struct plan_hierarchy_input *in;
        const struct plan_options *opts;
        struct cgbind_error *err;
        char path[4096]; /* for messages: cut when deeper, never overrun */
        /* writes that wait until the whole tree exists */
        struct deferred {
                size_t dir;
                const struct cg_prop *prop;
                const char *undo;
        } * deferred;
        size_t n_deferred;
        /* v1 cpu.rt_* writes that lower a group's bandwidth: children before
         * parents, and moved in front of the hierarchy's other operations */
        struct plan_op *late;
        size_t n_late;
        /* the image's sub-cgroups the moves and the init move planned
         * before the top-level's subtree_control (sorted by node before
         * the tree is visited) */
        struct chain {
                const struct cg_node *node;
                size_t dir;
                bool created;
        } * chain;
        size_t n_chain;
        /* the directories the moves planned that the image does not hold */
        size_t *made;
        size_t n_made;
        size_t n_move_mkdirs;
};

static void chain_add(struct walk *w, const struct cg_node *node, size_t dir, bool created)
{
        w->chain = xreallocarray(w->chain, w->n_chain + 1, sizeof(*w->chain));
        w->chain[w->n_chain++] = (struct chain){ node, dir, created };
}

static const struct chain *chain_find(const struct walk *w, const struct cg_node *node)
{
        for (size_t i = 0; i < w->n_chain; i++)
                if (w->chain[i].node == node)
                        return &w->chain[i];
        return NULL;
}

static int cmp_chain(const void *a, const void *b)
{
        uintptr_t x = (uintptr_t)((const struct chain *)a)->node;
        uintptr_t y = (uintptr_t)((const struct chain *)b)->node;
        return x < y ? -1 : x > y;
}

/* a directory the moves planned beneath parent that the image does not hold */
static bool made_find(const struct walk *w, size_t parent, const char *name, size_t len,
                      size_t *ret)
{
        for (size_t i = 0; i < w->n_made; i++) {
                const struct plan_dir *d = &w->plan->dirs[w->made[i]];
                if (d->parent == parent && strlen(d->name) == len &&
                    strncmp(d->name, name, len) == 0) {
                        *ret = w->made[i];
                        return true;
                }
        }
        return false;
}

static size_t path_push(struct walk *w, const char *name)
{
        size_t l = strlen(w->path);
        snprintf(w->path + l, sizeof(w->path) - l, "%s%s", l && w->path[l - 1] != '/' ? "/" : "",
                 name);
        return l;
}

static int precheck(struct walk *w, const struct cg_node *n, const struct observed_node *o)
{
        enum restore_mode mode = w->opts->mode;
        for (size_t i = 0; i < n->n_children; i++) {
                const struct observed_node *co = o && o->children ? &o->children[i] : NULL;
                bool exists = co && co->exists;
                size_t saved = path_push(w, n->children[i].name);
                char esc[512];
                cgbind_escape(w->path, strlen(w->path), esc, sizeof(esc));
                if (!exists && (mode == MODE_PROPS || mode == MODE_NONE))
                        return cgbind_error_set(w->err, CGBIND_PRECONDITION, ENOENT,
                                                "sub-cgroup (%s:%s): missing, and mode %s does "
                                                "not create it",
                                                w->in->label, esc, restore_mode_to_string(mode));
                /* one a killed run of cgbind made is not the workload's */
                if (exists && !co->adopted && mode == MODE_STRICT)
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

static int64_t mem_value(const char *s)
{
        if (prop_value_is_unlimited(s))
                return INT64_MAX;
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
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
static void subtree_delta(const char *want, const char *current, struct strbuf *add,
                          struct strbuf *undo)
{
        strbuf_puts(add, "");
        strbuf_puts(undo, "");
        for (const char *p = want; *p;) {
                size_t l = strcspn(p, " ");
                char name[32];
                if (l > 0 && l < sizeof(name)) {
                        memcpy(name, p, l);
                        name[l] = '\0';
                        if (!current || !controller_list_has(current, name)) {
                                strbuf_appendf(add, "%s+%s", add->len ? " " : "", name);
                                strbuf_appendf(undo, "%s-%s", undo->len ? " " : "", name);
                        }
                }
                p += l;
                p += strspn(p, " ");
        }
}

/* The first token of a line: the device, the resource or the interface. */
static size_t line_key(const char *line, size_t len)
{
        const char *sp = memchr(line, ' ', len);
        return sp ? (size_t)(sp - line) : len;
}

static bool value_has_key(const char *value, const char *key, size_t klen)
{
        for (const char *p = value; *p;) {
                size_t l = strcspn(p, "\n");
                if (line_key(p, l) == klen && strncmp(p, key, klen) == 0)
                        return true;
                p += l;
                p += *p == '\n';
        }
        return false;
}

/* How a rule of one key goes away again, by the file's grammar: a throttle
 * of 0, a per-device weight back to default, every io.max key at max. */
static void reset_line(const struct prop_def *def, const char *key, size_t klen, struct strbuf *out)
{
        strbuf_append(out, key, klen);
        switch (def->grammar) {
        case GRAM_IO_WEIGHT:
                strbuf_puts(out, " default");
                return;
        case GRAM_DEV_KEYS:
        case GRAM_NAME_KEYS:
                for (const char *k = def->keys ? def->keys : ""; *k;) {
                        size_t l = strcspn(k, " ");
                        strbuf_appendf(out, " %.*s=%s", (int)l, k,
                                       streq(def->name, "io.latency") ? "0" : "max");
                        k += l;
                        k += strspn(k, " ");
                }
                return;
        case GRAM_NAME_VALUE:
                strbuf_puts(out, " max");
                return;
        case GRAM_DEV_VALUE:
        case GRAM_IFPRIOMAP:
        case GRAM_NONE:
        case GRAM_INT:
        case GRAM_BOOL:
        case GRAM_CPULIST:
        case GRAM_CPU_MAX:
        case GRAM_PERCENT:
        case GRAM_CONTROLLERS:
        case GRAM_THREADED:
        case GRAM_WORD:
        case GRAM_MAX:
        default:
                strbuf_puts(out, " 0");
                return;
        }
}

/* The undo of a multi-line value: the old lines, and for every key the new
 * value adds (a device the old one had no rule for), the line that removes
 * that rule again. Writing the old lines alone would leave it. */
static const char *multiline_undo(struct walk *w, const struct prop_def *def, const char *old,
                                  const char *value)
{
        struct strbuf sb = { 0 };
        strbuf_puts(&sb, old);
        for (const char *p = value; *p;) {
                size_t l = strcspn(p, "\n");
                size_t k = line_key(p, l);
                if (k && !value_has_key(old, p, k)) {
                        if (sb.len)
                                strbuf_puts(&sb, "\n");
                        reset_line(def, p, k, &sb);
                }
                p += l;
                p += *p == '\n';
        }
        return plan_own(w->plan, sb.buf);
}

/* Emits one property write of a node (or defers it). existed: the node
 * existed, so keep the old value for rollback and skip a write that changes nothing. */
static void emit_prop(struct walk *w, size_t dir, const struct cg_node *n, size_t i,
                      const struct observed_node *o, bool existed)
{
        const struct cg_prop *p = &n->props[i];
        const char *old = existed ? observed_value(o, i) : NULL;

        if (p->def->order == ORDER_SUBTREE) {
                struct strbuf add = { 0 }, undo = { 0 };
                subtree_delta(p->value, old, &add, &undo);
                if (add.len) {
                        const char *u = existed ? plan_own(w->plan, TAKE_PTR(undo.buf)) : NULL;
                        add_op(w->plan, OP_WRITE, dir, p->name,
                               plan_own(w->plan, TAKE_PTR(add.buf)), u, false, 0);
                }
                strbuf_free(&add);
                strbuf_free(&undo);
                return;
        }
        if (existed && old && streq(old, p->value))
                return;
        if (p->def->order == ORDER_LAST) {
                w->deferred = xreallocarray(w->deferred, w->n_deferred + 1, sizeof(*w->deferred));
                w->deferred[w->n_deferred++] = (struct deferred){ dir, p, old };
                return;
        }
        /* cgroup.type cannot go back to "domain": nothing to undo with */
        const char *undo = p->def->order == ORDER_TYPE ? NULL : old;
        if (existed && old && (p->def->flags & PROP_MULTILINE))
                undo = multiline_undo(w, p->def, old, p->value);
        add_op(w->plan, OP_WRITE, dir, p->name, p->value, existed ? undo : NULL,
               p->def->flags & PROP_MULTILINE, 0);
}

static void emit_memory(struct walk *w, size_t dir, const struct cg_node *n,
                        const struct observed_node *o, bool existed)
{
        int li = find_prop(n, "memory.limit_in_bytes");
        int mi = find_prop(n, "memory.memsw.limit_in_bytes");
        /* Raising past the current memsw limit needs memsw raised first;
         * lowering needs the limit lowered first. A new cgroup is unlimited. */
        bool memsw_first = false;
        if (li >= 0 && mi >= 0) {
                const char *cur_memsw = existed ? observed_value(o, (size_t)mi) : NULL;
                memsw_first = mem_value(n->props[li].value) > mem_value(cur_memsw);
        }
        int first = memsw_first ? mi : li, second = memsw_first ? li : mi;
        if (first >= 0)
                emit_prop(w, dir, n, (size_t)first, o, existed);
        if (second >= 0)
                emit_prop(w, dir, n, (size_t)second, o, existed);
}

/* ---- v1 real-time bandwidth ----
 * The kernel checks each write of cpu.rt_runtime_us or cpu.rt_period_us
 * against the tree: a group's runtime per period may not exceed what its
 * parent has left beside the siblings, nor fall below what its children
 * hold (EINVAL both ways). A group whose bandwidth grows (every new group:
 * it starts at runtime 0) is written before its children; one whose
 * bandwidth shrinks after its children, and ahead of every other write of
 * the hierarchy, so that a sibling that grows finds the room given back. */

struct rt_pair {
        int64_t runtime, period; /* runtime -1: unlimited */
        bool known;
};

static int64_t num_or(const char *s, int64_t fallback)
{
        char *end;
        if (!s || !*s)
                return fallback;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        return errno || *end ? fallback : v;
}

static long double rt_bw(const struct rt_pair *p)
{
        if (p->runtime < 0)
                return INFINITY;
        return p->period > 0 ? (long double)p->runtime / (long double)p->period : 0;
}

/* The pair before and after this restore. A new group starts at runtime 0.
 * A value the image does not change is the same before and after, so when
 * it was not observed (the image names only the other file) a stand-in
 * keeps the comparison to the file that changes. */
static void rt_pairs(const struct cg_node *n, const struct observed_node *o, bool existed, int ri,
                     int pi, struct rt_pair *ret_old, struct rt_pair *ret_new)
{
        const char *oldr = existed && ri >= 0 ? observed_value(o, (size_t)ri) : NULL;
        const char *oldp = existed && pi >= 0 ? observed_value(o, (size_t)pi) : NULL;
        struct rt_pair old = { existed ? num_or(oldr, 1) : 0, num_or(oldp, 1000000), true };
        old.known = !existed || ((ri < 0 || oldr) && (pi < 0 || oldp));
        *ret_new = (struct rt_pair){
                ri >= 0 ? num_or(n->props[ri].value, 0) : old.runtime,
                pi >= 0 ? num_or(n->props[pi].value, 0) : old.period,
                true,
        };
        *ret_old = old;
}

/* Within a group, period first unless the state between the two writes
 * (new period, old runtime) would have runtime above period or a bandwidth
 * outside the old and new ones; then runtime first. */
static bool rt_period_first(const struct rt_pair *old, const struct rt_pair *new)
{
        struct rt_pair mid = { old->runtime, new->period, true };
        long double a = rt_bw(old), b = rt_bw(new), m = rt_bw(&mid);
        bool fits = old->runtime < 0 || old->runtime <= new->period;
        return fits && m >= (a < b ? a : b) && m <= (a < b ? b : a);
}

/* Emits a node's cpu.rt_* writes when its bandwidth moves the way given:
 * lowering (then into w->late) or not. */
static void emit_rt(struct walk *w, size_t dir, const struct cg_node *n,
                    const struct observed_node *o, bool existed, bool lowering)
{
        int ri = find_prop(n, "cpu.rt_runtime_us"), pi = find_prop(n, "cpu.rt_period_us");
        if (ri < 0 && pi < 0)
                return;
        struct rt_pair old, new;
        rt_pairs(n, o, existed, ri, pi, &old, &new);
        if (lowering != (existed && old.known && rt_bw(&new) < rt_bw(&old)))
                return;
        bool period_first = !old.known || rt_period_first(&old, &new);
        int first = period_first ? pi : ri, second = period_first ? ri : pi;
        size_t from = w->plan->n_ops;
        if (first >= 0)
                emit_prop(w, dir, n, (size_t)first, o, existed);
        if (second >= 0)
                emit_prop(w, dir, n, (size_t)second, o, existed);
        if (!lowering || w->plan->n_ops == from)
                return;
        size_t k = w->plan->n_ops - from;
        w->late = xreallocarray(w->late, w->n_late + k, sizeof(*w->late));
        memcpy(w->late + w->n_late, w->plan->ops + from, k * sizeof(*w->late));
        w->n_late += k;
        w->plan->n_ops = from;
}

/* The lowering writes, children first, in front of the hierarchy's other
 * operations (at index at): they only touch groups that existed before. */
static void splice_late(struct walk *w, size_t at)
{
        struct plan *plan = w->plan;
        if (w->n_late == 0)
                return;
        plan->ops = xreallocarray(plan->ops, plan->n_ops + w->n_late, sizeof(*plan->ops));
        plan->cap_ops = plan->n_ops + w->n_late;
        memmove(plan->ops + at + w->n_late, plan->ops + at,
                (plan->n_ops - at) * sizeof(*plan->ops));
        memcpy(plan->ops + at, w->late, w->n_late * sizeof(*plan->ops));
        plan->n_ops += w->n_late;
}

/* Writes a node's properties in the kernel's order. all: every property (a
 * created node, or full/props mode); otherwise only what the tree below needs. */
static void emit_props(struct walk *w, size_t dir, const struct cg_node *n,
                       const struct observed_node *o, bool existed, bool all, bool resources)
{
        for (int order = ORDER_TYPE; order < ORDER_MAX; order++) {
                if (order == ORDER_MEMORY) {
                        if (all && resources)
                                emit_memory(w, dir, n, o, existed);
                        continue;
                }
                if (order == ORDER_RT) {
                        if (all && resources)
                                emit_rt(w, dir, n, o, existed, false);
                        continue;
                }
                for (size_t i = 0; i < n->n_props; i++) {
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
                                emit_prop(w, dir, n, i, o, existed);
                }
        }
}

static void visit(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                  size_t parent_dir);

static void visit_children(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                           size_t dir)
{
        for (size_t i = 0; i < n->n_children; i++)
                visit(w, &n->children[i], o && o->children ? &o->children[i] : NULL, dir);
}

static void visit(struct walk *w, const struct cg_node *n, const struct observed_node *o,
                  size_t parent_dir)
{
        size_t dir = PLAN_NO_PARENT;
        bool created = false;

        struct chain key = { .node = n };
        const struct chain *c =
                w->n_chain ? bsearch(&key, w->chain, w->n_chain, sizeof(*w->chain), cmp_chain)
                           : NULL;
        if (c) {
                dir = c->dir;
                created = c->created;
        }
        if (dir == PLAN_NO_PARENT) {
                dir = add_dir(w->plan, parent_dir, w->hier, n->name);
                if (!(o && o->exists)) {
                        add_op(w->plan, OP_MKDIR, parent_dir, n->name, NULL, NULL, false, 0);
                        created = true;
                } else if (o->adopted) {
                        add_op(w->plan, OP_ADOPT, parent_dir, n->name, NULL, NULL, false, 0);
                        created = true;
                }
        }
        enum restore_mode m = w->opts->mode;
        bool tree_only = w->opts->tree_only;
        bool all = !tree_only && (created || m == MODE_FULL || m == MODE_PROPS);
        emit_props(w, dir, n, o, !created, all, !tree_only);
        visit_children(w, n, o, dir);
        if (all)
                emit_rt(w, dir, n, o, !created, true);
}

/* Creates the image's init cgroup (and its parents) and moves the one pid
 * into it, so that the top-level may enable domain controllers. */
static int emit_init_move(struct walk *w, size_t top_dir)
{
        const struct image_hierarchy *h = w->in->image;
        const struct cg_node *n = &h->root;
        const struct observed_node *o = w->in->observed;
        size_t dir = top_dir;

        for (const char *p = h->init; *p;) {
                size_t l = strcspn(p, "/");
                /* the walk of cg_node_at, a step at a time beside the observed tree */
                const struct cg_node *child = n ? cg_node_child(n, p, l) : NULL;
                const struct observed_node *co =
                        child && o && o->children ? &o->children[child - n->children] : NULL;
                /* an init the tree does not hold (CRIU on v2 may record only
                 * the task's own cgroup) is made all the same: its name was
                 * checked with the image */
                const char *name = child ? child->name : plan_own(w->plan, xstrndup(p, l));
                p += l;
                p += strspn(p, "/");
                bool exists = co && co->exists;
                if (!exists && w->opts->mode == MODE_PROPS) {
                        char esc[300];
                        cgbind_escape(h->init, strlen(h->init), esc, sizeof(esc));
                        return cgbind_error_set(w->err, CGBIND_PRECONDITION, ENOENT,
                                                "sub-cgroup (%s:/%s): the init cgroup is missing, "
                                                "and mode props does not create it",
                                                w->in->label, esc);
                }
                /* a directory the moves planned already */
                const struct chain *known = child ? chain_find(w, child) : NULL;
                size_t cdir;
                if (known) {
                        cdir = known->dir;
                } else if (!child && made_find(w, dir, name, strlen(name), &cdir)) {
                        /* (cdir set) */
                } else {
                        cdir = add_dir(w->plan, dir, w->hier, name);
                        bool created = !exists || co->adopted;
                        if (!exists)
                                add_op(w->plan, OP_MKDIR, dir, name, NULL, NULL, false, 0);
                        else if (co->adopted)
                                add_op(w->plan, OP_ADOPT, dir, name, NULL, NULL, false, 0);
                        if (child)
                                chain_add(w, child, cdir, created);
                }
                dir = cdir;
                n = child;
                o = co;
        }
        add_op(w->plan, OP_MOVE_PID, dir, NULL, NULL, NULL, false, top_dir)->pid = w->opts->pid;
        return 0;
}

bool plan_move_path_valid(const char *rel, const char **ret_reason)
{
        size_t depth = 0;
        if (strlen(rel) >= CGBIND_MAX_REL_PATH) {
                *ret_reason = "path longer than 64 names of 255 bytes";
                return false;
        }
        for (const char *p = rel; *p;) {
                size_t l = strcspn(p, "/");
                if (!cgroup_name_valid(p, l, ret_reason))
                        return false;
                if (++depth > CGBIND_MAX_DEPTH) {
                        *ret_reason = "deeper than 64 levels";
                        return false;
                }
                p += l;
                if (*p == '/' && !*++p) {
                        *ret_reason = "empty name";
                        return false;
                }
        }
        return true;
}

/* Paths compared name by name ('/' below every byte of a name): the moves
 * that share leading names are next to each other. */
static const struct plan_move *sort_moves;

static int cmp_move(const void *a, const void *b)
{
        const unsigned char *x = (const unsigned char *)sort_moves[*(const size_t *)a].rel;
        const unsigned char *y = (const unsigned char *)sort_moves[*(const size_t *)b].rel;
        for (;; x++, y++) {
                unsigned cx = *x == '/' ? 1 : *x == 0 ? 0 : *x + 1u;
                unsigned cy = *y == '/' ? 1 : *y == 0 ? 0 : *y + 1u;
                if (cx != cy)
                        return cx < cy ? -1 : 1;
                if (cx == 0)
                        break;
        }
        /* one path: in the caller's order */
        size_t i = *(const size_t *)a, j = *(const size_t *)b;
        return i < j ? -1 : i > j;
}

/* One level of the path the previous move went along. */
struct move_level {
        const char *name;
        size_t len;
        const struct cg_node *node; /* the image's, or NULL */
        const struct observed_node *obs;
        size_t dir;
};

/* The moves, before everything else of the hierarchy: each path made
 * (mkdir, or adopted from a killed run) where it is missing, then the
 * process written into it; undone by moving it back into the top-level,
 * so that the directories can go. Checked first, planned after: a path
 * refused leaves no operation. */
static int emit_moves(struct walk *w, size_t top_dir)
{
        const struct plan_hierarchy_input *in = w->in;
        for (size_t i = 0; i < in->n_moves; i++) {
                const char *reason;
                if (!plan_move_path_valid(in->moves[i].rel, &reason)) {
                        char esc[600];
                        cgbind_escape(in->moves[i].rel, strlen(in->moves[i].rel), esc, sizeof(esc));
                        return cgbind_error_set(w->err, CGBIND_INVALID, EINVAL,
                                                "%s (pid %d): its cgroup (%s:/%s) cannot be "
                                                "made beneath the top-level: %s",
                                                in->moves[i].who ? in->moves[i].who : "process",
                                                (int)in->moves[i].pid, in->label, esc, reason);
                }
        }
        _cleanup_free_ size_t *order = xcalloc(in->n_moves ? in->n_moves : 1, sizeof(size_t));
        for (size_t i = 0; i < in->n_moves; i++)
                order[i] = i;
        sort_moves = in->moves;
        if (in->n_moves > 1)
                qsort(order, in->n_moves, sizeof(size_t), cmp_move);
        struct move_level lv[CGBIND_MAX_DEPTH];
        size_t n_lv = 0;
        for (size_t k = 0; k < in->n_moves; k++) {
                const struct plan_move *mv = &in->moves[order[k]];
                size_t depth = 0, dir = top_dir;
                const struct cg_node *node = &in->image->root;
                const struct observed_node *obs = in->observed;
                for (const char *p = mv->rel; *p; depth++) {
                        size_t l = strcspn(p, "/");
                        if (depth < n_lv && lv[depth].len == l &&
                            strncmp(lv[depth].name, p, l) == 0) {
                                /* the previous move's path, so far */
                                node = lv[depth].node;
                                obs = lv[depth].obs;
                                dir = lv[depth].dir;
                        } else {
                                n_lv = depth;
                                const struct cg_node *child =
                                        node ? cg_node_child(node, p, l) : NULL;
                                const struct observed_node *co =
                                        child && obs && obs->children
                                                ? &obs->children[child - node->children]
                                                : NULL;
                                bool exists = child ? co && co->exists : depth < mv->n_exist;
                                bool adopted =
                                        child ? co && co->adopted : (mv->adopted >> depth) & 1;
                                if (!exists && w->opts->mode == MODE_PROPS) {
                                        char esc[600];
                                        cgbind_escape(mv->rel, strlen(mv->rel), esc, sizeof(esc));
                                        return cgbind_error_set(
                                                w->err, CGBIND_PRECONDITION, ENOENT,
                                                "%s (pid %d): its cgroup (%s:/%s) is missing, and "
                                                "mode props does not create it",
                                                mv->who ? mv->who : "process", (int)mv->pid,
                                                in->label, esc);
                                }
                                const char *name =
                                        child ? child->name : plan_own(w->plan, xstrndup(p, l));
                                size_t cdir = add_dir(w->plan, dir, w->hier, name);
                                bool created = !exists || adopted;
                                if (!exists) {
                                        add_op(w->plan, OP_MKDIR, dir, name, NULL, NULL, false, 0);
                                        if (!child)
                                                w->n_move_mkdirs++;
                                } else if (adopted) {
                                        add_op(w->plan, OP_ADOPT, dir, name, NULL, NULL, false, 0);
                                }
                                if (child) {
                                        chain_add(w, child, cdir, created);
                                } else {
                                        w->made = xreallocarray(w->made, w->n_made + 1,
                                                                sizeof(size_t));
                                        w->made[w->n_made++] = cdir;
                                }
                                lv[depth] = (struct move_level){ p, l, child, co, cdir };
                                n_lv = depth + 1;
                                node = child;
                                obs = co;
                                dir = cdir;
                        }
                        p += l;
                        p += *p == '/';
                }
                /* (deeper levels of the previous path stay: the next path
                 * in this order goes along them or leaves them) */
                n_lv = depth < n_lv ? n_lv : depth;
                struct plan_op *op =
                        add_op(w->plan, OP_MOVE_PID, dir, NULL, NULL, NULL, false, top_dir);
                op->pid = mv->pid;
                op->may_vanish = mv->may_vanish;
        }
        if (w->n_move_mkdirs > w->opts->max_move_dirs)
                return cgbind_error_set(w->err, CGBIND_INVALID, E2BIG,
                                        "%s: the processes to move need %zu sub-cgroups beside "
                                        "the image's, more than the %zu left of the limit "
                                        "(--max-cgroups)",
                                        in->label, w->n_move_mkdirs, w->opts->max_move_dirs);
        return 0;
}

int plan_hierarchy(struct plan *plan, size_t hier, const struct plan_hierarchy_input *in,
                   const struct plan_options *opts, struct cgbind_error *err)
{
        struct walk w = {
                .plan = plan, .hier = hier, .in = in, .opts = opts, .err = err, .path = "/"
        };
        const struct cg_node *root = &in->image->root;
        int r;

        plan->pid = opts->pid;
        if (opts->mode == MODE_IGNORE)
                return 0;
        r = precheck(&w, root, in->observed);
        if (r < 0 || opts->mode == MODE_NONE)
                return r;

        /* During `runc restore`, CRIU itself sits in the v2 top-level while
         * the prestart hook runs: no domain controller can be enabled there
         * until it leaves. Refuse before any change, and say what works. */
        if (in->image->version == CG_V2 && in->other_procs_in_top > 0) {
                int sc = find_prop(root, "cgroup.subtree_control");
                const char *cur = sc >= 0 ? observed_value(in->observed, (size_t)sc) : NULL;
                struct strbuf add = { 0 }, undo = { 0 };
                if (sc >= 0)
                        subtree_delta(root->props[sc].value, cur, &add, &undo);
                bool needs = add.len > 0;
                strbuf_free(&add);
                strbuf_free(&undo);
                if (needs)
                        return cgbind_error_set(
                                err, CGBIND_PRECONDITION, EBUSY,
                                "top-level (%s): %zu other processes share it (CRIU during runc "
                                "restore?), so its controllers cannot be enabled; restore after "
                                "the runtime is done (runtime state ID | cgbind restore --mode "
                                "full "
                                "--image FILE), or at prestart",
                                in->label, in->other_procs_in_top);
        }
        size_t first_op = plan->n_ops, first_dir = plan->n_dirs, first_mkdirs = plan->n_mkdirs;
        size_t top = add_dir(plan, PLAN_NO_PARENT, hier, NULL);
        /* the processes that leave for a sub-cgroup go first (the rule
         * below), and every one of them before the init's own move */
        r = emit_moves(&w, top);
        /* v2's no-internal-process rule: the pid must leave the top-level
         * before the top-level enables controllers for its children. */
        if (r >= 0 && in->image->version == CG_V2 && in->image->init && in->init_in_top &&
            opts->move_init)
                r = emit_init_move(&w, top);
        if (r < 0) {
                /* nothing of this hierarchy stays planned */
                plan->n_ops = first_op;
                plan->n_dirs = first_dir;
                plan->n_mkdirs = first_mkdirs;
                free(w.deferred);
                free(w.chain);
                free(w.made);
                return r;
        }
        if (w.n_chain > 1)
                qsort(w.chain, w.n_chain, sizeof(*w.chain), cmp_chain);
        /* The top-level is the runtime's: only what the children need, and its
         * resource properties with --top-level, as full mode would. */
        bool top_props = opts->top_level && !opts->tree_only;
        emit_props(&w, top, root, in->observed, true, top_props, top_props);
        visit_children(&w, root, in->observed, top);
        if (top_props)
                emit_rt(&w, top, root, in->observed, true, true);
        for (size_t i = 0; i < w.n_deferred; i++) {
                const struct deferred *d = &w.deferred[i];
                add_op(plan, OP_WRITE, d->dir, d->prop->name, d->prop->value, d->undo, false, 0);
        }
        free(w.deferred);
        free(w.chain);
        free(w.made);
        splice_late(&w, first_op);
        free(w.late);
        return 0;
}

/* ---- printing ---- */

/* The names from dir up to (not including) its top-level, innermost first. */
static size_t dir_chain(const struct plan *plan, size_t dir, const char **names, size_t max)
{
        size_t n = 0;
        for (size_t d = dir; plan->dirs[d].parent != PLAN_NO_PARENT && n < max;
             d = plan->dirs[d].parent)
                names[n++] = plan->dirs[d].name;
        return n;
}

int plan_dir_path(const struct plan *plan, size_t dir, char *buf, size_t size)
{
        const char *names[CGBIND_MAX_DEPTH + 2];
        size_t n = dir_chain(plan, dir, names, ARRAY_SIZE(names));
        size_t o = 0;
        if (size == 0)
                return -ENAMETOOLONG;
        buf[0] = '\0';
        while (n-- > 0) {
                int k = snprintf(buf + o, size - o, "%s%s", o ? "/" : "", names[n]);
                if (k < 0 || (size_t)k >= size - o)
                        return -ENAMETOOLONG;
                o += (size_t)k;
        }
        return 0;
}

/* Where an operation is rendered: a bounded line (escaped pieces appended
 * until it is full) or a stream (never cut). Neither allocates. */
struct sink {
        char *buf;
        size_t size, len;
        FILE *file;
};

static void sink_raw(struct sink *l, const char *s)
{
        if (l->file) {
                fputs(s, l->file);
                return;
        }
        size_t n = strlen(s);
        if (l->len + n + 1 > l->size)
                n = l->size > l->len + 1 ? l->size - l->len - 1 : 0;
        memcpy(l->buf + l->len, s, n);
        l->len += n;
        l->buf[l->len] = '\0';
}

static void sink_esc(struct sink *l, const char *s)
{
        if (l->file) {
                char buf[1100];
                /* in pieces: the escape of a piece never needs more than 4 bytes a byte */
                for (size_t n = strlen(s); n > 0;) {
                        size_t k = n < 256 ? n : 256;
                        cgbind_escape(s, k, buf, sizeof(buf));
                        fputs(buf, l->file);
                        s += k;
                        n -= k;
                }
                return;
        }
        if (l->len + 1 >= l->size)
                return;
        cgbind_escape(s, strlen(s), l->buf + l->len, l->size - l->len);
        l->len += strlen(l->buf + l->len);
}

/* base/dir/leaf; with dot, a path that would start at the top-level
 * itself starts with "." ("./memory.max"), as the dry run prints it. */
static void render_path(struct sink *l, const struct plan *plan, size_t dir, const char *base,
                        const char *leaf, bool dot)
{
        const char *names[CGBIND_MAX_DEPTH + 2];
        size_t n = dir_chain(plan, dir, names, ARRAY_SIZE(names));
        bool any = false;
        if (base || (dot && n == 0)) {
                sink_esc(l, base ? base : ".");
                any = true;
        }
        while (n-- > 0) {
                if (any)
                        sink_raw(l, "/");
                sink_esc(l, names[n]);
                any = true;
        }
        if (leaf) {
                if (any)
                        sink_raw(l, "/");
                sink_esc(l, leaf);
        } else if (!any) {
                sink_raw(l, ".");
        }
}

/* The one rendering of an operation: the dry run, the debug log and the
 * error of a failed one. */
static int render_op(struct sink *l, const struct plan *plan, const struct plan_op *op,
                     const char *base)
{
        char pid[32];
        switch (op->kind) {
        case OP_MKDIR:
                sink_raw(l, "mkdir ");
                render_path(l, plan, op->dir, base, op->name, false);
                return 0;
        case OP_ADOPT:
                sink_raw(l, "adopt ");
                render_path(l, plan, op->dir, base, op->name, false);
                sink_raw(l, " (made by a cgbind that was stopped)");
                return 0;
        case OP_WRITE:
                sink_raw(l, "write ");
                render_path(l, plan, op->dir, base, op->name, true);
                sink_raw(l, " = \"");
                sink_esc(l, op->value);
                sink_raw(l, "\"");
                return 0;
        case OP_MOVE_PID:
                snprintf(pid, sizeof(pid), "move pid %d into ", (int)op->pid);
                sink_raw(l, pid);
                render_path(l, plan, op->dir, base, NULL, false);
                return 0;
        case OP_KIND_MAX:
        default:
                sink_raw(l, "?");
                return -EINVAL;
        }
}

/* a cut line says so */
static void sink_mark_cut(struct sink *l)
{
        if (l->len + 1 >= l->size && l->size > 4)
                memcpy(l->buf + l->size - 4, "...", 4);
}

void plan_format_op(const struct plan *plan, const struct plan_op *op, const char *base, char *buf,
                    size_t size)
{
        struct sink l = { .buf = buf, .size = size };
        if (size == 0)
                return;
        buf[0] = '\0';
        render_op(&l, plan, op, base);
        sink_mark_cut(&l);
}

void plan_format_op_path(const struct plan *plan, const struct plan_op *op, const char *base,
                         char *buf, size_t size)
{
        struct sink l = { .buf = buf, .size = size };
        if (size == 0)
                return;
        buf[0] = '\0';
        render_path(&l, plan, op->dir, base, op->kind == OP_MOVE_PID ? "cgroup.procs" : op->name,
                    false);
        sink_mark_cut(&l);
}

int plan_print_op(const struct plan *plan, const struct plan_op *op, FILE *out)
{
        struct sink l = { .file = out };
        if (render_op(&l, plan, op, NULL) < 0)
                return -EINVAL;
        fputc('\n', out);
        return ferror(out) ? -EIO : 0;
}
