/* cgbind as CRIU's action script (see criu.h).
 *
 * What an attacker controls: the checkpoint directory's content (cgbind.json
 * travels with the checkpoint, so it is read like any other image: opened
 * without following a symlink, a regular file, size-capped, and parsed only
 * inside the sandbox), and the container's own cgroup tree and mounts (seen
 * through locate's checks, as for the hook). The environment comes from
 * CRIU, which runs as root; the pid in it is still checked the way the hook
 * checks a state's pid (its own mount namespace, its root not the host's). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "cgbind/container.h"
#include "cgbind/criu.h"
#include "cgbind/fsutil.h"
#include "cgbind/journal.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"
#include "cgbind/restore.h"
#include "cgbind/save.h"

/* how far up the process tree the runtime is looked for */
#define MAX_ANCESTORS 32
/* the processes of a restored container that rebase_v2() moves, at most */
#define CGBIND_MAX_RESTORED_TASKS 4096

void criu_options_init(struct criu_options *o)
{
        *o = (struct criu_options){
                .sandbox = true,
                .max_image = CGBIND_DEFAULT_MAX_IMAGE,
                .max_cgroups = CGBIND_DEFAULT_MAX_CGROUPS,
                .timeout_ms = CGBIND_DEFAULT_TIMEOUT_MS,
        };
}

enum criu_step criu_step_of(const char *action)
{
        if (action && streq(action, "post-dump"))
                return CRIU_STEP_DUMP;
        if (action && streq(action, "post-restore"))
                return CRIU_STEP_RESTORE;
        if (action && streq(action, "post-resume"))
                return CRIU_STEP_RESUMED;
        return CRIU_STEP_OTHER;
}

static bool parse_pid(const char *s, pid_t *ret)
{
        char *end;
        if (!s || !*s || *s == '-' || *s == '+')
                return false;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end || v < 2 || v > INT_MAX)
                return false;
        *ret = (pid_t)v;
        return true;
}

/* True when CRTOOLS_IMAGE_DIR is /proc/<our parent>/fd/<n>: CRIU names its
 * image directory through its own descriptor, so then the parent is CRIU. */
static bool parent_is_criu(const char *image_dir)
{
        int pid = 0, fd = -1, end = 0;
        if (sscanf(image_dir, "/proc/%d/fd/%d%n", &pid, &fd, &end) != 2 || image_dir[end] != '\0' ||
            fd < 0)
                return false;
        return pid > 1 && (pid_t)pid == getppid();
}

/* ---- post-dump: save into the checkpoint ---- */

static int dump(const struct criu_options *o, pid_t pid, int dirfd, struct cgbind_log *log,
                struct criu_result *res, struct cgbind_error *err)
{
        struct strbuf path = { 0 };
        strbuf_appendf(&path, "%s/%s", o->image_dir, CRIU_IMAGE_NAME);
        struct save_options so;
        save_options_init(&so);
        so.pid = pid;
        so.output = path.buf;
        so.max_cgroups = o->max_cgroups;
        so.timeout_ms = o->timeout_ms;
        struct save_result sr = { 0 };
        struct cgbind_error serr = { 0 };
        int r = save_run(&so, log, &sr, &serr);
        strbuf_free(&path);
        if (r < 0 && serr.status == CGBIND_PRECONDITION) {
                /* no cgroup of its own to save (no cgroup mount, the host's
                 * root cgroup): the checkpoint goes on as it would without
                 * cgbind, and an image a former dump left here goes */
                if (unlinkat(dirfd, CRIU_IMAGE_NAME, 0) < 0 && errno != ENOENT)
                        return cgbind_error_set(err, CGBIND_FAILED, errno, "checkpoint (%s): %s",
                                                CRIU_IMAGE_NAME, strerror(errno));
                log_msg(log, LOG_LEVEL_INFO, "nothing saved: %s", serr.msg);
                return 0;
        }
        if (r < 0) {
                *err = serr;
                return r;
        }
        res->image = true;
        res->n_nodes = sr.n_nodes;
        return 0;
}

/* ---- post-restore: restore from the checkpoint ---- */

