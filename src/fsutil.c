/* Bounded reads, confined opens and cgroup interface file access. */
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "cgbind/fsutil.h"

static bool openat2_disabled;

void fsutil_disable_openat2(bool disable)
{
        openat2_disabled = disable;
}

static int read_loop(int fd, size_t max, const struct deadline *d, char **ret, size_t *ret_len)
{
        size_t cap = 4096, len = 0;
        char *buf = xmalloc(cap + 1);
        for (;;) {
                if (len == cap) {
                        if (cap > max) {
                                free(buf);
                                return -EFBIG;
                        }
                        cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
                        if (cap <= len)
                                cap = len + 1;
                        buf = xrealloc(buf, cap + 1);
                }
                if (d) {
                        struct pollfd pfd = { .fd = fd, .events = POLLIN };
                        int left = deadline_left_ms(d);
                        int p = left ? poll(&pfd, 1, left) : 0;
                        if (p < 0 && errno == EINTR)
                                continue;
                        if (p <= 0) {
                                int e = p == 0 ? ETIMEDOUT : errno;
                                free(buf);
                                return -e;
                        }
                }
                ssize_t k = read(fd, buf + len, cap - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        int e = errno;
                        free(buf);
                        return -e;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > max) {
                        free(buf);
                        return -EFBIG;
                }
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        return read_loop(fd, max, NULL, ret, ret_len);
}

int read_full_fd_until(int fd, size_t max, const struct deadline *d, char **ret, size_t *ret_len)
{
        return read_loop(fd, max, d, ret, ret_len);
}

int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        return read_full_fd(fd, max, ret, ret_len);
}

/* pfd (O_PATH) opened for reading when it is a regular file of at most max
 * bytes: through the same inode, so nothing but that file is opened */
