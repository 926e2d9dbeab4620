/* The image format: parsing (with every check DESIGN.md asks of an untrusted
 * image) and writing. */
#include <stdio.h>

#include <yajl/yajl_gen.h>

#include "cgbind/image.h"
#include "cgbind/json.h"
#include "cgbind/mountinfo.h"

struct parse_ctx {
        struct cgbind_error *err;
        const struct image_hierarchy *h;
        size_t n_nodes;
        char where[512]; /* "memory:/app/worker" while parsing */
};

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

void image_free(struct cgbind_image *img)
{
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                struct image_hierarchy *h = &img->hierarchies[i];
                free(h->controllers);
                free(h->init);
                cg_node_free(&h->root);
        }
        free(img->hierarchies);
        free(img->created);
        free(img->container_id);
        *img = (struct cgbind_image){ 0 };
}

const char *image_hierarchy_label(const struct image_hierarchy *h)
{
        return h->version == CG_V2 ? "cgroup2" : h->controllers;
}

int cg_node_add_prop(struct cg_node *n, const struct prop_def *def, const char *name,
                     const char *value)
{
        struct cg_prop *p = realloc(n->props, (n->n_props + 1) * sizeof(*p));
        if (!p)
                return -ENOMEM;
        n->props = p;
        p = &n->props[n->n_props];
        p->def = def;
        p->name = strdup(name);
        p->value = strdup(value);
        if (!p->name || !p->value) {
                free(p->name);
                free(p->value);
                return -ENOMEM;
        }
        n->n_props++;
        return 0;
}

