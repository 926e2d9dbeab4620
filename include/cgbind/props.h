/* What cgbind knows about cgroup interface files: one table that classifies
 * every writable file a kernel may offer (carried, never written, or not a
 * limit), and for each carried file its value grammar, the order the kernel
 * needs, its counterpart in the other cgroup version and the kernel's rule
 * for the value a new cgroup starts with. cgbind-image(5) is generated from
 * the same table (test/unit/props-table.c, checked by test-props). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgbind/cgname.h"
#include "cgbind/util.h"

enum prop_class {
        PROP_CARRIED,   /* saved, checked against its grammar, restored */
        PROP_NEVER,     /* reaches past the sub-tree, the runtime's business, or an action */
        PROP_NOT_LIMIT, /* writable, but a write leaves no setting behind (resets, triggers) */
        PROP_CLASS_MAX,
};

enum prop_grammar {
        GRAM_NONE,        /* not carried: no value is ever accepted */
        GRAM_INT,         /* integer in [min, max]; flags may add "max" or -1 */
        GRAM_BOOL,        /* 0 or 1 */
        GRAM_CPULIST,     /* "", "0-3,5" */
        GRAM_CPU_MAX,     /* "max" or quota, optionally followed by " period" */
        GRAM_PERCENT,     /* "max" or 0.00 .. 100.00 (uclamp) */
        GRAM_CONTROLLERS, /* v2 controller names separated by spaces */
        GRAM_THREADED,    /* "threaded" */
        GRAM_WORD,        /* one of the words in keys */
        GRAM_DEV_VALUE,   /* lines "MAJ:MIN N" (blkio) */
        GRAM_IO_WEIGHT,   /* lines "default N" or "MAJ:MIN N" */
        GRAM_DEV_KEYS,    /* lines "MAJ:MIN key=N ...", keys in keys (io.max, io.latency) */
        GRAM_NAME_KEYS,   /* lines "NAME key=N ...", keys in keys (rdma.max) */
        GRAM_NAME_VALUE,  /* lines "NAME N" (misc.max, dmem.*) */
        GRAM_IFPRIOMAP,   /* lines "ifname N" */
        GRAM_MAX,
};

enum prop_order {
        ORDER_TYPE,    /* v2 cgroup.type: before anything else in the cgroup */
        ORDER_CPUSET,  /* v1 cpuset.cpus and .mems right after mkdir */
        ORDER_EARLY,   /* before the children exist, and before the files that refine it */
        ORDER_MEMORY,  /* v1 memory limit and memsw: ordered against each other */
        ORDER_RT,      /* v1 cpu.rt_*: parents first when raising, children first when lowering */
        ORDER_NORMAL,  /* controller files */
        ORDER_SUBTREE, /* v2 cgroup.subtree_control: before the children's files */
        ORDER_LAST,    /* cgroup.max.*: after the whole tree exists */
        ORDER_MAX,
};

/* The kernel's rule for what a new cgroup reads: save leaves such values out. */
enum prop_default {
        DFLT_NONE,      /* no rule cgbind can rely on: always saved */
        DFLT_VALUE,     /* dflt, whatever the kernel and its configuration */
        DFLT_UNLIMITED, /* v1 page counter: its maximum, which depends on the (huge) page size */
        DFLT_PARENT,    /* copied from the parent at mkdir (per line for ifpriomap) */
        DFLT_SYSCTL,    /* the value of the sysctl file dflt (a path under /proc/sys) */
        DFLT_LINES,     /* multi-line: a line whose values all read dflt is a default */
        DFLT_MAX,
};

#define PROP_ALLOW_MAX  (1u << 0) /* "max" accepted */
#define PROP_ALLOW_NEG1 (1u << 1) /* -1 accepted (unlimited) */
#define PROP_MULTILINE  (1u << 2) /* one write(2) per line */
#define PROP_RESOURCE   (1u << 3) /* a limit: written on the top-level only with --top-level */
#define PROP_PATTERN    (1u << 4) /* name is "prefix*suffix" with a hugepage size in between */
#define PROP_BYTES      (1u << 5) /* a byte count: cgbind show adds "(100M)" */
#define PROP_ROOT_ONLY  (1u << 6) /* only the hierarchy's root cgroup has it */

struct prop_def {
        const char *name;
        enum cg_version version;
        const char *controller; /* NULL: core file of every hierarchy */
        enum prop_class class;
        enum prop_grammar grammar;
        int64_t min;
        int64_t max;
        enum prop_order order;
        unsigned flags;
        enum prop_default dflt_kind;
        const char *dflt;        /* see enum prop_default */
        const char *keys;        /* GRAM_*_KEYS: the keys; GRAM_WORD: the words (space-separated) */
        const char *counterpart; /* the other cgroup version's file that carries it, or NULL */
        const char *note;        /* carried: what it sets; otherwise why cgbind never writes it */
};

/* The carried (allowlisted) entry for name in version v, or NULL. */
const struct prop_def *prop_lookup(enum cg_version v, const char *name);
/* The entry of any class for name in version v, or NULL when the table does not know it. */
const struct prop_def *prop_classify(enum cg_version v, const char *name);
/* "carried", "never", "not-a-limit" */
const char *prop_class_name(enum prop_class c);

/* True for the names cgbind never writes: DESIGN's never-list (release_agent,
 * tasks, devices.*, ...) and the files that are not limits (resets, triggers). */
bool prop_is_forbidden(const char *name);
/* Why such a name is never written; NULL when it is not forbidden. */
const char *prop_never_reason(const char *name);

/* cgroup v1 prints "unlimited" as the largest page-counter value, rounded
 * down to the page (or huge page) size the counter uses: any value this
 * close to 2^63 is unlimited, whatever the page size. -1 is how it is written. */
#define PROP_V1_UNLIMITED_FLOOR INT64_C(9223372019674906624) /* 2^63 - 16 GiB */
/* "-1", "max" or an integer at or above PROP_V1_UNLIMITED_FLOOR; NULL is unlimited too. */
bool prop_value_is_unlimited(const char *value);
/* True when value is what every new cgroup has, by a rule that needs nothing
 * from the kernel (DFLT_VALUE, DFLT_UNLIMITED). False for the rules that
 * depend on the parent or a sysctl: use prop_value_to_save for those. */
bool prop_is_default(const struct prop_def *def, const char *value);

/* The value as cgbind writes it, from the file's content as the kernel
 * prints it (trailing newline already cut): memory.oom_control reads three
 * lines and is written as its first number. Newly allocated. */
char *prop_from_kernel(const struct prop_def *def, const char *raw);
/* What save records for a file that reads raw: NULL when a new cgroup would
 * read the same (by the file's default rule), else the value to record
 * (newly allocated). inherited: for DFLT_PARENT the parent's content, for
 * DFLT_SYSCTL the sysctl's; NULL when unknown (the value is then recorded). */
char *prop_value_to_save(const struct prop_def *def, const char *raw, const char *inherited);

/* Checks value against the grammar; on success *ret_canonical (when not
 * NULL) is the value as cgbind writes it (newly allocated). On failure returns -EINVAL and sets
 * *ret_reason to a static description. */
int prop_check_value(const struct prop_def *def, const char *value, char **ret_canonical,
                     const char **ret_reason);

/* Iteration over the whole table, every class. */
size_t prop_count(void);
const struct prop_def *prop_at(size_t i);
/* True when name matches def's name (a hugetlb pattern matches every size). */
bool prop_name_matches(const struct prop_def *def, const char *name);

/* DESIGN's sub-cgroup name rule; reason set on failure. */
bool cgroup_name_valid(const char *name, size_t len, const char **ret_reason);
