/* cgbind as CRIU's action script (CRIU >= 3.19 under runc; doc/decisions.md,
 * "Checkpoint and restore"): at post-dump it saves the container's sub-tree
 * into the checkpoint's own directory (cgbind.json), at post-setup-namespaces
 * it makes the saved tree's cgroups (v2, the root task below the top-level),
 * and at post-restore it restores the tree and its limits from there,
 * through restore's pipeline (parse, validation, allowlist, sandbox). CRIU
 * says what it does only through its environment: CRTOOLS_SCRIPT_ACTION,
 * CRTOOLS_IMAGE_DIR and CRTOOLS_INIT_PID. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "cgbind/log.h"
#include "cgbind/util.h"

/* The file in the checkpoint directory. */
#define CRIU_IMAGE_NAME "cgbind.json"

enum criu_step {
        CRIU_STEP_OTHER,   /* a step cgbind has nothing to do at */
        CRIU_STEP_DUMP,    /* post-dump: save */
        CRIU_STEP_PREPARE, /* post-setup-namespaces: the tree, before CRIU's files (criu.c) */
        CRIU_STEP_RESTORE, /* post-restore: restore */
        CRIU_STEP_RESUMED, /* post-resume: the restore's record goes */
};

struct criu_options {
        const char *action;    /* CRTOOLS_SCRIPT_ACTION */
        const char *image_dir; /* CRTOOLS_IMAGE_DIR */
        const char *init_pid;  /* CRTOOLS_INIT_PID */
        const char *mode;      /* the restore's mode (default full) */
        bool sandbox;
        size_t max_image;
        size_t max_cgroups;
        unsigned timeout_ms;
};

void criu_options_init(struct criu_options *o);

struct criu_result {
        enum criu_step step;
        bool image;      /* dump: an image was written; restore: one was found */
        size_t n_nodes;  /* dump: sub-cgroups saved */
        size_t n_moved;  /* restore, v2: processes moved out of the top-level */
        size_t n_mkdirs; /* restore */
        size_t n_writes;
};

/* What the second post-dump run of a CRIU checks before it skips (criu.c,
 * dump_record_check): the dumped init, the checkpoint directory, and the
 * image the first run wrote there, as the kernel gives them. */
struct criu_dump_facts {
        pid_t init_pid;
        unsigned long long init_start; /* /proc/<pid>/stat field 22 */
        unsigned long long dir_dev, dir_ino;
        unsigned long long image_dev, image_ino, image_size;
        struct timespec image_mtime, image_ctime;
};

#define CRIU_DUMP_RECORD_MAX 256

/* The record of f (its length, or -ENOBUFS), and whether rec is, byte for
 * byte, the record of now. */
int criu_dump_record_format(const struct criu_dump_facts *f, char *buf, size_t size);
bool criu_dump_record_matches(const char *rec, size_t rec_len, const struct criu_dump_facts *now);

/* The step CRIU names (NULL or unknown: CRIU_STEP_OTHER). */
enum criu_step criu_step_of(const char *action);

/* Runs the step: 0 with nothing done for a step cgbind does not handle, for
 * a dump of a container with no cgroup of its own, and for a restore whose
 * checkpoint has no cgbind.json; a negative errno with err set otherwise. */
int criu_script_run(const struct criu_options *o, struct cgbind_log *log, struct criu_result *ret,
                    struct cgbind_error *err);
