/* Running without root on the host (rootless podman runs its hooks in its
 * user namespace: uid 0 there, an unprivileged uid on the host). Who the hook
 * is, where such a user's state lives, and what may be used: the user's own
 * files and the cgroups delegated to the user, nothing another user can
 * write. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cgbind/locate.h"
#include "cgbind/util.h"

struct cgbind_identity {
        bool rootless;  /* not root on the host */
        bool userns;    /* in a user namespace of its own (uid_map is not the identity) */
        uid_t uid;      /* the effective uid, as this namespace sees files */
        uid_t host_uid; /* the same uid one namespace up (the host's, for podman's) */
};

/* The pure part: a /proc/self/uid_map's contents and the effective uid. */
int identity_from_uid_map(const char *buf, size_t len, uid_t euid, struct cgbind_identity *ret);

/* Reads /proc/self/uid_map and the effective uid. */
int identity_read(struct cgbind_identity *ret, struct cgbind_error *err);

/* A rootless user's state directory, $XDG_RUNTIME_DIR/cgbind (or
 * /run/user/<host uid>/cgbind when the runtime gave the hook no environment),
 * made 0700 when missing unless readonly. Both directories must be the user's
 * and writable by no one else. Returns an O_PATH fd, -ENOENT when readonly and
 * it does not exist, or -errno with err set; ret_path gets the path for
 * messages. */
int rootless_state_dir(const struct cgbind_identity *id, bool readonly, char *ret_path, size_t size,
                       struct cgbind_error *err);

/* Whether a file or directory of st can be trusted by whoever runs the hook:
 * its owner is the hook's own user (as this namespace sees files; root for
 * root), or root where root can be told apart (a rootless user outside a
 * user namespace), and neither its group nor others may write it. */
bool identity_trusts(const struct cgbind_identity *id, const struct stat *st);

/* The pure part of a rootless user's image directory: <pw_dir>/.local/share/cgbind
 * in ret. -EINVAL when pw_dir is not an absolute path, -ENAMETOOLONG when it
 * does not fit. */
int rootless_image_dir_path(const char *pw_dir, char *ret, size_t size);

/* The directory an image named by the annotation io.cgbind.image is opened
 * beneath: given (--image-dir) when not NULL; else for root CGBIND_IMAGE_DIR
 * (meson -Dimage_dir, /var/lib/cgbind); else, for a rootless user, that
 * user's own ~/.local/share/cgbind, the home directory from the user's
 * passwd entry (the runtimes run hooks with no environment). It must be
 * trusted (identity_trusts), else status 3. Returns an O_PATH fd, or -errno
 * with err set; ret_path gets the directory's path (also on failure, or
 * "(none)"). */
int image_dir_open(const struct cgbind_identity *id, const char *given, char *ret_path, size_t size,
                   struct cgbind_error *err);

/* An input file opened as fd (what: "image") that someone else could have
 * written: the user's own, or root's where root is visible, and writable by
 * no one else. 0, or -EPERM with err set (status 2). */
int rootless_check_file(const struct cgbind_identity *id, int fd, const char *what,
                        const char *path, struct cgbind_error *err);

/* The hierarchies whose top-level is not the user's (not delegated to it)
 * are refused. When none is left: status 3 with one line, or with
 * skip_missing a warning in ret_warning and 1 (nothing to do). */
int rootless_check_delegation(const struct cgbind_identity *id, struct located *loc,
                              bool skip_missing, char *ret_warning, size_t size,
                              struct cgbind_error *err);
