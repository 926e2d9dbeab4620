/* Recording a container's sub-trees into an image: the walk (save_image)
 * and the pipeline of `cgbind save` (save_run). */
#pragma once

#include <sys/types.h>

#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/log.h"
#include "cgbind/util.h"

/* Called for each thing save leaves out (a refused hierarchy, an odd name). */
typedef void (*save_warn_fn)(const char *msg, void *userdata);

/* Walks every usable located hierarchy (dirfd open) and records its sub-cgroups
 * and the allowlisted properties that differ from a new cgroup's. A name or a
 * depth restore would refuse is left out with a warning, and so is an init
 * cgroup that was left out; more than max_nodes sub-cgroups is an error. */
int save_image(const struct located *loc, const char *container_id, size_t max_nodes,
               struct cgbind_image *ret, save_warn_fn warn, void *userdata,
               struct cgbind_error *err);

struct save_options {
        pid_t pid;          /* --pid; 0: the OCI state from state_fd */
        const char *output; /* a file (written atomically), or "-" */
        int state_fd;
        unsigned timeout_ms;
        size_t max_cgroups;
};

void save_options_init(struct save_options *o);

struct save_result {
        size_t n_nodes;
        size_t n_hierarchies;
};

int save_run(const struct save_options *o, struct cgbind_log *log, struct save_result *ret,
             struct cgbind_error *err);
