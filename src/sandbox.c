/* Landlock for the paths, seccomp for the system calls (see sandbox.h). The
 * image may come from inside an untrusted container: if a parser bug were
 * ever turned into code execution, the process could still only do what a
 * restore does, beneath the container's own cgroups. */
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "cgbind/sandbox.h"
#include "src/sandbox-seccomp.h"

#ifdef CGBIND_SECCOMP_GENERATOR
#include <seccomp.h>
#else

/* ---- Landlock ---- */

/* newer than some headers */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define LL_NET_BIND_TCP        (1ULL << 0)
#define LL_NET_CONNECT_TCP     (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)

/* landlock_ruleset_attr as of ABI 6; the kernel is told how much of it it gets */
struct ll_ruleset_attr {
        uint64_t handled_access_fs;
        uint64_t handled_access_net;
        uint64_t scoped;
};

static uint64_t fs_rights(int abi)
{
        uint64_t all = (1ULL << 13) - 1; /* ABI 1: execute .. make_sym */
        if (abi >= 2)
                all |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                all |= LANDLOCK_ACCESS_FS_TRUNCATE;
        if (abi >= 5)
                all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
        return all;
}

static int landlock(const struct sandbox_policy *p, struct sandbox_report *rep,
                    struct cgbind_error *err)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 0) {
                /* ENOSYS: before 5.13; EOPNOTSUPP: built in, not enabled */
                rep->landlock_abi = 0;
                rep->landlock_errno = errno;
                return 0;
        }
        rep->landlock_abi = (int)abi;
        struct ll_ruleset_attr attr = { .handled_access_fs = fs_rights((int)abi) };
        size_t attr_size = sizeof(uint64_t);
        if (abi >= 4) {
                /* no TCP at all: the hook never binds or connects */
                attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
                attr_size = 2 * sizeof(uint64_t);
        }
        if (abi >= 6) {
                /* no abstract unix sockets outside; signals stay, for the
                 * pidfd liveness check of the container's process */
                attr.scoped = LL_SCOPE_ABSTRACT_UNIX;
                attr_size = 3 * sizeof(uint64_t);
        }
        _cleanup_close_ int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
        if (rs < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno,
                                        "sandbox (landlock_create_ruleset): %s", strerror(errno));
        const uint64_t cgroup_rights =
                p->read_only ? LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR
                             : LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                                       LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR |
                                       LANDLOCK_ACCESS_FS_REMOVE_DIR;
        for (size_t i = 0; i <= p->n_dirs; i++) {
                struct landlock_path_beneath_attr rule = { 0 };
                if (i < p->n_dirs) {
                        rule.parent_fd = p->dirs[i];
                        rule.allowed_access = cgroup_rights;
                } else {
                        /* (no rule on the state directory: its files were
                         * opened before, and nothing in it is made, read
                         * anew or removed from here) */
                        break;
                }
                if (syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) < 0)
                        return cgbind_error_set(err, CGBIND_FAILED, errno,
                                                "sandbox (landlock_add_rule): %s", strerror(errno));
        }
        if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno,
                                        "sandbox (landlock_restrict_self): %s", strerror(errno));
        return 0;
}

#endif /* !CGBIND_SECCOMP_GENERATOR */

/* ---- seccomp ---- */

#ifdef CGBIND_SECCOMP_GENERATOR
/* The rule table: compiled into BPF at build time by src/seccomp-gen.c,
 * which calls sandbox_seccomp_build() (sandbox-seccomp.h); the hook loads
 * the result (sandbox_enter() below). */

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
}

/* What restore and its libc use after the sandbox is on. open(2), rmdir(2)
 * and the other calls that take a path from the current directory are not
 * here: every path is reached from a held directory fd. */
static const char *const allowed[] = {
        "read",           "write",
        "writev",         "pread64",
        "lseek",          "close",
        "fstat",          "newfstatat",
        "statx",          "getdents64",
        "mkdirat",        "flock",
        "ftruncate",      "brk",
        "mmap",           "munmap",
        "mremap",         "madvise",
        "mprotect",       "exit",
        "exit_group",     "rt_sigreturn",
        "rt_sigprocmask", "rt_sigaction",
        "setitimer",      "getpid",
        "gettid",         "clock_gettime",
        "gettimeofday",   "time",
        "getrandom",      "futex",
        "sched_yield",    "restart_syscall",
};

/* The fcntl commands libc and the hook use. Not F_SETOWN, F_SETOWN_EX or
 * F_SETSIG (SIGIO, or any signal, to a process the caller names), not
 * F_SETLEASE (a host file's next opener would wait, and a signal goes out)
 * nor F_NOTIFY (signals on a directory's changes); no lock commands
 * either: the locks are flock(2), and F_SETLKW could wait without bound. */
static const int fcntl_allowed[] = {
        F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_DUPFD_CLOEXEC,
};

