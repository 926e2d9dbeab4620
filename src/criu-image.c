/* CRIU's cgroup.img, as `crit decode` prints it:
 *   { "magic": "CGROUP", "entries": [ { "sets": [ { "id", "ctls": [ { "name", "path" } ] } ],
 *       "controllers": [ { "cnames": [...], "dirs": [ { "dir_name", "children",
 *       "properties": [ { "name", "value" } ] } ] } ] } ] }
 * The first set is the root task's: its path in each hierarchy is the
 * container's top-level cgroup, and the dirs below it become the image tree.
 * CRIU records every property it knows, including ones cgbind never writes
 * (notify_on_release, cpuset.cpu_exclusive): those are dropped and counted,
 * not refused, or no CRIU image could be read. The result goes through
 * image_validate() like a native image (image.c). */
#include <stdio.h>

#include "cgbind/path.h"
#include "image-internal.h"

struct crit_ctx {
        struct cgbind_error *err;
        struct image_hierarchy *h;
        size_t n_nodes;
        size_t n_dropped;
};

static int crit_bad(struct crit_ctx *c, const char *fmt, ...) _printf_(2, 3);
static int crit_bad(struct crit_ctx *c, const char *fmt, ...)
{
        char esc[700];
        va_list ap;
        va_start(ap, fmt);
        cgbind_format_escaped(esc, sizeof(esc), fmt, ap);
        va_end(ap);
        return cgbind_error_set(c->err, CGBIND_INVALID, EINVAL, "image (CRIU cgroup.img): %s", esc);
}

static const char *str_member(const struct json *obj, const char *key)
{
        const struct json *v = json_get(obj, key);
        return v && v->type == JSON_STRING ? v->string : NULL;
}

static const struct json *array_member(const struct json *obj, const char *key)
{
        const struct json *v = json_get(obj, key);
        return v && v->type == JSON_ARRAY ? v : NULL;
}

static int cmp_prop_ref(const void *a, const void *b)
{
        const struct cg_prop *x = *(const struct cg_prop *const *)a;
        const struct cg_prop *y = *(const struct cg_prop *const *)b;
        int d = strcmp(x->name, y->name);
        /* equal names keep their order: the first one stays */
        return d ? d : (x < y ? -1 : x > y);
}

/* CRIU lists the core files once per co-mounted controller: a property
 * repeated with the same value is kept once (the first), with another
 * value it is refused. Sorted, not pairwise (issue 23.6). */
static int drop_repeats(struct crit_ctx *c, struct cg_node *node)
{
        if (node->n_props < 2)
                return 0;
        _cleanup_free_ struct cg_prop **by_name = xcalloc(node->n_props, sizeof(*by_name));
        _cleanup_free_ bool *drop = xcalloc(node->n_props, sizeof(*drop));
        for (size_t i = 0; i < node->n_props; i++)
                by_name[i] = &node->props[i];
        qsort(by_name, node->n_props, sizeof(*by_name), cmp_prop_ref);
        for (size_t i = 1; i < node->n_props; i++) {
                const struct cg_prop *first = by_name[i - 1], *p = by_name[i];
                if (!streq(first->name, p->name))
                        continue;
                if (!streq(first->value, p->value))
                        return crit_bad(c, "%s given twice with different values", p->name);
                drop[p - node->props] = true;
                by_name[i] = by_name[i - 1]; /* a third one compares with the first */
        }
        size_t k = 0;
        for (size_t i = 0; i < node->n_props; i++) {
                if (drop[i]) {
                        free(node->props[i].name);
                        free(node->props[i].value);
                } else {
                        node->props[k++] = node->props[i];
                }
        }
        node->n_props = k;
        return 0;
}

