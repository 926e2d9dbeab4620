/* Running without root on the host (see rootless.h). The kernel already
 * keeps an unprivileged hook out of what is not the user's; these checks
 * make it refuse up front, with one line, what another user could have
 * planted: a state directory, an image, a cgroup not delegated to the user. */
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "config.h"

#include "cgbind/fsutil.h"
#include "cgbind/rootless.h"

int identity_from_uid_map(const char *buf, size_t len, uid_t euid, struct cgbind_identity *ret)
{
        _cleanup_free_ char *copy = xmalloc(len + 1);
        memcpy(copy, buf, len);
        copy[len] = '\0';
        bool identity = false, found = false;
        size_t lines = 0;
        uid_t host = 0;
        for (char *s = NULL, *l = strtok_r(copy, "\n", &s); l; l = strtok_r(NULL, "\n", &s)) {
                unsigned long long in, out, count;
                if (sscanf(l, "%llu %llu %llu", &in, &out, &count) != 3)
                        return -EINVAL;
                lines++;
                /* the initial namespace's map, and a copy of it: all of it */
                if (in == 0 && out == 0 && count == 4294967295ULL)
                        identity = true;
                if (!found && euid >= in && euid - in < count) {
                        found = true;
                        host = (uid_t)(out + (euid - in));
                }
        }
        if (!found)
                return -EINVAL; /* the kernel always maps the process's own uid */
        bool userns = !(identity && lines == 1);
        *ret = (struct cgbind_identity){
                .rootless = host != 0,
                .userns = userns,
                .uid = euid,
                .host_uid = host,
        };
        return 0;
}

int identity_read(struct cgbind_identity *ret, struct cgbind_error *err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r = read_full_file("/proc/self/uid_map", 64 * 1024, &buf, &len);
        if (r >= 0)
                r = identity_from_uid_map(buf, len, geteuid(), ret);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                        "identity (/proc/self/uid_map): %s", strerror(-r));
        return 0;
}

/* The user's directory: theirs, and no one else may write into it. */
static bool users_dir(const struct cgbind_identity *id, int fd, mode_t forbidden)
{
        struct stat st;
        return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == id->uid &&
               !(st.st_mode & forbidden);
}

int rootless_state_dir(const struct cgbind_identity *id, bool readonly, char *ret_path, size_t size,
                       struct cgbind_error *err)
{
        /* runc and crun run a hook with the hook's own environment only: the
         * runtime directory is then the one systemd-logind makes */
        char base[512];
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        if (xdg && *xdg)
                snprintf(base, sizeof(base), "%s", xdg);
        else
                snprintf(base, sizeof(base), "/run/user/%u", (unsigned)id->host_uid);
        char esc[600];
        cgbind_escape(base, strlen(base), esc, sizeof(esc));
        snprintf(ret_path, size, "%s/cgbind", esc);
        if (base[0] != '/' || strlen(base) > 400)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EINVAL,
                                        "state (%s): XDG_RUNTIME_DIR is not an absolute path of "
                                        "at most 400 bytes",
                                        esc);
        _cleanup_close_ int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno,
                                        "state (%s): %s; rootless, the state lives in the user's "
                                        "XDG_RUNTIME_DIR (loginctl enable-linger)",
                                        esc, strerror(errno));
        /* another user's directory, or one anyone may write (/tmp): whoever
         * can write there could hold the lock or forge a journal */
        if (!users_dir(id, bfd, 022))
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "state (%s): not a directory of uid %u's that only it may "
                                        "write (rootless: the user's XDG_RUNTIME_DIR)",
                                        esc, (unsigned)id->host_uid);
        if (!readonly && mkdirat(bfd, "cgbind", 0700) < 0 && errno != EEXIST)
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno, "state (%s): %s", ret_path,
                                        strerror(errno));
        int fd = openat(bfd, "cgbind", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (readonly && errno == ENOENT)
                        return -ENOENT; /* a dry run, and no restore ever ran */
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno, "state (%s): %s", ret_path,
                                        strerror(errno));
        }
        if (!users_dir(id, fd, 077)) {
                safe_close(fd);
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "state (%s): not a directory of uid %u's with mode 0700",
                                        ret_path, (unsigned)id->host_uid);
        }
        return fd;
}

