/* kill-at: runs a command under ptrace and counts its system calls from its
 * first close_range(2) on. cgbind's main() makes that call first, so what
 * the dynamic loader (and a sanitizer's start-up, and a wrapper that execs
 * cgbind) does before main() is not counted. Then it either lists the
 * counted calls or SIGKILLs the command at the entry of one of them: the
 * call is never made, every call before it was (issue 13, "killed
 * half-way"). x86_64 and Linux 5.3 (PTRACE_GET_SYSCALL_INFO) or later.
 *
 * The calls are seen through a seccomp filter that hands every call to the
 * tracer (SECCOMP_RET_TRACE), installed just before the exec: one stop per
 * call, at its entry, which matters in the TCG VMs. A call that cgbind's own
 * filter refuses (RET_ERRNO and RET_KILL win over RET_TRACE) is neither seen
 * nor counted; a restore makes none. A SIGKILL at the seccomp stop skips the
 * call: the kernel checks for a fatal signal after the tracer has seen it.
 *
 *   kill-at --list FILE -- CMD [ARG...]
 *       runs CMD to its end; FILE gets one line per counted call,
 *       "N NR ARG0 ARG1 ARG2" (N from 1, NR the system call number)
 *   kill-at --kill N --report FILE -- CMD [ARG...]
 *       SIGKILLs CMD at the entry of its Nth counted call; FILE gets
 *       "killed N NR" or, when CMD ended before its Nth call, "ended TOTAL"
 *
 * CMD's stdin, stdout and stderr are this program's. The exit status is
 * CMD's (128 + the signal when it was killed); 125 when kill-at itself
 * failed. Used by test/bats/faults.bats; no part of cgbind. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NR_CLOSE_RANGE 436 /* x86_64 */

static void die(const char *what)
{
        fprintf(stderr, "kill-at: %s: %s\n", what, strerror(errno));
        exit(125);
}

static void usage(void)
{
        fputs("usage: kill-at --list FILE -- CMD [ARG...]\n"
              "       kill-at --kill N --report FILE -- CMD [ARG...]\n",
              stderr);
        exit(125);
}

int main(int argc, char **argv)
{
        const char *list = NULL, *report = NULL;
        long kill_at = 0;
        int i = 1;

        for (; i < argc; i++) {
                if (strcmp(argv[i], "--") == 0) {
                        i++;
                        break;
                } else if (strcmp(argv[i], "--list") == 0 && i + 1 < argc) {
                        list = argv[++i];
                } else if (strcmp(argv[i], "--kill") == 0 && i + 1 < argc) {
                        kill_at = atol(argv[++i]);
                        if (kill_at < 1)
                                usage();
                } else if (strcmp(argv[i], "--report") == 0 && i + 1 < argc) {
                        report = argv[++i];
                } else {
                        usage();
                }
        }
        if (i >= argc || (!list && !kill_at) || (kill_at && !report))
                usage();

        FILE *out = fopen(list ? list : report, "w");
        if (!out)
                die(list ? list : report);

        pid_t pid = fork();
        if (pid < 0)
                die("fork");
        if (pid == 0) {
                if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
                        die("PTRACE_TRACEME");
                raise(SIGSTOP);
                /* every call stops at the tracer, once; root may do this
                 * without no_new_privs, and cgbind sets that itself */
                struct sock_filter all[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE) };
                struct sock_fprog prog = { .len = 1, .filter = all };
                if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
                        die("seccomp");
                execvp(argv[i], argv + i);
                fprintf(stderr, "kill-at: %s: %s\n", argv[i], strerror(errno));
                _exit(127);
        }
        int st;
        if (waitpid(pid, &st, 0) < 0)
                die("waitpid");
        if (!WIFSTOPPED(st))
                die("the child did not stop");
        /* the command dies with this program, never runs on untraced */
        if (ptrace(PTRACE_SETOPTIONS, pid, 0,
                   (void *)(long)(PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC |
                                  PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE)) <
            0)
                die("PTRACE_SETOPTIONS");

        long n = 0;
        int started = 0, sig = 0, killed = 0;
        /* Children of the command (a wrapper's subshells) inherit the
         * filter, so they are traced too, or their calls would fail with
         * ENOSYS; only the command's own process is counted. */
        pid_t who = pid;
        for (;;) {
                if (ptrace(PTRACE_CONT, who, 0, (void *)(long)sig) < 0 && errno != ESRCH)
                        die("PTRACE_CONT");
                sig = 0;
                for (;;) {
                        who = waitpid(-1, &st, __WALL);
                        if (who < 0)
                                die("waitpid");
                        if (who == pid || WIFSTOPPED(st))
                                break;
                        /* another traced process ended */
                }
                if (who == pid && (WIFEXITED(st) || WIFSIGNALED(st)))
                        break;
                if (!WIFSTOPPED(st))
                        continue;
                int s = WSTOPSIG(st), event = st >> 16;
                if (who != pid) {
                        /* a child: new ones start with SIGSTOP; pass real signals */
                        if (event == 0 && s != SIGSTOP && s != SIGTRAP)
                                sig = s;
                        continue;
                }
                if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
                    event == PTRACE_EVENT_CLONE)
                        continue;
                if (s == SIGTRAP && event == PTRACE_EVENT_SECCOMP) {
                        struct __ptrace_syscall_info info;
                        if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info) < 0)
                                die("PTRACE_GET_SYSCALL_INFO");
                        if (info.op != PTRACE_SYSCALL_INFO_SECCOMP)
                                continue;
                        if (!started && info.seccomp.nr == NR_CLOSE_RANGE)
                                started = 1;
                        if (!started)
                                continue;
                        n++;
                        if (list)
                                fprintf(out, "%ld %llu %llu %llu %llu\n", n,
                                        (unsigned long long)info.seccomp.nr,
                                        (unsigned long long)info.seccomp.args[0],
                                        (unsigned long long)info.seccomp.args[1],
                                        (unsigned long long)info.seccomp.args[2]);
                        if (n == kill_at && !killed) {
                                /* a fatal signal pending at the seccomp stop:
                                 * the call is skipped, the process dies */
                                if (kill(pid, SIGKILL) < 0)
                                        die("kill");
                                fprintf(out, "killed %ld %llu\n", n,
                                        (unsigned long long)info.seccomp.nr);
                                killed = 1;
                        }
                } else if (s == SIGTRAP && event == PTRACE_EVENT_EXEC) {
                        /* a wrapper that execs cgbind: the same process */
                } else {
                        sig = s; /* a signal for the command: delivered */
                }
        }
        if (kill_at && !killed)
                fprintf(out, "ended %ld\n", n);
        if (!started)
                fputs("kill-at: the command never called close_range\n", stderr);
        if (fclose(out) != 0)
                die("fclose");
        if (!started)
                return 125;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
