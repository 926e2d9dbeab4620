/* v1 <-> v2 translation of an image (see convert.h).
 *
 * v1 -> v2: every v1 hierarchy's tree is merged into one; each property is
 * translated; cgroup.subtree_control is computed so that every level enables
 * what the levels below it use; and since v2 lets no process sit beside
 * children with domain controllers, an image without an init cgroup gets
 * "init.scope" for the container's init.
 * v2 -> v1: each v1 controller gets the whole tree and its own properties. */
#include <inttypes.h>
#include <stdio.h>

#include "cgbind/convert.h"

uint64_t convert_shares_to_weight(uint64_t shares)
{
        /* runc's and crun's mapping of [2, 262144] onto [1, 10000] */
        if (shares == 0)
                return 0;
        if (shares < 2)
                shares = 2;
        if (shares > 262144)
                shares = 262144;
        return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t convert_weight_to_shares(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight > 10000)
                weight = 10000;
        return 2 + ((weight - 1) * 262142) / 9999;
}

uint64_t convert_blkio_to_io_weight(uint64_t weight)
{
        /* [10, 1000] onto [1, 10000], as runc does */
        if (weight == 0)
                return 0;
        if (weight < 10)
                weight = 10;
        if (weight > 1000)
                weight = 1000;
        return 1 + ((weight - 10) * 9999) / 990;
}

uint64_t convert_io_to_blkio_weight(uint64_t weight)
{
        if (weight == 0)
                return 0;
        if (weight > 10000)
                weight = 10000;
        return 10 + ((weight - 1) * 990) / 9999;
}

struct conv {
        enum cg_version to;
        bool strict;
        convert_note_fn note;
        void *userdata;
        struct cgbind_error *err;
        char path[4096];
};

static int notef(struct conv *c, const char *fmt, ...) _printf_(2, 3);
static int notef(struct conv *c, const char *fmt, ...)
{
        char raw[900], esc[1000];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        cgbind_escape(raw, strlen(raw), esc, sizeof(esc));
        if (c->note)
                c->note(esc, c->userdata);
        return 0;
}

/* A property with no counterpart: a note, or under strict an error. */
static int lost(struct conv *c, const struct cg_prop *p)
{
        char val[120], path[600];
        cgbind_escape(p->value, strlen(p->value), val, sizeof(val));
        cgbind_escape(c->path, strlen(c->path), path, sizeof(path));
        if (c->strict)
                return cgbind_error_set(c->err, CGBIND_PRECONDITION, ENOTSUP,
                                        "convert (%s): %s has no cgroup v%d counterpart "
                                        "(mode strict)",
                                        path, p->name, c->to);
        return notef(c, "convert (%s): %s=%s has no cgroup v%d counterpart; left out", c->path,
                     p->name, p->value, c->to);
}

static const char *get(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; i < n->n_props; i++)
                if (streq(n->props[i].name, name))
                        return n->props[i].value;
        return NULL;
}

static bool parse_u64(const char *s, uint64_t *ret)
{
        char *end;
        if (!s || !*s || *s == '-')
                return false;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end)
                return false;
        *ret = v;
        return true;
}

/* v1 page-counter values: -1 and the page-rounded maximum both mean unlimited */
static bool v1_unlimited(const char *v)
{
        return prop_value_is_unlimited(v);
}

static int put(struct conv *c, struct cg_node *dst, const char *name, const char *value)
{
        const struct prop_def *def = prop_lookup(c->to, name);
        _cleanup_free_ char *canon = NULL;
        const char *reason;
        if (!def)
                return cgbind_error_set(c->err, CGBIND_INVALID, EINVAL,
                                        "convert (%s): %s is not a cgroup v%d property", c->path,
                                        name, c->to);
        int r = prop_check_value(def, value, &canon, &reason);
        if (r < 0) {
                char esc[200];
                cgbind_escape(value, strlen(value), esc, sizeof(esc));
                return cgbind_error_set(c->err, CGBIND_INVALID, EINVAL,
                                        "convert (%s): %s=\"%s\": %s", c->path, name, esc, reason);
        }
        /* a second source for the same file (io.weight, io.max) appends lines */
        for (size_t i = 0; i < dst->n_props; i++)
                if (streq(dst->props[i].name, name)) {
                        size_t a = strlen(dst->props[i].value), b = strlen(canon);
                        char *v = xrealloc(dst->props[i].value, a + b + 2);
                        v[a] = '\n';
                        memcpy(v + a + 1, canon, b + 1);
                        dst->props[i].value = v;
                        return 0;
                }
        cg_node_add_prop(dst, def, name, canon);
        return 0;
}

