/* The image format: DESIGN.md's example, a write/parse round trip, and every
 * check an image from an untrusted container must pass before anything is
 * planned (versions, keys, the allowlist, names, caps). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cgbind/image.h"

#include "tap.h"

/* DESIGN.md, "Image format (version 1)", verbatim. */
static const char design_example[] =
        "{\n"
        "  \"cgbind\": 1,\n"
        "  \"created\": \"2026-11-28T12:00:00Z\",\n"
        "  \"container\": { \"id\": \"web-1\" },\n"
        "  \"hierarchies\": [\n"
        "    {\n"
        "      \"type\": \"cgroup2\",\n"
        "      \"controllers\": [\"cpu\", \"memory\", \"pids\"],\n"
        "      \"init\": \"init.scope\",\n"
        "      \"root\": {\n"
        "        \"properties\": { \"cgroup.subtree_control\": \"cpu memory pids\" },\n"
        "        \"children\": [\n"
        "          { \"name\": \"init.scope\", \"properties\": {}, \"children\": [] },\n"
        "          { \"name\": \"app\", \"properties\": { \"memory.max\": \"104857600\", "
        "\"pids.max\": \"64\" },\n"
        "            \"children\": [ { \"name\": \"worker\", \"properties\": { \"cpu.max\": "
        "\"50000 100000\" }, \"children\": [] } ] }\n"
        "        ]\n"
        "      }\n"
        "    },\n"
        "    {\n"
        "      \"type\": \"cgroup\",\n"
        "      \"controllers\": [\"cpu\", \"cpuacct\"],\n"
        "      \"root\": { \"properties\": {}, \"children\": [ { \"name\": \"batch\", "
        "\"properties\": { \"cpu.shares\": \"256\" }, \"children\": [] } ] }\n"
        "    }\n"
        "  ]\n"
        "}\n";

static int parse(const char *s, size_t len, struct cgbind_image *img, struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        return image_parse(s, len, img, err);
}

static const struct cg_prop *prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; i < n->n_props; i++)
                if (streq(n->props[i].name, name))
                        return &n->props[i];
        return NULL;
}

static bool prop_is(const struct cg_node *n, enum cg_version v, const char *name, const char *value)
{
        const struct cg_prop *p = prop(n, name);
        return p && streq(p->value, value) && p->def == prop_lookup(v, name);
}

static void test_design_example(void)
{
        struct cgbind_image img = { 0 };
        struct cgbind_error err;
        int r = parse(design_example, strlen(design_example), &img, &err);
        is_int(r, 0, "DESIGN.md's example parses (%s)", err.msg);
        if (r < 0)
                return;
        is_str(img.created, "2026-11-28T12:00:00Z", "created");
        is_str(img.container_id, "web-1", "container.id");
        is_int(img.n_hierarchies, 2, "two hierarchies");
        is_int(img.n_nodes, 4, "four sub-cgroups in all");

        const struct image_hierarchy *h = &img.hierarchies[0];
        ok(h->version == CG_V2, "first: cgroup2");
        is_str(h->controllers, "cpu,memory,pids", "cgroup2 controllers, canonical");
        is_str(h->init, "init.scope", "init");
        ok(h->root.name == NULL, "the top-level has no name");
        is_int(h->root.n_props, 1, "top-level: one property");
        ok(prop_is(&h->root, CG_V2, "cgroup.subtree_control", "cpu memory pids"),
           "top-level: cgroup.subtree_control = cpu memory pids, def set");
        is_int(h->root.n_children, 2, "top-level: two children");
        if (h->root.n_children == 2) {
                const struct cg_node *init = &h->root.children[0], *app = &h->root.children[1];
                is_str(init->name, "init.scope", "child 0 is init.scope (image order kept)");
                ok(init->n_props == 0 && init->n_children == 0, "init.scope: empty");
                is_str(app->name, "app", "child 1 is app");
                is_int(app->n_props, 2, "app: two properties");
                ok(prop_is(app, CG_V2, "memory.max", "104857600"), "app: memory.max");
                ok(prop_is(app, CG_V2, "pids.max", "64"), "app: pids.max");
                ok(app->n_props == 2 && streq(app->props[0].name, "memory.max") &&
                           streq(app->props[1].name, "pids.max"),
                   "app: properties in image order");
                is_int(app->n_children, 1, "app: one child");
                if (app->n_children == 1) {
                        is_str(app->children[0].name, "worker", "app/worker");
                        ok(prop_is(&app->children[0], CG_V2, "cpu.max", "50000 100000"),
                           "app/worker: cpu.max");
                        is_int(app->children[0].n_children, 0, "app/worker: a leaf");
                }
        }
        h = &img.hierarchies[1];
        ok(h->version == CG_V1, "second: cgroup v1");
        is_str(h->controllers, "cpu,cpuacct", "v1 controllers");
        ok(h->init == NULL, "v1: no init");
        is_str(image_hierarchy_label(h), "cpu,cpuacct", "label of the v1 hierarchy");
        is_str(image_hierarchy_label(&img.hierarchies[0]), "cgroup2", "label of cgroup2");
        ok(h->root.n_props == 0 && h->root.n_children == 1, "v1 top-level: one child, no props");
        if (h->root.n_children == 1) {
                is_str(h->root.children[0].name, "batch", "v1: batch");
                ok(prop_is(&h->root.children[0], CG_V1, "cpu.shares", "256"),
                   "v1: batch cpu.shares 256");
        }
        image_free(&img);
        ok(img.n_hierarchies == 0 && img.hierarchies == NULL, "image_free resets");
        image_free(&img);
}

