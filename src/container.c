/* The container's identity: the state and config it was started with, its
 * process seen from the host, and the checks that they belong together. */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "cgbind/container.h"
#include "cgbind/fsutil.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

/* how far up the process tree the runtime is looked for */
#define MAX_ANCESTORS 32

void container_free(struct container *c)
{
        cgbind_state_free(&c->state);
        cgbind_config_free(&c->config);
        safe_close(c->pidfd);
        safe_close(c->proc_dirfd);
        free(c->mountinfo);
        free(c->proc_cgroup);
        free(c->rootfs);
        *c = (struct container){ .pidfd = -1, .proc_dirfd = -1 };
}

int container_read_state(int fd, const struct deadline *d, struct cgbind_state *ret,
                         struct cgbind_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_full_fd_until(fd, CGBIND_MAX_STATE_SIZE, d, &buf, &len);
        if (r == -EFBIG)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "state (stdin): larger than %d bytes",
                                        CGBIND_MAX_STATE_SIZE);
        if (r == -ETIMEDOUT)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "state (stdin): not complete before the deadline "
                                        "(--timeout); a runtime writes it and closes stdin");
        if (r < 0)
                return cgbind_error_set(err, CGBIND_INVALID, -r, "state (stdin): %s", strerror(-r));
        return cgbind_state_parse(buf, len, ret, err);
}

int container_read_config(const struct cgbind_state *st, struct cgbind_config *ret,
                          struct cgbind_error *err)
{
        char esc[300];
        cgbind_escape(st->bundle, strlen(st->bundle), esc, sizeof(esc));
        _cleanup_close_ int bfd = open(st->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return cgbind_error_set(err, CGBIND_INVALID, errno, "state (bundle %s): %s", esc,
                                        strerror(errno));
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_regular_file(bfd, "config.json", true, CGBIND_MAX_CONFIG_SIZE, &buf, &len);
        if (r < 0)
                return regular_file_error(err, r, "bundle config", st->bundle, "config.json",
                                          CGBIND_MAX_CONFIG_SIZE);
        return cgbind_config_parse(buf, len, ret, err);
}

static int read_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, ret, ret_len);
}

static bool same_file(int dirfd, const char *name, const char *path)
{
        struct stat a, b;
        return fstatat(dirfd, name, &a, 0) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

/* A decimal number of up to 19 digits, exactly n characters. */
static bool parse_decimal(const char *s, size_t n, unsigned long long *ret)
{
        unsigned long long v = 0;
        if (n == 0 || n > 19)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long long)(s[i] - '0');
        }
        *ret = v;
        return true;
}

int proc_stat_parse(const char *buf, struct proc_stat *ret)
{
        /* after the comm's last ')': " S ppid ...", one space between fields */
        const char *p = strrchr(buf, ')');
        struct proc_stat st = { 0 };
        unsigned long long v;
        if (!p)
                return -EINVAL;
        p++;
        for (int field = 3; field <= 22; field++) {
                if (*p != ' ')
                        return -EINVAL;
                p++;
                size_t l = strcspn(p, " \n");
                if (l == 0)
                        return -EINVAL;
                if (field == 3) {
                        if (l != 1)
                                return -EINVAL;
                        st.state = *p;
                } else if (field == 4) {
                        if (!parse_decimal(p, l, &v) || v > INT_MAX)
                                return -EINVAL;
                        st.ppid = (pid_t)v;
                } else if (field == 14 || field == 15) {
                        if (!parse_decimal(p, l, &v) || v > ULLONG_MAX - st.cpu_ticks)
                                return -EINVAL;
                        st.cpu_ticks += v;
                } else if (field == 22) {
                        if (!parse_decimal(p, l, &v))
                                return -EINVAL;
                        st.start_time = v;
                }
                p += l;
        }
        *ret = st;
        return 0;
}

int proc_stat_read(pid_t pid, struct proc_stat *ret)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_full_file(path, 4096, &buf, &len);
        return r < 0 ? r : proc_stat_parse(buf, ret);
}

int container_v2_path_of(pid_t pid, char *buf, size_t size)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_full_file(path, CGBIND_MAX_PROC_CGROUP, &text, &len);
        if (r < 0)
                return r;
        struct proc_cgroup pc = { 0 };
        struct cgbind_error ignored = { 0 };
        r = proc_cgroup_parse(text, len, &pc, &ignored);
        if (r < 0)
                return r;
        const struct proc_cgroup_entry *e = proc_cgroup_find(&pc, true, "");
        if (!e)
                r = -ENOENT;
        else if (strlen(e->path) >= size)
                r = -ENAMETOOLONG;
        else
                snprintf(buf, size, "%s", e->path);
        proc_cgroup_free(&pc);
        return r;
}

