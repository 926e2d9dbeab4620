/* bench/timer: runs one command and prints its whole-process wall time and
 * peak RSS, so that every contender is measured the same way.
 *
 *   timer [-i STDIN_FILE] [-o STDOUT_FILE] [-a RESULT_FILE] -- COMMAND [ARG...]
 *
 * -a appends the figures to RESULT_FILE (one write) instead of printing them,
 * and exits with the command's status: the timer can stand in for a hook.
 *
 * prints "WALL_US MAXRSS_KIB STATUS CPU_US" on its own stdout; -i and -o redirect the
 * command's stdin and stdout (its stderr is the timer's). The clock starts
 * before fork and stops after wait4, so the figure includes fork, exec,
 * dynamic linking and exit; files are opened before the clock starts. Peak
 * RSS is the child's ru_maxrss from wait4 (KiB on Linux). STATUS is the exit
 * status, or 128+signal. CPU_US is the child's user + system time: on a busy
 * machine it moves less than the wall time. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
        const char *in = NULL, *out = NULL, *append = NULL;
        int c;

        while ((c = getopt(argc, argv, "+i:o:a:")) != -1) {
                switch (c) {
                case 'i':
                        in = optarg;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case 'a':
                        append = optarg;
                        break;
                default:
                        fprintf(stderr,
                                "usage: timer [-i FILE] [-o FILE] [-a FILE] -- CMD [ARG...]\n");
                        return 2;
                }
        }
        if (optind >= argc) {
                fprintf(stderr, "usage: timer [-i FILE] [-o FILE] [-a FILE] -- CMD [ARG...]\n");
                return 2;
        }
        int in_fd = -1, out_fd = -1;
        if (in && (in_fd = open(in, O_RDONLY | O_CLOEXEC)) < 0) {
                fprintf(stderr, "timer: %s: %s\n", in, strerror(errno));
                return 2;
        }
        if (out && (out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
                fprintf(stderr, "timer: %s: %s\n", out, strerror(errno));
                return 2;
        }

        long long t0 = now_ns();
        pid_t pid = fork();
        if (pid < 0) {
                perror("timer: fork");
                return 2;
        }
        if (pid == 0) {
                if (in_fd >= 0)
                        dup2(in_fd, STDIN_FILENO);
                if (out_fd >= 0)
                        dup2(out_fd, STDOUT_FILENO);
                execvp(argv[optind], argv + optind);
                _exit(127);
        }
        int status;
        struct rusage ru;
        while (wait4(pid, &status, 0, &ru) < 0)
                if (errno != EINTR) {
                        perror("timer: wait4");
                        return 2;
                }
        long long t1 = now_ns();

        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        long long cpu_us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
                           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        if (append) {
                char line[128];
                int n = snprintf(line, sizeof(line), "%lld %ld %d %lld\n", (t1 - t0) / 1000,
                                 ru.ru_maxrss, code, cpu_us);
                int fd = open(append, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd < 0 || write(fd, line, (size_t)n) != n)
                        perror("timer: -a");
                if (fd >= 0)
                        close(fd);
                return code;
        }
        printf("%lld %ld %d %lld\n", (t1 - t0) / 1000, ru.ru_maxrss, code, cpu_us);
        return 0;
}
