/* cgbind's executable: argument parsing, the order of the steps, and the exit
 * status. Everything else is in the library under src/. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>

#include "config.h"

#include "cgbind/apply.h"
#include "cgbind/convert.h"
#include "cgbind/fsutil.h"
#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/log.h"
#include "cgbind/match.h"
#include "cgbind/plan.h"
#include "cgbind/sandbox.h"
#include "cgbind/save.h"
#include "cgbind/show.h"
#include "cgbind/state.h"

static const char usage_text[] =
        "Usage:\n"
        "  cgbind save    [--pid PID] [-o FILE|-] [--log FILE]\n"
        "  cgbind restore [--image FILE] [--mode MODE] [--dry-run] [--top-level]\n"
        "                 [--skip-missing] [--no-move-init] [--log FILE] [--syslog]\n"
        "                 [--debug] [--no-sandbox] [--max-image-size BYTES] [--convert]\n"
        "                 [--skip-busy]\n"
        "  cgbind show    [--json] [--convert v1|v2] FILE\n"
        "  cgbind --help | --version\n"
        "\n"
        "save records the sub-cgroups of a container and their limits; the OCI state\n"
        "(`runc state ID`) is read on stdin unless --pid is given.\n"
        "restore is the OCI hook (prestart, createRuntime or poststart): it reads the\n"
        "state on stdin and restores the image beneath the container's cgroups.\n"
        "Modes: soft (default), full, strict, props, none, ignore.\n"
        "The image can also come from the annotation io.cgbind.image, the mode from\n"
        "io.cgbind.mode; the flags win.\n"
        "\n"
        "Exit status: 0 done, 1 failed and rolled back, 2 bad usage or input,\n"
        "3 precondition failed, 4 failed and the rollback left something behind.\n";

static int exit_status(int r, const struct cgbind_error *err)
{
        if (r >= 0)
                return CGBIND_OK;
        return err->status != CGBIND_OK ? (int)err->status : CGBIND_FAILED;
}

static int fail(struct cgbind_log *log, struct cgbind_error *err, int r)
{
        if (err->status == CGBIND_OK)
                cgbind_error_set(err, CGBIND_FAILED, -r, "%s", strerror(-r));
        log_msg(log, LOG_LEVEL_ERROR, "%s", err->msg);
        return exit_status(r, err);
}

/* Descriptors a runtime leaks into a hook are closed before anything else:
 * the hook never passes them on, but it must not write through them either. */
static void process_hygiene(void)
{
        if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
                long max = sysconf(_SC_OPEN_MAX);
                for (long fd = 3; fd < (max > 0 ? max : 1024); fd++)
                        close((int)fd);
        }
        /* no core dumps and no ptrace by other users of this root process */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

static int read_stdin_state(struct cgbind_state *state, struct cgbind_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_full_fd(STDIN_FILENO, CGBIND_MAX_STATE_SIZE, &buf, &len);
        if (r == -EFBIG)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "state (stdin): larger than %d bytes",
                                        CGBIND_MAX_STATE_SIZE);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_INVALID, -r, "state (stdin): %s",
                                        strerror(-r));
        return cgbind_state_parse(buf, len, state, err);
}

/* The per-process files, read through one /proc/<pid> directory fd so that
 * a pid reused half-way cannot mix two processes' answers. */
struct proc_view {
        int dirfd;
        char *mountinfo;
        size_t mountinfo_len;
        char *cgroup;
        size_t cgroup_len;
        bool pivoted;
        bool same_mntns;
};

static void proc_view_free(struct proc_view *v)
{
        safe_close(v->dirfd);
        free(v->mountinfo);
        free(v->cgroup);
}

static int read_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, ret, ret_len);
}

static int proc_view_open(pid_t pid, struct proc_view *v, struct cgbind_error *err)
{
        char path[64];
        struct stat a, b;

        snprintf(path, sizeof(path), "/proc/%d", (int)pid);
        v->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (v->dirfd < 0 || kill(pid, 0) < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, ESRCH,
                                        "process (pid %d): not running", (int)pid);
        int r = read_at(v->dirfd, "mountinfo", 64 * 1024 * 1024, &v->mountinfo,
                        &v->mountinfo_len);
        if (r >= 0)
                r = read_at(v->dirfd, "cgroup", 1024 * 1024, &v->cgroup, &v->cgroup_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "process (pid %d): cannot read its cgroups: %s",
                                        (int)pid, strerror(-r));
        if (fstatat(v->dirfd, "root", &a, 0) < 0 || stat("/", &b) < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno,
                                        "process (pid %d): cannot see its root: %s", (int)pid,
                                        strerror(errno));
        v->pivoted = a.st_dev != b.st_dev || a.st_ino != b.st_ino;
        if (fstatat(v->dirfd, "ns/mnt", &a, 0) == 0 && stat("/proc/self/ns/mnt", &b) == 0)
                v->same_mntns = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
        return 0;
}

