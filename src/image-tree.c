/* The image tree: building and freeing it, the one validation pass every
 * image goes through (image_validate), and writing it as native JSON. The
 * readers are image.c (which dispatches), image-native.c and criu-image.c; all
 * three use this file, and it uses none of them. */
#include <stdio.h>

#include "image-internal.h"

/* ---- the tree ---- */

void cg_node_free(struct cg_node *n)
{
        for (size_t i = 0; i < n->n_props; i++) {
                free(n->props[i].name);
                free(n->props[i].value);
        }
        free(n->props);
        for (size_t i = 0; i < n->n_children; i++)
                cg_node_free(&n->children[i]);
        free(n->children);
        free(n->name);
        *n = (struct cg_node){ 0 };
}

void image_hierarchy_free(struct image_hierarchy *h)
{
        free(h->controllers);
        free(h->init);
        if (!h->arena_tree)
                cg_node_free(&h->root);
        *h = (struct image_hierarchy){ 0 };
}

void image_free(struct cgbind_image *img)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                image_hierarchy_free(&img->hierarchies[i]);
        free(img->hierarchies);
        free(img->created);
        free(img->container_id);
        if (img->arena) {
                arena_free(img->arena);
                free(img->arena);
        }
        *img = (struct cgbind_image){ 0 };
}

const char *image_hierarchy_label(const struct image_hierarchy *h)
{
        return cg_label(h->version, h->controllers);
}

void cg_node_add_prop(struct cg_node *n, const struct prop_def *def, const char *name,
                      const char *value)
{
        n->props = xreallocarray(n->props, n->n_props + 1, sizeof(*n->props));
        n->props[n->n_props++] = (struct cg_prop){
                .name = xstrdup(name),
                .value = xstrdup(value),
                .def = def,
        };
}

struct cg_node *cg_node_add_child(struct cg_node *n, const char *name)
{
        n->children = xreallocarray(n->children, n->n_children + 1, sizeof(*n->children));
        struct cg_node *c = &n->children[n->n_children++];
        *c = (struct cg_node){ .name = xstrdup(name) };
        return c;
}

