/* The planner, with the invariant the whole design rests on: whatever the
 * image and whatever exists, no operation leaves the container's sub-tree and
 * no file outside the allowlist is written.
 *
 * Input: an image (JSON), optionally followed by a NUL byte and bytes that
 * describe what exists below the top-level (which sub-cgroups, which current
 * values). Every mode is planned for every hierarchy. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"

#include "fuzz.h"

#define FUZZ_PID 4242

struct bytes {
        const uint8_t *p;
        size_t n;
};

static uint8_t next(struct bytes *b)
{
        if (b->n == 0)
                return 0;
        b->n--;
        return *b->p++;
}

static char *dup_or_die(const char *s)
{
        char *d = strdup(s);
        if (!d)
                abort();
        return d;
}

/* A current value as a cgroup file could hold it: often the image's own
 * value, sometimes the kernel's defaults, sometimes anything at all. */
static char *observed_value_from(struct bytes *b, const struct cg_prop *p)
{
        static const char *const pool[] = { "", "max", "0", "-1", "cpu io memory pids",
                                            "9223372036854771712", "max 100000", "0-1" };
        uint8_t k = next(b);
        switch (k % 4) {
        case 0:
                return NULL;
        case 1:
                return dup_or_die(p->value);
        case 2:
                return dup_or_die(pool[(k >> 2) % (sizeof(pool) / sizeof(pool[0]))]);
        default: {
                size_t len = next(b) % 24;
                char *s = malloc(len + 1);
                if (!s)
                        abort();
                for (size_t i = 0; i < len; i++)
                        s[i] = (char)(next(b) | 1); /* no NUL inside: cg_read_at strings */
                s[len] = '\0';
                return s;
        }
        }
}

static void build_observed(struct bytes *b, const struct cg_node *n, struct observed_node *o,
                           bool exists)
{
        *o = (struct observed_node){ .exists = exists };
        if (!exists)
                return;
        if (n->n_props) {
                o->values = calloc(n->n_props, sizeof(char *));
                if (!o->values)
                        abort();
                for (size_t i = 0; i < n->n_props; i++)
                        o->values[i] = observed_value_from(b, &n->props[i]);
        }
        if (n->n_children) {
                o->children = calloc(n->n_children, sizeof(*o->children));
                if (!o->children)
                        abort();
                for (size_t i = 0; i < n->n_children; i++)
                        build_observed(b, &n->children[i], &o->children[i], next(b) & 1);
        }
}

/* The image node and observed node at rel ("" is the top-level), or NULLs. */
static void lookup(const struct cg_node *root, const struct observed_node *oroot, const char *rel,
                   const struct cg_node **ret_n, const struct observed_node **ret_o)
{
        const struct cg_node *n = root;
        const struct observed_node *o = oroot;
        for (const char *p = rel; *p && n;) {
                size_t l = strcspn(p, "/");
                const struct cg_node *next_n = NULL;
                const struct observed_node *next_o = NULL;
                for (size_t i = 0; i < n->n_children; i++)
                        if (strlen(n->children[i].name) == l &&
                            strncmp(n->children[i].name, p, l) == 0) {
                                next_n = &n->children[i];
                                next_o = o && o->children ? &o->children[i] : NULL;
                        }
                n = next_n;
                o = next_o;
                p += l;
                if (*p == '/')
                        p++;
        }
        *ret_n = n;
        *ret_o = o;
}

static bool subtree_value_ok(const char *v)
{
        /* "+cpu +memory" or "-cpu" (an undo): signed known controller names */
        if (!*v)
                return false;
        for (const char *p = v; *p;) {
                size_t l = strcspn(p, " ");
                char name[32];
                if (l < 2 || l >= sizeof(name) || (p[0] != '+' && p[0] != '-'))
                        return false;
                memcpy(name, p + 1, l - 1);
                name[l - 1] = '\0';
                if (!v2_controller_known(name))
                        return false;
                p += l;
                if (*p == ' ')
                        p++;
        }
        return true;
}

