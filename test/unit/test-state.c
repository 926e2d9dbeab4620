/* The OCI state a runtime hands a hook on stdin, and the bundle's config.json:
 * runc's and crun's real documents, and every way an input must be refused. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cgbind/container.h"
#include "cgbind/fsutil.h"
#include "cgbind/state.h"

#include "tap.h"

#define RUNC_STATE                                                                                 \
        "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"probe1\",\"status\":\"creating\",\"pid\":8262,"    \
        "\"bundle\":\"/var/tmp/probe\"}"

/* crun hands its hooks "created", the rootfs as "root", and the annotations. */
#define CRUN_STATE                                                                                 \
        "{\"ociVersion\":\"1.0.0\",\"id\":\"web-1\",\"pid\":31337,"                                \
        "\"root\":\"/var/lib/containers/storage/overlay/abc/merged\","                             \
        "\"bundle\":\"/run/containers/storage/overlay-containers/abc/userdata\","                  \
        "\"status\":\"created\",\"annotations\":{\"io.cgbind.mode\":\"strict\","                   \
        "\"io.container.manager\":\"libpod\"}}"

static int parse(const char *s, size_t len, struct cgbind_state *st, struct cgbind_error *err)
{
        *err = (struct cgbind_error){ 0 };
        return cgbind_state_parse(s, len, st, err);
}

static void test_runc(void)
{
        struct cgbind_state st = { 0 };
        struct cgbind_error err = { 0 };
        int r = parse(RUNC_STATE, strlen(RUNC_STATE), &st, &err);
        is_int(r, 0, "runc prestart state parses (%s)", err.msg);
        is_str(st.id, "probe1", "runc: id");
        is_str(st.status, "creating", "runc: status");
        is_int(st.pid, 8262, "runc: pid");
        is_str(st.bundle, "/var/tmp/probe", "runc: bundle");
        is_int(st.n_annotations, 0, "runc: no annotations");
        is_int(err.status, CGBIND_OK, "runc: no error set");
        cgbind_state_free(&st);
        ok(st.id == NULL && st.bundle == NULL, "cgbind_state_free clears the struct");
        cgbind_state_free(&st); /* twice is harmless */

        /* the same document with a trailing newline, as `runc state` prints it */
        const char *nl = RUNC_STATE "\n";
        r = parse(nl, strlen(nl), &st, &err);
        is_int(r, 0, "trailing newline is whitespace, not garbage");
        cgbind_state_free(&st);
}

static void test_crun(void)
{
        struct cgbind_state st = { 0 };
        struct cgbind_error err = { 0 };
        int r = parse(CRUN_STATE, strlen(CRUN_STATE), &st, &err);
        is_int(r, 0, "crun state (created, root, annotations) parses (%s)", err.msg);
        is_str(st.id, "web-1", "crun: id");
        is_str(st.status, "created", "crun: status");
        is_int(st.pid, 31337, "crun: pid");
        is_str(st.bundle, "/run/containers/storage/overlay-containers/abc/userdata",
               "crun: bundle");
        is_int(st.n_annotations, 2, "crun: two annotations");
        is_str(cgbind_annotation(&st, NULL, "io.cgbind.mode"), "strict",
               "crun: annotation io.cgbind.mode");
        is_str(cgbind_annotation(&st, NULL, "io.container.manager"), "libpod",
               "crun: annotation io.container.manager");
        ok(cgbind_annotation(&st, NULL, "io.cgbind.image") == NULL,
           "crun: absent annotation is NULL");
        cgbind_state_free(&st);

        /* status is optional, and null annotations are no annotations */
        const char *min = "{\"id\":\"a\",\"pid\":2,\"bundle\":\"/b\",\"annotations\":null}";
        r = parse(min, strlen(min), &st, &err);
        is_int(r, 0, "minimal state (pid 2, no status, annotations null) parses (%s)", err.msg);
        ok(st.status == NULL, "minimal: status NULL");
        is_int(st.pid, 2, "minimal: pid 2 is the lowest accepted");
        cgbind_state_free(&st);

        /* an id of 1024 bytes is the longest accepted */
        char doc[1200];
        char id[1026];
        memset(id, 'i', 1025);
        id[1024] = '\0';
        snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"pid\":3,\"bundle\":\"/b\",\"annotations\":{}}",
                 id);
        r = parse(doc, strlen(doc), &st, &err);
        ok(r == 0 && st.id && strlen(st.id) == 1024 && st.n_annotations == 0,
           "an id of 1024 bytes and empty annotations parse (%s)", err.msg);
        cgbind_state_free(&st);
        id[1024] = 'i';
        id[1025] = '\0';
        snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"pid\":3,\"bundle\":\"/b\"}", id);
        r = parse(doc, strlen(doc), &st, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "id"),
           "an id of 1025 bytes is refused (%s)", err.msg);
}