static int cmp_name_ptr(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool sorted_has(const char *const *sorted, size_t n, const char *name)
{
        return n && bsearch(&name, sorted, n, sizeof(*sorted), cmp_name_ptr);
}

/* The names of a node's properties (or children), sorted: the duplicate
 * checks and the merge look names up in O(log n), never pairwise (issue
 * 23.6: 60 000 properties in one node cost minutes pairwise). */
static const char **prop_names_sorted(const struct cg_node *n)
{
        const char **names = xcalloc(n->n_props ? n->n_props : 1, sizeof(*names));
        for (size_t i = 0; i < n->n_props; i++)
                names[i] = n->props[i].name;
        qsort(names, n->n_props, sizeof(*names), cmp_name_ptr);
        return names;
}

/* A node's children by name, sorted, with their index in the node: the
 * names point at the children's own strings, which stay where they are
 * when the array of children grows. */
struct named {
        const char *name;
        size_t idx;
};

static int cmp_named(const void *a, const void *b)
{
        return strcmp(((const struct named *)a)->name, ((const struct named *)b)->name);
}

static struct named *children_sorted(const struct cg_node *n)
{
        struct named *v = xcalloc(n->n_children ? n->n_children : 1, sizeof(*v));
        for (size_t i = 0; i < n->n_children; i++)
                v[i] = (struct named){ n->children[i].name, i };
        qsort(v, n->n_children, sizeof(*v), cmp_named);
        return v;
}

/* Names in strictly ascending order repeat none: what cgbind writes (save
 * lists each directory in order) is checked in one pass, with no copy and
 * no sort. */
static bool props_ascending(const struct cg_node *n)
{
        for (size_t i = 1; i < n->n_props; i++)
                if (strcmp(n->props[i - 1].name, n->props[i].name) >= 0)
                        return false;
        return true;
}

static bool children_ascending(const struct cg_node *n)
{
        for (size_t i = 1; i < n->n_children; i++)
                if (strcmp(n->children[i - 1].name, n->children[i].name) >= 0)
                        return false;
        return true;
}

static const char *first_repeat(const char *const *sorted, size_t n)
{
        for (size_t i = 1; i < n; i++)
                if (streq(sorted[i - 1], sorted[i]))
                        return sorted[i];
        return NULL;
}

void cg_node_merge(struct cg_node *dst, const struct cg_node *src, const char *controllers)
{
        _cleanup_free_ const char **have = prop_names_sorted(dst);
        size_t n_have = dst->n_props;
        for (size_t i = 0; i < src->n_props; i++) {
                const struct cg_prop *p = &src->props[i];
                bool keep = !controllers || !p->def->controller ||
                            controller_list_has(controllers, p->def->controller);
                /* dst's own properties win; src names each one once
                 * (validated), so what it adds need not be looked up */
                if (keep && !sorted_has(have, n_have, p->name))
                        cg_node_add_prop(dst, p->def, p->name, p->value);
        }
        /* the first tree merged into an empty node needs no name search */
        bool was_empty = dst->n_children == 0;
        if (was_empty && src->n_children)
                dst->children = xcalloc(src->n_children, sizeof(*dst->children));
        /* the children dst had before, by name (src's own are distinct) */
        size_t n_old = dst->n_children;
        _cleanup_free_ struct named *old = was_empty ? NULL : children_sorted(dst);
        for (size_t i = 0; i < src->n_children; i++) {
                const struct cg_node *sc = &src->children[i];
                struct cg_node *dc = NULL;
                struct named key = { sc->name, 0 };
                const struct named *hit =
                        old && n_old ? bsearch(&key, old, n_old, sizeof(*old), cmp_named) : NULL;
                if (hit)
                        dc = &dst->children[hit->idx];
                else if (was_empty) {
                        dc = &dst->children[dst->n_children++];
                        dc->name = xstrdup(sc->name);
                } else {
                        dc = cg_node_add_child(dst, sc->name);
                }
                cg_node_merge(dc, sc, controllers);
        }
}

/* Sorting keeps this O(n log n): a fan-out of 100 000 must not take minutes. */
const char *cg_node_find_duplicate(const struct cg_node *node)
{
        if (node->n_children < 2 || children_ascending(node))
                return NULL;
        _cleanup_free_ struct named *v = children_sorted(node);
        for (size_t i = 1; i < node->n_children; i++)
                if (streq(v[i - 1].name, v[i].name))
                        return v[i].name;
        return NULL;
}

const struct cg_node *cg_node_child(const struct cg_node *n, const char *name, size_t len)
{
        for (size_t i = 0; i < n->n_children; i++)
                if (strlen(n->children[i].name) == len &&
                    strncmp(n->children[i].name, name, len) == 0)
                        return &n->children[i];
        return NULL;
}

const struct cg_node *cg_node_at(const struct cg_node *n, const char *path)
{
        const char *p = path + strspn(path, "/");
        while (*p && n) {
                size_t l = strcspn(p, "/");
                n = cg_node_child(n, p, l);
                p += l;
                p += strspn(p, "/");
        }
        return n;
}

size_t cg_node_count(const struct cg_node *n)
{
        size_t c = n->n_children;
        for (size_t i = 0; i < n->n_children; i++)
                c += cg_node_count(&n->children[i]);
        return c;
}

/* ---- validation ---- */

struct validate_ctx {
        struct cgbind_error *err;
        const struct image_hierarchy *h;
        size_t n_nodes;
        char path[CGBIND_MAX_PATH + 16]; /* below the top-level, for messages */
};

static int invalid(struct validate_ctx *c, const char *fmt, ...) _printf_(2, 3);
static int invalid(struct validate_ctx *c, const char *fmt, ...)
{
        char reason[600];
        va_list ap;
        va_start(ap, fmt);
        cgbind_format_escaped(reason, sizeof(reason), fmt, ap);
        va_end(ap);
        char where[400];
        cgbind_escape(c->path, strlen(c->path), where, sizeof(where));
        const char *label = c->h && c->h->controllers ? image_hierarchy_label(c->h) : "?";
        return cgbind_error_set(c->err, CGBIND_INVALID, EINVAL, "image (%s:%s): %s",
                                label[0] ? label : "?", where, reason);
}

static bool controller_name_ok(const char *s, size_t n)
{
        return n > 0 && n <= CGBIND_MAX_CONTROLLER_NAME &&
               strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_=-") == n;
}

/* A v2 cgroup.subtree_control names only controllers the hierarchy
 * declares: what the caps count (a memory cgroup per sub-cgroup) follows
 * from the declared list. The first one outside it, or NULL. */
static const char *controller_outside(const struct image_hierarchy *h, const struct prop_def *def,
                                      const char *value, char *name, size_t size)
{
        if (def->grammar != GRAM_CONTROLLERS)
                return NULL;
        for (const char *p = value; *p;) {
                size_t l = strcspn(p, " ");
                /* the grammar has checked each name's length */
                if (l > 0 && l < size) {
                        memcpy(name, p, l);
                        name[l] = '\0';
                        if (!controller_list_has(h->controllers, name))
                                return name;
                }
                p += l;
                p += strspn(p, " ");
        }
        return NULL;
}

static int validate_props(struct validate_ctx *c, const struct cg_node *n)
{
        if (n->n_props > CGBIND_MAX_PROPS)
                return invalid(c, "more than %d properties in one cgroup", CGBIND_MAX_PROPS);
        if (n->n_props > 1 && !props_ascending(n)) {
                _cleanup_free_ const char **names = prop_names_sorted(n);
                const char *dup = first_repeat(names, n->n_props);
                if (dup)
                        return invalid(c, "property %s given twice", dup);
        }
        for (size_t i = 0; i < n->n_props; i++) {
                const struct cg_prop *p = &n->props[i];
                const char *reason = prop_never_reason(p->name);
                if (reason)
                        return invalid(c, "property %s is never written by cgbind: %s", p->name,
                                       reason);
                const struct prop_def *def = prop_lookup(c->h->version, p->name);
                if (!def || def != p->def)
                        return invalid(c, "property %s is not in the allowlist", p->name);
                if (def->controller && !controller_list_has(c->h->controllers, def->controller))
                        return invalid(c,
                                       "property %s belongs to a controller this hierarchy "
                                       "does not have",
                                       p->name);
                if (prop_check_value(def, p->value, NULL, &reason) < 0)
                        return invalid(c, "value of %s: %s", p->name, reason);
                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                const char *outside = controller_outside(c->h, def, p->value, name, sizeof(name));
                if (outside)
                        return invalid(c,
                                       "value of %s: controller %s is not one of the "
                                       "hierarchy's controllers",
                                       p->name, outside);
        }
        return 0;
}

static int validate_node(struct validate_ctx *c, const struct cg_node *n, size_t depth)
{
        int r = validate_props(c, n);
        if (r < 0)
                return r;
        if (n->n_children && depth + 1 > CGBIND_MAX_DEPTH)
                return invalid(c, "tree deeper than %d levels", CGBIND_MAX_DEPTH);
        size_t plen = strlen(c->path);
        for (size_t i = 0; i < n->n_children; i++) {
                const struct cg_node *ch = &n->children[i];
                const char *reason;
                if (!ch->name)
                        return invalid(c, "a sub-cgroup without a name");
                if (!cgroup_name_valid(ch->name, strlen(ch->name), &reason))
                        return invalid(c, "sub-cgroup name \"%s\": %s", ch->name, reason);
                if (++c->n_nodes > CGBIND_MAX_NODES)
                        return invalid(c, "more than %d sub-cgroups", CGBIND_MAX_NODES);
                /* the path is for messages: a deep one is cut, never overrun */
                snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen > 1 ? "/" : "",
                         ch->name);
                r = validate_node(c, ch, depth + 1);
                c->path[plen] = '\0';
                if (r < 0)
                        return r;
        }
        const char *dup = cg_node_find_duplicate(n);
        if (dup)
                return invalid(c, "sub-cgroup \"%s\" appears twice", dup);
        return 0;
}