static bool node_equal(const struct cg_node *a, const struct cg_node *b)
{
        if ((a->name == NULL) != (b->name == NULL) || (a->name && !streq(a->name, b->name)))
                return false;
        if (a->n_props != b->n_props || a->n_children != b->n_children)
                return false;
        for (size_t i = 0; i < a->n_props; i++)
                if (!streq(a->props[i].name, b->props[i].name) ||
                    !streq(a->props[i].value, b->props[i].value) ||
                    a->props[i].def != b->props[i].def)
                        return false;
        for (size_t i = 0; i < a->n_children; i++)
                if (!node_equal(&a->children[i], &b->children[i]))
                        return false;
        return true;
}

static bool opt_streq(const char *a, const char *b)
{
        return a == b || (a && b && streq(a, b));
}

static bool image_equal(const struct cgbind_image *a, const struct cgbind_image *b)
{
        if (!opt_streq(a->created, b->created) || !opt_streq(a->container_id, b->container_id) ||
            a->n_hierarchies != b->n_hierarchies || a->n_nodes != b->n_nodes)
                return false;
        for (size_t i = 0; i < a->n_hierarchies; i++) {
                const struct image_hierarchy *x = &a->hierarchies[i], *y = &b->hierarchies[i];
                if (x->version != y->version || !streq(x->controllers, y->controllers) ||
                    !opt_streq(x->init, y->init) || !node_equal(&x->root, &y->root))
                        return false;
        }
        return true;
}

static void round_trip(const char *what, const char *json)
{
        struct cgbind_image a = { 0 }, b = { 0 };
        struct strbuf out1 = { 0 }, out2 = { 0 };
        struct cgbind_error err;
        int r = parse(json, strlen(json), &a, &err);
        is_int(r, 0, "%s: parses (%s)", what, err.msg);
        r = image_write_json(&a, &out1, &err);
        is_int(r, 0, "%s: written", what);
        ok(out1.buf && out1.len > 0 && out1.buf[out1.len - 1] == '\n',
           "%s: output ends with a newline", what);
        r = out1.buf ? parse(out1.buf, out1.len, &b, &err) : -1;
        is_int(r, 0, "%s: the written image parses (%s)", what, err.msg);
        ok(r == 0 && image_equal(&a, &b), "%s: parse -> write -> parse is equal", what);
        r = image_write_json(&b, &out2, &err);
        ok(r == 0 && out1.buf && out2.buf && streq(out1.buf, out2.buf),
           "%s: writing again gives the same bytes", what);
        image_free(&a);
        image_free(&b);
        strbuf_free(&out1);
        strbuf_free(&out2);
}

static void test_round_trip(void)
{
        round_trip("DESIGN example", design_example);
        round_trip(
                "no created, no container, multi-line and escaped values",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"io\","
                "\"memory\"],\"init\":\"system.slice/init.scope\",\"root\":{\"children\":[{"
                "\"name\":\"system.slice\",\"children\":[{\"name\":\"init.scope\"},{\"name\":"
                "\"system-serial\\\\x2dgetty.slice\",\"properties\":{\"io.max\":\"8:0 "
                "rbps=1048576 wbps=max\\n8:16 riops=100\",\"memory.max\":\"max\"}}]},{"
                "\"name\":\"caf\xc3\xa9\",\"properties\":{\"io.weight\":\"default 100\\n8:0 "
                "200\"}}]}},{\"type\":\"cgroup\",\"controllers\":[\"name=systemd\"],\"root\":{"
                "\"children\":[{\"name\":\"user@1000.service\"}]}},{\"type\":\"cgroup\","
                "\"controllers\":[\"memory\"],\"root\":{\"properties\":{\"memory.use_hierarchy\":"
                "\"1\"},\"children\":[{\"name\":\"m\",\"properties\":{"
                "\"memory.limit_in_bytes\":\"-1\",\"memory.memsw.limit_in_bytes\":"
                "\"9223372036854771712\"}}]}}]}");
}

/* Refused with CGBIND_INVALID, the message mentions needle, *ret untouched. */
static void refused_len(const char *what, const char *json, size_t len, const char *needle)
{
        struct cgbind_image img = { .n_hierarchies = 4242 };
        struct cgbind_error err;
        int r = parse(json, len, &img, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, needle) &&
                   img.n_hierarchies == 4242 && img.hierarchies == NULL,
           "%s: refused, message mentions \"%s\" (%s)", what, needle, err.msg);
        if (r == 0)
                image_free(&img);
}

static void refused(const char *what, const char *json, const char *needle)
{
        refused_len(what, json, strlen(json), needle);
}

/* An image of one hierarchy, given as JSON. */
static char *one(const char *hier)
{
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[%s]}", hier);
        return sb.buf;
}

/* One v1 hierarchy with one child "c" of the given properties. */
static char *v1_child(const char *controllers, const char *props)
{
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb,
                       "{\"type\":\"cgroup\",\"controllers\":[%s],\"root\":{\"children\":[{"
                       "\"name\":\"c\",\"properties\":{%s}}]}}",
                       controllers, props);
        char *img = one(sb.buf);
        strbuf_free(&sb);
        return img;
}

static char *v2_child(const char *controllers, const char *props)
{
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb,
                       "{\"type\":\"cgroup2\",\"controllers\":[%s],\"root\":{\"children\":[{"
                       "\"name\":\"c\",\"properties\":{%s}}]}}",
                       controllers, props);
        char *img = one(sb.buf);
        strbuf_free(&sb);
        return img;
}

static void refused_owned(const char *what, char *json, const char *needle)
{
        refused(what, json, needle);
        free(json);
}

static void accepted_owned(const char *what, char *json)
{
        struct cgbind_image img = { 0 };
        struct cgbind_error err;
        int r = parse(json, strlen(json), &img, &err);
        is_int(r, 0, "%s: accepted (%s)", what, err.msg);
        image_free(&img);
        free(json);
}

