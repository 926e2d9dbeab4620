/* The native image parser, streaming: yajl events go straight into the
 * image tree, with no JSON document in between, and the text can be fed in
 * pieces from a file. The tree is built in one arena: one small record per
 * sub-cgroup and the bytes of its name and values, so an image costs about
 * its own size in memory, whatever its shape (issue: "peak RSS within 8 MiB
 * + 2 x the image size"). A CRIU image (its "magic" member) is handed back
 * to the caller, which reads it with the document parser (criu-image.c). */
#include <stdio.h>

#include <yajl/yajl_parse.h>

#include "image-internal.h"

enum frame_kind {
        F_TOP,         /* the document's object */
        F_CONTAINER,   /* "container": { "id": ... } */
        F_HIERARCHIES, /* "hierarchies": [ ... ] */
        F_HIER,        /* one hierarchy object */
        F_CONTROLLERS, /* "controllers": [ "cpu", ... ] */
        F_NODE,        /* a cgroup object */
        F_PROPS,       /* "properties": { ... } */
        F_CHILDREN,    /* "children": [ ... ] */
        F_SKIP,        /* a value kept for nothing ("container"'s other members) */
        F_KIND_MAX,
};

/* what a key of an object frame says the next value is */
enum slot {
        S_NONE,
        S_VERSION,
        S_CREATED,
        S_CONTAINER,
        S_HIERARCHIES,
        S_ID,
        S_TYPE,
        S_CONTROLLERS,
        S_INIT,
        S_ROOT,
        S_NAME,
        S_PROPERTIES,
        S_CHILDREN,
        S_PROP_VALUE,
        S_SKIP,
        S_SLOT_MAX,
};

/* a cgroup being read: its pieces grow here, then move to the arena */
struct building {
        struct cg_node node;
        struct cg_prop *props;
        size_t n_props, cap_props;
        struct cg_node *children;
        size_t n_children, cap_children;
        size_t where_len; /* the message path before this node's name */
};

struct frame {
        enum frame_kind kind;
        enum slot slot;             /* objects: the value the last key announced */
        unsigned seen;              /* objects: the keys seen (1 << slot) */
        const struct prop_def *def; /* F_PROPS: the key's allowlist entry */
        const char *key;            /* F_PROPS: the key, in the arena */
};

struct sax {
        struct cgbind_error *err;
        struct cgbind_image *img;
        struct arena *arena;
        struct frame frames[2 * CGBIND_MAX_DEPTH + 16];
        size_t depth;
        struct building nodes[CGBIND_MAX_DEPTH + 2];
        size_t n_nodes;            /* open cgroups */
        size_t skip_depth;         /* nested values inside an F_SKIP */
        size_t values;             /* JSON values, capped like the document parser */
        struct image_hierarchy *h; /* the hierarchy being read */
        struct strbuf controllers;
        bool have_version;
        bool crit; /* a CRIU document: stop and let criu-image.c read it */
        bool failed;
        char where[512];
};

#define MAX_VALUES (20 * CGBIND_MAX_NODES)

static int bad(struct sax *x, const char *fmt, ...) _printf_(2, 3);
static int bad(struct sax *x, const char *fmt, ...)
{
        char reason[700], where[600];
        va_list ap;
        if (!x->failed) {
                va_start(ap, fmt);
                cgbind_format_escaped(reason, sizeof(reason), fmt, ap);
                va_end(ap);
                cgbind_escape(x->where, strlen(x->where), where, sizeof(where));
                cgbind_error_set(x->err, CGBIND_INVALID, EINVAL, "image (%s): %s", where, reason);
                x->failed = true;
        }
        return 0; /* stops yajl */
}

static struct frame *top(struct sax *x)
{
        return x->depth ? &x->frames[x->depth - 1] : NULL;
}