static bool procs_has(const char *procs, pid_t pid)
{
        for (const char *p = procs; *p;) {
                char *end;
                long v = strtol(p, &end, 10);
                if (end == p)
                        break;
                if (v == pid)
                        return true;
                p = end + strspn(end, "\n");
        }
        return false;
}

/* The start time of pid (/proc/<pid>/stat, field 22): with the pid, it
 * names one process for as long as the host runs. */
static unsigned long long start_time_of(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        size_t len;
        if (read_full_file(path, 4096, &buf, &len) < 0)
                return 0;
        const char *p = strrchr(buf, ')');
        unsigned long long v = 0;
        /* after the comm: state is field 3, starttime field 22 */
        for (int field = 3; p && field <= 22; field++) {
                p = strchr(p + 1, ' ');
                if (p && field == 22)
                        v = strtoull(p + 1, NULL, 10);
        }
        return v;
}

/* CRIU runs the action-script twice at each step when the configuration
 * file is read twice (CRIU 4.1 with runc does). The first post-restore run
 * records CRIU's cgroups, the container's top-levels, in the state
 * directory, before it moves CRIU (v2); the second reads them back from
 * there. The record is named by CRIU's pid and start time, and goes at
 * post-resume. */
static int marker_name(pid_t criu, char *buf, size_t size)
{
        unsigned long long st = start_time_of(criu);
        if (!st)
                return -ESRCH;
        snprintf(buf, size, "criu-%d-%llu", (int)criu, st);
        return 0;
}

static int open_state_dir(bool create, struct cgbind_error *err)
{
        if (create && mkdir(CGBIND_STATE_DIR, 0700) < 0 && errno != EEXIST)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "state (%s): %s",
                                        CGBIND_STATE_DIR, strerror(errno));
        int fd = open(CGBIND_STATE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "state (%s): %s",
                                        CGBIND_STATE_DIR, strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077) != 0) {
                safe_close(fd);
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "state (%s): not root's with mode 0700", CGBIND_STATE_DIR);
        }
        return fd;
}

/* CRIU's /proc/<pid>/cgroup as the first run of this restore saw it: from
 * the record when there is one, else read now and recorded. */
static int criu_cgroups(pid_t criu, char **ret, size_t *ret_len, struct cgbind_error *err)
{
        char name[64];
        if (marker_name(criu, name, sizeof(name)) < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ESRCH,
                                        "CRIU (pid %d): not running", (int)criu);
        _cleanup_close_ int dfd = open_state_dir(true, err);
        if (dfd < 0)
                return dfd;
        int r = read_regular_file(dfd, name, true, CGBIND_MAX_PROC_CGROUP, ret, ret_len);
        if (r != -ENOENT) {
                if (r < 0)
                        return cgbind_error_set(err, CGBIND_FAILED, -r, "state (%s/%s): %s",
                                                CGBIND_STATE_DIR, name, strerror(-r));
                return 0;
        }
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)criu);
        r = read_full_file(path, CGBIND_MAX_PROC_CGROUP, ret, ret_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r, "CRIU (%s): %s", path,
                                        strerror(-r));
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        ssize_t k = fd < 0 ? -1 : write(fd, *ret, *ret_len);
        int e = errno;
        safe_close(fd);
        if (k != (ssize_t)*ret_len) {
                unlinkat(dfd, name, 0);
                free(*ret);
                *ret = NULL;
                return cgbind_error_set(err, CGBIND_FAILED, k < 0 ? e : EIO, "state (%s/%s): %s",
                                        CGBIND_STATE_DIR, name, strerror(k < 0 ? e : EIO));
        }
        return 0;
}

/* The record of a restore that CRIU has resumed goes. */
static void forget_restore(pid_t criu)
{
        char name[64];
        struct cgbind_error ignored = { 0 };
        if (marker_name(criu, name, sizeof(name)) < 0)
                return;
        int dfd = open_state_dir(false, &ignored);
        if (dfd < 0)
                return;
        unlinkat(dfd, name, 0);
        safe_close(dfd);
}

