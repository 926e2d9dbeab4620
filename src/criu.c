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
#include <sys/syscall.h>

#include "cgbind/container.h"
#include "cgbind/criu.h"
#include "cgbind/fsutil.h"
#include "cgbind/journal.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"
#include "cgbind/restore.h"
#include "cgbind/save.h"

/* the record of the top-levels a post-setup-namespaces run left (prepare()) */
#define TOP_RECORD_SUFFIX ".top"
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
        if (action && streq(action, "post-setup-namespaces"))
                return CRIU_STEP_PREPARE;
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

static unsigned long long start_time_of(pid_t pid);
static int marker_name(pid_t criu, char *buf, size_t size);
static void remove_stale_records(int dfd);

/* Writes a record (a new file, mode 0600) into the state directory; on any
 * failure nothing of it stays. 0 or -errno. */
static int record_write(int dfd, const char *name, const char *buf, size_t len)
{
        int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        ssize_t k = fd < 0 ? -1 : write(fd, buf, len);
        int e = k < 0 ? errno : EIO;
        safe_close(fd);
        if (k == (ssize_t)len)
                return 0;
        unlinkat(dfd, name, 0);
        return -e;
}

int criu_dump_record_format(const struct criu_dump_facts *f, char *buf, size_t size)
{
        int n = snprintf(buf, size,
                         "cgbind-dump 1 init=%d:%llu dir=%llu:%llu image=%llu:%llu size=%llu "
                         "mtime=%lld.%09ld ctime=%lld.%09ld\n",
                         (int)f->init_pid, f->init_start, (unsigned long long)f->dir_dev,
                         (unsigned long long)f->dir_ino, (unsigned long long)f->image_dev,
                         (unsigned long long)f->image_ino, (unsigned long long)f->image_size,
                         (long long)f->image_mtime.tv_sec, (long)f->image_mtime.tv_nsec,
                         (long long)f->image_ctime.tv_sec, (long)f->image_ctime.tv_nsec);
        return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

/* The record is never parsed: it matches when it is, byte for byte, what
 * the kernel says now. So a forged one can name nothing the run would act
 * on; the most it can do is make the run skip a save that the same image
 * already holds. */
bool criu_dump_record_matches(const char *rec, size_t rec_len, const struct criu_dump_facts *now)
{
        char buf[CRIU_DUMP_RECORD_MAX];
        int n = criu_dump_record_format(now, buf, sizeof(buf));
        return n > 0 && rec_len == (size_t)n && memcmp(rec, buf, rec_len) == 0;
}

/* What the kernel says now of the dumped init, the checkpoint directory and
 * the image in it (-errno when any of them cannot be read: no record then). */
static int dump_facts(const struct criu_options *o, pid_t pid, int dirfd,
                      struct criu_dump_facts *ret)
{
        struct stat dir, img;
        unsigned long long st = start_time_of(pid);
        if (!st || fstat(dirfd, &dir) < 0)
                return -ESRCH;
        _cleanup_close_ int fd = open_regular_file(dirfd, CRIU_IMAGE_NAME, true, o->max_image);
        if (fd < 0)
                return fd;
        if (fstat(fd, &img) < 0)
                return -errno;
        *ret = (struct criu_dump_facts){
                .init_pid = pid,
                .init_start = st,
                .dir_dev = dir.st_dev,
                .dir_ino = dir.st_ino,
                .image_dev = img.st_dev,
                .image_ino = img.st_ino,
                .image_size = (unsigned long long)img.st_size,
                .image_mtime = img.st_mtim,
                .image_ctime = img.st_ctim,
        };
        return 0;
}

/* CRIU runs the script twice at each step under runc (see marker_name):
 * the first post-dump run records what it wrote, as criu-<pid>-<start>.dump
 * in the state directory; the second finds the record, and when the image
 * is still the one the first run wrote (the same file, unchanged, of the
 * same init, in the same directory) it has nothing to do. The record goes
 * with the second run, or with its CRIU (remove_stale_records). Returns
 * the state directory (-1: none; records are then not used), and sets
 * *ret_skip. */
static int dump_record_check(const struct criu_options *o, pid_t pid, int dirfd, char *name,
                             size_t name_size, bool *ret_skip)
{
        char dir[PATH_MAX];
        struct cgbind_error ignored = { 0 };
        *ret_skip = false;
        if (!parent_is_criu(o->image_dir) || marker_name(getppid(), name, name_size) < 0 ||
            strlen(name) + sizeof(".dump") > name_size)
                return -1;
        strcat(name, ".dump");
        int dfd = journal_state_dir(false, dir, sizeof(dir), &ignored);
        if (dfd < 0)
                return -1;
        remove_stale_records(dfd);
        _cleanup_free_ char *rec = NULL;
        size_t rec_len;
        if (read_regular_file(dfd, name, true, CRIU_DUMP_RECORD_MAX, &rec, &rec_len) < 0)
                return dfd; /* none (or not ours to trust): a first run */
        unlinkat(dfd, name, 0);
        struct criu_dump_facts now;
        *ret_skip = dump_facts(o, pid, dirfd, &now) >= 0 &&
                    criu_dump_record_matches(rec, rec_len, &now);
        return dfd;
}

static void dump_record_write(const struct criu_options *o, pid_t pid, int dirfd, int dfd,
                              const char *name, struct cgbind_log *log)
{
        struct criu_dump_facts f;
        char buf[CRIU_DUMP_RECORD_MAX];
        int n = dump_facts(o, pid, dirfd, &f);
        if (n >= 0)
                n = criu_dump_record_format(&f, buf, sizeof(buf));
        if (n >= 0)
                n = record_write(dfd, name, buf, (size_t)n);
        if (n < 0) {
                /* the second run saves again: slower, never wrong */
                log_msg(log, LOG_LEVEL_DEBUG, "state (%s/%s): not recorded", CGBIND_STATE_DIR,
                        name);
        }
}

static int dump(const struct criu_options *o, pid_t pid, int dirfd, struct cgbind_log *log,
                struct criu_result *res, struct cgbind_error *err)
{
        char name[80];
        bool skip;
        _cleanup_close_ int dfd = dump_record_check(o, pid, dirfd, name, sizeof(name), &skip);
        if (skip) {
                log_msg(log, LOG_LEVEL_INFO,
                        "a second run of this dump (CRIU pid %d): nothing to do, %s/%s is the "
                        "first run's",
                        (int)getppid(), o->image_dir, CRIU_IMAGE_NAME);
                res->image = true;
                return 0;
        }
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
        if (dfd >= 0)
                dump_record_write(o, pid, dirfd, dfd, name, log);
        return 0;
}

/* ---- post-restore: restore from the checkpoint ---- */

/* The start time of pid (0 when it cannot be read), from the one parser
 * of /proc/<pid>/stat: with the pid, it names one process. */
static unsigned long long start_time_of(pid_t pid)
{
        struct proc_stat st;
        return proc_stat_read(pid, &st) < 0 ? 0 : st.start_time;
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

/* The record a first run left: each hierarchy it names must be one CRIU
 * is in now, at the recorded cgroup or beneath it (the first run moved it
 * beneath its v2 top-level, never elsewhere). A record that does not
 * match the kernel is refused: the state directory is root's, but a bug
 * turned into code execution in a first run's sandbox must not be able to
 * steer a later run. */
static int record_check(const char *rec, size_t rec_len, const char *now, size_t now_len,
                        const char *name, struct cgbind_error *err)
{
        struct proc_cgroup a = { 0 }, b = { 0 };
        struct cgbind_error ignored = { 0 };
        bool ok = proc_cgroup_parse(rec, rec_len, &a, &ignored) >= 0 &&
                  proc_cgroup_parse(now, now_len, &b, &ignored) >= 0 && a.n == b.n && a.n > 0;
        for (size_t i = 0; ok && i < a.n; i++) {
                bool found = false;
                for (size_t k = 0; k < b.n && !found; k++)
                        found = a.entries[i].hierarchy_id == b.entries[k].hierarchy_id &&
                                streq(a.entries[i].controllers, b.entries[k].controllers) &&
                                path_is_beneath(b.entries[k].path, a.entries[i].path);
                ok = found;
        }
        proc_cgroup_free(&a);
        proc_cgroup_free(&b);
        if (!ok)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "state (%s/%s): does not match CRIU's cgroups now; "
                                        "nothing changed",
                                        CGBIND_STATE_DIR, name);
        return 0;
}

/* The records of dumps and restores whose CRIU is gone (it failed, or ran the
 * script once and never resumed): removed before the sandbox, so that a
 * record lives at most as long as its CRIU. */
static void remove_stale_records(int dfd)
{
        _cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(TAKE_FD(fd)) : NULL;
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                int pid = 0, end = 0;
                unsigned long long st = 0;
                if (sscanf(de->d_name, "criu-%d-%llu%n", &pid, &st, &end) != 2 ||
                    (de->d_name[end] != '\0' && !streq(de->d_name + end, ".dump") &&
                     !streq(de->d_name + end, TOP_RECORD_SUFFIX)) ||
                    pid <= 1)
                        continue;
                if (start_time_of((pid_t)pid) != st)
                        unlinkat(dfd, de->d_name, 0);
        }
        closedir(d);
}

