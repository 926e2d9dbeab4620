/* Where cgbind's messages go: stderr always (runc and crun copy a hook's
 * stderr into their own error), a --log FILE, and syslog (podman and CRI-O
 * often drop a hook's stderr). Every message names the command and the container. */
#pragma once

#include <stdbool.h>

#include "cgbind/util.h"

enum log_level {
        LOG_LEVEL_ERROR,
        LOG_LEVEL_WARNING,
        LOG_LEVEL_INFO,
        LOG_LEVEL_DEBUG,
        LOG_LEVEL_MAX,
};

struct cgbind_log {
        const char *command;  /* "restore" */
        char *container_id;   /* escaped; NULL until known */
        int file_fd;          /* --log FILE, or -1 */
        int syslog_fd;        /* connected to /dev/log, or -1 */
        enum log_level level; /* what reaches the file and syslog */
};

void log_init(struct cgbind_log *log, const char *command);
/* Opens FILE for appending (O_APPEND|O_CLOEXEC|O_NOFOLLOW, 0640). */
int log_open_file(struct cgbind_log *log, const char *path);
/* Connects to the syslog socket now: the sandbox allows no new socket later,
 * and a message that cannot be sent is dropped, never retried. */
int log_open_syslog(struct cgbind_log *log);
void log_set_container(struct cgbind_log *log, const char *id);
void log_close(struct cgbind_log *log);

/* Every message is escaped by the logger itself, whatever its arguments
 * hold (a raw path from the kernel, an image name): a control byte or a
 * byte of a multi-byte sequence becomes \xNN, a line break a space, so no
 * terminal escape and no second line reaches stderr, the file or syslog.
 * ASCII text, and what cgbind_escape() made of a string already, stays. */
void log_msg(struct cgbind_log *log, enum log_level level, const char *fmt, ...) _printf_(3, 4);
