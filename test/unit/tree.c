/* Trees for the unit tests (tree.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

const struct cg_node *tree_child(const struct cg_node *n, const char *name)
{
        return n ? cg_node_child(n, name, strlen(name)) : NULL;
}

void obs_init(struct observed_node *o, const struct cg_node *n, bool exists)
{
        *o = (struct observed_node){ .exists = exists };
        o->values = calloc(n->n_props ? n->n_props : 1, sizeof(char *));
        o->children = calloc(n->n_children ? n->n_children : 1, sizeof(*o->children));
        if (!o->values || !o->children)
                abort();
        for (size_t i = 0; i < n->n_children; i++)
                obs_init(&o->children[i], &n->children[i], false);
}

struct observed_node *obs_at(struct observed_node *o, const struct cg_node *n, const char *path,
                             const struct cg_node **ret_n)
{
        while (*path) {
                size_t l = strcspn(path, "/");
                const struct cg_node *c = cg_node_child(n, path, l);
                if (!c) {
                        printf("Bail out! no node %.*s in the test's tree\n", (int)l, path);
                        exit(1);
                }
                o = &o->children[c - n->children];
                n = c;
                path += l;
                path += strspn(path, "/");
        }
        *ret_n = n;
        return o;
}
