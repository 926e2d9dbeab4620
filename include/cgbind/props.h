/* What cgbind knows about cgroup interface files: the allowlist per cgroup
 * version and controller, each file's value grammar, the order the kernel
 * needs, and the value a new cgroup starts with. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgbind/cgname.h"
#include "cgbind/util.h"

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
/* Why a forbidden name is never written; NULL when it is not forbidden. */
const char *prop_never_reason(const char *name);

/* cgroup v1 prints "unlimited" as the largest page-counter value, rounded
 * down to the page (or huge page) size the counter uses: any value this
 * close to 2^63 is unlimited, whatever the page size. -1 is how it is written. */
#define PROP_V1_UNLIMITED_FLOOR INT64_C(9223372019674906624) /* 2^63 - 16 GiB */
/* "-1", "max" or an integer at or above PROP_V1_UNLIMITED_FLOOR; NULL is unlimited too. */
bool prop_value_is_unlimited(const char *value);
/* True when value is what a new cgroup has (save leaves such values out). */
bool prop_is_default(const struct prop_def *def, const char *value);

/* Checks value against the grammar; on success *ret_canonical (when not
 * NULL) is the value as cgbind writes it (newly allocated). On failure returns -EINVAL and sets
 * *ret_reason to a static description. */
int prop_check_value(const struct prop_def *def, const char *value, char **ret_canonical,
                     const char **ret_reason);

/* Iteration over the allowlist, for save: the entries of version v. */
size_t prop_count(void);
const struct prop_def *prop_at(size_t i);

/* DESIGN's sub-cgroup name rule; reason set on failure. */
bool cgroup_name_valid(const char *name, size_t len, const char **ret_reason);
