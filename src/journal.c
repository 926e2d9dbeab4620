/* Locks and journals in /run/cgbind, or a rootless user's own directory (see journal.h). */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "cgbind/caps.h"
#include "cgbind/fsutil.h"
#include "cgbind/journal.h"
#include "cgbind/rootless.h"

int journal_state_dir(bool readonly, char *ret_dir, size_t size, struct cgbind_error *err)
{
        struct cgbind_identity id;
        int r = identity_read(&id, err);
        if (r < 0)
                return r;
        if (id.rootless)
                return rootless_state_dir(&id, readonly, ret_dir, size, err);
        snprintf(ret_dir, size, "%s", CGBIND_STATE_DIR);
        if (!readonly && mkdir(CGBIND_STATE_DIR, 0700) < 0 && errno != EEXIST)
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno, "state (%s): %s",
                                        CGBIND_STATE_DIR, strerror(errno));
        int fd = open(CGBIND_STATE_DIR, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (readonly && errno == ENOENT)
                        return -ENOENT; /* a dry run, and no restore ever ran */
                return cgbind_error_set(err, CGBIND_PRECONDITION, errno, "state (%s): %s",
                                        CGBIND_STATE_DIR, strerror(errno));
        }
        struct stat st;
        /* anyone else who could write here could hold the lock or forge a journal */
        if (fstat(fd, &st) < 0 || st.st_uid != 0 || (st.st_mode & 077)) {
                safe_close(fd);
                return cgbind_error_set(err, CGBIND_PRECONDITION, EPERM,
                                        "state (%s): not a directory of root's with mode 0700",
                                        CGBIND_STATE_DIR);
        }
        return fd;
}

/* A file is removed only when no restore can be waiting for it: it is
 * marked (its time set) when a restore opens it, and a restore waits at
 * most its --timeout (its planning child takes the lock, perhaps late on a
 * starved node: within the grace and the runnable wait past it, caps.h), so
 * one untouched for longer than the longest timeout is no one's. */
#define STALE_AFTER_S (CGBIND_MAX_TIMEOUT_MS / 1000 + 60)
_Static_assert((uint64_t)CGBIND_MAX_TIMEOUT_MS + CGBIND_PLANNER_GRACE_MS +
                               CGBIND_PLANNER_RUNNABLE_MAX_MS <
                       (uint64_t)STALE_AFTER_S * 1000,
               "a restore's longest wait outlasts the stale age of its journal file");
/* Its time is when the directory was last scanned: it is scanned at most
 * once in STALE_AFTER_S, so the common path is one fstatat, not a
 * directory read and a flock per file. */
#define SCAN_MARK ".scanned"
/* The last line of a list whose run finished but could not empty it: no
 * valid sub-cgroup path is ".". */
#define JOURNAL_END_MARK "."

/* The empty files no one holds and no one marked for longer than any
 * restore waits: a restore never removes its files itself (its sandbox
 * has no rule on the state directory: it only empties them), a later one
 * does, here, before its own sandbox. */
static void remove_stale(int dfd)
{
        struct stat mark;
        time_t now = time(NULL);
        if (fstatat(dfd, SCAN_MARK, &mark, AT_SYMLINK_NOFOLLOW) == 0 && mark.st_mtime <= now &&
            mark.st_mtime > now - STALE_AFTER_S)
                return; /* the common path: one stat, no scan */
        safe_close(openat(dfd, SCAN_MARK, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY,
                          0600));
        utimensat(dfd, SCAN_MARK, NULL, AT_SYMLINK_NOFOLLOW);
        _cleanup_close_ int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(TAKE_FD(fd)) : NULL;
        if (!d)
                return;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_type != DT_REG || streq(de->d_name, SCAN_MARK))
                        continue;
                _cleanup_close_ int f =
                        openat(dfd, de->d_name, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
                struct stat st;
                if (f < 0 || flock(f, LOCK_EX | LOCK_NB) < 0 || fstat(f, &st) < 0 ||
                    st.st_size != 0 || st.st_mtime > now - STALE_AFTER_S)
                        continue;
                unlinkat(dfd, de->d_name, 0);
        }
        closedir(d);
}

