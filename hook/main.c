/* cgbind's executable: arguments into options, the library's pipeline, and
 * the result into an exit status. Everything else is in src/. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "config.h"

#include "cgbind/caps.h"
#include "cgbind/criu.h"
#include "cgbind/log.h"
#include "cgbind/restore.h"
#include "cgbind/save.h"
#include "cgbind/show.h"

static const char usage_text[] =
        "Usage:\n"
        "  cgbind save    [--pid PID] [-o FILE|-] [--log FILE] [--max-cgroups N]\n"
        "                 [--timeout SECONDS]\n"
        "  cgbind restore [--image FILE] [--image-dir DIR] [--mode MODE] [--dry-run]\n"
        "                 [--top-level]\n"
        "                 [--skip-missing] [--no-move-init] [--log FILE] [--syslog]\n"
        "                 [--debug] [--no-sandbox] [--max-image-size BYTES] [--convert]\n"
        "                 [--skip-busy] [--max-cgroups N] [--timeout SECONDS]\n"
        "  cgbind show    [--json] [--convert v1|v2] FILE\n"
        "  cgbind criu-script [--mode MODE] [--log FILE] [--syslog] [--debug]\n"
        "  cgbind --help | --version\n"
        "\n"
        "save records the sub-cgroups of a container and their limits; the OCI state\n"
        "(`runc state ID`) is read on stdin unless --pid is given.\n"
        "restore is the OCI hook (prestart, createRuntime or poststart): it reads the\n"
        "state on stdin and restores the image beneath the container's cgroups.\n"
        "Modes: soft (default), full, strict, props, none, ignore.\n"
        "The image can also come from the annotation io.cgbind.image, the mode from\n"
        "io.cgbind.mode; the flags win. An annotation's image is a name beneath the\n"
        "image directory (--image-dir; default " CGBIND_IMAGE_DIR ", and for a user\n"
        "without root ~/.local/share/cgbind), never a path outside it.\n"
        "criu-script is CRIU's action-script (also run as <cgbind_dir>/criu-script):\n"
        "it saves into the checkpoint at post-dump and restores from it at\n"
        "post-restore (mode full unless --mode), reading CRTOOLS_* from CRIU.\n"
        "\n"
        "Exit status: 0 done, 1 failed and rolled back, 2 bad usage or input,\n"
        "3 precondition failed, 4 failed and the rollback left something behind.\n";

/* The status of a failed run: the error's class, 1 if (wrongly) unset. */
static int fail(struct cgbind_log *log, const struct cgbind_error *err, int r)
{
        if (err->status == CGBIND_OK) {
                log_msg(log, LOG_LEVEL_ERROR, "internal error without a message: %s", strerror(-r));
                return CGBIND_FAILED;
        }
        log_msg(log, LOG_LEVEL_ERROR, "%s", err->msg);
        return (int)err->status;
}

/* "<what> (<arg>): <reason>", arg escaped; without arg "<what>: <reason>" */
static int usage_error(struct cgbind_log *log, const char *what, const char *arg,
                       const char *reason)
{
        char esc[200];
        struct cgbind_error err = { 0 };
        if (arg)
                cgbind_error_set(&err, CGBIND_INVALID, EINVAL, "%s (%s): %s", what,
                                 cgbind_escape(arg, strlen(arg), esc, sizeof(esc)), reason);
        else
                cgbind_error_set(&err, CGBIND_INVALID, EINVAL, "%s: %s", what, reason);
        return fail(log, &err, -EINVAL);
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

static bool parse_ull(const char *s, unsigned long long min, unsigned long long max,
                      unsigned long long *ret)
{
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || end == s || s[0] == '-' || v < min || v > max)
                return false;
        *ret = v;
        return true;
}

static int open_log(struct cgbind_log *log, const char *path)
{
        int r = log_open_file(log, path);
        if (r < 0) {
                char esc[300];
                struct cgbind_error err = { 0 };
                cgbind_escape(path, strlen(path), esc, sizeof(esc));
                cgbind_error_set(&err, CGBIND_INVALID, -r, "--log (%s): %s", esc, strerror(-r));
                return fail(log, &err, r);
        }
        return 0;
}

/* ---- save ---- */