static void check_plan(const struct plan *plan, const struct cgbind_image *img,
                       const struct observed_node *observed, const struct plan_options *opts,
                       const bool *init_in_top, const size_t *first_op)
{
        const char *reason;

        for (size_t i = 0; i < plan->n_dirs; i++) {
                const struct plan_dir *d = &plan->dirs[i];
                CHECK(d->hier < img->n_hierarchies);
                CHECK(d->rel != NULL);
                if (d->parent == PLAN_NO_PARENT) {
                        CHECK(d->name == NULL && d->rel[0] == '\0');
                        continue;
                }
                CHECK(d->parent < i);
                const struct plan_dir *p = &plan->dirs[d->parent];
                CHECK(p->hier == d->hier);
                CHECK(d->name && cgroup_name_valid(d->name, strlen(d->name), &reason));
                /* rel is the parent's rel and the name: nothing else can sneak in */
                size_t pl = strlen(p->rel);
                CHECK(strncmp(d->rel, p->rel, pl) == 0);
                CHECK(strcmp(d->rel + pl + (pl ? 1 : 0), d->name) == 0);
                CHECK(!pl || d->rel[pl] == '/');
        }
        for (size_t i = 0; i < plan->n_ops; i++) {
                const struct plan_op *op = &plan->ops[i];
                CHECK(op->dir < plan->n_dirs);
                const struct plan_dir *d = &plan->dirs[op->dir];
                const struct image_hierarchy *h = &img->hierarchies[d->hier];
                const struct observed_node *oroot = &observed[d->hier];
                const struct cg_node *node;
                const struct observed_node *onode;
                bool at_top = d->parent == PLAN_NO_PARENT;
                lookup(&h->root, oroot, d->rel, &node, &onode);
                /* the plan of one hierarchy is contiguous: its mode decided it */
                CHECK(i >= first_op[d->hier] && i < first_op[d->hier + 1]);
                CHECK(opts->mode != MODE_IGNORE && opts->mode != MODE_NONE);

                switch (op->kind) {
                case OP_MKDIR: {
                        CHECK(op->name && cgroup_name_valid(op->name, strlen(op->name), &reason));
                        CHECK(!op->value && !op->undo);
                        /* a directory is made once, and only when it is missing */
                        for (size_t k = 0; k < i; k++)
                                CHECK(plan->ops[k].kind != OP_MKDIR || plan->ops[k].dir != op->dir ||
                                      strcmp(plan->ops[k].name, op->name) != 0);
                        char rel[8192];
                        snprintf(rel, sizeof(rel), "%s%s%s", d->rel, d->rel[0] ? "/" : "",
                                 op->name);
                        const struct cg_node *cn;
                        const struct observed_node *co;
                        lookup(&h->root, oroot, rel, &cn, &co);
                        CHECK(!(co && co->exists));
                        /* props mode never creates (DESIGN: "fail before any change"),
                         * the init cgroup of the image included */
                        bool on_init_chain = h->init && strncmp(h->init, rel, strlen(rel)) == 0 &&
                                             (h->init[strlen(rel)] == '\0' ||
                                              h->init[strlen(rel)] == '/');
                        CHECK(opts->mode != MODE_PROPS || !on_init_chain);
                        CHECK(opts->mode != MODE_PROPS);
                        break;
                }
                case OP_WRITE: {
                        CHECK(op->name && op->value);
                        CHECK(!prop_is_forbidden(op->name));
                        if (strcmp(op->name, "cgroup.subtree_control") == 0) {
                                CHECK(h->version == CG_V2);
                                CHECK(subtree_value_ok(op->value));
                                CHECK(!op->undo || subtree_value_ok(op->undo));
                                break;
                        }
                        const struct prop_def *def = prop_lookup(h->version, op->name);
                        CHECK(def != NULL);
                        CHECK(!def->controller ||
                              controller_list_has(h->controllers, def->controller));
                        CHECK(op->multiline == !!(def->flags & PROP_MULTILINE));
                        char *canon = NULL;
                        CHECK(prop_check_value(def, op->value, &canon, &reason) == 0);
                        free(canon);
                        /* the value written is the image's value for that file */
                        CHECK(node != NULL);
                        bool found = false;
                        for (size_t k = 0; k < node->n_props; k++)
                                found |= strcmp(node->props[k].name, op->name) == 0 &&
                                         strcmp(node->props[k].value, op->value) == 0;
                        CHECK(found);
                        /* the top-level's own limits only with --top-level */
                        CHECK(!at_top || opts->top_level);
                        break;
                }
                case OP_MOVE_PID: {
                        CHECK(!op->name && !op->value);
                        CHECK(op->pid == opts->pid);
                        CHECK(h->version == CG_V2 && h->init && opts->move_init &&
                              init_in_top[d->hier]);
                        CHECK(!at_top && strcmp(d->rel, h->init) == 0);
                        CHECK(op->undo_dir < plan->n_dirs &&
                              plan->dirs[op->undo_dir].parent == PLAN_NO_PARENT &&
                              plan->dirs[op->undo_dir].hier == d->hier);
                        break;
                }
                case OP_KIND_MAX:
                default:
                        CHECK(!"unknown op kind");
                }
                /* a plan step the dry run and the debug log can always print */
                struct strbuf sb = { 0 };
                CHECK(plan_format_op(plan, op, NULL, &sb) >= 0);
                CHECK(sb.len > 0 && sb.buf[sb.len - 1] == '\n' &&
                      memchr(sb.buf, '\n', sb.len) == sb.buf + sb.len - 1);
                strbuf_free(&sb);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *sep = memchr(data, '\0', size);
        size_t image_len = sep ? (size_t)(sep - data) : size;
        struct bytes b = { sep ? sep + 1 : data + size, sep ? size - image_len - 1 : 0 };
        char *buf = fuzz_copy(data, image_len);
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };

        int r = image_parse(buf, image_len, &img, &err);
        free(buf);
        if (r < 0)
                return 0;

        size_t nh = img.n_hierarchies;
        struct observed_node *observed = calloc(nh ? nh : 1, sizeof(*observed));
        bool *init_in_top = calloc(nh ? nh : 1, sizeof(bool));
        size_t *first_op = calloc(nh + 1, sizeof(size_t));
        if (!observed || !init_in_top || !first_op)
                abort();
        uint8_t flags = next(&b);
        for (size_t i = 0; i < nh; i++) {
                build_observed(&b, &img.hierarchies[i].root, &observed[i], true);
                init_in_top[i] = next(&b) & 1;
        }

        for (int mode = 0; mode < MODE_MAX; mode++) {
                struct plan_options opts = {
                        .mode = (enum restore_mode)mode,
                        .top_level = flags & 1,
                        .move_init = !(flags & 2),
                        .pid = FUZZ_PID,
                };
                struct plan plan = { 0 };
                for (size_t i = 0; i < nh; i++) {
                        const struct image_hierarchy *h = &img.hierarchies[i];
                        struct plan_hierarchy_input in = {
                                .image = h,
                                .observed = &observed[i],
                                .init_in_top = init_in_top[i],
                                .label = image_hierarchy_label(h),
                        };
                        struct cgbind_error perr = { 0 };
                        first_op[i] = plan.n_ops;
                        r = plan_hierarchy(&plan, i, &in, &opts, &perr);
                        fuzz_check_error(r, &perr);
                        if (r < 0) {
                                /* a refusal comes before the hierarchy's first op */
                                CHECK(plan.n_ops == first_op[i]);
                                CHECK(perr.status == CGBIND_PRECONDITION ||
                                      perr.status == CGBIND_FAILED);
                                nh = i; /* main stops here too */
                                break;
                        }
                }
                for (size_t i = nh; i < img.n_hierarchies + 1; i++)
                        first_op[i] = plan.n_ops;
                check_plan(&plan, &img, observed, &opts, init_in_top, first_op);
                plan_free(&plan);
                nh = img.n_hierarchies;
        }

        for (size_t i = 0; i < nh; i++)
                observed_free(&observed[i], &img.hierarchies[i].root);
        free(observed);
        free(init_in_top);
        free(first_op);
        image_free(&img);
        return 0;
}