static int push(struct sax *x, enum frame_kind kind)
{
        if (x->depth == ARRAY_SIZE(x->frames))
                return bad(x, "nested deeper than %d levels", CGBIND_MAX_DEPTH);
        x->frames[x->depth++] = (struct frame){ .kind = kind };
        return 1;
}

static int count_value(struct sax *x)
{
        if (++x->values > MAX_VALUES)
                return bad(x, "more than %d JSON values", MAX_VALUES);
        return 1;
}

static int check_string(struct sax *x, const unsigned char *s, size_t len, const char *what)
{
        if (len > CGBIND_MAX_VALUE)
                return bad(x, "%s longer than %d bytes", what, CGBIND_MAX_VALUE);
        /* "\u0000" decodes to a NUL byte that C strings would silently cut */
        if (memchr(s, '\0', len))
                return bad(x, "%s contains a NUL character", what);
        /* yajl lets overlong forms and encoded surrogates through */
        if (utf8_valid_prefix((const char *)s, len) != len)
                return bad(x, "%s is not valid UTF-8", what);
        return 1;
}

/* ---- cgroups ---- */

static void where_push(struct sax *x, struct building *b, const char *name)
{
        size_t l = strlen(x->where);
        b->where_len = l;
        snprintf(x->where + l, sizeof(x->where) - l, "%s%s", l && x->where[l - 1] == '/' ? "" : "/",
                 name);
}

static int open_node(struct sax *x)
{
        if (x->n_nodes == ARRAY_SIZE(x->nodes))
                return bad(x, "tree deeper than %d levels", CGBIND_MAX_DEPTH);
        struct building *b = &x->nodes[x->n_nodes++];
        *b = (struct building){ .where_len = strlen(x->where) };
        return push(x, F_NODE);
}

/* The finished cgroup moves to the arena, into its parent's children or as
 * the hierarchy's top-level. */
static int close_node(struct sax *x)
{
        struct building *b = &x->nodes[--x->n_nodes];
        bool is_root = x->n_nodes == 0;
        if (is_root && b->node.name) {
                free(b->props);
                free(b->children);
                return bad(x, "the top-level cgroup has no name");
        }
        if (!is_root && !b->node.name) {
                free(b->props);
                free(b->children);
                return bad(x, "a sub-cgroup has no \"name\" string");
        }
        b->node.props = arena_memdup(x->arena, b->props, b->n_props, sizeof(*b->props));
        b->node.n_props = b->n_props;
        b->node.children = arena_memdup(x->arena, b->children, b->n_children, sizeof(*b->children));
        b->node.n_children = b->n_children;
        free(b->props);
        free(b->children);
        x->where[b->where_len] = '\0';
        if (is_root) {
                x->h->root = b->node;
                return 1;
        }
        struct building *p = &x->nodes[x->n_nodes - 1];
        if (p->n_children == p->cap_children) {
                p->cap_children = p->cap_children ? p->cap_children * 2 : 8;
                p->children = xreallocarray(p->children, p->cap_children, sizeof(*p->children));
        }
        p->children[p->n_children++] = b->node;
        return 1;
}

static int add_prop(struct sax *x, const struct prop_def *def, const char *name, const char *value,
                    size_t len)
{
        struct building *b = &x->nodes[x->n_nodes - 1];
        const char *reason;
        char *v = arena_strndup(x->arena, value, len);
        if (prop_check_value(def, v, NULL, &reason) < 0)
                return bad(x, "value of %s: %s", name, reason);
        if (b->n_props == CGBIND_MAX_PROPS)
                return bad(x, "more than %d properties in one cgroup", CGBIND_MAX_PROPS);
        if (b->n_props == b->cap_props) {
                b->cap_props = b->cap_props ? b->cap_props * 2 : 4;
                b->props = xreallocarray(b->props, b->cap_props, sizeof(*b->props));
        }
        /* a fixed name points at the allowlist's own string; a pattern
         * (hugetlb.2MB.max) keeps its copy */
        b->props[b->n_props++] = (struct cg_prop){
                .name = (char *)name,
                .value = v,
                .def = def,
        };
        return 1;
}