/* Refused with CGBIND_INVALID, the message naming the problem, and the
 * output parameter untouched (STYLE: ret_* untouched on failure). */
static void refused_len(const char *what, const char *s, size_t len, const char *needle)
{
        struct cgbind_state st = { .id = (char *)"sentinel", .pid = 77 };
        struct cgbind_error err = { 0 };
        int r = parse(s, len, &st, &err);
        ok(r < 0, "%s: refused", what);
        is_int(err.status, CGBIND_INVALID, "%s: status CGBIND_INVALID", what);
        ok(has_str(err.msg, needle), "%s: message mentions \"%s\" (%s)", what, needle, err.msg);
        ok(st.pid == 77 && st.id && streq(st.id, "sentinel"), "%s: output untouched", what);
        if (r >= 0 && st.id && !streq(st.id, "sentinel"))
                cgbind_state_free(&st);
}

static void refused(const char *what, const char *s, const char *needle)
{
        refused_len(what, s, strlen(s), needle);
}

/* A state whose pid member is the given JSON text. */
static void refused_pid(const char *pid_json, const char *needle)
{
        char buf[256];
        snprintf(buf, sizeof(buf), "{\"id\":\"a\",\"pid\":%s,\"bundle\":\"/b\"}", pid_json);
        char what[64];
        snprintf(what, sizeof(what), "pid %s", pid_json);
        refused(what, buf, needle);
}

static void test_refusals(void)
{
        refused_len("empty input", "", 0, "empty");
        refused("not JSON", "this is not json", "JSON");
        refused("JSON but not an object", "[1,2,3]", "object");
        refused("pid missing", "{\"id\":\"a\",\"bundle\":\"/b\"}", "pid");
        refused_pid("0", "pid");
        refused_pid("1", "pid");
        refused_pid("-1", "pid");
        refused_pid("\"123\"", "pid");
        refused_pid("1.5", "pid");
        refused_pid("1e3", "pid");
        refused_pid("99999999999", "pid");
        refused_pid("2147483648", "pid");
        refused_pid("null", "pid");
        /* beyond int64: yajl itself refuses it */
        refused_pid("123456789012345678901234567890", "overflow");
        refused("id missing", "{\"pid\":5,\"bundle\":\"/b\"}", "id");
        refused("id empty", "{\"id\":\"\",\"pid\":5,\"bundle\":\"/b\"}", "id");
        refused("id not a string", "{\"id\":5,\"pid\":5,\"bundle\":\"/b\"}", "id");
        refused("bundle missing", "{\"id\":\"a\",\"pid\":5}", "bundle");
        refused("bundle relative", "{\"id\":\"a\",\"pid\":5,\"bundle\":\"var/tmp/probe\"}",
                "bundle");
        refused("bundle empty", "{\"id\":\"a\",\"pid\":5,\"bundle\":\"\"}", "bundle");
        refused("duplicate key", "{\"pid\":5,\"pid\":6,\"id\":\"a\",\"bundle\":\"/b\"}",
                "duplicate");
        refused("duplicate key in annotations",
                "{\"pid\":5,\"id\":\"a\",\"bundle\":\"/"
                "b\",\"annotations\":{\"k\":\"1\",\"k\":\"2\"}}",
                "duplicate");
        refused("\\u0000 in a string", "{\"pid\":5,\"id\":\"a\\u0000b\",\"bundle\":\"/b\"}", "NUL");
        refused("\\u0000 in a key", "{\"pid\":5,\"id\":\"a\",\"bundle\":\"/b\",\"x\\u0000\":1}",
                "NUL");
        refused("invalid UTF-8 in a string",
                "{\"pid\":5,\"id\":\"probe\xff\xfe\",\"bundle\":\"/b\"}", "UTF8");
        /* yajl's own check misses overlong forms: "\xc0\xaf" is '/' spelt long */
        {
                const char *overlong = "{\"pid\":5,\"id\":\"a\xc0\xaf\",\"bundle\":\"/b\"}";
                struct cgbind_state st = { 0 };
                struct cgbind_error err;
                int r = parse(overlong, strlen(overlong), &st, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "UTF"),
                   "overlong UTF-8 in a string: refused (%s)", err.msg);
                if (r == 0)
                        cgbind_state_free(&st);
        }
        refused("trailing garbage", RUNC_STATE "x", "garbage");
        refused("two documents", RUNC_STATE RUNC_STATE, "garbage");
        refused("truncated document", "{\"pid\":5,\"id\":\"a\",\"bundle\":\"/b\"", "JSON");
        refused("annotations not an object",
                "{\"pid\":5,\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":[\"k\"]}",
                "annotations");
        refused("annotation value not a string",
                "{\"pid\":5,\"id\":\"a\",\"bundle\":\"/b\",\"annotations\":{\"io.cgbind.mode\":1}}",
                "io.cgbind.mode");
}

