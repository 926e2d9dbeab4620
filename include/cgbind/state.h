/* The OCI state that a runtime hands a hook on stdin, and the two things
 * cgbind needs from the bundle's config.json. Parsing works on buffers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgbind/caps.h"
#include "cgbind/util.h"

struct cgbind_annotation {
        char *key;
        char *value;
};

struct cgbind_state {
        char *id;
        char *status; /* "creating" (runc, prestart), "created" (crun), "running", ... */
        char *bundle;
        pid_t pid;
        struct cgbind_annotation *annotations;
        size_t n_annotations;
};

struct cgbind_config {
        char *root_path;    /* root.path as written: relative to the bundle or absolute */
        char *cgroups_path; /* linux.cgroupsPath as written, NULL when absent or empty */
        struct cgbind_annotation *annotations;
        size_t n_annotations;
};

/* runc's and crun's variants are both accepted; unknown members are ignored
 * as the OCI runtime spec asks. id, pid (integer > 1) and bundle are required. */
int cgbind_state_parse(const char *buf, size_t len, struct cgbind_state *ret,
                       struct cgbind_error *err);
void cgbind_state_free(struct cgbind_state *s);

int cgbind_config_parse(const char *buf, size_t len, struct cgbind_config *ret,
                        struct cgbind_error *err);
void cgbind_config_free(struct cgbind_config *c);

/* Annotation value by key, state first then config; NULL when absent. */
const char *cgbind_annotation(const struct cgbind_state *s, const struct cgbind_config *c,
                              const char *key);