static int read_config(const struct cgbind_state *st, struct cgbind_config *cfg,
                       struct cgbind_error *err)
{
        _cleanup_close_ int bfd = open(st->bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
        char esc[300];
        cgbind_escape(st->bundle, strlen(st->bundle), esc, sizeof(esc));
        if (bfd < 0)
                return cgbind_error_set(err, CGBIND_INVALID, errno, "state (bundle %s): %s", esc,
                                        strerror(errno));
        _cleanup_free_ char *buf = NULL;
        size_t len;
        /* O_NONBLOCK and a regular-file check: a FIFO must not hang the hook */
        _cleanup_close_ int fd = openat(bfd, "config.json",
                                        O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_NOFOLLOW);
        struct stat sb;
        int r = fd < 0 ? -errno : fstat(fd, &sb) < 0 ? -errno : S_ISREG(sb.st_mode) ? 0 : -EINVAL;
        if (r == 0)
                r = read_full_fd(fd, CGBIND_MAX_CONFIG_SIZE, &buf, &len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_INVALID, -r,
                                        "bundle config (%s/config.json): %s", esc,
                                        r == -EINVAL ? "not a regular file" : strerror(-r));
        return cgbind_config_parse(buf, len, cfg, err);
}

static int container_rootfs(const struct cgbind_state *st, const struct cgbind_config *cfg,
                            char **ret, struct cgbind_error *err)
{
        const char *root = cfg->root_path ? cfg->root_path : "rootfs";
        struct strbuf sb = { 0 };
        int r = 0;
        if (root[0] != '/')
                r = strbuf_appendf(&sb, "%s/", st->bundle);
        if (r >= 0)
                r = strbuf_append(&sb, root, strlen(root));
        if (r < 0) {
                strbuf_free(&sb);
                return r;
        }
        /* runc resolves the rootfs path the same way before mounting on it */
        char *real = realpath(sb.buf, NULL);
        if (!real) {
                char esc[300];
                cgbind_escape(sb.buf, sb.len, esc, sizeof(esc));
                r = cgbind_error_set(err, CGBIND_INVALID, errno, "bundle config (root.path %s): %s",
                                     esc, strerror(errno));
                strbuf_free(&sb);
                return r;
        }
        strbuf_free(&sb);
        *ret = real;
        return 0;
}

static int check_pid_root(const struct proc_view *pv, const char *rootfs, pid_t pid,
                          struct cgbind_error *err)
{
        struct stat a, b;
        if (fstatat(pv->dirfd, "root", &a, 0) < 0 || stat(rootfs, &b) < 0 ||
            a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
                char esc[300];
                cgbind_escape(rootfs, strlen(rootfs), esc, sizeof(esc));
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "process (pid %d): its root is not the bundle's rootfs "
                                        "(%s): not this container's process",
                                        (int)pid, esc);
        }
        return 0;
}

static int locate_container(const char *rootfs, const struct proc_view *pv, struct located *loc,
                            struct cgbind_error *err)
{
        _cleanup_free_ char *host_mi = NULL;
        size_t host_len;
        int r = read_full_file("/proc/self/mountinfo", 64 * 1024 * 1024, &host_mi, &host_len);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "mountinfo (/proc/self/mountinfo): %s", strerror(-r));
        struct locate_input in = {
                .rootfs = pv->pivoted ? NULL : rootfs,
                .pivoted = pv->pivoted,
                .container_mountinfo = pv->mountinfo,
                .container_mountinfo_len = pv->mountinfo_len,
                .proc_cgroup = pv->cgroup,
                .proc_cgroup_len = pv->cgroup_len,
                .host_mountinfo = host_mi,
                .host_mountinfo_len = host_len,
        };
        r = locate_resolve(&in, loc, err);
        if (r < 0)
                return r;
        return locate_open(loc);
}

/* ---- save ---- */

