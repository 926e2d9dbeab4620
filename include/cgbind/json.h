/* A strict JSON document tree built with yajl's event parser.
 *
 * yajl_tree keeps duplicate keys silently, cannot see "\u0000" inside a
 * string, and frees nested values recursively with no depth bound: the state
 * and the image may come from an untrusted container, so this tree refuses
 * all three and caps depth, node count and string length while parsing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <yajl/yajl_parse.h>

#include "cgbind/util.h"

enum json_type {
        JSON_NULL,
        JSON_BOOL,
        JSON_INTEGER,
        JSON_DOUBLE,
        JSON_STRING,
        JSON_ARRAY,
        JSON_OBJECT,
        JSON_TYPE_MAX,
};

struct json {
        enum json_type type;
        bool boolean;
        uint32_t n_items; /* JSON_ARRAY and JSON_OBJECT; 0 for every other type */
        union {
                int64_t integer; /* JSON_INTEGER */
                double dbl;      /* JSON_DOUBLE */
        };
        char *string; /* JSON_STRING: NUL-terminated, never contains NUL */
        size_t len;
        /* JSON_ARRAY and JSON_OBJECT */
        struct json **items;
        char **keys; /* JSON_OBJECT only */
};

struct json_limits {
        size_t max_depth;
        size_t max_nodes;
        size_t max_string; /* bytes of one string or key */
};

/* Parses exactly one JSON document from buf. On error returns -EINVAL (or
 * -ENOMEM), leaves *ret untouched and describes the problem in err. */
int json_parse(const char *buf, size_t len, const struct json_limits *limits, struct json **ret,
               struct cgbind_error *err, const char *what);

void json_free(struct json *j);
static inline void json_freep(struct json **j)
{
        json_free(*j);
}

/* Object member by key, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
const char *json_type_name(enum json_type t);

/* A yajl parser as every reader of cgbind uses one: strict JSON (strings
 * checked as UTF-8, no comments, one complete document, nothing after it),
 * said explicitly so that a change of yajl's defaults cannot loosen it.
 * Ends the process when out of memory. */
yajl_handle json_strict_handle(const yajl_callbacks *cb, void *ctx);
