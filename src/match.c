/* Image hierarchies -> located hierarchies. The common case is an exact match
 * (same version, same controller set) and costs nothing; otherwise each v1
 * controller is followed to the hierarchy that carries it here, the trees
 * that land on one hierarchy are merged, and each property goes only where
 * its controller is. */
#include <stdio.h>

#include "cgbind/match.h"
#include "cgbind/mountinfo.h"

void match_free(struct match *m)
{
        for (size_t i = 0; i < m->n; i++) {
                struct match_target *t = &m->targets[i];
                if (t->owned && t->image) {
                        free(t->image->controllers);
                        free(t->image->init);
                        cg_node_free(&t->image->root);
                        free(t->image);
                }
                free(t->label);
        }
        free(m->targets);
        *m = (struct match){ 0 };
}

static bool usable(const struct located_hierarchy *h)
{
        return h && !h->refused && h->dirfd >= 0;
}

static struct match_target *add_target(struct match *m, struct located_hierarchy *lh)
{
        for (size_t i = 0; i < m->n; i++)
                if (m->targets[i].located == lh)
                        return &m->targets[i];
        struct match_target *t = realloc(m->targets, (m->n + 1) * sizeof(*t));
        if (!t)
                return NULL;
        m->targets = t;
        t = &m->targets[m->n++];
        *t = (struct match_target){ .located = lh };
        return t;
}

static int append_label(struct match_target *t, const char *label)
{
        size_t old = t->label ? strlen(t->label) : 0;
        char *l = realloc(t->label, old + strlen(label) + 2);
        if (!l)
                return -ENOMEM;
        if (old)
                l[old++] = '+';
        strcpy(l + old, label);
        t->label = l;
        return 0;
}

static struct located_hierarchy *find_carrier(struct located *loc, const char *controller,
                                              struct located_hierarchy **ret_refused)
{
        for (size_t i = 0; i < loc->n; i++) {
                struct located_hierarchy *h = &loc->h[i];
                if (h->version != CG_V1 || !controller_list_has(h->controllers, controller))
                        continue;
                if (usable(h))
                        return h;
                *ret_refused = h;
        }
        return NULL;
}

/* A hierarchy or controller the container lacks: status 3, or with
 * --skip-missing a warning. */
static int missing(char *msg, size_t size, bool skip_missing, match_warn_fn warn, void *userdata,
                   struct cgbind_error *err)
{
        if (!skip_missing)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ENOENT, "%s", msg);
        if (warn) {
                strncat(msg, "; skipped (--skip-missing)", size - strlen(msg) - 1);
                warn(msg, userdata);
        }
        return 0;
}

int match_image(const struct cgbind_image *img, struct located *loc, bool skip_missing,
                match_warn_fn warn, void *userdata, struct match *ret, struct cgbind_error *err)
{
        struct match m = { 0 };
        char msg[1024];
        int r = 0;

        for (size_t i = 0; r >= 0 && i < img->n_hierarchies; i++) {
                struct image_hierarchy *ih = &img->hierarchies[i];
                const char *label = image_hierarchy_label(ih);
                struct located_hierarchy *lh = locate_find(loc, ih->version, ih->controllers);
                if (usable(lh) || ih->version == CG_V2) {
                        if (!usable(lh)) {
                                snprintf(msg, sizeof(msg), "hierarchy (%s): %s", label,
                                         lh ? lh->refused : "not bound into the container");
                                goto missing;
                        }
                        struct match_target *t = add_target(&m, lh);
                        if (!t || (t->image && !t->owned)) {
                                r = t ? cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                         "hierarchy (%s): named twice", label)
                                      : -ENOMEM;
                                break;
                        }
                        t->image = ih;
                        r = append_label(t, label);
                        continue;
                missing:
                        r = missing(msg, sizeof(msg), skip_missing, warn, userdata, err);
                        continue;
                }
                /* v1 without an exact match: follow each controller */
                _cleanup_free_ char *copy = strdup(ih->controllers);
                if (!copy) {
                        r = -ENOMEM;
                        break;
                }
                for (char *s = NULL, *c = strtok_r(copy, ",", &s); r >= 0 && c;
                     c = strtok_r(NULL, ",", &s)) {
                        struct located_hierarchy *refused = NULL;
                        struct located_hierarchy *carrier = find_carrier(loc, c, &refused);
                        if (!carrier) {
                                snprintf(msg, sizeof(msg), "hierarchy (%s): controller %s %s",
                                         label, c,
                                         refused ? refused->refused
                                                 : "is not bound into the container");
                                r = missing(msg, sizeof(msg), skip_missing, warn, userdata,
                                            err);
                                continue;
                        }
                        struct match_target *t = add_target(&m, carrier);
                        if (!t) {
                                r = -ENOMEM;
                                break;
                        }
                        if (t->image && !t->owned) {
                                r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                     "hierarchy (%s): its controllers are "
                                                     "also named by another hierarchy",
                                                     label);
                                break;
                        }
                        if (!t->image) {
                                t->image = calloc(1, sizeof(*t->image));
                                if (!t->image) {
                                        r = -ENOMEM;
                                        break;
                                }
                                t->owned = true;
                                t->image->version = CG_V1;
                                t->image->controllers = strdup(carrier->controllers);
                                if (!t->image->controllers) {
                                        r = -ENOMEM;
                                        break;
                                }
                        }
                        /* one image hierarchy may reach a carrier through two
                         * controllers: merge it once */
                        if (t->label) {
                                bool seen = false;
                                _cleanup_free_ char *lc = strdup(t->label);
                                if (!lc) {
                                        r = -ENOMEM;
                                        break;
                                }
                                for (char *s2 = NULL, *p = strtok_r(lc, "+", &s2); p;
                                     p = strtok_r(NULL, "+", &s2))
                                        seen |= streq(p, label);
                                if (seen)
                                        continue;
                        }
                        if (ih->init && !t->image->init && !(t->image->init = strdup(ih->init))) {
                                r = -ENOMEM;
                                break;
                        }
                        r = cg_node_merge(&t->image->root, &ih->root, carrier->controllers);
                        if (r >= 0)
                                r = append_label(t, label);
                }
        }
        if (r < 0) {
                match_free(&m);
                if (r == -ENOMEM)
                        return cgbind_error_set(err, CGBIND_FAILED, ENOMEM, "match: out of memory");
                return r;
        }
        *ret = m;
        return 0;
}