/* ---- yajl events ---- */

static int on_key(void *ctx, const unsigned char *s, size_t len)
{
        struct sax *x = ctx;
        struct frame *f = top(x);
        if (!f || !check_string(x, s, len, "a key"))
                return f ? 0 : bad(x, "a key outside an object");
        char key[96];
        if (f->kind == F_PROPS) {
                _cleanup_free_ char *name = xstrndup((const char *)s, len);
                const char *reason = prop_never_reason(name);
                if (reason)
                        return bad(x, "property %s is never written by cgbind: %s", name, reason);
                const struct prop_def *def = prop_lookup(x->h->version, name);
                if (!def)
                        return bad(x, "property %s is not in the allowlist", name);
                if (def->controller && !controller_list_has(x->h->controllers, def->controller))
                        return bad(x,
                                   "property %s belongs to a controller this hierarchy does not "
                                   "have",
                                   name);
                f->def = def;
                f->key = def->flags & PROP_PATTERN ? arena_strndup(x->arena, name, len) : def->name;
                f->slot = S_PROP_VALUE;
                return 1;
        }
        snprintf(key, sizeof(key), "%.*s", (int)(len < sizeof(key) ? len : sizeof(key) - 1), s);
        static const struct {
                enum frame_kind kind;
                const char *key;
                enum slot slot;
        } keys[] = {
                { F_TOP, "cgbind", S_VERSION },
                { F_TOP, "created", S_CREATED },
                { F_TOP, "container", S_CONTAINER },
                { F_TOP, "hierarchies", S_HIERARCHIES },
                { F_CONTAINER, "id", S_ID },
                { F_HIER, "type", S_TYPE },
                { F_HIER, "controllers", S_CONTROLLERS },
                { F_HIER, "init", S_INIT },
                { F_HIER, "root", S_ROOT },
                { F_NODE, "name", S_NAME },
                { F_NODE, "properties", S_PROPERTIES },
                { F_NODE, "children", S_CHILDREN },
        };
        enum slot slot = S_NONE;
        for (size_t i = 0; i < ARRAY_SIZE(keys) && slot == S_NONE; i++)
                if (keys[i].kind == f->kind && strlen(keys[i].key) == len &&
                    memcmp(keys[i].key, s, len) == 0)
                        slot = keys[i].slot;
        if (f->kind == F_TOP && len == 5 && memcmp(s, "magic", 5) == 0) {
                x->crit = true; /* a CRIU document: criu-image.c reads it */
                return 0;
        }
        if (slot == S_NONE) {
                if (f->kind == F_CONTAINER) {
                        f->slot = S_SKIP;
                        return 1;
                }
                if (f->kind == F_TOP)
                        snprintf(x->where, sizeof(x->where), "top level");
                return bad(x, "unknown key \"%.*s\"", (int)len, (const char *)s);
        }
        if (f->seen & (1u << slot))
                return bad(x, "duplicate key \"%s\"", key);
        /* read as it streams: what the tree's checks need comes first, as
         * cgbind writes it (cgbind-image(5)) */
        if (f->kind == F_HIER && (slot == S_TYPE || slot == S_CONTROLLERS) &&
            (f->seen & (1u << S_ROOT)))
                return bad(x, "\"%s\" must come before \"root\"", key);
        f->seen |= 1u << slot;
        f->slot = slot;
        return 1;
}

/* The value the open object's last key announced, or the array's element. */
static enum slot slot_for_value(struct sax *x)
{
        struct frame *f = top(x);
        if (!f)
                return S_NONE;
        switch (f->kind) {
        case F_HIERARCHIES:
                return S_HIERARCHIES;
        case F_CONTROLLERS:
                return S_CONTROLLERS;
        case F_CHILDREN:
                return S_CHILDREN;
        case F_SKIP:
                return S_SKIP;
        case F_TOP:
        case F_CONTAINER:
        case F_HIER:
        case F_NODE:
        case F_PROPS:
                return f->slot;
        case F_KIND_MAX:
        default:
                return S_NONE;
        }
}

