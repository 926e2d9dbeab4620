/* The seccomp rule table's interface to its build-time compiler
 * (src/seccomp-gen.c; doc/decisions.md, "The seccomp filter is compiled at
 * build time"). The hook does not link libseccomp: the generator builds the
 * filter with sandbox_seccomp_build() for each shape of policy, exports it
 * as BPF into sandbox-bpf.h, and sandbox_enter() loads that program with
 * the values below put in place of the generator's marks. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgbind/sandbox.h"
#include "cgbind/util.h"

/* What a rule may compare with that is known only at run time. A rule must
 * take such a value from here, never from a call of its own (getpid()): the
 * generator fails when two builds in two processes differ. */
struct sandbox_seccomp_values {
        int syslog_fd; /* or -1: no sendto */
        pid_t pid;     /* the hook's own */
        /* the privilege split's parser child: nothing written but to these
         * (a slot the run does not use holds a number no descriptor has) */
        bool read_only;
        int write_fds[SANDBOX_MAX_WRITE_FDS];
};

#ifdef CGBIND_SECCOMP_GENERATOR
/* A libseccomp filter (scmp_filter_ctx) with every rule, in *ret. */
int sandbox_seccomp_build(const struct sandbox_seccomp_values *p, bool have_landlock, void **ret,
                          struct cgbind_error *err);
#endif