static int add_props(struct crit_ctx *c, const struct json *dir, struct cg_node *node)
{
        const struct json *props = array_member(dir, "properties");
        for (size_t i = 0; props && i < props->n_items; i++) {
                const char *name = str_member(props->items[i], "name");
                const char *value = str_member(props->items[i], "value");
                if (!name || !value)
                        return crit_bad(c, "a property without name or value");
                const struct prop_def *def = prop_lookup(c->h->version, name);
                if (prop_is_forbidden(name) || !def ||
                    (def->controller && !controller_list_has(c->h->controllers, def->controller))) {
                        c->n_dropped++;
                        continue;
                }
                /* CRIU keeps the kernel's trailing newline in some versions,
                 * and the file as the kernel prints it (oom_control's lines) */
                _cleanup_free_ char *raw = xstrdup(value);
                size_t l = strlen(raw);
                while (l > 0 && raw[l - 1] == '\n')
                        raw[--l] = '\0';
                _cleanup_free_ char *v = prop_from_kernel(def, raw);
                /* CRIU records every file of every cgroup: what a new cgroup
                 * has anyway is left out, as save does (a default written
                 * back fails where the kernel lacks the file: cpu.rt_*) */
                if (prop_is_default(def, v))
                        continue;
                if (def->grammar == GRAM_THREADED && !streq(v, "threaded"))
                        continue;
                if (def->grammar == GRAM_CONTROLLERS && v[0] == '\0')
                        continue;
                const char *reason;
                if (prop_check_value(def, v, NULL, &reason) < 0)
                        return crit_bad(c, "value of %s (\"%s\"): %s", name, v, reason);
                if (node->n_props == CGBIND_MAX_PROPS)
                        return crit_bad(c, "more than %d properties in one cgroup",
                                        CGBIND_MAX_PROPS);
                cg_node_add_prop(node, def, name, v);
        }
        return drop_repeats(c, node);
}