static void test_refusals(void)
{
        refused_len("empty input", "", 0, "empty");
        refused("not an object", "[]", "object");
        refused("version 2", "{\"cgbind\":2,\"hierarchies\":[]}", "version 2");
        refused("version \"1\"", "{\"cgbind\":\"1\",\"hierarchies\":[]}", "cgbind");
        refused("missing \"cgbind\"", "{\"hierarchies\":[]}", "not a cgbind image");
        refused("unknown top-level key", "{\"cgbind\":1,\"hierarchies\":[],\"future\":true}",
                "unknown key \"future\"");
        refused("duplicate key", "{\"cgbind\":1,\"hierarchies\":[],\"hierarchies\":[]}",
                "duplicate key");
        refused("duplicate key in properties",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"controllers\":[\"pids\"],"
                "\"root\":{\"children\":[{\"name\":\"a\",\"properties\":{\"pids.max\":\"1\","
                "\"pids.max\":\"2\"}}]}}]}",
                "duplicate key");
        refused("hierarchies missing", "{\"cgbind\":1}", "hierarchies");
        refused("invalid UTF-8 (0xff)", "{\"cgbind\":1,\"created\":\"\xff\",\"hierarchies\":[]}",
                "UTF8");
        refused("invalid UTF-8 in a key", "{\"cgbind\":1,\"hierarchies\":[],\"\xfe\":1}", "UTF8");
        refused_owned("an overlong UTF-8 sequence in a sub-cgroup name",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":"
                          "\"caf\xc0\xaf\"}]}}"),
                      "UTF-8");
        refused_owned("a UTF-8 surrogate in a sub-cgroup name",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":"
                          "\"\xed\xa0\x80\"}]}}"),
                      "UTF-8");
        /* DESIGN: invalid UTF-8 is an error anywhere in the image; yajl's own
         * check lets overlong forms and surrogates through */
        refused("an overlong UTF-8 sequence in \"created\"",
                "{\"cgbind\":1,\"created\":\"\xc0\xaf\",\"hierarchies\":[]}", "UTF");
        refused("a UTF-8 surrogate in container.id",
                "{\"cgbind\":1,\"container\":{\"id\":\"\xed\xa0\x80\"},\"hierarchies\":[]}", "UTF");
        refused("trailing garbage", "{\"cgbind\":1,\"hierarchies\":[]} {}", "garbage");

        refused_owned("forbidden release_agent", v1_child("\"cpu\"", "\"release_agent\":\"/x\""),
                      "never");
        refused_owned("forbidden notify_on_release",
                      v1_child("\"cpu\"", "\"notify_on_release\":\"1\""), "never");
        refused_owned("forbidden cgroup.procs", v2_child("\"cpu\"", "\"cgroup.procs\":\"1\""),
                      "never");
        refused_owned("forbidden tasks", v1_child("\"cpu\"", "\"tasks\":\"1\""), "never");
        refused_owned("forbidden devices.allow",
                      v1_child("\"devices\"", "\"devices.allow\":\"a *:* rwm\""), "never");
        refused_owned("forbidden cgroup.kill", v2_child("\"cpu\"", "\"cgroup.kill\":\"1\""),
                      "never");
        refused_owned("forbidden cpuset.cpus.partition",
                      v2_child("\"cpuset\"", "\"cpuset.cpus.partition\":\"root\""), "never");
        refused_owned("forbidden cpuset.cpu_exclusive",
                      v1_child("\"cpuset\"", "\"cpuset.cpu_exclusive\":\"1\""), "never");
        refused("forbidden property on the top-level",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
                "\"root\":{\"properties\":{\"release_agent\":\"/x\"}}}]}",
                "never");
        refused_owned("unknown property cpu.bogus", v1_child("\"cpu\"", "\"cpu.bogus\":\"1\""),
                      "allowlist");
        refused_owned("v2 property in a v1 hierarchy", v1_child("\"cpu\"", "\"cpu.max\":\"max\""),
                      "allowlist");
        refused_owned("memory.limit_in_bytes in a v1 cpu hierarchy",
                      v1_child("\"cpu\"", "\"memory.limit_in_bytes\":\"1\""), "controller");
        refused_owned("memory.max in a cgroup2 hierarchy without memory",
                      v2_child("\"cpu\"", "\"memory.max\":\"1\""), "controller");
        refused_owned("bad value cpu.shares 1", v1_child("\"cpu\"", "\"cpu.shares\":\"1\""),
                      "cpu.shares");
        refused_owned("bad value memory.max 100M",
                      v2_child("\"memory\"", "\"memory.max\":\"100M\""), "memory.max");
        refused_owned("value not a string", v2_child("\"pids\"", "\"pids.max\":64"),
                      "not a string");
        refused_owned("newline in a single-line value",
                      v2_child("\"pids\"", "\"pids.max\":\"64\\n\""), "newline");

        refused_owned("name ..",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":"
                          "\"..\"}]}}"),
                      "name");
        refused_owned("name a/b",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":"
                          "\"a/b\"}]}}"),
                      "a/b");
        refused_owned("name cgroup.procs",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":"
                          "\"cgroup.procs\"}]}}"),
                      "cgroup.procs");
        refused_owned("name with a newline",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":\"a\\nb\"}]}}"),
                      "name");
        refused_owned("empty name",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":\"\"}]}}"),
                      "name");
        refused_owned("child without a name",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"properties\":{}}]}}"),
                      "name");
        refused_owned("duplicate sibling names",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":\"a\"},{"
                          "\"name\":\"b\"},{\"name\":\"a\"}]}}"),
                      "twice");
        refused_owned("a name on the top-level",
                      one("{\"type\":\"cgroup2\",\"root\":{\"name\":\"x\"}}"), "top-level");
        refused_owned("unknown key in a cgroup",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":[{\"name\":\"a\","
                          "\"limits\":{}}]}}"),
                      "unknown key");
        refused_owned("children not an array",
                      one("{\"type\":\"cgroup2\",\"root\":{\"children\":{}}}"), "children");
        refused_owned("root missing", one("{\"type\":\"cgroup2\"}"), "root");
        refused_owned("type cgroup3", one("{\"type\":\"cgroup3\",\"root\":{}}"), "cgroup3");
        refused_owned("type missing", one("{\"root\":{}}"), "type");
        refused_owned("v1 without controllers", one("{\"type\":\"cgroup\",\"root\":{}}"),
                      "controllers");
        refused_owned("unknown v2 controller",
                      one("{\"type\":\"cgroup2\",\"controllers\":[\"cpuacct\"],\"root\":{}}"),
                      "cpuacct");
        refused_owned("controller listed twice",
                      one("{\"type\":\"cgroup\",\"controllers\":[\"cpu\",\"cpu\"],\"root\":{}}"),
                      "twice");
        refused_owned("init ..", one("{\"type\":\"cgroup2\",\"init\":\"..\",\"root\":{}}"), "init");
        refused_owned("init a/../b", one("{\"type\":\"cgroup2\",\"init\":\"a/../b\",\"root\":{}}"),
                      "init");
        refused_owned("init absolute", one("{\"type\":\"cgroup2\",\"init\":\"/a\",\"root\":{}}"),
                      "init");
        refused_owned("init ending with /",
                      one("{\"type\":\"cgroup2\",\"init\":\"a/\",\"root\":{}}"), "init");
        refused_owned("init not a string", one("{\"type\":\"cgroup2\",\"init\":5,\"root\":{}}"),
                      "init");

        refused("two cgroup2 hierarchies",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\",\"root\":{}},{\"type\":"
                "\"cgroup2\",\"controllers\":[\"cpu\"],\"root\":{}}]}",
                "twice");
        refused("cpu in two v1 hierarchies",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"cpu\"],"
                "\"root\":{}},{\"type\":\"cgroup\",\"controllers\":[\"cpuacct\",\"cpu\"],"
                "\"root\":{}}]}",
                "twice");
        refused("the same v1 hierarchy twice",
                "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\",\"controllers\":[\"memory\"],"
                "\"root\":{}},{\"type\":\"cgroup\",\"controllers\":[\"memory\"],\"root\":{}}]}",
                "twice");

        /* a v1 and a v2 hierarchy may share controller names (hybrid hosts) */
        accepted_owned("cpu in v1 and cgroup2 with cpu",
                       strdup("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\","
                              "\"controllers\":[\"cpu\"],\"root\":{}},{\"type\":\"cgroup2\","
                              "\"controllers\":[\"cpu\"],\"root\":{}}]}"));
        accepted_owned("cpu and cpuacct in separate v1 hierarchies",
                       strdup("{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup\","
                              "\"controllers\":[\"cpu\"],\"root\":{}},{\"type\":\"cgroup\","
                              "\"controllers\":[\"cpuacct\"],\"root\":{}}]}"));
        accepted_owned("init as a nested path",
                       one("{\"type\":\"cgroup2\",\"init\":\"system.slice/init.scope\","
                           "\"root\":{}}"));
        accepted_owned("allowed v1 property on its controller",
                       v1_child("\"cpu\",\"cpuacct\"", "\"cpu.cfs_quota_us\":\"-1\""));
}

