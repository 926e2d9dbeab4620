/* Locating the container's cgroups and mapping them to host directories.
 *
 * The container's own mounts say which cgroups were bound into it, but they
 * may be spoofed; /proc/<pid>/cgroup read from the host is the authority on
 * which cgroup is the container's, and the hook's own mount table (matched by
 * device number) is the only way in: writes never go through container mounts. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cgbind/caps.h"
#include "cgbind/fsutil.h"
#include "cgbind/locate.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

static void hierarchy_free(struct located_hierarchy *h)
{
        free(h->controllers);
        free(h->cgroup_path);
        free(h->init_rel);
        free(h->host_mountpoint);
        free(h->host_rel);
        free(h->host_path);
        free(h->container_path);
        free(h->refused);
        free(h->available);
        safe_close(h->dirfd);
}

void located_free(struct located *loc)
{
        for (size_t i = 0; i < loc->n; i++)
                hierarchy_free(&loc->h[i]);
        free(loc->h);
        loc->h = NULL;
        loc->n = 0;
        free(loc->hugepage_sizes);
        loc->hugepage_sizes = NULL;
}

/* the kernel's mem_fmt() in mm/hugetlb_cgroup.c */
void hugepage_size_name(unsigned long kib, char *buf, size_t size)
{
        if (kib >= 1024UL * 1024)
                snprintf(buf, size, "%luGB", kib / (1024UL * 1024));
        else if (kib >= 1024)
                snprintf(buf, size, "%luMB", kib / 1024);
        else
                snprintf(buf, size, "%luKB", kib);
}

void locate_hugepage_sizes(struct located *loc)
{
        _cleanup_close_ int fd =
                open("/sys/kernel/mm/hugepages", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return;
        DIR *d = fdopendir(fd);
        if (!d)
                return;
        fd = -1; /* the DIR has it */
        struct strbuf sizes = { 0 };
        strbuf_puts(&sizes, "");
        for (struct dirent *e; (e = readdir(d));) {
                unsigned long kib;
                char tail[4], name[32];
                /* "hugepages-2048kB"; at most a handful on any machine */
                if (sscanf(e->d_name, "hugepages-%lu%3s", &kib, tail) != 2 || !streq(tail, "kB") ||
                    kib == 0)
                        continue;
                hugepage_size_name(kib, name, sizeof(name));
                strbuf_appendf(&sizes, "%s%s", sizes.len ? "," : "", name);
        }
        closedir(d);
        loc->hugepage_sizes = sizes.buf;
}

bool located_usable(const struct located_hierarchy *h)
{
        return h && !h->refused;
}

/* Names in the reason come from mount tables that a container can
 * influence, so the whole reason is escaped. */
void located_refuse(struct located_hierarchy *h, const char *fmt, ...)
{
        char esc[700];
        va_list ap;
        if (h->refused)
                return;
        va_start(ap, fmt);
        cgbind_format_escaped(esc, sizeof(esc), fmt, ap);
        va_end(ap);
        h->refused = xstrdup(esc);
}

static int mount_controllers(const struct mountinfo_entry *e, bool v2, char **ret)
{
        if (v2) {
                *ret = xstrdup("");
                return 0;
        }
        return cgroup_v1_controllers_from_opts(e->super_opts, ret);
}

/* Maps the top-level cgroup to a directory under one of the hook's own
 * mounts of the same hierarchy (same device number and fs type). */
static void map_to_host(struct located_hierarchy *h, const struct mountinfo *host, bool v2,
                        const char *rootfs)
{
        const struct mountinfo_entry *best = NULL;
        for (size_t i = 0; i < host->n; i++) {
                const struct mountinfo_entry *e = &host->entries[i];
                bool ev2;
                if (!mountinfo_is_cgroup(e, &ev2) || ev2 != v2)
                        continue;
                if (e->major != h->major || e->minor != h->minor)
                        continue;
                if (!path_is_normal(e->root) || !path_is_beneath(h->cgroup_path, e->root))
                        continue;
                if (rootfs && path_is_beneath(e->mountpoint, rootfs))
                        continue;
                /* a read-write mount, and then the one closest to the cgroup */
                bool rw = startswith(e->mount_opts, "rw");
                bool best_rw = best && startswith(best->mount_opts, "rw");
                if (!best || (rw && !best_rw) ||
                    (rw == best_rw && strlen(e->root) > strlen(best->root)))
                        best = e;
        }
        if (!best) {
                located_refuse(h, "not mounted in the hook's mount namespace (%s)",
                               cg_label(h->version, h->controllers));
                return;
        }
        h->host_mountpoint = xstrdup(best->mountpoint);
        h->host_rel = xstrdup(path_rel_below(h->cgroup_path, best->root));
        struct strbuf sb = { 0 };
        strbuf_append(&sb, best->mountpoint, strlen(best->mountpoint));
        if (h->host_rel[0]) {
                if (!streq(best->mountpoint, "/"))
                        strbuf_puts(&sb, "/");
                strbuf_append(&sb, h->host_rel, strlen(h->host_rel));
        }
        h->host_path = sb.buf;
}

static int add_hierarchy(struct located *loc, size_t *cap, struct located_hierarchy **ret,
                         struct cgbind_error *err)
{
        if (loc->n == CGBIND_MAX_HIERARCHIES)
                return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                        "locate: more than %d cgroup hierarchies",
                                        CGBIND_MAX_HIERARCHIES);
        if (loc->n == *cap) {
                *cap = *cap ? *cap * 2 : 16;
                loc->h = xreallocarray(loc->h, *cap, sizeof(*loc->h));
        }
        struct located_hierarchy *h = &loc->h[loc->n++];
        *h = (struct located_hierarchy){ .dirfd = -1 };
        *ret = h;
        return 0;
}

