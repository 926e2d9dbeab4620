/* The strict JSON tree (see json.h): yajl events in, one capped tree out. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "cgbind/arena.h"
#include "cgbind/json.h"

/* Every value, string, key and array of one document comes from one arena
 * (arena.h): a 10 000-node image is ~150 000 values, and a malloc (and a
 * free) for each was a third of a restore's user time and most of its peak
 * memory. */

/* The root is the second member: json_free() finds the arena from it. */
struct json_doc {
        struct arena arena;
        struct json root;
};

struct builder {
        struct arena arena;
        struct json_doc *doc;
        const struct json_limits *limits;
        struct json *root;
        struct json *current; /* innermost open array or object */
        struct json **open;   /* the open containers, outermost first */
        size_t n_open;
        char *pending_key; /* key read, value not yet */
        size_t depth;
        size_t nodes;
        char problem[256];
};

void json_free(struct json *j)
{
        if (!j)
                return;
        struct json_doc *doc = (struct json_doc *)((char *)j - offsetof(struct json_doc, root));
        arena_free(&doc->arena);
        free(doc);
}

const char *json_type_name(enum json_type t)
{
        static const char *const names[JSON_TYPE_MAX] = {
                [JSON_NULL] = "null",     [JSON_BOOL] = "boolean",  [JSON_INTEGER] = "integer",
                [JSON_DOUBLE] = "number", [JSON_STRING] = "string", [JSON_ARRAY] = "array",
                [JSON_OBJECT] = "object",
        };
        return t < JSON_TYPE_MAX ? names[t] : "?";
}

const struct json *json_get(const struct json *obj, const char *key)
{
        if (!obj || obj->type != JSON_OBJECT)
                return NULL;
        for (size_t i = 0; i < obj->n_items; i++)
                if (streq(obj->keys[i], key))
                        return obj->items[i];
        return NULL;
}

static int fail(struct builder *b, const char *fmt, ...) _printf_(2, 3);
static int fail(struct builder *b, const char *fmt, ...)
{
        if (!b->problem[0]) {
                va_list ap;
                va_start(ap, fmt);
                cgbind_format_escaped(b->problem, sizeof(b->problem), fmt, ap);
                va_end(ap);
        }
        return 0; /* cancels the yajl parse */
}

static int check_string(struct builder *b, const unsigned char *s, size_t len, const char *what)
{
        if (len > b->limits->max_string)
                return fail(b, "%s longer than the limit", what);
        /* "\u0000" decodes to a NUL byte that C strings would silently cut. */
        if (memchr(s, '\0', len))
                return fail(b, "%s contains a NUL character", what);
        /* yajl lets overlong forms and encoded surrogates through */
        if (utf8_valid_prefix((const char *)s, len) != len)
                return fail(b, "%s is not valid UTF-8", what);
        return 1;
}

/* Attaches a new value to the open container, or makes it the root. */
static struct json *add_value(struct builder *b, enum json_type type)
{
        if (++b->nodes > b->limits->max_nodes) {
                fail(b, "more values than the limit");
                return NULL;
        }
        struct json *c = b->current;
        struct json *v;
        if (!c) {
                if (b->root) {
                        fail(b, "more than one document");
                        return NULL;
                }
                b->doc = xcalloc(1, sizeof(*b->doc));
                v = &b->doc->root;
                v->type = type;
                b->root = v;
                return v;
        }
        v = arena_zalloc(&b->arena, sizeof(*v));
        v->type = type;
        /* the capacity is implicit: 4, then the next power of two */
        if (c->n_items == 0 || (c->n_items >= 4 && (c->n_items & (c->n_items - 1)) == 0)) {
                /* grown in the arena: the old array is left behind, at most as
                 * much again as the final one */
                size_t cap = c->n_items ? (size_t)c->n_items * 2 : 4;
                struct json **items = arena_alloc(&b->arena, cap * sizeof(*items));
                if (c->n_items)
                        memcpy(items, c->items, c->n_items * sizeof(*items));
                c->items = items;
                if (c->type == JSON_OBJECT) {
                        char **keys = arena_alloc(&b->arena, cap * sizeof(*keys));
                        if (c->n_items)
                                memcpy(keys, c->keys, c->n_items * sizeof(*keys));
                        c->keys = keys;
                }
        }
        if (c->type == JSON_OBJECT)
                c->keys[c->n_items] = TAKE_PTR(b->pending_key);
        c->items[c->n_items++] = v;
        return v;
}

static int on_null(void *ctx)
{
        return add_value(ctx, JSON_NULL) != NULL;
}

static int on_boolean(void *ctx, int val)
{
        struct json *v = add_value(ctx, JSON_BOOL);
        if (!v)
                return 0;
        v->boolean = val;
        return 1;
}

static int on_integer(void *ctx, long long val)
{
        struct json *v = add_value(ctx, JSON_INTEGER);
        if (!v)
                return 0;
        v->integer = val;
        return 1;
}

