/* Which container the hook works on, and the checks that it is that
 * container: the OCI state and the bundle's config, the container's process
 * seen from the host (one /proc/<pid> directory fd and a pidfd, so a pid
 * reused half-way cannot mix two processes), and its cgroups. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgbind/locate.h"
#include "cgbind/state.h"
#include "cgbind/util.h"

struct container {
        struct cgbind_state state;   /* empty for `save --pid` */
        struct cgbind_config config; /* empty when there is no state */
        pid_t pid;
        int pidfd;      /* taken when the pid is checked; -1 where the kernel has none */
        int proc_dirfd; /* /proc/<pid> */
        char *mountinfo;
        size_t mountinfo_len;
        char *proc_cgroup;
        size_t proc_cgroup_len;
        bool pivoted;    /* its root is no longer the host's (after pivot_root) */
        bool same_mntns; /* it shares the hook's mount namespace */
        char *rootfs;    /* the bundle's rootfs (realpath); NULL when pivoted or unknown */
};

/* What cgbind reads of /proc/<pid>/stat: the one parser of that file. */
struct proc_stat {
        char state;                    /* field 3: R running or runnable, S, D, T, Z, ... */
        pid_t ppid;                    /* field 4 */
        unsigned long long cpu_ticks;  /* fields 14 and 15: the CPU time it has used, user
                                        * and system, in clock ticks */
        unsigned long long start_time; /* field 22: with the pid, names one process for as
                                        * long as the host runs */
};

/* Parses the text of /proc/<pid>/stat ("pid (comm) S ppid ...", comm may
 * hold spaces and parentheses); -EINVAL when malformed. */
int proc_stat_parse(const char *buf, struct proc_stat *ret);
/* Reads and parses /proc/<pid>/stat; -errno. */
int proc_stat_read(pid_t pid, struct proc_stat *ret);

/* The cgroup v2 path of pid: the "0::" entry of /proc/<pid>/cgroup, read
 * with proc_cgroup_parse and proc_cgroup_find; -ENOENT when there is none,
 * -errno when the file cannot be read or is malformed, -ENAMETOOLONG when it
 * does not fit size. */
int container_v2_path_of(pid_t pid, char *buf, size_t size);

/* This process's ancestors (for a hook: the runtime and its callers; for
 * CRIU's action script: CRIU first), nearest first, up to and without pid 1. */
size_t container_hook_ancestors(pid_t *ret, size_t max);

/* The first of pids that a cgroup.procs text (one pid a line) lists, or 0:
 * the one parser of a top-level's members by pid. */
pid_t container_procs_first_of(const char *procs, const pid_t *pids, size_t n);

/* The first of mine (a run of container_hook_ancestors()) that the cgroup
 * of dirfd holds, from its cgroup.procs: 0 when it holds none, -1 when the
 * file cannot be read ("the top-level holds the runtime"). */
pid_t container_runtime_in(int dirfd, const pid_t *mine, size_t n);

/* The OCI state from fd (stdin), waiting for it at most until the deadline. */
int container_read_state(int fd, const struct deadline *d, struct cgbind_state *ret,
                         struct cgbind_error *err);

/* The bundle's config.json (a regular file, never a FIFO or a device). */
int container_read_config(const struct cgbind_state *st, struct cgbind_config *ret,
                          struct cgbind_error *err);

/* Opens the process view of pid (c->state and c->config set when there is a
 * state) and checks that it is the state's container:
 *  - after pivot_root, its root is the bundle's rootfs;
 *  - before (prestart, createRuntime), the rootfs is a mount point in its
 *    mount namespace, and it and the hook descend from one process other
 *    than the host's init (the runtime);
 *  - in_container: it does not share the hook's mount namespace (restore).
 * Status 3 when a check fails. */
int container_open(struct container *c, pid_t pid, bool in_container, struct cgbind_error *err);

/* Opens the process view of CRIU's root task during a restore, before it
 * has its root (post-setup-namespaces, criu.h): a child of criu or its
 * sibling (CLONE_PARENT), in a mount namespace of its own. No state, no
 * rootfs. Status 3 otherwise. */
int container_open_restoring(struct container *c, pid_t pid, pid_t criu, struct cgbind_error *err);

/* The container's cgroups: located from its mount table and /proc/<pid>/cgroup,
 * opened on the host, and every hierarchy whose top-level is not the
 * container's own refused (the path the runtime was given for it, from
 * linux.cgroupsPath or the container id, must end it; and no process the
 * hook descends from, the runtime or its caller, may sit in it). */
int container_locate(struct container *c, struct located *ret, struct cgbind_error *err);

void container_free(struct container *c);

/* The end of the cgroup path a runtime gives this container ("/ctr-1",
 * "/libpod_parent/libpod-ID", "libpod-ID.scope" for "machine.slice:libpod:ID"),
 * for the identity check; exposed for its unit test. */
void container_cgroup_suffix(const char *cgroups_path, const char *id, char *buf, size_t size,
                             char *alt, size_t alt_size);
