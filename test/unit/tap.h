/* A tiny TAP producer for the unit tests: `meson test` reads its output. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

void tap_ok(bool ok, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Like tap_ok, and on failure prints what was got and what was expected. */
void tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
void tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));
/* The next assertion carries a "# TODO reason" directive: a known library bug
 * that is reported, not hidden; its failure does not fail the suite. */
void tap_todo(const char *reason);
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);

/* The contents of test/unit/data/<name> (NUL-terminated); bails out when missing.
 * The directory comes from $CGBIND_TEST_DATA (set by meson), else the source tree. */
char *tap_read_data(const char *name, size_t *ret_len);

#define ok(cond, ...)     tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(a, b, ...) tap_is_str((a), (b), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(a, b, ...)                                                                          \
        tap_is_int((long long)(a), (long long)(b), __FILE__, __LINE__, __VA_ARGS__)
/* a message that mentions what went wrong */
#define has_str(hay, needle) ((hay) && strstr((hay), (needle)) != NULL)