static int on_double(void *ctx, double val)
{
        struct json *v = add_value(ctx, JSON_DOUBLE);
        if (!v)
                return 0;
        v->dbl = val;
        return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        if (!check_string(b, s, len, "a string"))
                return 0;
        struct json *v = add_value(b, JSON_STRING);
        if (!v)
                return 0;
        v->string = arena_strndup(&b->arena, (const char *)s, len);
        v->len = len;
        return 1;
}

static int open_container(struct builder *b, enum json_type type)
{
        if (++b->depth > b->limits->max_depth)
                return fail(b, "nested deeper than the limit");
        struct json *v = add_value(b, type);
        if (!v)
                return 0;
        if (!b->open)
                b->open = xcalloc(b->limits->max_depth + 1, sizeof(*b->open));
        b->open[b->n_open++] = v;
        b->current = v;
        return 1;
}

static int on_start_map(void *ctx)
{
        return open_container(ctx, JSON_OBJECT);
}

static int on_map_key(void *ctx, const unsigned char *s, size_t len)
{
        struct builder *b = ctx;
        if (!check_string(b, s, len, "a key"))
                return 0;
        b->pending_key = arena_strndup(&b->arena, (const char *)s, len);
        return 1;
}

static int cmp_key(const void *x, const void *y)
{
        return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Duplicate keys are found when the object closes, by sorting a copy of its
 * keys: checking each key as it arrives would make a large object quadratic. */
static int check_duplicates(struct builder *b, const struct json *obj)
{
        if (obj->n_items < 2)
                return 1;
        char **keys = xcalloc(obj->n_items, sizeof(*keys));
        memcpy(keys, obj->keys, obj->n_items * sizeof(*keys));
        qsort(keys, obj->n_items, sizeof(*keys), cmp_key);
        int ok = 1;
        for (size_t i = 1; i < obj->n_items && ok; i++)
                if (streq(keys[i - 1], keys[i]))
                        ok = fail(b, "duplicate key \"%s\"", keys[i]);
        free(keys);
        return ok;
}

static int close_container(void *ctx)
{
        struct builder *b = ctx;
        if (b->current->type == JSON_OBJECT && !check_duplicates(b, b->current))
                return 0;
        b->depth--;
        b->n_open--;
        b->current = b->n_open ? b->open[b->n_open - 1] : NULL;
        return 1;
}

static int on_start_array(void *ctx)
{
        return open_container(ctx, JSON_ARRAY);
}

static const yajl_callbacks callbacks = {
        .yajl_null = on_null,
        .yajl_boolean = on_boolean,
        .yajl_integer = on_integer,
        .yajl_double = on_double,
        .yajl_string = on_string,
        .yajl_start_map = on_start_map,
        .yajl_map_key = on_map_key,
        .yajl_end_map = close_container,
        .yajl_start_array = on_start_array,
        .yajl_end_array = close_container,
};

static void yajl_freep(yajl_handle *h)
{
        if (*h)
                yajl_free(*h);
}

yajl_handle json_strict_handle(const yajl_callbacks *cb, void *ctx)
{
        yajl_handle h = yajl_alloc(cb, NULL, ctx);
        if (!h)
                oom();
        yajl_config(h, yajl_allow_comments, 0);
        yajl_config(h, yajl_dont_validate_strings, 0);
        yajl_config(h, yajl_allow_trailing_garbage, 0);
        yajl_config(h, yajl_allow_multiple_values, 0);
        yajl_config(h, yajl_allow_partial_values, 0);
        return h;
}

int json_parse(const char *buf, size_t len, const struct json_limits *limits, struct json **ret,
               struct cgbind_error *err, const char *what)
{
        struct builder b = { .limits = limits };
        _cleanup_(yajl_freep) yajl_handle h = json_strict_handle(&callbacks, &b);

        yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        free(b.open);
        if (st != yajl_status_ok || !b.root) {
                char reason[256];
                if (b.problem[0])
                        snprintf(reason, sizeof(reason), "%s", b.problem);
                else if (len == 0)
                        snprintf(reason, sizeof(reason), "empty input");
                else {
                        unsigned char *e = yajl_get_error(h, 0, (const unsigned char *)buf, len);
                        /* yajl's text, e.g. "invalid bytes in UTF8 string." */
                        snprintf(reason, sizeof(reason), "not valid JSON: %s",
                                 e ? (const char *)e : "parse error");
                        if (e)
                                yajl_free_error(h, e);
                        size_t l = strlen(reason);
                        while (l > 0 && (reason[l - 1] == '\n' || reason[l - 1] == ' ' ||
                                         reason[l - 1] == '.'))
                                reason[--l] = '\0';
                }
                arena_free(&b.arena);
                free(b.doc);
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL, "%s: %s", what, reason);
        }
        b.doc->arena = b.arena;
        *ret = b.root;
        return 0;
}
