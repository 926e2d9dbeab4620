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
 *   hang     it never writes and never exits
 *   forge    it replaces the first PLAN_FORGE_FROM in the reply by
 *            PLAN_FORGE_TO (the same length), e.g. a sub-cgroup name
 * Every other write goes through unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ssize_t (*real_write)(int, const void *, size_t);

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
                for (;;) {
                        struct timespec t = { 0, 100 * 1000 * 1000 };
                        nanosleep(&t, NULL);
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
