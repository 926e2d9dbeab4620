/* Parsers for mountinfo and /proc/<pid>/cgroup, working on buffers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/caps.h"
#include "cgbind/cgname.h"
#include "cgbind/mountinfo.h"

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t n)
{
        char *out = xmalloc(n + 1);
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' &&
                    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
                        out[o++] = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                          (s[i + 3] - '0'));
                        i += 3;
                } else {
                        out[o++] = s[i];
                }
        }
        out[o] = '\0';
        return out;
}

static void entry_free(struct mountinfo_entry *e)
{
        free(e->root);
        free(e->mountpoint);
        free(e->mount_opts);
        free(e->fstype);
        free(e->source);
        free(e->super_opts);
}

void mountinfo_free(struct mountinfo *mi)
{
        for (size_t i = 0; i < mi->n; i++)
                entry_free(&mi->entries[i]);
        free(mi->entries);
        mi->entries = NULL;
        mi->n = 0;
}

/* The fields of a mountinfo line: ten, plus the optional fields the kernel
 * adds between the sixth and the separator (a handful in practice). */
#define MAX_FIELDS 64

/* Splits [line, end) at single spaces into fields; -E2BIG past max. */
static int split_fields(const char *line, const char *end, const char **f, size_t *flen, size_t max,
                        size_t *ret_n)
{
        size_t n = 0;
        const char *p = line;
        while (p < end) {
                if (n == max)
                        return -E2BIG;
                const char *sp = memchr(p, ' ', (size_t)(end - p));
                const char *e = sp ? sp : end;
                f[n] = p;
                flen[n] = (size_t)(e - p);
                n++;
                if (!sp)
                        break;
                p = sp + 1;
        }
        *ret_n = n;
        return 0;
}

static bool parse_uint(const char *s, size_t n, unsigned long max, unsigned long *ret)
{
        unsigned long v = 0;
        if (n == 0 || n > 10)
                return false;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (unsigned long)(s[i] - '0');
        }
        if (v > max)
                return false;
        *ret = v;
        return true;
}

static bool parse_line(const char *line, const char *end, struct mountinfo_entry *e)
{
        const char *f[MAX_FIELDS];
        size_t fl[MAX_FIELDS];
        size_t n, sep;
        unsigned long id, parent, major, minor;

        if (split_fields(line, end, f, fl, ARRAY_SIZE(f), &n) < 0 || n < 10)
                return false;
        if (!parse_uint(f[0], fl[0], INT32_MAX, &id) ||
            !parse_uint(f[1], fl[1], INT32_MAX, &parent))
                return false;
        const char *colon = memchr(f[2], ':', fl[2]);
        if (!colon || !parse_uint(f[2], (size_t)(colon - f[2]), UINT32_MAX, &major) ||
            !parse_uint(colon + 1, fl[2] - (size_t)(colon - f[2]) - 1, UINT32_MAX, &minor))
                return false;
        /* optional fields run until a lone "-" */
        for (sep = 6; sep < n; sep++)
                if (fl[sep] == 1 && f[sep][0] == '-')
                        break;
        if (sep + 3 >= n)
                return false;

        e->mount_id = (int)id;
        e->parent_id = (int)parent;
        e->major = (unsigned)major;
        e->minor = (unsigned)minor;
        e->root = unescape(f[3], fl[3]);
        e->mountpoint = unescape(f[4], fl[4]);
        e->mount_opts = xstrndup(f[5], fl[5]);
        e->fstype = unescape(f[sep + 1], fl[sep + 1]);
        e->source = unescape(f[sep + 2], fl[sep + 2]);
        e->super_opts = unescape(f[sep + 3], fl[sep + 3]);
        return true;
}

int mountinfo_parse(const char *buf, size_t len, struct mountinfo *ret, struct cgbind_error *err)
{
        struct mountinfo mi = { 0 };
        size_t cap = 0, lineno = 0;
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                lineno++;
                if (le == p) {
                        p = le + 1;
                        continue;
                }
                if (mi.n >= CGBIND_MAX_MOUNTS) {
                        mountinfo_free(&mi);
                        return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                                "mountinfo: more than %d mounts",
                                                CGBIND_MAX_MOUNTS);
                }
                if (mi.n == cap) {
                        cap = cap ? cap * 2 : 64;
                        mi.entries = xreallocarray(mi.entries, cap, sizeof(*mi.entries));
                }
                struct mountinfo_entry e = { 0 };
                if (!parse_line(p, le, &e)) {
                        mountinfo_free(&mi);
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                "mountinfo (line %zu): malformed", lineno);
                }
                mi.entries[mi.n++] = e;
                p = nl ? nl + 1 : end;
        }
        *ret = mi;
        return 0;
}

