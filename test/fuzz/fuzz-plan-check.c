/* The planner's invariants, shared by fuzz-plan and fuzz-pipeline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgbind/util.h"

#include "fuzz-plan-check.h"
#include "fuzz.h"

/* deep enough for 64 levels of 255-byte names */
#define PATH_BUF (CGBIND_MAX_DEPTH * (CGBIND_MAX_NAME + 1) + 64)
/* the quadratic checks only on plans a fuzzer makes quickly */
#define QUADRATIC_MAX 3000

uint8_t fuzz_next(struct fuzz_bytes *b)
{
        if (b->n == 0)
                return 0;
        b->n--;
        return *b->p++;
}

/* A current value as a cgroup file could hold it: often the image's own
 * value, sometimes the kernel's defaults, sometimes anything at all. */
static char *observed_value_from(struct fuzz_bytes *b, const struct cg_prop *p)
{
        static const char *const pool[] = {
                "",           "max", "0", "-1", "cpu io memory pids", "9223372036854771712",
                "max 100000", "0-1"
        };
        uint8_t k = fuzz_next(b);
        switch (k % 4) {
        case 0:
                return NULL;
        case 1:
                return xstrdup(p->value);
        case 2:
                return xstrdup(pool[(k >> 2) % ARRAY_SIZE(pool)]);
        default: {
                size_t len = fuzz_next(b) % 24;
                char *s = xmalloc(len + 1);
                for (size_t i = 0; i < len; i++)
                        s[i] = (char)(fuzz_next(b) | 1); /* no NUL inside: cg_read_at strings */
                s[len] = '\0';
                return s;
        }
        }
}

static void build(struct fuzz_bytes *b, const struct cg_node *n, struct observed_node *o,
                  bool exists, bool adopted)
{
        *o = (struct observed_node){ .exists = exists, .adopted = exists && adopted };
        if (!exists)
                return;
        if (n->n_props) {
                o->values = xcalloc(n->n_props, sizeof(char *));
                for (size_t i = 0; i < n->n_props; i++)
                        o->values[i] = observed_value_from(b, &n->props[i]);
        }
        if (n->n_children) {
                o->children = xcalloc(n->n_children, sizeof(*o->children));
                for (size_t i = 0; i < n->n_children; i++) {
                        uint8_t k = fuzz_next(b);
                        build(b, &n->children[i], &o->children[i], k & 1, k & 2);
                }
        }
}

void fuzz_build_observed(struct fuzz_bytes *b, const struct cg_node *n, struct observed_node *o,
                         bool top)
{
        build(b, n, o, top, false);
}

/* The image node and observed node at rel ("" is the top-level), or NULLs:
 * cg_node_at's walk, beside the observed tree. */
