/* sandbox-probe.so: an LD_PRELOAD shim for test/bats/sandbox.bats (issue
 * 13, part 2). No part of cgbind, and cgbind has no switch for it: it
 * proves the confinement of the real binary from outside.
 *
 * cgbind runs in two processes (the privilege split): the hook's own, which
 * applies the plan under its write sandbox, and a child it forks to parse
 * the image and plan under a read-only sandbox. The shim's flock(), read()
 * and write() make, on the first call inside a sandbox (the seccomp filter
 * is on; for the --no-sandbox control, PROBE_ANY_FLOCK: the first call at
 * all) in the process PROBE_IN names ("child": the planning child; unset:
 * the hook's own process), the operations an attacker with code execution
 * there would try, after the real call, and report each on stderr as one
 * line:
 *
 *     cgbind-probe: OP ok
 *     cgbind-probe: OP fail ERRNO-NAME
 *
 * with "in-parent" or "in-child" first. What it works on comes from the
 * environment (unset: the operation is left out):
 *   PROBE_OUT       a directory of the test's, outside every cgroup: holds
 *                   "existing" and "victim", "victim2", "victimdir" (made by
 *                   the test); "created", "newdir", "newdir2", "renamed" must
 *                   never appear
 *   PROBE_ROOTFILES host cgroup files to open for writing, ":"-separated
 *                   (release_agent, a root cgroup.procs): opened and closed,
 *                   never written
 *   PROBE_SIBLING   a cgroup beside the container's (another container's)
 *   PROBE_SOCK      a unix stream socket the test listens on
 *   PROBE_TOP       the container's own top-level cgroup (the positive
 *                   controls: read cgroup.procs, make and remove a sub-cgroup;
 *                   and open its cgroup.procs for writing, never written:
 *                   what moves a process, refused to the planning child)
 *   PROBE_VICTIMS   host processes (sleeps the test started), ":"-separated,
 *                   one per way of signalling another process, in the order
 *                   of VICTIM_OPS below: each is sent SIGKILL (or, through
 *                   F_SETOWN, SIGIO, whose default action also ends it)
 *
 * The socket for "connect" is made earlier, when cgbind calls prctl(2)
 * right after it closed the descriptors it inherited and before its
 * sandbox: a descriptor the hook held before, as its syslog socket. At the
 * same point the shim asks the kernel for its Landlock ABI and reports it
 * ("cgbind-probe: kernel-landlock-abi N", 0 when the kernel has none), so
 * the test knows what to expect without taking cgbind's word for it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef F_SETOWN_EX
#define F_SETOWN_EX 15
#define F_OWNER_PID 1
struct f_owner_ex {
        int type;
        pid_t pid;
};
#endif

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

static int early_sock = -1;
static int probed;
static pid_t hook_pid; /* the hook's own process (its first prctl) */

/* made before the sandbox, for the signal probes: a pidfd of one victim,
 * two socket pairs whose readable end can be set to send SIGIO, a file
 * opened read-only (F_SETLEASE) and a directory (F_NOTIFY) outside */
#define N_VICTIMS 8
static pid_t victims[N_VICTIMS];
static int victim_pidfd = -1;
static int sigio_pair[2][2] = { { -1, -1 }, { -1, -1 } };
static int lease_fd = -1, notify_fd = -1;

static void early_signal_fds(void)
{
        const char *v = getenv("PROBE_VICTIMS");
        for (size_t i = 0; v && *v && i < N_VICTIMS; i++) {
                victims[i] = (pid_t)atoi(v);
                v += strcspn(v, ":");
                v += strspn(v, ":");
        }
        if (victims[5] > 0)
                victim_pidfd = (int)syscall(SYS_pidfd_open, victims[5], 0);
        for (int i = 0; i < 2; i++)
                if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sigio_pair[i]) < 0)
                        sigio_pair[i][0] = sigio_pair[i][1] = -1;
        const char *out = getenv("PROBE_OUT");
        if (out) {
                char p[4096];
                snprintf(p, sizeof(p), "%s/leased", out);
                lease_fd = open(p, O_RDONLY | O_CLOEXEC);
                notify_fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
}

