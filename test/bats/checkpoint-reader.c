/* The workload of checkpoint.bats: reads its own limits in a tight loop and
 * counts the reads that did not see them.
 *
 *   checkpoint-reader STATUS FILE VALUE [FILE VALUE]...
 *
 * Each pass reads every FILE (its cgroup's interface files, seen through the
 * container's /sys/fs/cgroup) and compares it with VALUE. STATUS gets one
 * fixed-size line, rewritten in place: "<passes> <bad passes> <passes since
 * the last bad one>". A checkpoint stops the loop anywhere; after a restore
 * the next pass is the first thing the workload does, so the bad passes
 * after a restore are the window in which it ran without its limits
 * (counted in passes: CLOCK_MONOTONIC is not continuous across a restore).
 * Built static by the test, so that it runs in a busybox rootfs. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t park;

static void on_usr1(int sig)
{
        (void)sig;
        park = 1;
}

static int same(const char *path, const char *want)
{
        char buf[256];
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return 0;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return 0;
        while (n > 0 && buf[n - 1] == '\n')
                n--;
        buf[n] = '\0';
        return strcmp(buf, want) == 0;
}

int main(int argc, char **argv)
{
        if (argc < 4 || argc % 2 != 0) {
                fprintf(stderr, "usage: %s STATUS FILE VALUE [FILE VALUE]...\n", argv[0]);
                return 2;
        }
        int out = open(argv[1], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (out < 0)
                return 1;
        struct sigaction sa = { .sa_handler = on_usr1 };
        sigaction(SIGUSR1, &sa, NULL);
        unsigned long passes = 0, bad = 0, since_bad = 0;
        int parked = 0;
        for (;;) {
                if (park) {
                        struct stat st0, st;
                        parked = 1;
                        if (stat("/sys/fs/cgroup", &st0) < 0)
                                return 1;
                        char line[96];
                        int n = snprintf(line, sizeof(line), "%20lu %20lu %20lu %d\n", passes, bad,
                                         since_bad, parked);
                        if (pwrite(out, line, (size_t)n, 0) != n)
                                return 1;
                        while (stat("/sys/fs/cgroup", &st) == 0 && st.st_ino == st0.st_ino)
                                ;
                        park = 0;
                        parked = 2;
                }
                int ok = 1;
                for (int i = 2; i + 1 < argc; i += 2)
                        ok &= same(argv[i], argv[i + 1]);
                passes++;
                if (ok) {
                        since_bad++;
                } else {
                        bad++;
                        since_bad = 0;
                }
                /* every bad pass is written at once, the rest now and then */
                if (!ok || passes % 64 == 1) {
                        char line[96];
                        int n = snprintf(line, sizeof(line), "%20lu %20lu %20lu %d\n", passes, bad,
                                         since_bad, parked);
                        if (pwrite(out, line, (size_t)n, 0) != n)
                                return 1;
                }
        }
}