static int cmd_save(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "pid", required_argument, NULL, 'p' },
                { "output", required_argument, NULL, 'o' },
                { "log", required_argument, NULL, 'l' },
                { "max-cgroups", required_argument, NULL, 'M' },
                { "timeout", required_argument, NULL, 'T' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct save_options o;
        struct cgbind_log log;
        unsigned long long v;
        int c, r;

        save_options_init(&o);
        log_init(&log, "save");
        while ((c = getopt_long(argc, argv, "+p:o:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        if (!parse_ull(optarg, 2, INT_MAX, &v))
                                return usage_error(&log, "--pid", optarg, "not a process id");
                        o.pid = (pid_t)v;
                        break;
                case 'o':
                        o.output = optarg;
                        break;
                case 'l':
                        if ((r = open_log(&log, optarg)) != 0)
                                return r;
                        break;
                case 'M':
                        if (!parse_ull(optarg, 1, CGBIND_MAX_CGROUPS_LIMIT, &v))
                                return usage_error(&log, "--max-cgroups", optarg, "not a count");
                        o.max_cgroups = (size_t)v;
                        break;
                case 'T':
                        if (!parse_ull(optarg, 1, CGBIND_MAX_TIMEOUT_MS / 1000, &v))
                                return usage_error(&log, "--timeout", optarg,
                                                   "not a number of seconds");
                        o.timeout_ms = (unsigned)v * 1000;
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return usage_error(&log, "usage", NULL, "see cgbind --help");
                }
        }
        if (optind != argc)
                return usage_error(&log, "usage", argv[optind], "unexpected argument");

        struct cgbind_error err = { 0 };
        struct save_result res;
        r = save_run(&o, &log, &res, &err);
        int status = r < 0 ? fail(&log, &err, r) : 0;
        if (r >= 0)
                log_msg(&log, LOG_LEVEL_INFO, "saved %zu sub-cgroups in %zu hierarchies",
                        res.n_nodes, res.n_hierarchies);
        log_close(&log);
        return status;
}

/* ---- restore ---- */

static int parse_restore_args(int argc, char **argv, struct restore_options *o,
                              struct cgbind_log *log, int *ret_status)
{
        static const struct option longopts[] = {
                { "image", required_argument, NULL, 'i' },
                { "image-dir", required_argument, NULL, 'D' },
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
                { "max-cgroups", required_argument, NULL, 'G' },
                { "timeout", required_argument, NULL, 'T' },
                { "convert", no_argument, NULL, 'C' },
                { "skip-busy", no_argument, NULL, 'B' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        unsigned long long v;
        int c, r;
        while ((c = getopt_long(argc, argv, "+i:m:nh", longopts, NULL)) != -1) {
                switch (c) {
                case 'i':
                        o->image = optarg;
                        break;
                case 'D':
                        o->image_dir = optarg;
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
                        if ((r = open_log(log, optarg)) != 0) {
                                *ret_status = r;
                                return -1;
                        }
                        break;
                case 'S':
                        /* connected now: the sandbox allows no socket later */
                        if ((r = log_open_syslog(log)) < 0)
                                log_msg(log, LOG_LEVEL_WARNING, "--syslog (/dev/log): %s",
                                        strerror(-r));
                        break;
                case 'd':
                        log->level = LOG_LEVEL_DEBUG;
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
                case 'M':
                        if (!parse_ull(optarg, 1, CGBIND_MAX_IMAGE_LIMIT, &v)) {
                                *ret_status = usage_error(log, "--max-image-size", optarg,
                                                          "not a size between 1 and 4 GiB");
                                return -1;
                        }
                        o->max_image = (size_t)v;
                        break;
                case 'G':
                        if (!parse_ull(optarg, 1, CGBIND_MAX_CGROUPS_LIMIT, &v)) {
                                *ret_status =
                                        usage_error(log, "--max-cgroups", optarg, "not a count");
                                return -1;
                        }
                        o->max_cgroups = (size_t)v;
                        break;
                case 'T':
                        if (!parse_ull(optarg, 1, CGBIND_MAX_TIMEOUT_MS / 1000, &v)) {
                                *ret_status = usage_error(log, "--timeout", optarg,
                                                          "not a number of seconds");
                                return -1;
                        }
                        o->timeout_ms = (unsigned)v * 1000;
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        *ret_status = 0;
                        return -1;
                default:
                        *ret_status = usage_error(log, "usage", NULL, "see cgbind --help");
                        return -1;
                }
        }
        if (optind != argc) {
                *ret_status = usage_error(log, "usage", argv[optind], "unexpected argument");
                return -1;
        }
        return 0;
}

static int cmd_restore(int argc, char **argv)
{
        struct restore_options o;
        struct cgbind_log log;
        int status = 0;

        restore_options_init(&o);
        log_init(&log, "restore");
        if (parse_restore_args(argc, argv, &o, &log, &status) < 0) {
                log_close(&log);
                return status;
        }
        struct cgbind_error err = { 0 };
        struct restore_result res;
        int r = restore_run(&o, &log, &res, &err);
        if (r < 0)
                status = fail(&log, &err, r);
        else if (res.mode == MODE_IGNORE)
                log_msg(&log, LOG_LEVEL_INFO, "mode ignore: nothing to do");
        else if (res.changed)
                log_msg(&log, LOG_LEVEL_INFO,
                        "restored with mode %s: %zu cgroups created, %zu writes%s",
                        restore_mode_to_string(res.mode), res.n_mkdirs, res.n_writes,
                        res.n_adopted ? ", and what a stopped cgbind left finished" : "");
        log_close(&log);
        return status;
}

/* ---- criu-script: CRIU's action script ---- */

static int cmd_criu(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "mode", required_argument, NULL, 'm' }, { "log", required_argument, NULL, 'l' },
                { "syslog", no_argument, NULL, 'S' },     { "debug", no_argument, NULL, 'd' },
                { "help", no_argument, NULL, 'h' },       {},
        };
        struct criu_options o;
        struct cgbind_log log;
        int c, r;

        criu_options_init(&o);
        log_init(&log, "criu-script");
        o.action = getenv("CRTOOLS_SCRIPT_ACTION");
        /* every other step: nothing to do, and nothing opened */
        if (criu_step_of(o.action) == CRIU_STEP_OTHER && argc < 2)
                return 0;
        while ((c = getopt_long(argc, argv, "+m:h", longopts, NULL)) != -1) {
                switch (c) {
                case 'm':
                        o.mode = optarg;
                        break;
                case 'l':
                        if ((r = open_log(&log, optarg)) != 0)
                                return r;
                        break;
                case 'S':
                        log_open_syslog(&log);
                        break;
                case 'd':
                        log.level = LOG_LEVEL_DEBUG;
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return usage_error(&log, "usage", NULL, "see cgbind --help");
                }
        }
        if (optind != argc)
                return usage_error(&log, "usage", argv[optind], "unexpected argument");
        o.image_dir = getenv("CRTOOLS_IMAGE_DIR");
        o.init_pid = getenv("CRTOOLS_INIT_PID");
        /* CRIU hands the script only its environment: where a syslog
         * socket exists, the journal keeps what a runtime drops */
        if (log.syslog_fd < 0 && access("/dev/log", F_OK) == 0)
                log_open_syslog(&log);

        struct cgbind_error err = { 0 };
        struct criu_result res;
        r = criu_script_run(&o, &log, &res, &err);
        int status = r < 0 ? fail(&log, &err, r) : 0;
        if (r >= 0 && res.step == CRIU_STEP_DUMP && res.image)
                log_msg(&log, LOG_LEVEL_INFO, "saved %zu sub-cgroups into the checkpoint",
                        res.n_nodes);
        else if (r >= 0 && res.step == CRIU_STEP_PREPARE && res.image)
                log_msg(&log, LOG_LEVEL_INFO,
                        "made the checkpoint's tree before CRIU's files: %zu cgroups created, "
                        "%zu writes, %zu processes moved out of the top-level",
                        res.n_mkdirs, res.n_writes, res.n_moved);
        else if (r >= 0 && res.step == CRIU_STEP_RESTORE && res.image)
                log_msg(&log, LOG_LEVEL_INFO,
                        "restored from the checkpoint: %zu cgroups created, %zu writes, %zu "
                        "processes moved out of the top-level",
                        res.n_mkdirs, res.n_writes, res.n_moved);
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
        struct show_options o = { 0 };
        struct cgbind_log log;
        int c;

        log_init(&log, "show");
        while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
                switch (c) {
                case 'j':
                        o.json = true;
                        break;
                case 'C':
                        if (streq(optarg, "v1") || streq(optarg, "1"))
                                o.convert_to = CG_V1;
                        else if (streq(optarg, "v2") || streq(optarg, "2"))
                                o.convert_to = CG_V2;
                        else
                                return usage_error(&log, "--convert", optarg, "expected v1 or v2");
                        break;
                case 'h':
                        fputs(usage_text, stdout);
                        return 0;
                default:
                        return usage_error(&log, "usage", NULL, "see cgbind --help");
                }
        }
        if (argc - optind != 1)
                return usage_error(&log, "usage", NULL,
                                   "cgbind show [--json] [--convert v1|v2] FILE");
        o.path = argv[optind];
        struct cgbind_error err = { 0 };
        int r = show_run(&o, &log, &err);
        int status = r < 0 ? fail(&log, &err, r) : 0;
        log_close(&log);
        return status;
}

int main(int argc, char **argv)
{
        process_hygiene();
        /* <cgbind_dir>/criu-script, a link to this binary, is what CRIU's
         * configuration names: an action-script takes no arguments */
        const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
        base = base ? base + 1 : argc > 0 ? argv[0] : NULL;
        if (base && streq(base, "criu-script"))
                return cmd_criu(argc, argv);
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
        if (streq(cmd, "criu-script"))
                return cmd_criu(argc - 1, argv + 1);
        char esc[100];
        cgbind_escape(cmd, strlen(cmd), esc, sizeof(esc));
        fprintf(stderr, "cgbind: usage (%s): unknown command; see cgbind --help\n", esc);
        return CGBIND_INVALID;
}
