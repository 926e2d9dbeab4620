/* Small shared helpers: cleanup attributes, ownership transfer and the error
 * struct that carries a message from library code up to main. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f)     __attribute__((cleanup(f)))
#define _cleanup_free_   _cleanup_(freep)
#define _cleanup_close_  _cleanup_(closep)
#define _printf_(a, b)   __attribute__((format(printf, a, b)))
#define _unused_         __attribute__((unused))
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))

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

/* Exit statuses of DESIGN.md; only main() turns them into an exit code. */
enum cgbind_status {
        CGBIND_OK = 0,
        CGBIND_FAILED = 1,       /* failed, everything rolled back */
        CGBIND_INVALID = 2,      /* bad usage or input, nothing touched */
        CGBIND_PRECONDITION = 3, /* precondition failed, nothing touched */
        CGBIND_PARTIAL = 4,      /* failed and the rollback left something behind */
        CGBIND_STATUS_MAX,
};

/* One error travels from where it happened to main(): the status class and a
 * one-line "<what> (<name>): <reason>" message. The first error set wins. */
struct cgbind_error {
        enum cgbind_status status;
        char msg[1024];
};

/* Sets err (when not yet set) and returns -errnum, or -EINVAL when errnum is 0. */
int cgbind_error_set(struct cgbind_error *err, enum cgbind_status status, int errnum,
                     const char *fmt, ...) _printf_(4, 5);

/* Escapes an untrusted string for a one-line message: control characters,
 * backslash and non-ASCII bytes become \xNN; the result is truncated to fit. */
void cgbind_escape(const char *s, size_t len, char *buf, size_t bufsize);

/* A growable string buffer. */
struct strbuf {
        char *buf;
        size_t len;
        size_t cap;
};

int strbuf_append(struct strbuf *sb, const char *s, size_t n);
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
void strbuf_free(struct strbuf *sb);

/* The number of bytes up to the first invalid UTF-8 sequence (overlong
 * forms, surrogates and values past U+10FFFF included); len when valid. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* Duplicates n bytes into a NUL-terminated string; NULL on ENOMEM. */
char *xstrndup(const char *s, size_t n);