/* The top-levels that this restore's post-setup-namespaces run recorded
 * before it moved CRIU beneath them (prepare()), in place of CRIU's
 * cgroups now (*cg), once checked against them like any record: CRIU is
 * at each recorded cgroup or beneath it. Kept until post-resume: the
 * second run of each step reads it too. */
static int top_record_use(int dfd, const char *dir, const char *name, char **cg, size_t *cg_len,
                          struct cgbind_error *err)
{
        char top[80];
        snprintf(top, sizeof(top), "%s" TOP_RECORD_SUFFIX, name);
        char *rec = NULL;
        size_t rec_len;
        int r = read_regular_file(dfd, top, true, CGBIND_MAX_PROC_CGROUP, &rec, &rec_len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "state (%s/%s): %s", dir, top,
                                        strerror(-r));
        r = record_check(rec, rec_len, *cg, *cg_len, top, err);
        if (r < 0) {
                free(rec);
                return r;
        }
        free(*cg);
        *cg = rec;
        *cg_len = rec_len;
        return 0;
}

/* CRIU's /proc/<pid>/cgroup, read now, and whether a first run of this
 * restore recorded it already (*ret_second: this is the second run). The
 * first run records it, before its sandbox; the second checks the record
 * against the kernel (record_check), uses nothing else of it, and removes
 * it: CRIU runs the second even when the first failed, and its sandbox
 * could not have removed it. */
