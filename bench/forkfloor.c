/* bench/forkfloor: the least a privilege split costs. It forks one child,
 * which exits at once, and waits for it: the process start of /bin/true plus
 * one fork, one exit and one wait, and nothing else. cgbind's restore forks
 * its planning child (the read-only sandbox that parses and plans, doc/
 * decisions.md); the issue-25 target compares the hook with /bin/true, and
 * this contender shows how much of that ratio the second process alone
 * takes on the machine at hand.
 *
 *   forkfloor
 *
 * Exit status 0, or 1 if the fork or the wait failed (reported on stderr). */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
        pid_t pid = fork();
        if (pid < 0) {
                perror("forkfloor: fork");
                return 1;
        }
        if (pid == 0)
                _exit(0);
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                perror("forkfloor: waitpid");
                return 1;
        }
        return 0;
}