static int putf(struct conv *c, struct cg_node *dst, const char *name, const char *fmt, ...)
        _printf_(4, 5);
static int putf(struct conv *c, struct cg_node *dst, const char *name, const char *fmt, ...)
{
        char buf[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof(buf), fmt, ap);
        va_end(ap);
        return put(c, dst, name, buf);
}

/* ---- v1 -> v2 ---- */

static const char *const throttle_files[][2] = {
        { "blkio.throttle.read_bps_device", "rbps" },
        { "blkio.throttle.write_bps_device", "wbps" },
        { "blkio.throttle.read_iops_device", "riops" },
        { "blkio.throttle.write_iops_device", "wiops" },
};

/* blkio.bfq.weight and the per-device lines of blkio.bfq.weight_device (the
 * same 1..1000 scale) as one io.bfq.weight, its default line first: a
 * default written after a device's weight resets that weight (6.1). */
static int bfq_to_v2(struct conv *c, const struct cg_node *src, struct cg_node *dst)
{
        const char *weight = get(src, "blkio.bfq.weight");
        const char *devices = get(src, "blkio.bfq.weight_device");
        struct strbuf sb = { 0 };
        strbuf_puts(&sb, "");
        if (weight)
                strbuf_appendf(&sb, "default %s", weight);
        for (const char *l = devices ? devices : ""; *l;) {
                size_t len = strcspn(l, "\n");
                /* its own default line is blkio.bfq.weight's value */
                if (!(weight && startswith(l, "default ")))
                        strbuf_appendf(&sb, "%s%.*s", sb.len ? "\n" : "", (int)len, l);
                l += len + (l[len] == '\n');
        }
        int r = sb.len ? put(c, dst, "io.bfq.weight", sb.buf) : 0;
        strbuf_free(&sb);
        return r;
}