static int criu_cgroups(pid_t criu, char **ret, size_t *ret_len, bool *ret_second,
                        struct cgbind_error *err)
{
        char name[64];
        if (marker_name(criu, name, sizeof(name)) < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ESRCH,
                                        "CRIU (pid %d): not running", (int)criu);
        char dir[PATH_MAX];
        _cleanup_close_ int dfd = journal_state_dir(false, dir, sizeof(dir), err);
        if (dfd < 0)
                return dfd;
        remove_stale_records(dfd);
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)criu);
        int r = read_full_file(path, CGBIND_MAX_PROC_CGROUP, ret, ret_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r, "CRIU (%s): %s", path,
                                        strerror(-r));
        r = top_record_use(dfd, dir, name, ret, ret_len, err);
        if (r < 0) {
                free(*ret);
                *ret = NULL;
                return r;
        }
        _cleanup_free_ char *rec = NULL;
        size_t rec_len;
        r = read_regular_file(dfd, name, true, CGBIND_MAX_PROC_CGROUP, &rec, &rec_len);
        if (r != -ENOENT) {
                if (r < 0)
                        r = cgbind_error_set(err, CGBIND_FAILED, -r, "state (%s/%s): %s", dir, name,
                                             strerror(-r));
                else
                        r = record_check(rec, rec_len, *ret, *ret_len, name, err);
                unlinkat(dfd, name, 0);
                if (r < 0) {
                        free(*ret);
                        *ret = NULL;
                        return r;
                }
                *ret_second = true;
                return 0;
        }
        *ret_second = false;
        r = record_write(dfd, name, *ret, *ret_len);
        if (r < 0) {
                free(*ret);
                *ret = NULL;
                return cgbind_error_set(err, CGBIND_FAILED, -r, "state (%s/%s): %s", dir, name,
                                        strerror(-r));
        }
        return 0;
}

