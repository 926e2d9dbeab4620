/* Matching the image's hierarchies to the ones found in the container, also
 * across v1 layouts: an image saved with separate cpu and cpuacct hierarchies
 * restores onto a co-mounted cpu,cpuacct one, and back. */
#pragma once

#include <stdbool.h>

#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/util.h"

struct match_target {
        struct located_hierarchy *located;
        /* the tree to restore there: an image hierarchy as it is, or a
         * merge or split of several (owned when owned is true) */
        struct image_hierarchy *image;
        bool owned;
        char *label; /* for messages: the image's controllers that map here */
};

struct match {
        struct match_target *targets;
        size_t n;
};

/* Every controller the image names must be served by a usable located
 * hierarchy, or this fails with status 3 before any change; with
 * skip_missing, warn() is called for each one left out instead. */
typedef void (*match_warn_fn)(const char *msg, void *userdata);
int match_image(const struct cgbind_image *img, struct located *loc, bool skip_missing,
                match_warn_fn warn, void *userdata, struct match *ret, struct cgbind_error *err);
void match_free(struct match *m);
