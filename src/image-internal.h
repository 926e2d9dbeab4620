/* Shared by the two image parsers (image.c, native; crit.c, CRIU's
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