static int validate_init(struct validate_ctx *c, const char *init)
{
        size_t depth = 0;
        if (!init)
                return 0;
        if (strlen(init) > CGBIND_MAX_PATH)
                return invalid(c, "\"init\" is longer than %d bytes", CGBIND_MAX_PATH);
        for (const char *p = init;;) {
                size_t l = strcspn(p, "/");
                const char *reason;
                if (!cgroup_name_valid(p, l, &reason))
                        return invalid(c, "\"init\" %s is not a relative path of sub-cgroups: %s",
                                       init, reason);
                if (++depth > CGBIND_MAX_DEPTH)
                        return invalid(c, "\"init\" is deeper than %d levels", CGBIND_MAX_DEPTH);
                p += l;
                if (!*p)
                        return 0;
                p++; /* one '/': "a//b" and "a/" fail as an empty name */
        }
}

static bool hierarchies_overlap(const struct image_hierarchy *a, const struct image_hierarchy *b)
{
        if (a->version != b->version)
                return false;
        if (a->version == CG_V2)
                return true;
        for (const char *p = a->controllers; *p;) {
                size_t l = strcspn(p, ",");
                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                if (l < sizeof(name)) {
                        memcpy(name, p, l);
                        name[l] = '\0';
                        if (controller_list_has(b->controllers, name))
                                return true;
                }
                p += l;
                p += strspn(p, ",");
        }
        return false;
}

