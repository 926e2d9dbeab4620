/* The bump allocator (see arena.h). */
#include <stdint.h>
#include <string.h>

#include "cgbind/arena.h"
#include "cgbind/util.h"

struct arena_chunk {
        struct arena_chunk *next;
        size_t size, used;
        max_align_t data[];
};

#define ARENA_CHUNK (64 * 1024)

void *arena_alloc(struct arena *a, size_t n)
{
        n = (n + 7) & ~(size_t)7; /* nothing kept here needs more than 8 */
        struct arena_chunk *c = a->head;
        if (!c || c->size - c->used < n) {
                size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
                c = xmalloc(sizeof(*c) + size);
                c->size = size;
                c->used = 0;
                c->next = a->head;
                a->head = c;
                a->bytes += sizeof(*c) + size;
        }
        void *p = (char *)c->data + c->used;
        c->used += n;
        return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
        void *p = arena_alloc(a, n);
        memset(p, 0, n);
        return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
        char *p = arena_alloc(a, n + 1);
        memcpy(p, s, n);
        p[n] = '\0';
        return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t n, size_t size)
{
        if (n == 0)
                return NULL;
        if (size && n > SIZE_MAX / size)
                oom();
        void *d = arena_alloc(a, n * size);
        memcpy(d, p, n * size);
        return d;
}

void arena_free(struct arena *a)
{
        while (a->head) {
                struct arena_chunk *next = a->head->next;
                free(a->head);
                a->head = next;
        }
        a->bytes = 0;
}
