/* save: the container's sub-trees and their allowlisted properties. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "cgbind/fsutil.h"
#include "cgbind/mountinfo.h"
#include "cgbind/save.h"

struct save_ctx {
        save_warn_fn warn;
        void *userdata;
        struct cgbind_error *err;
        size_t n_nodes;
        const char *label;
};

/* Sub-cgroup names are the container's: the whole warning is escaped. */
static void warnf(struct save_ctx *c, const char *fmt, ...) _printf_(2, 3);
static void warnf(struct save_ctx *c, const char *fmt, ...)
{
        char raw[800], msg[1000];
        va_list ap;
        if (!c->warn)
                return;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        cgbind_escape(raw, strlen(raw), msg, sizeof(msg));
        c->warn(msg, c->userdata);
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* net_prio.ifpriomap lists every interface with priority 0 by default: keep
 * only the lines that carry a priority, the rest is the host's interface list. */
static void drop_zero_priorities(char *v)
{
        char *out = v;
        for (char *p = v; *p;) {
                size_t l = strcspn(p, "\n");
                bool zero = l >= 2 && p[l - 1] == '0' && p[l - 2] == ' ';
                if (!zero) {
                        if (out != v)
                                *out++ = '\n';
                        memmove(out, p, l);
                        out += l;
                }
                p += l;
                if (*p)
                        p++;
        }
        *out = '\0';
}

static int record_prop(struct save_ctx *c, int dirfd, const struct image_hierarchy *h,
                       struct cg_node *node, const char *name)
{
        const struct prop_def *def = prop_lookup(h->version, name);
        if (!def || (def->controller && !controller_list_has(h->controllers, def->controller)))
                return 0;
        _cleanup_free_ char *value = NULL;
        int r = cg_read_at(dirfd, name, &value);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* not readable here (a file the kernel hides or refuses) */
        if (def->grammar == GRAM_IFPRIOMAP)
                drop_zero_priorities(value);
        if (def->grammar == GRAM_THREADED && !streq(value, "threaded"))
                return 0; /* "domain", "domain threaded": what the kernel makes by itself */
        if (def->dflt && streq(value, def->dflt))
                return 0;
        if (def->grammar == GRAM_CONTROLLERS && value[0] == '\0')
                return 0;
        /* An idle v2 group (cpu.idle 1) reads cpu.weight as 0, a value that
         * cannot be written; the group's cpu.idle brings it back. */
        if (h->version == CG_V2 && streq(name, "cpu.weight") && streq(value, "0"))
                return 0;
        _cleanup_free_ char *canon = NULL;
        const char *reason;
        r = prop_check_value(def, value, &canon, &reason);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                warnf(c, "left out %s = \"%s\": the kernel's value is outside cgbind's grammar",
                      name, value);
                return 0;
        }
        return cg_node_add_prop(node, def, name, canon);
}

/* rfd: the directory, opened O_RDONLY|O_DIRECTORY beneath the top-level;
 * walk owns it. It is listed and used for every open below it, so that each
 * sub-cgroup costs one open. */
static int walk(struct save_ctx *c, int rfd, const struct image_hierarchy *h,
                struct cg_node *node, size_t depth, const char *path)
{
        DIR *d = fdopendir(rfd);
        if (!d) {
                safe_close(rfd);
                return -errno;
        }
        int dir_fd = dirfd(d);

