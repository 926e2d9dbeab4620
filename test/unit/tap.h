/* A tiny TAP producer for the unit tests: `meson test` reads its output. */
#pragma once

#include <stdbool.h>
#include <string.h>

void tap_ok(bool ok, const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int tap_done(void);

#define ok(cond, ...) tap_ok((cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_str(a, b, ...) tap_ok((a) && (b) && strcmp((a), (b)) == 0, __FILE__, __LINE__, __VA_ARGS__)
