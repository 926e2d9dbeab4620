/* A plan on the wire, for the privilege split (doc/decisions.md, "The
 * sandbox"): a child with no write at all parses, validates, matches,
 * observes and plans, and sends the plan over a pipe; the parent reads it
 * here and trusts none of it: every directory name is checked by the
 * sub-cgroup name rule, every written file by the allowlist and its value by
 * the file's grammar, every pid against a set fixed before the child ran,
 * every index against the plan's own arrays. Only then does apply run it. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgbind/cgname.h"
#include "cgbind/plan.h"
#include "cgbind/util.h"

struct plan_wire_check {
        /* the version of each of the parent's located hierarchies (index
         * as in struct located), 0 for one that must not be written */
        const enum cg_version *versions;
        size_t n_hier;
        const pid_t *pids; /* the only pids an OP_MOVE_PID may move (fixed before the child) */
        size_t n_pids;
        size_t max_dirs; /* the caps: what the parent allows, not what the child says */
        size_t max_ops;
};

/* The plan's hierarchies: a plan_dir's hier is an index into targets, each
 * target the index of a located hierarchy, with its label for messages
 * ("cgroup2", "cpu,cpuacct"; owned by the plan's strings, untrusted). */
struct plan_wire_targets {
        uint32_t *located;
        const char **labels;
        size_t n;
};

void plan_wire_targets_free(struct plan_wire_targets *t);

/* Appends the plan to out: the whole reply of a child that planned. */
void plan_wire_write(const struct plan *plan, const uint32_t *targets, const char *const *labels,
                     size_t n_targets, struct strbuf *out);
/* The reply of a child that refused (its error, status and message) or
 * found nothing to do (--skip-busy). */
void plan_wire_write_failure(const struct cgbind_error *e, struct strbuf *out);
void plan_wire_write_nothing(struct strbuf *out);

/* Reads a child's reply from buf (len bytes). A plan is checked whole;
 * *ret owns every string (plan_free) and *ret_targets its array: returns 0.
 * Nothing to do: returns 1. The child's own refusal: its status (1 to 3,
 * nothing was changed) and its one line, if that is printable ASCII, in
 * err. Anything else: status 2. Nothing in *ret on any failure. */
int plan_wire_read(const char *buf, size_t len, const struct plan_wire_check *chk, struct plan *ret,
                   struct plan_wire_targets *ret_targets, struct cgbind_error *err);