/* The parent of pid, from /proc/<pid>/stat; 0 when it cannot be read. */
static pid_t parent_of(pid_t pid)
{
        struct proc_stat st;
        return proc_stat_read(pid, &st) < 0 ? 0 : st.ppid;
}

/* The walk is made once per process: the checks of container_open() and
 * of every hierarchy in container_locate() compare with the same list. It
 * is made again when the parent is no longer the one it started from (a
 * forked child, or a hook whose runtime died). */
static struct {
        pid_t pids[MAX_ANCESTORS];
        size_t n;
} ancestors;

size_t container_hook_ancestors(pid_t *ret, size_t max)
{
        pid_t parent = getppid();
        if (ancestors.n == 0 || ancestors.pids[0] != parent) {
                ancestors.n = 0;
                for (pid_t p = parent; p > 1 && ancestors.n < MAX_ANCESTORS; p = parent_of(p))
                        ancestors.pids[ancestors.n++] = p;
        }
        size_t n = ancestors.n < max ? ancestors.n : max;
        memcpy(ret, ancestors.pids, n * sizeof(*ret));
        return n;
}

/* True when pid and the hook descend from one process other than the
 * host's init: the runtime that runs the hook is also the container's
 * parent (runc, crun), or its grandparent (CRIU's restored task). */
static bool shares_runtime(pid_t pid)
{
        pid_t mine[MAX_ANCESTORS];
        size_t n = container_hook_ancestors(mine, ARRAY_SIZE(mine));
        size_t steps = 0;
        for (pid_t p = parent_of(pid); p > 1 && steps < MAX_ANCESTORS; p = parent_of(p), steps++)
                for (size_t i = 0; i < n; i++)
                        if (mine[i] == p)
                                return true;
        return false;
}

static bool rootfs_is_mount(const struct container *c)
{
        struct mountinfo mi = { 0 };
        struct cgbind_error ignored = { 0 };
        bool found = false;
        if (mountinfo_parse(c->mountinfo, c->mountinfo_len, &mi, &ignored) < 0)
                return false;
        for (size_t i = 0; i < mi.n && !found; i++)
                found = streq(mi.entries[i].mountpoint, c->rootfs);
        mountinfo_free(&mi);
        return found;
}

static int resolve_rootfs(struct container *c, struct cgbind_error *err)
{
        const char *root = c->config.root_path ? c->config.root_path : "rootfs";
        struct strbuf sb = { 0 };
        if (root[0] != '/')
                strbuf_appendf(&sb, "%s/", c->state.bundle);
        strbuf_append(&sb, root, strlen(root));
        /* runc resolves the rootfs path the same way before mounting on it */
        c->rootfs = realpath(sb.buf, NULL);
        if (!c->rootfs) {
                char esc[300];
                cgbind_escape(sb.buf, sb.len, esc, sizeof(esc));
                int r = cgbind_error_set(err, CGBIND_INVALID, errno,
                                         "bundle config (root.path %s): %s", esc, strerror(errno));
                strbuf_free(&sb);
                return r;
        }
        strbuf_free(&sb);
        return 0;
}

static int not_this_container(pid_t pid, const char *why, struct cgbind_error *err)
{
        return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                "process (pid %d): %s: not this container's process", (int)pid,
                                why);
}

/* What both openings read: the pidfd, /proc/<pid>, its mount table and
 * cgroups, and where its root and mount namespace are. */
static int open_process(struct container *c, pid_t pid, struct cgbind_error *err)
{
        char path[64];
        c->pid = pid;
        c->pidfd = -1;
        c->proc_dirfd = -1;

        /* the pidfd first, then the directory, then the pidfd again: both
         * were taken while this process held the pid */
        c->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        c->proc_dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        bool alive = c->proc_dirfd >= 0 &&
                     (c->pidfd >= 0 ? syscall(SYS_pidfd_send_signal, c->pidfd, 0, NULL, 0) == 0
                                    : kill(pid, 0) == 0);
        if (!alive && errno == EPERM)
                /* rootless: a process of another user's (or root's) */
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "process (pid %d): not this user's: %s", (int)pid,
                                        strerror(EPERM));
        if (!alive)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ESRCH,
                                        "process (pid %d): not running", (int)pid);
        int r = read_at(c->proc_dirfd, "mountinfo", CGBIND_MAX_MOUNTINFO, &c->mountinfo,
                        &c->mountinfo_len);
        if (r >= 0)
                r = read_at(c->proc_dirfd, "cgroup", CGBIND_MAX_PROC_CGROUP, &c->proc_cgroup,
                            &c->proc_cgroup_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "process (pid %d): cannot read its cgroups: %s", (int)pid,
                                        strerror(-r));
        c->pivoted = !same_file(c->proc_dirfd, "root", "/");
        c->same_mntns = same_file(c->proc_dirfd, "ns/mnt", "/proc/self/ns/mnt");
        return 0;
}

