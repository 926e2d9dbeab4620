/* TAP output: "ok N - description", a plan at the end, exit 1 on any failure. */
#include <stdarg.h>
#include <stdio.h>

#include "tap.h"

static int n_tests, n_failed;

void tap_ok(bool ok, const char *file, int line, const char *fmt, ...)
{
        va_list ap;
        n_tests++;
        if (!ok)
                n_failed++;
        printf("%sok %d - ", ok ? "" : "not ", n_tests);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        if (!ok)
                printf("#   failed at %s:%d\n", file, line);
}

int tap_done(void)
{
        printf("1..%d\n", n_tests);
        return n_failed ? 1 : 0;
}
