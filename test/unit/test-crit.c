/* CRIU's cgroup.img as `crit decode` prints it: a real one, from a runc
 * checkpoint in the cgroup v1 test VM (data/criu-v1-cgroup.img.json). */
#include <stdio.h>
#include <string.h>

#include "cgbind/image.h"
#include "tap.h"

static const struct image_hierarchy *hier(const struct cgbind_image *img, const char *ctl)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                if (strcmp(img->hierarchies[i].controllers, ctl) == 0)
                        return &img->hierarchies[i];
        return NULL;
}

static const char *prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; n && i < n->n_props; i++)
                if (strcmp(n->props[i].name, name) == 0)
                        return n->props[i].value;
        return NULL;
}

static const struct cg_node *child(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; n && i < n->n_children; i++)
                if (strcmp(n->children[i].name, name) == 0)
                        return &n->children[i];
        return NULL;
}

static int parse(const char *s, struct cgbind_image *img, struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        return image_parse(s, strlen(s), img, err);
}

int main(void)
{
        char *buf = NULL;
        size_t len = 0;
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };

        buf = tap_read_data("criu-v1-cgroup.img.json", &len);
        ok(buf != NULL, "fixture read");
        ok(buf && image_parse(buf, len, &img, &err) == 0, "a real crit decode parses (%s)", err.msg);
        const struct image_hierarchy *mem = hier(&img, "memory"), *pids = hier(&img, "pids");
        ok(mem && pids && hier(&img, "cpu,cpuacct") && hier(&img, "name=systemd"),
           "its controllers become hierarchies, co-mounted ones joined");
        const struct cg_node *app = mem ? child(&mem->root, "app") : NULL;
        is_str(prop(app, "memory.limit_in_bytes"), "268435456",
               "the top-level is the root set's path (/ck), its sub-tree below");
        ok(child(app, "web") != NULL, "children by relative dir_name");
        is_str(prop(pids ? child(&pids->root, "app") : NULL, "pids.max"), "50", "pids.max");
        ok(prop(app, "notify_on_release") == NULL && prop(app, "tasks") == NULL &&
                   prop(app, "memory.kmem.limit_in_bytes") == NULL,
           "never-listed and unknown properties are left out");
        ok(img.n_dropped > 20, "and counted (%zu)", img.n_dropped);
        ok(hier(&img, "name=systemd")->root.n_children == 0,
           "name=systemd's top-level is init.scope/ck, found though CRIU drops the slash");
        image_free(&img);
        free(buf);

        /* cgroup v2: CRIU 3.17 dumps only the task's own cgroup (ck/init.scope);
         * cgns_prefix says where the container's top-level ends */
        buf = tap_read_data("criu-v2-cgroup.img.json", &len);
        ok(buf && image_parse(buf, len, &img, &err) == 0, "a real v2 crit decode parses (%s)",
           err.msg);
        ok(img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V2, "one cgroup2 hierarchy");
        is_str(img.n_hierarchies ? img.hierarchies[0].init : NULL, "init.scope",
               "the top-level is /ck (cgns_prefix), the task's init.scope is the init");
        ok(img.n_hierarchies && child(&img.hierarchies[0].root, "init.scope") &&
                   img.hierarchies[0].root.n_children == 1,
           "only init.scope below it: CRIU did not record app");
        image_free(&img);
        free(buf);

        /* values are still checked */
        static const char bad_value[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":\"pids\","
                "\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"a\",\"properties\":[{\"name\":\"pids.max\","
                "\"value\":\"12\\n+x\"}]}]}]}]}]}";
        ok(parse(bad_value, &img, &err) < 0 && err.status == CGBIND_INVALID, "a bad value: %s",
           err.msg);
        static const char bad_name[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":\"pids\","
                "\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"..\"}]}]}]}]}";
        ok(parse(bad_name, &img, &err) < 0 && err.status == CGBIND_INVALID, "a bad name: %s",
           err.msg);
        static const char wrong_magic[] = "{\"magic\":\"PAGEMAP\",\"entries\":[]}";
        ok(parse(wrong_magic, &img, &err) < 0 && strstr(err.msg, "not a CRIU cgroup.img"),
           "another image kind: %s", err.msg);
        static const char dup[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":\"pids\","
                "\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"a\"},{\"dir_name\":\"a\"}]}]}]}]}";
        ok(parse(dup, &img, &err) < 0 && strstr(err.msg, "twice"), "a name twice: %s", err.msg);
        return tap_done();
}