static const char *slot_name(enum slot s)
{
        static const char *const names[S_SLOT_MAX] = {
                [S_VERSION] = "\"cgbind\"",
                [S_CREATED] = "\"created\"",
                [S_CONTAINER] = "\"container\"",
                [S_HIERARCHIES] = "\"hierarchies\"",
                [S_ID] = "\"id\"",
                [S_TYPE] = "\"type\"",
                [S_CONTROLLERS] = "\"controllers\"",
                [S_INIT] = "\"init\"",
                [S_ROOT] = "\"root\"",
                [S_NAME] = "\"name\"",
                [S_PROPERTIES] = "\"properties\"",
                [S_CHILDREN] = "\"children\"",
                [S_PROP_VALUE] = "a property's value",
        };
        return s < S_SLOT_MAX && names[s] ? names[s] : "a value";
}

/* A value of the wrong type where the format wants another: the same
 * messages as the document parser gave. */
static int wrong_type(struct sax *x, enum slot s, const char *got)
{
        struct frame *f = top(x);
        bool element = f && (f->kind == F_HIERARCHIES || f->kind == F_CONTROLLERS ||
                             f->kind == F_CHILDREN);
        switch (s) {
        case S_PROP_VALUE:
                return bad(x, "value of %s is not a string", f->key ? f->key : "?");
        case S_PROPERTIES:
                return bad(x, "\"properties\" is not an object");
        case S_CHILDREN:
                return element ? bad(x, "a cgroup is not an object")
                               : bad(x, "\"children\" is not an array");
        case S_ROOT:
                return bad(x, "a cgroup is not an object");
        case S_HIERARCHIES:
                if (element) {
                        snprintf(x->where, sizeof(x->where), "hierarchy");
                        return bad(x, "not an object");
                }
                x->failed = true;
                cgbind_error_set(x->err, CGBIND_INVALID, EINVAL,
                                 "image (hierarchies): missing or not an array");
                return 0; /* a callback's 0 stops yajl */
        case S_CONTROLLERS:
                return element ? bad(x, "controller \"?\" is not valid")
                               : bad(x, "\"controllers\" is not an array");
        case S_TYPE:
                return bad(x, "\"type\" missing");
        case S_NAME:
                return bad(x, "a sub-cgroup has no \"name\" string");
        case S_INIT:
                return bad(x, "\"init\" is not a string");
        case S_VERSION:
                x->failed = true;
                cgbind_error_set(x->err, CGBIND_INVALID, EINVAL,
                                 "image: not a cgbind image (no \"cgbind\" version)");
                return 0;
        case S_NONE:
        case S_CREATED:
        case S_CONTAINER:
        case S_ID:
        case S_SKIP:
        case S_SLOT_MAX:
        default:
                return bad(x, "%s is %s", slot_name(s), got);
        }
}

/* what the document parser called a JSON type, for the same message */
static int not_an_object(struct sax *x, const char *type)
{
        x->failed = true;
        cgbind_error_set(x->err, CGBIND_INVALID, EINVAL, "image: expected an object, got %s", type);
        return 0;
}

static int on_scalar(struct sax *x, const char *type, bool is_null)
{
        enum slot s = slot_for_value(x);
        if (!count_value(x))
                return 0;
        if (!x->depth)
                return not_an_object(x, is_null ? "null" : type);
        if (s == S_SKIP || (is_null && (s == S_INIT || s == S_ID || s == S_CREATED)))
                return 1;
        return wrong_type(x, s, type);
}

static int on_null(void *ctx)
{
        return on_scalar(ctx, "null", true);
}

static int on_boolean(void *ctx, int v)
{
        (void)v;
        return on_scalar(ctx, "boolean", false);
}