/* Calls that send a signal to a process the caller names by number. Only
 * this process itself: glibc's raise() and abort() are tgkill(getpid(),
 * gettid(), sig); the hook has one thread (clone is killed), so its tid is
 * its pid. kill(2) also takes 0 or a negative number for a process group,
 * and -1 for every process: all refused, as any other pid. */
static const char *const signal_self[] = {
        "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
};

/* What no restore ever needs, and what an attacker would reach for first. */
static const char *const killed[] = {
        "execve",
        "execveat",
        "ptrace",
        "mount",
        "umount2",
        "fsopen",
        "fsmount",
        "move_mount",
        "open_tree",
        "pivot_root",
        "chroot",
        "setns",
        "unshare",
        "clone3",
        "bpf",
        "init_module",
        "finit_module",
        "delete_module",
        "open_by_handle_at",
        "name_to_handle_at",
        "process_vm_readv",
        "process_vm_writev",
        "kexec_load",
        "kexec_file_load",
        "keyctl",
        "add_key",
        "request_key",
        "userfaultfd",
        "perf_event_open",
        "fork",
        "vfork",
        "clone",
};

/* what the read-only policy leaves out of the allowlist */
static bool is_write_call(const char *name)
{
        return streq(name, "write") || streq(name, "writev") || streq(name, "mkdirat") ||
               streq(name, "ftruncate");
}

static int rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                const struct scmp_arg_cmp *args, struct cgbind_error *err)
{
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR)
                return 0; /* not on this architecture */
        int r = seccomp_rule_add_array(ctx, action, nr, n, args);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "sandbox (%s): %s", name,
                                        strerror(-r));
        return 0;
}

int sandbox_seccomp_build(const struct sandbox_seccomp_values *p, bool have_landlock, void **ret,
                          struct cgbind_error *err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
        int r = 0;

        if (!ctx)
                oom();
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(allowed); i++)
                if (!p->read_only || !is_write_call(allowed[i]))
                        r = rule(ctx, SCMP_ACT_ALLOW, allowed[i], 0, NULL, err);
        /* read-only: write(2) to the descriptors named, nothing else */
        for (size_t i = 0; r >= 0 && p->read_only && i < 2 * SANDBOX_MAX_WRITE_FDS; i++) {
                const struct scmp_arg_cmp fd[] = {
                        SCMP_A0(SCMP_CMP_EQ, (uint64_t)p->write_fds[i / 2]),
                };
                r = rule(ctx, SCMP_ACT_ALLOW, i % 2 ? "writev" : "write", 1, fd, err);
        }
        /* openat never creates or truncates: the hook only writes cgroup
         * files that exist, and its own files were opened before; read-only,
         * it opens nothing for writing */
        const struct scmp_arg_cmp no_create[] = {
                SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT | O_TRUNC, 0),
        };
        const struct scmp_arg_cmp read_only[] = {
                SCMP_A2(SCMP_CMP_MASKED_EQ, O_CREAT | O_TRUNC | O_ACCMODE, O_RDONLY),
        };
        if (r >= 0)
                r = rule(ctx, SCMP_ACT_ALLOW, "openat", 1, p->read_only ? read_only : no_create,
                         err);
        if (p->read_only)
                goto signals;
        /* openat2 hides its flags from seccomp in a struct: only where
         * Landlock confines the paths anyway. Without it, open_beneath()
         * gets EPERM and walks with openat. */
        if (r >= 0 && have_landlock)
                r = rule(ctx, SCMP_ACT_ALLOW, "openat2", 0, NULL, err);
        /* unlinkat removes cgroup directories (a rollback), never a file */
        const struct scmp_arg_cmp rmdir_only[] = { SCMP_A2(SCMP_CMP_EQ, AT_REMOVEDIR) };
        if (r >= 0)
                r = rule(ctx, SCMP_ACT_ALLOW, "unlinkat", 1, rmdir_only, err);
      signals:
        /* openat2 hides its flags: read-only only where Landlock gives no
         * write anywhere */
        if (r >= 0 && have_landlock && p->read_only)
                r = rule(ctx, SCMP_ACT_ALLOW, "openat2", 0, NULL, err);
        /* signals: the first argument is this process, nothing else (the
         * comparison is on all 64 bits: a pid with bits set above the int
         * the kernel reads does not match) */
        const struct scmp_arg_cmp self[] = { SCMP_A0(SCMP_CMP_EQ, (uint64_t)p->pid) };
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(signal_self); i++)
                r = rule(ctx, SCMP_ACT_ALLOW, signal_self[i], 1, self, err);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(fcntl_allowed); i++) {
                const struct scmp_arg_cmp cmd[] = {
                        SCMP_A1(SCMP_CMP_EQ, (uint64_t)fcntl_allowed[i]),
                };
                r = rule(ctx, SCMP_ACT_ALLOW, "fcntl", 1, cmd, err);
        }
        /* only the liveness check of the container's process: signal 0 */
        const struct scmp_arg_cmp sig0[] = { SCMP_A1(SCMP_CMP_EQ, 0) };
        if (r >= 0)
                r = rule(ctx, SCMP_ACT_ALLOW, "pidfd_send_signal", 1, sig0, err);
        /* syslog goes to the socket connected before: no other, no new one */
        if (r >= 0 && p->syslog_fd >= 0) {
                const struct scmp_arg_cmp fd[] = { SCMP_A0(SCMP_CMP_EQ, (uint64_t)p->syslog_fd) };
                r = rule(ctx, SCMP_ACT_ALLOW, "sendto", 1, fd, err);
        }
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(killed); i++)
                r = rule(ctx, SCMP_ACT_KILL_PROCESS, killed[i], 0, NULL, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ctx);
        return 0;
}

