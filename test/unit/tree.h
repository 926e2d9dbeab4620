/* Trees for the unit tests: image nodes by name, and observed trees built
 * by hand beside an image's, through the library's one walk (cg_node_child). */
#pragma once

#include <stdbool.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"

/* n's child named name; NULL when n is NULL or has none. */
const struct cg_node *tree_child(const struct cg_node *n, const char *name);

/* o mirrors n: values all absent, o itself exists or not, every descendant
 * missing. */
void obs_init(struct observed_node *o, const struct cg_node *n, bool exists);

/* The observed node and image node at path ("" the top-level, "a/b"); a
 * path the image does not have bails out. */
struct observed_node *obs_at(struct observed_node *o, const struct cg_node *n, const char *path,
                             const struct cg_node **ret_n);
