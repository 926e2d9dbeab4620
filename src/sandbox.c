/* seccomp filter for restore. The image may come from inside an untrusted
 * container; if a parser bug is ever turned into code execution, the process
 * can still only do what a restore does: read, open beneath its cgroup fds,
 * mkdir, rmdir, write and exit. */
#include <seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cgbind/sandbox.h"

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* What restore and its libc use after the sandbox is on. */
static const char *const allowed[] = {
        "read", "write", "writev", "pread64", "lseek", "close", "openat", "openat2", "open",
        "fstat", "newfstatat", "statx", "fstatfs", "statfs", "getdents64", "mkdirat",
        "unlinkat", "rmdir", "flock", "fcntl", "brk", "mmap", "munmap", "mremap", "madvise",
        "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "getpid",
        "gettid", "clock_gettime", "gettimeofday", "time", "getrandom", "futex", "sched_yield",
        "restart_syscall", "fsync", "tgkill", "sendto", "sendmsg", "connect", "getuid",
        "geteuid", "close_range", "mprotect", "readlinkat", "uname",
};

/* What no restore ever needs, and what an attacker would reach for first. */
static const char *const killed[] = {
        "execve", "execveat", "ptrace", "mount", "umount2", "fsopen", "fsmount", "move_mount",
        "open_tree", "pivot_root", "chroot", "setns", "unshare", "clone3", "bpf",
        "init_module", "finit_module", "delete_module", "open_by_handle_at",
        "name_to_handle_at", "process_vm_readv", "process_vm_writev", "kexec_load",
        "kexec_file_load", "keyctl", "add_key", "request_key", "userfaultfd", "perf_event_open",
};

int sandbox_enter(struct cgbind_error *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        int r;

        if (!ctx)
                return cgbind_error_set(err, CGBIND_FAILED, ENOMEM, "sandbox: seccomp_init failed");
        for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
                int nr = seccomp_syscall_resolve_name(allowed[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue; /* not on this architecture */
                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                if (r < 0)
                        return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (%s): %s",
                                                allowed[i], strerror(-r));
        }
        /* syslog(3) may reconnect: a local socket, nothing else */
        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
                             SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (socket): %s",
                                        strerror(-r));
        /* clone for threads would be odd, for processes forbidden: a hook that forks is a hook
         * that can exec later */
        for (size_t i = 0; i < ARRAY_SIZE(killed); i++) {
                int nr = seccomp_syscall_resolve_name(killed[i]);
                if (nr == __NR_SCMP_ERROR)
                        continue;
                r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, nr, 0);
                if (r < 0)
                        return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (%s): %s",
                                                killed[i], strerror(-r));
        }
        r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(fork), 0);
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(vfork), 0);
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 0);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (fork): %s",
                                        strerror(-r));
        /* no_new_privs is what lets an unprivileged process load a filter;
         * as root it also keeps a later exec from gaining anything */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "sandbox (no_new_privs): %s",
                                        strerror(errno));
        r = seccomp_load(ctx);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (seccomp_load): %s",
                                        strerror(-r));
        return 0;
}