#else

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "sandbox-bpf.h"

/* The program built for this policy's shape, with the run-time values in
 * place of the generator's marks, loaded as libseccomp's seccomp_load()
 * would (no_new_privs is set already): what the kernel charges is the
 * whole cost. */
static int seccomp(const struct sandbox_policy *p, bool have_landlock, struct cgbind_error *err)
{
        if (p->read_only && p->n_write_fds > SANDBOX_MAX_WRITE_FDS)
                return cgbind_error_set(err, CGBIND_FAILED, E2BIG,
                                        "sandbox (seccomp): more than %d descriptors to write",
                                        SANDBOX_MAX_WRITE_FDS);
        size_t v = (have_landlock ? 1 : 0) | (p->syslog_fd >= 0 ? 2 : 0) | (p->read_only ? 4 : 0);
        struct sock_filter prog[CGBIND_BPF_MAX_LEN];
        size_t len = cgbind_bpf[v].len;
        memcpy(prog, cgbind_bpf[v].prog, len * sizeof(*prog));
        for (size_t i = 0; i < len; i++) {
                if (prog[i].code != (BPF_JMP | BPF_JEQ | BPF_K))
                        continue;
                if (prog[i].k == CGBIND_BPF_MARK_SYSLOG_FD)
                        prog[i].k = (uint32_t)p->syslog_fd;
                else if (prog[i].k == CGBIND_BPF_MARK_PID)
                        prog[i].k = (uint32_t)getpid();
                else if (prog[i].k >= CGBIND_BPF_MARK_WRITE_FD &&
                         prog[i].k < CGBIND_BPF_MARK_WRITE_FD + SANDBOX_MAX_WRITE_FDS) {
                        size_t slot = prog[i].k - CGBIND_BPF_MARK_WRITE_FD;
                        /* an unused slot: no descriptor has that number */
                        prog[i].k =
                                slot < p->n_write_fds ? (uint32_t)p->write_fds[slot] : UINT32_MAX;
                }
        }
        struct sock_fprog fprog = { .len = (unsigned short)len, .filter = prog };
        long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
        if (r < 0 && errno == ENOSYS)
                r = prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "sandbox (seccomp): %s",
                                        strerror(errno));
        return 0;
}

int sandbox_enter(const struct sandbox_policy *p, struct sandbox_report *ret,
                  struct cgbind_error *err)
{
        struct sandbox_report rep = { 0 };
        /* no_new_privs is what lets a process restrict itself; as root it also
         * keeps a later exec from gaining anything */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "sandbox (no_new_privs): %s",
                                        strerror(errno));
        int r = landlock(p, &rep, err);
        if (r >= 0)
                r = seccomp(p, rep.landlock_abi > 0, err);
        if (r < 0)
                return r;
        if (ret)
                *ret = rep;
        return 0;
}

int sandbox_limit_cpu(unsigned seconds, struct cgbind_error *err)
{
        struct rlimit cur;
        if (getrlimit(RLIMIT_CPU, &cur) < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "CPU limit (getrlimit): %s",
                                        strerror(errno));
        /* the CPU time used so far counts: the limit is on the whole run.
         * SIGXCPU at the soft limit, SIGKILL one second later */
        rlim_t soft = seconds, hard = (rlim_t)seconds + 1;
        if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < hard)
                hard = cur.rlim_max;
        if (soft > hard)
                soft = hard;
        if (cur.rlim_cur != RLIM_INFINITY && cur.rlim_cur < soft)
                soft = cur.rlim_cur;
        struct rlimit lim = { .rlim_cur = soft, .rlim_max = hard };
        if (setrlimit(RLIMIT_CPU, &lim) < 0)
                return cgbind_error_set(err, CGBIND_FAILED, errno, "CPU limit (setrlimit): %s",
                                        strerror(errno));
        return 0;
}

#endif /* CGBIND_SECCOMP_GENERATOR */