/* a chain of depth sub-cgroups, each the only child of the one above */
static char *chain(size_t depth)
{
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\","
                            "\"controllers\":[\"pids\"],\"root\":{\"children\":[");
        for (size_t i = 0; i < depth; i++)
                strbuf_appendf(&sb,
                               "{\"name\":\"d%zu\",\"properties\":{\"pids.max\":\"%zu\"},"
                               "\"children\":[",
                               i + 1, i + 1);
        for (size_t i = 0; i < depth; i++)
                strbuf_append(&sb, "]}", 2);
        strbuf_appendf(&sb, "]}}]}");
        return sb.buf;
}

static size_t tree_depth(const struct cg_node *n)
{
        size_t d = 0;
        for (size_t i = 0; i < n->n_children; i++) {
                size_t c = tree_depth(&n->children[i]) + 1;
                if (c > d)
                        d = c;
        }
        return d;
}

static char *flat(size_t n)
{
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\","
                            "\"root\":{\"children\":[");
        for (size_t i = 0; i < n; i++)
                strbuf_appendf(&sb, "%s{\"name\":\"n%zu\"}", i ? "," : "", i);
        strbuf_appendf(&sb, "]}}]}");
        return sb.buf;
}

static void test_caps(void)
{
        struct cgbind_image img = { 0 };
        struct cgbind_error err;

        char *json = chain(CGBIND_MAX_DEPTH);
        int r = parse(json, strlen(json), &img, &err);
        is_int(r, 0, "a tree 64 sub-cgroups deep is accepted (%s)", err.msg);
        if (r == 0) {
                is_int(tree_depth(&img.hierarchies[0].root), 64, "depth 64 kept");
                is_int(img.n_nodes, 64, "64 nodes counted");
                /* about 130 JSON levels: written and read back whole */
                struct strbuf out = { 0 };
                struct cgbind_image back = { 0 };
                r = image_write_json(&img, &out, &err);
                ok(r == 0 && parse(out.buf, out.len, &back, &err) == 0 && image_equal(&img, &back),
                   "a tree 64 deep writes and reads back the same (%s)", err.msg);
                image_free(&back);
                strbuf_free(&out);
        }
        image_free(&img);
        free(json);
        refused_owned("a tree 65 sub-cgroups deep", chain(CGBIND_MAX_DEPTH + 1), "deeper");
        refused_owned("a tree 1000 sub-cgroups deep", chain(1000), "deep");

        json = flat(CGBIND_MAX_NODES);
        r = parse(json, strlen(json), &img, &err);
        is_int(r, 0, "100000 sub-cgroups are accepted (%s)", err.msg);
        if (r == 0)
                is_int(img.n_nodes, CGBIND_MAX_NODES, "100000 nodes counted");
        image_free(&img);
        free(json);
        refused_owned("100001 sub-cgroups", flat(CGBIND_MAX_NODES + 1), "more than 100000");

        /* the node cap counts across hierarchies */
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[");
        for (int h = 0; h < 2; h++) {
                strbuf_appendf(&sb,
                               "%s{\"type\":\"cgroup\",\"controllers\":[\"%s\"],"
                               "\"root\":{\"children\":[",
                               h ? "," : "", h ? "memory" : "cpu");
                for (size_t i = 0; i < CGBIND_MAX_NODES / 2 + 1; i++)
                        strbuf_appendf(&sb, "%s{\"name\":\"n%zu\"}", i ? "," : "", i);
                strbuf_appendf(&sb, "]}}");
        }
        strbuf_appendf(&sb, "]}");
        refused_owned("50001 sub-cgroups in each of two hierarchies", sb.buf, "more than 100000");

        /* a value of exactly 64 KiB passes, one byte more does not */
        for (size_t target = CGBIND_MAX_VALUE; target <= CGBIND_MAX_VALUE + 1; target++) {
                struct strbuf v = { 0 };
                /* lines of 11 bytes until 18..28 are left; the last line takes
                 * exactly that: "8:0 rbps=1" and up to 18 zeros (19 digits) */
                while (target - v.len > 28)
                        strbuf_append(&v, "8:0 rbps=1\n", 11);
                size_t left = target - v.len;
                strbuf_append(&v, "8:0 rbps=1", 10);
                for (size_t i = 10; i < left; i++)
                        strbuf_append(&v, "0", 1);
                struct strbuf doc = { 0 };
                strbuf_appendf(&doc, "{\"cgbind\":1,\"hierarchies\":[{\"type\":\"cgroup2\","
                                     "\"controllers\":[\"io\"],\"root\":{\"children\":[{"
                                     "\"name\":\"c\",\"properties\":{\"io.max\":\"");
                for (size_t i = 0; i < v.len; i++)
                        if (v.buf[i] == '\n')
                                strbuf_append(&doc, "\\n", 2);
                        else
                                strbuf_append(&doc, &v.buf[i], 1);
                strbuf_appendf(&doc, "\"}}]}}]}");
                if (v.len != target)
                        abort();
                if (target == CGBIND_MAX_VALUE) {
                        r = parse(doc.buf, doc.len, &img, &err);
                        is_int(r, 0, "an io.max value of exactly 64 KiB is accepted (%s)", err.msg);
                        image_free(&img);
                        strbuf_free(&doc);
                } else {
                        refused_owned("an io.max value of 64 KiB + 1", doc.buf, "longer");
                }
                strbuf_free(&v);
        }
}

static double cpu_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The caps bound the input, and the work must stay proportional to it: an
 * image comes from an untrusted container and the hook blocks its start. */
static void test_wide_object(void)
{
        enum { KEYS = 20000 };
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"cgbind\":1,\"hierarchies\":[],\"container\":{\"id\":\"w\"");
        for (size_t i = 0; i < KEYS; i++)
                strbuf_appendf(&sb, ",\"k%zx\":0", i);
        strbuf_appendf(&sb, "}}");
        struct cgbind_image img = { 0 };
        struct cgbind_error err;
        double t0 = cpu_seconds();
        int r = parse(sb.buf, sb.len, &img, &err);
        double spent = cpu_seconds() - t0;
        is_int(r, 0, "an object of %d keys (%zu bytes) parses (%s)", KEYS, sb.len, err.msg);
        /* a sort or a hash makes this milliseconds; a linear duplicate-key
         * search per key makes it seconds, and hours at the 64 MiB cap */
        ok(spent < 0.2, "... in under 0.2 s of CPU (took %.2f s)", spent);
        image_free(&img);
        strbuf_free(&sb);
}

