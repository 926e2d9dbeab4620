/* The human view of an image. */
#include <inttypes.h>
#include <stdio.h>

#include "cgbind/show.h"

/* memory.*, hugetlb.* and blkio byte limits read better as 100M than as 104857600 */
static bool is_byte_size(const struct cg_prop *p)
{
        return (startswith(p->name, "memory.") && !streq(p->name, "memory.swappiness") &&
                !streq(p->name, "memory.oom.group") && !streq(p->name, "memory.use_hierarchy")) ||
               (startswith(p->name, "hugetlb.") && !streq(p->name, "hugetlb.*"));
}

static void human_size(const char *v, char *buf, size_t size)
{
        static const char units[] = "KMGTPE";
        char *end;
        buf[0] = '\0';
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || *end || n < 1024 || n >= INT64_C(9223372036854771712))
                return;
        double d = (double)n;
        int u = -1;
        while (d >= 1024 && u < 5) {
                d /= 1024;
                u++;
        }
        if (d == (double)(long long)d)
                snprintf(buf, size, " (%lld%c)", (long long)d, units[u]);
        else
                snprintf(buf, size, " (%.1f%c)", d, units[u]);
}

static int show_props(const struct cg_node *n, struct strbuf *out)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n->n_props; i++) {
                const struct cg_prop *p = &n->props[i];
                char esc[512], human[32] = "";
                cgbind_escape(p->value, strlen(p->value), esc, sizeof(esc));
                if (is_byte_size(p))
                        human_size(p->value, human, sizeof(human));
                bool quote = strchr(p->value, ' ') || p->value[0] == '\0' ||
                             strchr(p->value, '\n');
                r = strbuf_appendf(out, "  %s=%s%s%s%s", p->name, quote ? "\"" : "", esc,
                                   quote ? "\"" : "", human);
        }
        return r < 0 ? r : strbuf_append(out, "\n", 1);
}

static int show_children(const struct cg_node *n, struct strbuf *prefix, struct strbuf *out)
{
        int r = 0;
        for (size_t i = 0; r >= 0 && i < n->n_children; i++) {
                const struct cg_node *c = &n->children[i];
                bool last = i + 1 == n->n_children;
                char esc[600];
                cgbind_escape(c->name, strlen(c->name), esc, sizeof(esc));
                r = strbuf_appendf(out, "%s%s%s", prefix->buf, last ? "└─" : "├─", esc);
                if (r >= 0)
                        r = show_props(c, out);
                if (r < 0)
                        break;
                size_t saved = prefix->len;
                r = strbuf_append(prefix, last ? "  " : "│ ", last ? 2 : 4);
                if (r >= 0)
                        r = show_children(c, prefix, out);
                prefix->len = saved;
                prefix->buf[saved] = '\0';
        }
        return r;
}

int show_image(const struct cgbind_image *img, struct strbuf *out)
{
        int r = 0;
        if (img->container_id || img->created) {
                char esc[300];
                const char *id = img->container_id ? img->container_id : "-";
                cgbind_escape(id, strlen(id), esc, sizeof(esc));
                r = strbuf_appendf(out, "container %s, saved %s\n", esc,
                                   img->created ? img->created : "-");
        }
        for (size_t i = 0; r >= 0 && i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                r = strbuf_appendf(out, "%s%s %s", i || img->container_id ? "\n" : "",
                                   h->version == CG_V2 ? "cgroup2" : "cgroup",
                                   h->controllers[0] ? h->controllers : "-");
                if (r >= 0 && h->init)
                        r = strbuf_appendf(out, "  (init in %s)", h->init);
                if (r >= 0)
                        r = strbuf_append(out, "\n/", 2);
                if (r >= 0)
                        r = show_props(&h->root, out);
                struct strbuf prefix = { 0 };
                if (r >= 0)
                        r = strbuf_append(&prefix, "", 0);
                if (r >= 0)
                        r = show_children(&h->root, &prefix, out);
                strbuf_free(&prefix);
        }
        return r;
}
