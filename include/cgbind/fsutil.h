/* File-system helpers: bounded reads, openat2 beneath a directory, and the
 * checks that a descriptor really is on a cgroup filesystem. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgbind/caps.h"
#include "cgbind/util.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Reads all of fd, at most max bytes; -EFBIG when there is more. The buffer
 * is NUL-terminated (not counted in *ret_len). */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* The same, waiting at most until the deadline for the writer (stdin from a
 * runtime): -ETIMEDOUT when it passes. */
int read_full_fd_until(int fd, size_t max, const struct deadline *d, char **ret, size_t *ret_len);

/* Opens and reads a file (a path, not beneath anything: /proc). */
int read_full_file(const char *path, size_t max, char **ret, size_t *ret_len);

/* Reads a regular file and nothing else: path (relative to dirfd, following
 * symlinks unless nofollow) is first opened O_PATH, which never runs a
 * device's or a FIFO's open, checked with fstat, and only then opened for
 * reading through /proc/self/fd. -ENOTREGULAR when it is not a regular
 * file, -EFBIG past max. */
int read_regular_file(int dirfd, const char *path, bool nofollow, size_t max, char **ret,
                      size_t *ret_len);
/* The same checks, and the descriptor opened for reading (or -errno). */
int open_regular_file(int dirfd, const char *path, bool nofollow, size_t max);
/* The one message for r, a failure of read_regular_file or open_regular_file
 * of an input file limited to max bytes: "WHAT (DIR/NAME): not a regular
 * file", "...: larger than the limit of MAX bytes" or "...: strerror", with
 * status 2 (the file is the caller's input; dir NULL: NAME alone), escaped.
 * Returns r. */
int regular_file_error(struct cgbind_error *err, int r, const char *what, const char *dir,
                       const char *name, size_t max);

/* The same, with path opened beneath dirfd (open_beneath: no "..", no
 * absolute path, no symlink on the way). */
int open_regular_beneath(int dirfd, const char *path, size_t max);

/* Writes path whole or not at all: a temporary file beside it, fsync, rename. */
/* Writes all of buf, again after EINTR and short writes: 0, or -errno
 * (-EIO when a write makes no progress). */
int write_full_fd(int fd, const char *buf, size_t len);

int write_file_atomic(const char *path, const char *buf, size_t len, mode_t mode);

/* Reads a cgroup interface file relative to dirfd, without the trailing newline. */
int cg_read_at(int dirfd, const char *name, char **ret);

/* Writes one value to a cgroup interface file relative to dirfd; a multi-line
 * value is written one line per write(2), as the kernel parses one rule per write. */
int cg_write_at(int dirfd, const char *name, const char *value, bool multiline);
int cg_write_beneath(int dirfd, const char *dir, const char *name, const char *value,
                     bool multiline);
/* The same, and *ret_lines counts the lines that went in before a failure
 * (a multi-line write can fail half-way). */
int cg_write_lines_at(int dirfd, const char *name, const char *value, bool multiline,
                      size_t *ret_lines);
int cg_write_lines_beneath(int dirfd, const char *dir, const char *name, const char *value,
                           bool multiline, size_t *ret_lines);

/* Opens path beneath dirfd: openat2(RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS|NO_XDEV),
 * or a component-by-component walk with O_NOFOLLOW where openat2 is missing.
 * flags as for openat; O_CLOEXEC|O_NOFOLLOW are always added. */
int open_beneath(int dirfd, const char *path, int flags);

/* Forces the fallback walk (tests, and kernels or seccomp profiles without openat2). */
void fsutil_disable_openat2(bool disable);

/* The error read_regular_file() gives for anything but a regular file. */
#define ENOTREGULAR ENOEXEC

/* 0 when fd is on a cgroup (v1) or cgroup2 filesystem, storing which in *ret_v2. */
int fd_cgroup_kind(int fd, bool *ret_v2);
