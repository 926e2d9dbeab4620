/* The planner: image + what exists -> the ordered list of operations, each
 * with its undo. Pure: it reads no file, so dry-run, rollback and the fuzzer's
 * invariant ("nothing outside the container's sub-tree") all rest on it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
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
        char **values; /* parallel to the image node's props; NULL where absent or unread */
        struct observed_node *children; /* parallel to the image node's children */
};

void observed_free(struct observed_node *o, const struct cg_node *n);

struct plan_hierarchy_input {
        const struct image_hierarchy *image;
        const struct observed_node *observed; /* for the top-level */
        bool init_in_top;                     /* the container's pid sits in the top-level */
        size_t other_procs_in_top;            /* processes there besides that pid (CRIU) */
        const char *label;                    /* for messages: "memory" or "cgroup2" */
};

struct plan_options {
        enum restore_mode mode;
        bool top_level;
        bool move_init;
        pid_t pid;
};

enum op_kind {
        OP_MKDIR,    /* mkdir name in dir */
        OP_WRITE,    /* write value to file name in dir */
        OP_MOVE_PID, /* write pid to cgroup.procs of dir (the hook's one process move) */
        OP_KIND_MAX,
};

#define PLAN_NO_PARENT ((size_t)-1)

struct plan_dir {
        size_t parent; /* PLAN_NO_PARENT for a hierarchy's top-level */
        size_t hier;   /* index of the hierarchy in the caller's list */
        char *name;    /* NULL for the top-level */
        char *rel;     /* path below the top-level, "" for it: messages only */
};

struct plan_op {
        enum op_kind kind;
        size_t dir;
        char *name;  /* OP_MKDIR: the new directory; OP_WRITE: the file */
        char *value; /* OP_WRITE */
        char *undo;  /* OP_WRITE: what to write back on rollback, NULL when nothing */
        size_t undo_dir; /* OP_MOVE_PID: where the pid goes back to */
        bool multiline;
        pid_t pid; /* OP_MOVE_PID */
};

struct plan {
        struct plan_dir *dirs;
        size_t n_dirs;
        size_t cap_dirs;
        struct plan_op *ops;
        size_t n_ops;
        size_t cap_ops;
};

/* Appends the operations for one hierarchy (index hier) to plan. A mode that
 * must refuse (strict, props, none) returns an error before any op exists. */
int plan_hierarchy(struct plan *plan, size_t hier, const struct plan_hierarchy_input *in,
                   const struct plan_options *opts, struct cgbind_error *err);

void plan_free(struct plan *plan);

/* One line per operation, for --dry-run (base NULL: paths relative to the
 * top-level) and the debug log (base: the hierarchy's host path). */
int plan_format_op(const struct plan *plan, const struct plan_op *op, const char *base,
                   struct strbuf *out);
