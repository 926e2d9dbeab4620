/* Small shared helpers: cleanup attributes, ownership transfer, allocation
 * that cannot fail, the error carrier and deadlines. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define _cleanup_(f)    __attribute__((cleanup(f)))
#define _cleanup_free_  _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _printf_(a, b)  __attribute__((format(printf, a, b)))
#define _unused_        __attribute__((unused))
#define _noreturn_      __attribute__((noreturn))
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p = (p);                                                            \
                (p) = NULL;                                                                        \
                _p;                                                                                \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _fd;                                                                               \
        })

static inline void freep(void *p)
{
        free(*(void **)p);
}

/* close() is never retried: on Linux the descriptor is gone even on EINTR. */
static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                close(fd);
                errno = saved;
        }
        return -1;
}

static inline void closep(int *fd)
{
        safe_close(*fd);
}

static inline bool streq(const char *a, const char *b)
{
        return strcmp(a, b) == 0;
}

static inline bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- allocation ----
 * cgbind is a one-shot process that allocates only before it changes
 * anything: apply and rollback allocate nothing. So running out of memory
 * ends the process with status 1 and "nothing was changed", as bubblewrap's
 * xmalloc does, instead of an error path in every caller. */
_noreturn_ void oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* realloc for n elements of size bytes, with the multiplication checked */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
/* n bytes of s and a NUL */
char *xstrndup(const char *s, size_t n);

/* ---- exit statuses and the error carrier ---- */

/* Exit statuses of DESIGN.md; only main() turns them into an exit code. */
enum cgbind_status {
        CGBIND_OK = 0,
        CGBIND_FAILED = 1,       /* failed, everything rolled back */
        CGBIND_INVALID = 2,      /* bad usage or input, nothing touched */
        CGBIND_PRECONDITION = 3, /* precondition failed, nothing touched */
        CGBIND_PARTIAL = 4,      /* failed and the rollback left something behind */
        CGBIND_STATUS_MAX,
};

/* The error contract (README "Layout"): a function that takes a
 * struct cgbind_error sets it on every failure it returns, with the status
 * class and a one-line "<what> (<name>): <reason>" message; a function without
 * one returns a bare -errno, and its caller sets the error with the context
 * it has. The first error set wins, so a caller never overwrites the inner,
 * more precise message. */
/* room for a rollback's list of what is left: about 60 host paths */
#define CGBIND_ERROR_MAX 8192

struct cgbind_error {
        enum cgbind_status status;
        int errnum;
        char msg[CGBIND_ERROR_MAX];
};

/* Sets err (when not yet set) and returns -errnum, or -EINVAL when errnum is 0. */
int cgbind_error_set(struct cgbind_error *err, enum cgbind_status status, int errnum,
                     const char *fmt, ...) _printf_(4, 5);
/* The same, for messages that carry untrusted text (names from an image, a
 * mount table, a container): the whole formatted message is escaped. */
int cgbind_error_set_escaped(struct cgbind_error *err, enum cgbind_status status, int errnum,
                             const char *fmt, ...) _printf_(4, 5);

/* Escapes an untrusted string for a one-line message: control characters,
 * backslash and non-ASCII bytes become \xNN; the result is cut (with "...")
 * to fit bufsize. Returns buf. */
char *cgbind_escape(const char *s, size_t len, char *buf, size_t bufsize);
/* The same for a whole log line (the logger's own pass over every message):
 * CR and LF become a space, and a backslash stays, so that what a message
 * escaped already reads the same. */
char *cgbind_escape_log(const char *s, char *buf, size_t bufsize);
/* Formats, then escapes the result into buf. */
void cgbind_format_escaped(char *buf, size_t bufsize, const char *fmt, va_list ap) _printf_(3, 0);

/* ---- strings ---- */

/* A growable string buffer; buf is always NUL-terminated once anything was appended. */
struct strbuf {
        char *buf;
        size_t len;
        size_t cap;
};

void strbuf_append(struct strbuf *sb, const char *s, size_t n);
static inline void strbuf_puts(struct strbuf *sb, const char *s)
{
        strbuf_append(sb, s, strlen(s));
}
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
/* Appends s with every byte a terminal could act on escaped (\xNN), as for messages. */
void strbuf_append_escaped(struct strbuf *sb, const char *s, size_t n);
void strbuf_free(struct strbuf *sb);

/* The number of bytes up to the first invalid UTF-8 sequence (overlong
 * forms, surrogates and values past U+10FFFF included); len when valid. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* ---- deadlines ---- */

/* A point on CLOCK_MONOTONIC after which no wait of this run goes on. */
struct deadline {
        struct timespec at;
};

struct deadline deadline_in_ms(uint64_t ms);
/* Milliseconds left (0 when past), at most INT32_MAX. */
int deadline_left_ms(const struct deadline *d);
/* How long ago the deadline passed, in ms (0 while it has not). */
int deadline_past_ms(const struct deadline *d);