/* Checks the top-level chosen for a hierarchy against /proc/<pid>/cgroup. */
static void check_top(struct located_hierarchy *h, const char *pid_path, bool pivoted)
{
        if (!path_is_normal(pid_path) || !path_is_normal(h->cgroup_path)) {
                located_refuse(h, "a cgroup path not in the kernel's form (%s, %s)", pid_path,
                               h->cgroup_path);
                return;
        }
        if (streq(h->cgroup_path, "/")) {
                located_refuse(h, "the container's cgroup would be the hierarchy's root / "
                                  "(the host's own)");
                return;
        }
        if (!path_is_beneath(pid_path, h->cgroup_path)) {
                located_refuse(h, "mount root %s is not the container's cgroup", h->cgroup_path);
                return;
        }
        /* Before pivot_root the workload has not run: its init is still where
         * the runtime put it, so the top-level is exactly its cgroup. Later it
         * may have moved itself into a sub-cgroup (systemd's init.scope). */
        if (!pivoted && !streq(pid_path, h->cgroup_path)) {
                located_refuse(h, "mount root %s is not the cgroup of the container's process",
                               h->cgroup_path);
                return;
        }
        h->init_rel = xstrdup(path_rel_below(pid_path, h->cgroup_path));
}

static int resolve_from_mounts(const struct locate_input *in, const struct mountinfo *cmi,
                               const struct proc_cgroup *pc, const struct mountinfo *host,
                               struct located *loc, size_t *cap, struct cgbind_error *err)
{
        for (size_t i = 0; i < cmi->n; i++) {
                const struct mountinfo_entry *e = &cmi->entries[i];
                bool v2;
                if (!mountinfo_is_cgroup(e, &v2))
                        continue;
                if (!in->pivoted && !(in->rootfs && path_is_beneath(e->mountpoint, in->rootfs) &&
                                      !streq(e->mountpoint, in->rootfs)))
                        continue; /* the host's own cgroup mounts, seen before pivot_root */
                _cleanup_free_ char *ctl = NULL;
                if (mount_controllers(e, v2, &ctl) < 0)
                        return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                                "mountinfo: a cgroup mount with more than %d "
                                                "controllers",
                                                CGBIND_MAX_CONTROLLERS);

                /* one entry per hierarchy: a second mount of it must agree */
                struct located_hierarchy *h = NULL;
                for (size_t k = 0; k < loc->n; k++)
                        if (loc->h[k].major == e->major && loc->h[k].minor == e->minor)
                                h = &loc->h[k];
                if (h) {
                        if (!streq(h->cgroup_path, e->root))
                                located_refuse(h,
                                               "mounted twice in the container with different "
                                               "roots (%s)",
                                               e->root);
                        continue;
                }
                int r = add_hierarchy(loc, cap, &h, err);
                if (r < 0)
                        return r;
                h->version = v2 ? CG_V2 : CG_V1;
                h->controllers = TAKE_PTR(ctl);
                h->major = e->major;
                h->minor = e->minor;
                h->cgroup_path = xstrdup(e->root);
                h->container_path =
                        xstrdup(in->pivoted ? e->mountpoint : e->mountpoint + strlen(in->rootfs));
                const struct proc_cgroup_entry *pe = proc_cgroup_find(pc, v2, h->controllers);
                if (!pe) {
                        located_refuse(h, "the container's process is in no cgroup of hierarchy %s",
                                       cg_label(h->version, h->controllers));
                        continue;
                }
                if (h->controllers[0] == '\0' && !v2)
                        located_refuse(h, "a cgroup v1 mount with no controller %s", e->mountpoint);
                else
                        check_top(h, pe->path, in->pivoted);
                if (!h->refused)
                        map_to_host(h, host, v2, in->pivoted ? NULL : in->rootfs);
        }
        return 0;
}