int cg_node_merge(struct cg_node *dst, const struct cg_node *src, const char *controllers)
{
        for (size_t i = 0; i < src->n_props; i++) {
                const struct cg_prop *p = &src->props[i];
                bool have = false;
                for (size_t k = 0; k < dst->n_props && !have; k++)
                        have = streq(dst->props[k].name, p->name);
                bool keep = !controllers || !p->def->controller ||
                            controller_list_has(controllers, p->def->controller);
                if (!have && keep) {
                        int r = cg_node_add_prop(dst, p->def, p->name, p->value);
                        if (r < 0)
                                return r;
                }
        }
        /* the first tree merged into an empty node needs no name search */
        bool was_empty = dst->n_children == 0;
        for (size_t i = 0; i < src->n_children; i++) {
                const struct cg_node *sc = &src->children[i];
                struct cg_node *dc = NULL;
                for (size_t k = 0; !was_empty && k < dst->n_children && !dc; k++)
                        if (streq(dst->children[k].name, sc->name))
                                dc = &dst->children[k];
                if (!dc && !(dc = cg_node_add_child(dst, sc->name)))
                        return -ENOMEM;
                int r = cg_node_merge(dc, sc, controllers);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct cg_node *cg_node_add_child(struct cg_node *n, const char *name)
{
        struct cg_node *c = realloc(n->children, (n->n_children + 1) * sizeof(*c));
        if (!c)
                return NULL;
        n->children = c;
        c = &n->children[n->n_children];
        *c = (struct cg_node){ 0 };
        c->name = strdup(name);
        if (!c->name)
                return NULL;
        n->n_children++;
        return c;
}

/* Untrusted names end up in the message: the whole reason is escaped. */
static int bad(struct parse_ctx *c, const char *fmt, ...) _printf_(2, 3);
static int bad(struct parse_ctx *c, const char *fmt, ...)
{
        char esc_where[400], raw[600], reason[700];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        cgbind_escape(c->where, strlen(c->where), esc_where, sizeof(esc_where));
        cgbind_escape(raw, strlen(raw), reason, sizeof(reason));
        return cgbind_error_set(c->err, CGBIND_INVALID, EINVAL, "image (%s): %s", esc_where,
                                reason);
}

static int check_keys(struct parse_ctx *c, const struct json *obj, const char *const *allowed,
                      size_t n_allowed)
{
        for (size_t i = 0; i < obj->n_items; i++) {
                bool ok = false;
                for (size_t k = 0; k < n_allowed && !ok; k++)
                        ok = streq(obj->keys[i], allowed[k]);
                if (!ok)
                        return bad(c, "unknown key \"%s\"", obj->keys[i]);
        }
        return 0;
}

static int parse_props(struct parse_ctx *c, const struct json *obj, struct cg_node *node)
{
        if (!obj)
                return 0;
        if (obj->type != JSON_OBJECT)
                return bad(c, "\"properties\" is not an object");
        for (size_t i = 0; i < obj->n_items; i++) {
                const char *name = obj->keys[i];
                const struct json *v = obj->items[i];
                if (prop_is_forbidden(name))
                        return bad(c, "property %s is never written by cgbind", name);
                const struct prop_def *def = prop_lookup(c->h->version, name);
                if (!def)
                        return bad(c, "property %s is not in the allowlist", name);
                if (def->controller &&
                    !controller_list_has(c->h->controllers, def->controller))
                        return bad(c, "property %s belongs to a controller this hierarchy "
                                      "does not have",
                                   name);
                if (v->type != JSON_STRING)
                        return bad(c, "value of %s is not a string", name);
                if (v->len > CGBIND_MAX_VALUE)
                        return bad(c, "value of %s is longer than 64 KiB", name);
                if (utf8_valid_prefix(v->string, v->len) != v->len)
                        return bad(c, "value of %s is not valid UTF-8", name);
                _cleanup_free_ char *canon = NULL;
                const char *reason = NULL;
                int r = prop_check_value(def, v->string, &canon, &reason);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return bad(c, "value of %s: %s", name, reason);
                r = cg_node_add_prop(node, def, name, canon);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int cmp_name_ptr(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorting keeps this O(n log n): a fan-out of 100 000 must not take minutes. */
int cg_node_find_duplicate(const struct cg_node *node, const char **ret_dup)
{
        *ret_dup = NULL;
        if (node->n_children < 2)
                return 0;
        _cleanup_free_ const char **names = malloc(node->n_children * sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < node->n_children; i++)
                names[i] = node->children[i].name;
        qsort(names, node->n_children, sizeof(*names), cmp_name_ptr);
        for (size_t i = 1; i < node->n_children; i++)
                if (streq(names[i - 1], names[i])) {
                        *ret_dup = names[i];
                        return 0;
                }
        return 0;
}

static int check_unique_names(struct parse_ctx *c, const struct cg_node *node)
{
        const char *dup;
        int r = cg_node_find_duplicate(node, &dup);
        if (r < 0)
                return r;
        if (dup)
                return bad(c, "sub-cgroup \"%s\" appears twice", dup);
        return 0;
}

static int parse_node(struct parse_ctx *c, const struct json *j, struct cg_node *node,
                      size_t depth)
{
        static const char *const keys[] = { "name", "properties", "children" };
        int r;

        if (j->type != JSON_OBJECT)
                return bad(c, "a cgroup is not an object");
        r = check_keys(c, j, keys, ARRAY_SIZE(keys));
        if (r < 0)
                return r;
        r = parse_props(c, json_get(j, "properties"), node);
        if (r < 0)
                return r;
        const struct json *children = json_get(j, "children");
        if (!children)
                return 0;
        if (children->type != JSON_ARRAY)
                return bad(c, "\"children\" is not an array");
        if (children->n_items > 0 && depth + 1 > CGBIND_MAX_DEPTH)
                return bad(c, "tree deeper than %d levels", CGBIND_MAX_DEPTH);
        node->children = calloc(children->n_items ? children->n_items : 1, sizeof(struct cg_node));
        if (!node->children)
                return -ENOMEM;
        size_t where_len = strlen(c->where);
        for (size_t i = 0; i < children->n_items; i++) {
                const struct json *cj = children->items[i];
                const struct json *name = json_get(cj, "name");
                if (!name || name->type != JSON_STRING)
                        return bad(c, "a sub-cgroup has no \"name\" string");
                const char *reason;
                if (!cgroup_name_valid(name->string, name->len, &reason))
                        return bad(c, "sub-cgroup name \"%s\": %s", name->string, reason);
                if (++c->n_nodes > CGBIND_MAX_NODES)
                        return bad(c, "more than %d sub-cgroups", CGBIND_MAX_NODES);
                struct cg_node *child = &node->children[node->n_children++];
                child->name = strdup(name->string);
                if (!child->name)
                        return -ENOMEM;
                if (where_len + 1 + name->len < sizeof(c->where)) {
                        if (where_len == 0 || c->where[where_len - 1] != '/')
                                strcat(c->where, "/");
                        strcat(c->where, name->string);
                }
                r = parse_node(c, cj, child, depth + 1);
                if (r < 0)
                        return r;
                c->where[where_len] = '\0';
        }
        return check_unique_names(c, node);
}

static int parse_init(struct parse_ctx *c, const struct json *v, struct image_hierarchy *h)
{
        if (!v || v->type == JSON_NULL)
                return 0;
        if (v->type != JSON_STRING)
                return bad(c, "\"init\" is not a string");
        /* a relative path of valid names: "init.scope", "system.slice/foo.service" */
        size_t depth = 0;
        for (const char *p = v->string; *p;) {
                size_t l = strcspn(p, "/");
                const char *reason;
                if (!cgroup_name_valid(p, l, &reason) || ++depth > CGBIND_MAX_DEPTH)
                        return bad(c, "\"init\" %s is not a relative path of sub-cgroups",
                                   v->string);
                p += l;
                if (*p == '/') {
                        p++;
                        if (!*p)
                                return bad(c, "\"init\" %s ends with /", v->string);
                }
        }
        if (v->len == 0)
                return 0;
        h->init = strdup(v->string);
        return h->init ? 0 : -ENOMEM;
}

static int parse_hierarchy(struct parse_ctx *c, const struct json *j, struct image_hierarchy *h)
{
        static const char *const keys[] = { "type", "controllers", "init", "root" };
        int r;

        snprintf(c->where, sizeof(c->where), "hierarchy");
        if (j->type != JSON_OBJECT)
                return bad(c, "not an object");
        r = check_keys(c, j, keys, ARRAY_SIZE(keys));
        if (r < 0)
                return r;
        const struct json *type = json_get(j, "type");
        if (!type || type->type != JSON_STRING)
                return bad(c, "\"type\" missing");
        if (streq(type->string, "cgroup"))
                h->version = CG_V1;
        else if (streq(type->string, "cgroup2"))
                h->version = CG_V2;
        else
                return bad(c, "\"type\" %s is neither cgroup nor cgroup2", type->string);

        const struct json *ctl = json_get(j, "controllers");
        struct strbuf sb = { 0 };
        r = strbuf_append(&sb, "", 0);
        if (r < 0)
                return r;
        if (ctl && ctl->type != JSON_ARRAY) {
                strbuf_free(&sb);
                return bad(c, "\"controllers\" is not an array");
        }
        for (size_t i = 0; ctl && i < ctl->n_items; i++) {
                const struct json *v = ctl->items[i];
                bool ok = v->type == JSON_STRING && v->len > 0 && v->len < 64 &&
                          strspn(v->string, "abcdefghijklmnopqrstuvwxyz0123456789_=-") == v->len;
                if (ok && h->version == CG_V2)
                        ok = v2_controller_known(v->string);
                if (!ok) {
                        strbuf_free(&sb);
                        return bad(c, "controller \"%s\" is not valid",
                                   v->type == JSON_STRING ? v->string : "?");
                }
                if (controller_list_has(sb.buf, v->string)) {
                        strbuf_free(&sb);
                        return bad(c, "controller \"%s\" listed twice", v->string);
                }
                if ((i > 0 && strbuf_append(&sb, ",", 1) < 0) ||
                    strbuf_append(&sb, v->string, v->len) < 0) {
                        strbuf_free(&sb);
                        return -ENOMEM;
                }
        }
        h->controllers = controllers_canonical(sb.buf);
        if (!h->controllers)
                return -ENOMEM;
        if (h->version == CG_V1 && h->controllers[0] == '\0')
                return bad(c, "a cgroup v1 hierarchy needs its controllers");

        snprintf(c->where, sizeof(c->where), "%s:/", image_hierarchy_label(h));
        c->h = h;
        r = parse_init(c, json_get(j, "init"), h);
        if (r < 0)
                return r;
        const struct json *root = json_get(j, "root");
        if (!root)
                return bad(c, "\"root\" missing");
        if (json_get(root, "name"))
                return bad(c, "the top-level cgroup has no name");
        return parse_node(c, root, &h->root, 0);
}

static bool hierarchies_overlap(const struct image_hierarchy *a, const struct image_hierarchy *b)
{
        if (a->version != b->version)
                return false;
        if (a->version == CG_V2)
                return true;
        _cleanup_free_ char *copy = strdup(a->controllers);
        if (!copy)
                return true;
        for (char *s = NULL, *t = strtok_r(copy, ",", &s); t; t = strtok_r(NULL, ",", &s))
                if (controller_list_has(b->controllers, t))
                        return true;
        return false;
}

int image_parse_crit(const struct json *root, struct cgbind_image *img, struct cgbind_error *err);

static const struct json_limits image_limits = {
        /* two JSON levels per cgroup level, plus the envelope */
        .max_depth = 2 * CGBIND_MAX_DEPTH + 16,
        .max_nodes = 20 * CGBIND_MAX_NODES,
        .max_string = CGBIND_MAX_VALUE,
};

static int image_parse_tree(const char *buf, size_t len, char **owned, struct cgbind_image *ret,
                            struct cgbind_error *err)
{
        _cleanup_(json_freep) struct json *root = NULL;
        struct cgbind_image img = { 0 };
        struct parse_ctx c = { .err = err };
        int r;

        r = json_parse(buf, len, &image_limits, &root, err, "image");
        /* the tree holds copies: the text need not live beside it */
        if (owned) {
                free(*owned);
                *owned = NULL;
        }
        if (r < 0)
                return r;
        if (root->type != JSON_OBJECT)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image: expected an object, got %s",
                                        json_type_name(root->type));
        if (json_get(root, "magic")) {
                r = image_parse_crit(root, &img, err);
                goto out;
        }
        const struct json *version = json_get(root, "cgbind");
        if (!version || version->type != JSON_INTEGER)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image: not a cgbind image (no \"cgbind\" version)");
        if (version->integer != CGBIND_IMAGE_VERSION)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image (cgbind): version %lld is not supported (this is "
                                        "version %d)",
                                        (long long)version->integer, CGBIND_IMAGE_VERSION);
        static const char *const keys[] = { "cgbind", "created", "container", "hierarchies" };
        snprintf(c.where, sizeof(c.where), "top level");
        r = check_keys(&c, root, keys, ARRAY_SIZE(keys));
        if (r < 0)
                return r;
        const struct json *created = json_get(root, "created");
        if (created && created->type == JSON_STRING && !(img.created = strdup(created->string)))
                return -ENOMEM;
        const struct json *id = json_get(json_get(root, "container"), "id");
        if (id && id->type == JSON_STRING && !(img.container_id = strdup(id->string))) {
                image_free(&img);
                return -ENOMEM;
        }
        const struct json *hs = json_get(root, "hierarchies");
        if (!hs || hs->type != JSON_ARRAY) {
                image_free(&img);
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image (hierarchies): missing or not an array");
        }
        if (hs->n_items > 64) {
                image_free(&img);
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image (hierarchies): more than 64");
        }
        img.hierarchies = calloc(hs->n_items ? hs->n_items : 1, sizeof(*img.hierarchies));
        if (!img.hierarchies) {
                image_free(&img);
                return -ENOMEM;
        }
        for (size_t i = 0; i < hs->n_items; i++) {
                struct image_hierarchy *h = &img.hierarchies[img.n_hierarchies++];
                r = parse_hierarchy(&c, hs->items[i], h);
                if (r < 0)
                        goto out;
                for (size_t k = 0; k < i; k++)
                        if (hierarchies_overlap(&img.hierarchies[k], h)) {
                                r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                     "image (%s): hierarchy named twice",
                                                     image_hierarchy_label(h));
                                goto out;
                        }
        }
        img.n_nodes = c.n_nodes;
        r = 0;
out:
        if (r < 0) {
                image_free(&img);
                return r;
        }
        *ret = img;
        return 0;
}

int image_parse(const char *buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err)
{
        return image_parse_tree(buf, len, NULL, ret, err);
}

int image_parse_consume(char **buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err)
{
        return image_parse_tree(*buf, len, buf, ret, err);
}

/* ---- writing ---- */

static void gen_freep(yajl_gen *g)
{
        if (*g)
                yajl_gen_free(*g);
}

#define GS(g, s) yajl_gen_string(g, (const unsigned char *)(s), strlen(s))

static int gen_node(yajl_gen g, const struct cg_node *n)
{
        yajl_gen_map_open(g);
        if (n->name) {
                GS(g, "name");
                GS(g, n->name);
        }
        GS(g, "properties");
        yajl_gen_map_open(g);
        for (size_t i = 0; i < n->n_props; i++) {
                GS(g, n->props[i].name);
                GS(g, n->props[i].value);
        }
        yajl_gen_map_close(g);
        GS(g, "children");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < n->n_children; i++)
                gen_node(g, &n->children[i]);
        yajl_gen_array_close(g);
        return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int image_write_json(const struct cgbind_image *img, struct strbuf *out)
{
        _cleanup_(gen_freep) yajl_gen g = yajl_gen_alloc(NULL);
        if (!g)
                return -ENOMEM;
        yajl_gen_config(g, yajl_gen_beautify, 1);
        yajl_gen_config(g, yajl_gen_indent_string, "  ");
        yajl_gen_config(g, yajl_gen_validate_utf8, 1);

        yajl_gen_map_open(g);
        GS(g, "cgbind");
        yajl_gen_integer(g, CGBIND_IMAGE_VERSION);
        if (img->created) {
                GS(g, "created");
                GS(g, img->created);
        }
        if (img->container_id) {
                GS(g, "container");
                yajl_gen_map_open(g);
                GS(g, "id");
                GS(g, img->container_id);
                yajl_gen_map_close(g);
        }
        GS(g, "hierarchies");
        yajl_gen_array_open(g);
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                yajl_gen_map_open(g);
                GS(g, "type");
                GS(g, h->version == CG_V2 ? "cgroup2" : "cgroup");
                GS(g, "controllers");
                yajl_gen_array_open(g);
                _cleanup_free_ char *copy = strdup(h->controllers);
                if (!copy)
                        return -ENOMEM;
                for (char *s = NULL, *t = strtok_r(copy, ",", &s); t; t = strtok_r(NULL, ",", &s))
                        GS(g, t);
                yajl_gen_array_close(g);
                if (h->init) {
                        GS(g, "init");
                        GS(g, h->init);
                }
                GS(g, "root");
                gen_node(g, &h->root);
                yajl_gen_map_close(g);
        }
        yajl_gen_array_close(g);
        if (yajl_gen_map_close(g) != yajl_gen_status_ok)
                return -EINVAL;

        const unsigned char *buf;
        size_t len;
        if (yajl_gen_get_buf(g, &buf, &len) != yajl_gen_status_ok)
                return -EINVAL;
        int r = strbuf_append(out, (const char *)buf, len);
        if (r >= 0 && (len == 0 || buf[len - 1] != '\n'))
                r = strbuf_append(out, "\n", 1);
        return r;
}
