/* A plan on the wire, for the privilege split (doc/decisions.md, "The
 * sandbox"): a child with no write at all parses, validates, matches,
 * observes and plans, and sends the plan over a pipe; the parent reads it
 * here and trusts none of it: every directory name is checked by the
 * sub-cgroup name rule, every written file by the allowlist and its value by
 * the file's grammar, every pid against a set fixed before the child ran,
 * every index against the plan's own arrays. Only then does apply run it. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "cgbind/cgname.h"
#include "cgbind/plan.h"
#include "cgbind/util.h"

struct plan_wire_check {
        const enum cg_version *versions; /* of each hierarchy (its index), the parent's own */
        size_t n_hier;
        const pid_t *pids; /* the only pids an OP_MOVE_PID may move (fixed before the child) */
        size_t n_pids;
        size_t max_dirs; /* the caps: what the parent allows, not what the child says */
        size_t max_ops;
};

/* Appends the plan to out. */
void plan_wire_write(const struct plan *plan, struct strbuf *out);

/* Reads a plan written by plan_wire_write from buf (len bytes) and checks
 * it whole; *ret owns every string (plan_free). Status 2 (invalid) and
 * nothing in *ret on any failure. */
int plan_wire_read(const char *buf, size_t len, const struct plan_wire_check *chk, struct plan *ret,
                   struct cgbind_error *err);
