/* bench/floor: the cheapest possible restore. It reads a pre-computed list
 * of operations and performs exactly those system calls, nothing else:
 *
 *   cd DIR                ->  chdir(DIR)
 *   mkdir PATH            ->  mkdir(PATH, 0755)
 *   write PATH VALUE      ->  open(PATH, O_WRONLY|O_CLOEXEC), write(VALUE), close
 *
 * PATH has no space; relative paths start at the last cd (a hierarchy's
 * top-level cgroup, so that path walks are as short as cgbind's). VALUE is
 * the rest of the line, written without the newline (as cgbind writes it).
 * No parsing beyond splitting lines: the list is what cgbind's planner would
 * produce for the image.
 *
 *   floor OPLIST        (an empty OPLIST measures process start alone)
 *
 * Exit status 0, or 1 at the first failed call (reported on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *read_all(const char *path, size_t *ret_len)
{
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NULL;
        struct stat st;
        if (fstat(fd, &st) < 0) {
                close(fd);
                return NULL;
        }
        char *buf = malloc((size_t)st.st_size + 1);
        size_t len = 0;
        while (buf && len < (size_t)st.st_size) {
                ssize_t k = read(fd, buf + len, (size_t)st.st_size - len);
                if (k <= 0)
                        break;
                len += (size_t)k;
        }
        close(fd);
        if (buf)
                buf[len] = '\0';
        *ret_len = len;
        return buf;
}

int main(int argc, char **argv)
{
        if (argc != 2) {
                fprintf(stderr, "usage: floor OPLIST\n");
                return 2;
        }
        size_t len;
        char *buf = read_all(argv[1], &len);
        if (!buf) {
                fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
                return 2;
        }
        for (char *line = buf; line < buf + len;) {
                char *eol = memchr(line, '\n', (size_t)(buf + len - line));
                if (!eol)
                        eol = buf + len;
                *eol = '\0';
                if (strncmp(line, "cd ", 3) == 0) {
                        if (chdir(line + 3) < 0) {
                                fprintf(stderr, "floor: cd %s: %s\n", line + 3, strerror(errno));
                                return 1;
                        }
                } else if (strncmp(line, "mkdir ", 6) == 0) {
                        if (mkdir(line + 6, 0755) < 0) {
                                fprintf(stderr, "floor: mkdir %s: %s\n", line + 6, strerror(errno));
                                return 1;
                        }
                } else if (strncmp(line, "write ", 6) == 0) {
                        char *path = line + 6, *sp = strchr(path, ' ');
                        if (!sp) {
                                fprintf(stderr, "floor: bad line: %s\n", line);
                                return 2;
                        }
                        *sp = '\0';
                        const char *value = sp + 1;
                        size_t n = (size_t)(eol - value);
                        int fd = open(path, O_WRONLY | O_CLOEXEC);
                        if (fd < 0 || write(fd, value, n) != (ssize_t)n) {
                                fprintf(stderr, "floor: write %s: %s\n", path, strerror(errno));
                                return 1;
                        }
                        close(fd);
                } else if (*line) {
                        fprintf(stderr, "floor: bad line: %s\n", line);
                        return 2;
                }
                line = eol + 1;
        }
        return 0;
}
