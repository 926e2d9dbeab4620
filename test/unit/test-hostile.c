/* Hostile images that the parser and image_validate() refuse (status 2, one
 * message naming the reason), as a table: each case runs in a cgroup v1
 * pids hierarchy and in cgroup v2's (where the two differ, each has its own
 * input). These were end-to-end bats tests on a real container; what they
 * check is the parser's answer, so they live here, and hostile.bats keeps
 * the cases that need a container and the check that nothing changed. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"

#include "tap.h"

struct hostile {
        const char *what;
        const char *props;    /* the top-level's properties ("{}" when NULL) */
        const char *children; /* the top-level's children ("" when NULL) */
        const char *want;     /* in the message, both versions */
        const char *v1_props; /* v1 only, instead of props */
        const char *v2_props;
        const char *v1_children;
        const char *v2_children;
        const char *v1_want;
        const char *v2_want;
        const char *raw; /* a whole document instead ("%s" is the hierarchy's type and
                            controllers) */
};

#define CHILD(name, props) "{ \"name\": " name ", \"properties\": " props ", \"children\": [] }"

static const struct hostile cases[] = {
        /* DESIGN's never-list, at the top-level and in a sub-cgroup */
        { "never-listed release_agent at the top-level", "{ \"release_agent\": \"/x\" }", NULL,
          "property release_agent is never written by cgbind" },
        { "never-listed release_agent in a sub-cgroup", NULL,
          CHILD("\"app\"", "{ \"release_agent\": \"/x\" }"),
          "property release_agent is never written by cgbind" },
        { "never-listed notify_on_release", NULL,
          CHILD("\"app\"", "{ \"notify_on_release\": \"1\" }"),
          "property notify_on_release is never written" },
        { "never-listed tasks", "{ \"tasks\": \"1\" }", NULL, "property tasks is never written" },
        { "never-listed cgroup.procs", NULL, CHILD("\"app\"", "{ \"cgroup.procs\": \"1\" }"),
          "property cgroup.procs is never written" },
        { "never-listed cgroup.threads", "{ \"cgroup.threads\": \"1\" }", NULL,
          "property cgroup.threads is never written" },
        { "never-listed cgroup.kill", NULL, CHILD("\"app\"", "{ \"cgroup.kill\": \"1\" }"),
          "property cgroup.kill is never written" },
        { "never-listed cgroup.freeze", "{ \"cgroup.freeze\": \"1\" }", NULL,
          "property cgroup.freeze is never written" },
        { "never-listed freezer.state", NULL, CHILD("\"app\"", "{ \"freezer.state\": \"FROZEN\" }"),
          "property freezer.state is never written" },
        { "never-listed devices.allow", NULL, CHILD("\"app\"", "{ \"devices.allow\": \"a\" }"),
          "property devices.allow is never written" },
        { "never-listed devices.deny", "{ \"devices.deny\": \"a\" }", NULL,
          "property devices.deny is never written" },
        { "never-listed cpuset.cpus.partition", NULL,
          CHILD("\"app\"", "{ \"cpuset.cpus.partition\": \"root\" }"),
          "property cpuset.cpus.partition is never written" },
        { "never-listed cpuset.cpus.exclusive", NULL,
          CHILD("\"app\"", "{ \"cpuset.cpus.exclusive\": \"0\" }"),
          "property cpuset.cpus.exclusive is never written" },
        { "never-listed cpuset.cpu_exclusive", "{ \"cpuset.cpu_exclusive\": \"1\" }", NULL,
          "property cpuset.cpu_exclusive is never written" },
        { "never-listed cpuset.mem_exclusive", NULL,
          CHILD("\"app\"", "{ \"cpuset.mem_exclusive\": \"1\" }"),
          "property cpuset.mem_exclusive is never written" },
        { "never-listed cpuset.sched_load_balance", NULL,
          CHILD("\"app\"", "{ \"cpuset.sched_load_balance\": \"0\" }"),
          "property cpuset.sched_load_balance is never written" },
        { "never-listed cpuset.sched_relax_domain_level", NULL,
          CHILD("\"app\"", "{ \"cpuset.sched_relax_domain_level\": \"5\" }"),
          "property cpuset.sched_relax_domain_level is never written" },
        /* properties outside the allowlist or its grammar */
        { "an unknown property (pids.current, read-only)", NULL,
          CHILD("\"app\"", "{ \"pids.current\": \"1\" }"),
          "property pids.current is not in the allowlist" },
        { "a property name with a path in it (../release_agent)", NULL,
          CHILD("\"app\"", "{ \"../release_agent\": \"/tmp/x\" }"), "is not in the allowlist" },
        { .what = "a property under the wrong controller (memory in the pids hierarchy)",
          .v1_children = CHILD("\"app\"", "{ \"memory.limit_in_bytes\": \"1048576\" }"),
          .v2_children = CHILD("\"app\"", "{ \"memory.max\": \"1048576\" }"),
          .want = "belongs to a controller this hierarchy does not have" },
        { "a value with a newline injected (\"100\\n+cpu\")", NULL,
          CHILD("\"app\"", "{ \"pids.max\": \"100\\n+cpu\" }"), "newline in a single-line value" },
        { .what = "cgroup.subtree_control with a newline injected",
          .props = "{ \"cgroup.subtree_control\": \"pids\\n+cpu\" }",
          .v1_want = "not in the allowlist",
          .v2_want = "newline in a single-line value" },
        /* issue 23.5: what the caps count follows from the declared list */
        { .what = "cgroup.subtree_control naming a controller not declared (memory with [pids])",
          .props = "{ \"cgroup.subtree_control\": \"memory pids\" }",
          .v1_want = "not in the allowlist",
          .v2_want = "value of cgroup.subtree_control: controller memory is not one of the "
                     "hierarchy's controllers" },
        { .what = "the same, in a sub-cgroup",
          .children = CHILD("\"app\"", "{ \"cgroup.subtree_control\": \"pids cpu\" }"),
          .v1_want = "not in the allowlist",
          .v2_want = "controller cpu is not one of the hierarchy's controllers" },
        { "a negative value (-5)", NULL, CHILD("\"app\"", "{ \"pids.max\": \"-5\" }"),
          "value of pids.max" },
        { "a huge number (past int64)", NULL,
          CHILD("\"app\"", "{ \"pids.max\": \"99999999999999999999999999\" }"),
          "value of pids.max" },
        { "a number past the property's range (pids.max 2^31)", NULL,
          CHILD("\"app\"", "{ \"pids.max\": \"2147483648\" }"), "value of pids.max" },
        { "\"max max\"", NULL, CHILD("\"app\"", "{ \"pids.max\": \"max max\" }"),
          "value of pids.max" },
        { "a value that is a JSON number, not a string", NULL,
          CHILD("\"app\"", "{ \"pids.max\": 5 }"), "is not a string" },
        { "\\u0000 in a value", NULL, CHILD("\"app\"", "{ \"pids.max\": \"5\\u0000\\n+cpu\" }"),
          "contains a NUL character" },
        /* sub-cgroup names */
        { "name ..", NULL, CHILD("\"..\"", "{}"), "name is . or .." },
        { "name .", NULL, CHILD("\".\"", "{}"), "name is . or .." },
        { "name a/b", NULL, CHILD("\"a/b\"", "{}"), "contains '/'" },
        { "name ../../escape", NULL, CHILD("\"../../escape\"", "{}"), "contains '/'" },
        { "name with a newline", NULL, CHILD("\"a\\nb\"", "{}"), "control character" },
        { "name with a tab", NULL, CHILD("\"a\\tb\"", "{}"), "control character" },
        { "cgroup.procs as a directory name", NULL, CHILD("\"cgroup.procs\"", "{}"),
          "name starts with cgroup." },
        { "an interface file's name as a directory name (pids.max)", NULL,
          CHILD("\"pids.max\"", "{}"), "name is that of an interface file" },
        { "tasks as a directory name", NULL, CHILD("\"tasks\"", "{}"),
          "name is that of an interface file" },
        { "a controller prefix as a directory name (memory.x)", NULL, CHILD("\"memory.x\"", "{}"),
          "name is that of an interface file" },
        { "invalid UTF-8 in a name", NULL,
          CHILD("\"a\xff\xfe"
                "b\"",
                "{}"),
          "UTF8" },
        { "\\u0000 in a name", NULL, CHILD("\"app\\u0000/../x\"", "{}"), "contains a NUL" },
        { "the same name twice", NULL, CHILD("\"app\"", "{}") ", " CHILD("\"app\"", "{}"),
          "appears twice" },
        { "an empty name", NULL, CHILD("\"\"", "{}"), "empty name" },
        { "a sub-cgroup without a name", NULL, "{ \"properties\": {} }",
          "a sub-cgroup has no \"name\" string" },
        { "a name that is a number", NULL, "{ \"name\": 5 }", "has no \"name\" string" },
        /* the format */
        { "duplicate keys", NULL, CHILD("\"app\"", "{ \"pids.max\": \"5\", \"pids.max\": \"6\" }"),
          "duplicate key" },
        { "an unknown key in a cgroup", NULL, "{ \"name\": \"app\", \"release_agent\": \"/x\" }",
          "unknown key" },
        { "children that is an object", NULL, "{ \"name\": \"app\", \"children\": {} }",
          "\"children\" is not an array" },
        { "properties that is an array", NULL, "{ \"name\": \"app\", \"properties\": [] }",
          "\"properties\" is not an object" },
        { .what = "image version 2",
          .raw = "{ \"cgbind\": 2, \"hierarchies\": [] }",
          .want = "version 2 is not supported" },
        { .what = "no version",
          .raw = "{ \"hierarchies\": [] }",
          .want = "not a cgbind image (no \"cgbind\" version)" },
        { .what = "an unknown top-level key (a newer version's)",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [], \"release_agent\": \"/x\" }",
          .want = "unknown key" },
        { .what = "crit magic with garbage",
          .raw = "{ \"magic\": \"CGROUP\", \"entries\": \"\\u00ff garbage\", \"x\": [[[{}]]] }",
          .want = "image (" },
        { .what = "an init that leaves the tree (../x)",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"init\": \"../x\", \"root\": {} } ] }",
          .want = "\"init\" ../x is not a relative path" },
        { .what = "an absolute init (/init.scope)",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"init\": \"/init.scope\", \"root\": "
                 "{} } ] }",
          .want = "is not a relative path" },
        { .what = "an init with an empty component (a//b)",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"init\": \"a//b\", \"root\": {} } ] }",
          .want = "is not a relative path" },
        { .what = "a named top-level",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { \"name\": \"x\" } } ] }",
          .want = "the top-level cgroup has no name" },
        { .what = "the same hierarchy twice",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": {} }, { %s, \"root\": {} } "
                 "] }",
          .want = "named twice" },
        { .what = "not JSON at all",
          .raw = "\x7f"
                 "ELF\x02\x01\x01",
          .want = "not valid JSON" },
        { .what = "two documents",
          .raw = "{ \"cgbind\": 1, \"hierarchies\": [] } {}",
          .want = "not valid JSON" },
        { .what = "a JSON string, not an object",
          .raw = "\"cgbind\"",
          .want = "expected an object" },
};

static const char *hier(int v)
{
        return v == 1 ? "\"type\": \"cgroup\", \"controllers\": [\"pids\"]"
                      : "\"type\": \"cgroup2\", \"controllers\": [\"pids\"]";
}

static void run_case(const struct hostile *c, int v)
{
        struct strbuf doc = { 0 };
        if (c->raw) {
                /* up to two %s: the hierarchy each time */
                const char *p = c->raw, *s;
                while ((s = strstr(p, "%s"))) {
                        strbuf_append(&doc, p, (size_t)(s - p));
                        strbuf_puts(&doc, hier(v));
                        p = s + 2;
                }
                strbuf_puts(&doc, p);
        } else {
                const char *props = (v == 1 ? c->v1_props : c->v2_props);
                const char *children = (v == 1 ? c->v1_children : c->v2_children);
                if (!props)
                        props = c->props ? c->props : "{}";
                if (!children)
                        children = c->children ? c->children : "";
                strbuf_appendf(&doc,
                               "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { "
                               "\"properties\": %s, \"children\": [ %s ] } } ] }",
                               hier(v), props, children);
        }
        const char *want = (v == 1 ? c->v1_want : c->v2_want);
        if (!want)
                want = c->want;
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        int r = image_parse(doc.buf, doc.len, &img, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, want) &&
                   !memchr(err.msg, '\n', strlen(err.msg)),
           "v%d: %s: refused with status 2, \"%s\" (got %d, %d: %s)", v, c->what, want, r,
           (int)err.status, err.msg);
        image_free(&img);
        strbuf_free(&doc);
}