void proc_cgroup_free(struct proc_cgroup *pc)
{
        for (size_t i = 0; i < pc->n; i++) {
                free(pc->entries[i].controllers);
                free(pc->entries[i].path);
        }
        free(pc->entries);
        pc->entries = NULL;
        pc->n = 0;
}

int proc_cgroup_parse(const char *buf, size_t len, struct proc_cgroup *ret,
                      struct cgbind_error *err)
{
        struct proc_cgroup pc = { 0 };
        size_t cap = 0, lineno = 0;
        const char *p = buf, *end = buf + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *le = nl ? nl : end;
                lineno++;
                if (le == p) {
                        p = le + 1;
                        continue;
                }
                if (pc.n == CGBIND_MAX_HIERARCHIES) {
                        proc_cgroup_free(&pc);
                        return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                                "/proc/<pid>/cgroup: more than %d hierarchies",
                                                CGBIND_MAX_HIERARCHIES);
                }
                /* the path itself may contain ':' : split on the first two only */
                const char *c1 = memchr(p, ':', (size_t)(le - p));
                const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
                unsigned long id;
                if (!c1 || !c2 || !parse_uint(p, (size_t)(c1 - p), UINT32_MAX, &id) ||
                    c2 + 1 >= le || c2[1] != '/' || (size_t)(le - c2 - 1) > CGBIND_MAX_PATH) {
                        proc_cgroup_free(&pc);
                        return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                                "/proc/<pid>/cgroup (line %zu): malformed", lineno);
                }
                char *ctl;
                if (controllers_canonical(xstrndup(c1 + 1, (size_t)(c2 - c1 - 1)), &ctl) < 0) {
                        proc_cgroup_free(&pc);
                        return cgbind_error_set(err, CGBIND_INVALID, E2BIG,
                                                "/proc/<pid>/cgroup (line %zu): more than %d "
                                                "controllers",
                                                lineno, CGBIND_MAX_CONTROLLERS);
                }
                if (pc.n == cap) {
                        cap = cap ? cap * 2 : 16;
                        pc.entries = xreallocarray(pc.entries, cap, sizeof(*pc.entries));
                }
                struct proc_cgroup_entry *e = &pc.entries[pc.n++];
                e->hierarchy_id = (unsigned)id;
                e->controllers = ctl;
                e->path = xstrndup(c2 + 1, (size_t)(le - c2 - 1));
                p = nl ? nl + 1 : end;
        }
        *ret = pc;
        return 0;
}

const struct proc_cgroup_entry *proc_cgroup_find(const struct proc_cgroup *pc, bool v2,
                                                 const char *controllers)
{
        for (size_t i = 0; i < pc->n; i++) {
                const struct proc_cgroup_entry *e = &pc->entries[i];
                if (v2 ? e->hierarchy_id == 0 && e->controllers[0] == '\0'
                       : e->hierarchy_id != 0 && streq(e->controllers, controllers))
                        return e;
        }
        return NULL;
}

int cgroup_v1_controllers_from_opts(const char *super_opts, char **ret)
{
        /* mount options that are not controllers */
        static const char *const skip[] = {
                "rw",           "ro",
                "noprefix",     "clone_children",
                "xattr",        "cpuset_v2_mode",
                "none",         "all",
                "favordynmods", "nofavordynmods",
                "sync",         "async",
                "nosuid",       "nodev",
                "noexec",       "relatime",
                "noatime",      "nodiratime",
                "strictatime",
        };
        struct strbuf sb = { 0 };
        _cleanup_free_ char *copy = xstrdup(super_opts);
        strbuf_puts(&sb, "");
        for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                bool is_skip = startswith(t, "release_agent=");
                for (size_t i = 0; !is_skip && i < ARRAY_SIZE(skip); i++)
                        is_skip = streq(t, skip[i]);
                if (is_skip)
                        continue;
                if (sb.len)
                        strbuf_puts(&sb, ",");
                strbuf_append(&sb, t, strlen(t));
        }
        return controllers_canonical(sb.buf, ret);
}

bool mountinfo_is_cgroup(const struct mountinfo_entry *e, bool *ret_v2)
{
        if (streq(e->fstype, "cgroup")) {
                *ret_v2 = false;
                return true;
        }
        if (streq(e->fstype, "cgroup2")) {
                *ret_v2 = true;
                return true;
        }
        return false;
}
