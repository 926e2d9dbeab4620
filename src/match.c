/* Image hierarchies -> located hierarchies. The common case is an exact match
 * (same version, same controller set): the tree moves into its target and
 * costs nothing. Otherwise each v1 controller is followed to the hierarchy
 * that carries it here, the parts that land on one hierarchy are merged, and
 * each property goes only where its controller is. Every target owns its
 * tree, so nothing here can free a tree twice. */
#include <stdio.h>

#include "cgbind/match.h"

void match_free(struct match *m)
{
        for (size_t i = 0; i < m->n; i++) {
                image_hierarchy_free(&m->targets[i].image);
                free(m->targets[i].label);
        }
        free(m->targets);
        if (m->arena) {
                arena_free(m->arena);
                free(m->arena);
        }
        *m = (struct match){ 0 };
}

static struct match_target *find_target(struct match *m, const struct located_hierarchy *lh)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->targets[i].located == lh)
                        return &m->targets[i];
        return NULL;
}

static struct match_target *add_target(struct match *m, struct located_hierarchy *lh)
{
        m->targets = xreallocarray(m->targets, m->n + 1, sizeof(*m->targets));
        struct match_target *t = &m->targets[m->n++];
        *t = (struct match_target){ .located = lh };
        t->image.version = lh->version;
        return t;
}

static bool label_has(const struct match_target *t, const char *label)
{
        if (!t->label)
                return false;
        size_t n = strlen(label);
        for (const char *p = t->label; *p;) {
                size_t l = strcspn(p, "+");
                if (l == n && strncmp(p, label, n) == 0)
                        return true;
                p += l;
                p += strspn(p, "+");
        }
        return false;
}

static void append_label(struct match_target *t, const char *label)
{
        size_t old = t->label ? strlen(t->label) : 0;
        t->label = xrealloc(t->label, old + strlen(label) + 2);
        if (old)
                t->label[old++] = '+';
        strcpy(t->label + old, label);
}

static struct located_hierarchy *find_carrier(struct located *loc, const char *controller,
                                              struct located_hierarchy **ret_refused)
{
        for (size_t i = 0; i < loc->n; i++) {
                struct located_hierarchy *h = &loc->h[i];
                if (h->version != CG_V1 || !controller_list_has(h->controllers, controller))
                        continue;
                if (located_usable(h))
                        return h;
                *ret_refused = h;
        }
        return NULL;
}

/* A hierarchy or controller the container lacks: status 3, or with
 * --skip-missing a warning. */
static int missing(const char *msg, bool skip_missing, match_warn_fn warn, void *userdata,
                   struct cgbind_error *err)
{
        if (!skip_missing)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ENOENT, "%s", msg);
        if (warn) {
                char full[1100];
                snprintf(full, sizeof(full), "%s; skipped (--skip-missing)", msg);
                warn(full, userdata);
        }
        return 0;
}

/* ---- the routing: which located hierarchies each image hierarchy lands on ----
 *
 * One rule for both the cap (match_count) and the fan-out (match_image):
 * in the image's order, a hierarchy goes whole to its exact counterpart
 * when that is usable and not already a target; a v2 one goes nowhere
 * else; a v1 one is split, each controller to the hierarchy that carries
 * it here (or missing). */

enum route_kind {
        ROUTE_EXACT,   /* whole, to one located hierarchy */
        ROUTE_SPLIT,   /* v1, per controller */
        ROUTE_TWICE,   /* v2 whose counterpart is already a target */
        ROUTE_MISSING, /* v2 without a usable counterpart */
};

struct route_part {
        char controller[CGBIND_MAX_CONTROLLER_NAME + 1];
        struct located_hierarchy *carrier; /* NULL: none usable */
        struct located_hierarchy *refused; /* one that carries it but was refused */
};

struct route {
        enum route_kind kind;
        struct located_hierarchy *lh; /* EXACT: the target; MISSING: the refused one or NULL */
        struct route_part *parts;     /* SPLIT */
        size_t n_parts;
};

static void routes_free(struct route *routes, size_t n)
{
        for (size_t i = 0; routes && i < n; i++)
                free(routes[i].parts);
        free(routes);
}

