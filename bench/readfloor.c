/* bench/readfloor: the cheapest possible save. It lists every directory of a
 * cgroup sub-tree and opens, reads (to end of file) and closes the named
 * property files in each, which is the I/O that `cgbind save` cannot avoid.
 * It builds nothing and writes nothing.
 *
 *   readfloor DIR NAMES [DIR NAMES]...
 *
 * NAMES is a comma-separated list of file names to read in every directory
 * below (and in) DIR, e.g. "cgroup.clone_children,pids.max".
 * Prints "DIRS FILES BYTES" read; exit status 0, 1 on an error. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *names[64];
static size_t n_names;
static unsigned long long n_dirs, n_files, n_bytes;

static int wanted(const char *name)
{
        for (size_t i = 0; i < n_names; i++)
                if (strcmp(name, names[i]) == 0)
                        return 1;
        return 0;
}

static int read_file(int dirfd, const char *name)
{
        char buf[4096];
        int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return 0; /* a file the kernel refuses to read: cgbind skips it too */
        ssize_t k;
        while ((k = read(fd, buf, sizeof(buf))) > 0)
                n_bytes += (unsigned long long)k;
        close(fd);
        n_files++;
        return 0;
}

/* dirfd is an O_RDONLY|O_DIRECTORY fd; it is consumed. */
static int walk(int dirfd)
{
        DIR *d = fdopendir(dirfd);
        if (!d) {
                close(dirfd);
                return -1;
        }
        n_dirs++;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' &&
                    (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
                        continue;
                if (de->d_type == DT_DIR) {
                        int cfd = openat(dirfd, de->d_name,
                                         O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (cfd < 0 || walk(cfd) < 0) {
                                closedir(d);
                                return -1;
                        }
                } else if (de->d_type == DT_REG && wanted(de->d_name)) {
                        read_file(dirfd, de->d_name);
                }
        }
        closedir(d);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc < 3 || argc % 2 == 0) {
                fprintf(stderr, "usage: readfloor DIR NAMES [DIR NAMES]...\n");
                return 2;
        }
        for (int i = 1; i + 1 < argc; i += 2) {
                n_names = 0;
                for (char *s = NULL, *t = strtok_r(argv[i + 1], ",", &s);
                     t && n_names < sizeof(names) / sizeof(names[0]); t = strtok_r(NULL, ",", &s))
                        names[n_names++] = t;
                int fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0 || walk(fd) < 0) {
                        fprintf(stderr, "readfloor: %s: %s\n", argv[i], strerror(errno));
                        return 1;
                }
        }
        printf("%llu %llu %llu\n", n_dirs, n_files, n_bytes);
        return 0;
}