/* A document padded with spaces to exactly len bytes. */
static char *padded_state(size_t len)
{
        char *buf = malloc(len + 1);
        if (!buf)
                abort();
        memset(buf, ' ', len);
        memcpy(buf, RUNC_STATE, strlen(RUNC_STATE));
        buf[len] = '\0';
        return buf;
}

static void test_size_cap(void)
{
        struct cgbind_state st = { 0 };
        struct cgbind_error err = { 0 };
        char *buf = padded_state(CGBIND_MAX_STATE_SIZE);
        int r = parse(buf, CGBIND_MAX_STATE_SIZE, &st, &err);
        is_int(r, 0, "a state of exactly 1 MiB is accepted (%s)", err.msg);
        cgbind_state_free(&st);
        free(buf);

        buf = padded_state(CGBIND_MAX_STATE_SIZE + 1);
        refused_len("a state of 1 MiB + 1 byte", buf, CGBIND_MAX_STATE_SIZE + 1, "larger");
        free(buf);
}

/* {"id":..,"x":[[[...]]]} nested depth arrays deep */
static char *nested(size_t depth)
{
        const char *head = "{\"id\":\"a\",\"pid\":5,\"bundle\":\"/b\",\"x\":";
        size_t hl = strlen(head), len = hl + 2 * depth + 1;
        char *buf = malloc(len + 1);
        if (!buf)
                abort();
        memcpy(buf, head, hl);
        memset(buf + hl, '[', depth);
        memset(buf + hl + depth, ']', depth);
        buf[len - 1] = '}';
        buf[len] = '\0';
        return buf;
}

static void test_depth(void)
{
        char *buf = nested(100);
        refused("nesting 100 levels deep", buf, "deeper");
        free(buf);
        /* far deeper than any stack-recursive parser or destructor would survive */
        buf = nested(200000);
        refused("nesting 200000 levels deep", buf, "deeper");
        free(buf);
        /* an unknown member of modest depth is fine: ignored as the spec asks */
        struct cgbind_state st = { 0 };
        struct cgbind_error err = { 0 };
        buf = nested(8);
        is_int(parse(buf, strlen(buf), &st, &err), 0, "an unknown member 8 levels deep is ignored");
        cgbind_state_free(&st);
        free(buf);
}

static void test_config(void)
{
        struct cgbind_config c = { 0 };
        struct cgbind_error err = { 0 };
        const char *cfg =
                "{\"ociVersion\":\"1.0.2-dev\",\"root\":{\"path\":\"rootfs\",\"readonly\":"
                "true},\"process\":{\"args\":[\"sh\"]},\"annotations\":{"
                "\"io.cgbind.image\":\"/var/lib/cgbind/web.json\","
                "\"io.cgbind.mode\":\"full\"}}";
        int r = cgbind_config_parse(cfg, strlen(cfg), &c, &err);
        is_int(r, 0, "config with root.path and annotations parses (%s)", err.msg);
        is_str(c.root_path, "rootfs", "config: root.path");
        is_int(c.n_annotations, 2, "config: two annotations");

        struct cgbind_state st = { 0 };
        r = parse(CRUN_STATE, strlen(CRUN_STATE), &st, &err);
        is_int(r, 0, "state with io.cgbind.mode parses");
        is_str(cgbind_annotation(&st, &c, "io.cgbind.mode"), "strict",
               "the state's annotation wins over the config's");
        is_str(cgbind_annotation(&st, &c, "io.cgbind.image"), "/var/lib/cgbind/web.json",
               "an annotation only in the config is found there");
        is_str(cgbind_annotation(NULL, &c, "io.cgbind.mode"), "full",
               "without a state, the config's annotation");
        is_str(cgbind_annotation(&st, NULL, "io.cgbind.mode"), "strict",
               "without a config, the state's annotation");
        ok(cgbind_annotation(&st, &c, "io.cgbind.nothing") == NULL, "absent in both: NULL");
        ok(cgbind_annotation(NULL, NULL, "io.cgbind.mode") == NULL, "no state, no config: NULL");
        cgbind_state_free(&st);
        cgbind_config_free(&c);

        const char *abs = "{\"root\":{\"path\":\"/srv/rootfs\"}}";
        r = cgbind_config_parse(abs, strlen(abs), &c, &err);
        is_int(r, 0, "config with an absolute root.path parses");
        is_str(c.root_path, "/srv/rootfs", "config: absolute root.path kept as written");
        is_int(c.n_annotations, 0, "config: no annotations");
        cgbind_config_free(&c);

        const char *noroot = "{\"ociVersion\":\"1.0.2\",\"process\":{}}";
        r = cgbind_config_parse(noroot, strlen(noroot), &c, &err);
        is_int(r, 0, "config without root parses");
        ok(c.root_path == NULL, "config without root: root_path NULL (the caller's default)");
        cgbind_config_free(&c);

        const char *bad[][2] = {
                { "{\"root\":{\"path\":\"\"}}", "root.path" },
                { "{\"root\":{\"path\":5}}", "root.path" },
                { "{\"annotations\":{\"a\":true}}", "annotation" },
                { "{\"annotations\":\"a\"}", "annotations" },
                { "{\"root\":{},\"root\":{}}", "duplicate" },
                { "[]", "not an object" },
                { "", "empty" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct cgbind_config bc = { .root_path = (char *)"sentinel" };
                err = (struct cgbind_error){ 0 };
                r = cgbind_config_parse(bad[i][0], strlen(bad[i][0]), &bc, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, bad[i][1]) &&
                           bc.root_path && streq(bc.root_path, "sentinel"),
                   "config %s refused, output untouched (%s)", bad[i][0], err.msg);
        }
}