/* The container's cgroups: in each hierarchy the top-level is CRIU's own
 * cgroup, where runc put CRIU before the restore (the cgroup it made from
 * linux.cgroupsPath), and the restored init must sit in it or beneath it.
 * The container's mounts are not used: on cgroup v1 CRIU restores them with
 * the hierarchy's root, not the container's cgroup. A top-level that holds
 * the runtime or its callers (this script's other ancestors) is shared with
 * the runtime, never the container's own, and is refused; so is the root. */
static int locate(struct container *c, pid_t criu, struct located *ret, struct cgbind_error *err)
{
        _cleanup_free_ char *host_mi = NULL, *criu_cg = NULL;
        size_t host_len, criu_len;
        int r = read_full_file("/proc/self/mountinfo", CGBIND_MAX_MOUNTINFO, &host_mi, &host_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "mountinfo (/proc/self/mountinfo): %s", strerror(-r));
        r = criu_cgroups(criu, &criu_cg, &criu_len, err);
        if (r < 0)
                return r;
        /* container_open checked that the container has a mount namespace of
         * its own: none of the hook's mounts is one of its, and no real path
         * may leave one out (its root reads as "/" from here) */
        char link[64];
        snprintf(link, sizeof(link), "/proc/%d/root", (int)c->pid);
        struct locate_input in = {
                .rootfs = link,
                .pivoted = false,
                .container_mountinfo = "",
                .container_mountinfo_len = 0,
                .proc_cgroup = criu_cg,
                .proc_cgroup_len = criu_len,
                .host_mountinfo = host_mi,
                .host_mountinfo_len = host_len,
        };
        struct located loc = { 0 };
        r = locate_resolve(&in, &loc, err);
        if (r < 0)
                return r;
        struct proc_cgroup pc = { 0 };
        r = proc_cgroup_parse(c->proc_cgroup, c->proc_cgroup_len, &pc, err);
        if (r < 0) {
                located_free(&loc);
                return r;
        }
        for (size_t i = 0; i < loc.n; i++) {
                struct located_hierarchy *h = &loc.h[i];
                if (!located_usable(h))
                        continue;
                const char *init = NULL;
                for (size_t k = 0; k < pc.n && !init; k++)
                        if ((pc.entries[k].hierarchy_id == 0) == (h->version == CG_V2) &&
                            streq(pc.entries[k].controllers, h->controllers))
                                init = pc.entries[k].path;
                if (!init) {
                        located_refuse(h, "the container's init is in no cgroup of %s",
                                       cg_label(h->version, h->controllers));
                        continue;
                }
                if (!path_is_beneath(init, h->cgroup_path)) {
                        /* rebase_v2() may still move it beneath */
                        free(h->init_rel);
                        h->init_rel = NULL;
                        continue;
                }
                free(h->init_rel);
                h->init_rel = xstrdup(path_rel_below(init, h->cgroup_path));
        }
        proc_cgroup_free(&pc);
        locate_open(&loc);

        pid_t mine[MAX_ANCESTORS];
        size_t n = container_hook_ancestors(mine, ARRAY_SIZE(mine));
        for (size_t i = 0; i < loc.n; i++) {
                struct located_hierarchy *h = &loc.h[i];
                if (!located_usable(h))
                        continue;
                _cleanup_free_ char *procs = NULL;
                if (cg_read_at(h->dirfd, "cgroup.procs", &procs) < 0) {
                        located_refuse(h, "%s: cannot read cgroup.procs", h->cgroup_path);
                        continue;
                }
                for (size_t k = 1; k < n; k++)
                        if (procs_has(procs, mine[k])) {
                                located_refuse(h,
                                               "%s is not the container's own cgroup: it holds "
                                               "the runtime (pid %d) that runs CRIU",
                                               h->cgroup_path, (int)mine[k]);
                                break;
                        }
        }
        *ret = loc;
        return 0;
}

