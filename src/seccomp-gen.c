/* seccomp-gen OUTPUT: compiles the hook's seccomp rule table (src/sandbox.c)
 * into BPF at build time and writes it as a C header (sandbox-bpf.h).
 *
 * One program per shape of policy (Landlock or not, a syslog socket or
 * not, read-only or not), built by libseccomp exactly as the hook
 * built it at run time before, with marks in place of the values known only
 * at run time (struct sandbox_seccomp_values). sandbox_enter() puts the
 * values in place of the marks and loads the program. Before writing, each
 * program is checked:
 *  - two builds in two processes are the same (no rule took a value of the
 *    generator's own process, such as its pid);
 *  - a mark appears only as the operand of an equality test, the one place
 *    sandbox_enter() replaces it;
 *  - with two sets of real values (small and large), the program with the
 *    marks replaced is byte for byte what libseccomp builds from those
 *    values. */
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "cgbind/util.h"
#include "src/sandbox-seccomp.h"

#define MARK_SYSLOG_FD 0x5ecf0d02u
#define MARK_PID       0x5ecf0d03u
#define MARK_WRITE_FD  0x5ecf0d10u
#define N_SHAPES       8

struct prog {
        struct sock_filter *ins;
        size_t len;
};

static void die(const char *what)
{
        fprintf(stderr, "seccomp-gen: %s\n", what);
        exit(1);
}

static struct sandbox_seccomp_values values(size_t shape, int syslog, pid_t pid, int write_fd)
{
        struct sandbox_seccomp_values v = {
                .syslog_fd = (shape & 2) ? syslog : -1,
                .pid = pid,
                .read_only = shape & 4,
        };
        for (size_t i = 0; i < SANDBOX_MAX_WRITE_FDS; i++)
                v.write_fds[i] = write_fd + (int)i;
        return v;
}

/* libseccomp's BPF for the rules built from v, written to fd. */
static int export(const struct sandbox_seccomp_values *v, bool landlock, int fd)
{
        struct cgbind_error err = { 0 };
        void *ctx = NULL;
        if (sandbox_seccomp_build(v, landlock, &ctx, &err) < 0) {
                fprintf(stderr, "seccomp-gen: %s\n", err.msg);
                return -1;
        }
        int r = seccomp_export_bpf(ctx, fd);
        seccomp_release(ctx);
        if (r < 0)
                fprintf(stderr, "seccomp-gen: seccomp_export_bpf: %s\n", strerror(-r));
        return r < 0 ? -1 : 0;
}

static struct prog read_prog(int fd)
{
        struct prog p = { 0 };
        off_t size = lseek(fd, 0, SEEK_END);
        if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 || size > 65536)
                die("the exported program has no whole instructions");
        p.len = (size_t)size / sizeof(struct sock_filter);
        p.ins = xcalloc(p.len, sizeof(*p.ins));
        if (pread(fd, p.ins, (size_t)size, 0) != size)
                die("cannot read the exported program back");
        return p;
}

/* Built in a child process: its pid is not the generator's. */
static struct prog build_in_child(const struct sandbox_seccomp_values *v, bool landlock)
{
        int fd = memfd_create("bpf", MFD_CLOEXEC);
        if (fd < 0)
                die("memfd_create failed");
        pid_t pid = fork();
        if (pid < 0)
                die("fork failed");
        if (pid == 0)
                _exit(export(v, landlock, fd) < 0 ? 1 : 0);
        int st;
        if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                die("the build in a child process failed");
        struct prog p = read_prog(fd);
        close(fd);
        return p;
}

static struct prog build_here(const struct sandbox_seccomp_values *v, bool landlock)
{
        int fd = memfd_create("bpf", MFD_CLOEXEC);
        if (fd < 0 || export(v, landlock, fd) < 0)
                die("the build failed");
        struct prog p = read_prog(fd);
        close(fd);
        return p;
}

static bool same(const struct prog *a, const struct prog *b)
{
        return a->len == b->len && memcmp(a->ins, b->ins, a->len * sizeof(*a->ins)) == 0;
}

/* What sandbox_enter() does to the program before loading it. */
static void patch(struct prog *p, const struct sandbox_seccomp_values *v)
{
        for (size_t i = 0; i < p->len; i++) {
                struct sock_filter *f = &p->ins[i];
                if (f->code != (BPF_JMP | BPF_JEQ | BPF_K))
                        continue;
                if (f->k == MARK_SYSLOG_FD)
                        f->k = (uint32_t)v->syslog_fd;
                else if (f->k == MARK_PID)
                        f->k = (uint32_t)v->pid;
                else if (f->k >= MARK_WRITE_FD && f->k < MARK_WRITE_FD + SANDBOX_MAX_WRITE_FDS)
                        f->k = (uint32_t)v->write_fds[f->k - MARK_WRITE_FD];
        }
}