static void save_warn(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

static int write_atomically(const char *path, const char *buf, size_t len,
                            struct cgbind_error *err)
{
        char esc[300];
        cgbind_escape(path, strlen(path), esc, sizeof(esc));
        if (streq(path, "-")) {
                for (size_t off = 0; off < len;) {
                        ssize_t k = write(STDOUT_FILENO, buf + off, len - off);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0)
                                return cgbind_error_set(err, CGBIND_FAILED, errno,
                                                        "output (stdout): %s", strerror(errno));
                        off += (size_t)k;
                }
                return 0;
        }
        /* temp file beside the target, fsync, rename: a reader sees the old
         * image or the new one, never half of one */
        _cleanup_free_ char *tmp = malloc(strlen(path) + 16);
        if (!tmp)
                return -ENOMEM;
        sprintf(tmp, "%s.tmpXXXXXX", path);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "output (%s): %s", esc,
                                        strerror(errno));
        int r = 0;
        for (size_t off = 0; off < len && r == 0;) {
                ssize_t k = write(fd, buf + off, len - off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        r = k < 0 ? -errno : -EIO;
                else
                        off += (size_t)k;
        }
        if (r == 0 && fchmod(fd, 0644) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        safe_close(fd);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return cgbind_error_set(err, CGBIND_FAILED, -r, "output (%s): %s", esc,
                                        strerror(-r));
        }
        /* make the rename itself durable */
        _cleanup_free_ char *dir = strdup(path);
        if (dir) {
                char *slash = strrchr(dir, '/');
                if (slash)
                        *(slash == dir ? slash + 1 : slash) = '\0';
                _cleanup_close_ int dfd =
                        open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dfd >= 0)
                        fsync(dfd);
        }
        return 0;
}

static int parse_pid_arg(const char *s, pid_t *ret)
{
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || *end || end == s || v <= 1 || v > INT_MAX)
                return -EINVAL;
        *ret = (pid_t)v;
        return 0;
}

static int cmd_save(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "pid", required_argument, NULL, 'p' },
                { "output", required_argument, NULL, 'o' },
                { "log", required_argument, NULL, 'l' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct cgbind_error err = { 0 };
        struct cgbind_log log;
        const char *output = "-";
        pid_t pid = 0;
        int c, r;

        log_init(&log, "save");
        while ((c = getopt_long(argc, argv, "+p:o:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        if (parse_pid_arg(optarg, &pid) < 0) {
                                cgbind_error_set(&err, CGBIND_INVALID, EINVAL,
                                                 "--pid (%s): not a process id", optarg);
                                return fail(&log, &err, -EINVAL);
                        }
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'l':
                        if ((r = log_open_file(&log, optarg)) < 0) {
                                cgbind_error_set(&err, CGBIND_INVALID, -r, "--log (%s): %s",
                                                 optarg, strerror(-r));
                                return fail(&log, &err, r);
                        }
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        cgbind_error_set(&err, CGBIND_INVALID, EINVAL,
                                         "usage: see cgbind --help");
                        return fail(&log, &err, -EINVAL);
                }
        }
        if (optind != argc) {
                cgbind_error_set(&err, CGBIND_INVALID, EINVAL, "usage (%s): unexpected argument",
                                 argv[optind]);
                return fail(&log, &err, -EINVAL);
        }

        struct cgbind_state st = { 0 };
        struct cgbind_config cfg = { 0 };
        struct proc_view pv = { .dirfd = -1 };
        struct located loc = { 0 };
        struct cgbind_image img = { 0 };
        struct strbuf out = { 0 };
        _cleanup_free_ char *rootfs = NULL;

        if (pid == 0) {
                r = read_stdin_state(&st, &err);
                if (r < 0)
                        goto out;
                log_set_container(&log, st.id);
                pid = st.pid;
        }
        r = proc_view_open(pid, &pv, &err);
        if (r < 0)
                goto out;
        if (pv.pivoted && st.bundle) {
                _cleanup_free_ char *rf = NULL;
                r = read_config(&st, &cfg, &err);
                if (r >= 0)
                        r = container_rootfs(&st, &cfg, &rf, &err);
                if (r >= 0)
                        r = check_pid_root(&pv, rf, pid, &err);
                if (r < 0)
                        goto out;
        } else if (!pv.pivoted) {
                if (!st.bundle) {
                        r = cgbind_error_set(&err, CGBIND_PRECONDITION, EINVAL,
                                             "process (pid %d): not in a container yet; pass the "
                                             "OCI state on stdin instead of --pid",
                                             (int)pid);
                        goto out;
                }
                r = read_config(&st, &cfg, &err);
                if (r >= 0)
                        r = container_rootfs(&st, &cfg, &rootfs, &err);
                if (r < 0)
                        goto out;
        }
        r = locate_container(rootfs, &pv, &loc, &err);
        if (r < 0)
                goto out;
        r = save_image(&loc, st.id, &img, save_warn, &log, &err);
        if (r < 0)
                goto out;
        if (img.n_hierarchies == 0) {
                r = cgbind_error_set(&err, CGBIND_PRECONDITION, ENOENT,
                                     "locate (pid %d): no cgroup of the container can be used",
                                     (int)pid);
                goto out;
        }
        r = image_write_json(&img, &out);
        if (r >= 0)
                r = write_atomically(output, out.buf, out.len, &err);
        if (r >= 0)
                log_msg(&log, LOG_LEVEL_INFO, "saved %zu sub-cgroups in %zu hierarchies",
                        img.n_nodes, img.n_hierarchies);
out:
        strbuf_free(&out);
        image_free(&img);
        located_free(&loc);
        proc_view_free(&pv);
        cgbind_config_free(&cfg);
        cgbind_state_free(&st);
        int status = r < 0 ? fail(&log, &err, r) : 0;
        log_close(&log);
        return status;
}

