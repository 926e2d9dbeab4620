/* The restore pipeline, one way from input to change:
 *   state, config -> container (checked) -> located hierarchies -> sandbox
 *   -> image (parsed, validated) -> converted -> matched (the fan-out capped)
 *   -> locked -> observed -> planned -> applied (or printed: --dry-run).
 * Each stage owns what it returns and hands it on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cgbind/container.h"
#include "cgbind/convert.h"
#include "cgbind/image.h"
#include "cgbind/log.h"
#include "cgbind/match.h"
#include "cgbind/plan.h"
#include "cgbind/util.h"

/* A process its caller found outside the place it must be in (criu.h: a
 * task restored under the checkpointed container's cgroup, CRIU and cgbind
 * in the v2 top-level), named before the sandbox and checked against the
 * container there. The plan moves it (OP_MOVE_PID), after the image is
 * parsed and validated, under the journal and the caps. */
struct restore_move {
        size_t hier; /* the located hierarchy (index in loc) */
        pid_t pid;
        int pidfd;       /* opened before the sandbox, or -1 */
        char *rel;       /* where it goes below the top-level; checked by the planner */
        const char *who; /* for messages: "task", "CRIU", "cgbind" (static) */
        bool may_vanish; /* a task that exited meanwhile is no failure */
        /* rel is NULL: it goes to the image's init cgroup of this hierarchy
         * (known once the image is read); an image that names none, or
         * names the top-level, leaves it where it is */
        bool to_init;
};

/* A container found without an OCI state (CRIU's action script, criu.h):
 * its process opened, its cgroups located and checked, the image opened,
 * the processes to move. restore_run takes them over and leaves them empty. */
struct restore_input {
        struct container ctr;
        struct located loc;
        int image_fd;
        struct restore_move *moves;
        size_t n_moves;
};

void restore_moves_free(struct restore_move *moves, size_t n);

struct restore_options {
        const char *image; /* --image; NULL: the annotation io.cgbind.image */
        /* --image-dir: an annotation's image is opened only beneath it (NULL:
         * the default of whoever runs the hook, image_dir_open in rootless.h) */
        const char *image_dir;
        const char *mode; /* --mode; NULL: the annotation io.cgbind.mode, else soft */
        bool dry_run;
        bool top_level;
        bool skip_missing;
        bool move_init;
        bool sandbox;
        bool convert;   /* an image of the other cgroup version is expected */
        bool skip_busy; /* CRIU holds the v2 top-level: warn and change nothing */
        bool tree_only; /* the cgroups and their subtree_control alone (plan.h) */
        size_t max_image;
        size_t max_cgroups; /* sub-cgroups after the fan-out */
        unsigned timeout_ms;
        int state_fd;                /* where the OCI state comes from (stdin) */
        struct restore_input *input; /* instead of the state: see restore_input */
        FILE *out;                   /* --dry-run's plan */
};

/* The defaults of every option. */
void restore_options_init(struct restore_options *o);

struct restore_result {
        enum restore_mode mode;
        size_t n_mkdirs;
        size_t n_writes;
        size_t n_adopted;
        size_t n_moved; /* processes moved (OP_MOVE_PID) */
        bool changed;   /* anything was done (not a dry run, not mode ignore or none) */
};

int restore_run(const struct restore_options *o, struct cgbind_log *log, struct restore_result *ret,
                struct cgbind_error *err);

/* The pure middle of the pipeline, for tests and fuzzing: an image (consumed)
 * on a located layout, converted and matched with the options' policy, the
 * fan-out capped. */
int restore_match(struct cgbind_image *img, struct located *loc, const struct restore_options *o,
                  enum restore_mode mode, struct cgbind_log *log, struct match *ret,
                  struct cgbind_error *err);

/* Plans every target of m against what was observed (observed[i] for target
 * i; init_in_top[i] and other_procs[i] likewise). */
int restore_plan(const struct match *m, const struct observed_node *observed,
                 const bool *init_in_top, const size_t *other_procs,
                 const struct plan_options *popts, struct plan *ret, struct cgbind_error *err);
