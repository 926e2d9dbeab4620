/* The hook's own seccomp filter (libseccomp), loaded once it holds the file
 * descriptors it needs and before it parses the image. */
#pragma once

#include "cgbind/util.h"

/* Only the system calls a restore makes are allowed; execve, ptrace, mount,
 * setns, unshare, bpf, module loading, open_by_handle_at and process_vm_*
 * kill the process; anything else fails with EPERM. */
int sandbox_enter(struct cgbind_error *err);
