/* The planner: image + what exists -> the ordered list of operations, each
 * with its undo. Pure: it reads no file, so dry-run, rollback and the fuzzer's
 * invariant ("nothing outside the container's sub-tree") all rest on it.
 *
 * A plan borrows: directory names, property names and values point into the
 * image trees it was made from, undo values into the observed trees. Both
 * must outlive it. Its size is one small record per directory and per
 * operation, whatever the depth and the length of the names. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cgbind/image.h"
#include "cgbind/util.h"

enum restore_mode {
        MODE_SOFT,
        MODE_FULL,
        MODE_STRICT,
        MODE_PROPS,
        MODE_NONE,
        MODE_IGNORE,
        MODE_MAX,
};

int restore_mode_from_string(const char *s, enum restore_mode *ret);
const char *restore_mode_to_string(enum restore_mode m);

/* What exists below a top-level cgroup, in the shape of the image tree. */
struct observed_node {
        bool exists;
        /* it exists because an earlier run of cgbind made it and was killed
         * before it finished (its journal says so): planned as if created */
        bool adopted;
        char **values;                  /* parallel to the image node's props; NULL where absent */
        struct observed_node *children; /* parallel to the image node's children */
};

void observed_free(struct observed_node *o, const struct cg_node *n);

/* A process the plan moves beneath the top-level before anything else
 * (CRIU's action script, criu.h: the restored tasks of a container
 * restored under another cgroup, CRIU and cgbind leaving the v2
 * top-level). The pid and the path are facts its caller gathered before
 * the sandbox; the planner checks the path like an image's names. */
struct plan_move {
        pid_t pid;
        const char *rel;  /* where it goes below the top-level ("" the top-level) */
        const char *who;  /* for messages: "task", "CRIU", "cgbind" */
        bool may_vanish;  /* a task that exited (ESRCH) is no failure */
        size_t n_exist;   /* observed: the leading components of rel that exist */
        uint64_t adopted; /* observed: bit i, component i was made by a killed run */
};

struct plan_hierarchy_input {
        const struct image_hierarchy *image;
        const struct observed_node *observed; /* for the top-level */
        bool init_in_top;                     /* the container's pid sits in the top-level */
        size_t other_procs_in_top;            /* processes there besides that pid (CRIU) */
        const char *label;                    /* for messages: "memory" or "cgroup2" */
        const struct plan_move *moves;        /* planned first, in this order of paths */
        size_t n_moves;
};

struct plan_options {
        enum restore_mode mode;
        bool top_level;
        bool move_init;
        /* the tree alone: the image's cgroups and the cgroup.subtree_control
         * their children need, no other property (CRIU's action script at
         * post-setup-namespaces, criu.h: post-restore writes the rest) */
        bool tree_only;
        pid_t pid;
        /* sub-cgroups the moves may make beside the image's (what is left
         * of --max-cgroups); beyond it the plan is refused (status 2) */
        size_t max_move_dirs;
};

enum op_kind {
        OP_MKDIR,    /* mkdir name in dir */
        OP_ADOPT,    /* name in dir exists from a killed run: nothing to do, rmdir on undo */
        OP_WRITE,    /* write value to file name in dir */
        OP_MOVE_PID, /* write op->pid to cgroup.procs of dir; undo: back into undo_dir */
        OP_KIND_MAX,
};

#define PLAN_NO_PARENT UINT32_MAX

struct plan_dir {
        uint32_t parent;  /* PLAN_NO_PARENT for a hierarchy's top-level */
        uint32_t hier;    /* index of the hierarchy in the caller's list */
        const char *name; /* NULL for the top-level */
};

struct plan_op {
        enum op_kind kind;
        uint32_t dir;
        uint32_t undo_dir; /* OP_MOVE_PID: where the pid goes back to (its top-level) */
        bool multiline;
        bool may_vanish;   /* OP_MOVE_PID: ESRCH (the process exited) is no failure */
        pid_t pid;         /* OP_MOVE_PID: the process */
        const char *name;  /* OP_MKDIR, OP_ADOPT: the directory; OP_WRITE: the file */
        const char *value; /* OP_WRITE */
        const char *undo;  /* OP_WRITE: what to write back on rollback, NULL when nothing */
};

struct plan {
        struct plan_dir *dirs;
        size_t n_dirs;
        size_t cap_dirs;
        struct plan_op *ops;
        size_t n_ops;
        size_t cap_ops;
        char **strings; /* values the planner computed (subtree_control deltas) */
        size_t n_strings;
        pid_t pid;       /* the container's pid (the hook's init move) */
        size_t n_mkdirs; /* OP_MKDIR operations */
};

/* Appends the operations for one hierarchy (index hier) to plan. A mode that
 * must refuse (strict, props, none) returns an error before any op exists. */
int plan_hierarchy(struct plan *plan, size_t hier, const struct plan_hierarchy_input *in,
                   const struct plan_options *opts, struct cgbind_error *err);

void plan_free(struct plan *plan);

/* Room for dirs directories and ops operations, so that planning does not
 * grow the arrays (an upper bound is fine). */
void plan_reserve(struct plan *plan, size_t dirs, size_t ops);

/* The path of dir below its top-level ("" for the top-level itself) into
 * buf; -ENAMETOOLONG when it does not fit (buf then holds a cut path). */
int plan_dir_path(const struct plan *plan, size_t dir, char *buf, size_t size);

/* A move's path below its top-level, checked as an image's sub-cgroup
 * names are (cgroup_name_valid, at most CGBIND_MAX_DEPTH levels): true, or
 * false with *ret_reason. "" (the top-level itself) is valid. */
bool plan_move_path_valid(const char *rel, const char **ret_reason);

/* An operation, rendered one way wherever it is shown ("mkdir P", "adopt P
 * (made by a cgbind that was stopped)", "write P = \"V\"", "move pid N into
 * P"), escaped; nothing is allocated. */

/* One line for the debug log and for the error of a failed operation: with
 * base (the hierarchy's host path) in front, cut to fit size ("..."). */
void plan_format_op(const struct plan *plan, const struct plan_op *op, const char *base, char *buf,
                    size_t size);

/* The file or directory the operation changes (its cgroup.procs for a move),
 * base in front, cut to fit size: what a failed rollback lists as left. */
void plan_format_op_path(const struct plan *plan, const struct plan_op *op, const char *base,
                         char *buf, size_t size);

/* One line for --dry-run, relative to the top-level, never cut. */
int plan_print_op(const struct plan *plan, const struct plan_op *op, FILE *out);
