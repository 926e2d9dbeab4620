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
        char *controllers; /* as the kernel prints them: "cpu,cpuacct", "name=systemd", "" (v2) */
        char *path;
};

struct proc_cgroup {
        struct proc_cgroup_entry *entries;
        size_t n;
};

int proc_cgroup_parse(const char *buf, size_t len, struct proc_cgroup *ret,
                      struct cgbind_error *err);
void proc_cgroup_free(struct proc_cgroup *pc);

/* The controllers a v1 cgroup mount carries, from its super options, sorted
 * and comma-joined ("cpu,cpuacct", "name=systemd"); NULL on ENOMEM. */
char *cgroup_v1_controllers_from_opts(const char *super_opts);

/* Sorts a comma-separated controller list into canonical form. Takes
 * ownership of list (NULL is passed through); NULL on ENOMEM. */
char *controllers_canonical(char *list);

/* True when path equals prefix or lies below it (both absolute, "/" is everything). */
bool path_is_beneath(const char *path, const char *prefix);