static void say(const char *op, int r, int err)
{
        char line[4400];
        int n;
        if (r >= 0)
                n = snprintf(line, sizeof(line), "cgbind-probe: %s ok\n", op);
        else
                n = snprintf(line, sizeof(line), "cgbind-probe: %s fail %s\n", op,
                             strerrorname_np(err) ? strerrorname_np(err) : "?");
        if (n > 0 && write(2, line, (size_t)n) < 0)
                return;
}

/* the call first, errno after it: arguments have no order */
#define TRY(op, call)                                                                              \
        do {                                                                                       \
                int r_ = (call);                                                                   \
                say((op), r_, errno);                                                              \
        } while (0)

static char *path_in(const char *dir, const char *name, char *buf, size_t size)
{
        snprintf(buf, size, "%s/%s", dir, name);
        return buf;
}

/* open for writing, then write what (when not NULL) */
static void try_write(const char *op, const char *path, int flags, const char *what)
{
        int fd = open(path, flags | O_CLOEXEC, 0600);
        if (fd < 0) {
                say(op, -1, errno);
                return;
        }
        int r = 0, e = 0;
        if (what && write(fd, what, strlen(what)) < 0) {
                r = -1;
                e = errno;
        }
        close(fd);
        say(op, r, e);
}

static void try_read(const char *op, const char *path)
{
        char buf[64];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                say(op, -1, errno);
                return;
        }
        ssize_t k = read(fd, buf, sizeof(buf));
        int e = errno;
        close(fd);
        say(op, k < 0 ? -1 : 0, e);
}

static void try_socket(const char *op, int domain, int type)
{
        int fd = socket(domain, type | SOCK_CLOEXEC, 0);
        int e = errno;
        if (fd >= 0)
                close(fd);
        say(op, fd, e);
}

/* SIGIO to the owner of pair[0] once pair[1] writes: the owner is set by
 * F_SETOWN (or F_SETOWN_EX), which is what the probe reports */
static void try_sigio(const char *op, int pair[2], pid_t victim, bool ex)
{
        int r;
        if (ex) {
                struct f_owner_ex owner = { .type = F_OWNER_PID, .pid = victim };
                r = fcntl(pair[0], F_SETOWN_EX, &owner);
        } else {
                r = fcntl(pair[0], F_SETOWN, victim);
        }
        int e = errno;
        if (fcntl(pair[0], F_SETFL, O_ASYNC) == 0 && write(pair[1], "x", 1) < 0)
                e = r < 0 ? e : errno;
        say(op, r, e);
}

static void probe_signals(void)
{
        siginfo_t info = { .si_code = SI_QUEUE, .si_pid = getpid() };
        TRY("kill-host", kill(victims[0], SIGKILL));
        TRY("tkill-host", (int)syscall(SYS_tkill, victims[1], SIGKILL));
        TRY("tgkill-host", (int)syscall(SYS_tgkill, victims[2], victims[2], SIGKILL));
        TRY("rt_sigqueueinfo-host", (int)syscall(SYS_rt_sigqueueinfo, victims[3], SIGKILL, &info));
        TRY("rt_tgsigqueueinfo-host",
            (int)syscall(SYS_rt_tgsigqueueinfo, victims[4], victims[4], SIGKILL, &info));
        TRY("pidfd_send_signal-host",
            (int)syscall(SYS_pidfd_send_signal, victim_pidfd, SIGKILL, NULL, 0));
        try_sigio("fcntl-setown-host", sigio_pair[0], victims[6], false);
        try_sigio("fcntl-setown_ex-host", sigio_pair[1], victims[7], true);
        TRY("fcntl-setsig", fcntl(sigio_pair[0][0], F_SETSIG, SIGKILL));
        TRY("fcntl-setlease", fcntl(lease_fd, F_SETLEASE, F_RDLCK));
        fcntl(lease_fd, F_SETLEASE, F_UNLCK);
        TRY("fcntl-notify", fcntl(notify_fd, F_NOTIFY, DN_MODIFY));
        /* the positive controls: this process itself, as raise() does it,
         * and signal 0 */
        TRY("tgkill-self", (int)syscall(SYS_tgkill, getpid(), (pid_t)syscall(SYS_gettid), 0));
        TRY("kill-self", kill(getpid(), 0));
}