static int on_double(void *ctx, double v)
{
        (void)v;
        return on_scalar(ctx, "number", false);
}

static int on_integer(void *ctx, long long v)
{
        struct sax *x = ctx;
        if (slot_for_value(x) != S_VERSION)
                return on_scalar(x, "integer", false);
        if (!count_value(x))
                return 0;
        if (v != CGBIND_IMAGE_VERSION) {
                x->failed = true;
                cgbind_error_set(x->err, CGBIND_INVALID, EINVAL,
                                 "image (cgbind): version %lld is not supported (this is version "
                                 "%d)",
                                 v, CGBIND_IMAGE_VERSION);
                return 0;
        }
        x->have_version = true;
        return 1;
}

static bool controller_ok(const char *s, size_t n)
{
        return n > 0 && n <= CGBIND_MAX_CONTROLLER_NAME &&
               strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_=-") == n;
}

static int on_string(void *ctx, const unsigned char *us, size_t len)
{
        struct sax *x = ctx;
        const char *s = (const char *)us;
        enum slot slot = slot_for_value(x);
        if (!count_value(x) || !check_string(x, us, len, "a string"))
                return 0;
        if (!x->depth)
                return not_an_object(x, "string");
        const char *reason;
        switch (slot) {
        case S_SKIP:
                return 1;
        case S_CREATED:
                x->img->created = xstrndup(s, len);
                return 1;
        case S_ID:
                x->img->container_id = xstrndup(s, len);
                return 1;
        case S_TYPE:
                if (len == 6 && memcmp(s, "cgroup", 6) == 0)
                        x->h->version = CG_V1;
                else if (len == 7 && memcmp(s, "cgroup2", 7) == 0)
                        x->h->version = CG_V2;
                else
                        return bad(x, "\"type\" %.*s is neither cgroup nor cgroup2", (int)len, s);
                return 1;
        case S_CONTROLLERS: {
                char name[CGBIND_MAX_CONTROLLER_NAME + 1];
                bool ok = controller_ok(s, len);
                if (ok)
                        snprintf(name, sizeof(name), "%.*s", (int)len, s);
                if (ok && x->h->version == CG_V2)
                        ok = v2_controller_known(name);
                if (!ok)
                        return bad(x, "controller \"%.*s\" is not valid", (int)len, s);
                if (controller_list_has(x->controllers.buf, name))
                        return bad(x, "controller \"%s\" listed twice", name);
                if (x->controllers.len)
                        strbuf_puts(&x->controllers, ",");
                strbuf_append(&x->controllers, s, len);
                return 1;
        }
        case S_INIT:
                if (len)
                        x->h->init = xstrndup(s, len);
                return 1;
        case S_NAME: {
                struct building *b = &x->nodes[x->n_nodes - 1];
                if (x->n_nodes == 1)
                        return bad(x, "the top-level cgroup has no name");
                if (!cgroup_name_valid(s, len, &reason))
                        return bad(x, "sub-cgroup name \"%.*s\": %s", (int)len, s, reason);
                b->node.name = arena_strndup(x->arena, s, len);
                where_push(x, b, b->node.name);
                return 1;
        }
        case S_PROP_VALUE:
                return add_prop(x, top(x)->def, top(x)->key, s, len);
        case S_NONE:
        case S_VERSION:
        case S_CONTAINER:
        case S_HIERARCHIES:
        case S_ROOT:
        case S_PROPERTIES:
        case S_CHILDREN:
        case S_SLOT_MAX:
        default:
                return wrong_type(x, slot, "a string");
        }
}

/* The controllers are known (the hierarchy's keys come in any order, so
 * they are settled when the first property or the root needs them). */