/* rel ("a/b") made beneath dirfd, each missing level with mkdir. */
static int mkdir_beneath(int dirfd, const char *rel)
{
        char path[CGBIND_MAX_PATH];
        size_t n = strlen(rel);
        if (n >= sizeof(path))
                return -ENAMETOOLONG;
        memcpy(path, rel, n + 1);
        for (char *p = path; *p;) {
                char *slash = strchr(p, '/');
                if (slash)
                        *slash = '\0';
                char *name = strrchr(path, '/');
                _cleanup_close_ int pfd = -1;
                if (name) {
                        *name = '\0';
                        pfd = open_beneath(dirfd, path, O_PATH | O_DIRECTORY);
                        *name = '/';
                        if (pfd < 0)
                                return pfd;
                }
                if (mkdirat(name ? pfd : dirfd, name ? name + 1 : path, 0755) < 0 &&
                    errno != EEXIST)
                        return -errno;
                if (!slash)
                        break;
                *slash = '/';
                p = slash + 1;
        }
        return 0;
}

/* The restored container's processes: its init and every descendant. */
static size_t restored_tasks(pid_t init, pid_t *ret, size_t max)
{
        size_t n = 0;
        ret[n++] = init;
        for (size_t i = 0; i < n; i++) {
                char path[96];
                snprintf(path, sizeof(path), "/proc/%d/task", (int)ret[i]);
                _cleanup_close_ int tfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                DIR *d = tfd < 0 ? NULL : fdopendir(tfd);
                if (!d)
                        continue;
                tfd = -1;
                struct dirent *de;
                while ((de = readdir(d))) {
                        if (de->d_name[0] == '.')
                                continue;
                        snprintf(path, sizeof(path), "/proc/%d/task/%s/children", (int)ret[i],
                                 de->d_name);
                        _cleanup_free_ char *buf = NULL;
                        size_t len;
                        if (read_full_file(path, 64 * 1024, &buf, &len) < 0)
                                continue;
                        for (char *s = NULL, *t = strtok_r(buf, " \n", &s); t && n < max;
                             t = strtok_r(NULL, " \n", &s))
                                ret[n++] = (pid_t)atoi(t);
                }
                closedir(d);
        }
        return n;
}

/* The v2 path of pid ("" when it cannot be read). */
static void v2_path_of(pid_t pid, char *buf, size_t size)
{
        char path[64];
        buf[0] = '\0';
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (read_full_file(path, CGBIND_MAX_PROC_CGROUP, &text, &len) < 0)
                return;
        for (char *s = NULL, *l = strtok_r(text, "\n", &s); l; l = strtok_r(NULL, "\n", &s))
                if (strncmp(l, "0::", 3) == 0)
                        snprintf(buf, size, "%s", l + 3);
}

/* runc 1.1 names CRIU no cgroup v2 root when it restores, so CRIU puts the
 * tasks back under the cgroup they had at the dump: the checkpointed
 * container's, which is not this one when the restore has another id or
 * name (podman restore --import --name, runc restore with a new id). Then
 * the restored processes (the init and its descendants, and no other) are
 * moved beneath this container's top-level, each to the path it had below
 * the old one: every write is beneath the new top-level. The old top-level
 * is the root of the container's own cgroup2 mount (its cgroup namespace);
 * the empty cgroups CRIU made there are not this container's and stay,
 * named in a warning. */
