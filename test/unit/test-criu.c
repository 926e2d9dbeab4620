/* criu_script_run's inputs, without CRIU and without root: the steps it
 * handles and the ones it leaves alone, CRIU's environment checked before
 * anything is opened, a checkpoint without an image, and an image in a
 * checkpoint that is not a regular file or too large. A run whose parent is
 * not CRIU is refused before it looks at any process. The record that lets
 * the second post-dump run of a CRIU skip matches only the kernel's facts. The restores
 * themselves run in the VMs (checkpoint.bats). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cgbind/apply.h"
#include "cgbind/criu.h"
#include "cgbind/log.h"
#include "cgbind/plan.h"

#include "tap.h"

static char scratch[] = "/tmp/cgbind-test-criu.XXXXXX";

static int run(const char *action, const char *dir, const char *pid, struct criu_result *res,
               struct cgbind_error *err)
{
        struct criu_options o;
        struct cgbind_log log;
        criu_options_init(&o);
        o.action = action;
        o.image_dir = dir;
        o.init_pid = pid;
        o.max_image = 64;
        log_init(&log, "criu-script");
        *err = (struct cgbind_error){ 0 };
        *res = (struct criu_result){ 0 };
        int r = criu_script_run(&o, &log, res, err);
        log_close(&log);
        return r;
}

static void put(const char *name, const char *content)
{
        char path[256];
        snprintf(path, sizeof(path), "%s/%s", scratch, name);
        FILE *f = fopen(path, "we");
        if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
                printf("Bail out! write %s\n", path);
                exit(1);
        }
}

/* apply moves only the pids its caller named before the sandbox: a plan
 * that names another is refused before its first change (a directory
 * stands in for a top-level: the check comes before any write). */
