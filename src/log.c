/* Messages to stderr, a log file and syslog. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>

#include "cgbind/log.h"

void log_init(struct cgbind_log *log, const char *command)
{
        *log = (struct cgbind_log){
                .command = command,
                .file_fd = -1,
                .syslog_fd = -1,
                .level = LOG_LEVEL_INFO,
        };
}

int log_open_file(struct cgbind_log *log, const char *path)
{
        int fd =
                open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0640);
        if (fd < 0)
                return -errno;
        safe_close(log->file_fd);
        log->file_fd = fd;
        return 0;
}

int log_open_syslog(struct cgbind_log *log)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = errno;
                safe_close(fd);
                return -e;
        }
        safe_close(log->syslog_fd);
        log->syslog_fd = fd;
        return 0;
}

void log_set_container(struct cgbind_log *log, const char *id)
{
        char esc[200];
        cgbind_escape(id, strlen(id), esc, sizeof(esc));
        free(log->container_id);
        log->container_id = xstrdup(esc);
}

void log_close(struct cgbind_log *log)
{
        log->file_fd = safe_close(log->file_fd);
        log->syslog_fd = safe_close(log->syslog_fd);
        free(log->container_id);
        log->container_id = NULL;
}

static const char *const level_names[LOG_LEVEL_MAX] = {
        [LOG_LEVEL_ERROR] = "error",
        [LOG_LEVEL_WARNING] = "warning",
        [LOG_LEVEL_INFO] = "info",
        [LOG_LEVEL_DEBUG] = "debug",
};

/* a message, and the time, pid, level and container id before it */
#define LINE_MAX_LEN (CGBIND_ERROR_MAX + 464)

/* A lost log line must not change the outcome of the hook. */
static void write_line(int fd, char *line, int n)
{
        if (n <= 0)
                return;
        size_t len = (size_t)n < LINE_MAX_LEN ? (size_t)n : LINE_MAX_LEN - 1;
        if (len == LINE_MAX_LEN - 1)
                line[len - 1] = '\n';
        ssize_t k = write(fd, line, len);
        (void)k;
}

void log_msg(struct cgbind_log *log, enum log_level level, const char *fmt, ...)
{
        char raw[CGBIND_ERROR_MAX + 64], text[CGBIND_ERROR_MAX + 64], line[LINE_MAX_LEN];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(raw, sizeof(raw), fmt, ap);
        va_end(ap);
        cgbind_escape_log(raw, text, sizeof(text));

        /* stderr: DESIGN's "cgbind: <command>: <what> (<name>): <reason>";
         * info goes only to the file and syslog, debug also to stderr */
        bool to_stderr = level <= LOG_LEVEL_WARNING ||
                         (level == LOG_LEVEL_DEBUG && log->level >= LOG_LEVEL_DEBUG);
        if (to_stderr) {
                int n = snprintf(line, sizeof(line), "cgbind: %s: %s%s\n", log->command,
                                 level == LOG_LEVEL_WARNING ? "warning: " : "", text);
                write_line(STDERR_FILENO, line, n);
        }
        if (level > log->level)
                return;
        const char *ctr = log->container_id ? log->container_id : "-";
        if (log->file_fd >= 0) {
                char ts[40];
                struct timespec now;
                struct tm tm;
                clock_gettime(CLOCK_REALTIME, &now);
                gmtime_r(&now.tv_sec, &tm);
                strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
                int n = snprintf(line, sizeof(line),
                                 "%s.%03ldZ cgbind[%d] %s container=%s %s: %s\n", ts,
                                 now.tv_nsec / 1000000, (int)getpid(), level_names[level], ctr,
                                 log->command, text);
                write_line(log->file_fd, line, n);
        }
        if (log->syslog_fd >= 0) {
                /* "<PRI>TAG[PID]: MSG": journald and rsyslog read it, and
                 * stamp it themselves (no time zone file to read here) */
                static const int prio[LOG_LEVEL_MAX] = { LOG_ERR, LOG_WARNING, LOG_INFO,
                                                         LOG_DEBUG };
                int n = snprintf(line, sizeof(line), "<%d>cgbind[%d]: container=%s %s: %s",
                                 LOG_DAEMON | prio[level], (int)getpid(), ctr, log->command, text);
                if (n > 0) {
                        size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
                        ssize_t k = send(log->syslog_fd, line, len, MSG_DONTWAIT | MSG_NOSIGNAL);
                        (void)k;
                }
        }
}