int container_open_restoring(struct container *c, pid_t pid, pid_t criu, struct cgbind_error *err)
{
        int r = open_process(c, pid, err);
        if (r < 0)
                return r;
        _cleanup_free_ char *stat = NULL;
        size_t len;
        struct proc_stat st, cs;
        /* read through the directory opened while the pidfd held the pid;
         * CRIU forks the root task as its child, or as its sibling
         * (CLONE_PARENT: --restore-sibling, --restore-detached, as runc
         * asks) */
        if (read_at(c->proc_dirfd, "stat", 4096, &stat, &len) < 0 ||
            proc_stat_parse(stat, &st) < 0 || proc_stat_read(criu, &cs) < 0 ||
            (st.ppid != criu && st.ppid != cs.ppid) || st.ppid <= 1)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "process (pid %d): not the root task of CRIU's restore "
                                        "(pid %d)",
                                        (int)pid, (int)criu);
        if (c->same_mntns)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "process (pid %d): shares the hook's mount namespace: not "
                                        "a container",
                                        (int)pid);
        return 0;
}

int container_open(struct container *c, pid_t pid, bool in_container, struct cgbind_error *err)
{
        int r = open_process(c, pid, err);
        if (r < 0)
                return r;
        if (in_container && c->same_mntns)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "process (pid %d): shares the hook's mount namespace: not "
                                        "a container, or the hook runs at createContainer or "
                                        "startContainer (use prestart, createRuntime or poststart)",
                                        (int)pid);
        if (!c->state.bundle) {
                /* save --pid: no state to check against; only a process that
                 * is already inside its container's root is taken */
                if (!c->pivoted)
                        return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                                "process (pid %d): not in a container yet; pass "
                                                "the OCI state on stdin instead of --pid",
                                                (int)pid);
                return 0;
        }
        r = resolve_rootfs(c, err);
        if (r < 0)
                return r;
        if (c->pivoted) {
                /* after pivot_root the pid's root is the bundle's rootfs: a
                 * state naming another container's pid would restore into
                 * the wrong one */
                if (!same_file(c->proc_dirfd, "root", c->rootfs)) {
                        char esc[300], why[400];
                        cgbind_escape(c->rootfs, strlen(c->rootfs), esc, sizeof(esc));
                        snprintf(why, sizeof(why), "its root is not the bundle's rootfs (%s)", esc);
                        return not_this_container(pid, why, err);
                }
                free(c->rootfs);
                c->rootfs = NULL;
                return 0;
        }
        /* Before pivot_root: the runtime has mounted the rootfs in the new
         * mount namespace (runc and crun bind it onto itself), and the
         * runtime that runs this hook is the process's parent or grandparent.
         * Any process with a private mount namespace has neither. */
        /* During `runc restore` the prestart hooks run at CRIU's
         * setup-namespaces step (state "stopped"), before CRIU has restored
         * the container's mounts: only the descent check holds there. */
        bool restoring = c->state.status && streq(c->state.status, "stopped");
        if (!restoring && !rootfs_is_mount(c))
                return not_this_container(pid,
                                          "the bundle's rootfs is not a mount in its mount "
                                          "namespace",
                                          err);
        if (!shares_runtime(pid))
                return not_this_container(pid,
                                          "it does not descend from the runtime that runs "
                                          "the hook",
                                          err);
        return 0;
}

void container_cgroup_suffix(const char *cgroups_path, const char *id, char *buf, size_t size,
                             char *alt, size_t alt_size)
{
        alt[0] = '\0';
        if (!cgroups_path || !*cgroups_path) {
                /* runc and crun with cgroupfs: <id> below their own cgroup
                 * or the root; with systemd: <slice>/runc-<id>.scope */
                snprintf(buf, size, "/%s", id);
                snprintf(alt, alt_size, "-%s.scope", id);
                return;
        }
        const char *c1 = strchr(cgroups_path, ':');
        const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c1 && c2 && !strchr(c2 + 1, ':') && cgroups_path[0] != '/') {
                /* systemd's "slice:prefix:name": the unit is prefix-name.scope,
                 * or the name itself when it is a slice */
                const char *prefix = c1 + 1, *name = c2 + 1;
                size_t pl = (size_t)(c2 - prefix);
                if (strlen(name) > 6 && streq(name + strlen(name) - 6, ".slice"))
                        snprintf(buf, size, "/%s", name);
                else if (pl)
                        snprintf(buf, size, "/%.*s-%s.scope", (int)pl, prefix, name);
                else
                        snprintf(buf, size, "/%s.scope", name);
                return;
        }
        /* a path, absolute or relative to the runtime's own cgroup */
        snprintf(buf, size, "%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
        size_t l = strlen(buf);
        while (l > 1 && buf[l - 1] == '/')
                buf[--l] = '\0';
}