static int v1_props_to_v2(struct conv *c, const struct cg_node *src, struct cg_node *dst)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < src->n_props; i++) {
                const struct cg_prop *p = &src->props[i];
                const char *n = p->name, *v = p->value;
                uint64_t u;
                if (streq(n, "cpu.shares") && parse_u64(v, &u)) {
                        r = putf(c, dst, "cpu.weight", "%" PRIu64, convert_shares_to_weight(u));
                } else if (streq(n, "cpu.cfs_quota_us")) {
                        const char *period = get(src, "cpu.cfs_period_us");
                        r = putf(c, dst, "cpu.max", "%s %s", streq(v, "-1") ? "max" : v,
                                 period ? period : "100000");
                } else if (streq(n, "cpu.cfs_period_us")) {
                        if (!get(src, "cpu.cfs_quota_us"))
                                r = putf(c, dst, "cpu.max", "max %s", v);
                } else if (streq(n, "cpu.cfs_burst_us")) {
                        r = put(c, dst, "cpu.max.burst", v);
                } else if (streq(n, "cpu.idle") || streq(n, "cpuset.cpus") ||
                           streq(n, "cpuset.mems") || streq(n, "pids.max") ||
                           streq(n, "cpu.uclamp.min") || streq(n, "cpu.uclamp.max") ||
                           streq(n, "rdma.max") || streq(n, "misc.max")) {
                        /* the same file, the same grammar, in both versions */
                        r = put(c, dst, n, v);
                } else if (streq(n, "blkio.prio.class")) {
                        r = put(c, dst, "io.prio.class", v);
                } else if (streq(n, "blkio.bfq.weight") || streq(n, "blkio.bfq.weight_device")) {
                        /* both make one io.bfq.weight, made once */
                        if (!get(dst, "io.bfq.weight"))
                                r = bfq_to_v2(c, src, dst);
                } else if (streq(n, "memory.limit_in_bytes")) {
                        r = put(c, dst, "memory.max", v1_unlimited(v) ? "max" : v);
                } else if (streq(n, "memory.soft_limit_in_bytes")) {
                        r = put(c, dst, "memory.low", v1_unlimited(v) ? "max" : v);
                } else if (streq(n, "memory.memsw.limit_in_bytes")) {
                        /* v1 counts memory plus swap, v2 swap alone */
                        const char *lim = get(src, "memory.limit_in_bytes");
                        uint64_t m, l;
                        if (v1_unlimited(v))
                                r = put(c, dst, "memory.swap.max", "max");
                        else if (lim && !v1_unlimited(lim) && parse_u64(v, &m) &&
                                 parse_u64(lim, &l) && m >= l)
                                r = putf(c, dst, "memory.swap.max", "%" PRIu64, m - l);
                        else
                                r = lost(c, p);
                } else if (streq(n, "blkio.weight") && parse_u64(v, &u)) {
                        r = putf(c, dst, "io.weight", "default %" PRIu64,
                                 convert_blkio_to_io_weight(u));
                } else if (streq(n, "blkio.weight_device")) {
                        for (const char *l = v; r >= 0 && *l;) {
                                size_t len = strcspn(l, "\n");
                                char dev[32];
                                unsigned long long w;
                                if (sscanf(l, "%31s %llu", dev, &w) == 2)
                                        r = putf(c, dst, "io.weight", "%s %" PRIu64, dev,
                                                 convert_blkio_to_io_weight(w));
                                l += len + (l[len] == '\n');
                        }
                } else if (startswith(n, "blkio.throttle.")) {
                        const char *key = NULL;
                        for (size_t k = 0; k < ARRAY_SIZE(throttle_files); k++)
                                if (streq(n, throttle_files[k][0]))
                                        key = throttle_files[k][1];
                        for (const char *l = v; r >= 0 && key && *l;) {
                                size_t len = strcspn(l, "\n");
                                char dev[32];
                                unsigned long long val;
                                if (sscanf(l, "%31s %llu", dev, &val) == 2)
                                        r = val ? putf(c, dst, "io.max", "%s %s=%llu", dev, key,
                                                       val)
                                                : putf(c, dst, "io.max", "%s %s=max", dev, key);
                                l += len + (l[len] == '\n');
                        }
                } else if (startswith(n, "hugetlb.")) {
                        /* hugetlb.2MB.limit_in_bytes -> hugetlb.2MB.max */
                        char name[128];
                        size_t base = strlen(n) - strlen("limit_in_bytes");
                        if (base >= sizeof(name) - 4) {
                                r = lost(c, p);
                                continue;
                        }
                        memcpy(name, n, base);
                        strcpy(name + base, "max");
                        r = put(c, dst, name, v1_unlimited(v) ? "max" : v);
                } else {
                        r = lost(c, p);
                }
        }
        return r;
}

static void add_controller(char *set, size_t size, const char *ctl)
{
        if (controller_list_has(set, ctl))
                return;
        if (set[0])
                strncat(set, " ", size - strlen(set) - 1);
        strncat(set, ctl, size - strlen(set) - 1);
}

/* Translates src into dst (same shape) and returns in used the controllers
 * that dst and everything below it use. */
static int to_v2_tree(struct conv *c, const struct cg_node *src, struct cg_node *dst, char *used,
                      size_t used_size, bool is_top)
{
        size_t plen = strlen(c->path);
        int r = v1_props_to_v2(c, src, dst);
        if (r < 0)
                return r;
        char below[256] = "";
        for (size_t i = 0; i < src->n_children; i++) {
                struct cg_node *dc = cg_node_add_child(dst, src->children[i].name);
                snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen > 1 ? "/" : "",
                         src->children[i].name);
                char child_used[256] = "";
                r = to_v2_tree(c, &src->children[i], dc, child_used, sizeof(child_used), false);
                c->path[plen] = '\0';
                if (r < 0)
                        return r;
                for (char *s = NULL, *t = strtok_r(child_used, " ", &s); t;
                     t = strtok_r(NULL, " ", &s))
                        add_controller(below, sizeof(below), t);
        }
        /* each level enables what any level below it uses */
        if (below[0]) {
                r = put(c, dst, "cgroup.subtree_control", below);
                if (r < 0)
                        return r;
        }
        snprintf(used, used_size, "%s", below);
        for (size_t i = 0; i < dst->n_props; i++) {
                const struct prop_def *d = dst->props[i].def;
                if (d->controller && !is_top)
                        add_controller(used, used_size, d->controller);
        }
        return 0;
}