static int validate_controllers(struct validate_ctx *c, const struct image_hierarchy *h)
{
        size_t n = 0;
        if (!h->controllers)
                return invalid(c, "no controllers");
        for (const char *p = h->controllers; *p;) {
                size_t l = strcspn(p, ",");
                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                if (!controller_name_ok(p, l))
                        return invalid(c, "a controller name is not valid");
                memcpy(name, p, l);
                name[l] = '\0';
                if (h->version == CG_V2 && !v2_controller_known(name))
                        return invalid(c, "controller \"%s\" is not a cgroup v2 controller", name);
                if (++n > CGBIND_MAX_CONTROLLERS)
                        return invalid(c, "more than %d controllers", CGBIND_MAX_CONTROLLERS);
                p += l;
                if (*p == ',')
                        p++;
        }
        if (h->version == CG_V1 && n == 0)
                return invalid(c, "a cgroup v1 hierarchy needs its controllers");
        return 0;
}

int image_validate(struct cgbind_image *img, struct cgbind_error *err)
{
        struct validate_ctx c = { .err = err };
        int r;

        if (img->n_hierarchies > CGBIND_MAX_HIERARCHIES)
                return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                        "image (hierarchies): more than %d",
                                        CGBIND_MAX_HIERARCHIES);
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                c.h = h;
                snprintf(c.path, sizeof(c.path), "/");
                if (h->version != CG_V1 && h->version != CG_V2)
                        return invalid(&c, "not a cgroup version");
                r = validate_controllers(&c, h);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < i; k++)
                        if (hierarchies_overlap(&img->hierarchies[k], h))
                                return invalid(&c, "a hierarchy named twice, or controllers "
                                                   "shared with another hierarchy");
                if (h->root.name)
                        return invalid(&c, "the top-level cgroup has no name");
                r = validate_init(&c, h->init);
                if (r < 0)
                        return r;
                r = validate_node(&c, &h->root, 0);
                if (r < 0)
                        return r;
        }
        img->n_nodes = c.n_nodes;
        return 0;
}

/* ---- shared by the readers ---- */

int image_controllers(const char *where, char *list, char **ret, struct cgbind_error *err)
{
        if (controllers_canonical(list, ret) < 0)
                return cgbind_error_set_escaped(err, CGBIND_INVALID, E2BIG,
                                                "image (%s): more than %d controllers", where,
                                                CGBIND_MAX_CONTROLLERS);
        return 0;
}

/* ---- writing ----
 * Our own writer, not yajl_gen: yajl_gen stops at 128 levels of nesting, and
 * an image of 64 cgroup levels is about 130 deep. Strings are valid UTF-8
 * (image_validate and the readers check it); only the characters JSON must
 * escape are escaped. */