/* The record of a restore that CRIU has resumed goes. */
static void forget_restore(pid_t criu)
{
        char name[64];
        char dir[PATH_MAX];
        struct cgbind_error ignored = { 0 };
        if (marker_name(criu, name, sizeof(name)) < 0)
                return;
        int dfd = journal_state_dir(true, dir, sizeof(dir), &ignored);
        if (dfd < 0)
                return;
        unlinkat(dfd, name, 0);
        char top[80];
        snprintf(top, sizeof(top), "%s" TOP_RECORD_SUFFIX, name);
        unlinkat(dfd, top, 0);
        safe_close(dfd);
}

/* The container's cgroups: in each hierarchy the top-level is CRIU's own
 * cgroup, where runc put CRIU before the restore (the cgroup it made from
 * linux.cgroupsPath), and the restored init must sit in it or beneath it.
 * The container's mounts are not used: on cgroup v1 CRIU restores them with
 * the hierarchy's root, not the container's cgroup. A top-level that holds
 * the runtime or its callers (this script's other ancestors) is shared with
 * the runtime, never the container's own, and is refused; so is the root. */
static int locate(struct container *c, const char *criu_cg, size_t criu_len, struct located *ret,
                  struct cgbind_error *err)
{
        _cleanup_free_ char *host_mi = NULL;
        size_t host_len;
        int r = read_full_file("/proc/self/mountinfo", CGBIND_MAX_MOUNTINFO, &host_mi, &host_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "mountinfo (/proc/self/mountinfo): %s", strerror(-r));
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
                .proc_cgroup = (char *)criu_cg,
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
                const struct proc_cgroup_entry *e =
                        proc_cgroup_find(&pc, h->version == CG_V2, h->controllers);
                const char *init = e ? e->path : NULL;
                if (!init) {
                        located_refuse(h, "the container's init is in no cgroup of %s",
                                       cg_label(h->version, h->controllers));
                        continue;
                }
                if (!path_is_beneath(init, h->cgroup_path)) {
                        /* rebase_facts() may still plan it beneath */
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
                /* mine[0] is CRIU, which runc put in the container's cgroups */
                pid_t p = container_runtime_in(h->dirfd, mine + 1, n > 0 ? n - 1 : 0);
                if (p < 0)
                        located_refuse(h, "%s: cannot read cgroup.procs", h->cgroup_path);
                else if (p > 0)
                        located_refuse(h,
                                       "%s is not the container's own cgroup: it holds the "
                                       "runtime (pid %d) that runs CRIU",
                                       h->cgroup_path, (int)p);
        }
        *ret = loc;
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

/* The v2 path of pid (NULL when it cannot be read). */
static char *v2_path_of(pid_t pid)
{
        char path[PATH_MAX];
        return container_v2_path_of(pid, path, sizeof(path)) < 0 ? NULL : xstrdup(path);
}

struct moves {
        struct restore_move *v;
        size_t n;
};

static void moves_add(struct moves *m, size_t hier, pid_t pid, const char *rel, const char *who,
                      bool may_vanish)
{
        m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
        m->v[m->n++] = (struct restore_move){
                .hier = hier,
                .pid = pid,
                /* held from now on: the move checks the process is this one */
                .pidfd = (int)syscall(SYS_pidfd_open, pid, 0),
                .rel = rel ? xstrdup(rel) : NULL,
                .who = who,
                .may_vanish = may_vanish,
                .to_init = !rel,
        };
}

/* runc 1.1 names CRIU no cgroup v2 root when it restores, so CRIU puts the
 * tasks back under the cgroup they had at the dump: the checkpointed
 * container's, which is not this one when the restore has another id or
 * name (podman restore --import --name, runc restore with a new id). Then
 * the restored processes (the init and its descendants, and no other) go
 * beneath this container's top-level (hierarchy k), each to the path it
 * had below the old one. Only the facts are gathered here, before the
 * sandbox: the plan checks each path like an image's names, counts what it
 * makes in --max-cgroups, and makes it and moves the tasks under the
 * journal, after the image is read and validated. The old top-level is the
 * root of the container's own cgroup2 mount (its cgroup namespace); the
 * empty cgroups CRIU made there are not this container's and stay. */
static int rebase_facts(struct container *c, struct located_hierarchy *h, size_t k, struct moves *m,
                        char **ret_old, char **ret_new, struct cgbind_error *err)
{
        _cleanup_free_ char *init = v2_path_of(c->pid);
        char *old = NULL;
        struct mountinfo mi = { 0 };
        struct cgbind_error ignored = { 0 };
        if (init && mountinfo_parse(c->mountinfo, c->mountinfo_len, &mi, &ignored) >= 0)
                for (size_t i = 0; i < mi.n && !old; i++) {
                        bool v2;
                        const struct mountinfo_entry *e = &mi.entries[i];
                        if (mountinfo_is_cgroup(e, &v2) && v2 && !streq(e->root, "/") &&
                            path_is_beneath(init, e->root))
                                old = xstrdup(e->root);
                }
        mountinfo_free(&mi);
        if (!old)
                return cgbind_error_set_escaped(err, CGBIND_PRECONDITION, EINVAL,
                                                "hierarchy (cgroup2): the container's init (%s) "
                                                "is not beneath CRIU's cgroup %s, and its cgroup "
                                                "mount does not say where it was",
                                                init ? init : "none", h->cgroup_path);
        _cleanup_free_ pid_t *tasks = xcalloc(CGBIND_MAX_RESTORED_TASKS, sizeof(pid_t));
        size_t n = restored_tasks(c->pid, tasks, CGBIND_MAX_RESTORED_TASKS);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = i == 0 ? xstrdup(init) : v2_path_of(tasks[i]);
                if (!p || !path_is_beneath(p, old))
                        continue;
                /* the init must go; a descendant that exited meanwhile
                 * (or a zombie, which cannot move) is no failure */
                moves_add(m, k, tasks[i], path_rel_below(p, old), "task", i != 0);
        }
        free(h->init_rel);
        h->init_rel = xstrdup(path_rel_below(init, old));
        *ret_old = old;
        *ret_new = xstrdup(h->cgroup_path);
        return 0;
}