        char **files = NULL, **dirs = NULL;
        size_t n_files = 0, n_dirs = 0;
        int r = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                bool is_dir = de->d_type == DT_DIR;
                if (de->d_type != DT_DIR && de->d_type != DT_REG)
                        continue;
                char ***arr = is_dir ? &dirs : &files;
                size_t *n = is_dir ? &n_dirs : &n_files;
                char **a = realloc(*arr, (*n + 1) * sizeof(char *));
                if (!a) {
                        r = -ENOMEM;
                        break;
                }
                *arr = a;
                if (!(a[*n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                (*n)++;
        }
        /* qsort's base must not be NULL, even for zero elements */
        if (r >= 0 && n_files)
                qsort(files, n_files, sizeof(char *), cmp_str);
        if (r >= 0 && n_dirs)
                qsort(dirs, n_dirs, sizeof(char *), cmp_str);
        for (size_t i = 0; r >= 0 && i < n_files; i++)
                r = record_prop(c, dir_fd, h, node, files[i]);
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
                if (++c->n_nodes > CGBIND_MAX_NODES) {
                        r = cgbind_error_set(c->err, CGBIND_INVALID, E2BIG,
                                             "save (%s:%s): more than 100000 sub-cgroups",
                                             c->label, path);
                        break;
                }
                int cfd = open_beneath(dir_fd, dirs[i], O_RDONLY | O_DIRECTORY);
                if (cfd == -ENOENT)
                        continue; /* removed while we walked */
                if (cfd < 0) {
                        r = cfd;
                        break;
                }
                struct cg_node *child = cg_node_add_child(node, dirs[i]);
                if (!child) {
                        safe_close(cfd);
                        r = -ENOMEM;
                        break;
                }
                char sub[4096];
                snprintf(sub, sizeof(sub), "%s%s%s", path, streq(path, "/") ? "" : "/",
                         dirs[i]);
                r = walk(c, cfd, h, child, depth + 1, sub);
        }
        closedir(d);
        for (size_t i = 0; i < n_files; i++)
                free(files[i]);
        for (size_t i = 0; i < n_dirs; i++)
                free(dirs[i]);
        free(files);
        free(dirs);
        return r;
}

int save_image(const struct located *loc, const char *container_id, struct cgbind_image *ret,
               save_warn_fn warn, void *userdata, struct cgbind_error *err)
{
        struct cgbind_image img = { 0 };
        struct save_ctx c = { .warn = warn, .userdata = userdata, .err = err };
        int r = 0;

        img.hierarchies = calloc(loc->n ? loc->n : 1, sizeof(*img.hierarchies));
        if (!img.hierarchies)
                return -ENOMEM;
        char created[32];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
        img.created = strdup(created);
        img.container_id = container_id ? strdup(container_id) : NULL;
        if (!img.created || (container_id && !img.container_id))
                r = -ENOMEM;

        for (size_t i = 0; r >= 0 && i < loc->n; i++) {
                const struct located_hierarchy *lh = &loc->h[i];
                const char *label = lh->version == CG_V2 ? "cgroup2" : lh->controllers;
                if (lh->refused || lh->dirfd < 0) {
                        warnf(&c, "left out hierarchy %s: %s", label,
                              lh->refused ? lh->refused : "not open");
                        continue;
                }
                struct image_hierarchy *h = &img.hierarchies[img.n_hierarchies++];
                h->version = lh->version;
                if (lh->version == CG_V2) {
                        /* the controllers the top-level has, as its parent enabled them */
                        _cleanup_free_ char *avail = NULL;
                        r = cg_read_at(lh->dirfd, "cgroup.controllers", &avail);
                        if (r < 0)
                                break;
                        for (char *p = avail; *p; p++)
                                if (*p == ' ')
                                        *p = ',';
                        h->controllers = controllers_canonical(TAKE_PTR(avail));
                } else {
                        h->controllers = strdup(lh->controllers);
                }
                if (!h->controllers) {
                        r = -ENOMEM;
                        break;
                }
                if (lh->init_rel && lh->init_rel[0] && !(h->init = strdup(lh->init_rel))) {
                        r = -ENOMEM;
                        break;
                }
                c.label = label;
                int rfd = open_beneath(lh->dirfd, "", O_RDONLY | O_DIRECTORY);
                r = rfd < 0 ? rfd : walk(&c, rfd, h, &h->root, 0, "/");
        }
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