static int add_children(struct crit_ctx *c, const struct json *dir, struct cg_node *node,
                        size_t depth)
{
        const struct json *children = array_member(dir, "children");
        for (size_t i = 0; children && i < children->n_items; i++) {
                const struct json *cd = children->items[i];
                const char *name = str_member(cd, "dir_name");
                const char *reason;
                if (!name)
                        return crit_bad(c, "a directory without dir_name");
                /* CRIU writes child names relative to their parent */
                const char *base = strrchr(name, '/');
                base = base ? base + 1 : name;
                if (!cgroup_name_valid(base, strlen(base), &reason))
                        return crit_bad(c, "sub-cgroup name \"%s\": %s", base, reason);
                if (depth + 1 > CGBIND_MAX_DEPTH)
                        return crit_bad(c, "tree deeper than %d levels", CGBIND_MAX_DEPTH);
                if (++c->n_nodes > CGBIND_MAX_NODES)
                        return crit_bad(c, "more than %d sub-cgroups", CGBIND_MAX_NODES);
                struct cg_node *child = cg_node_add_child(node, base);
                int r = add_props(c, cd, child);
                if (r >= 0)
                        r = add_children(c, cd, child, depth + 1);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* CRIU's names for a directory: absolute without the leading slash for a
 * top entry ("ck", "init.scope/ck", "" for the root). */
static int crit_path(struct crit_ctx *c, const char *raw, char *buf, size_t size)
{
        if (strlen(raw) + 2 > size)
                return crit_bad(c, "a directory path longer than %d bytes", CGBIND_MAX_PATH);
        snprintf(buf, size, "%s%s", raw[0] == '/' ? "" : "/", raw);
        return 0;
}

/* Adds what CRIU dumped at and below top (absolute) to root. CRIU's top
 * entries carry absolute names, their children relative names. A top entry
 * may hold top (v1: the container's cgroup and its sub-tree), or lie below it
 * (v2: CRIU 3.17 dumps only the task's own cgroup, "ck/init.scope"). */
static int add_dirs_below(struct crit_ctx *c, const struct json *dirs, const char *top,
                          struct cg_node *root)
{
        for (size_t i = 0; dirs && i < dirs->n_items; i++) {
                const struct json *d = dirs->items[i];
                const char *raw = str_member(d, "dir_name");
                char name[CGBIND_MAX_PATH + 2];
                int r;
                if (!raw)
                        return crit_bad(c, "a directory without dir_name");
                r = crit_path(c, raw, name, sizeof(name));
                if (r < 0)
                        return r;
                if (path_is_beneath(top, name)) {
                        /* descend from the entry to top by child names */
                        const char *rest = top + (streq(name, "/") ? 1 : strlen(name));
                        rest += strspn(rest, "/");
                        while (*rest && d) {
                                size_t l = strcspn(rest, "/");
                                const struct json *children = array_member(d, "children");
                                const struct json *next = NULL;
                                for (size_t k = 0; children && k < children->n_items && !next;
                                     k++) {
                                        const char *cn = str_member(children->items[k], "dir_name");
                                        const char *b = cn ? strrchr(cn, '/') : NULL;
                                        b = b ? b + 1 : cn;
                                        if (b && strlen(b) == l && strncmp(b, rest, l) == 0)
                                                next = children->items[k];
                                }
                                d = next;
                                rest += l;
                                rest += strspn(rest, "/");
                        }
                        if (!d)
                                continue;
                        r = add_props(c, d, root);
                        if (r >= 0)
                                r = add_children(c, d, root, 0);
                } else if (path_is_beneath(name, top)) {
                        /* an entry below top: make the nodes on the way */
                        struct cg_node *n = root;
                        const char *rel = name + (streq(top, "/") ? 1 : strlen(top));
                        size_t depth = 0;
                        rel += strspn(rel, "/");
                        while (*rel) {
                                size_t l = strcspn(rel, "/");
                                char comp[CGBIND_MAX_NAME + 1];
                                const char *reason;
                                if (l > CGBIND_MAX_NAME || !cgroup_name_valid(rel, l, &reason))
                                        return crit_bad(c, "directory \"%s\": not a valid path",
                                                        raw);
                                if (++depth > CGBIND_MAX_DEPTH)
                                        return crit_bad(c, "tree deeper than %d levels",
                                                        CGBIND_MAX_DEPTH);
                                memcpy(comp, rel, l);
                                comp[l] = '\0';
                                struct cg_node *next = NULL;
                                for (size_t k = 0; k < n->n_children && !next; k++)
                                        if (streq(n->children[k].name, comp))
                                                next = &n->children[k];
                                if (!next) {
                                        if (++c->n_nodes > CGBIND_MAX_NODES)
                                                return crit_bad(c, "more than %d sub-cgroups",
                                                                CGBIND_MAX_NODES);
                                        next = cg_node_add_child(n, comp);
                                }
                                n = next;
                                rel += l;
                                rel += strspn(rel, "/");
                        }
                        r = add_props(c, d, n);
                        if (r >= 0)
                                r = add_children(c, d, n, depth);
                } else {
                        continue;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The root set's path for a hierarchy named like "cpu,cpuacct" or "". */
static const char *root_set_path(const struct json *sets, const char *controllers, bool v2,
                                 size_t *ret_prefix)
{
        const struct json *set = sets && sets->n_items ? sets->items[0] : NULL;
        const struct json *ctls = array_member(set, "ctls");
        for (size_t i = 0; ctls && i < ctls->n_items; i++) {
                const char *name = str_member(ctls->items[i], "name");
                const char *path = str_member(ctls->items[i], "path");
                if (!name || !path)
                        continue;
                bool is_v2 = name[0] == '\0' || streq(name, "unified");
                if (v2 ? is_v2 : !is_v2 && streq(name, controllers)) {
                        /* cgns_prefix: the length of the cgroup namespace's
                         * root in path, the container's top-level */
                        const struct json *pfx = json_get(ctls->items[i], "cgns_prefix");
                        size_t n = strlen(path);
                        *ret_prefix = n;
                        if (pfx && pfx->type == JSON_INTEGER && pfx->integer > 0 &&
                            (size_t)pfx->integer <= n &&
                            (path[pfx->integer] == '/' || path[pfx->integer] == '\0'))
                                *ret_prefix = (size_t)pfx->integer;
                        return path;
                }
        }
        return NULL;
}

/* The controller names of one CRIU controller entry; v2 for "" or "unified". */
static int crit_controllers(struct crit_ctx *c, const struct json *cnames, bool *ret_v2, char **ret)
{
        struct strbuf sb = { 0 };
        bool v2 = false;
        strbuf_puts(&sb, "");
        for (size_t k = 0; cnames && k < cnames->n_items; k++) {
                const struct json *n = cnames->items[k];
                if (n->type != JSON_STRING || n->len > CGBIND_MAX_CONTROLLER_NAME ||
                    strspn(n->string, "abcdefghijklmnopqrstuvwxyz0123456789_=-") != n->len) {
                        strbuf_free(&sb);
                        return crit_bad(c, "controller name is not valid");
                }
                if (n->len == 0 || streq(n->string, "unified")) {
                        v2 = true;
                        continue;
                }
                if (sb.len)
                        strbuf_puts(&sb, ",");
                strbuf_append(&sb, n->string, n->len);
        }
        if (v2) {
                /* v2: the controllers are whatever the properties need */
                strbuf_free(&sb);
                *ret_v2 = true;
                *ret = xstrdup("cpu,cpuset,hugetlb,io,memory,misc,pids,rdma");
                return 0;
        }
        if (sb.len == 0) {
                strbuf_free(&sb);
                return crit_bad(c, "a controller entry without names");
        }
        *ret_v2 = false;
        return image_controllers("CRIU cgroup.img", sb.buf, ret, c->err);
}

int image_parse_crit(const struct json *root, struct cgbind_image *img, struct cgbind_error *err)
{
        struct crit_ctx c = { .err = err };
        const char *magic = str_member(root, "magic");
        if (!magic || !streq(magic, "CGROUP"))
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image (magic): not a CRIU cgroup.img (magic %s)",
                                        magic ? "is not CGROUP" : "missing");
        const struct json *entries = array_member(root, "entries");
        if (!entries || entries->n_items != 1)
                return crit_bad(&c, "expected exactly one entry");
        const struct json *entry = entries->items[0];
        const struct json *sets = array_member(entry, "sets");
        const struct json *ctrls = array_member(entry, "controllers");
        if (!sets || sets->n_items == 0 || !ctrls)
                return crit_bad(&c, "no sets or no controllers");
        if (ctrls->n_items > CGBIND_MAX_HIERARCHIES)
                return crit_bad(&c, "more than %d controllers", CGBIND_MAX_HIERARCHIES);

        img->hierarchies = xcalloc(ctrls->n_items, sizeof(*img->hierarchies));
        int r = 0;
        for (size_t i = 0; r >= 0 && i < ctrls->n_items; i++) {
                const struct json *ce = ctrls->items[i];
                struct image_hierarchy *h = &img->hierarchies[img->n_hierarchies++];
                bool v2 = false;
                r = crit_controllers(&c, array_member(ce, "cnames"), &v2, &h->controllers);
                if (r < 0)
                        break;
                h->version = v2 ? CG_V2 : CG_V1;
                c.h = h;
                size_t prefix = 0;
                const char *path = root_set_path(sets, h->controllers, v2, &prefix);
                if (!path)
                        continue; /* the container is not in this hierarchy: nothing below it */
                if (prefix > CGBIND_MAX_PATH)
                        return crit_bad(&c, "a cgroup path longer than %d bytes", CGBIND_MAX_PATH);
                char top[CGBIND_MAX_PATH + 1];
                snprintf(top, sizeof(top), "%.*s", (int)prefix, path);
                if (!top[0] || streq(top, "/")) {
                        /* the container has no cgroup of its own here (runc leaves
                         * misc alone): as save does, leave the hierarchy out */
                        image_hierarchy_free(h);
                        img->n_hierarchies--;
                        continue;
                }
                /* where the root task sat below the top-level: the image's
                 * init (image_validate checks it like a native one) */
                const char *init = path + prefix;
                init += strspn(init, "/");
                if (*init)
                        h->init = xstrdup(init);
                r = add_dirs_below(&c, array_member(ce, "dirs"), top, &h->root);
        }
        img->n_dropped = c.n_dropped;
        return r;
}