static int settle_controllers(struct sax *x)
{
        if (x->h->controllers)
                return 1;
        if (x->h->version == 0)
                return bad(x, "\"type\" missing (it must come before \"root\")");
        char *list = xstrdup(x->controllers.buf ? x->controllers.buf : "");
        if (image_controllers("controllers", list, &x->h->controllers, x->err) < 0) {
                x->failed = true;
                return 0;
        }
        if (x->h->version == CG_V1 && x->h->controllers[0] == '\0')
                return bad(x, "a cgroup v1 hierarchy needs its controllers");
        snprintf(x->where, sizeof(x->where), "%s:/", image_hierarchy_label(x->h));
        return 1;
}

static int on_start_map(void *ctx)
{
        struct sax *x = ctx;
        if (!count_value(x))
                return 0;
        if (!x->depth) {
                if (x->values > 1)
                        return bad(x, "more than one document");
                return push(x, F_TOP);
        }
        enum slot s = slot_for_value(x);
        switch (s) {
        case S_SKIP:
                return push(x, F_SKIP);
        case S_CONTAINER:
                return push(x, F_CONTAINER);
        case S_HIERARCHIES: {
                if (top(x)->kind != F_HIERARCHIES)
                        return wrong_type(x, s, "an object");
                if (x->img->n_hierarchies == CGBIND_MAX_HIERARCHIES)
                        return bad(x, "more than %d hierarchies", CGBIND_MAX_HIERARCHIES);
                x->img->hierarchies = xreallocarray(x->img->hierarchies, x->img->n_hierarchies + 1,
                                                    sizeof(*x->img->hierarchies));
                x->h = &x->img->hierarchies[x->img->n_hierarchies++];
                *x->h = (struct image_hierarchy){ .arena_tree = true };
                strbuf_free(&x->controllers);
                strbuf_puts(&x->controllers, "");
                snprintf(x->where, sizeof(x->where), "hierarchy");
                return push(x, F_HIER);
        }
        case S_ROOT:
                if (!settle_controllers(x))
                        return 0;
                return open_node(x);
        case S_CHILDREN:
                if (top(x)->kind != F_CHILDREN)
                        return wrong_type(x, s, "an object");
                if (x->n_nodes > CGBIND_MAX_DEPTH)
                        return bad(x, "tree deeper than %d levels", CGBIND_MAX_DEPTH);
                return open_node(x);
        case S_PROPERTIES:
                if (!settle_controllers(x))
                        return 0;
                return push(x, F_PROPS);
        case S_NONE:
        case S_VERSION:
        case S_CREATED:
        case S_ID:
        case S_TYPE:
        case S_CONTROLLERS:
        case S_INIT:
        case S_NAME:
        case S_PROP_VALUE:
        case S_SLOT_MAX:
        default:
                if (s == S_PROPERTIES)
                        return 0;
                return wrong_type(x, s, "an object");
        }
}

static int on_start_array(void *ctx)
{
        struct sax *x = ctx;
        if (!count_value(x))
                return 0;
        if (!x->depth)
                return not_an_object(x, "array");
        enum slot s = slot_for_value(x);
        switch (s) {
        case S_SKIP:
                return push(x, F_SKIP);
        case S_HIERARCHIES:
                if (top(x)->kind != F_TOP)
                        return wrong_type(x, s, "an array");
                return push(x, F_HIERARCHIES);
        case S_CONTROLLERS:
                if (top(x)->kind != F_HIER)
                        return wrong_type(x, s, "an array");
                return push(x, F_CONTROLLERS);
        case S_CHILDREN:
                if (top(x)->kind != F_NODE)
                        return wrong_type(x, s, "an array");
                return push(x, F_CHILDREN);
        case S_NONE:
        case S_VERSION:
        case S_CREATED:
        case S_CONTAINER:
        case S_ID:
        case S_TYPE:
        case S_INIT:
        case S_ROOT:
        case S_NAME:
        case S_PROPERTIES:
        case S_PROP_VALUE:
        case S_SLOT_MAX:
        default:
                return wrong_type(x, s, "an array");
        }
}

static int cmp_prop(const void *a, const void *b)
{
        return strcmp(((const struct cg_prop *)a)->name, ((const struct cg_prop *)b)->name);
}