static int v1_to_v2(struct conv *c, const struct cgbind_image *img, struct cgbind_image *out)
{
        struct cg_node merged = { 0 };
        const char *init = NULL;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < img->n_hierarchies; i++) {
                if (img->hierarchies[i].version != CG_V1)
                        continue;
                cg_node_merge(&merged, &img->hierarchies[i].root, NULL);
                if (!init)
                        init = img->hierarchies[i].init;
        }
        out->hierarchies = xcalloc(1, sizeof(*out->hierarchies));
        struct image_hierarchy *h = &out->hierarchies[0];
        out->n_hierarchies = 1;
        h->version = CG_V2;
        char used[256] = "";
        snprintf(c->path, sizeof(c->path), "/");
        r = to_v2_tree(c, &merged, &h->root, used, sizeof(used), true);
        cg_node_free(&merged);
        if (r < 0)
                return r;
        /* the hierarchy's controllers: what the top-level enables, and what
         * its own limits need (a top-level cpu.weight with no child using cpu) */
        const char *sc = get(&h->root, "cgroup.subtree_control");
        struct strbuf cs = { 0 };
        strbuf_puts(&cs, sc ? sc : "");
        for (size_t i = 0; i < h->root.n_props; i++) {
                const char *pc = h->root.props[i].def->controller;
                if (pc && !controller_list_has(cs.buf, pc)) {
                        if (cs.len)
                                strbuf_puts(&cs, " ");
                        strbuf_puts(&cs, pc);
                }
        }
        char *ctl = cs.buf;
        for (char *p = ctl; *p; p++)
                if (*p == ' ')
                        *p = ',';
        r = controllers_canonical(ctl, &h->controllers);
        if (r < 0)
                return cgbind_error_set(c->err, CGBIND_INVALID, E2BIG,
                                        "convert: more than %d controllers",
                                        CGBIND_MAX_CONTROLLERS);
        if (sc && !init) {
                init = "init.scope";
                notef(c, "convert: the container's init goes to init.scope (cgroup v2 allows no "
                         "process beside children with controllers)");
        }
        if (init)
                h->init = xstrdup(init);
        /* the init cgroup must be in the tree to be created */
        if (h->init && !strchr(h->init, '/')) {
                bool have = false;
                for (size_t i = 0; i < h->root.n_children && !have; i++)
                        have = streq(h->root.children[i].name, h->init);
                if (!have)
                        cg_node_add_child(&h->root, h->init);
        }
        return 0;
}

/* ---- v2 -> v1 ---- */

static const char *const v1_targets[] = { "cpu",   "cpuset",  "memory", "pids",
                                          "blkio", "hugetlb", "rdma",   "misc" };