/* ---- restore ---- */

struct restore_opts {
        const char *image;
        const char *mode;
        const char *log_file;
        bool dry_run;
        bool top_level;
        bool skip_missing;
        bool move_init;
        bool sandbox;
        bool debug;
        bool syslog;
        bool convert;
        bool skip_busy;
        size_t max_image;
};

static int read_image_file(const char *path, size_t max, char **ret, size_t *ret_len,
                           struct cgbind_error *err)
{
        char esc[300];
        cgbind_escape(path, strlen(path), esc, sizeof(esc));
        /* O_NONBLOCK: a FIFO must not hang the hook; it is refused below */
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return cgbind_error_set(err, CGBIND_INVALID, errno, "image (%s): %s", esc,
                                        strerror(errno));
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cgbind_error_set(err, CGBIND_INVALID, errno, "image (%s): %s", esc,
                                        strerror(errno));
        if (!S_ISREG(st.st_mode))
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image (%s): not a regular file", esc);
        if ((uint64_t)st.st_size > max)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "image (%s): larger than the limit of %zu bytes", esc,
                                        max);
        int r = read_full_fd(fd, max, ret, ret_len);
        if (r == -EFBIG)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "image (%s): larger than the limit of %zu bytes", esc,
                                        max);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_INVALID, -r, "image (%s): %s", esc,
                                        strerror(-r));
        return 0;
}

struct lock_entry {
        int fd;
        unsigned major, minor;
};

static int cmp_lock(const void *a, const void *b)
{
        const struct lock_entry *x = a, *y = b;
        if (x->major != y->major)
                return x->major < y->major ? -1 : 1;
        return x->minor < y->minor ? -1 : x->minor > y->minor;
}

struct debug_ctx {
        struct cgbind_log *log;
        const char *const *host_paths;
};

static void debug_op(const struct plan *plan, const struct plan_op *op, void *userdata)
{
        struct debug_ctx *ctx = userdata;
        struct cgbind_log *log = ctx->log;
        if (log->level < LOG_LEVEL_DEBUG)
                return;
        struct strbuf sb = { 0 };
        const char *base = ctx->host_paths[plan->dirs[op->dir].hier];
        if (plan_format_op(plan, op, base, &sb) >= 0 && sb.buf) {
                sb.buf[sb.len - 1] = '\0';
                log_msg(log, LOG_LEVEL_DEBUG, "%s", sb.buf);
        }
        strbuf_free(&sb);
}

