/* The only code that changes cgroups: reading what exists (observe), carrying
 * out a plan, and undoing it in reverse on failure. Every directory is reached
 * from a top-level directory fd with open_beneath(). Applying and rolling
 * back allocate no memory. */
#pragma once

#include <stdbool.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"
#include "cgbind/util.h"

/* Reads which sub-cgroups of the image exist below top_fd, and the current
 * value of each property the image names for the ones that do. A file that
 * does not exist reads as absent; any other read error fails (status 3),
 * since a write without its old value could not be undone. */
int apply_observe(int top_fd, const char *host_path, const struct cg_node *root,
                  struct observed_node *ret, struct cgbind_error *err);

struct apply_pid {
        pid_t pid;
        int pidfd;
};

/* Sorts pids for apply_ctx (by pid). */
void apply_pids_sort(struct apply_pid *pids, size_t n);

struct apply_ctx {
        const int *top_fds;            /* per hierarchy index of the plan */
        const char *const *host_paths; /* per hierarchy, for messages */
        /* The processes a plan may move, fixed before the sandbox by its
         * caller and checked against the container there (its init and
         * the init's descendants, CRIU, cgbind itself), sorted by pid: an
         * OP_MOVE_PID of any other pid is refused (EPERM). Each with its
         * pidfd (or -1): the pid is written to cgroup.procs only while
         * that process holds it, so a pid reused by another is never moved. */
        const struct apply_pid *pids;
        size_t n_pids;
        /* called before each operation; for the debug log */
        void (*before)(const struct plan *plan, const struct plan_op *op, void *userdata);
        void *userdata;
};

/* Carries out plan. On failure, undoes every completed operation in reverse
 * and returns <0 with err set: status 1 when the undo was complete, 4 (with
 * what is left in the message) when not. */
int apply_plan(const struct plan *plan, const struct apply_ctx *ctx, struct cgbind_error *err);