static bool in_list(struct located_hierarchy *const *list, size_t n,
                    const struct located_hierarchy *h)
{
        for (size_t i = 0; i < n; i++)
                if (list[i] == h)
                        return true;
        return false;
}

static struct route *route_image(const struct cgbind_image *img, struct located *loc)
{
        struct route *routes =
                xcalloc(img->n_hierarchies ? img->n_hierarchies : 1, sizeof(*routes));
        /* the targets so far, in the order match_image makes them */
        _cleanup_free_ struct located_hierarchy **targets = xcalloc(loc->n + 1, sizeof(*targets));
        size_t n_targets = 0;
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *ih = &img->hierarchies[i];
                struct route *rt = &routes[i];
                struct located_hierarchy *lh = locate_find(loc, ih->version, ih->controllers);
                if (located_usable(lh) && !in_list(targets, n_targets, lh)) {
                        rt->kind = ROUTE_EXACT;
                        rt->lh = lh;
                        targets[n_targets++] = lh;
                } else if (ih->version == CG_V2) {
                        rt->kind = located_usable(lh) ? ROUTE_TWICE : ROUTE_MISSING;
                        rt->lh = lh;
                } else {
                        rt->kind = ROUTE_SPLIT;
                        rt->parts = xcalloc(CGBIND_MAX_CONTROLLERS, sizeof(*rt->parts));
                        for (const char *p = ih->controllers;
                             *p && rt->n_parts < CGBIND_MAX_CONTROLLERS;) {
                                size_t l = strcspn(p, ",");
                                struct route_part *part = &rt->parts[rt->n_parts++];
                                snprintf(part->controller, sizeof(part->controller), "%.*s", (int)l,
                                         p);
                                p += l;
                                p += strspn(p, ",");
                                part->carrier = find_carrier(loc, part->controller, &part->refused);
                                if (part->carrier && !in_list(targets, n_targets, part->carrier) &&
                                    n_targets < loc->n)
                                        targets[n_targets++] = part->carrier;
                        }
                }
        }
        return routes;
}

/* An image hierarchy whose exact counterpart is here: its tree moves. */
static void match_exact(struct match *m, struct image_hierarchy *ih, struct located_hierarchy *lh,
                        const char *label)
{
        struct match_target *t = add_target(m, lh);
        append_label(t, label);
        t->image = *ih;
        *ih = (struct image_hierarchy){ .version = ih->version };
}

/* A v1 image hierarchy without an exact counterpart: each of its
 * controllers goes to the hierarchy that carries it here. */
static int match_split(struct match *m, const struct image_hierarchy *ih, const struct route *rt,
                       const char *label, bool skip_missing, match_warn_fn warn, void *userdata,
                       struct cgbind_error *err)
{
        for (size_t i = 0; i < rt->n_parts; i++) {
                const struct route_part *part = &rt->parts[i];
                struct located_hierarchy *carrier = part->carrier;
                if (!carrier) {
                        char msg[1024];
                        snprintf(msg, sizeof(msg), "hierarchy (%s): controller %s%s%s", label,
                                 part->controller, part->refused ? ": " : " ",
                                 part->refused ? part->refused->refused
                                               : "is not bound into the container");
                        int r = missing(msg, skip_missing, warn, userdata, err);
                        if (r < 0)
                                return r;
                        continue;
                }
                struct match_target *t = find_target(m, carrier);
                if (!t) {
                        t = add_target(m, carrier);
                        t->image.controllers = xstrdup(carrier->controllers);
                }
                /* one image hierarchy may reach a carrier through two
                 * controllers: it is merged there once */
                if (label_has(t, label))
                        continue;
                if (ih->init && !t->image.init)
                        t->image.init = xstrdup(ih->init);
                cg_node_merge(&t->image.root, &ih->root, carrier->controllers);
                append_label(t, label);
        }
        return 0;
}

/* A hugetlb property of a size the host does not have ("hugetlb.1GB.max"
 * on a host with 2MB pages only) in n or below, or NULL. */
