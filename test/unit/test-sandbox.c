/* sandbox_enter's read-only policy (the privilege split's parser child),
 * in a forked child on a scratch directory: it reads beneath its directory,
 * writes only to the descriptors it was given, and opens nothing for
 * writing, makes and removes nothing, signals no other process. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgbind/sandbox.h"

#include "tap.h"

enum {
        R_ENTERED = 1 << 0,
        R_READ = 1 << 1,
        R_OPEN_WRITE = 1 << 2,
        R_MKDIR = 1 << 3,
        R_RMDIR = 1 << 4,
        R_WRITE_OTHER = 1 << 5,
        R_KILL_PARENT = 1 << 6,
        R_OPEN_CREATE = 1 << 7,
};

static unsigned child(int dirfd, int out, int other)
{
        unsigned res = 0;
        struct cgbind_error err = { 0 };
        struct sandbox_policy p = {
                .dirs = &dirfd,
                .n_dirs = 1,
                .syslog_fd = -1,
                .read_only = true,
                .write_fds = &out,
                .n_write_fds = 1,
        };
        if (sandbox_enter(&p, NULL, &err) < 0)
                return 0;
        res |= R_ENTERED;
        int fd = openat(dirfd, "file", O_RDONLY | O_CLOEXEC);
        char b[8];
        if (fd >= 0 && read(fd, b, sizeof(b)) > 0)
                res |= R_READ;
        if ((fd = openat(dirfd, "file", O_WRONLY | O_CLOEXEC)) >= 0)
                res |= R_OPEN_WRITE;
        if ((fd = openat(dirfd, "new", O_RDONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
                res |= R_OPEN_CREATE;
        if (mkdirat(dirfd, "sub", 0755) == 0)
                res |= R_MKDIR;
        if (unlinkat(dirfd, "empty", AT_REMOVEDIR) == 0)
                res |= R_RMDIR;
        if (write(other, "x", 1) == 1)
                res |= R_WRITE_OTHER;
        if (kill(getppid(), 0) == 0)
                res |= R_KILL_PARENT;
        return res;
}

int main(void)
{
        char dir[] = "/tmp/cgbind-test-sandbox.XXXXXX";
        if (!mkdtemp(dir)) {
                ok(false, "mkdtemp");
                return tap_done();
        }
        char path[256];
        snprintf(path, sizeof(path), "%s/file", dir);
        FILE *f = fopen(path, "w");
        fputs("hello\n", f);
        fclose(f);
        snprintf(path, sizeof(path), "%s/empty", dir);
        mkdir(path, 0755);
        int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        int pipefd[2], other[2];
        if (dirfd < 0 || pipe(pipefd) < 0 || pipe(other) < 0) {
                ok(false, "set-up");
                return tap_done();
        }
        pid_t pid = fork();
        if (pid == 0) {
                unsigned res = child(dirfd, pipefd[1], other[1]);
                /* the exit system call itself: a sanitizer's _exit would
                 * run its leak check, which the sandbox forbids (ptrace) */
                syscall(SYS_exit_group, write(pipefd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
        }
        unsigned res = 0;
        ssize_t n = read(pipefd[0], &res, sizeof(res));
        int status = 0;
        waitpid(pid, &status, 0);
        ok(n == sizeof(res) && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "the child entered the read-only sandbox and wrote its answer to its pipe");
        ok(res & R_ENTERED, "sandbox_enter with read_only");
        ok(res & R_READ, "reads a file beneath its directory");
        ok(!(res & R_OPEN_WRITE), "opens no file for writing");
        ok(!(res & R_OPEN_CREATE), "creates no file");
        ok(!(res & R_MKDIR), "makes no directory");
        ok(!(res & R_RMDIR), "removes no directory");
        ok(!(res & R_WRITE_OTHER), "writes to no descriptor but the ones given");
        ok(!(res & R_KILL_PARENT), "signals no other process (its parent, with signal 0)");
        snprintf(path, sizeof(path), "%s/sub", dir);
        struct stat st;
        ok(stat(path, &st) < 0, "nothing was made");
        snprintf(path, sizeof(path), "%s/empty", dir);
        ok(stat(path, &st) == 0 && rmdir(path) == 0, "nothing was removed");
        snprintf(path, sizeof(path), "%s/file", dir);
        unlink(path);
        rmdir(dir);
        return tap_done();
}