/* linux.cgroupsPath, as written */
static void test_cgroups_path(void)
{
        static const struct {
                const char *json, *want;
        } cases[] = {
                { "{\"linux\":{\"cgroupsPath\":\"machine.slice:libpod:abc\"}}",
                  "machine.slice:libpod:abc" },
                { "{\"linux\":{\"cgroupsPath\":\"/libpod_parent/libpod-abc\"}}",
                  "/libpod_parent/libpod-abc" },
                { "{\"linux\":{\"cgroupsPath\":\"\"}}", NULL },
                { "{\"linux\":{\"cgroupsPath\":null}}", NULL },
                { "{\"linux\":{}}", NULL },
                { "{\"linux\":5}", NULL },
                { "{}", NULL },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct cgbind_config c = { 0 };
                struct cgbind_error err = { 0 };
                int r = cgbind_config_parse(cases[i].json, strlen(cases[i].json), &c, &err);
                ok(r == 0 && (cases[i].want ? c.cgroups_path && streq(c.cgroups_path, cases[i].want)
                                            : c.cgroups_path == NULL),
                   "config %s: cgroups_path %s (%s)", cases[i].json,
                   cases[i].want ? cases[i].want : "NULL", err.msg);
                cgbind_config_free(&c);
        }
        static const char *const bad[] = { "{\"linux\":{\"cgroupsPath\":5}}",
                                           "{\"linux\":{\"cgroupsPath\":[\"/a\"]}}" };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
                struct cgbind_config c = { .root_path = (char *)"sentinel" };
                struct cgbind_error err = { 0 };
                int r = cgbind_config_parse(bad[i], strlen(bad[i]), &c, &err);
                ok(r < 0 && err.status == CGBIND_INVALID && has_str(err.msg, "cgroupsPath") &&
                           streq(c.root_path, "sentinel"),
                   "config %s refused (%s)", bad[i], err.msg);
        }
}

