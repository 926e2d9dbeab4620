/* save: the container's sub-trees and their allowlisted properties. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "cgbind/container.h"
#include "cgbind/fsutil.h"
#include "cgbind/save.h"

struct sysctl_value {
        const char *path;
        char *value;
};

struct save_ctx {
        save_warn_fn warn;
        void *userdata;
        struct cgbind_error *err;
        size_t n_nodes;
        size_t max_nodes;
        const char *label;
        struct arena *arena; /* the tree's: one free, no piece by piece */
        struct sysctl_value sysctls[4];
        size_t n_sysctls;
        /* every file name seen, with its allowlist entry (or none): each
         * directory lists the same few names, and a lookup in the table
         * compares with every entry (name_def()) */
        struct {
                char *name;
                enum cg_version version;
                const struct prop_def *def;
        } names[128];
};

/* prop_lookup(), once per distinct name and version of a save. */
static const struct prop_def *name_def(struct save_ctx *c, enum cg_version v, const char *name)
{
        uint32_t hash = 2166136261u ^ (uint32_t)v;
        for (const char *p = name; *p; p++)
                hash = (hash ^ (uint8_t)*p) * 16777619u;
        for (size_t i = 0; i < ARRAY_SIZE(c->names); i++) {
                size_t k = (hash + i) % ARRAY_SIZE(c->names);
                if (!c->names[k].name) {
                        c->names[k].name = xstrdup(name);
                        c->names[k].version = v;
                        c->names[k].def = prop_lookup(v, name);
                        return c->names[k].def;
                }
                if (c->names[k].version == v && streq(c->names[k].name, name))
                        return c->names[k].def;
        }
        return prop_lookup(v, name); /* more names than slots */
}

