/* Matching the image's hierarchies to the ones found in the container, also
 * across v1 layouts: an image saved with separate cpu and cpuacct hierarchies
 * restores onto a co-mounted cpu,cpuacct one, and back. */
#pragma once

#include <stdbool.h>

#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/util.h"

struct match_target {
        struct located_hierarchy *located; /* borrowed from the struct located */
        /* the tree to restore there, owned: an image hierarchy moved out of
         * the image, or a merge of the parts of several that land here */
        struct image_hierarchy image;
        char *label;    /* for messages: the image's hierarchies that map here */
        size_t n_nodes; /* sub-cgroups of image */
};

struct match {
        struct match_target *targets;
        size_t n;
        size_t n_nodes;      /* all targets: what the kernel would create after the fan-out */
        struct arena *arena; /* the image's, where a moved tree lives */
};

/* Every controller the image names must be served by a usable located
 * hierarchy, or this fails with status 3 before any change; with
 * skip_missing, warn() is called for each one left out instead. The image is
 * consumed: its trees move into the targets (or are copied, where one image
 * hierarchy spreads over several), and it is left empty. */
typedef void (*match_warn_fn)(const char *msg, void *userdata);
int match_image(struct cgbind_image *img, struct located *loc, bool skip_missing,
                match_warn_fn warn, void *userdata, struct match *ret, struct cgbind_error *err);
void match_free(struct match *m);

/* cgroup v2: the controllers the container's top-level has (its
 * cgroup.controllers: what its parent enabled, for a rootless user what
 * systemd delegated) are all its sub-tree can use. A property of another
 * controller, and that controller in a cgroup.subtree_control, is left out
 * with one warning per hierarchy, or under strict refused (status 3) before
 * any change. */
int match_available(struct match *m, bool strict, match_warn_fn warn, void *userdata,
                    struct cgbind_error *err);

/* Before anything is copied: how many sub-cgroups the image becomes once
 * spread over the located hierarchies (at most: trees that land on one
 * hierarchy count whole), and over how many. For the cap. */
size_t match_count(const struct cgbind_image *img, struct located *loc, size_t *ret_targets);