/* ---- image_validate on trees built by hand (what every parser hands it) ---- */

static void add_prop(struct cg_node *n, enum cg_version v, const char *name, const char *value)
{
        cg_node_add_prop(n, prop_lookup(v, name), name, value);
}

/* A valid two-hierarchy image: v1 cpu,cpuacct with a/b, cgroup2 memory with x. */
static void build(struct cgbind_image *img)
{
        *img = (struct cgbind_image){ 0 };
        img->hierarchies = xcalloc(2, sizeof(*img->hierarchies));
        img->n_hierarchies = 2;
        struct image_hierarchy *h = &img->hierarchies[0];
        h->version = CG_V1;
        h->controllers = xstrdup("cpu,cpuacct");
        struct cg_node *a = cg_node_add_child(&h->root, "a");
        add_prop(a, CG_V1, "cpu.shares", "512");
        cg_node_add_child(a, "b");
        h = &img->hierarchies[1];
        h->version = CG_V2;
        h->controllers = xstrdup("memory");
        h->init = xstrdup("x");
        add_prop(&h->root, CG_V2, "cgroup.subtree_control", "memory");
        add_prop(cg_node_add_child(&h->root, "x"), CG_V2, "memory.max", "1000");
}

static void validate_refused(const char *what, struct cgbind_image *img, const char *needle)
{
        struct cgbind_error err = { 0 };
        img->n_nodes = 4242;
        int r = image_validate(img, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, needle),
           "image_validate, %s: refused, message mentions \"%s\" (%s)", what, needle, err.msg);
        image_free(img);
}