/* CRIU (this script's parent) and the script itself, where hierarchy i's
 * top-level holds them: moves to rel (NULL: the image's init cgroup, which
 * the plan resolves). A top-level whose cgroup.procs cannot be read gets
 * none: the plan reads it again and says why. */
static void criu_and_self_facts(const struct located_hierarchy *h, size_t i, const char *rel,
                                struct moves *m)
{
        _cleanup_free_ char *procs = NULL;
        if (cg_read_at(h->dirfd, "cgroup.procs", &procs) < 0)
                return;
        pid_t criu = getppid(), self = getpid();
        if (container_procs_first_of(procs, &criu, 1) > 0)
                moves_add(m, i, criu, rel, "CRIU", false);
        if (container_procs_first_of(procs, &self, 1) > 0)
                moves_add(m, i, self, rel, "cgbind", false);
}

/* cgroup v2 lets no process sit in a cgroup whose children have domain
 * controllers: CRIU (this script's parent) and the script itself leave the
 * top-level for the cgroup CRIU restored the container's init into (or
 * the one rebase_facts() plans it into), which is beneath the top-level.
 * Facts only, as above: the plan moves them. Nothing else is moved; a
 * top-level that still holds another process is refused by the plan. */
static void leave_facts(const struct located *loc, struct moves *m)
{
        for (size_t i = 0; i < loc->n; i++) {
                const struct located_hierarchy *h = &loc->h[i];
                if (!located_usable(h) || h->version != CG_V2 || !h->init_rel || !h->init_rel[0])
                        continue;
                criu_and_self_facts(h, i, h->init_rel, m);
        }
}

/* CRIU's mode ignore on v2 makes no cgroup and moves no task: it restores
 * every task into its own cgroup, the container's top-level, and sits there
 * with them (and this script). There the top-level can enable no domain
 * controller, so the restored tasks (the init's descendants that sit in the
 * top-level; the init itself is the plan's init move), CRIU and the script
 * go to the image's init cgroup, which the plan makes: the image is not
 * read yet, so the moves name no path (to_init) and the plan resolves them.
 * CRIU in mode ignore gives no task's cgroup at the dump, so every task
 * goes where the init went. Facts only, as above; an image that names no
 * init cgroup moves nothing, and the plan refuses as before. */