static int rebase_v2(struct container *c, struct located_hierarchy *h, size_t *ret_moved,
                     struct cgbind_log *log, struct cgbind_error *err)
{
        char init[CGBIND_MAX_PATH], old[CGBIND_MAX_PATH] = "";
        v2_path_of(c->pid, init, sizeof(init));
        struct mountinfo mi = { 0 };
        struct cgbind_error ignored = { 0 };
        if (mountinfo_parse(c->mountinfo, c->mountinfo_len, &mi, &ignored) >= 0)
                for (size_t i = 0; i < mi.n && !old[0]; i++) {
                        bool v2;
                        const struct mountinfo_entry *e = &mi.entries[i];
                        if (mountinfo_is_cgroup(e, &v2) && v2 && !streq(e->root, "/") &&
                            path_is_beneath(init, e->root))
                                snprintf(old, sizeof(old), "%s", e->root);
                }
        mountinfo_free(&mi);
        if (!init[0] || !old[0])
                return cgbind_error_set_escaped(err, CGBIND_PRECONDITION, EINVAL,
                                                "hierarchy (cgroup2): the container's init (%s) "
                                                "is not beneath CRIU's cgroup %s, and its cgroup "
                                                "mount does not say where it was",
                                                init[0] ? init : "none", h->cgroup_path);
        pid_t tasks[CGBIND_MAX_RESTORED_TASKS];
        size_t n = restored_tasks(c->pid, tasks, ARRAY_SIZE(tasks));
        for (size_t i = 0; i < n; i++) {
                char p[CGBIND_MAX_PATH];
                v2_path_of(tasks[i], p, sizeof(p));
                if (!p[0] || !path_is_beneath(p, old))
                        continue;
                const char *rel = path_rel_below(p, old);
                char pid[32];
                snprintf(pid, sizeof(pid), "%d", (int)tasks[i]);
                int r = rel[0] ? mkdir_beneath(h->dirfd, rel) : 0;
                if (r >= 0)
                        r = rel[0] ? cg_write_beneath(h->dirfd, rel, "cgroup.procs", pid, false)
                                   : cg_write_at(h->dirfd, "cgroup.procs", pid, false);
                if (r < 0 && r != -ESRCH)
                        return cgbind_error_set_escaped(
                                err, CGBIND_FAILED, -r, "move (pid %d) from %s into %s/%s: %s",
                                (int)tasks[i], p, h->host_path, rel, strerror(-r));
                if (r >= 0)
                        (*ret_moved)++;
        }
        free(h->init_rel);
        h->init_rel = xstrdup(path_rel_below(init, old));
        log_msg(log, LOG_LEVEL_WARNING,
                "the restored tasks were under %s (the checkpointed container's cgroup: runc "
                "names CRIU no cgroup v2 root); moved beneath %s; the empty cgroups under %s "
                "are not this container's and stay",
                old, h->cgroup_path, old);
        return 0;
}

/* cgroup v2 lets no process sit in a cgroup whose children have domain
 * controllers: CRIU (this script's parent) and the script itself leave the
 * top-level for the cgroup CRIU restored the container's init into, which
 * is beneath the top-level. Nothing else is moved; a top-level that still
 * holds another process is refused by the plan, with its message. */
static int leave_top_level(const struct located *loc, bool move_parent, size_t *ret_moved,
                           struct cgbind_error *err)
{
        for (size_t i = 0; i < loc->n; i++) {
                const struct located_hierarchy *h = &loc->h[i];
                if (!located_usable(h) || h->version != CG_V2 || !h->init_rel || !h->init_rel[0])
                        continue;
                _cleanup_free_ char *procs = NULL;
                int r = cg_read_at(h->dirfd, "cgroup.procs", &procs);
                if (r < 0)
                        continue; /* the plan reads it again and says why */
                pid_t who[2] = { move_parent ? getppid() : 0, getpid() };
                for (size_t k = 0; k < ARRAY_SIZE(who); k++) {
                        if (who[k] <= 1 || !procs_has(procs, who[k]))
                                continue;
                        char pid[32];
                        snprintf(pid, sizeof(pid), "%d", (int)who[k]);
                        r = cg_write_beneath(h->dirfd, h->init_rel, "cgroup.procs", pid, false);
                        if (r < 0)
                                return cgbind_error_set_escaped(
                                        err, CGBIND_FAILED, -r,
                                        "move %s (pid %d) into %s/%s: %s; nothing else changed",
                                        k == 0 ? "CRIU" : "cgbind", (int)who[k], h->host_path,
                                        h->init_rel, strerror(-r));
                        (*ret_moved)++;
                }
        }
        return 0;
}