static void test_validate(void)
{
        struct cgbind_image img;
        struct cgbind_error err = { 0 };

        build(&img);
        int r = image_validate(&img, &err);
        is_int(r, 0, "image_validate: a hand-built image passes (%s)", err.msg);
        is_int(img.n_nodes, 3, "image_validate sets n_nodes (a, a/b, x)");
        is_int(cg_node_count(&img.hierarchies[0].root), 2, "cg_node_count: 2 below the v1 top");
        is_int(cg_node_count(&img.hierarchies[0].root.children[0].children[0]), 0,
               "cg_node_count of a leaf: 0");
        ok(cg_node_find_duplicate(&img.hierarchies[0].root) == NULL,
           "cg_node_find_duplicate: none");

        /* written and read back: the same tree */
        struct strbuf out = { 0 };
        r = image_write_json(&img, &out, &err);
        struct cgbind_image back = { 0 };
        ok(r == 0 && parse(out.buf, out.len, &back, &err) == 0 && image_equal(&img, &back),
           "a hand-built image writes and parses back equal (%s)", err.msg);
        image_free(&back);
        strbuf_free(&out);
        image_hierarchy_free(&img.hierarchies[1]);
        ok(img.hierarchies[1].controllers == NULL && img.hierarchies[1].root.n_children == 0,
           "image_hierarchy_free resets");
        image_hierarchy_free(&img.hierarchies[1]);
        image_free(&img);

        build(&img);
        cg_node_add_child(&img.hierarchies[0].root, "c");
        cg_node_add_child(&img.hierarchies[0].root, "a");
        ok(has_str(cg_node_find_duplicate(&img.hierarchies[0].root), "a"),
           "cg_node_find_duplicate names the twice-used a");
        validate_refused("a sub-cgroup twice", &img, "twice");

        build(&img);
        img.hierarchies[1].root.children[0].props[0].def = NULL;
        validate_refused("a property without its allowlist entry", &img, "allowlist");

        build(&img);
        add_prop(&img.hierarchies[0].root.children[0], CG_V1, "release_agent", "/x");
        validate_refused("release_agent", &img, "never");

        build(&img);
        add_prop(&img.hierarchies[0].root.children[0], CG_V1, "memory.limit_in_bytes", "1");
        validate_refused("a property of a controller the hierarchy lacks", &img, "controller");

        build(&img);
        add_prop(&img.hierarchies[0].root.children[0], CG_V1, "cpu.cfs_period_us", "1");
        validate_refused("a value outside its grammar", &img, "cpu.cfs_period_us");

        build(&img);
        add_prop(&img.hierarchies[0].root.children[0], CG_V1, "cpu.shares", "1024");
        validate_refused("a property given twice", &img, "twice");

        build(&img);
        free(img.hierarchies[0].controllers);
        img.hierarchies[0].controllers = xstrdup("");
        validate_refused("v1 without controllers", &img, "controllers");

        build(&img);
        free(img.hierarchies[0].controllers);
        img.hierarchies[0].controllers = NULL;
        validate_refused("controllers NULL", &img, "controllers");

        build(&img);
        free(img.hierarchies[0].controllers);
        img.hierarchies[0].controllers = xstrdup("cpu,CPU");
        validate_refused("a controller name in capitals", &img, "not valid");

        build(&img);
        free(img.hierarchies[1].controllers);
        img.hierarchies[1].controllers = xstrdup("cpuacct");
        validate_refused("cpuacct on cgroup2", &img, "cpuacct");

        build(&img);
        img.hierarchies[1].version = 3;
        validate_refused("version 3", &img, "version");

        build(&img);
        img.hierarchies[0].root.name = xstrdup("top");
        validate_refused("a named top-level", &img, "top-level");

        build(&img);
        free(img.hierarchies[0].root.children[0].children[0].name);
        img.hierarchies[0].root.children[0].children[0].name = NULL;
        validate_refused("a sub-cgroup without a name", &img, "without a name");

        build(&img);
        free(img.hierarchies[0].root.children[0].children[0].name);
        img.hierarchies[0].root.children[0].children[0].name = xstrdup("..");
        validate_refused("a sub-cgroup named ..", &img, "name");

        static const char *const bad_init[] = { "/x",     "x/", "x//y",        "..",
                                                "x/../y", "",   "cgroup.procs" };
        for (size_t i = 0; i < ARRAY_SIZE(bad_init); i++) {
                build(&img);
                free(img.hierarchies[1].init);
                img.hierarchies[1].init = xstrdup(bad_init[i]);
                char what[64];
                snprintf(what, sizeof(what), "init \"%s\"", bad_init[i]);
                validate_refused(what, &img, "init");
        }

        /* overlap: a controller in two v1 hierarchies, two cgroup2 */
        build(&img);
        img.hierarchies = xreallocarray(img.hierarchies, 3, sizeof(*img.hierarchies));
        img.hierarchies[2] =
                (struct image_hierarchy){ .version = CG_V1, .controllers = xstrdup("cpu") };
        img.n_hierarchies = 3;
        validate_refused("cpu,cpuacct and cpu", &img, "shared");
        build(&img);
        img.hierarchies = xreallocarray(img.hierarchies, 3, sizeof(*img.hierarchies));
        img.hierarchies[2] =
                (struct image_hierarchy){ .version = CG_V2, .controllers = xstrdup("") };
        img.n_hierarchies = 3;
        validate_refused("two cgroup2 hierarchies", &img, "twice");

        /* more hierarchies than the cap */
        img = (struct cgbind_image){ 0 };
        img.n_hierarchies = CGBIND_MAX_HIERARCHIES + 1;
        img.hierarchies = xcalloc(img.n_hierarchies, sizeof(*img.hierarchies));
        for (size_t i = 0; i < img.n_hierarchies; i++) {
                char name[16];
                snprintf(name, sizeof(name), "name=h%zu", i);
                img.hierarchies[i] =
                        (struct image_hierarchy){ .version = CG_V1, .controllers = xstrdup(name) };
        }
        err = (struct cgbind_error){ 0 };
        r = image_validate(&img, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "more than 64"),
           "image_validate: 65 hierarchies refused (%s)", err.msg);
        img.n_hierarchies = CGBIND_MAX_HIERARCHIES;
        err = (struct cgbind_error){ 0 };
        r = image_validate(&img, &err);
        is_int(r, 0, "image_validate: 64 named hierarchies accepted (%s)", err.msg);
        img.n_hierarchies = CGBIND_MAX_HIERARCHIES + 1;
        image_free(&img);

        /* a tree deeper than the cap, built by hand (no parser stopped it) */
        build(&img);
        struct cg_node *n = &img.hierarchies[1].root.children[0];
        for (int i = 1; i < CGBIND_MAX_DEPTH; i++)
                n = cg_node_add_child(n, "d");
        err = (struct cgbind_error){ 0 };
        is_int(image_validate(&img, &err), 0, "a hand-built tree 64 deep passes (%s)", err.msg);
        cg_node_add_child(n, "d");
        validate_refused("a hand-built tree 65 deep", &img, "deeper");

        /* the writer takes a validated image: a name that is not UTF-8 never
         * reaches it, image_validate refuses it first */
        build(&img);
        free(img.hierarchies[0].root.children[0].name);
        img.hierarchies[0].root.children[0].name = xstrdup("caf\xc3");
        validate_refused("a sub-cgroup name that is not UTF-8", &img, "UTF-8");

        /* what JSON must escape is escaped, and reads back the same */
        build(&img);
        img.container_id = xstrdup("a\"b\\c\x01d\te\x7f");
        img.created = xstrdup("2026-12-01T00:00:00Z");
        free(img.hierarchies[0].root.children[0].name);
        img.hierarchies[0].root.children[0].name = xstrdup("q\"u\\o te\xc3\xa9");
        err = (struct cgbind_error){ 0 };
        out = (struct strbuf){ 0 };
        r = image_validate(&img, &err);
        if (r == 0)
                r = image_write_json(&img, &out, &err);
        back = (struct cgbind_image){ 0 };
        ok(r == 0 && parse(out.buf, out.len, &back, &err) == 0 && image_equal(&img, &back),
           "quotes, backslashes and control characters are escaped and read back (%s)", err.msg);
        ok(out.buf && !memchr(out.buf, 0x01, out.len) && !memchr(out.buf, 0x7f, out.len),
           "no control character is written raw");
        image_free(&back);
        strbuf_free(&out);
        image_free(&img);
}

