/* CRIU's cgroup.img as `crit decode` prints it: a real one, from a runc
 * checkpoint in the cgroup v1 test VM (data/criu-v1-cgroup.img.json). */
#include <stdio.h>
#include <string.h>

#include "cgbind/image.h"
#include "tap.h"
#include "tree.h"

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
        ok(buf && image_parse(buf, len, &img, &err) == 0, "a real crit decode parses (%s)",
           err.msg);
        const struct image_hierarchy *mem = hier(&img, "memory"), *pids = hier(&img, "pids");
        ok(mem && pids && hier(&img, "cpu,cpuacct") && hier(&img, "name=systemd"),
           "its controllers become hierarchies, co-mounted ones joined");
        const struct cg_node *app = mem ? tree_child(&mem->root, "app") : NULL;
        is_str(prop(app, "memory.limit_in_bytes"), "268435456",
               "the top-level is the root set's path (/ck), its sub-tree below");
        ok(tree_child(app, "web") != NULL, "children by relative dir_name");
        is_str(prop(pids ? tree_child(&pids->root, "app") : NULL, "pids.max"), "50", "pids.max");
        ok(prop(app, "notify_on_release") == NULL && prop(app, "tasks") == NULL &&
                   prop(app, "memory.kmem.limit_in_bytes") == NULL,
           "never-listed and unknown properties are left out");
        ok(img.n_dropped > 20, "and counted (%zu)", img.n_dropped);
        ok(hier(&img, "name=systemd")->root.n_children == 0,
           "name=systemd's top-level is init.scope/ck, found though CRIU drops the slash");
        size_t counted = 0;
        for (size_t i = 0; i < img.n_hierarchies; i++)
                counted += cg_node_count(&img.hierarchies[i].root);
        ok(img.n_nodes > 0 && img.n_nodes == counted,
           "n_nodes is set by image_validate for a CRIU image too (%zu)", img.n_nodes);
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
        ok(img.n_hierarchies && tree_child(&img.hierarchies[0].root, "init.scope") &&
                   img.hierarchies[0].root.n_children == 1,
           "only init.scope below it: CRIU did not record app");
        image_free(&img);
        free(buf);

        /* values are still checked */
        static const char bad_value[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"pids\","
                "\"path\":\"/"
                "c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"a\",\"properties\":[{\"name\":\"pids.max\","
                "\"value\":\"12\\n+x\"}]}]}]}]}]}";
        ok(parse(bad_value, &img, &err) < 0 && err.status == CGBIND_INVALID, "a bad value: %s",
           err.msg);
        static const char bad_name[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"pids\","
                "\"path\":\"/"
                "c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"..\"}]}]}]}]}";
        ok(parse(bad_name, &img, &err) < 0 && err.status == CGBIND_INVALID, "a bad name: %s",
           err.msg);
        static const char wrong_magic[] = "{\"magic\":\"PAGEMAP\",\"entries\":[]}";
        ok(parse(wrong_magic, &img, &err) < 0 && strstr(err.msg, "not a CRIU cgroup.img"),
           "another image kind: %s", err.msg);
        static const char dup[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"pids\","
                "\"path\":\"/"
                "c\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[{\"dir_name\":"
                "\"c\",\"children\":[{\"dir_name\":\"a\"},{\"dir_name\":\"a\"}]}]}]}]}";
        ok(parse(dup, &img, &err) < 0 && strstr(err.msg, "twice"), "a name twice: %s", err.msg);

        /* one controller in two CRIU entries (cpu,cpuacct and cpu): the
         * hierarchies overlap, and image_validate refuses it as it would a
         * native image (it once reached match and freed a tree twice) */
        static const char overlap[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"cpu,cpuacct\",\"path\":\"/c\"},{\"name\":\"cpu\",\"path\":\"/c\"}]}],"
                "\"controllers\":[{\"cnames\":[\"cpu\",\"cpuacct\"],\"dirs\":[{\"dir_name\":\"c\","
                "\"children\":[{\"dir_name\":\"a\"}]}]},{\"cnames\":[\"cpu\"],\"dirs\":[{"
                "\"dir_name\":\"c\",\"children\":[{\"dir_name\":\"b\"}]}]}]}]}";
        img = (struct cgbind_image){ .n_hierarchies = 4242 };
        ok(parse(overlap, &img, &err) < 0 && err.status == CGBIND_INVALID &&
                   strstr(err.msg, "shared") && img.n_hierarchies == 4242,
           "CRIU entries cpu,cpuacct and cpu: refused, status 2 (%s)", err.msg);
        /* the same when the set does not name the second entry (an empty tree) */
        static const char overlap2[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"cpu,cpuacct\",\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":[\"cpu\","
                "\"cpuacct\"],\"dirs\":[]},{\"cnames\":[\"cpuacct\"],\"dirs\":[]}]}]}";
        ok(parse(overlap2, &img, &err) < 0 && err.status == CGBIND_INVALID &&
                   strstr(err.msg, "shared"),
           "CRIU entries cpu,cpuacct and cpuacct (not in the set): refused (%s)", err.msg);
        static const char two_v2[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"\",\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":[\"\"],\"dirs\":[]},{"
                "\"cnames\":[\"unified\"],\"dirs\":[]}]}]}";
        ok(parse(two_v2, &img, &err) < 0 && err.status == CGBIND_INVALID,
           "CRIU entries \"\" and unified (two cgroup2): refused (%s)", err.msg);

        /* a path longer than CGBIND_MAX_PATH is an error, never cut */
        struct strbuf sb = { 0 };
        char comp[201];
        memset(comp, 'p', 200);
        comp[200] = '\0';
        strbuf_appendf(&sb, "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":"
                            "[{\"name\":\"pids\",\"path\":\"/c\"}]}],\"controllers\":[{\"cnames\":"
                            "[\"pids\"],\"dirs\":[{\"dir_name\":\"c");
        for (int i = 0; i < 21; i++) /* 21 * 201 = 4221 bytes */
                strbuf_appendf(&sb, "/%s", comp);
        strbuf_appendf(&sb, "\"}]}]}]}");
        ok(parse(sb.buf, &img, &err) < 0 && err.status == CGBIND_INVALID &&
                   strstr(err.msg, "longer than 4096"),
           "a dir_name of 4223 bytes: refused (%s)", err.msg);
        strbuf_free(&sb);
        strbuf_appendf(&sb, "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":"
                            "[{\"name\":\"pids\",\"path\":\"/c");
        for (int i = 0; i < 21; i++)
                strbuf_appendf(&sb, "/%s", comp);
        strbuf_appendf(&sb, "\"}]}],\"controllers\":[{\"cnames\":[\"pids\"],\"dirs\":[]}]}]}");
        ok(parse(sb.buf, &img, &err) < 0 && err.status == CGBIND_INVALID &&
                   strstr(err.msg, "longer than 4096"),
           "a set path of 4223 bytes: refused (%s)", err.msg);
        strbuf_free(&sb);

        /* where the root task sat becomes the init: checked like a native one */
        for (int depth = 64; depth <= 65; depth++) {
                strbuf_appendf(&sb, "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,"
                                    "\"ctls\":[{\"name\":\"\",\"cgns_prefix\":2,\"path\":\"/c");
                for (int i = 0; i < depth; i++)
                        strbuf_appendf(&sb, "/d");
                strbuf_appendf(&sb, "\"}]}],\"controllers\":[{\"cnames\":[\"\"],\"dirs\":[]}]}]}");
                int r = parse(sb.buf, &img, &err);
                if (depth == 64)
                        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].init &&
                                   strlen(img.hierarchies[0].init) == 64 * 2 - 1,
                           "a CRIU init 64 levels below the top-level: accepted (%s)", err.msg);
                else
                        ok(r < 0 && err.status == CGBIND_INVALID && strstr(err.msg, "init"),
                           "a CRIU init 65 levels below the top-level: refused (%s)", err.msg);
                if (r == 0)
                        image_free(&img);
                strbuf_free(&sb);
        }
        static const char bad_init[] =
                "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,\"ctls\":[{\"name\":"
                "\"\",\"cgns_prefix\":2,\"path\":\"/c/../x\"}]}],\"controllers\":[{\"cnames\":"
                "[\"\"],\"dirs\":[]}]}]}";
        ok(parse(bad_init, &img, &err) < 0 && err.status == CGBIND_INVALID &&
                   strstr(err.msg, "init"),
           "a CRIU init of ../x: refused (%s)", err.msg);
        /* the per-cgroup property cap (issue 23, class 6), counted on what
         * the reader keeps: 256 distinct hugetlb properties in one cgroup
         * pass, 257 are refused with one line, status 2 */
        for (size_t n = CGBIND_MAX_PROPS; n <= CGBIND_MAX_PROPS + 1; n++) {
                strbuf_appendf(&sb, "{\"magic\":\"CGROUP\",\"entries\":[{\"sets\":[{\"id\":1,"
                                    "\"ctls\":[{\"name\":\"hugetlb\",\"path\":\"/c\"}]}],"
                                    "\"controllers\":[{\"cnames\":[\"hugetlb\"],\"dirs\":[{"
                                    "\"dir_name\":\"c\",\"children\":[{\"dir_name\":\"a\","
                                    "\"properties\":[");
                for (size_t i = 0; i < n; i++)
                        strbuf_appendf(&sb,
                                       "%s{\"name\":\"hugetlb.%zuKB.limit_in_bytes\","
                                       "\"value\":\"1048576\"}",
                                       i ? "," : "", i + 1);
                strbuf_appendf(&sb, "]}]}]}]}]}");
                img = (struct cgbind_image){ 0 };
                int r = parse(sb.buf, &img, &err);
                const struct image_hierarchy *h = r == 0 ? hier(&img, "hugetlb") : NULL;
                if (n == CGBIND_MAX_PROPS)
                        ok(r == 0 && h && tree_child(&h->root, "a") &&
                                   tree_child(&h->root, "a")->n_props == n,
                           "a CRIU cgroup of %zu properties: accepted, all kept (%s)", n, err.msg);
                else
                        ok(r < 0 && err.status == CGBIND_INVALID &&
                                   strstr(err.msg, "more than 256 properties in one cgroup") &&
                                   !strchr(err.msg, '\n'),
                           "a CRIU cgroup of %zu properties: refused, status 2, one line (%s)", n,
                           err.msg);
                if (r == 0)
                        image_free(&img);
                strbuf_free(&sb);
        }
        return tap_done();
}
