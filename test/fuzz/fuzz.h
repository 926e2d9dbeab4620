/* The libFuzzer entry point every target defines; fuzz-main.c calls it when
 * the targets are built without libFuzzer (the corpus replay). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* An invariant of a target: aborts (a crash for libFuzzer) with the condition. */
#define CHECK(cond)                                                                                \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__,         \
                                __LINE__);                                                         \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input: the parsers take (buf, len), but a copy
 * of exactly size bytes lets ASan see any read past the end. */
char *fuzz_copy(const uint8_t *data, size_t size);

struct cgbind_error;
/* Aborts unless a failed parse left one printable line in err (DESIGN: one
 * line on stderr, untrusted names escaped). r is the parser's return value. */
void fuzz_check_error(int r, const struct cgbind_error *err);