/* ---- the per-cgroup property cap (issue 23, class 6) ---- */

/* What every refusal of the cap says: one line, status 2. */
static bool props_cap_refusal(int r, const struct cgbind_error *err)
{
        return r < 0 && err->status == CGBIND_INVALID &&
               has_str(err->msg, "more than 256 properties in one cgroup") &&
               !strchr(err->msg, '\n');
}

/* One hierarchy with one child "c" of n distinct hugetlb properties (a
 * pattern: every size is a name of its own, so only the cap bounds them). */
static char *hugetlb_child(enum cg_version v, size_t n)
{
        struct strbuf props = { 0 };
        for (size_t i = 0; i < n; i++)
                strbuf_appendf(&props, "%s\"hugetlb.%zuKB.%s\":\"%s\"", i ? "," : "", i + 1,
                               v == CG_V1 ? "limit_in_bytes" : "max",
                               v == CG_V1 ? "1048576" : "max");
        char *json = v == CG_V1 ? v1_child("\"hugetlb\"", props.buf)
                                : v2_child("\"hugetlb\"", props.buf);
        strbuf_free(&props);
        return json;
}

/* The cap bounds each cgroup's properties (and so the sort that finds a
 * name given twice): CGBIND_MAX_PROPS pass, one more is refused, by the
 * native parser as it builds the tree and by image_validate on a tree built
 * in memory (what save and the CRIU reader hand it). */
static void test_props_cap(void)
{
        for (enum cg_version v = CG_V1; v <= CG_V2; v++) {
                int ver = v == CG_V1 ? 1 : 2;
                for (size_t n = CGBIND_MAX_PROPS; n <= CGBIND_MAX_PROPS + 1; n++) {
                        struct cgbind_image img = { .n_hierarchies = 4242 };
                        struct cgbind_error err;
                        char *json = hugetlb_child(v, n);
                        int r = parse(json, strlen(json), &img, &err);
                        if (n == CGBIND_MAX_PROPS)
                                ok(r == 0 && img.n_hierarchies == 1 &&
                                           img.hierarchies[0].root.n_children == 1 &&
                                           img.hierarchies[0].root.children[0].n_props == n,
                                   "v%d: %zu properties in one cgroup are accepted and kept (%s)",
                                   ver, n, err.msg);
                        else
                                ok(props_cap_refusal(r, &err) && img.n_hierarchies == 4242 &&
                                           img.hierarchies == NULL,
                                   "v%d: %zu properties in one cgroup are refused, status 2, one "
                                   "line (%s)",
                                   ver, n, err.msg);
                        if (r == 0)
                                image_free(&img);
                        free(json);
                }
        }

        /* the same in a tree built in memory, at the top-level and below it */
        for (int at_root = 0; at_root <= 1; at_root++) {
                for (size_t n = CGBIND_MAX_PROPS; n <= CGBIND_MAX_PROPS + 1; n++) {
                        struct cgbind_image img = { 0 };
                        img.hierarchies = xcalloc(1, sizeof(*img.hierarchies));
                        img.n_hierarchies = 1;
                        struct image_hierarchy *h = &img.hierarchies[0];
                        h->version = CG_V2;
                        h->controllers = xstrdup("hugetlb");
                        struct cg_node *c = cg_node_add_child(&h->root, "c");
                        struct cg_node *node = at_root ? &h->root : c;
                        for (size_t i = 0; i < n; i++) {
                                char name[64];
                                snprintf(name, sizeof(name), "hugetlb.%zuKB.max", i + 1);
                                add_prop(node, CG_V2, name, "max");
                        }
                        struct cgbind_error err = { 0 };
                        int r = image_validate(&img, &err);
                        if (n == CGBIND_MAX_PROPS)
                                is_int(r, 0,
                                       "image_validate: %zu properties in one cgroup (%s) pass "
                                       "(%s)",
                                       n, at_root ? "the top-level" : "a sub-cgroup", err.msg);
                        else
                                ok(props_cap_refusal(r, &err),
                                   "image_validate: %zu properties in one cgroup (%s) are "
                                   "refused, status 2, one line (%s)",
                                   n, at_root ? "the top-level" : "a sub-cgroup", err.msg);
                        image_free(&img);
                }
        }
}

