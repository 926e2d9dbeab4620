/* The hook's own state in /run/cgbind (root's; a rootless user's is
 * $XDG_RUNTIME_DIR/cgbind, see rootless.h): one file per top-level
 * cgroup a restore writes beneath, named by that directory's device and
 * inode ("<dev>-<ino>"). The file is
 *  - the lock two restores of one container serialise on (flock, waited for
 *    with a deadline). No workload and no other user can open it, unlike the
 *    cgroup directories themselves;
 *  - the journal: before its first change a restore lists there every
 *    sub-cgroup it will create (any path validation allows: 64 names of 255
 *    bytes), and empties the file when it is done (or has rolled everything
 *    back). A restore killed half-way leaves the list, so the next one knows
 *    which existing sub-cgroups are its own unfinished work (planned as
 *    "adopt": filled in, or removed on rollback).
 * A restore never removes a file (its sandbox has no rule on the state
 * directory): the next one removes the empty ones no one holds and no one
 * opened for longer than the longest --timeout, before its sandbox. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cgbind/util.h"

#define CGBIND_STATE_DIR "/run/cgbind"

struct journal_file {
        uint64_t dev, ino; /* of the top-level directory */
        char name[64];
        int fd;
        bool locked;
        char **pending; /* sub-cgroups a killed restore listed (relative paths) */
        size_t n_pending;
};

struct journal {
        int dirfd;     /* CGBIND_STATE_DIR (rootless: the user's), or -1 */
        char dir[640]; /* its path, for messages */
        struct journal_file *files;
        size_t n;
        bool readonly; /* a dry run: reads what is there, locks and writes nothing */
};

/* The state directory, CGBIND_STATE_DIR (a rootless user's own: see
 * rootless.h), opened O_PATH, its path in ret_dir: made (mode 0700)
 * unless readonly, then checked to be root's (the user's), mode 0700 and not a symlink:
 * anyone else who could write there could hold a lock or forge a journal or
 * a record. Its one owner: every command opens it here (status 3 when it is
 * not as it must be). With readonly, -ENOENT (err not set) when it does not
 * exist: no restore ever ran. */
int journal_state_dir(bool readonly, char *ret_dir, size_t size, struct cgbind_error *err);

/* Opens (creating when needed) the state directory and one file per top-level,
 * before the sandbox. The directory must be root's, mode 0700, not a symlink
 * (rootless: the user's own, rootless_state_dir).
 * With readonly, files that do not exist are not made; a top-level given as
 * dev 0 and ino 0 gets no file. */
int journal_open(struct journal *j, const uint64_t *devs, const uint64_t *inos, size_t n,
                 bool readonly, struct cgbind_error *err);

/* Takes every file's lock, in (dev, ino) order, waiting at most until the
 * deadline (then status 3), and reads what a killed restore left. */
int journal_lock(struct journal *j, const struct deadline *d, struct cgbind_error *err);

/* The privilege split: the planning child took the locks (journal_lock) on
 * the descriptors it shares with this process. Takes each again without
 * waiting: a lock the child did not take is taken now, one that another
 * cgbind holds is refused (status 3). */
int journal_lock_check(struct journal *j, struct cgbind_error *err);

/* True when the journal of top-level k lists rel. */
bool journal_lists(const struct journal *j, size_t k, const char *rel);

/* Replaces the journal of top-level k with rels (one per line). */
int journal_write(struct journal *j, size_t k, const char *const *rels, size_t n,
                  struct cgbind_error *err);

/* The end of a restore: with done (it finished, or rolled everything back)
 * its files are emptied under their locks; otherwise the list a partly
 * rolled-back run left stays. Nothing is removed (see above). */
void journal_finish(struct journal *j, bool done);

void journal_close(struct journal *j);