/* The controls: what is allowed at the edges parses. */
static void controls(void)
{
        char name[300];
        memset(name, 'b', 255);
        name[255] = '\0';
        struct strbuf doc = { 0 };
        strbuf_appendf(&doc,
                       "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { \"children\": [ { "
                       "\"name\": \"%s\" } ] } } ] }",
                       hier(1), name);
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };
        ok(image_parse(doc.buf, doc.len, &img, &err) == 0, "a 255-byte name is allowed (%s)",
           err.msg);
        image_free(&img);
        strbuf_free(&doc);

        /* a subtree_control within the declared controllers parses */
        strbuf_appendf(&doc,
                       "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { \"properties\": { "
                       "\"cgroup.subtree_control\": \"pids\" }, \"children\": [ { \"name\": "
                       "\"a\", \"properties\": { \"pids.max\": \"5\" } } ] } } ] }",
                       hier(2));
        err = (struct cgbind_error){ 0 };
        ok(image_parse(doc.buf, doc.len, &img, &err) == 0,
           "v2: cgroup.subtree_control \"pids\" with controllers [pids] is allowed (%s)", err.msg);
        image_free(&img);
        strbuf_free(&doc);

        /* a 256-byte name, depth 65 and more than 100 000 sub-cgroups are not */
        name[255] = 'b';
        name[256] = '\0';
        err = (struct cgbind_error){ 0 };
        strbuf_appendf(&doc,
                       "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { \"children\": [ { "
                       "\"name\": \"%s\" } ] } } ] }",
                       hier(2), name);
        ok(image_parse(doc.buf, doc.len, &img, &err) < 0 && has_str(err.msg, "longer than 255"),
           "a 256-byte name is refused (%s)", err.msg);
        image_free(&img);
        strbuf_free(&doc);

        for (int depth = 64; depth <= 65; depth++) {
                strbuf_appendf(&doc,
                               "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { "
                               "\"children\": [ ",
                               hier(1));
                for (int i = 0; i < depth; i++)
                        strbuf_appendf(&doc, "{ \"name\": \"d%d\"%s", i,
                                       i + 1 < depth ? ", \"children\": [ " : " }");
                for (int i = 0; i + 1 < depth; i++)
                        strbuf_puts(&doc, " ] }");
                strbuf_puts(&doc, " ] } } ] }");
                err = (struct cgbind_error){ 0 };
                int r = image_parse(doc.buf, doc.len, &img, &err);
                if (depth == 64)
                        ok(r == 0 && img.n_nodes == 64, "depth 64 is allowed (%s)", err.msg);
                else
                        ok(r < 0 && has_str(err.msg, "deeper than 64 levels"),
                           "depth 65 is refused (%s)", err.msg);
                image_free(&img);
                strbuf_free(&doc);
        }

        strbuf_appendf(&doc,
                       "{ \"cgbind\": 1, \"hierarchies\": [ { %s, \"root\": { \"children\": [",
                       hier(2));
        for (int i = 0; i <= 100000; i++)
                strbuf_appendf(&doc, "%s{\"name\":\"n%d\"}", i ? "," : "", i);
        strbuf_puts(&doc, "] } } ] }");
        err = (struct cgbind_error){ 0 };
        ok(image_parse(doc.buf, doc.len, &img, &err) < 0 &&
                   has_str(err.msg, "more than 100000 sub-cgroups"),
           "more than 100000 sub-cgroups is refused (%s)", err.msg);
        image_free(&img);
        strbuf_free(&doc);
}

int main(void)
{
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
                for (int v = 1; v <= 2; v++)
                        run_case(&cases[i], v);
        controls();
        return tap_done();
}
