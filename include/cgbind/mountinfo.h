/* Pure parsers for /proc/<pid>/mountinfo and /proc/<pid>/cgroup contents. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgbind/util.h"

struct mountinfo_entry {
        int mount_id;
        int parent_id;
        unsigned major;
        unsigned minor;
        char *root;       /* unescaped */
        char *mountpoint; /* unescaped */
        char *mount_opts;
        char *fstype;
        char *source;
        char *super_opts;
};

struct mountinfo {
        struct mountinfo_entry *entries;
        size_t n;
};

/* Parses a whole mountinfo buffer (octal escapes, any number of optional
 * fields). A malformed line is an error: the kernel writes none. */
int mountinfo_parse(const char *buf, size_t len, struct mountinfo *ret, struct cgbind_error *err);
void mountinfo_free(struct mountinfo *mi);

/* One line of /proc/<pid>/cgroup: "<id>:<controllers>:<path>". */
struct proc_cgroup_entry {
        unsigned hierarchy_id;
        char *controllers; /* canonical: "cpu,cpuacct", "name=systemd", "" (v2) */
        char *path;
};

struct proc_cgroup {
        struct proc_cgroup_entry *entries;
        size_t n;
};

int proc_cgroup_parse(const char *buf, size_t len, struct proc_cgroup *ret,
                      struct cgbind_error *err);
void proc_cgroup_free(struct proc_cgroup *pc);
/* The entry of the v2 hierarchy ("0::PATH"), or of the v1 hierarchy with
 * these canonical controllers; the first one, or NULL. */
const struct proc_cgroup_entry *proc_cgroup_find(const struct proc_cgroup *pc, bool v2,
                                                 const char *controllers);

/* The controllers a v1 cgroup mount carries, from its super options, in
 * canonical form ("cpu,cpuacct", "name=systemd"); -E2BIG past
 * CGBIND_MAX_CONTROLLERS names. */
int cgroup_v1_controllers_from_opts(const char *super_opts, char **ret);

/* True for the file system types of cgroup mounts; *ret_v2 says which. */
bool mountinfo_is_cgroup(const struct mountinfo_entry *e, bool *ret_v2);
