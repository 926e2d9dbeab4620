/* The strict JSON tree (see json.h): yajl events in, one capped tree out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "cgbind/json.h"

struct builder {
        const struct json_limits *limits;
        struct json *root;
        struct json *current; /* innermost open array or object */
        char *pending_key;    /* key read, value not yet */
        size_t depth;
        size_t nodes;
        char problem[256];
};

void json_free(struct json *j)
{
        if (!j)
                return;
        for (size_t i = 0; i < j->n_items; i++) {
                json_free(j->items[i]);
                if (j->keys)
                        free(j->keys[i]);
        }
        free(j->items);
        free(j->keys);
        free(j->string);
        free(j);
}

const char *json_type_name(enum json_type t)
{
        static const char *const names[JSON_TYPE_MAX] = {
                [JSON_NULL] = "null",     [JSON_BOOL] = "boolean", [JSON_INTEGER] = "integer",
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
                char raw[200];
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(raw, sizeof(raw), fmt, ap);
                va_end(ap);
                cgbind_escape(raw, strlen(raw), b->problem, sizeof(b->problem));
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
        struct json *v = calloc(1, sizeof(*v));
        if (!v) {
                fail(b, "out of memory");
                return NULL;
        }
        v->type = type;
        struct json *c = b->current;
        if (!c) {
                if (b->root) {
                        free(v);
                        fail(b, "more than one document");
                        return NULL;
                }
                b->root = v;
                return v;
        }
        if (c->n_items == c->cap_items) {
                size_t cap = c->cap_items ? c->cap_items * 2 : 4;
                struct json **items = realloc(c->items, cap * sizeof(*items));
                if (!items)
                        goto oom;
                c->items = items;
                if (c->type == JSON_OBJECT) {
                        char **keys = realloc(c->keys, cap * sizeof(*keys));
                        if (!keys)
                                goto oom;
                        c->keys = keys;
                }
                c->cap_items = cap;
        }
        if (c->type == JSON_OBJECT)
                c->keys[c->n_items] = TAKE_PTR(b->pending_key);
        c->items[c->n_items++] = v;
        v->parent = c;
        return v;
oom:
        free(v);
        fail(b, "out of memory");
        return NULL;
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
        v->string = xstrndup((const char *)s, len);
        if (!v->string)
                return fail(b, "out of memory");
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
        char *key = xstrndup((const char *)s, len);
        if (!key)
                return fail(b, "out of memory");
        free(b->pending_key);
        b->pending_key = key;
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
        char **keys = malloc(obj->n_items * sizeof(*keys));
        if (!keys)
                return fail(b, "out of memory");
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
        b->current = b->current->parent;
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

int json_parse(const char *buf, size_t len, const struct json_limits *limits, struct json **ret,
               struct cgbind_error *err, const char *what)
{
        struct builder b = { .limits = limits };
        _cleanup_(yajl_freep) yajl_handle h = yajl_alloc(&callbacks, NULL, &b);
        if (!h)
                return cgbind_error_set(err, CGBIND_FAILED, ENOMEM, "%s: out of memory", what);
        /* Defaults are strict already (UTF-8 checked, no comments, one value);
         * say so explicitly so that a yajl default change cannot loosen it. */
        yajl_config(h, yajl_allow_comments, 0);
        yajl_config(h, yajl_dont_validate_strings, 0);
        yajl_config(h, yajl_allow_trailing_garbage, 0);
        yajl_config(h, yajl_allow_multiple_values, 0);
        yajl_config(h, yajl_allow_partial_values, 0);

        yajl_status st = yajl_parse(h, (const unsigned char *)buf, len);
        if (st == yajl_status_ok)
                st = yajl_complete_parse(h);
        free(b.pending_key);
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
                json_free(b.root);
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL, "%s: %s", what, reason);
        }
        *ret = b.root;
        return 0;
}