/* Sub-cgroup names are the container's: the whole warning is escaped. */
static void warnf(struct save_ctx *c, const char *fmt, ...) _printf_(2, 3);
static void warnf(struct save_ctx *c, const char *fmt, ...)
{
        char msg[1000];
        va_list ap;
        if (!c->warn)
                return;
        va_start(ap, fmt);
        cgbind_format_escaped(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        c->warn(msg, c->userdata);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* What a new child of a cgroup would read for the files whose default the
 * kernel copies from the parent at mkdir (DFLT_PARENT): that cgroup's own
 * values, kept while its children are walked. */
struct inherited {
        const struct prop_def *defs[16];
        char *values[16];
        size_t n;
};

static void inherited_add(struct inherited *in, const struct prop_def *def, const char *value)
{
        if (in->n < ARRAY_SIZE(in->defs)) {
                in->defs[in->n] = def;
                in->values[in->n++] = xstrdup(value);
        }
}

static const char *inherited_get(const struct inherited *in, const struct prop_def *def)
{
        for (size_t i = 0; in && i < in->n; i++)
                if (in->defs[i] == def)
                        return in->values[i];
        return NULL;
}

static void inherited_free(struct inherited *in)
{
        for (size_t i = 0; i < in->n; i++)
                free(in->values[i]);
        in->n = 0;
}

/* What the top-level started with where the kernel copies the parent's value:
 * its parent's values (the runtime's cgroup, outside the container: read,
 * never written). Nothing when the parent cannot be read: then every such
 * value of the top-level is recorded. */
static void top_level_inherited(int top_fd, const struct image_hierarchy *h, struct inherited *ret)
{
        _cleanup_close_ int pfd = openat(top_fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (pfd < 0)
                return;
        for (size_t i = 0; i < prop_count(); i++) {
                const struct prop_def *d = prop_at(i);
                if (d->class != PROP_CARRIED || d->dflt_kind != DFLT_PARENT ||
                    d->version != h->version ||
                    (d->controller && !controller_list_has(h->controllers, d->controller)))
                        continue;
                _cleanup_free_ char *v = NULL;
                if (cg_read_at(pfd, d->name, &v) >= 0)
                        inherited_add(ret, d, v);
        }
}

/* The value a DFLT_SYSCTL file starts with (cpu.rt_period_us: the global RT
 * period), read once per save; NULL when it cannot be read. */
static const char *sysctl_default(struct save_ctx *c, const char *path)
{
        for (size_t i = 0; i < c->n_sysctls; i++)
                if (streq(c->sysctls[i].path, path))
                        return c->sysctls[i].value;
        if (c->n_sysctls == ARRAY_SIZE(c->sysctls))
                return NULL;
        char *value = NULL;
        if (cg_read_at(AT_FDCWD, path, &value) < 0)
                value = NULL;
        c->sysctls[c->n_sysctls++] = (struct sysctl_value){ path, value };
        return value;
}

/* idle: this directory's cpu.idle, once read (-1: not yet); the files are
 * read in name order, so cpu.idle comes before cpu.shares and cpu.weight */
static int record_prop(struct save_ctx *c, int dirfd, const struct image_hierarchy *h,
                       struct cg_node *node, const char *name, const struct inherited *parent,
                       struct inherited *mine, int *idle)
{
        const struct prop_def *def = name_def(c, h->version, name);
        if (!def || (def->controller && !controller_list_has(h->controllers, def->controller)))
                return 0;
        _cleanup_free_ char *raw = NULL;
        int r = cg_read_at(dirfd, name, &raw);
        if (r < 0)
                return 0; /* not readable here (a file the kernel hides or refuses) */
        if (streq(name, "cpu.idle"))
                *idle = streq(raw, "1");
        const char *inherit = NULL;
        if (def->dflt_kind == DFLT_PARENT) {
                inherited_add(mine, def, raw);
                inherit = inherited_get(parent, def);
        } else if (def->dflt_kind == DFLT_SYSCTL) {
                inherit = sysctl_default(c, def->dflt);
        }
        /* the kernel's rule for a new cgroup: such a value is left out */
        _cleanup_free_ char *value = prop_value_to_save(def, raw, inherit);
        if (!value)
                return 0;
        /* An idle group (cpu.idle 1) reads its weight as the kernel's idle
         * weight (v2 cpu.weight 0, v1 cpu.shares 3), which cannot be written
         * while it is idle; the group's cpu.idle brings it back. */
        if (streq(name, h->version == CG_V2 ? "cpu.weight" : "cpu.shares")) {
                if (*idle < 0) {
                        _cleanup_free_ char *v = NULL;
                        *idle = cg_read_at(dirfd, "cpu.idle", &v) >= 0 && streq(v, "1");
                }
                if (streq(value, "0") || *idle == 1)
                        return 0;
        }
        const char *reason;
        if (prop_check_value(def, value, NULL, &reason) < 0) {
                warnf(c, "left out %s = \"%s\": the kernel's value is outside cgbind's grammar",
                      name, value);
                return 0;
        }
        /* room for every kept file was made before (walk); a fixed name
         * points at the allowlist's own string, as the parser's do */
        node->props[node->n_props++] = (struct cg_prop){
                .name = def->flags & PROP_PATTERN ? arena_strndup(c->arena, name, strlen(name))
                                                  : (char *)def->name,
                .value = arena_strndup(c->arena, value, strlen(value)),
                .def = def,
        };
        return 0;
}

/* rfd: the directory, opened O_RDONLY|O_DIRECTORY beneath the top-level;
 * walk owns it. It is listed and used for every open below it, so that each
 * sub-cgroup costs one open. */
static int walk(struct save_ctx *c, int rfd, const struct image_hierarchy *h, struct cg_node *node,
                size_t depth, const char *path, const struct inherited *parent)
{
        struct inherited mine = { .n = 0 };
        DIR *d = fdopendir(rfd);
        if (!d) {
                safe_close(rfd);
                return -errno;
        }
        int dir_fd = dirfd(d);

        char **files = NULL, **dirs = NULL;
        size_t n_files = 0, n_dirs = 0, cap_files = 0, cap_dirs = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type != DT_DIR && de->d_type != DT_REG)
                        continue;
                /* only the files record_prop() would take are kept (a few of
                 * the directory's dozens): the same ones, in the same order */
                const struct prop_def *def;
                if (!is_dir &&
                    (!(def = name_def(c, h->version, de->d_name)) ||
                     (def->controller && !controller_list_has(h->controllers, def->controller))))
                        continue;
                char ***arr = is_dir ? &dirs : &files;
                size_t *n = is_dir ? &n_dirs : &n_files;
                size_t *cap = is_dir ? &cap_dirs : &cap_files;
                if (*n == *cap) {
                        *cap = *cap ? *cap * 2 : 8;
                        *arr = xreallocarray(*arr, *cap, sizeof(char *));
                }
                (*arr)[(*n)++] = xstrdup(de->d_name);
        }
        /* qsort's base must not be NULL, even for zero elements */
        if (r >= 0 && n_files)
                qsort(files, n_files, sizeof(char *), cmp_str);
        if (r >= 0 && n_dirs)
                qsort(dirs, n_dirs, sizeof(char *), cmp_str);
        /* the node's arrays, at most one entry per name listed, in the tree's arena */
        if (n_files)
                node->props = arena_alloc(c->arena, n_files * sizeof(*node->props));
        if (n_dirs)
                node->children = arena_zalloc(c->arena, n_dirs * sizeof(*node->children));
        int idle = -1;
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = record_prop(c, dir_fd, h, node, files[i], parent, &mine, &idle);
        for (size_t i = 0; r >= 0 && i < n_dirs; i++) {
                const char *reason;
                if (!cgroup_name_valid(dirs[i], strlen(dirs[i]), &reason)) {
                        warnf(c, "left out sub-cgroup \"%s\": %s", dirs[i], reason);
                        continue;
                }
                if (depth + 1 > CGBIND_MAX_DEPTH) {
                        warnf(c, "left out sub-cgroup \"%s\": deeper than %d levels", dirs[i],
                              CGBIND_MAX_DEPTH);
                        continue;
                }
                if (++c->n_nodes > c->max_nodes) {
                        r = cgbind_error_set_escaped(c->err, CGBIND_INVALID, E2BIG,
                                                     "save (%s:%s): more than %zu sub-cgroups "
                                                     "(--max-cgroups)",
                                                     c->label, path, c->max_nodes);
                        break;
                }
                int cfd = open_beneath(dir_fd, dirs[i], O_RDONLY | O_DIRECTORY);
                if (cfd == -ENOENT)
                        continue; /* removed while we walked */
                if (cfd < 0) {
                        r = cgbind_error_set_escaped(c->err, CGBIND_FAILED, -cfd,
                                                     "save (%s:%s/%s): %s", c->label, path, dirs[i],
                                                     strerror(-cfd));
                        break;
                }
                struct cg_node *child = &node->children[node->n_children++];
                child->name = arena_strndup(c->arena, dirs[i], strlen(dirs[i]));
                char sub[CGBIND_MAX_PATH + CGBIND_MAX_NAME + 2];
                snprintf(sub, sizeof(sub), "%s%s%s", path, streq(path, "/") ? "" : "/", dirs[i]);
                r = walk(c, cfd, h, child, depth + 1, sub, &mine);
        }
        inherited_free(&mine);
        closedir(d);
        for (size_t i = 0; i < n_files; i++)
                free(files[i]);
        for (size_t i = 0; i < n_dirs; i++)
                free(dirs[i]);
        free(files);
        free(dirs);
        return r;
}

int save_image(const struct located *loc, const char *container_id, size_t max_nodes,
               struct cgbind_image *ret, save_warn_fn warn, void *userdata,
               struct cgbind_error *err)
{
        struct cgbind_image img = { 0 };
        struct save_ctx c = {
                .warn = warn, .userdata = userdata, .err = err, .max_nodes = max_nodes
        };
        int r = 0;

        img.hierarchies = xcalloc(loc->n, sizeof(*img.hierarchies));
        img.arena = c.arena = xcalloc(1, sizeof(*img.arena));
        char created[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
        img.created = xstrdup(created);
        img.container_id = container_id ? xstrdup(container_id) : NULL;

        for (size_t i = 0; r >= 0 && i < loc->n; i++) {
                const struct located_hierarchy *lh = &loc->h[i];
                const char *label = cg_label(lh->version, lh->controllers);
                if (!located_usable(lh) || lh->dirfd < 0) {
                        warnf(&c, "left out hierarchy %s: %s", label,
                              lh->refused ? lh->refused : "not open");
                        continue;
                }
                struct image_hierarchy *h = &img.hierarchies[img.n_hierarchies++];
                h->version = lh->version;
                h->arena_tree = true;
                if (lh->version == CG_V2) {
                        /* the controllers the top-level has, as its parent enabled them */
                        char *avail = NULL;
                        r = cg_read_at(lh->dirfd, "cgroup.controllers", &avail);
                        if (r < 0) {
                                r = cgbind_error_set_escaped(err, CGBIND_FAILED, -r,
                                                             "save (%s/cgroup.controllers): %s",
                                                             lh->host_path, strerror(-r));
                                break;
                        }
                        for (char *p = avail; *p; p++)
                                if (*p == ' ')
                                        *p = ',';
                        r = controllers_canonical(avail, &h->controllers);
                        if (r < 0) {
                                r = cgbind_error_set(err, CGBIND_FAILED, E2BIG,
                                                     "save (cgroup.controllers): more than %d "
                                                     "controllers",
                                                     CGBIND_MAX_CONTROLLERS);
                                break;
                        }
                } else {
                        h->controllers = xstrdup(lh->controllers);
                }
                c.label = label;
                int rfd = open_beneath(lh->dirfd, "", O_RDONLY | O_DIRECTORY);
                if (rfd < 0)
                        r = cgbind_error_set_escaped(err, CGBIND_FAILED, -rfd, "save (%s): %s",
                                                     lh->host_path, strerror(-rfd));
                else {
                        struct inherited top = { .n = 0 };
                        top_level_inherited(lh->dirfd, h, &top);
                        r = walk(&c, rfd, h, &h->root, 0, "/", &top);
                        inherited_free(&top);
                }
                /* the init's cgroup, when the tree has it: one left out (a
                 * name or a depth restore would refuse) is not named */
                if (r >= 0 && lh->init_rel && lh->init_rel[0]) {
                        if (cg_node_at(&h->root, lh->init_rel))
                                h->init = xstrdup(lh->init_rel);
                        else
                                warnf(&c, "left out init %s:/%s: its cgroup is not in the image",
                                      label, lh->init_rel);
                }
        }
        for (size_t i = 0; i < c.n_sysctls; i++)
                free(c.sysctls[i].value);
        for (size_t i = 0; i < ARRAY_SIZE(c.names); i++)
                free(c.names[i].name);
        if (r < 0) {
                image_free(&img);
                if (err && err->status == CGBIND_OK)
                        cgbind_error_set(err, CGBIND_FAILED, -r, "save (sub-cgroups): %s",
                                         strerror(-r));
                return r;
        }
        img.n_nodes = c.n_nodes;
        *ret = img;
        return 0;
}

void save_options_init(struct save_options *o)
{
        *o = (struct save_options){
                .output = "-",
                .state_fd = STDIN_FILENO,
                .timeout_ms = CGBIND_DEFAULT_TIMEOUT_MS,
                .max_cgroups = CGBIND_DEFAULT_MAX_CGROUPS,
        };
}

static void save_warn(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

static int write_output(const char *path, const char *buf, size_t len, struct cgbind_error *err)
{
        char esc[300];
        cgbind_escape(path, strlen(path), esc, sizeof(esc));
        if (streq(path, "-")) {
                int r = write_full_fd(STDOUT_FILENO, buf, len);
                if (r < 0)
                        return cgbind_error_set(err, CGBIND_FAILED, -r, "output (stdout): %s",
                                                strerror(-r));
                return 0;
        }
        int r = write_file_atomic(path, buf, len, 0644);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "output (%s): %s", esc,
                                        strerror(-r));
        return 0;
}

int save_run(const struct save_options *o, struct cgbind_log *log, struct save_result *ret,
             struct cgbind_error *err)
{
        struct container ctr = { .pidfd = -1, .proc_dirfd = -1 };
        struct located loc = { 0 };
        struct cgbind_image img = { 0 };
        struct strbuf out = { 0 };
        struct deadline d = deadline_in_ms(o->timeout_ms);
        pid_t pid = o->pid;
        int r = 0;

        if (pid == 0) {
                r = container_read_state(o->state_fd, &d, &ctr.state, err);
                if (r >= 0) {
                        log_set_container(log, ctr.state.id);
                        pid = ctr.state.pid;
                        r = container_read_config(&ctr.state, &ctr.config, err);
                }
        }
        if (r >= 0)
                r = container_open(&ctr, pid, false, err);
        if (r >= 0)
                r = container_locate(&ctr, &loc, err);
        if (r >= 0)
                r = save_image(&loc, ctr.state.id, o->max_cgroups, &img, save_warn, log, err);
        if (r >= 0 && img.n_hierarchies == 0)
                r = cgbind_error_set(err, CGBIND_PRECONDITION, ENOENT,
                                     "locate (pid %d): no cgroup of the container can be used",
                                     (int)pid);
        if (r >= 0)
                r = image_write_json(&img, &out, err);
        /* what is written is checked with restore's own rules first, the
         * tree by image_validate and the text by the parser's lexer: save
         * never writes an image that restore would refuse */
        if (r >= 0) {
                struct cgbind_error perr = { 0 };
                if (image_check_written(&img, out.buf, out.len, &perr) < 0)
                        r = cgbind_error_set(err, CGBIND_FAILED, EINVAL,
                                             "save: the image would not read back (%s); nothing "
                                             "written",
                                             perr.msg);
        }
        if (r >= 0)
                r = write_output(o->output, out.buf, out.len, err);
        if (r >= 0 && ret)
                *ret = (struct save_result){ .n_nodes = img.n_nodes,
                                             .n_hierarchies = img.n_hierarchies };
        strbuf_free(&out);
        image_free(&img);
        located_free(&loc);
        container_free(&ctr);
        return r;
}
