/* OCI state (stdin of a hook, or `runc state`) and the bundle's config.json. */
#include <limits.h>
#include <stdio.h>

#include "cgbind/json.h"
#include "cgbind/state.h"

static const struct json_limits state_limits = {
        .max_depth = 32,
        .max_nodes = 100000,
        .max_string = 64 * 1024,
};

static void annotations_free(struct cgbind_annotation *a, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(a[i].key);
                free(a[i].value);
        }
        free(a);
}

static int parse_annotations(const struct json *obj, struct cgbind_annotation **ret, size_t *ret_n,
                             struct cgbind_error *err, const char *what)
{
        if (!obj || obj->type == JSON_NULL)
                return 0;
        if (obj->type != JSON_OBJECT)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "%s: \"annotations\" is not an object", what);
        struct cgbind_annotation *a = xcalloc(obj->n_items, sizeof(*a));
        for (size_t i = 0; i < obj->n_items; i++) {
                if (obj->items[i]->type != JSON_STRING) {
                        char k[80];
                        cgbind_escape(obj->keys[i], strlen(obj->keys[i]), k, sizeof(k));
                        annotations_free(a, i);
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                "%s: annotation (%s): value is not a string", what,
                                                k);
                }
                a[i].key = xstrdup(obj->keys[i]);
                a[i].value = xstrdup(obj->items[i]->string);
        }
        *ret = a;
        *ret_n = obj->n_items;
        return 0;
}

static int get_string(const struct json *root, const char *key, bool required, char **ret,
                      struct cgbind_error *err)
{
        const struct json *v = json_get(root, key);
        if (!v) {
                if (required)
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL, "state (%s): missing",
                                                key);
                return 0;
        }
        if (v->type != JSON_STRING)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "state (%s): expected a string, got %s", key,
                                        json_type_name(v->type));
        *ret = xstrdup(v->string);
        return 0;
}

int cgbind_state_parse(const char *buf, size_t len, struct cgbind_state *ret,
                       struct cgbind_error *err)
{
        _cleanup_(json_freep) struct json *root = NULL;
        struct cgbind_state s = { 0 };
        int r;

        if (len > CGBIND_MAX_STATE_SIZE)
                return cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                        "state (stdin): larger than %d bytes",
                                        CGBIND_MAX_STATE_SIZE);
        r = json_parse(buf, len, &state_limits, &root, err, "state (stdin)");
        if (r < 0)
                return r;
        if (root->type != JSON_OBJECT)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "state (stdin): expected an object, got %s",
                                        json_type_name(root->type));

        const struct json *pid = json_get(root, "pid");
        if (!pid)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL, "state (pid): missing");
        /* "123", 1.5 and 1e3 are refused: the spec says an integer. */
        if (pid->type != JSON_INTEGER)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "state (pid): expected an integer, got %s",
                                        json_type_name(pid->type));
        /* 0 means the runtime has no process; 1 would be the host's init. */
        if (pid->integer <= 1 || pid->integer > INT_MAX)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "state (pid): %lld is not a container process",
                                        (long long)pid->integer);
        s.pid = (pid_t)pid->integer;

        r = get_string(root, "id", true, &s.id, err);
        if (r >= 0)
                r = get_string(root, "bundle", true, &s.bundle, err);
        if (r >= 0)
                r = get_string(root, "status", false, &s.status, err);
        if (r >= 0 && (s.id[0] == '\0' || strlen(s.id) > 1024))
                r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                     "state (id): empty or longer than 1024 bytes");
        if (r >= 0 && s.bundle[0] != '/')
                r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                     "state (bundle): not an absolute path");
        if (r >= 0)
                r = parse_annotations(json_get(root, "annotations"), &s.annotations,
                                      &s.n_annotations, err, "state");
        if (r < 0) {
                cgbind_state_free(&s);
                return r;
        }
        *ret = s;
        return 0;
}

void cgbind_state_free(struct cgbind_state *s)
{
        free(s->id);
        free(s->status);
        free(s->bundle);
        annotations_free(s->annotations, s->n_annotations);
        *s = (struct cgbind_state){ 0 };
}

static const struct json_limits config_limits = {
        .max_depth = 64,
        .max_nodes = 1000000,
        .max_string = 1024 * 1024,
};

int cgbind_config_parse(const char *buf, size_t len, struct cgbind_config *ret,
                        struct cgbind_error *err)
{
        _cleanup_(json_freep) struct json *root = NULL;
        struct cgbind_config c = { 0 };
        int r;

        r = json_parse(buf, len, &config_limits, &root, err, "bundle config (config.json)");
        if (r < 0)
                return r;
        if (root->type != JSON_OBJECT)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "bundle config (config.json): not an object");
        const struct json *rootobj = json_get(root, "root");
        const struct json *path = json_get(rootobj, "path");
        if (path) {
                if (path->type != JSON_STRING || path->len == 0)
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                "bundle config (root.path): not a path");
                c.root_path = xstrdup(path->string);
        }
        const struct json *cgpath = json_get(json_get(root, "linux"), "cgroupsPath");
        if (cgpath && cgpath->type != JSON_NULL && cgpath->type != JSON_STRING)
                r = cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                     "bundle config (linux.cgroupsPath): not a string");
        else if (cgpath && cgpath->type == JSON_STRING && cgpath->len)
                c.cgroups_path = xstrdup(cgpath->string);
        if (r >= 0)
                r = parse_annotations(json_get(root, "annotations"), &c.annotations,
                                      &c.n_annotations, err, "bundle config");
        if (r < 0) {
                cgbind_config_free(&c);
                return r;
        }
        *ret = c;
        return 0;
}

void cgbind_config_free(struct cgbind_config *c)
{
        free(c->root_path);
        free(c->cgroups_path);
        annotations_free(c->annotations, c->n_annotations);
        *c = (struct cgbind_config){ 0 };
}

const char *cgbind_annotation(const struct cgbind_state *s, const struct cgbind_config *c,
                              const char *key)
{
        if (s)
                for (size_t i = 0; i < s->n_annotations; i++)
                        if (streq(s->annotations[i].key, key))
                                return s->annotations[i].value;
        if (c)
                for (size_t i = 0; i < c->n_annotations; i++)
                        if (streq(c->annotations[i].key, key))
                                return c->annotations[i].value;
        return NULL;
}