static int parse_restore_args(int argc, char **argv, struct restore_opts *o,
                              struct cgbind_error *err)
{
        static const struct option longopts[] = {
                { "image", required_argument, NULL, 'i' },
                { "mode", required_argument, NULL, 'm' },
                { "dry-run", no_argument, NULL, 'n' },
                { "top-level", no_argument, NULL, 't' },
                { "skip-missing", no_argument, NULL, 's' },
                { "no-move-init", no_argument, NULL, 'I' },
                { "log", required_argument, NULL, 'l' },
                { "syslog", no_argument, NULL, 'S' },
                { "debug", no_argument, NULL, 'd' },
                { "no-sandbox", no_argument, NULL, 'N' },
                { "max-image-size", required_argument, NULL, 'M' },
                { "convert", no_argument, NULL, 'C' },
                { "skip-busy", no_argument, NULL, 'B' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c;
        while ((c = getopt_long(argc, argv, "+i:m:nh", longopts, NULL)) != -1) {
                switch (c) {
                case 'i':
                        o->image = optarg;
                        break;
                case 'm':
                        o->mode = optarg; /* a later --mode overrides an earlier one */
                        break;
                case 'n':
                        o->dry_run = true;
                        break;
                case 't':
                        o->top_level = true;
                        break;
                case 's':
                        o->skip_missing = true;
                        break;
                case 'I':
                        o->move_init = false;
                        break;
                case 'l':
                        o->log_file = optarg;
                        break;
                case 'S':
                        o->syslog = true;
                        break;
                case 'd':
                        o->debug = true;
                        break;
                case 'N':
                        o->sandbox = false;
                        break;
                case 'C':
                        o->convert = true;
                        break;
                case 'B':
                        o->skip_busy = true;
                        break;
                case 'M': {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(optarg, &end, 10);
                        if (errno || *end || end == optarg || v == 0 || v > (1ULL << 32))
                                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                        "--max-image-size (%s): not a size "
                                                        "between 1 and 4 GiB",
                                                        optarg);
                        o->max_image = (size_t)v;
                        break;
                }
                case 'h':
                        fputs(usage_text, stdout);
                        exit(0);
                default:
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                "usage: see cgbind --help");
                }
        }
        if (optind != argc)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "usage (%s): unexpected argument", argv[optind]);
        return 0;
}

static void convert_note(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

static bool image_has(const struct cgbind_image *img, enum cg_version v)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                if (img->hierarchies[i].version == v)
                        return true;
        return false;
}

static bool host_has(const struct located *loc, enum cg_version v)
{
        for (size_t i = 0; i < loc->n; i++)
                if (loc->h[i].version == v && !loc->h[i].refused && loc->h[i].dirfd >= 0)
                        return true;
        return false;
}

/* An image of the other cgroup version is translated (issue: containers
 * move between v1 and v2 hosts): automatically, with a notice, or quietly
 * when --convert asked for it. strict refuses what has no counterpart. */
static int convert_for_host(struct cgbind_image *img, const struct located *loc,
                            const struct restore_opts *o, enum restore_mode mode,
                            struct cgbind_log *log, struct cgbind_error *err)
{
        enum cg_version to;
        if (image_has(img, CG_V1) && !image_has(img, CG_V2) && host_has(loc, CG_V2) &&
            !host_has(loc, CG_V1))
                to = CG_V2;
        else if (image_has(img, CG_V2) && !image_has(img, CG_V1) && host_has(loc, CG_V1) &&
                 !host_has(loc, CG_V2))
                to = CG_V1;
        else
                return 0;
        if (!o->convert)
                log_msg(log, LOG_LEVEL_WARNING,
                        "image (cgroup v%d): the container's cgroups are v%d; converting", 3 - to,
                        to);
        struct cgbind_image converted = { 0 };
        int r = image_convert(img, to, mode == MODE_STRICT, convert_note, log, &converted, err);
        if (r < 0)
                return r;
        image_free(img);
        *img = converted;
        return 0;
}

/* Processes in a cgroup other than pid (cgroup.procs of the top-level). */
static size_t count_other_procs(int dirfd, pid_t pid)
{
        _cleanup_free_ char *procs = NULL;
        size_t n = 0;
        if (cg_read_at(dirfd, "cgroup.procs", &procs) < 0)
                return 0;
        for (char *s = NULL, *t = strtok_r(procs, "\n", &s); t; t = strtok_r(NULL, "\n", &s))
                if (atoi(t) != (int)pid)
                        n++;
        return n;
}

static void match_warn(const char *msg, void *userdata)
{
        log_msg(userdata, LOG_LEVEL_WARNING, "%s", msg);
}

