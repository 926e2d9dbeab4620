/* no-openat2 [--errno ENOSYS|EPERM] [--] COMMAND [ARG...]
 *
 * Runs COMMAND with openat2(2) failing, as on a kernel older than 5.6
 * (ENOSYS) or under a container seccomp profile that blocks it (EPERM), so
 * that cgbind takes its component-by-component O_NOFOLLOW walk
 * (src/fsutil.c). crun's tests do the same. Every other system call is left
 * alone; the filter is inherited across exec, so cgbind's own filter stacks
 * on top of it and the stricter answer wins. */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
        fputs("usage: no-openat2 [--errno ENOSYS|EPERM] [--] COMMAND [ARG...]\n", stderr);
        exit(2);
}

int main(int argc, char **argv)
{
        int err = ENOSYS, i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(argv[i], "--errno") != 0 || i + 1 >= argc)
                        usage();
                i++;
                if (strcmp(argv[i], "ENOSYS") == 0)
                        err = ENOSYS;
                else if (strcmp(argv[i], "EPERM") == 0)
                        err = EPERM;
                else
                        usage();
        }
        if (i >= argc)
                usage();

        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx) {
                fputs("no-openat2: seccomp_init failed\n", stderr);
                return 125;
        }
        int r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)err), SCMP_SYS(openat2), 0);
        if (r == 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        if (r < 0) {
                fprintf(stderr, "no-openat2: cannot load the filter: %s\n", strerror(-r));
                return 125;
        }
        execvp(argv[i], argv + i);
        fprintf(stderr, "no-openat2: %s: %s\n", argv[i], strerror(errno));
        return 127;
}