static void json_str(struct strbuf *out, const char *s)
{
        static const char hex[] = "0123456789abcdef";
        strbuf_puts(out, "\"");
        size_t start = 0, i;
        for (i = 0; s[i]; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
                        continue;
                strbuf_append(out, s + start, i - start);
                start = i + 1;
                switch (c) {
                case '"':
                        strbuf_puts(out, "\\\"");
                        break;
                case '\\':
                        strbuf_puts(out, "\\\\");
                        break;
                case '\n':
                        strbuf_puts(out, "\\n");
                        break;
                case '\t':
                        strbuf_puts(out, "\\t");
                        break;
                default: {
                        char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                        strbuf_append(out, u, 6);
                        break;
                }
                }
        }
        strbuf_append(out, s + start, i - start);
        strbuf_puts(out, "\"");
}

static void indent(struct strbuf *out, size_t level)
{
        static const char spaces[] = "                                ";
        for (size_t n = level * 2; n > 0;) {
                size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
                strbuf_append(out, spaces, k);
                n -= k;
        }
}

static void write_node(struct strbuf *out, const struct cg_node *n, size_t level)
{
        strbuf_puts(out, "{\n");
        if (n->name) {
                indent(out, level + 1);
                strbuf_puts(out, "\"name\": ");
                json_str(out, n->name);
                strbuf_puts(out, ",\n");
        }
        indent(out, level + 1);
        strbuf_puts(out, "\"properties\": {");
        for (size_t i = 0; i < n->n_props; i++) {
                strbuf_puts(out, i ? ",\n" : "\n");
                indent(out, level + 2);
                json_str(out, n->props[i].name);
                strbuf_puts(out, ": ");
                json_str(out, n->props[i].value);
        }
        if (n->n_props) {
                strbuf_puts(out, "\n");
                indent(out, level + 1);
        }
        strbuf_puts(out, "},\n");
        indent(out, level + 1);
        strbuf_puts(out, "\"children\": [");
        for (size_t i = 0; i < n->n_children; i++) {
                strbuf_puts(out, i ? ",\n" : "\n");
                indent(out, level + 2);
                write_node(out, &n->children[i], level + 2);
        }
        if (n->n_children) {
                strbuf_puts(out, "\n");
                indent(out, level + 1);
        }
        strbuf_puts(out, "]\n");
        indent(out, level);
        strbuf_puts(out, "}");
}

int image_write_json(const struct cgbind_image *img, struct strbuf *out, struct cgbind_error *err)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                if (img->hierarchies[i].root.name)
                        return cgbind_error_set(err, CGBIND_FAILED, EINVAL,
                                                "image: a top-level cgroup with a name");
        strbuf_appendf(out, "{\n  \"cgbind\": %d,\n", CGBIND_IMAGE_VERSION);
        if (img->created) {
                strbuf_puts(out, "  \"created\": ");
                json_str(out, img->created);
                strbuf_puts(out, ",\n");
        }
        if (img->container_id) {
                strbuf_puts(out, "  \"container\": {\n    \"id\": ");
                json_str(out, img->container_id);
                strbuf_puts(out, "\n  },\n");
        }
        strbuf_puts(out, "  \"hierarchies\": [");
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                strbuf_puts(out, i ? ",\n" : "\n");
                strbuf_appendf(out, "    {\n      \"type\": \"%s\",\n      \"controllers\": [",
                               h->version == CG_V2 ? "cgroup2" : "cgroup");
                size_t k = 0;
                for (const char *p = h->controllers; *p; k++) {
                        size_t l = strcspn(p, ",");
                        char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                        snprintf(name, sizeof(name), "%.*s", (int)l, p);
                        strbuf_puts(out, k ? ", " : "");
                        json_str(out, name);
                        p += l;
                        p += strspn(p, ",");
                }
                strbuf_puts(out, "],\n");
                if (h->init) {
                        strbuf_puts(out, "      \"init\": ");
                        json_str(out, h->init);
                        strbuf_puts(out, ",\n");
                }
                strbuf_puts(out, "      \"root\": ");
                write_node(out, &h->root, 3);
                strbuf_puts(out, "\n    }");
        }
        strbuf_puts(out, img->n_hierarchies ? "\n  ]\n}\n" : "]\n}\n");
        return 0;
}
