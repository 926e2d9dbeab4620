/* What fuzz-plan and fuzz-pipeline share: observed trees made from fuzzer
 * bytes, and the planner's invariants checked on a finished plan. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"

/* The bytes after the image, read one at a time (0 once used up). */
struct fuzz_bytes {
        const uint8_t *p;
        size_t n;
};

uint8_t fuzz_next(struct fuzz_bytes *b);

/* An observed tree in the shape of n: which sub-cgroups exist (some of them
 * made by a killed run: adopted), and current values as a cgroup file could
 * hold them. The top-level (top) always exists and is never adopted. */
void fuzz_build_observed(struct fuzz_bytes *b, const struct cg_node *n, struct observed_node *o,
                         bool top);

/* What a plan was made from: per plan hierarchy index, its image tree, what
 * was observed, where the pid was, and (when known) where its ops begin. */
struct fuzz_plan_input {
        const struct image_hierarchy *const *h;
        const struct observed_node *observed;
        const bool *init_in_top;
        size_t n;
        /* n + 1 entries: the ops of hierarchy i are [first_op[i], first_op[i+1]);
         * NULL: only that each hierarchy's ops are contiguous and in order */
        const size_t *first_op;
};

/* Aborts unless plan keeps every invariant the design rests on: directories
 * hang off an earlier directory of their hierarchy, with valid names; every
 * op works in a directory that exists by then; writes go only to allowlisted
 * files of the hierarchy's version and controllers, with the image's value
 * (or a well-formed subtree_control delta) and an undo that is the observed
 * value; nothing at the top-level but what the options allow; the pid move
 * only on v2, into the image's init; every op prints as one line. */
void fuzz_check_plan(const struct plan *plan, const struct fuzz_plan_input *in,
                     const struct plan_options *opts);

/* A refusal of the planner: one printable line, status 3 or 1 (never 2: the
 * image passed image_validate). */
void fuzz_check_plan_refusal(int r, const struct cgbind_error *err);