static void ignore_facts(const struct container *c, const struct located *loc, struct moves *m)
{
        for (size_t i = 0; i < loc->n; i++) {
                const struct located_hierarchy *h = &loc->h[i];
                if (!located_usable(h) || h->version != CG_V2 || !h->init_rel || h->init_rel[0])
                        continue;
                _cleanup_free_ pid_t *tasks = xcalloc(CGBIND_MAX_RESTORED_TASKS, sizeof(pid_t));
                size_t n = restored_tasks(c->pid, tasks, CGBIND_MAX_RESTORED_TASKS);
                for (size_t k = 1; k < n; k++) {
                        _cleanup_free_ char *p = v2_path_of(tasks[k]);
                        /* (one that exited, or a zombie, is no failure) */
                        if (p && streq(p, h->cgroup_path))
                                moves_add(m, i, tasks[k], NULL, "task", true);
                }
                criu_and_self_facts(h, i, NULL, m);
        }
}

static int restore(const struct criu_options *o, pid_t pid, int dirfd, struct cgbind_log *log,
                   struct criu_result *res, struct cgbind_error *err)
{
        /* the image travels with the checkpoint: untrusted, like any other */
        int fd = open_regular_file(dirfd, CRIU_IMAGE_NAME, true, o->max_image);
        if (fd == -ENOENT)
                return 0; /* a checkpoint without cgbind: restored as before */
        if (fd < 0)
                return regular_file_error(err, fd, "image", o->image_dir, CRIU_IMAGE_NAME,
                                          o->max_image);
        res->image = true;

        struct restore_input in = { .ctr = { .pidfd = -1, .proc_dirfd = -1 }, .image_fd = fd };
        struct moves mv = { 0 };
        _cleanup_free_ char *criu_cg = NULL, *old = NULL, *newtop = NULL;
        size_t criu_len = 0;
        bool second = false;
        int r = 0;
        /* the container's cgroups are CRIU's: the script must be CRIU's */
        if (!parent_is_criu(o->image_dir))
                r = cgbind_error_set_escaped(err, CGBIND_PRECONDITION, EINVAL,
                                             "CRTOOLS_IMAGE_DIR (%s): not a descriptor of this "
                                             "script's parent; run by CRIU as its action-script",
                                             o->image_dir);
        if (r >= 0)
                r = criu_cgroups(getppid(), &criu_cg, &criu_len, &second, err);
        if (r >= 0 && second) {
                /* CRIU runs the script twice (see marker_name): the first
                 * run of this restore made every change or refused (and
                 * then CRIU fails the restore), and what it recorded
                 * matches the kernel; nothing of it is used */
                log_msg(log, LOG_LEVEL_INFO,
                        "a second run of this restore (CRIU pid %d): nothing to do, the first "
                        "made every change or refused",
                        (int)getppid());
                safe_close(in.image_fd);
                return 0;
        }
        if (r >= 0)
                r = container_open(&in.ctr, pid, true, err);
        if (r >= 0)
                r = locate(&in.ctr, criu_cg, criu_len, &in.loc, err);
        for (size_t i = 0; r >= 0 && i < in.loc.n; i++) {
                struct located_hierarchy *h = &in.loc.h[i];
                if (located_usable(h) && !h->init_rel)
                        r = h->version == CG_V2 && !old
                                    ? rebase_facts(&in.ctr, h, i, &mv, &old, &newtop, err)
                                    : cgbind_error_set_escaped(
                                              err, CGBIND_PRECONDITION, EINVAL,
                                              "hierarchy (%s): the container's init is not "
                                              "beneath CRIU's cgroup %s",
                                              cg_label(h->version, h->controllers), h->cgroup_path);
        }
        if (r >= 0) {
                leave_facts(&in.loc, &mv);
                ignore_facts(&in.ctr, &in.loc, &mv);
        }
        in.moves = mv.v;
        in.n_moves = mv.n;
        mv = (struct moves){ 0 };
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
                res->n_moved = rr.n_moved;
        }
        if (r >= 0 && old)
                log_msg(log, LOG_LEVEL_WARNING,
                        "the restored tasks were under %s (the checkpointed container's cgroup: "
                        "runc names CRIU no cgroup v2 root); moved beneath %s; the empty cgroups "
                        "under %s are not this container's and stay",
                        old, newtop, old);
        /* (a restore that failed leaves its record: the sandbox cannot
         * remove it; the second run of the pair does, or the next run
         * once this CRIU is gone) */
        container_free(&in.ctr);
        located_free(&in.loc);
        restore_moves_free(in.moves, in.n_moves);
        safe_close(in.image_fd);
        return r;
}