/* cg_node_merge: dst += src by name, dst's own properties win, and with a
 * controller list only those controllers' properties (and core files) come over. */
static void test_merge(void)
{
        struct cg_node dst = { 0 }, src = { 0 };
        struct cg_node *a = cg_node_add_child(&src, "a");
        add_prop(a, CG_V1, "cpu.shares", "512");
        add_prop(a, CG_V1, "pids.max", "10");
        add_prop(a, CG_V1, "cgroup.clone_children", "1");
        cg_node_add_child(a, "b");
        add_prop(cg_node_add_child(&src, "c"), CG_V1, "memory.limit_in_bytes", "1000");
        struct cg_node *da = cg_node_add_child(&dst, "a");
        add_prop(da, CG_V1, "cpu.shares", "1024");

        cg_node_merge(&dst, &src, "cpu");
        is_int(dst.n_children, 2, "merge: a and c");
        da = &dst.children[0];
        ok(streq(da->name, "a") && da->n_children == 1 && streq(da->children[0].name, "b"),
           "merge: a/b added under the existing a");
        ok(prop_is(da, CG_V1, "cpu.shares", "1024"), "merge: dst's own cpu.shares stays");
        ok(prop_is(da, CG_V1, "cgroup.clone_children", "1"), "merge: a core file comes over");
        ok(prop(da, "pids.max") == NULL && prop(&dst.children[1], "memory.limit_in_bytes") == NULL,
           "merge with \"cpu\": no pids or memory property comes over");
        ok(streq(dst.children[1].name, "c") && dst.children[1].n_props == 0,
           "merge: c is there, without properties");
        is_int(cg_node_count(&dst), 3, "merge: three sub-cgroups");

        struct cg_node all = { 0 };
        cg_node_merge(&all, &src, NULL);
        ok(all.n_children == 2 && all.children[0].n_props == 3 && all.children[1].n_props == 1,
           "merge without a controller list copies every property");
        ok(all.children[0].name != src.children[0].name &&
                   all.children[0].props[0].value != src.children[0].props[0].value,
           "merge copies (no shared strings)");
        cg_node_free(&all);
        cg_node_free(&dst);
        cg_node_free(&src);
        ok(src.n_children == 0 && src.children == NULL, "cg_node_free resets");
}

static void test_init_caps(void)
{
        /* an init path of 64 levels passes, 65 is refused, and so is one
         * longer than CGBIND_MAX_PATH */
        for (int depth = CGBIND_MAX_DEPTH; depth <= CGBIND_MAX_DEPTH + 1; depth++) {
                struct strbuf sb = { 0 };
                strbuf_appendf(&sb, "{\"type\":\"cgroup2\",\"init\":\"");
                for (int i = 0; i < depth; i++)
                        strbuf_appendf(&sb, "%sd", i ? "/" : "");
                strbuf_appendf(&sb, "\",\"root\":{}}");
                if (depth == CGBIND_MAX_DEPTH)
                        accepted_owned("init 64 levels deep", one(sb.buf));
                else
                        refused_owned("init 65 levels deep", one(sb.buf), "deeper");
                strbuf_free(&sb);
        }
        struct strbuf sb = { 0 };
        strbuf_appendf(&sb, "{\"type\":\"cgroup2\",\"init\":\"");
        for (int i = 0; i < 20; i++)
                strbuf_appendf(&sb, "%s%0250d", i ? "/" : "", i);
        strbuf_appendf(&sb, "\",\"root\":{}}");
        refused_owned("init of 5019 bytes", one(sb.buf), "longer");
        strbuf_free(&sb);
}

/* cg_node_at: the one walk of a tree by path, first match at each step */
static void test_node_at(void)
{
        struct cg_node root = { 0 };
        struct cg_node *a = cg_node_add_child(&root, "a");
        cg_node_add_child(a, "b");
        cg_node_add_child(&root, "ab");
        /* a second child of one name (validation refuses it; the walk keeps the first) */
        cg_node_add_child(&root, "a");
        a = &root.children[0];
        ok(cg_node_at(&root, "") == &root && cg_node_at(&root, "/") == &root, "\"\" is the node");
        ok(cg_node_at(&root, "a") == a, "a: the first child of that name");
        ok(cg_node_at(&root, "a/b") == &a->children[0] &&
                   cg_node_at(&root, "a//b/") == &a->children[0],
           "a/b, with repeated and trailing slashes");
        ok(cg_node_at(&root, "ab") == &root.children[1], "ab is not a");
        ok(!cg_node_at(&root, "a/c") && !cg_node_at(&root, "b") && !cg_node_at(&root, "a/b/c"),
           "a path the tree does not hold: NULL");
        ok(cg_node_child(&root, "abc", 1) == a &&
                   cg_node_child(&root, "abc", 2) == &root.children[1],
           "cg_node_child takes a length");
        cg_node_free(&root);
}

int main(void)
{
        test_design_example();
        test_round_trip();
        test_refusals();
        test_caps();
        test_wide_object();
        test_validate();
        test_props_cap();
        test_merge();
        test_init_caps();
        test_node_at();
        return tap_done();
}
