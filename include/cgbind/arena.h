/* A bump allocator: many small pieces that live and die together (a JSON
 * document, an image tree), with no per-piece malloc header and one free. */
#pragma once

#include <stddef.h>

struct arena_chunk;

struct arena {
        struct arena_chunk *head;
        size_t bytes; /* all chunks, for the memory figures */
};

/* 8-byte aligned; never NULL (out of memory ends the process, util.h). */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
/* A copy of n elements of size bytes (n may be 0: NULL). */
void *arena_memdup(struct arena *a, const void *p, size_t n, size_t size);
void arena_free(struct arena *a);
