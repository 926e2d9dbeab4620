/* Recording a container's sub-trees into an image. */
#pragma once

#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/util.h"

/* Called for each thing save leaves out (a refused hierarchy, an odd name). */
typedef void (*save_warn_fn)(const char *msg, void *userdata);

/* Walks every usable located hierarchy (dirfd open) and records its sub-cgroups
 * and the allowlisted properties that differ from a new cgroup's. */
int save_image(const struct located *loc, const char *container_id, struct cgbind_image *ret,
               save_warn_fn warn, void *userdata, struct cgbind_error *err);
