/* Shared by the two image parsers (image.c, native; criu-image.c, CRIU's
 * cgroup.img as crit prints it): one declaration, so a changed signature is
 * a compile error, not undefined behaviour. */
#pragma once

#include "cgbind/image.h"
#include "cgbind/json.h"

/* Builds img from a parsed `crit decode` document (magic "CGROUP"). The
 * caller runs image_validate() on the result, as for a native image. */
int image_parse_crit(const struct json *root, struct cgbind_image *img, struct cgbind_error *err);

/* Splits a controller list from an image into canonical form; status-2
 * errors name where. */
int image_controllers(const char *where, char *list, char **ret, struct cgbind_error *err);

/* The streaming native parser (image-native.c): feed the text in pieces.
 * image_native_feed returns IMAGE_STREAM_CRIT when the document turns out to
 * be a CRIU image (its "magic"): the caller reads it whole with criu-image.c. */
#define IMAGE_STREAM_CRIT 1
struct image_stream;
int image_native_begin(struct image_stream **ret, struct cgbind_error *err);
int image_native_feed(struct image_stream *s, const char *buf, size_t len);
int image_native_end(struct image_stream *s, struct cgbind_image *ret);
void image_native_free(struct image_stream *s);
/* The text alone, no tree: valid JSON, one document, and the parser's string,
 * value-count and nesting limits (image_check_written, save's read-back). */
int image_native_lex(const char *buf, size_t len, struct cgbind_error *err);