int journal_open(struct journal *j, const uint64_t *devs, const uint64_t *inos, size_t n,
                 bool readonly, struct cgbind_error *err)
{
        *j = (struct journal){ .dirfd = -1, .readonly = readonly };
        int dfd = journal_state_dir(readonly, j->dir, sizeof(j->dir), err);
        if (dfd < 0 && dfd != -ENOENT)
                return dfd;
        j->dirfd = dfd < 0 ? -1 : dfd;
        if (dfd >= 0 && !readonly)
                remove_stale(dfd);
        j->files = xcalloc(n, sizeof(*j->files));
        for (size_t i = 0; i < n; i++) {
                struct journal_file *f = &j->files[j->n++];
                f->dev = devs[i];
                f->ino = inos[i];
                f->fd = -1;
                snprintf(f->name, sizeof(f->name), "%llu-%llu", (unsigned long long)devs[i],
                         (unsigned long long)inos[i]);
                if (dfd < 0 || (devs[i] == 0 && inos[i] == 0))
                        continue;
                int flags = readonly ? O_RDONLY : O_RDWR | O_CREAT;
                f->fd = openat(dfd, f->name, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
                if (f->fd < 0 && !(readonly && errno == ENOENT))
                        return cgbind_error_set(err, CGBIND_PRECONDITION, errno,
                                                "state (%s/%s): %s", j->dir, f->name,
                                                strerror(errno));
                /* in use from now on: not stale (remove_stale) */
                if (f->fd >= 0 && !readonly)
                        futimens(f->fd, NULL);
        }
        return 0;
}

static int cmp_file(const void *a, const void *b)
{
        const struct journal_file *x = *(const struct journal_file *const *)a;
        const struct journal_file *y = *(const struct journal_file *const *)b;
        if (x->dev != y->dev)
                return x->dev < y->dev ? -1 : 1;
        return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void on_alarm(int sig)
{
        (void)sig; /* only to interrupt flock() */
}

/* The file still has its name: a holder that finished may have removed it. */
static bool still_named(const struct journal *j, const struct journal_file *f)
{
        struct stat a, b;
        return fstat(f->fd, &a) == 0 && fstatat(j->dirfd, f->name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
               a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* flock with a deadline: a timer interrupts the wait when the deadline
 * comes, and again every second after it, so a signal that came just
 * before flock() blocked is not lost for more than a second. */
static int lock_until(int fd, const struct deadline *d)
{
        struct sigaction sa = { .sa_handler = on_alarm }, old;
        struct itimerval off = { 0 };
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
                return 0;
        if (errno != EWOULDBLOCK)
                return -errno;
        int left = deadline_left_ms(d);
        if (left == 0)
                return -ETIMEDOUT;
        struct itimerval tick = {
                .it_interval = { 1, 0 },
                .it_value = { left / 1000, (left % 1000) * 1000 },
        };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, &old);
        setitimer(ITIMER_REAL, &tick, NULL);
        int r;
        for (;;) {
                if (flock(fd, LOCK_EX) == 0) {
                        r = 0;
                        break;
                }
                if (errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (deadline_left_ms(d) == 0) {
                        r = -ETIMEDOUT;
                        break;
                }
        }
        setitimer(ITIMER_REAL, &off, NULL);
        sigaction(SIGALRM, &old, NULL);
        return r;
}

static void read_pending(struct journal_file *f)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        /* every line validation allows (caps.h), for every sub-cgroup */
        if (lseek(f->fd, 0, SEEK_SET) < 0 ||
            read_full_fd(f->fd, CGBIND_MAX_NODES * (size_t)CGBIND_MAX_REL_PATH, &buf, &len) < 0)
                return; /* an unreadable journal adopts nothing: the safe side */
        /* a finished run that could not empty its list marked its end */
        size_t ml = strlen("\n" JOURNAL_END_MARK "\n");
        if ((len == ml - 1 && memcmp(buf, JOURNAL_END_MARK "\n", len) == 0) ||
            (len >= ml && memcmp(buf + len - ml, "\n" JOURNAL_END_MARK "\n", ml) == 0))
                return;
        for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
             l = strtok_r(NULL, "\n", &save)) {
                f->pending = xreallocarray(f->pending, f->n_pending + 1, sizeof(char *));
                f->pending[f->n_pending++] = xstrdup(l);
        }
}

int journal_lock(struct journal *j, const struct deadline *d, struct cgbind_error *err)
{
        /* always in the same order: two restores cannot each hold what the
         * other waits for */
        _cleanup_free_ struct journal_file **order = xcalloc(j->n, sizeof(*order));
        for (size_t i = 0; i < j->n; i++)
                order[i] = &j->files[i];
        if (j->n)
                qsort(order, j->n, sizeof(*order), cmp_file);
        for (size_t i = 0; i < j->n; i++) {
                struct journal_file *f = order[i];
                if (f->fd < 0)
                        continue;
                while (!j->readonly) {
                        int r = lock_until(f->fd, d);
                        if (r == -ETIMEDOUT)
                                return cgbind_error_set(
                                        err, CGBIND_PRECONDITION, ETIMEDOUT,
                                        "lock (%s/%s): another cgbind holds it; gave up after the "
                                        "deadline (--timeout), nothing changed",
                                        j->dir, f->name);
                        if (r < 0)
                                return cgbind_error_set(err, CGBIND_PRECONDITION, -r,
                                                        "lock (%s/%s): %s", j->dir, f->name,
                                                        strerror(-r));
                        /* the holder may have removed the file before we got
                         * it: then the lock is on a name nobody else uses */
                        if (still_named(j, f)) {
                                f->locked = true;
                                break;
                        }
                        safe_close(f->fd);
                        f->fd = openat(j->dirfd, f->name,
                                       O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
                        if (f->fd < 0)
                                return cgbind_error_set(err, CGBIND_PRECONDITION, errno,
                                                        "state (%s/%s): %s", j->dir, f->name,
                                                        strerror(errno));
                }
                read_pending(f);
        }
        return 0;
}

int journal_lock_check(struct journal *j, struct cgbind_error *err)
{
        for (size_t i = 0; i < j->n && !j->readonly; i++) {
                struct journal_file *f = &j->files[i];
                if (f->fd < 0)
                        continue;
                if (flock(f->fd, LOCK_EX | LOCK_NB) < 0)
                        return cgbind_error_set(err, CGBIND_PRECONDITION, errno,
                                                "lock (%s/%s): not held once the plan was made "
                                                "(%s); nothing changed",
                                                j->dir, f->name, strerror(errno));
                /* the name is not checked again: the child cannot remove a
                 * file, and no other cgbind removes one this run marked
                 * (journal_open) or holds */
                f->locked = true;
        }
        return 0;
}

bool journal_lists(const struct journal *j, size_t k, const char *rel)
{
        if (k >= j->n)
                return false;
        const struct journal_file *f = &j->files[k];
        for (size_t i = 0; i < f->n_pending; i++)
                if (streq(f->pending[i], rel))
                        return true;
        return false;
}

int journal_write(struct journal *j, size_t k, const char *const *rels, size_t n,
                  struct cgbind_error *err)
{
        struct journal_file *f = &j->files[k];
        if (j->readonly || f->fd < 0)
                return 0;
        struct strbuf sb = { 0 };
        strbuf_puts(&sb, "");
        for (size_t i = 0; i < n; i++) {
                strbuf_append(&sb, rels[i], strlen(rels[i]));
                strbuf_puts(&sb, "\n");
        }
        int r = 0;
        if (ftruncate(f->fd, 0) < 0 || lseek(f->fd, 0, SEEK_SET) < 0)
                r = -errno;
        if (r == 0)
                r = write_full_fd(f->fd, sb.buf, sb.len);
        strbuf_free(&sb);
        if (r < 0)
                return cgbind_error_set(err, CGBIND_FAILED, -r, "journal (%s/%s): %s", j->dir,
                                        f->name, strerror(-r));
        return 0;
}

void journal_finish(struct journal *j, bool done)
{
        if (j->readonly || !done)
                return;
        for (size_t i = 0; i < j->n; i++) {
                struct journal_file *f = &j->files[i];
                if (f->fd < 0)
                        continue;
                /* a run that stopped before its lock: only what it can take now */
                if (!f->locked && flock(f->fd, LOCK_EX | LOCK_NB) == 0 && still_named(j, f))
                        f->locked = true;
                /* emptied, never removed here: the sandbox has no rule on the
                 * state directory, and whoever waits for this file holds it
                 * open; the next restore removes it once it is stale */
                /* a file that cannot be emptied gets the end mark instead:
                 * a list that ends with it names nothing to adopt */
                if (f->locked && ftruncate(f->fd, 0) < 0 && lseek(f->fd, 0, SEEK_END) >= 0 &&
                    write(f->fd, JOURNAL_END_MARK "\n", sizeof(JOURNAL_END_MARK)) < 0) {
                        /* nothing: a list left is adopted, the safe side */
                }
        }
}

void journal_close(struct journal *j)
{
        for (size_t i = 0; i < j->n; i++) {
                struct journal_file *f = &j->files[i];
                safe_close(f->fd);
                for (size_t k = 0; k < f->n_pending; k++)
                        free(f->pending[k]);
                free(f->pending);
        }
        free(j->files);
        safe_close(j->dirfd);
        *j = (struct journal){ .dirfd = -1 };
}