static int v2_props_to_v1(struct conv *c, const char *ctl, const struct cg_node *src,
                          struct cg_node *dst, bool report)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < src->n_props; i++) {
                const struct cg_prop *p = &src->props[i];
                const char *n = p->name, *v = p->value;
                const char *pc = p->def->controller;
                uint64_t u;
                bool mine = pc && (streq(pc, ctl) || (streq(ctl, "blkio") && streq(pc, "io")));
                if (!mine) {
                        /* reported once, by the first target, when nobody takes it */
                        bool taken = false;
                        for (size_t k = 0; pc && k < ARRAY_SIZE(v1_targets); k++)
                                taken |= streq(pc, v1_targets[k]) ||
                                         (streq(pc, "io") && streq(v1_targets[k], "blkio"));
                        if (report && !taken && !streq(n, "cgroup.subtree_control"))
                                r = lost(c, p);
                        continue;
                }
                if (streq(n, "cpu.weight") && parse_u64(v, &u)) {
                        r = putf(c, dst, "cpu.shares", "%" PRIu64, convert_weight_to_shares(u));
                } else if (streq(n, "cpu.max")) {
                        char quota[32], period[32] = "100000";
                        if (sscanf(v, "%31s %31s", quota, period) < 1)
                                continue;
                        r = put(c, dst, "cpu.cfs_period_us", period);
                        if (r >= 0)
                                r = put(c, dst, "cpu.cfs_quota_us",
                                        streq(quota, "max") ? "-1" : quota);
                } else if (streq(n, "cpu.max.burst")) {
                        r = put(c, dst, "cpu.cfs_burst_us", v);
                } else if (streq(n, "cpu.idle") || streq(n, "pids.max") ||
                           streq(n, "cpu.uclamp.min") || streq(n, "cpu.uclamp.max") ||
                           streq(n, "rdma.max") || streq(n, "misc.max")) {
                        r = put(c, dst, n, v);
                } else if (streq(n, "io.prio.class")) {
                        r = put(c, dst, "blkio.prio.class", v);
                } else if (streq(n, "io.bfq.weight")) {
                        /* the default line is blkio.bfq.weight, the rest per device */
                        for (const char *l = v; r >= 0 && *l;) {
                                size_t len = strcspn(l, "\n");
                                if (startswith(l, "default "))
                                        r = putf(c, dst, "blkio.bfq.weight", "%.*s",
                                                 (int)(len - strlen("default ")),
                                                 l + strlen("default "));
                                else
                                        r = putf(c, dst, "blkio.bfq.weight_device", "%.*s",
                                                 (int)len, l);
                                l += len + (l[len] == '\n');
                        }
                } else if (streq(n, "cpuset.cpus") || streq(n, "cpuset.mems")) {
                        if (v[0])
                                r = put(c, dst, n, v);
                } else if (streq(n, "memory.max")) {
                        r = put(c, dst, "memory.limit_in_bytes", streq(v, "max") ? "-1" : v);
                } else if (streq(n, "memory.low")) {
                        r = put(c, dst, "memory.soft_limit_in_bytes", streq(v, "max") ? "-1" : v);
                } else if (streq(n, "memory.swap.max")) {
                        const char *max = get(src, "memory.max");
                        uint64_t m, s;
                        if (streq(v, "max"))
                                continue; /* unlimited: a new v1 cgroup's memsw already is */
                        if (max && parse_u64(max, &m) && parse_u64(v, &s))
                                r = putf(c, dst, "memory.memsw.limit_in_bytes", "%" PRIu64, m + s);
                        else
                                r = lost(c, p);
                } else if (streq(n, "io.weight")) {
                        for (const char *l = v; r >= 0 && *l;) {
                                size_t len = strcspn(l, "\n");
                                char dev[32];
                                unsigned long long w;
                                if (sscanf(l, "%31s %llu", dev, &w) == 2) {
                                        if (streq(dev, "default"))
                                                r = putf(c, dst, "blkio.weight", "%" PRIu64,
                                                         convert_io_to_blkio_weight(w));
                                        else
                                                r = putf(c, dst, "blkio.weight_device",
                                                         "%s %" PRIu64, dev,
                                                         convert_io_to_blkio_weight(w));
                                }
                                l += len + (l[len] == '\n');
                        }
                } else if (streq(n, "io.max")) {
                        for (const char *l = v; r >= 0 && *l;) {
                                size_t len = strcspn(l, "\n");
                                char line[256], dev[32];
                                snprintf(line, sizeof(line), "%.*s", (int)len, l);
                                if (sscanf(line, "%31s", dev) == 1) {
                                        for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(throttle_files);
                                             k++) {
                                                char pat[16];
                                                snprintf(pat, sizeof(pat),
                                                         " %s=", throttle_files[k][1]);
                                                const char *at = strstr(line, pat);
                                                if (!at)
                                                        continue;
                                                at += strlen(pat);
                                                if (startswith(at, "max"))
                                                        continue;
                                                r = putf(c, dst, throttle_files[k][0], "%s %.*s",
                                                         dev, (int)strcspn(at, " "), at);
                                        }
                                }
                                l += len + (l[len] == '\n');
                        }
                } else if (startswith(n, "hugetlb.")) {
                        char name[128];
                        size_t base = strlen(n) - strlen("max");
                        if (base >= sizeof(name) - 16) {
                                r = lost(c, p);
                                continue;
                        }
                        memcpy(name, n, base);
                        strcpy(name + base, "limit_in_bytes");
                        r = put(c, dst, name, streq(v, "max") ? "-1" : v);
                } else {
                        r = lost(c, p);
                }
        }
        return r;
}

static int to_v1_tree(struct conv *c, const char *ctl, const struct cg_node *src,
                      struct cg_node *dst, bool report)
{
        size_t plen = strlen(c->path);
        int r = v2_props_to_v1(c, ctl, src, dst, report);
        for (size_t i = 0; r >= 0 && i < src->n_children; i++) {
                struct cg_node *dc = cg_node_add_child(dst, src->children[i].name);
                snprintf(c->path + plen, sizeof(c->path) - plen, "%s%s", plen > 1 ? "/" : "",
                         src->children[i].name);
                r = to_v1_tree(c, ctl, &src->children[i], dc, report);
                c->path[plen] = '\0';
        }
        return r;
}