bool identity_trusts(const struct cgbind_identity *id, const struct stat *st)
{
        /* In a user namespace root's files show as the overflow uid, like
         * every other user's: only the user's own can be told apart there. */
        bool owner_ok = st->st_uid == id->uid || (id->rootless && !id->userns && st->st_uid == 0);
        return owner_ok && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int rootless_image_dir_path(const char *pw_dir, char *ret, size_t size)
{
        if (!pw_dir || pw_dir[0] != '/')
                return -EINVAL;
        size_t len = strlen(pw_dir);
        while (len > 1 && pw_dir[len - 1] == '/')
                len--;
        if (len == 1)
                len = 0; /* "/": the directory is /.local/share/cgbind */
        static const char below[] = "/.local/share/cgbind";
        if (len + sizeof(below) > size)
                return -ENAMETOOLONG;
        memcpy(ret, pw_dir, len);
        memcpy(ret + len, below, sizeof(below));
        return 0;
}

/* The home directory of the host uid's passwd entry, as
 * <home>/.local/share/cgbind in ret. */
static int rootless_image_dir(const struct cgbind_identity *id, char *ret, size_t size,
                              struct cgbind_error *err)
{
        struct passwd pw, *found = NULL;
        size_t bufsize = 16 * 1024;
        _cleanup_free_ char *buf = NULL;
        int k;
        /* a long entry (many groups are not in it, but a long GECOS or
         * home is possible): grow up to 1 MiB */
        for (;;) {
                free(buf);
                buf = xmalloc(bufsize);
                k = getpwuid_r(id->host_uid, &pw, buf, bufsize, &found);
                if (k != ERANGE || bufsize >= 1024 * 1024)
                        break;
                bufsize *= 4;
        }
        snprintf(ret, size, "~/.local/share/cgbind");
        if (!found)
                return cgbind_error_set(err, CGBIND_PRECONDITION, k ? k : ENOENT,
                                        "image directory (~/.local/share/cgbind): uid %u has no "
                                        "passwd entry to find its home directory in (%s); give "
                                        "--image-dir",
                                        (unsigned)id->host_uid, k ? strerror(k) : "none found");
        k = rootless_image_dir_path(found->pw_dir, ret, size);
        if (k < 0) {
                char esc[300];
                cgbind_escape(found->pw_dir, strlen(found->pw_dir), esc, sizeof(esc));
                snprintf(ret, size, "~/.local/share/cgbind");
                return cgbind_error_set(err, CGBIND_PRECONDITION, -k,
                                        "image directory (~/.local/share/cgbind): the home "
                                        "directory of uid %u (%s): %s",
                                        (unsigned)id->host_uid, esc,
                                        k == -EINVAL ? "not an absolute path" : strerror(-k));
        }
        return 0;
}

int image_dir_open(const struct cgbind_identity *id, const char *given, char *ret_path, size_t size,
                   struct cgbind_error *err)
{
        int k = 0;
        if (given)
                snprintf(ret_path, size, "%s", given);
        else if (!id->rootless)
                snprintf(ret_path, size, "%s", CGBIND_IMAGE_DIR);
        else
                k = rootless_image_dir(id, ret_path, size, err);
        if (k < 0)
                return k;
        char esc[600];
        cgbind_escape(ret_path, strlen(ret_path), esc, sizeof(esc));
        int fd = open(ret_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
                k = errno;
                safe_close(fd);
                return cgbind_error_set(err, CGBIND_PRECONDITION, k, "image directory (%s): %s",
                                        esc, strerror(k));
        }
        /* the hook's user's own: whoever else could write there could put
         * any file in it, or a link to one, under a name the annotation
         * gives */
        if (!identity_trusts(id, &st)) {
                safe_close(fd);
                char owner[64];
                if (!id->rootless)
                        snprintf(owner, sizeof(owner), "root");
                else
                        snprintf(owner, sizeof(owner), "uid %u%s", (unsigned)id->host_uid,
                                 id->userns ? "" : " or root");
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "image directory (%s): not owned by %s, or writable by "
                                        "group or others",
                                        esc, owner);
        }
        return fd;
}

int rootless_check_file(const struct cgbind_identity *id, int fd, const char *what,
                        const char *path, struct cgbind_error *err)
{
        if (!id->rootless)
                return 0;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return cgbind_error_set_escaped(err, CGBIND_INVALID, errno, "%s (%s): %s", what,
                                                path, strerror(errno));
        if (identity_trusts(id, &st))
                return 0;
        return cgbind_error_set_escaped(err, CGBIND_INVALID, EPERM,
                                        "%s (%s): owned by uid %u with mode %04o: rootless, only a "
                                        "file of uid %u's%s that no one else may write is read",
                                        what, path, (unsigned)st.st_uid,
                                        (unsigned)(st.st_mode & 07777), (unsigned)id->host_uid,
                                        id->userns ? "" : " or root's");
}

int rootless_check_delegation(const struct cgbind_identity *id, struct located *loc,
                              bool skip_missing, char *ret_warning, size_t size,
                              struct cgbind_error *err)
{
        if (!id->rootless)
                return 0;
        size_t delegated = 0;
        for (size_t i = 0; i < loc->n; i++) {
                struct located_hierarchy *h = &loc->h[i];
                if (!located_usable(h))
                        continue;
                struct stat st;
                /* systemd hands a delegated cgroup to the user by chown; on
                 * cgroup v1 and without a systemd manager nothing does */
                if (h->dirfd < 0 || fstat(h->dirfd, &st) < 0 || st.st_uid != id->uid) {
                        located_refuse(h, "%s is not delegated to uid %u", h->cgroup_path,
                                       (unsigned)id->host_uid);
                        continue;
                }
                delegated++;
        }
        if (delegated)
                return 0;
        char msg[300];
        snprintf(msg, sizeof(msg),
                 "rootless (uid %u): the container has no cgroup delegated to this user (cgroup "
                 "v1, or podman --cgroup-manager cgroupfs): nothing restored",
                 (unsigned)id->host_uid);
        if (!skip_missing)
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM, "%s", msg);
        snprintf(ret_warning, size, "%s (--skip-missing)", msg);
        return 1;
}