static void probe(void)
{
        const char *out = getenv("PROBE_OUT");
        const char *roots = getenv("PROBE_ROOTFILES");
        const char *sibling = getenv("PROBE_SIBLING");
        const char *sock = getenv("PROBE_SOCK");
        const char *top = getenv("PROBE_TOP");
        char p[4096], q[4096];

        say("probe-start", 0, 0);
        say(getpid() == hook_pid ? "in-parent" : "in-child", 0, 0);
        if (out) {
                /* a new file outside: O_CREAT */
                try_write("create-file", path_in(out, "created", p, sizeof(p)), O_WRONLY | O_CREAT,
                          "pwned\n");
                /* an existing file outside: open for writing, write */
                try_write("write-existing", path_in(out, "existing", p, sizeof(p)), O_WRONLY,
                          "pwned\n");
                /* and with O_TRUNC */
                try_write("truncate-existing", path_in(out, "existing", p, sizeof(p)),
                          O_WRONLY | O_TRUNC, NULL);
                /* read a file outside */
                try_read("read-outside", path_in(out, "existing", p, sizeof(p)));
                /* directories outside: mkdir(2), and mkdirat(2), which the
                 * filter allows for the cgroups */
                TRY("mkdir-outside", mkdir(path_in(out, "newdir", p, sizeof(p)), 0755));
                TRY("mkdirat-outside",
                    mkdirat(AT_FDCWD, path_in(out, "newdir2", p, sizeof(p)), 0755));
                /* remove a file: unlink(2), and unlinkat(2) */
                TRY("unlink-outside", unlink(path_in(out, "victim", p, sizeof(p))));
                TRY("unlinkat-outside",
                    unlinkat(AT_FDCWD, path_in(out, "victim2", p, sizeof(p)), 0));
                TRY("rmdir-outside",
                    unlinkat(AT_FDCWD, path_in(out, "victimdir", p, sizeof(p)), AT_REMOVEDIR));
                TRY("rename-outside", rename(path_in(out, "victim3", p, sizeof(p)),
                                             path_in(out, "renamed", q, sizeof(q))));
        }
        /* the host's root cgroup files (CVE-2022-0492's release_agent):
         * open for writing, then close; never written */
        for (const char *r = roots; r && *r;) {
                size_t l = strcspn(r, ":");
                char op[4200];
                snprintf(p, sizeof(p), "%.*s", (int)l, r);
                snprintf(op, sizeof(op), "open-root-file:%s", p);
                int fd = open(p, O_WRONLY | O_CLOEXEC);
                int e = errno;
                if (fd >= 0)
                        close(fd);
                say(op, fd, e);
                r += l;
                r += strspn(r, ":");
        }
        if (sibling) {
                /* another container's cgroup */
                try_write("write-sibling", path_in(sibling, "pids.max", p, sizeof(p)), O_WRONLY,
                          "7");
                TRY("mkdirat-sibling",
                    mkdirat(AT_FDCWD, path_in(sibling, "evil", p, sizeof(p)), 0755));
        }
        try_socket("socket-unix", AF_UNIX, SOCK_STREAM);
        try_socket("socket-inet", AF_INET, SOCK_STREAM);
        try_socket("socket-inet-udp", AF_INET, SOCK_DGRAM);
        try_socket("socket-netlink", AF_NETLINK, SOCK_RAW);
        if (sock) {
                struct sockaddr_un a = { .sun_family = AF_UNIX };
                snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
                if (early_sock < 0)
                        say("connect-unix", -1, EBADF);
                else
                        TRY("connect-unix", connect(early_sock, (struct sockaddr *)&a, sizeof(a)));
        }
        if (top) {
                /* the positive controls: what a restore does, beneath its own cgroup */
                try_read("read-own", path_in(top, "cgroup.procs", p, sizeof(p)));
                try_write("open-own-procs", path_in(top, "cgroup.procs", p, sizeof(p)), O_WRONLY,
                          NULL);
                TRY("mkdirat-own",
                    mkdirat(AT_FDCWD, path_in(top, "cgbind-probe", p, sizeof(p)), 0755));
                TRY("rmdir-own",
                    unlinkat(AT_FDCWD, path_in(top, "cgbind-probe", p, sizeof(p)), AT_REMOVEDIR));
        }
        if (getenv("PROBE_VICTIMS"))
                probe_signals();
        say("probe-end", 0, 0);
}

