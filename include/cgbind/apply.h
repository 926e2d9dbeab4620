/* The only code that changes cgroups: reading what exists (observe), carrying
 * out a plan, and undoing it in reverse on failure. Every directory is reached
 * from a top-level directory fd with open_beneath(). */
#pragma once

#include <stdbool.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"
#include "cgbind/util.h"

/* Reads which sub-cgroups of the image exist below top_fd, and the current
 * value of each property the image names for the ones that do. */
int apply_observe(int top_fd, const struct cg_node *root, struct observed_node *ret,
                  struct cgbind_error *err);

struct apply_hooks {
        /* called before each operation; for the debug log */
        void (*before)(const struct plan *plan, const struct plan_op *op, void *userdata);
        void *userdata;
};

/* Carries out plan. top_fds[hier] is the top-level fd of each hierarchy and
 * host_paths[hier] its host path (messages). On failure, undoes every
 * completed operation in reverse and returns <0 with err set: status 1 when
 * the undo was complete, 4 (with what is left in the message) when not. */
int apply_plan(const struct plan *plan, const int *top_fds, const char *const *host_paths,
               const struct apply_hooks *hooks, struct cgbind_error *err);