static void check(size_t shape, const struct prog *marked)
{
        bool landlock = shape & 1;
        struct sandbox_seccomp_values m =
                values(shape, (int)MARK_SYSLOG_FD, (pid_t)MARK_PID, (int)MARK_WRITE_FD);
        struct prog again = build_in_child(&m, landlock);
        if (!same(marked, &again))
                die("two builds in two processes differ: a rule takes a value of its own "
                    "process (getpid()?) instead of struct sandbox_seccomp_values");
        free(again.ins);
        for (size_t i = 0; i < marked->len; i++) {
                const struct sock_filter *f = &marked->ins[i];
                bool is_mark =
                        f->k == MARK_SYSLOG_FD || f->k == MARK_PID ||
                        (f->k >= MARK_WRITE_FD && f->k < MARK_WRITE_FD + SANDBOX_MAX_WRITE_FDS);
                if (is_mark && f->code != (BPF_JMP | BPF_JEQ | BPF_K))
                        die("a run-time value is used other than in an equality test");
        }
        const struct sandbox_seccomp_values real[] = {
                values(shape, 6, 4242, 7),
                values(shape, 1001, 4000000, 1002),
        };
        for (size_t k = 0; k < ARRAY_SIZE(real); k++) {
                struct prog p = { xcalloc(marked->len, sizeof(*p.ins)), marked->len };
                memcpy(p.ins, marked->ins, p.len * sizeof(*p.ins));
                patch(&p, &real[k]);
                struct prog want = build_here(&real[k], landlock);
                if (!same(&p, &want))
                        die("the program with the marks replaced is not what libseccomp builds "
                            "from the same values");
                free(p.ins);
                free(want.ins);
        }
}

int main(int argc, char **argv)
{
        if (argc != 2)
                die("usage: seccomp-gen OUTPUT");
        struct prog progs[N_SHAPES];
        size_t max = 0;
        for (size_t s = 0; s < N_SHAPES; s++) {
                struct sandbox_seccomp_values m =
                        values(s, (int)MARK_SYSLOG_FD, (pid_t)MARK_PID, (int)MARK_WRITE_FD);
                progs[s] = build_in_child(&m, s & 1);
                check(s, &progs[s]);
                if (progs[s].len > max)
                        max = progs[s].len;
        }
        if (max > BPF_MAXINSNS)
                die("a program is longer than the kernel takes");
        FILE *f = fopen(argv[1], "w");
        if (!f)
                die("cannot write the output");
        fprintf(f,
                "/* Generated by src/seccomp-gen.c from the rule table in src/sandbox.c"
                " (libseccomp %u.%u.%u,\n * native architecture): do not edit. */\n",
                seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
        fprintf(f, "#pragma once\n\n");
        fprintf(f, "#define CGBIND_BPF_MARK_SYSLOG_FD 0x%xu\n", MARK_SYSLOG_FD);
        fprintf(f, "#define CGBIND_BPF_MARK_PID 0x%xu\n", MARK_PID);
        fprintf(f, "#define CGBIND_BPF_MARK_WRITE_FD 0x%xu\n", MARK_WRITE_FD);
        fprintf(f, "#define CGBIND_BPF_MAX_LEN %zu\n\n", max);
        for (size_t s = 0; s < N_SHAPES; s++) {
                fprintf(f, "/* Landlock %s, syslog %s, read-only %s */\n", s & 1 ? "yes" : "no",
                        s & 2 ? "yes" : "no", s & 4 ? "yes" : "no");
                fprintf(f, "static const struct sock_filter cgbind_bpf_%zu[] = {\n", s);
                for (size_t i = 0; i < progs[s].len; i++) {
                        const struct sock_filter *x = &progs[s].ins[i];
                        fprintf(f, "\t{ 0x%04x, %u, %u, 0x%08x },\n", x->code, x->jt, x->jf, x->k);
                }
                fprintf(f, "};\n\n");
        }
        fprintf(f, "/* indexed by: Landlock 1, a syslog socket 2, read-only 4 */\n");
        fprintf(f,
                "static const struct {\n\tconst struct sock_filter *prog;\n\tsize_t len;\n} "
                "cgbind_bpf[%d] = {\n",
                N_SHAPES);
        for (size_t s = 0; s < N_SHAPES; s++)
                fprintf(f, "\t{ cgbind_bpf_%zu, %zu },\n", s, progs[s].len);
        fprintf(f, "};\n");
        if (fclose(f) != 0)
                die("cannot write the output");
        for (size_t s = 0; s < N_SHAPES; s++)
                free(progs[s].ins);
        return 0;
}
