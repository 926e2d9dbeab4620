/* Finding a container's pre-bound cgroups (DESIGN.md, "Finding the
 * container's cgroups"): a pure resolver from mountinfo and /proc/<pid>/cgroup
 * contents, and the opener that turns its answer into host directory fds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgbind/cgname.h"
#include "cgbind/util.h"

struct locate_input {
        const char *rootfs; /* the container's rootfs as the hook sees it; NULL when pivoted */
        bool pivoted;       /* the container's root is no longer the host's (poststart) */
        const char *container_mountinfo;
        size_t container_mountinfo_len;
        const char *proc_cgroup;
        size_t proc_cgroup_len;
        const char *host_mountinfo;
        size_t host_mountinfo_len;
};

struct located_hierarchy {
        enum cg_version version;
        char *controllers;     /* canonical, "" for v2 */
        char *cgroup_path;     /* the container's top-level cgroup, host view */
        char *init_rel;        /* where the pid sits below it ("" when in the top-level) */
        char *host_mountpoint; /* the hook's own mount of this hierarchy */
        char *host_rel;        /* the top-level relative to host_mountpoint ("" for itself) */
        char *host_path;       /* host_mountpoint + host_rel, for messages only */
        char *container_path;  /* the container's mount point, NULL when found without one */
        unsigned major, minor;
        char *refused;     /* why this hierarchy may not be used (escaped); NULL when usable */
        int dirfd;         /* O_PATH directory fd of the top-level on the host, or -1 */
        uint64_t dev, ino; /* of the top-level directory (locate_open) */
        char *available;   /* v2: the top-level's cgroup.controllers (locate_open), or NULL */
};

struct located {
        struct located_hierarchy *h;
        size_t n;
        bool from_mounts; /* false: no cgroup mount in the container, /proc/<pid>/cgroup alone */
        /* the huge page sizes the host's kernel has, as the hugetlb
         * controller names them ("2MB,1GB"); NULL when not known */
        char *hugepage_sizes;
};

int locate_resolve(const struct locate_input *in, struct located *ret, struct cgbind_error *err);

/* Opens dirfd of every usable hierarchy, checking the filesystem magic and the
 * device number. A hierarchy that cannot be opened gets refused set. */
void locate_open(struct located *loc);

/* Marks h unusable with a reason (formatted, then escaped); the first reason stays. */
void located_refuse(struct located_hierarchy *h, const char *fmt, ...) _printf_(2, 3);

/* True when h was not refused. */
bool located_usable(const struct located_hierarchy *h);

void located_free(struct located *loc);

/* The huge page size as the hugetlb controller's files name it, from the
 * size in KiB (/sys/kernel/mm/hugepages/hugepages-<kib>kB): "64KB", "2MB",
 * "1GB". */
void hugepage_size_name(unsigned long kib, char *buf, size_t size);

/* Reads the host's huge page sizes into loc->hugepage_sizes, once, before
 * the sandbox (a host fact: the sizes an image may name). Left NULL when
 * /sys does not say. */
void locate_hugepage_sizes(struct located *loc);

/* The located hierarchy that serves an image hierarchy (same version, same
 * controller set), or NULL. */
struct located_hierarchy *locate_find(struct located *loc, enum cg_version v,
                                      const char *controllers);
