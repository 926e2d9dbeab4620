/* What cgbind knows about cgroup interface files: the allowlist per cgroup
 * version and controller, each file's value grammar, the order the kernel
 * needs, and the value a new cgroup starts with. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgbind/util.h"

enum cg_version {
        CG_V1 = 1,
        CG_V2 = 2,
};

enum prop_grammar {
        GRAM_INT,         /* integer in [min, max]; flags may add "max" or -1 */
        GRAM_BOOL,        /* 0 or 1 */
        GRAM_CPULIST,     /* "", "0-3,5" */
        GRAM_CPU_MAX,     /* "max" or quota, optionally followed by " period" */
        GRAM_PERCENT,     /* "max" or 0.00 .. 100.00 (uclamp) */
        GRAM_CONTROLLERS, /* v2 controller names separated by spaces */
        GRAM_THREADED,    /* "threaded" */
        GRAM_DEV_VALUE,   /* lines "MAJ:MIN N" (blkio) */
        GRAM_IO_WEIGHT,   /* lines "default N" or "MAJ:MIN N" */
        GRAM_IO_KEYS,     /* lines "MAJ:MIN key=value ..." (io.max, io.latency) */
        GRAM_IFPRIOMAP,   /* lines "ifname N" */
        GRAM_MAX,
};

enum prop_order {
        ORDER_TYPE,    /* v2 cgroup.type: before anything else in the cgroup */
        ORDER_CPUSET,  /* v1 cpuset.cpus and .mems right after mkdir */
        ORDER_EARLY,   /* clone_children, use_hierarchy: before children exist */
        ORDER_MEMORY,  /* v1 memory limit and memsw: ordered against each other */
        ORDER_NORMAL,  /* controller files */
        ORDER_SUBTREE, /* v2 cgroup.subtree_control: before the children's files */
        ORDER_LAST,    /* cgroup.max.*: after the whole tree exists */
        ORDER_MAX,
};

#define PROP_ALLOW_MAX  (1u << 0) /* "max" accepted */
#define PROP_ALLOW_NEG1 (1u << 1) /* -1 accepted (unlimited) */
#define PROP_MULTILINE  (1u << 2) /* one write(2) per line */
#define PROP_RESOURCE   (1u << 3) /* a limit: written on the top-level only with --top-level */
#define PROP_PATTERN    (1u << 4) /* name is "prefix*suffix" with a hugepage size in between */

struct prop_def {
        const char *name;
        enum cg_version version;
        const char *controller; /* NULL: core file of every hierarchy */
        enum prop_grammar grammar;
        int64_t min;
        int64_t max;
        enum prop_order order;
        unsigned flags;
        const char *dflt; /* value in a new cgroup; such values are not saved. NULL: always saved */
};

/* The allowlist entry for name, or NULL when name is not allowed. */
const struct prop_def *prop_lookup(enum cg_version v, const char *name);

/* True for the names DESIGN.md forbids outright (release_agent, tasks, devices.*, ...). */
bool prop_is_forbidden(const char *name);

/* Checks value against the grammar; on success *ret_canonical is the value as
 * cgbind writes it (newly allocated). On failure returns -EINVAL and sets
 * *ret_reason to a static description. */
int prop_check_value(const struct prop_def *def, const char *value, char **ret_canonical,
                     const char **ret_reason);

/* True when a controller list ("cpu,cpuacct" or "cpu memory") has controller. */
bool controller_list_has(const char *list, const char *controller);

/* True when the controller is one cgroup v2 can enable in cgroup.subtree_control. */
bool v2_controller_known(const char *name);

/* Iteration over the allowlist, for save: the entries of version v. */
size_t prop_count(void);
const struct prop_def *prop_at(size_t i);

/* DESIGN's sub-cgroup name rule; reason set on failure. */
bool cgroup_name_valid(const char *name, size_t len, const char **ret_reason);
