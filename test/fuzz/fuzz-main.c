/* Runs a fuzz target over files and directories of inputs without libFuzzer:
 * the committed corpus becomes a plain regression test (a crash or an
 * invariant's abort() fails it). Prints TAP, one line per input. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#define FUZZ_MAX_INPUT (80u * 1024 * 1024)

static unsigned n_run;

static int run_file(const char *path)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        for (;;) {
                if (!buf) {
                        close(fd);
                        return -1;
                }
                if (len == cap) {
                        if (cap >= FUZZ_MAX_INPUT) {
                                fprintf(stderr, "%s: larger than %u bytes\n", path, FUZZ_MAX_INPUT);
                                free(buf);
                                close(fd);
                                return -1;
                        }
                        cap *= 2;
                        uint8_t *n = realloc(buf, cap);
                        if (!n)
                                free(buf);
                        buf = n;
                        continue;
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        fprintf(stderr, "%s: %s\n", path, strerror(errno));
                        free(buf);
                        close(fd);
                        return -1;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
        }
        close(fd);
        /* an exact-size copy, as libFuzzer hands it over: ASan sees overreads */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
                free(buf);
                return -1;
        }
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        printf("ok %u - %s\n", ++n_run, path);
        fflush(stdout);
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path);

        DIR *d = opendir(path);
        if (!d) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -1;
        }
        char **names = NULL;
        size_t n = 0;
        int r = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                char **nn = realloc(names, (n + 1) * sizeof(*names));
                if (!nn) {
                        r = -1;
                        break;
                }
                names = nn;
                size_t l = strlen(path) + strlen(de->d_name) + 2;
                names[n] = malloc(l);
                if (!names[n]) {
                        r = -1;
                        break;
                }
                snprintf(names[n], l, "%s/%s", path, de->d_name);
                n++;
        }
        closedir(d);
        if (n)
                qsort(names, n, sizeof(*names), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (r >= 0 && run_path(names[i]) < 0)
                        r = -1;
                free(names[i]);
        }
        free(names);
        return r;
}

int main(int argc, char **argv)
{
        int r = 0;
        if (argc < 2) {
                fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
                return 2;
        }
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i]) < 0)
                        r = 1;
        if (n_run == 0) {
                /* an empty corpus is a broken test, not a passing one */
                printf("1..0 # no inputs\n");
                return 1;
        }
        printf("1..%u\n", n_run);
        return r;
}