/* ---- post-setup-namespaces: the tree before CRIU restores the files ---- */

/* CRIU's helpers (its children other than the restored root task) where
 * hierarchy i's top-level holds them: they leave with CRIU. */
static void helper_facts(const struct located_hierarchy *h, size_t i, pid_t root, const char *rel,
                         struct moves *m)
{
        _cleanup_free_ char *procs = NULL;
        if (cg_read_at(h->dirfd, "cgroup.procs", &procs) < 0)
                return;
        pid_t criu = getppid(), self = getpid();
        for (char *s = NULL, *p = strtok_r(procs, "\n", &s); p; p = strtok_r(NULL, "\n", &s)) {
                pid_t q = (pid_t)atoi(p);
                struct proc_stat st;
                if (q > 1 && q != criu && q != self && q != root && proc_stat_read(q, &st) >= 0 &&
                    st.ppid == criu)
                        moves_add(m, i, q, rel, "CRIU's helper", true);
        }
}

/* CRIU makes, before anything else, only the cgroups that hold tasks, and
 * restores the tasks' files (inotify watches included) after
 * post-setup-namespaces. systemd as a container's init watches
 * cgroup.events and memory.events in each of its cgroups, the empty ones
 * too, and memory.events exists only where the parent enables memory:
 * CRIU fails on the first one missing. So on the unified hierarchy, when
 * the restored root task sits below the top-level (CRIU's cgroup, where
 * the runtime put it), this step makes the image's tree there: its
 * cgroups and the cgroup.subtree_control each parent needs, no other
 * property (post-restore writes them), after CRIU and its helpers leave
 * the top-level for the root task's cgroup (no internal processes). It
 * cannot be earlier: the root task sets its cgroup namespace from the
 * top-level itself, after pre-restore and setup-namespaces, and a
 * top-level that enables a domain controller refuses it (EBUSY). The
 * top-levels are recorded for post-restore, which then finds CRIU beneath
 * them (top_record_use). Only the root task exists at this step; a mode
 * other than full (the default) would leave the limits of the cgroups
 * made here out at post-restore, so it changes nothing here. */