static int reopen_regular(int pfd, size_t max)
{
        struct stat st;
        if (fstat(pfd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOTREGULAR;
        if ((uint64_t)st.st_size > max)
                return -EFBIG;
        char proc[64];
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
        int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        return fd < 0 ? -errno : fd;
}

int open_regular_file(int dirfd, const char *path, bool nofollow, size_t max)
{
        /* O_PATH runs no open of a device or FIFO; only a regular file is
         * opened for reading, and through the same inode */
        _cleanup_close_ int pfd =
                openat(dirfd, path, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
        if (pfd < 0)
                return -errno;
        return reopen_regular(pfd, max);
}

int regular_file_error(struct cgbind_error *err, int r, const char *what, const char *dir,
                       const char *name, size_t max)
{
        char path[CGBIND_MAX_PATH], esc[300], why[64];
        snprintf(path, sizeof(path), "%s%s%s", dir ? dir : "", dir ? "/" : "", name);
        /* the path cut short, not the reason */
        cgbind_escape(path, strlen(path), esc, sizeof(esc));
        if (r == -ENOTREGULAR)
                snprintf(why, sizeof(why), "not a regular file");
        else if (r == -EFBIG)
                snprintf(why, sizeof(why), "larger than the limit of %zu bytes", max);
        else
                snprintf(why, sizeof(why), "%s", strerror(-r));
        cgbind_error_set(err, CGBIND_INVALID, -r, "%s (%s): %s", what, esc, why);
        return r;
}

int open_regular_beneath(int dirfd, const char *path, size_t max)
{
        _cleanup_close_ int pfd = open_beneath(dirfd, path, O_PATH);
        if (pfd < 0)
                return pfd;
        return reopen_regular(pfd, max);
}

int read_regular_file(int dirfd, const char *path, bool nofollow, size_t max, char **ret,
                      size_t *ret_len)
{
        _cleanup_close_ int fd = open_regular_file(dirfd, path, nofollow, max);
        if (fd < 0)
                return fd;
        return read_full_fd(fd, max, ret, ret_len);
}

int write_full_fd(int fd, const char *buf, size_t len)
{
        for (size_t off = 0; off < len;) {
                ssize_t k = write(fd, buf + off, len - off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : -EIO;
                off += (size_t)k;
        }
        return 0;
}

int write_file_atomic(const char *path, const char *buf, size_t len, mode_t mode)
{
        /* temp file beside the target, fsync, rename: a reader sees the old
         * file or the new one, never half of one */
        _cleanup_free_ char *tmp = xmalloc(strlen(path) + 16);
        sprintf(tmp, "%s.tmpXXXXXX", path);
        int fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        int r = write_full_fd(fd, buf, len);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && fsync(fd) < 0)
                r = -errno;
        safe_close(fd);
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        /* make the rename itself durable */
        _cleanup_free_ char *dir = xstrdup(path);
        char *slash = strrchr(dir, '/');
        if (slash)
                *(slash == dir ? slash + 1 : slash) = '\0';
        _cleanup_close_ int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0)
                fsync(dfd);
        return 0;
}

int cg_read_at(int dirfd, const char *name, char **ret)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        char *buf;
        size_t len;
        int r = read_full_fd(fd, CGBIND_MAX_CGROUP_FILE, &buf, &len);
        if (r < 0)
                return r;
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        *ret = buf;
        return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
        /* An empty value still needs a write: "" clears a cpuset list. */
        ssize_t k = write(fd, n ? s : "\n", n ? n : 1);
        if (k < 0)
                return -errno;
        if ((size_t)k != (n ? n : 1))
                return -EIO;
        return 0;
}

static int write_value(int fd, const char *value, bool multiline, size_t *ret_lines);

int cg_write_lines_at(int dirfd, const char *name, const char *value, bool multiline,
                      size_t *ret_lines)
{
        *ret_lines = 0;
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        return write_value(fd, value, multiline, ret_lines);
}

int cg_write_at(int dirfd, const char *name, const char *value, bool multiline)
{
        size_t lines;
        return cg_write_lines_at(dirfd, name, value, multiline, &lines);
}

/* The same for "dir/name" below dirfd, confined like every other open. */
int cg_write_lines_beneath(int dirfd, const char *dir, const char *name, const char *value,
                           bool multiline, size_t *ret_lines)
{
        char path[2 * 256 + 2];
        size_t dl = strlen(dir), nl = strlen(name);
        *ret_lines = 0;
        if (dl + nl + 2 > sizeof(path))
                return -ENAMETOOLONG;
        memcpy(path, dir, dl);
        path[dl] = '/';
        memcpy(path + dl + 1, name, nl + 1);
        _cleanup_close_ int fd = open_beneath(dirfd, path, O_WRONLY);
        if (fd < 0)
                return fd;
        return write_value(fd, value, multiline, ret_lines);
}

int cg_write_beneath(int dirfd, const char *dir, const char *name, const char *value,
                     bool multiline)
{
        size_t lines;
        return cg_write_lines_beneath(dirfd, dir, name, value, multiline, &lines);
}

static int write_value(int fd, const char *value, bool multiline, size_t *ret_lines)
{
        if (!multiline) {
                int r = write_all(fd, value, strlen(value));
                *ret_lines = r >= 0;
                return r;
        }
        if (*value == '\0')
                return 0;
        for (const char *p = value; *p;) {
                size_t l = strcspn(p, "\n");
                int r = write_all(fd, p, l);
                if (r < 0)
                        return r;
                ++*ret_lines;
                p += l;
                if (*p == '\n')
                        p++;
        }
        return 0;
}

/* The fallback walk: one component at a time, never following a symlink,
 * never leaving the file system of dirfd, refusing "." and "..". */
static int walk_beneath(int dirfd, const char *path, int flags)
{
        struct stat root_st;
        if (fstat(dirfd, &root_st) < 0)
                return -errno;
        _cleanup_close_ int cur = -1;
        int at = dirfd;
        const char *p = path;
        while (*p == '/')
                p++;
        if (!*p) {
                int fd = openat(dirfd, ".", flags | O_CLOEXEC);
                return fd < 0 ? -errno : fd;
        }
        while (*p) {
                size_t l = strcspn(p, "/");
                char name[256];
                if (l >= sizeof(name))
                        return -ENAMETOOLONG;
                memcpy(name, p, l);
                name[l] = '\0';
                p += l;
                while (*p == '/')
                        p++;
                if (streq(name, ".") || streq(name, ".."))
                        return -EXDEV;
                bool last = *p == '\0';
                int fl = last ? flags : (O_PATH | O_DIRECTORY);
                int next = openat(at, name, fl | O_CLOEXEC | O_NOFOLLOW);
                if (next < 0)
                        return -errno;
                struct stat st;
                if (fstat(next, &st) < 0 || st.st_dev != root_st.st_dev) {
                        safe_close(next);
                        return -EXDEV;
                }
                safe_close(cur);
                cur = next;
                at = cur;
        }
        return TAKE_FD(cur);
}

int open_beneath(int dirfd, const char *path, int flags)
{
        if (!openat2_disabled) {
                struct open_how how = {
                        .flags = (unsigned long long)(flags | O_CLOEXEC | O_NOFOLLOW),
                        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
                                   RESOLVE_NO_XDEV,
                };
                /* "" means dirfd itself; the fallback below handles "" but refuses "." */
                long fd = syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof(how));
                if (fd >= 0)
                        return (int)fd;
                /* ENOSYS: an old kernel; EPERM: a seccomp profile that blocks it */
                if (errno != ENOSYS && errno != EPERM)
                        return -errno;
        }
        return walk_beneath(dirfd, path, flags);
}

int fd_cgroup_kind(int fd, bool *ret_v2)
{
        struct statfs sfs;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if ((unsigned long)sfs.f_type == CGROUP_SUPER_MAGIC) {
                *ret_v2 = false;
                return 0;
        }
        if ((unsigned long)sfs.f_type == CGROUP2_SUPER_MAGIC) {
                *ret_v2 = true;
                return 0;
        }
        return -EMEDIUMTYPE;
}
