/* TAP output: "ok N - description", a plan at the end, exit 1 on any failure
 * that is not marked TODO. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"

#ifndef CGBIND_TEST_DATA_DEFAULT
#define CGBIND_TEST_DATA_DEFAULT "test/unit/data"
#endif

static int n_tests, n_failed;
static const char *todo_reason;

__attribute__((format(printf, 4, 0))) static void vreport(bool ok, const char *file, int line,
                                                          const char *fmt, va_list ap)
{
        const char *todo = todo_reason;
        todo_reason = NULL;
        n_tests++;
        if (!ok && !todo)
                n_failed++;
        printf("%sok %d - ", ok ? "" : "not ", n_tests);
        vprintf(fmt, ap);
        if (todo)
                printf(" # TODO %s", todo);
        printf("\n");
        if (!ok)
                printf("#   failed at %s:%d\n", file, line);
}

void tap_ok(bool ok, const char *file, int line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vreport(ok, file, line, fmt, ap);
        va_end(ap);
}

void tap_is_str(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
        bool ok = got && want ? strcmp(got, want) == 0 : got == want;
        va_list ap;
        va_start(ap, fmt);
        vreport(ok, file, line, fmt, ap);
        va_end(ap);
        if (!ok) {
                printf("#   got:      %s%s%s\n", got ? "\"" : "", got ? got : "NULL",
                       got ? "\"" : "");
                printf("#   expected: %s%s%s\n", want ? "\"" : "", want ? want : "NULL",
                       want ? "\"" : "");
        }
}

void tap_is_int(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vreport(got == want, file, line, fmt, ap);
        va_end(ap);
        if (got != want)
                printf("#   got: %lld, expected: %lld\n", got, want);
}

void tap_todo(const char *reason)
{
        todo_reason = reason;
}

void tap_diag(const char *fmt, ...)
{
        va_list ap;
        printf("# ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
}

int tap_done(void)
{
        printf("1..%d\n", n_tests);
        return n_failed ? 1 : 0;
}

char *tap_read_data(const char *name, size_t *ret_len)
{
        const char *dir = getenv("CGBIND_TEST_DATA");
        char path[4096];
        if (!dir || !*dir)
                dir = CGBIND_TEST_DATA_DEFAULT;
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        FILE *f = fopen(path, "re");
        if (!f) {
                printf("Bail out! cannot open fixture %s: %s\n", path, strerror(errno));
                exit(1);
        }
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        for (;;) {
                if (!buf) {
                        printf("Bail out! out of memory reading %s\n", path);
                        exit(1);
                }
                len += fread(buf + len, 1, cap - len - 1, f);
                if (len < cap - 1)
                        break;
                cap *= 2;
                buf = realloc(buf, cap);
        }
        if (ferror(f)) {
                printf("Bail out! cannot read fixture %s\n", path);
                exit(1);
        }
        fclose(f);
        buf[len] = '\0';
        *ret_len = len;
        return buf;
}
