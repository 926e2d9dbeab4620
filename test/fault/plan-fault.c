/* plan-fault.so: an LD_PRELOAD shim for test/bats/sandbox.bats (issue 23,
 * the privilege split). No part of cgbind, and cgbind has no switch for it.
 *
 * cgbind's planning child sends its reply to the hook's own process with
 * write(2); the reply begins "cgbind-plan ", "cgbind-fail " or "cgbind-none ".
 * The shim's write() breaks that one write the way PLAN_FAULT says, as a
 * child that a parser bug had turned would, and the test checks that the
 * hook refuses with one line, its status, and nothing changed:
 *   die      the child kills itself (SIGKILL) instead of writing
 *   garbage  it writes something that is not a reply
 *   cut      it writes the first half and says it wrote all
 *   flood    it writes the reply again and again, without end
 *   hang     it never writes and never exits: it sleeps, in futex(2)
 *            (the child's filter allows no nanosleep: one that fails
 *            at once in a loop would be a child that spins)
 *   busy     it spins, runnable all along, for PLAN_BUSY_MS ms of wall
 *            time (a child on a node short of CPU, or one that loops),
 *            then writes the reply unchanged
 *   naps     for PLAN_BUSY_MS ms of wall time it spins 20 ms, then sleeps
 *            250 ms in futex(2), again and again (a child that runs
 *            between short waits: page faults, locks), then writes the
 *            reply unchanged
 *   forge    it replaces the first PLAN_FORGE_FROM in the reply by
 *            PLAN_FORGE_TO (the same length), e.g. a sub-cgroup name
 * Every other write goes through unchanged.
 *
 * With PLAN_CHILD_CGROUP set to a cgroup directory, the shim's fork() puts
 * the planning child there as soon as it exists (in the hook's own process,
 * before that process's sandbox): the test starves the planner alone
 * through that cgroup's CPU quota, a node short of CPU as the kernel makes
 * it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);

static long long busy_ms(void)
{
        const char *ms = getenv("PLAN_BUSY_MS");
        return ms ? atoll(ms) : 0;
}

static long long ms_since(const struct timespec *t0)
{
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* spins, runnable all along, for ms ms of wall time */
static void spin_ms(long long ms)
{
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (ms_since(&t0) < ms)
                ;
}

static int is_reply(const void *buf, size_t n)
{
        static const char *const magics[] = { "cgbind-plan ", "cgbind-fail ", "cgbind-none " };
        for (size_t i = 0; i < 3; i++)
                if (n >= 12 && memcmp(buf, magics[i], 12) == 0)
                        return 1;
        return 0;
}

ssize_t write(int fd, const void *buf, size_t n)
{
        if (!real_write)
                real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
        const char *fault = getenv("PLAN_FAULT");
        if (!fault || !is_reply(buf, n))
                return real_write(fd, buf, n);
        if (strcmp(fault, "die") == 0) {
                raise(SIGKILL);
        } else if (strcmp(fault, "garbage") == 0) {
                static const char g[] = "this is not a plan\n";
                real_write(fd, g, sizeof(g) - 1);
                return (ssize_t)n;
        } else if (strcmp(fault, "cut") == 0) {
                real_write(fd, buf, n / 2);
                return (ssize_t)n;
        } else if (strcmp(fault, "flood") == 0) {
                for (;;)
                        if (real_write(fd, buf, n) < 0)
                                return -1;
        } else if (strcmp(fault, "hang") == 0) {
                static int word;
                for (;;)
                        syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
        } else if (strcmp(fault, "busy") == 0) {
                spin_ms(busy_ms());
        } else if (strcmp(fault, "naps") == 0) {
                static int word;
                const struct timespec nap = { .tv_nsec = 250 * 1000000L };
                struct timespec t0;
                long long want = busy_ms();
                clock_gettime(CLOCK_MONOTONIC, &t0);
                while (ms_since(&t0) < want) {
                        spin_ms(20);
                        syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, &nap, NULL, 0);
                }
        } else if (strcmp(fault, "forge") == 0) {
                const char *from = getenv("PLAN_FORGE_FROM"), *to = getenv("PLAN_FORGE_TO");
                char *copy = malloc(n);
                if (!copy || !from || !to || strlen(from) != strlen(to))
                        abort();
                memcpy(copy, buf, n);
                char *at = memmem(copy, n, from, strlen(from));
                if (at)
                        memcpy(at, to, strlen(to));
                ssize_t r = real_write(fd, copy, n);
                free(copy);
                return r;
        }
        return real_write(fd, buf, n);
}

pid_t fork(void)
{
        static pid_t (*real_fork)(void);
        if (!real_fork)
                real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
        pid_t pid = real_fork();
        const char *cg = getenv("PLAN_CHILD_CGROUP");
        if (pid > 0 && cg && *cg) {
                char path[4096], num[32];
                snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
                int n = snprintf(num, sizeof(num), "%d", (int)pid);
                int fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, num, (size_t)n) != n)
                        abort();
                close(fd);
        }
        return pid;
}