static int on_end(void *ctx)
{
        struct sax *x = ctx;
        struct frame *f = top(x);
        x->depth--;
        switch (f->kind) {
        case F_NODE: {
                /* the document parser refuses a repeated key; here it shows
                 * as a property or a child name twice */
                struct building *b = &x->nodes[x->n_nodes - 1];
                if (b->n_props > 1) {
                        struct cg_prop *copy = xcalloc(b->n_props, sizeof(*copy));
                        memcpy(copy, b->props, b->n_props * sizeof(*copy));
                        qsort(copy, b->n_props, sizeof(*copy), cmp_prop);
                        for (size_t i = 1; i < b->n_props; i++)
                                if (streq(copy[i - 1].name, copy[i].name)) {
                                        char name[96];
                                        snprintf(name, sizeof(name), "%s", copy[i].name);
                                        free(copy);
                                        return bad(x, "duplicate key \"%s\"", name);
                                }
                        free(copy);
                }
                return close_node(x);
        }
        case F_HIER:
                if (!x->h->controllers && !settle_controllers(x))
                        return 0;
                if (!(f->seen & (1u << S_ROOT)))
                        return bad(x, "\"root\" missing");
                if (!(f->seen & (1u << S_TYPE)))
                        return bad(x, "\"type\" missing");
                x->h = NULL;
                return 1;
        case F_TOP:
                if (!x->have_version)
                        return 0; /* the caller says "not a cgbind image" */
                if (!(f->seen & (1u << S_HIERARCHIES))) {
                        cgbind_error_set(x->err, CGBIND_INVALID, EINVAL,
                                         "image (hierarchies): missing or not an array");
                        x->failed = true;
                        return 0;
                }
                return 1;
        case F_CONTAINER:
        case F_HIERARCHIES:
        case F_CONTROLLERS:
        case F_PROPS:
        case F_CHILDREN:
        case F_SKIP:
                return 1;
        case F_KIND_MAX:
        default:
                return 0;
        }
}

static const yajl_callbacks callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_boolean,
        .yajl_integer = on_integer,
        .yajl_double = on_double,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_key,
        .yajl_end_map = on_end,
        .yajl_start_array = on_start_array,
        .yajl_end_array = on_end,
};

struct image_stream {
        yajl_handle h;
        struct sax x;
        struct cgbind_image img;
        struct arena *arena;
};

static int not_json(yajl_handle h, struct cgbind_error *err, const unsigned char *buf, size_t len);

int image_native_begin(struct image_stream **ret, struct cgbind_error *err)
{
        struct image_stream *s = xcalloc(1, sizeof(*s));
        s->arena = xcalloc(1, sizeof(*s->arena));
        s->x = (struct sax){ .err = err, .img = &s->img, .arena = s->arena };
        s->h = json_strict_handle(&callbacks, &s->x);
        *ret = s;
        return 0;
}

/* ---- lexing only: the text's own rules, for a tree validated in memory ----
 * The same string, value-count and nesting checks as the parser above, with
 * no tree built: image_native_lex() is save's read-back of what it writes. */

static int lex_scalar(void *ctx)
{
        return count_value(ctx);
}

static int lex_boolean(void *ctx, int v)
{
        (void)v;
        return count_value(ctx);
}

static int lex_integer(void *ctx, long long v)
{
        (void)v;
        return count_value(ctx);
}

static int lex_double(void *ctx, double v)
{
        (void)v;
        return count_value(ctx);
}

static int lex_string(void *ctx, const unsigned char *s, size_t len)
{
        return count_value(ctx) && check_string(ctx, s, len, "a string");
}

static int lex_key(void *ctx, const unsigned char *s, size_t len)
{
        return check_string(ctx, s, len, "a key");
}

static int lex_open(void *ctx)
{
        return count_value(ctx) && push(ctx, F_SKIP);
}