static int cmd_restore(int argc, char **argv)
{
        struct restore_opts o = { .move_init = true, .sandbox = true,
                                  .max_image = CGBIND_DEFAULT_MAX_IMAGE };
        struct cgbind_error err = { 0 };
        struct cgbind_log log;
        struct cgbind_state st = { 0 };
        struct cgbind_config cfg = { 0 };
        struct proc_view pv = { .dirfd = -1 };
        struct located loc = { 0 };
        struct cgbind_image img = { 0 };
        struct plan plan = { 0 };
        struct observed_node *observed = NULL;
        struct lock_entry *locks = NULL;
        size_t n_locks = 0;
        _cleanup_free_ char *rootfs = NULL, *image_buf = NULL;
        struct match match = { 0 };
        size_t image_len = 0;
        enum restore_mode mode = MODE_SOFT;
        int r;

        log_init(&log, "restore");
        r = parse_restore_args(argc, argv, &o, &err);
        if (r < 0)
                goto out;
        if (o.debug)
                log.level = LOG_LEVEL_DEBUG;
        if (o.log_file && (r = log_open_file(&log, o.log_file)) < 0) {
                char esc[300];
                cgbind_escape(o.log_file, strlen(o.log_file), esc, sizeof(esc));
                r = cgbind_error_set(&err, CGBIND_INVALID, -r, "--log (%s): %s", esc,
                                     strerror(-r));
                goto out;
        }
        if (o.syslog) {
                /* connect now: the sandbox allows no new sockets but local ones */
                openlog("cgbind", LOG_PID | LOG_NDELAY, LOG_DAEMON);
                log.use_syslog = true;
        }

        r = read_stdin_state(&st, &err);
        if (r < 0)
                goto out;
        log_set_container(&log, st.id);
        r = read_config(&st, &cfg, &err);
        if (r < 0)
                goto out;

        const char *mode_str = o.mode ? o.mode : cgbind_annotation(&st, &cfg, "io.cgbind.mode");
        if (mode_str && restore_mode_from_string(mode_str, &mode) < 0) {
                char esc[100];
                cgbind_escape(mode_str, strlen(mode_str), esc, sizeof(esc));
                r = cgbind_error_set(&err, CGBIND_INVALID, EINVAL,
                                     "mode (%s): not one of soft, full, strict, props, none, "
                                     "ignore",
                                     esc);
                goto out;
        }
        if (mode == MODE_IGNORE) {
                log_msg(&log, LOG_LEVEL_INFO, "mode ignore: nothing to do");
                r = 0;
                goto out;
        }
        const char *image_path = o.image ? o.image : cgbind_annotation(&st, &cfg, "io.cgbind.image");
        if (!image_path || !*image_path) {
                r = cgbind_error_set(&err, CGBIND_INVALID, EINVAL,
                                     "image (none): give --image FILE or the annotation "
                                     "io.cgbind.image");
                goto out;
        }
        r = read_image_file(image_path, o.max_image, &image_buf, &image_len, &err);
        if (r < 0)
                goto out;

        r = proc_view_open(st.pid, &pv, &err);
        if (r < 0)
                goto out;
        if (pv.same_mntns) {
                r = cgbind_error_set(&err, CGBIND_PRECONDITION, EINVAL,
                                     "process (pid %d): shares the hook's mount namespace: not "
                                     "a container, or the hook runs at createContainer or "
                                     "startContainer (use prestart, createRuntime or poststart)",
                                     (int)st.pid);
                goto out;
        }
        r = container_rootfs(&st, &cfg, &rootfs, &err);
        if (r < 0)
                goto out;
        /* after pivot_root the pid's root is the bundle's rootfs: a state
         * naming another container's pid would restore into the wrong one */
        if (pv.pivoted && (r = check_pid_root(&pv, rootfs, st.pid, &err)) < 0)
                goto out;
        if (pv.pivoted) {
                free(rootfs);
                rootfs = NULL;
        }
        r = locate_container(rootfs, &pv, &loc, &err);
        if (r < 0)
                goto out;

        if (o.sandbox && (r = sandbox_enter(&err)) < 0)
                goto out;

        r = image_parse_consume(&image_buf, image_len, &img, &err);
        if (r < 0)
                goto out;
        if (img.n_dropped)
                log_msg(&log, LOG_LEVEL_WARNING,
                        "image (CRIU cgroup.img): %zu properties that cgbind never writes were "
                        "left out",
                        img.n_dropped);
        r = convert_for_host(&img, &loc, &o, mode, &log, &err);
        if (r < 0)
                goto out;

        /* every hierarchy of the image must be there, before any change */
        r = match_image(&img, &loc, o.skip_missing, match_warn, &log, &match, &err);
        if (r < 0)
                goto out;
        observed = calloc(match.n ? match.n : 1, sizeof(*observed));
        locks = calloc(match.n ? match.n : 1, sizeof(*locks));
        if (!observed || !locks) {
                r = -ENOMEM;
                goto out;
        }

        /* two hooks for one container serialise on its top-level cgroups,
         * always locked in the same order */
        for (size_t i = 0; i < match.n; i++) {
                struct located_hierarchy *lh = match.targets[i].located;
                int fd = open_beneath(lh->dirfd, "", O_RDONLY | O_DIRECTORY);
                if (fd < 0) {
                        r = cgbind_error_set(&err, CGBIND_PRECONDITION, -fd, "lock (%s): %s",
                                             lh->host_path, strerror(-fd));
                        goto out;
                }
                locks[n_locks++] = (struct lock_entry){ fd, lh->major, lh->minor };
        }
        qsort(locks, n_locks, sizeof(*locks), cmp_lock);
        for (size_t i = 0; i < n_locks; i++)
                if (flock(locks[i].fd, LOCK_EX) < 0) {
                        r = cgbind_error_set(&err, CGBIND_FAILED, errno, "lock: %s",
                                             strerror(errno));
                        goto out;
                }

        struct plan_options popts = { .mode = mode, .top_level = o.top_level,
                                      .move_init = o.move_init, .pid = st.pid };
        for (size_t i = 0; i < match.n; i++) {
                const struct match_target *t = &match.targets[i];
                r = apply_observe(t->located->dirfd, &t->image->root, &observed[i], &err);
                if (r < 0)
                        goto out;
                struct plan_hierarchy_input in = {
                        .image = t->image,
                        .observed = &observed[i],
                        .init_in_top = t->located->init_rel && t->located->init_rel[0] == '\0',
                        .other_procs_in_top = t->image->version == CG_V2
                                                      ? count_other_procs(t->located->dirfd, st.pid)
                                                      : 0,
                        .label = t->label,
                };
                r = plan_hierarchy(&plan, i, &in, &popts, &err);
                /* CRIU in the v2 top-level (a restore's prestart hook): a
                 * hooks.d hook must not break `podman container restore` */
                if (r == -EBUSY && err.status == CGBIND_PRECONDITION && o.skip_busy) {
                        log_msg(&log, LOG_LEVEL_WARNING, "%s; nothing changed (--skip-busy)",
                                err.msg);
                        r = 0;
                        goto out;
                }
                if (r < 0)
                        goto out;
        }

        int top_fds[64];
        const char *host_paths[64];
        for (size_t i = 0; i < match.n && i < 64; i++) {
                top_fds[i] = match.targets[i].located->dirfd;
                host_paths[i] = match.targets[i].located->host_path;
        }
        if (o.dry_run) {
                struct strbuf sb = { 0 };
                r = strbuf_appendf(&sb, "# mode %s%s\n", restore_mode_to_string(mode),
                                   o.top_level ? ", top-level" : "");
                for (size_t i = 0; r >= 0 && i < match.n; i++)
                        r = strbuf_appendf(&sb, "hierarchy %s: %s\n", match.targets[i].label,
                                           match.targets[i].located->host_path);
                size_t last_hier = (size_t)-1;
                for (size_t i = 0; r >= 0 && i < plan.n_ops; i++) {
                        size_t h = plan.dirs[plan.ops[i].dir].hier;
                        if (h != last_hier)
                                r = strbuf_appendf(&sb, "[%s]\n", match.targets[h].label);
                        last_hier = h;
                        if (r >= 0)
                                r = strbuf_append(&sb, "  ", 2);
                        if (r >= 0)
                                r = plan_format_op(&plan, &plan.ops[i], NULL, &sb);
                }
                if (r >= 0 && sb.len && fwrite(sb.buf, 1, sb.len, stdout) != sb.len)
                        r = -EIO;
                strbuf_free(&sb);
                goto out;
        }
        struct debug_ctx dctx = { &log, host_paths };
        struct apply_hooks hooks = { .before = debug_op, .userdata = &dctx };
        r = apply_plan(&plan, top_fds, host_paths, &hooks, &err);
        if (r >= 0) {
                size_t mk = 0, wr = 0;
                for (size_t i = 0; i < plan.n_ops; i++)
                        plan.ops[i].kind == OP_MKDIR ? mk++ : wr++;
                log_msg(&log, LOG_LEVEL_INFO, "restored with mode %s: %zu cgroups created, %zu "
                        "writes",
                        restore_mode_to_string(mode), mk, wr);
        }
out:
        for (size_t i = 0; i < n_locks; i++)
                safe_close(locks[i].fd);
        free(locks);
        for (size_t i = 0; observed && i < match.n; i++)
                observed_free(&observed[i], &match.targets[i].image->root);
        free(observed);
        match_free(&match);
        plan_free(&plan);
        image_free(&img);
        located_free(&loc);
        proc_view_free(&pv);
        cgbind_config_free(&cfg);
        cgbind_state_free(&st);
        int status = r < 0 ? fail(&log, &err, r) : 0;
        log_close(&log);
        return status;
}