static int prepare(const struct criu_options *o, pid_t pid, int dirfd, struct cgbind_log *log,
                   struct criu_result *res, struct cgbind_error *err)
{
        if (o->mode && !streq(o->mode, "full"))
                return 0;
        int fd = open_regular_file(dirfd, CRIU_IMAGE_NAME, true, o->max_image);
        if (fd == -ENOENT)
                return 0;
        if (fd < 0)
                return regular_file_error(err, fd, "image", o->image_dir, CRIU_IMAGE_NAME,
                                          o->max_image);
        struct restore_input in = { .ctr = { .pidfd = -1, .proc_dirfd = -1 }, .image_fd = fd };
        struct moves mv = { 0 };
        _cleanup_free_ char *criu_cg = NULL;
        _cleanup_close_ int dfd = -1;
        char name[64], top[80], dir[PATH_MAX], path[64];
        size_t criu_len = 0;
        pid_t criu = getppid();
        int r = 0;
        if (!parent_is_criu(o->image_dir))
                r = cgbind_error_set_escaped(err, CGBIND_PRECONDITION, EINVAL,
                                             "CRTOOLS_IMAGE_DIR (%s): not a descriptor of this "
                                             "script's parent; run by CRIU as its action-script",
                                             o->image_dir);
        if (r >= 0 && marker_name(criu, name, sizeof(name)) < 0)
                r = cgbind_error_set(err, CGBIND_PRECONDITION, ESRCH, "CRIU (pid %d): not running",
                                     (int)criu);
        if (r >= 0) {
                snprintf(top, sizeof(top), "%s" TOP_RECORD_SUFFIX, name);
                dfd = journal_state_dir(false, dir, sizeof(dir), err);
                r = dfd;
        }
        if (r >= 0) {
                remove_stale_records(dfd);
                if (faccessat(dfd, top, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
                        /* the second run of the pair: the first made it, or refused */
                        log_msg(log, LOG_LEVEL_INFO,
                                "a second run at post-setup-namespaces (CRIU pid %d): nothing "
                                "to do",
                                (int)criu);
                        safe_close(in.image_fd);
                        return 0;
                }
                snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)criu);
                r = read_full_file(path, CGBIND_MAX_PROC_CGROUP, &criu_cg, &criu_len);
                if (r < 0)
                        r = cgbind_error_set(err, CGBIND_PRECONDITION, -r, "CRIU (%s): %s", path,
                                             strerror(-r));
        }
        if (r >= 0)
                r = container_open_restoring(&in.ctr, pid, criu, err);
        if (r >= 0)
                r = locate(&in.ctr, criu_cg, criu_len, &in.loc, err);
        /* the unified hierarchy alone, the root task below its top-level */
        struct located_hierarchy *h = NULL;
        size_t n_usable = 0;
        for (size_t i = 0; r >= 0 && i < in.loc.n; i++)
                if (located_usable(&in.loc.h[i]) && n_usable++ == 0)
                        h = &in.loc.h[i];
        bool act = r >= 0 && n_usable == 1 && h->version == CG_V2 && h->init_rel && h->init_rel[0];
        if (act) {
                criu_and_self_facts(h, (size_t)(h - in.loc.h), h->init_rel, &mv);
                helper_facts(h, (size_t)(h - in.loc.h), pid, h->init_rel, &mv);
                r = record_write(dfd, top, criu_cg, criu_len);
                if (r < 0)
                        r = cgbind_error_set(err, CGBIND_FAILED, -r, "state (%s/%s): %s", dir, top,
                                             strerror(-r));
        } else if (r >= 0) {
                log_msg(log, LOG_LEVEL_DEBUG,
                        "post-setup-namespaces: not one cgroup2 hierarchy with the root task "
                        "below its top-level; nothing to do");
        }
        in.moves = mv.v;
        in.n_moves = mv.n;
        mv = (struct moves){ 0 };
        if (act && r >= 0) {
                res->image = true;
                struct restore_options ro;
                restore_options_init(&ro);
                ro.input = &in;
                ro.state_fd = -1;
                ro.mode = "full";
                ro.tree_only = true;
                ro.move_init = false;
                ro.sandbox = o->sandbox;
                ro.max_image = o->max_image;
                ro.max_cgroups = o->max_cgroups;
                ro.timeout_ms = o->timeout_ms;
                struct restore_result rr = { 0 };
                r = restore_run(&ro, log, &rr, err);
                res->n_mkdirs = rr.n_mkdirs;
                res->n_writes = rr.n_writes;
                res->n_moved = rr.n_moved;
                if (r < 0 && err->status == CGBIND_INVALID) {
                        /* a bad image changed nothing here: post-restore
                         * reads it through the same checks and refuses it
                         * in its one line, where CRIU's failure path has
                         * its helpers gone (failing here, runc 1.1 found
                         * the top-level still busy and left it behind) */
                        log_msg(log, LOG_LEVEL_DEBUG,
                                "post-setup-namespaces: %s; left to "
                                "post-restore",
                                err->msg);
                        *err = (struct cgbind_error){ 0 };
                        unlinkat(dfd, top, 0);
                        res->image = false;
                        r = 0;
                }
        }
        container_free(&in.ctr);
        located_free(&in.loc);
        restore_moves_free(in.moves, in.n_moves);
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
        int r = res.step == CRIU_STEP_DUMP      ? dump(o, pid, dirfd, log, &res, err)
                : res.step == CRIU_STEP_PREPARE ? prepare(o, pid, dirfd, log, &res, err)
                                                : restore(o, pid, dirfd, log, &res, err);
        if (r >= 0 && ret)
                *ret = res;
        return r;
}
