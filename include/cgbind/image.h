/* The image: a container's cgroup sub-trees and their properties, relative to
 * the container's top-level cgroup in each hierarchy. Parsed from buffers
 * (native format version 1, or the JSON of CRIU's `crit decode`), checked
 * against the allowlist and the caps before anything is planned. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgbind/props.h"
#include "cgbind/util.h"

#define CGBIND_IMAGE_VERSION        1
#define CGBIND_DEFAULT_MAX_IMAGE    (64u * 1024 * 1024)
#define CGBIND_MAX_DEPTH            64
#define CGBIND_MAX_NODES            100000
#define CGBIND_MAX_NAME             255
#define CGBIND_MAX_VALUE            (64 * 1024)

struct cg_prop {
        char *name;
        char *value; /* canonical, without the trailing newline */
        const struct prop_def *def;
};

struct cg_node {
        char *name; /* NULL for a hierarchy's top-level cgroup */
        struct cg_prop *props;
        size_t n_props;
        struct cg_node *children;
        size_t n_children;
};

struct image_hierarchy {
        enum cg_version version;
        char *controllers; /* canonical: sorted, comma-joined ("cpu,cpuacct"; "" for v2) */
        char *init;        /* relative path of the init process's cgroup, or NULL */
        struct cg_node root;
};

struct cgbind_image {
        char *created;
        char *container_id;
        struct image_hierarchy *hierarchies;
        size_t n_hierarchies;
        size_t n_nodes;   /* sub-cgroups, all hierarchies */
        size_t n_dropped; /* CRIU images: properties cgbind does not write, left out */
};

/* Parses an image (native or crit JSON) from buf; every name, property and
 * value is checked, and the caps applied, before it returns. */
int image_parse(const char *buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err);
/* The same, and frees *buf (setting it to NULL) as soon as the text is no longer needed. */
int image_parse_consume(char **buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err);
void image_free(struct cgbind_image *img);

/* Serialises to native JSON (pretty, newline-terminated). */
int image_write_json(const struct cgbind_image *img, struct strbuf *out);

/* Tree helpers used while building an image in save. */
int cg_node_add_prop(struct cg_node *n, const struct prop_def *def, const char *name,
                     const char *value);
struct cg_node *cg_node_add_child(struct cg_node *n, const char *name);
void cg_node_free(struct cg_node *n);
/* dst += src by sub-cgroup name; a property dst has already stays. With
 * controllers, only the properties of those controllers (and core files). */
int cg_node_merge(struct cg_node *dst, const struct cg_node *src, const char *controllers);
/* Sets *ret_dup to a child name that appears twice, or NULL. */
int cg_node_find_duplicate(const struct cg_node *n, const char **ret_dup);

/* The controller a property belongs to in a given hierarchy, for messages. */
const char *image_hierarchy_label(const struct image_hierarchy *h);