static bool tree_uses(const struct cg_node *n, const char *controller)
{
        for (size_t i = 0; i < n->n_props; i++)
                if (n->props[i].def->controller && streq(n->props[i].def->controller, controller))
                        return true;
        for (size_t i = 0; i < n->n_children; i++)
                if (tree_uses(&n->children[i], controller))
                        return true;
        return false;
}

static int v2_to_v1(struct conv *c, const struct cgbind_image *img, struct cgbind_image *out)
{
        const struct image_hierarchy *src = NULL;
        for (size_t i = 0; i < img->n_hierarchies && !src; i++)
                if (img->hierarchies[i].version == CG_V2)
                        src = &img->hierarchies[i];
        out->hierarchies = xcalloc(ARRAY_SIZE(v1_targets), sizeof(*out->hierarchies));
        if (!src)
                return 0;
        /* the controllers the workload delegated below its top-level; a v2
         * image lists every controller the top-level had, used or not */
        const char *delegated = get(&src->root, "cgroup.subtree_control");
        bool first = true;
        for (size_t k = 0; k < ARRAY_SIZE(v1_targets); k++) {
                const char *ctl = v1_targets[k];
                const char *v2name = streq(ctl, "blkio") ? "io" : ctl;
                if (!controller_list_has(src->controllers, v2name))
                        continue;
                if (!(delegated && controller_list_has(delegated, v2name)) &&
                    !tree_uses(&src->root, v2name))
                        continue;
                struct image_hierarchy *h = &out->hierarchies[out->n_hierarchies++];
                h->version = CG_V1;
                h->controllers = xstrdup(ctl);
                snprintf(c->path, sizeof(c->path), "/");
                int r = to_v1_tree(c, ctl, &src->root, &h->root, first);
                if (r < 0)
                        return r;
                first = false;
        }
        if (first) {
                /* no v1 hierarchy takes any of it (a tree of dmem limits
                 * only): each limit is still reported, or refused when
                 * strict, never dropped without a word */
                struct cg_node scratch = { 0 };
                snprintf(c->path, sizeof(c->path), "/");
                int r = to_v1_tree(c, "", &src->root, &scratch, true);
                cg_node_free(&scratch);
                return r;
        }
        return 0;
}

int image_convert(const struct cgbind_image *img, enum cg_version to, bool strict,
                  convert_note_fn note, void *userdata, struct cgbind_image *ret,
                  struct cgbind_error *err)
{
        struct conv c = {
                .to = to, .strict = strict, .note = note, .userdata = userdata, .err = err
        };
        struct cgbind_image out = { 0 };
        int r;

        if (img->created)
                out.created = xstrdup(img->created);
        if (img->container_id)
                out.container_id = xstrdup(img->container_id);
        r = to == CG_V2 ? v1_to_v2(&c, img, &out) : v2_to_v1(&c, img, &out);
        /* what the conversion made passes the same checks as any image */
        if (r >= 0)
                r = image_validate(&out, err);
        if (r < 0) {
                image_free(&out);
                return r;
        }
        *ret = out;
        return 0;
}

static bool image_has(const struct cgbind_image *img, enum cg_version v)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                if (img->hierarchies[i].version == v)
                        return true;
        return false;
}

static bool host_has(const struct located *loc, enum cg_version v)
{
        for (size_t i = 0; i < loc->n; i++)
                if (loc->h[i].version == v && located_usable(&loc->h[i]))
                        return true;
        return false;
}

int image_convert_for_host(struct cgbind_image *img, const struct located *loc, bool strict,
                           bool expected, convert_note_fn note, void *userdata,
                           struct cgbind_error *err)
{
        enum cg_version to;
        if (image_has(img, CG_V1) && !image_has(img, CG_V2) && host_has(loc, CG_V2) &&
            !host_has(loc, CG_V1))
                to = CG_V2;
        else if (image_has(img, CG_V2) && !image_has(img, CG_V1) && host_has(loc, CG_V1) &&
                 !host_has(loc, CG_V2))
                to = CG_V1;
        else
                return 0;
        if (!expected && note) {
                char msg[200];
                snprintf(msg, sizeof(msg),
                         "image (cgroup v%d): the container's cgroups are v%d; converting",
                         3 - (int)to, (int)to);
                note(msg, userdata);
        }
        struct cgbind_image converted = { 0 };
        int r = image_convert(img, to, strict, note, userdata, &converted, err);
        if (r < 0)
                return r;
        image_free(img);
        *img = converted;
        return 0;
}