/* The end of the container's cgroup path, from linux.cgroupsPath or the id. */
static void test_cgroup_suffix(void)
{
        static const struct {
                const char *path, *id, *want, *alt;
        } cases[] = {
                { NULL, "abc", "/abc", "-abc.scope" },
                { "", "abc", "/abc", "-abc.scope" },
                { "machine.slice:libpod:ID", "abc", "/libpod-ID.scope", "" },
                { "a.slice::x", "abc", "/x.scope", "" },
                { "s:p:u.slice", "abc", "/u.slice", "" },
                { "/libpod_parent/libpod-ID", "abc", "/libpod_parent/libpod-ID", "" },
                { "rel/path/", "abc", "/rel/path", "" },
                { "/a/b//", "abc", "/a/b", "" },
                { "system.slice:docker:0123", "x", "/docker-0123.scope", "" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                char buf[256], alt[256];
                memset(buf, 'X', sizeof(buf));
                memset(alt, 'X', sizeof(alt));
                container_cgroup_suffix(cases[i].path, cases[i].id, buf, sizeof(buf), alt,
                                        sizeof(alt));
                ok(streq(buf, cases[i].want) && streq(alt, cases[i].alt),
                   "cgroupsPath %s%s%s, id %s -> \"%s\" and \"%s\" (got \"%s\" and \"%s\")",
                   cases[i].path ? "\"" : "", cases[i].path ? cases[i].path : "NULL",
                   cases[i].path ? "\"" : "", cases[i].id, cases[i].want, cases[i].alt, buf, alt);
        }
        /* a small buffer is cut, never overrun */
        char small[8], alt[8];
        memset(small, 'X', sizeof(small));
        container_cgroup_suffix("/a/very/long/cgroup/path", "abc", small, sizeof(small), alt,
                                sizeof(alt));
        ok(memchr(small, '\0', sizeof(small)) != NULL && startswith("/a/very/long", small),
           "a cgroup path longer than the buffer is cut to it (\"%s\")", small);
}

/* /proc/<pid>/stat: the one parser (the ancestors' walk, CRIU's record name) */
static void test_proc_stat(void)
{
        /* fields 3 to 22 after the comm; the comm holds ") " itself */
        static const char line[] =
                "4242 (a) b (c) S 77 4242 4242 0 -1 4194560 99 0 0 0 1 2 0 0 20 0 1 0 "
                "123456789 1024 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0\n";
        struct proc_stat st = { 0 };
        int parsed = proc_stat_parse(line, &st);
        ok(parsed == 0 && st.state == 'S' && st.ppid == 77 && st.start_time == 123456789 &&
                   st.cpu_ticks == 3,
           "a comm with ') ' in it: state S, ppid 77, CPU time 1 + 2 ticks, start time 123456789 "
           "(got %c, %d, %llu, %llu)",
           st.state ? st.state : '?', (int)st.ppid, st.cpu_ticks, st.start_time);
        static const char *const bad[] = {
                "4242 comm S 77",      /* no parentheses */
                "4242 (a) S 77 1 2 3", /* fields end before 22 */
                "4242 (a) S x7 4242 4242 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 1",
                "4242 (a) S 77 4242 4242 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 -5 1",
                "4242 (a)  S 77 4242 4242 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 1",
                "4242 (a) SR 77 4242 4242 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 1",
                /* a negative CPU time; user and system time that overflow their sum */
                "4242 (a) S 77 4242 4242 0 -1 0 0 0 0 0 -1 2 0 0 20 0 1 0 5 1",
                ("4242 (a) S 77 4242 4242 0 -1 0 0 0 0 0 9999999999999999999 "
                 "9999999999999999999 0 0 20 0 1 0 5 1"),
        };
        for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
                ok(proc_stat_parse(bad[i], &st) == -EINVAL, "malformed stat %zu refused", i);
        ok(proc_stat_read(getpid(), &st) == 0 && st.state == 'R' && st.ppid == getppid() &&
                   st.start_time > 0,
           "this process's own stat: running, its parent and a start time");
}

/* the "0::" line of /proc/<pid>/cgroup, through proc_cgroup_parse */
static void test_v2_path(void)
{
        char buf[4096], tiny[1];
        int r = container_v2_path_of(getpid(), buf, sizeof(buf));
        ok(r == 0 && buf[0] == '/', "this process's cgroup v2 path (%d, \"%s\")", r,
           r == 0 ? buf : "");
        ok(container_v2_path_of(getpid(), tiny, sizeof(tiny)) == -ENAMETOOLONG,
           "a path longer than the buffer is refused, not cut");
}

/* how an input file that cannot be opened is told: one wording */
static void test_file_error(void)
{
        static const struct {
                int r;
                const char *dir, *want;
        } cases[] = {
                { -ENOTREGULAR, NULL, "image (in.json): not a regular file" },
                { -EFBIG, NULL, "image (in.json): larger than the limit of 64 bytes" },
                { -ENOENT, "/ck", "image (/ck/in.json): No such file or directory" },
        };
        for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
                struct cgbind_error err = { 0 };
                int r = regular_file_error(&err, cases[i].r, "image", cases[i].dir, "in.json", 64);
                ok(r == cases[i].r && err.status == CGBIND_INVALID, "status 2 for error %zu", i);
                is_str(err.msg, cases[i].want, "message %zu", i);
        }
        struct cgbind_error err = { 0 };
        regular_file_error(&err, -ENOENT, "image", NULL, "a\nb", 64);
        ok(!strchr(err.msg, '\n'), "the path is escaped (%s)", err.msg);
}

int main(void)
{
        test_runc();
        test_crun();
        test_refusals();
        test_size_cap();
        test_depth();
        test_config();
        test_cgroups_path();
        test_cgroup_suffix();
        test_proc_stat();
        test_v2_path();
        test_file_error();
        return tap_done();
}