/* The hook is in its sandbox: under a seccomp filter, which also answers
 * prctl with EPERM. Asked with the system call itself: this shim's own
 * prctl() is below. */
static int sandboxed(void)
{
        long r = syscall(SYS_prctl, PR_GET_SECCOMP, 0, 0, 0, 0);
        return r == 2 || (r < 0 && errno == EPERM);
}

/* On the first call in a sandbox (or, with PROBE_ANY_FLOCK, at all) in
 * the process PROBE_IN names: after the real call, so that what cgbind
 * writes (its "sandbox:" line) comes first. */
static void maybe_probe(void)
{
        if (probed || hook_pid == 0)
                return;
        const char *in = getenv("PROBE_IN");
        bool want_child = in && strcmp(in, "child") == 0;
        if ((getpid() != hook_pid) != want_child)
                return;
        if (sandboxed() || getenv("PROBE_ANY_FLOCK")) {
                probed = 1;
                int saved = errno;
                probe();
                errno = saved;
        }
}

int flock(int fd, int op)
{
        static int (*real)(int, int);
        if (!real)
                real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
        int r = real(fd, op);
        maybe_probe();
        return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
        static ssize_t (*real)(int, void *, size_t);
        if (!real)
                real = (ssize_t(*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
        ssize_t r = real(fd, buf, n);
        int saved = errno;
        maybe_probe();
        errno = saved;
        return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
        static ssize_t (*real)(int, const void *, size_t);
        if (!real)
                real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
        ssize_t r = real(fd, buf, n);
        int saved = errno;
        maybe_probe();
        errno = saved;
        return r;
}

int prctl(int option, ...)
{
        static int (*real)(int, unsigned long, unsigned long, unsigned long, unsigned long);
        va_list ap;
        va_start(ap, option);
        unsigned long a2 = va_arg(ap, unsigned long), a3 = va_arg(ap, unsigned long);
        unsigned long a4 = va_arg(ap, unsigned long), a5 = va_arg(ap, unsigned long);
        va_end(ap);
        if (!real)
                real = (int (*)(int, unsigned long, unsigned long, unsigned long,
                                unsigned long))dlsym(RTLD_NEXT, "prctl");
        /* cgbind's first prctl comes after it closed what it inherited */
        if (option == PR_SET_DUMPABLE && early_sock < 0) {
                hook_pid = getpid();
                early_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                early_signal_fds();
                long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL /* _VERSION */);
                char line[64];
                int n = snprintf(line, sizeof(line), "cgbind-probe: kernel-landlock-abi %ld\n",
                                 abi < 0 ? 0 : abi);
                if (write(2, line, (size_t)n) < 0)
                        abi = 0;
        }
        return real(option, a2, a3, a4, a5);
}