static int restore(const struct criu_options *o, pid_t pid, int dirfd, struct cgbind_log *log,
                   struct criu_result *res, struct cgbind_error *err)
{
        char esc[300];
        cgbind_escape(o->image_dir, strlen(o->image_dir), esc, sizeof(esc));
        /* the image travels with the checkpoint: untrusted, like any other */
        int fd = open_regular_file(dirfd, CRIU_IMAGE_NAME, true, o->max_image);
        if (fd == -ENOENT)
                return 0; /* a checkpoint without cgbind: restored as before */
        if (fd == -EFBIG)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "image (%s/%s): larger than the limit of %zu bytes", esc,
                                        CRIU_IMAGE_NAME, o->max_image);
        if (fd < 0)
                return cgbind_error_set(err, CGBIND_INVALID, -fd, "image (%s/%s): %s", esc,
                                        CRIU_IMAGE_NAME,
                                        fd == -ENOTREGULAR ? "not a regular file" : strerror(-fd));
        res->image = true;

        struct restore_input in = { .ctr = { .pidfd = -1, .proc_dirfd = -1 }, .image_fd = fd };
        int r = 0;
        /* the container's cgroups are CRIU's: the script must be CRIU's */
        if (!parent_is_criu(o->image_dir))
                r = cgbind_error_set_escaped(err, CGBIND_PRECONDITION, EINVAL,
                                             "CRTOOLS_IMAGE_DIR (%s): not a descriptor of this "
                                             "script's parent; run by CRIU as its action-script",
                                             o->image_dir);
        if (r >= 0)
                r = container_open(&in.ctr, pid, true, err);
        if (r >= 0)
                r = locate(&in.ctr, getppid(), &in.loc, err);
        for (size_t i = 0; r >= 0 && i < in.loc.n; i++) {
                struct located_hierarchy *h = &in.loc.h[i];
                if (located_usable(h) && !h->init_rel)
                        r = h->version == CG_V2
                                    ? rebase_v2(&in.ctr, h, &res->n_moved, log, err)
                                    : cgbind_error_set_escaped(
                                              err, CGBIND_PRECONDITION, EINVAL,
                                              "hierarchy (%s): the container's init is not "
                                              "beneath CRIU's cgroup %s",
                                              cg_label(h->version, h->controllers), h->cgroup_path);
        }
        if (r >= 0)
                r = leave_top_level(&in.loc, true, &res->n_moved, err);
        if (r >= 0) {
                struct restore_options ro;
                restore_options_init(&ro);
                ro.input = &in;
                ro.state_fd = -1;
                ro.mode = o->mode ? o->mode : "full";
                ro.sandbox = o->sandbox;
                ro.max_image = o->max_image;
                ro.max_cgroups = o->max_cgroups;
                ro.timeout_ms = o->timeout_ms;
                struct restore_result rr = { 0 };
                r = restore_run(&ro, log, &rr, err);
                res->n_mkdirs = rr.n_mkdirs;
                res->n_writes = rr.n_writes;
        }
        container_free(&in.ctr);
        located_free(&in.loc);
        safe_close(in.image_fd);
        return r;
}

int criu_script_run(const struct criu_options *o, struct cgbind_log *log, struct criu_result *ret,
                    struct cgbind_error *err)
{
        struct criu_result res = { .step = criu_step_of(o->action) };
        if (res.step == CRIU_STEP_RESUMED) {
                if (o->image_dir && parent_is_criu(o->image_dir))
                        forget_restore(getppid());
                res.step = CRIU_STEP_OTHER;
        }
        if (res.step == CRIU_STEP_OTHER) {
                if (ret)
                        *ret = res;
                return 0;
        }
        pid_t pid;
        if (!parse_pid(o->init_pid, &pid))
                return cgbind_error_set_escaped(err, CGBIND_INVALID, EINVAL,
                                                "CRTOOLS_INIT_PID (%s): not a process id; run "
                                                "by CRIU as its action-script",
                                                o->init_pid ? o->init_pid : "unset");
        if (!o->image_dir || o->image_dir[0] != '/')
                return cgbind_error_set_escaped(err, CGBIND_INVALID, EINVAL,
                                                "CRTOOLS_IMAGE_DIR (%s): not an absolute path; "
                                                "run by CRIU as its action-script",
                                                o->image_dir ? o->image_dir : "unset");
        _cleanup_close_ int dirfd = open(o->image_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return cgbind_error_set_escaped(err, CGBIND_PRECONDITION, errno,
                                                "checkpoint directory (%s): %s", o->image_dir,
                                                strerror(errno));
        int r = res.step == CRIU_STEP_DUMP ? dump(o, pid, dirfd, log, &res, err)
                                           : restore(o, pid, dirfd, log, &res, err);
        if (r >= 0 && ret)
                *ret = res;
        return r;
}