static void lookup(const struct cg_node *root, const struct observed_node *oroot, const char *rel,
                   const struct cg_node **ret_n, const struct observed_node **ret_o)
{
        const struct cg_node *n = root;
        const struct observed_node *o = oroot;
        for (const char *p = rel; *p && n;) {
                size_t l = strcspn(p, "/");
                const struct cg_node *next_n = cg_node_child(n, p, l);
                o = next_n && o && o->children ? &o->children[next_n - n->children] : NULL;
                n = next_n;
                p += l;
                p += strspn(p, "/");
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

/* The path of dir, checked to fit. */
static void dir_path(const struct plan *plan, size_t dir, char *buf)
{
        CHECK(plan_dir_path(plan, dir, buf, PATH_BUF) == 0);
}

/* The op that makes dir d (OP_MKDIR or OP_ADOPT in its parent), or SIZE_MAX. */
static size_t maker_of(const struct plan *plan, size_t d)
{
        const struct plan_dir *pd = &plan->dirs[d];
        if (pd->parent == PLAN_NO_PARENT)
                return SIZE_MAX;
        for (size_t i = 0; i < plan->n_ops; i++) {
                const struct plan_op *op = &plan->ops[i];
                if ((op->kind == OP_MKDIR || op->kind == OP_ADOPT) && op->dir == pd->parent &&
                    strcmp(op->name, pd->name) == 0)
                        return i;
        }
        return SIZE_MAX;
}

static void check_dirs(const struct plan *plan, const struct fuzz_plan_input *in, char *path,
                       char *ppath)
{
        const char *reason;
        for (size_t i = 0; i < plan->n_dirs; i++) {
                const struct plan_dir *d = &plan->dirs[i];
                CHECK(d->hier < in->n);
                if (d->parent == PLAN_NO_PARENT) {
                        CHECK(d->name == NULL);
                        dir_path(plan, i, path);
                        CHECK(path[0] == '\0');
                        continue;
                }
                CHECK(d->parent < i);
                const struct plan_dir *p = &plan->dirs[d->parent];
                CHECK(p->hier == d->hier);
                CHECK(d->name && cgroup_name_valid(d->name, strlen(d->name), &reason));
                /* the path is the parent's and the name: nothing else can sneak in */
                dir_path(plan, i, path);
                dir_path(plan, d->parent, ppath);
                size_t pl = strlen(ppath);
                CHECK(strncmp(path, ppath, pl) == 0);
                CHECK(strcmp(path + pl + (pl ? 1 : 0), d->name) == 0);
                CHECK(!pl || path[pl] == '/');
                /* one directory per (parent, name) */
                if (plan->n_dirs <= QUADRATIC_MAX)
                        for (size_t k = 0; k < i; k++)
                                CHECK(plan->dirs[k].parent != d->parent ||
                                      strcmp(plan->dirs[k].name, d->name) != 0);
        }
}

/* The directory of op i exists when op i runs: each directory on the way up
 * either was observed to exist, or was made (or adopted) by an earlier op. */
static void check_dir_exists(const struct plan *plan, const struct fuzz_plan_input *in, size_t i,
                             size_t dir, const size_t *made_by, char *path)
{
        for (size_t d = dir; plan->dirs[d].parent != PLAN_NO_PARENT; d = plan->dirs[d].parent) {
                const struct plan_dir *pd = &plan->dirs[d];
                const struct image_hierarchy *h = in->h[pd->hier];
                const struct cg_node *n;
                const struct observed_node *o;
                dir_path(plan, d, path);
                lookup(&h->root, &in->observed[pd->hier], path, &n, &o);
                if (made_by[d] != SIZE_MAX) {
                        CHECK(made_by[d] < i);
                        continue;
                }
                CHECK(o && o->exists && !o->adopted);
        }
}

static void check_write(const struct plan_op *op, const struct image_hierarchy *h,
                        const struct cg_node *node, const struct observed_node *onode, bool at_top,
                        bool made, const struct plan_options *opts)
{
        const char *reason;
        CHECK(op->name && op->value);
        CHECK(!prop_is_forbidden(op->name));
        /* a cgroup this run makes or adopts has nothing to write back: rmdir undoes it */
        CHECK(!made || !op->undo);
        if (strcmp(op->name, "cgroup.subtree_control") == 0) {
                CHECK(h->version == CG_V2);
                CHECK(subtree_value_ok(op->value));
                CHECK(op->value[0] == '+' && !strstr(op->value, " -"));
                CHECK(!op->undo || subtree_value_ok(op->undo));
                CHECK(!op->undo || (op->undo[0] == '-' && !strstr(op->undo, " +")));
                /* only controllers the image enables there */
                CHECK(node != NULL);
                bool in_image = false;
                for (size_t k = 0; k < node->n_props; k++)
                        if (strcmp(node->props[k].name, op->name) == 0) {
                                in_image = true;
                                for (const char *p = op->value; *p;) {
                                        size_t l = strcspn(p, " ");
                                        char name[32];
                                        snprintf(name, sizeof(name), "%.*s", (int)l - 1, p + 1);
                                        CHECK(controller_list_has(node->props[k].value, name));
                                        p += l;
                                        p += strspn(p, " ");
                                }
                        }
                CHECK(in_image);
                return;
        }
        const struct prop_def *def = prop_lookup(h->version, op->name);
        CHECK(def != NULL);
        CHECK(!def->controller || controller_list_has(h->controllers, def->controller));
        CHECK(op->multiline == !!(def->flags & PROP_MULTILINE));
        CHECK(prop_check_value(def, op->value, NULL, &reason) == 0);
        /* the value written is the image's value for that file, and the undo
         * the value observed there */
        CHECK(node != NULL);
        bool found = false;
        for (size_t k = 0; k < node->n_props; k++) {
                if (strcmp(node->props[k].name, op->name) != 0 ||
                    strcmp(node->props[k].value, op->value) != 0)
                        continue;
                found = true;
                /* the undo is the observed value; a multi-line one may add,
                 * after it, the lines that remove rules the write adds */
                if (op->undo) {
                        CHECK(onode && onode->values && onode->values[k]);
                        size_t ol = strlen(onode->values[k]);
                        CHECK(strncmp(onode->values[k], op->undo, ol) == 0);
                        CHECK(op->undo[ol] == '\0' ||
                              (op->multiline && (ol == 0 || op->undo[ol] == '\n')));
                }
        }
        CHECK(found);
        /* cgroup.type cannot go back to domain: never an undo */
        CHECK(def->order != ORDER_TYPE || !op->undo);
        /* the top-level's own files only with --top-level */
        CHECK(!at_top || opts->top_level);
}

void fuzz_check_plan(const struct plan *plan, const struct fuzz_plan_input *in,
                     const struct plan_options *opts)
{
        const char *reason;
        char *path = xmalloc(PATH_BUF), *ppath = xmalloc(PATH_BUF);

        CHECK(plan->n_ops == 0 || (opts->mode != MODE_IGNORE && opts->mode != MODE_NONE));
        CHECK(plan->n_ops == 0 || plan->pid == opts->pid);
        check_dirs(plan, in, path, ppath);

        bool quadratic = plan->n_ops <= QUADRATIC_MAX && plan->n_dirs <= QUADRATIC_MAX;
        size_t *made_by = xcalloc(plan->n_dirs ? plan->n_dirs : 1, sizeof(size_t));
        for (size_t d = 0; d < plan->n_dirs; d++)
                made_by[d] = quadratic ? maker_of(plan, d) : SIZE_MAX;

        size_t n_mkdirs = 0, last_hier = 0;
        char *printed = NULL;
        size_t printed_len = 0;
        FILE *out = open_memstream(&printed, &printed_len);
        CHECK(out != NULL);

        for (size_t i = 0; i < plan->n_ops; i++) {
                const struct plan_op *op = &plan->ops[i];
                CHECK(op->dir < plan->n_dirs);
                const struct plan_dir *d = &plan->dirs[op->dir];
                const struct image_hierarchy *h = in->h[d->hier];
                const struct observed_node *oroot = &in->observed[d->hier];
                const struct cg_node *node;
                const struct observed_node *onode;
                bool at_top = d->parent == PLAN_NO_PARENT;
                dir_path(plan, op->dir, path);
                lookup(&h->root, oroot, path, &node, &onode);
                /* the plan of one hierarchy is contiguous, hierarchies in order */
                if (in->first_op)
                        CHECK(i >= in->first_op[d->hier] && i < in->first_op[d->hier + 1]);
                CHECK(d->hier >= last_hier);
                last_hier = d->hier;
                if (quadratic)
                        check_dir_exists(plan, in, i, op->dir, made_by, ppath);
                bool made = !at_top && made_by[op->dir] != SIZE_MAX;

                switch (op->kind) {
                case OP_MKDIR:
                case OP_ADOPT: {
                        CHECK(op->name && cgroup_name_valid(op->name, strlen(op->name), &reason));
                        CHECK(!op->value && !op->undo);
                        /* a directory is made once */
                        if (quadratic)
                                for (size_t k = 0; k < i; k++)
                                        CHECK((plan->ops[k].kind != OP_MKDIR &&
                                               plan->ops[k].kind != OP_ADOPT) ||
                                              plan->ops[k].dir != op->dir ||
                                              strcmp(plan->ops[k].name, op->name) != 0);
                        size_t pl = strlen(path);
                        snprintf(path + pl, PATH_BUF - pl, "%s%s", pl ? "/" : "", op->name);
                        const struct cg_node *cn;
                        const struct observed_node *co;
                        lookup(&h->root, oroot, path, &cn, &co);
                        /* only a sub-cgroup of the image, or one on the way to
                         * its init (made even when the tree lacks it) */
                        bool on_init =
                                h->init && strncmp(h->init, path, strlen(path)) == 0 &&
                                (h->init[strlen(path)] == '\0' || h->init[strlen(path)] == '/');
                        CHECK(cn != NULL || (on_init && op->kind == OP_MKDIR));
                        if (op->kind == OP_MKDIR) {
                                /* made only when missing; props never creates (DESIGN:
                                 * "fail before any change"), the init cgroup included */
                                CHECK(!(co && co->exists));
                                CHECK(opts->mode != MODE_PROPS);
                                n_mkdirs++;
                        } else {
                                /* adopted only what a killed run of cgbind made */
                                CHECK(co && co->exists && co->adopted);
                        }
                        break;
                }
                case OP_WRITE:
                        check_write(op, h, node, onode, at_top, made, opts);
                        /* the kernel's orders: cgroup.max.* after the last mkdir of the
                         * hierarchy; cgroup.type before anything else in its cgroup */
                        if (quadratic && startswith(op->name, "cgroup.max."))
                                for (size_t k = i + 1; k < plan->n_ops; k++)
                                        CHECK(plan->ops[k].kind != OP_MKDIR ||
                                              plan->dirs[plan->ops[k].dir].hier != d->hier);
                        if (quadratic && strcmp(op->name, "cgroup.type") == 0)
                                for (size_t k = 0; k < i; k++)
                                        CHECK(plan->ops[k].kind != OP_WRITE ||
                                              plan->ops[k].dir != op->dir);
                        break;
                case OP_MOVE_PID: {
                        CHECK(!op->name && !op->value);
                        CHECK(h->version == CG_V2 && h->init && opts->move_init &&
                              in->init_in_top[d->hier]);
                        CHECK(!at_top && strcmp(path, h->init) == 0);
                        CHECK(op->undo_dir < plan->n_dirs &&
                              plan->dirs[op->undo_dir].parent == PLAN_NO_PARENT &&
                              plan->dirs[op->undo_dir].hier == d->hier);
                        /* the pid leaves before the top-level enables controllers */
                        for (size_t k = 0; k < i; k++)
                                CHECK(plan->ops[k].kind != OP_WRITE ||
                                      plan->ops[k].dir != op->undo_dir);
                        break;
                }
                case OP_KIND_MAX:
                default:
                        CHECK(!"unknown op kind");
                }

                /* the dry run prints every op as exactly one line */
                long before = ftell(out);
                CHECK(plan_print_op(plan, op, out) == 0);
                fflush(out);
                CHECK(printed_len > (size_t)before && printed[printed_len - 1] == '\n');
                CHECK(memchr(printed + before, '\n', printed_len - (size_t)before - 1) == NULL);
                for (size_t k = (size_t)before; k + 1 < printed_len; k++)
                        CHECK((unsigned char)printed[k] >= 0x20 && printed[k] != 0x7f);
                static const char *const starts[] = { "mkdir ", "adopt ", "write ", "move pid " };
                CHECK(strncmp(printed + before, starts[op->kind], strlen(starts[op->kind])) == 0);
                /* the debug log's line is bounded and one line, whatever the base */
                char line[96];
                memset(line, 'X', sizeof(line));
                plan_format_op(plan, op, "/sys/fs/cgroup/x", line, sizeof(line));
                CHECK(memchr(line, '\0', sizeof(line)) != NULL && !strchr(line, '\n'));
                CHECK(strlen(line) > 0);
        }
        CHECK(plan->n_mkdirs == n_mkdirs);
        fclose(out);
        free(printed);
        free(made_by);
        free(path);
        free(ppath);
}

void fuzz_check_plan_refusal(int r, const struct cgbind_error *err)
{
        CHECK(r < 0);
        fuzz_check_error(r, err);
        /* an image image_validate accepted is never refused as invalid */
        CHECK(err->status == CGBIND_PRECONDITION || err->status == CGBIND_FAILED);
}