static const struct cg_prop *foreign_hugepage(const struct cg_node *n, const char *sizes)
{
        for (size_t i = 0; i < n->n_props; i++) {
                const struct cg_prop *p = &n->props[i];
                if (!(p->def->flags & PROP_PATTERN))
                        continue;
                /* the pattern is "hugetlb.*.<file>": the size is the second part */
                const char *size = strchr(p->name, '.') + 1;
                char name[32];
                snprintf(name, sizeof(name), "%.*s", (int)strcspn(size, "."), size);
                if (!controller_list_has(sizes, name))
                        return p;
        }
        for (size_t i = 0; i < n->n_children; i++) {
                const struct cg_prop *p = foreign_hugepage(&n->children[i], sizes);
                if (p)
                        return p;
        }
        return NULL;
}

/* Huge page sizes are a host fact (locate_hugepage_sizes): an image names
 * only sizes this host has, so that what validation accepts is bounded by
 * the host, not by every 1-4 digit size (issue 23.6). */
static int check_hugepage_sizes(const struct match *m, const struct located *loc,
                                struct cgbind_error *err)
{
        if (!loc->hugepage_sizes)
                return 0;
        for (size_t i = 0; i < m->n; i++) {
                const struct cg_prop *p =
                        foreign_hugepage(&m->targets[i].image.root, loc->hugepage_sizes);
                if (p)
                        return cgbind_error_set_escaped(
                                err, CGBIND_PRECONDITION, ENOENT,
                                "hierarchy (%s): property %s: the host has no such huge page "
                                "size (it has: %s)",
                                m->targets[i].label, p->name,
                                loc->hugepage_sizes[0] ? loc->hugepage_sizes : "none");
        }
        return 0;
}

int match_image(struct cgbind_image *img, struct located *loc, bool skip_missing,
                match_warn_fn warn, void *userdata, struct match *ret, struct cgbind_error *err)
{
        struct match m = { 0 };
        int r = 0;
        struct route *routes = route_image(img, loc);

        for (size_t i = 0; r >= 0 && i < img->n_hierarchies; i++) {
                struct image_hierarchy *ih = &img->hierarchies[i];
                const struct route *rt = &routes[i];
                char label[CGBIND_MAX_CONTROLLERS * (CGBIND_MAX_CONTROLLER_NAME + 1) + 1];
                snprintf(label, sizeof(label), "%s", image_hierarchy_label(ih));
                char msg[1024];
                switch (rt->kind) {
                case ROUTE_EXACT:
                        match_exact(&m, ih, rt->lh, label);
                        break;
                case ROUTE_TWICE:
                        r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                             "hierarchy (%s): named twice", label);
                        break;
                case ROUTE_MISSING:
                        snprintf(msg, sizeof(msg), "hierarchy (%s): %s", label,
                                 rt->lh ? rt->lh->refused : "not bound into the container");
                        r = missing(msg, skip_missing, warn, userdata, err);
                        break;
                case ROUTE_SPLIT:
                default:
                        r = match_split(&m, ih, rt, label, skip_missing, warn, userdata, err);
                        break;
                }
        }
        routes_free(routes, img->n_hierarchies);
        /* a tree that moved keeps the image's arena alive */
        bool moved = false;
        for (size_t i = 0; i < m.n; i++)
                moved |= m.targets[i].image.arena_tree;
        if (moved)
                m.arena = TAKE_PTR(img->arena);
        image_free(img);
        if (r >= 0)
                r = check_hugepage_sizes(&m, loc, err);
        if (r < 0) {
                match_free(&m);
                return r;
        }
        for (size_t i = 0; i < m.n; i++) {
                m.targets[i].n_nodes = cg_node_count(&m.targets[i].image.root);
                m.n_nodes += m.targets[i].n_nodes;
        }
        *ret = m;
        return 0;
}

/* Leaves out of n what needs a controller outside avail; the controllers
 * that cost something go into lost. In place: the tree may live in an arena. */