static void test_apply_pids(void)
{
        char top[] = "/tmp/cgbind-test-apply.XXXXXX";
        if (!mkdtemp(top)) {
                printf("Bail out! mkdtemp\n");
                exit(1);
        }
        int fd = open(top, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct plan_dir dirs[] = {
                { .parent = PLAN_NO_PARENT, .hier = 0, .name = NULL },
                { .parent = 0, .hier = 0, .name = "made" },
        };
        struct plan_op ops[] = {
                { .kind = OP_MKDIR, .dir = 0, .name = "made" },
                { .kind = OP_MOVE_PID, .dir = 1, .undo_dir = 0, .pid = 31337 },
        };
        struct plan plan = { .dirs = dirs, .n_dirs = 2, .ops = ops, .n_ops = 2, .pid = 4242 };
        struct apply_pid allowed[] = { { 4242, -1 }, { 77, -1 } };
        apply_pids_sort(allowed, 2);
        const char *paths[] = { top };
        struct apply_ctx ctx = {
                .top_fds = &fd, .host_paths = paths, .pids = allowed, .n_pids = 2
        };
        struct cgbind_error err = { 0 };
        int r = apply_plan(&plan, &ctx, &err);
        char made[300];
        snprintf(made, sizeof(made), "%s/made", top);
        struct stat st;
        ok(r == -EPERM && err.status == CGBIND_PRECONDITION && has_str(err.msg, "move pid 31337") &&
                   has_str(err.msg, "nothing changed"),
           "a pid not named before the sandbox: refused, status 3 (%s)", err.msg);
        ok(stat(made, &st) < 0 && errno == ENOENT, "... before the first change (no mkdir)");
        ops[1].pid = 1;
        allowed[0].pid = 1;
        err = (struct cgbind_error){ 0 };
        ok(apply_plan(&plan, &ctx, &err) < 0 && stat(made, &st) < 0,
           "pid 1 is never moved, even when listed (%s)", err.msg);
        close(fd);
        rmdir(top);
}

/* The logger escapes every message itself: a raw path with a terminal
 * escape or a line break never reaches the file as it was. */
static void test_log_escape(void)
{
        char out[64];
        cgbind_escape_log("a\x1b[2Jb\nc\\x1b", out, sizeof(out));
        is_str(out, "a\\x1b[2Jb c\\x1b", "ESC escaped, a line break a space, a backslash kept");
        cgbind_escape_log("caf\xc3\xa9 \xc2\x9b", out, sizeof(out));
        is_str(out, "caf\\xc3\\xa9 \\xc2\\x9b", "multi-byte sequences (C1 CSI among them) escaped");
        char path[] = "/tmp/cgbind-test-log.XXXXXX";
        int fd = mkstemp(path);
        struct cgbind_log log;
        log_init(&log, "criu-script");
        log.file_fd = fd;
        log_msg(&log, LOG_LEVEL_INFO, "under %s now", "/ck\x1b]0;owned\x07/x");
        log.file_fd = -1;
        log_close(&log);
        char buf[512] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        close(fd);
        unlink(path);
        ok(n > 0 && !strchr(buf, '\x1b') && !strchr(buf, '\x07') &&
                   strstr(buf, "under /ck\\x1b]0;owned\\x07/x now\n"),
           "a raw path in a message is escaped in the log file (%s)", buf);
}

/* The second post-dump run of a CRIU skips only when the record is, byte
 * for byte, what the kernel says now of the init, the directory and the
 * image: any other record (stale, forged, cut, one byte off) is a save. */
static void test_dump_record(void)
{
        struct criu_dump_facts f = {
                .init_pid = 4242,
                .init_start = 987654321ULL,
                .dir_dev = 64769,
                .dir_ino = 131,
                .image_dev = 64769,
                .image_ino = 132,
                .image_size = 12345,
                .image_mtime = { 1764937200, 123456789 },
                .image_ctime = { 1764937200, 223456789 },
        };
        char rec[CRIU_DUMP_RECORD_MAX];
        int n = criu_dump_record_format(&f, rec, sizeof(rec));
        is_str(rec,
               "cgbind-dump 1 init=4242:987654321 dir=64769:131 image=64769:132 size=12345 "
               "mtime=1764937200.123456789 ctime=1764937200.223456789\n",
               "the record names the init, the directory and the image");
        ok(n > 0 && criu_dump_record_matches(rec, (size_t)n, &f), "the same facts: skip");
        struct criu_dump_facts g;
#define DIFFERS(field, value, what)                                                                \
        g = f;                                                                                     \
        g.field = value;                                                                           \
        ok(!criu_dump_record_matches(rec, (size_t)n, &g), "%s: saved again", what)
        DIFFERS(init_pid, 4243, "another init");
        DIFFERS(init_start, 987654322ULL, "the same pid, another process");
        DIFFERS(dir_ino, 133, "another checkpoint directory");
        DIFFERS(image_ino, 133, "another image file (replaced)");
        DIFFERS(image_size, 12346, "the image grew");
        DIFFERS(image_mtime.tv_nsec, 123456788, "the image written since");
        DIFFERS(image_ctime.tv_sec, 1764937201, "the image changed since (ctime)");
#undef DIFFERS
        ok(!criu_dump_record_matches(rec, (size_t)n - 1, &f), "a cut record: saved again");
        char longer[CRIU_DUMP_RECORD_MAX + 1];
        memcpy(longer, rec, (size_t)n);
        longer[n] = 'x';
        ok(!criu_dump_record_matches(longer, (size_t)n + 1, &f), "a longer record: saved again");
        ok(!criu_dump_record_matches("", 0, &f), "an empty record: saved again");
        ok(criu_dump_record_format(&f, rec, 40) == -ENOBUFS, "a short buffer: -ENOBUFS");
}

int main(void)
{
        test_apply_pids();
        test_log_escape();
        test_dump_record();
        struct criu_result res;
        struct cgbind_error err;
        char pid[32], path[256];

        if (!mkdtemp(scratch)) {
                printf("Bail out! mkdtemp\n");
                return 1;
        }
        snprintf(pid, sizeof(pid), "%d", (int)getpid());

        is_int(criu_step_of("post-dump"), CRIU_STEP_DUMP, "post-dump saves");
        is_int(criu_step_of("post-restore"), CRIU_STEP_RESTORE, "post-restore restores");
        is_int(criu_step_of("post-resume"), CRIU_STEP_RESUMED, "post-resume forgets the record");
        is_int(criu_step_of("post-setup-namespaces"), CRIU_STEP_PREPARE,
               "post-setup-namespaces makes the tree");
        const char *others[] = { "pre-dump",
                                 "network-lock",
                                 "pre-restore",
                                 "setup-namespaces",
                                 "network-unlock",
                                 "pre-resume",
                                 "orphan-pts-master",
                                 "",
                                 NULL };
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
                is_int(criu_step_of(others[i]), CRIU_STEP_OTHER, "step \"%s\": nothing to do",
                       others[i] ? others[i] : "(unset)");

        /* a step it does not handle: 0 whatever the rest says */
        is_int(run("pre-restore", NULL, NULL, &res, &err), 0, "pre-restore without anything: 0");
        is_int(err.status, CGBIND_OK, "... and no error");
        is_int(run("post-resume", "/proc/1/fd/3", "x", &res, &err), 0,
               "post-resume of another process's restore: 0, nothing read");

        /* CRIU's environment is checked first */
        ok(run("post-restore", scratch, NULL, &res, &err) < 0 && err.status == CGBIND_INVALID &&
                   has_str(err.msg, "CRTOOLS_INIT_PID (unset)"),
           "no CRTOOLS_INIT_PID: status 2 (%s)", err.msg);
        ok(run("post-dump", scratch, "1", &res, &err) < 0 && err.status == CGBIND_INVALID,
           "CRTOOLS_INIT_PID 1: not a container's pid");
        ok(run("post-restore", scratch, "12x", &res, &err) < 0 && err.status == CGBIND_INVALID,
           "CRTOOLS_INIT_PID 12x: refused");
        ok(run("post-restore", "relative/dir", pid, &res, &err) < 0 &&
                   err.status == CGBIND_INVALID && has_str(err.msg, "CRTOOLS_IMAGE_DIR"),
           "a relative CRTOOLS_IMAGE_DIR: status 2 (%s)", err.msg);
        snprintf(path, sizeof(path), "%s/missing", scratch);
        ok(run("post-restore", path, pid, &res, &err) < 0 && err.status == CGBIND_PRECONDITION,
           "a missing checkpoint directory: status 3 (%s)", err.msg);

        /* a checkpoint without an image restores as before */
        is_int(run("post-restore", scratch, pid, &res, &err), 0, "no cgbind.json: 0");
        ok(!res.image && res.step == CRIU_STEP_RESTORE, "... and nothing found");

        /* the image is opened like any untrusted one */
        snprintf(path, sizeof(path), "%s/elsewhere.json", scratch);
        put("elsewhere.json", "{\"cgbind\": 1, \"hierarchies\": []}");
        char link[256];
        snprintf(link, sizeof(link), "%s/" CRIU_IMAGE_NAME, scratch);
        if (symlink(path, link) < 0) {
                printf("Bail out! symlink\n");
                return 1;
        }
        ok(run("post-restore", scratch, pid, &res, &err) < 0 && err.status == CGBIND_INVALID,
           "cgbind.json a symlink: not followed, status 2 (%s)", err.msg);
        unlink(link);
        if (mkfifo(link, 0600) < 0) {
                printf("Bail out! mkfifo\n");
                return 1;
        }
        ok(run("post-restore", scratch, pid, &res, &err) < 0 && err.status == CGBIND_INVALID &&
                   has_str(err.msg, "not a regular file"),
           "cgbind.json a FIFO: never opened for reading, status 2 (%s)", err.msg);
        unlink(link);
        put(CRIU_IMAGE_NAME, "{\"cgbind\": 1, \"hierarchies\": [], \"container\": {\"id\": "
                             "\"a-name-that-is-long-enough\"}}");
        ok(run("post-restore", scratch, pid, &res, &err) < 0 && err.status == CGBIND_INVALID &&
                   has_str(err.msg, "larger than the limit of 64 bytes"),
           "cgbind.json over --max-image-size: status 2 (%s)", err.msg);

        /* a script whose parent is not CRIU restores nothing */
        put(CRIU_IMAGE_NAME, "{\"cgbind\": 1, \"hierarchies\": []}");
        ok(run("post-restore", scratch, pid, &res, &err) < 0 && err.status == CGBIND_PRECONDITION &&
                   has_str(err.msg, "not a descriptor"),
           "CRTOOLS_IMAGE_DIR not /proc/<parent>/fd/N: status 3 (%s)", err.msg);
        int fd = open(scratch, O_RDONLY | O_DIRECTORY);
        snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)getpid(), fd);
        ok(run("post-restore", path, pid, &res, &err) < 0 && err.status == CGBIND_PRECONDITION,
           "a descriptor of its own, not its parent's: status 3 (%s)", err.msg);
        close(fd);

        unlink(link);
        snprintf(path, sizeof(path), "%s/elsewhere.json", scratch);
        unlink(path);
        rmdir(scratch);
        return tap_done();
}