/* ---- show ---- */

static int cmd_show(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "json", no_argument, NULL, 'j' },
                { "convert", required_argument, NULL, 'C' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct cgbind_error err = { 0 };
        struct cgbind_log log;
        bool json = false;
        int convert_to = 0;
        int c;

        log_init(&log, "show");
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'j':
                        json = true;
                        break;
                case 'C':
                        if (streq(optarg, "v1") || streq(optarg, "1"))
                                convert_to = CG_V1;
                        else if (streq(optarg, "v2") || streq(optarg, "2"))
                                convert_to = CG_V2;
                        else {
                                cgbind_error_set(&err, CGBIND_INVALID, EINVAL,
                                                 "--convert (%s): expected v1 or v2", optarg);
                                return fail(&log, &err, -EINVAL);
                        }
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        cgbind_error_set(&err, CGBIND_INVALID, EINVAL, "usage: see cgbind --help");
                        return fail(&log, &err, -EINVAL);
                }
        }
        if (argc - optind != 1) {
                cgbind_error_set(&err, CGBIND_INVALID, EINVAL, "usage: cgbind show [--json] FILE");
                return fail(&log, &err, -EINVAL);
        }
        _cleanup_free_ char *buf = NULL;
        size_t len;
        struct cgbind_image img = { 0 };
        struct strbuf out = { 0 };
        int r = read_image_file(argv[optind], CGBIND_DEFAULT_MAX_IMAGE, &buf, &len, &err);
        if (r >= 0)
                r = image_parse(buf, len, &img, &err);
        if (r >= 0 && img.n_dropped)
                log_msg(&log, LOG_LEVEL_WARNING,
                        "image (CRIU cgroup.img): %zu properties that cgbind never writes were "
                        "left out",
                        img.n_dropped);
        if (r >= 0 && convert_to) {
                struct cgbind_image converted = { 0 };
                r = image_convert(&img, (enum cg_version)convert_to, false, convert_note, &log,
                                  &converted, &err);
                if (r >= 0) {
                        image_free(&img);
                        img = converted;
                }
        }
        if (r >= 0)
                r = json ? image_write_json(&img, &out) : show_image(&img, &out);
        if (r >= 0 && out.len && fwrite(out.buf, 1, out.len, stdout) != out.len)
                r = -EIO;
        strbuf_free(&out);
        image_free(&img);
        return r < 0 ? fail(&log, &err, r) : 0;
}

int main(int argc, char **argv)
{
        process_hygiene();
        if (argc < 2) {
                fputs(usage_text, stderr);
                return CGBIND_INVALID;
        }
        const char *cmd = argv[1];
        if (streq(cmd, "--help") || streq(cmd, "-h") || streq(cmd, "help")) {
                fputs(usage_text, stdout);
                return 0;
        }
        if (streq(cmd, "--version")) {
                printf("cgbind %s\n", CGBIND_VERSION);
                return 0;
        }
        /* getopt_long starts at argv[1]: hand it the sub-command's arguments */
        if (streq(cmd, "save"))
                return cmd_save(argc - 1, argv + 1);
        if (streq(cmd, "restore"))
                return cmd_restore(argc - 1, argv + 1);
        if (streq(cmd, "show"))
                return cmd_show(argc - 1, argv + 1);
        char esc[100];
        cgbind_escape(cmd, strlen(cmd), esc, sizeof(esc));
        fprintf(stderr, "cgbind: usage (%s): unknown command; see cgbind --help\n", esc);
        return CGBIND_INVALID;
}