static size_t drop_unavailable(struct cg_node *n, const char *avail, bool arena,
                               struct strbuf *lost)
{
        size_t dropped = 0, kept = 0;
        for (size_t i = 0; i < n->n_props; i++) {
                struct cg_prop *p = &n->props[i];
                const char *c = p->def->controller;
                if (c && !controller_list_has(avail, c)) {
                        if (!controller_list_has(lost->buf ? lost->buf : "", c))
                                strbuf_appendf(lost, "%s%s", lost->len ? " " : "", c);
                        dropped++;
                        if (!arena) {
                                free(p->name);
                                free(p->value);
                        }
                        continue;
                }
                if (streq(p->name, "cgroup.subtree_control")) {
                        /* the kept names, written back over the value: never longer */
                        char *w = p->value;
                        for (const char *r = p->value; *r;) {
                                size_t l = strcspn(r, " ");
                                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                                snprintf(name, sizeof(name), "%.*s", (int)l, r);
                                r += l;
                                r += strspn(r, " ");
                                if (!l)
                                        continue;
                                if (!controller_list_has(avail, name)) {
                                        if (!controller_list_has(lost->buf ? lost->buf : "", name))
                                                strbuf_appendf(lost, "%s%s", lost->len ? " " : "",
                                                               name);
                                        dropped++;
                                        continue;
                                }
                                if (w != p->value)
                                        *w++ = ' ';
                                memmove(w, name, strlen(name));
                                w += strlen(name);
                        }
                        *w = '\0';
                }
                n->props[kept++] = *p;
        }
        n->n_props = kept;
        for (size_t i = 0; i < n->n_children; i++)
                dropped += drop_unavailable(&n->children[i], avail, arena, lost);
        return dropped;
}

int match_available(struct match *m, bool strict, match_warn_fn warn, void *userdata,
                    struct cgbind_error *err)
{
        for (size_t i = 0; i < m->n; i++) {
                struct match_target *t = &m->targets[i];
                const char *avail = t->located->available;
                if (t->image.version != CG_V2 || !avail)
                        continue;
                struct strbuf lost = { 0 };
                size_t n = drop_unavailable(&t->image.root, avail, t->image.arena_tree, &lost);
                if (!n)
                        continue;
                char msg[900];
                snprintf(msg, sizeof(msg),
                         "hierarchy (%s): controller %s not available to the container's cgroup "
                         "(its cgroup.controllers: %s; a rootless user has those systemd "
                         "delegates)",
                         t->label, lost.buf, *avail ? avail : "none");
                strbuf_free(&lost);
                if (strict)
                        return cgbind_error_set_escaped(err, CGBIND_PRECONDITION, ENOENT,
                                                        "%s: refused (strict), nothing changed",
                                                        msg);
                if (warn) {
                        char full[1000];
                        snprintf(full, sizeof(full), "%s: %zu settings left out", msg, n);
                        warn(full, userdata);
                }
        }
        return 0;
}

size_t match_count(const struct cgbind_image *img, struct located *loc, size_t *ret_targets)
{
        struct route *routes = route_image(img, loc);
        _cleanup_free_ struct located_hierarchy **seen = xcalloc(loc->n + 1, sizeof(*seen));
        size_t n_seen = 0, total = 0;
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct route *rt = &routes[i];
                size_t nodes = cg_node_count(&img->hierarchies[i].root), n_mine = 0;
                struct located_hierarchy *mine[CGBIND_MAX_CONTROLLERS + 1];
                if (rt->kind == ROUTE_EXACT)
                        mine[n_mine++] = rt->lh;
                for (size_t k = 0; rt->kind == ROUTE_SPLIT && k < rt->n_parts; k++)
                        if (rt->parts[k].carrier && !in_list(mine, n_mine, rt->parts[k].carrier))
                                mine[n_mine++] = rt->parts[k].carrier;
                /* trees that land on one hierarchy count whole: at most */
                total += nodes * n_mine;
                for (size_t k = 0; k < n_mine; k++)
                        if (!in_list(seen, n_seen, mine[k]) && n_seen < loc->n)
                                seen[n_seen++] = mine[k];
        }
        routes_free(routes, img->n_hierarchies);
        if (ret_targets)
                *ret_targets = n_seen;
        return total;
}