static int lex_close(void *ctx)
{
        ((struct sax *)ctx)->depth--;
        return 1;
}

static const yajl_callbacks lex_callbacks = {
        .yajl_null = lex_scalar,
        .yajl_boolean = lex_boolean,
        .yajl_integer = lex_integer,
        .yajl_double = lex_double,
        .yajl_string = lex_string,
        .yajl_start_map = lex_open,
        .yajl_map_key = lex_key,
        .yajl_end_map = lex_close,
        .yajl_start_array = lex_open,
        .yajl_end_array = lex_close,
};

int image_native_lex(const char *buf, size_t len, struct cgbind_error *err)
{
        struct sax *x = xcalloc(1, sizeof(*x));
        *x = (struct sax){ .err = err };
        yajl_handle h = json_strict_handle(&lex_callbacks, x);
        int r = 0;
        if (yajl_parse(h, (const unsigned char *)buf, len) != yajl_status_ok ||
            yajl_complete_parse(h) != yajl_status_ok) {
                r = x->failed ? -EINVAL : not_json(h, err, (const unsigned char *)buf, len);
        }
        yajl_free(h);
        free(x);
        return r;
}

static int stream_error(struct image_stream *s, const unsigned char *buf, size_t len)
{
        struct sax *x = &s->x;
        if (x->crit)
                return IMAGE_STREAM_CRIT;
        if (x->failed)
                return -EINVAL;
        if (x->depth == 0 && !x->have_version && s->img.n_hierarchies == 0 && len == 0)
                return cgbind_error_set(x->err, CGBIND_INVALID, EINVAL, "image: empty input");
        if (!x->have_version && x->depth <= 1 && x->values > 0)
                return cgbind_error_set(x->err, CGBIND_INVALID, EINVAL,
                                        "image: not a cgbind image (no \"cgbind\" version)");
        return not_json(s->h, x->err, buf, len);
}

/* yajl's own message, on one line */
static int not_json(yajl_handle h, struct cgbind_error *err, const unsigned char *buf, size_t len)
{
        unsigned char *e = yajl_get_error(h, 0, buf, len);
        char reason[256];
        snprintf(reason, sizeof(reason), "%s", e ? (const char *)e : "parse error");
        if (e)
                yajl_free_error(h, e);
        size_t l = strlen(reason);
        while (l > 0 && (reason[l - 1] == '\n' || reason[l - 1] == ' ' || reason[l - 1] == '.'))
                reason[--l] = '\0';
        return cgbind_error_set(err, CGBIND_INVALID, EINVAL, "image: not valid JSON: %s", reason);
}

int image_native_feed(struct image_stream *s, const char *buf, size_t len)
{
        if (yajl_parse(s->h, (const unsigned char *)buf, len) != yajl_status_ok)
                return stream_error(s, (const unsigned char *)buf, len);
        return 0;
}

int image_native_end(struct image_stream *s, struct cgbind_image *ret)
{
        if (yajl_complete_parse(s->h) != yajl_status_ok || s->x.depth != 0) {
                int r = stream_error(s, NULL, 0);
                return r == 0 ? -EINVAL : r;
        }
        if (!s->x.have_version)
                return cgbind_error_set(s->x.err, CGBIND_INVALID, EINVAL,
                                        "image: not a cgbind image (no \"cgbind\" version)");
        s->img.arena = TAKE_PTR(s->arena);
        *ret = s->img;
        s->img = (struct cgbind_image){ 0 };
        return 0;
}

void image_native_free(struct image_stream *s)
{
        if (!s)
                return;
        yajl_free(s->h);
        /* what the parse left open: the pieces of unfinished cgroups */
        for (size_t i = 0; i < s->x.n_nodes; i++) {
                free(s->x.nodes[i].props);
                free(s->x.nodes[i].children);
        }
        strbuf_free(&s->x.controllers);
        s->img.arena = TAKE_PTR(s->arena);
        image_free(&s->img);
        free(s);
}
