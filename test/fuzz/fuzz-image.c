/* The image, native and CRIU crit JSON: it may come from inside an untrusted
 * container. What parse accepts must satisfy everything DESIGN.md's "What an
 * image may never do" asks, and must survive a write and a re-parse. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/show.h"

#include "fuzz.h"

static size_t check_node(const struct image_hierarchy *h, const struct cg_node *n, size_t depth)
{
        size_t count = 0;
        const char *reason;

        if (depth > CGBIND_MAX_DEPTH)
                abort();
        if (depth == 0 ? n->name != NULL
                       : !n->name || !cgroup_name_valid(n->name, strlen(n->name), &reason))
                abort();
        for (size_t i = 0; i < n->n_props; i++) {
                const struct cg_prop *p = &n->props[i];
                const struct prop_def *def = prop_lookup(h->version, p->name);
                char *canon = NULL;
                if (!def || def != p->def || prop_is_forbidden(p->name))
                        abort();
                /* one value per file: a second one would be written after the first,
                 * and image_write_json would make a document with a duplicate key */
                for (size_t k = 0; k < i; k++)
                        if (strcmp(n->props[k].name, p->name) == 0) {
                                fprintf(stderr, "property %s twice in one cgroup\n", p->name);
                                abort();
                        }
                if (def->controller && !controller_list_has(h->controllers, def->controller))
                        abort();
                if (prop_check_value(def, p->value, &canon, &reason) < 0)
                        abort();
                /* canonical form is a fixed point */
                if (strcmp(canon, p->value) != 0)
                        abort();
                free(canon);
        }
        for (size_t i = 0; i < n->n_children; i++) {
                for (size_t k = 0; k < i; k++)
                        if (strcmp(n->children[i].name, n->children[k].name) == 0)
                                abort();
                count += 1 + check_node(h, &n->children[i], depth + 1);
        }
        return count;
}

static void check_image(const struct cgbind_image *img)
{
        size_t nodes = 0;
        for (size_t i = 0; i < img->n_hierarchies; i++) {
                const struct image_hierarchy *h = &img->hierarchies[i];
                if (h->version != CG_V1 && h->version != CG_V2)
                        abort();
                if (h->version == CG_V1 && !h->controllers[0])
                        abort();
                if (h->init) {
                        /* a relative path of valid names */
                        const char *reason;
                        for (const char *p = h->init;;) {
                                size_t l = strcspn(p, "/");
                                if (!cgroup_name_valid(p, l, &reason))
                                        abort();
                                if (!p[l])
                                        break;
                                p += l + 1;
                        }
                }
                nodes += check_node(h, &h->root, 0);
        }
        if (nodes != img->n_nodes || nodes > CGBIND_MAX_NODES)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_copy(data, size);
        struct cgbind_image img = { 0 }, again = { 0 };
        struct cgbind_error err = { 0 };
        struct strbuf out = { 0 }, out2 = { 0 }, shown = { 0 };

        int r = image_parse(buf, size, &img, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                check_image(&img);
                show_image(&img, &shown);
                /* shown to a terminal: nothing it could act on */
                for (size_t i = 0; i < shown.len; i++)
                        CHECK((unsigned char)shown.buf[i] >= 0x20 || shown.buf[i] == '\n');
                /* what cgbind writes it reads back, unchanged */
                err = (struct cgbind_error){ 0 };
                if (image_write_json(&img, &out, &err) < 0) {
                        fprintf(stderr, "write failed: %s\n", err.msg);
                        abort();
                }
                err = (struct cgbind_error){ 0 };
                if (image_parse(out.buf, out.len, &again, &err) < 0) {
                        fprintf(stderr, "re-parse failed: %s\n", err.msg);
                        abort();
                }
                /* validation is one pass: running it again changes nothing */
                size_t n_nodes = again.n_nodes;
                err = (struct cgbind_error){ 0 };
                CHECK(image_validate(&again, &err) == 0 && again.n_nodes == n_nodes);
                CHECK(again.n_nodes == img.n_nodes);
                if (image_write_json(&again, &out2, &err) < 0 || out.len != out2.len ||
                    memcmp(out.buf, out2.buf, out.len) != 0)
                        abort();
                image_free(&again);
                image_free(&img);
        }
        strbuf_free(&out);
        strbuf_free(&out2);
        strbuf_free(&shown);
        free(buf);
        return 0;
}