static int resolve_from_proc(const struct locate_input *in, const struct proc_cgroup *pc,
                             const struct mountinfo *host, struct located *loc, size_t *cap,
                             struct cgbind_error *err)
{
        for (size_t i = 0; i < pc->n; i++) {
                const struct proc_cgroup_entry *pe = &pc->entries[i];
                bool v2 = pe->hierarchy_id == 0;
                /* the device number comes from the hook's own mount of this hierarchy */
                const struct mountinfo_entry *m = NULL;
                for (size_t k = 0; k < host->n && !m; k++) {
                        const struct mountinfo_entry *e = &host->entries[k];
                        bool ev2;
                        if (!mountinfo_is_cgroup(e, &ev2) || ev2 != v2)
                                continue;
                        if (in->rootfs && path_is_beneath(e->mountpoint, in->rootfs))
                                continue;
                        _cleanup_free_ char *ctl = NULL;
                        if (mount_controllers(e, ev2, &ctl) < 0)
                                continue; /* not a hierarchy a process line can name */
                        if (streq(ctl, pe->controllers))
                                m = e;
                }
                if (!m)
                        continue; /* a hierarchy the hook cannot see: nothing to restore into */
                struct located_hierarchy *h;
                int r = add_hierarchy(loc, cap, &h, err);
                if (r < 0)
                        return r;
                h->version = v2 ? CG_V2 : CG_V1;
                h->controllers = xstrdup(pe->controllers);
                h->cgroup_path = xstrdup(pe->path);
                h->major = m->major;
                h->minor = m->minor;
                /* without a mount to say where the top-level is, the pid's own cgroup is */
                check_top(h, pe->path, false);
                if (!h->refused)
                        map_to_host(h, host, v2, in->rootfs);
        }
        return 0;
}

int locate_resolve(const struct locate_input *in, struct located *ret, struct cgbind_error *err)
{
        struct mountinfo cmi = { 0 }, host = { 0 };
        struct proc_cgroup pc = { 0 };
        struct located loc = { 0 };
        size_t cap = 0;
        int r;

        if (!in->pivoted && !in->rootfs)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "locate: the container's rootfs is unknown");
        r = mountinfo_parse(in->container_mountinfo, in->container_mountinfo_len, &cmi, err);
        if (r >= 0)
                r = mountinfo_parse(in->host_mountinfo, in->host_mountinfo_len, &host, err);
        if (r >= 0)
                r = proc_cgroup_parse(in->proc_cgroup, in->proc_cgroup_len, &pc, err);
        if (r >= 0)
                r = resolve_from_mounts(in, &cmi, &pc, &host, &loc, &cap, err);
        if (r >= 0 && loc.n == 0)
                r = resolve_from_proc(in, &pc, &host, &loc, &cap, err);
        else
                loc.from_mounts = true;
        mountinfo_free(&cmi);
        mountinfo_free(&host);
        proc_cgroup_free(&pc);
        if (r < 0) {
                located_free(&loc);
                return r;
        }
        *ret = loc;
        return 0;
}

void locate_open(struct located *loc)
{
        for (size_t i = 0; i < loc->n; i++) {
                struct located_hierarchy *h = &loc->h[i];
                if (h->refused || h->dirfd >= 0)
                        continue;
                _cleanup_close_ int mfd =
                        open(h->host_mountpoint, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (mfd < 0) {
                        located_refuse(h, "cannot open the hook's mount %s", h->host_mountpoint);
                        continue;
                }
                _cleanup_close_ int fd = open_beneath(mfd, h->host_rel, O_PATH | O_DIRECTORY);
                if (fd < 0) {
                        located_refuse(h, "cannot open %s beneath the hook's mount", h->host_path);
                        continue;
                }
                struct stat st;
                bool v2;
                if (fd_cgroup_kind(fd, &v2) < 0 || v2 != (h->version == CG_V2) ||
                    fstat(fd, &st) < 0 || major(st.st_dev) != h->major ||
                    minor(st.st_dev) != h->minor) {
                        located_refuse(h, "%s is not the cgroup filesystem the mount table names",
                                       h->host_path);
                        continue;
                }
                h->dev = (uint64_t)st.st_dev;
                h->ino = (uint64_t)st.st_ino;
                /* what the sub-tree can enable (match_available); unread, nothing is left out */
                if (v2 && cg_read_at(fd, "cgroup.controllers", &h->available) < 0)
                        h->available = NULL;
                h->dirfd = TAKE_FD(fd);
        }
}

struct located_hierarchy *locate_find(struct located *loc, enum cg_version v,
                                      const char *controllers)
{
        for (size_t i = 0; i < loc->n; i++)
                if (loc->h[i].version == v &&
                    (v == CG_V2 || streq(loc->h[i].controllers, controllers)))
                        return &loc->h[i];
        return NULL;
}
