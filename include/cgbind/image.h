/* The image: a container's cgroup sub-trees and their properties, relative to
 * the container's top-level cgroup in each hierarchy. Parsed from buffers
 * (native format version 1, or the JSON of CRIU's `crit decode`); whatever
 * the parser, image_validate() is the one pass that decides what an image
 * may hold (names, allowlist, grammar, overlap, depth, counts). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cgbind/arena.h"
#include "cgbind/caps.h"
#include "cgbind/cgname.h"
#include "cgbind/props.h"
#include "cgbind/util.h"

#define CGBIND_IMAGE_VERSION 1

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
        char *controllers; /* canonical: sorted, comma-joined ("cpu,cpuacct"; v2 may be "") */
        char *init;        /* relative path of the init process's cgroup, or NULL */
        struct cg_node root;
        /* the tree lives in an arena (the native parser's) that its owner
         * frees whole; cg_node_free must not touch it */
        bool arena_tree;
};

struct cgbind_image {
        char *created;
        char *container_id;
        struct image_hierarchy *hierarchies;
        size_t n_hierarchies;
        size_t n_nodes;      /* sub-cgroups, all hierarchies (set by image_validate) */
        size_t n_dropped;    /* CRIU images: properties cgbind does not write, left out */
        struct arena *arena; /* where arena_tree hierarchies live, or NULL */
};

/* Parses an image (native or crit JSON) from buf and validates it. */
int image_parse(const char *buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err);
/* The same, and frees *buf (setting it to NULL) as soon as the text is no longer needed. */
int image_parse_consume(char **buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err);
/* The same from a file descriptor (a regular file), read in pieces: a native
 * image is never whole in memory as text. At most max bytes. */
int image_parse_fd(int fd, size_t max, struct cgbind_image *ret, struct cgbind_error *err);

/* Everything an image may hold, checked on the built tree: at most
 * CGBIND_MAX_HIERARCHIES hierarchies that share no controller (one cgroup2 at
 * most); valid controller names; an init that is a relative path of valid
 * names within the depth cap; valid, unique sub-cgroup names; at most
 * CGBIND_MAX_DEPTH levels and CGBIND_MAX_NODES sub-cgroups; only allowlisted
 * properties of the hierarchy's version and controllers, each value within
 * its grammar. Sets img->n_nodes. Status 2 on failure. */
int image_validate(struct cgbind_image *img, struct cgbind_error *err);

void image_free(struct cgbind_image *img);
void image_hierarchy_free(struct image_hierarchy *h);

/* Serialises to native JSON (pretty, newline-terminated). */
int image_write_json(const struct cgbind_image *img, struct strbuf *out, struct cgbind_error *err);
/* What save checks before it writes text it made from img with
 * image_write_json: image_validate(img), the tree's rules, and the text's own
 * (valid JSON, one document, the native parser's string, value-count and
 * nesting limits), lexed with no second tree built: image_parse()'s checks,
 * the tree's made on the tree the text was written from. Status 2 on failure. */
int image_check_written(struct cgbind_image *img, const char *buf, size_t len,
                        struct cgbind_error *err);

/* Tree helpers. A child pointer is valid until the next cg_node_add_child on
 * its parent. */
void cg_node_add_prop(struct cg_node *n, const struct prop_def *def, const char *name,
                      const char *value);
struct cg_node *cg_node_add_child(struct cg_node *n, const char *name);
void cg_node_free(struct cg_node *n);
/* dst += src by sub-cgroup name (copies); a property dst has already stays.
 * With controllers, only the properties of those controllers (and core files). */
void cg_node_merge(struct cg_node *dst, const struct cg_node *src, const char *controllers);
/* A child name that appears twice among n's children, or NULL. */
const char *cg_node_find_duplicate(const struct cg_node *n);
/* The number of sub-cgroups below n. */
size_t cg_node_count(const struct cg_node *n);
/* The child of n named by the len bytes at name, the first one; NULL when
 * there is none. (Its index, for a tree walked beside it: child - n->children.) */
const struct cg_node *cg_node_child(const struct cg_node *n, const char *name, size_t len);
/* The one walk of a tree by path: the node at path below n ("a/b"; "" is n
 * itself; repeated and trailing slashes are skipped), the first child of a
 * name at each step; NULL when the tree does not hold it. */
const struct cg_node *cg_node_at(const struct cg_node *n, const char *path);

/* The label of a hierarchy in messages: its controllers, or "cgroup2". */
const char *image_hierarchy_label(const struct image_hierarchy *h);
