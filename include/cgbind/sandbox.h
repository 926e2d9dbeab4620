/* The hook's confinement, entered once it holds every file descriptor it
 * needs and before it parses the image (doc/decisions.md, "The sandbox"):
 *  - Landlock (where the kernel has it): files can be read, written, and
 *    directories made and removed only beneath the container's top-level
 *    cgroup directories. No rule on the state directory: its lock and
 *    journal files are opened before, and nothing there is made, opened
 *    anew or removed. Nothing else on the host can be opened or changed.
 *  - seccomp (libseccomp): only the system calls a restore makes; no new
 *    socket or connection, send() only on the syslog socket already
 *    connected, no file created or removed; execve, ptrace, mount, setns,
 * unshare, bpf, module loading and the like kill the process. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgbind/util.h"

/* The most descriptors the read-only policy lets write(2) reach. */
#define SANDBOX_MAX_WRITE_FDS 3

struct sandbox_policy {
        const int *dirs; /* directories to work beneath (the top-level cgroups) */
        size_t n_dirs;
        int syslog_fd; /* the connected syslog socket, or -1 */
        /* The privilege split's parser child: nothing is written at all.
         * Landlock gives only read beneath dirs (and nothing in the state
         * directory); seccomp has no mkdirat, unlinkat or ftruncate, openat
         * only read-only, and write(2) only to write_fds (its pipe, stderr,
         * the log file). */
        bool read_only;
        const int *write_fds;
        size_t n_write_fds;
};

struct sandbox_report {
        int landlock_abi; /* the kernel's Landlock ABI version; 0 when it has none */
        int landlock_errno;
};

int sandbox_enter(const struct sandbox_policy *p, struct sandbox_report *ret,
                  struct cgbind_error *err);

/* Caps the CPU time of this process at seconds (RLIMIT_CPU; lowered only,
 * never raised): an image that makes some stage costly cannot hold a CPU
 * for longer. Set before the sandbox, with or without it. */
int sandbox_limit_cpu(unsigned seconds, struct cgbind_error *err);
