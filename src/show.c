/* The human view of an image. */
#include <inttypes.h>
#include <stdio.h>
#include <fcntl.h>

#include "cgbind/convert.h"
#include "cgbind/fsutil.h"
#include "cgbind/show.h"

/* byte limits (the table's PROP_BYTES) read better as 100M than as 104857600 */
static bool is_byte_size(const struct cg_prop *p)
{
        return p->def && (p->def->flags & PROP_BYTES);
}

static void human_size(const char *v, char *buf, size_t size)
{
        static const char units[] = "KMGTPE";
        char *end;
        buf[0] = '\0';
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || *end || n < 1024 || prop_value_is_unlimited(v))
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

static void show_props(const struct cg_node *n, struct strbuf *out)
{
        for (size_t i = 0; i < n->n_props; i++) {
                const struct cg_prop *p = &n->props[i];
                char human[32] = "";
                if (is_byte_size(p))
                        human_size(p->value, human, sizeof(human));
                bool quote = strchr(p->value, ' ') || p->value[0] == '\0' || strchr(p->value, '\n');
                strbuf_appendf(out, "  %s=%s", p->name, quote ? "\"" : "");
                strbuf_append_escaped(out, p->value, strlen(p->value));
                strbuf_appendf(out, "%s%s", quote ? "\"" : "", human);
        }
        strbuf_puts(out, "\n");
}

static void show_children(const struct cg_node *n, struct strbuf *prefix, struct strbuf *out)
{
        for (size_t i = 0; i < n->n_children; i++) {
                const struct cg_node *c = &n->children[i];
                bool last = i + 1 == n->n_children;
                strbuf_appendf(out, "%s%s", prefix->buf, last ? "└─" : "├─");
                strbuf_append_escaped(out, c->name, strlen(c->name));
                show_props(c, out);
                size_t saved = prefix->len;
                strbuf_append(prefix, last ? "  " : "│ ", last ? 2 : 4);
                show_children(c, prefix, out);
                prefix->len = saved;
                prefix->buf[saved] = '\0';
        }
}

void show_image(const struct cgbind_image *img, struct strbuf *out)
{
        strbuf_puts(out, "");
        if (img->container_id || img->created) {
                const char *id = img->container_id ? img->container_id : "-";
                const char *created = img->created ? img->created : "-";
                strbuf_puts(out, "container ");
                strbuf_append_escaped(out, id, strlen(id));
                strbuf_puts(out, ", saved ");
                strbuf_append_escaped(out, created, strlen(created));
                strbuf_puts(out, "\n");
        }
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                strbuf_appendf(out, "%s%s %s", i || img->container_id ? "\n" : "",
                               h->version == CG_V2 ? "cgroup2" : "cgroup",
                               h->controllers[0] ? h->controllers : "-");
                if (h->init) {
                        strbuf_puts(out, "  (init in ");
                        strbuf_append_escaped(out, h->init, strlen(h->init));
                        strbuf_puts(out, ")");
                }
                strbuf_puts(out, "\n/");
                show_props(&h->root, out);
                struct strbuf prefix = { 0 };
                strbuf_puts(&prefix, "");
                show_children(&h->root, &prefix, out);
                strbuf_free(&prefix);
        }
}

static void note_cb(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

int show_run(const struct show_options *o, struct cgbind_log *log, struct cgbind_error *err)
{
        struct cgbind_image img = { 0 };
        struct strbuf out = { 0 };

        _cleanup_close_ int fd =
                open_regular_file(AT_FDCWD, o->path, false, CGBIND_DEFAULT_MAX_IMAGE);
        if (fd < 0)
                return regular_file_error(err, fd, "image", NULL, o->path,
                                          CGBIND_DEFAULT_MAX_IMAGE);
        int r = image_parse_fd(fd, CGBIND_DEFAULT_MAX_IMAGE, &img, err);
        if (r < 0)
                return r;
        if (img.n_dropped)
                log_msg(log, LOG_LEVEL_WARNING,
                        "image (CRIU cgroup.img): %zu properties that cgbind never writes were "
                        "left out",
                        img.n_dropped);
        if (o->convert_to) {
                struct cgbind_image converted = { 0 };
                r = image_convert(&img, (enum cg_version)o->convert_to, false, note_cb, log,
                                  &converted, err);
                if (r >= 0) {
                        image_free(&img);
                        img = converted;
                }
        }
        if (r >= 0) {
                if (o->json)
                        r = image_write_json(&img, &out, err);
                else
                        show_image(&img, &out);
        }
        if (r >= 0 && out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
                r = cgbind_error_set(err, CGBIND_FAILED, EIO, "output (stdout): %s", strerror(EIO));
        strbuf_free(&out);
        image_free(&img);
        return r;
}