static bool ends_with_str(const char *s, const char *suffix)
{
        size_t l = strlen(s), sl = strlen(suffix);
        return sl && l > sl && streq(s + l - sl, suffix);
}

/* Whether PATH is the cgroup the runtime made for the container: the one
 * container_cgroup_suffix() names, or, under a systemd scope, the sub-cgroup
 * crun's systemd manager runs the payload in (SUB, the annotation
 * run.oci.systemd.subgroup; "container" when unset, none when empty). */
static bool own_cgroup(const char *path, const char *suffix, const char *alt, const char *sub)
{
        if (path_ends_with(path, suffix) || ends_with_str(path, alt))
                return true;
        if (!*sub || *sub == '/' || !path_ends_with(path, sub))
                return false;
        _cleanup_free_ char *parent = xstrndup(path, strlen(path) - strlen(sub) - 1);
        return (ends_with_str(suffix, ".scope") && path_ends_with(parent, suffix)) ||
               ends_with_str(parent, alt);
}

pid_t container_procs_first_of(const char *procs, const pid_t *pids, size_t n)
{
        for (const char *t = procs; *t; t += strspn(t, "\n")) {
                pid_t p = (pid_t)atoi(t);
                for (size_t i = 0; i < n; i++)
                        if (pids[i] == p)
                                return p;
                t += strcspn(t, "\n");
        }
        return 0;
}

pid_t container_runtime_in(int dirfd, const pid_t *mine, size_t n)
{
        _cleanup_free_ char *procs = NULL;
        if (cg_read_at(dirfd, "cgroup.procs", &procs) < 0)
                return -1; /* unreadable: refused as unknown */
        return container_procs_first_of(procs, mine, n);
}

int container_locate(struct container *c, struct located *ret, struct cgbind_error *err)
{
        _cleanup_free_ char *host_mi = NULL;
        size_t host_len;
        int r = read_full_file("/proc/self/mountinfo", CGBIND_MAX_MOUNTINFO, &host_mi, &host_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "mountinfo (/proc/self/mountinfo): %s", strerror(-r));
        struct locate_input in = {
                .rootfs = c->rootfs,
                .pivoted = c->pivoted,
                .container_mountinfo = c->mountinfo,
                .container_mountinfo_len = c->mountinfo_len,
                .proc_cgroup = c->proc_cgroup,
                .proc_cgroup_len = c->proc_cgroup_len,
                .host_mountinfo = host_mi,
                .host_mountinfo_len = host_len,
        };
        struct located loc = { 0 };
        r = locate_resolve(&in, &loc, err);
        if (r < 0)
                return r;
        locate_open(&loc);

        char suffix[CGBIND_MAX_PATH], alt[600];
        if (c->state.id)
                container_cgroup_suffix(c->config.cgroups_path, c->state.id, suffix, sizeof(suffix),
                                        alt, sizeof(alt));
        pid_t mine[MAX_ANCESTORS];
        size_t n_mine = container_hook_ancestors(mine, ARRAY_SIZE(mine));
        const char *sub = cgbind_annotation(&c->state, &c->config, "run.oci.systemd.subgroup");
        for (size_t i = 0; i < loc.n; i++) {
                struct located_hierarchy *h = &loc.h[i];
                if (!located_usable(h))
                        continue;
                /* a hierarchy the runtime left the container out of (runc 1.1:
                 * v1 named hierarchies but name=systemd, misc) holds it in the
                 * runtime's own cgroup, shared with everything it starts */
                if (c->state.id &&
                    !own_cgroup(h->cgroup_path, suffix, alt, sub ? sub : "container")) {
                        located_refuse(h,
                                       "%s is not the container's own cgroup (%s does not end "
                                       "with %s)",
                                       h->cgroup_path, h->cgroup_path, suffix);
                        continue;
                }
                pid_t p = container_runtime_in(h->dirfd, mine, n_mine);
                if (p != 0)
                        located_refuse(h,
                                       "%s is not the container's own cgroup: %s the runtime "
                                       "(pid %d) that runs the hook",
                                       h->cgroup_path,
                                       p > 0 ? "it holds" : "cannot read whether it holds", (int)p);
        }
        *ret = loc;
        return 0;
}
