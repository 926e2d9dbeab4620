/* Controller lists and cgroup v2's controller names. */
#include <stdlib.h>

#include "cgbind/caps.h"
#include "cgbind/cgname.h"
#include "cgbind/util.h"

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int controllers_canonical(char *list, char **ret)
{
        char *items[CGBIND_MAX_CONTROLLERS];
        size_t n = 0;
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
                if (n == ARRAY_SIZE(items)) {
                        free(list);
                        return -E2BIG;
                }
                items[n++] = t;
        }
        if (n)
                qsort(items, n, sizeof(items[0]), cmp_str);
        struct strbuf sb = { 0 };
        strbuf_puts(&sb, "");
        for (size_t i = 0; i < n; i++) {
                if (i > 0 && streq(items[i], items[i - 1]))
                        continue;
                if (sb.len)
                        strbuf_puts(&sb, ",");
                strbuf_append(&sb, items[i], strlen(items[i]));
        }
        free(list);
        *ret = sb.buf;
        return 0;
}

bool controller_list_has(const char *list, const char *controller)
{
        size_t n = strlen(controller);
        for (const char *p = list; *p;) {
                size_t l = strcspn(p, ", ");
                if (l == n && strncmp(p, controller, n) == 0)
                        return true;
                p += l;
                p += strspn(p, ", ");
        }
        return false;
}

/* dmem arrived in 6.14; the rest are every controller of cgroup v2 today */
static const char *const v2_controllers[] = {
        "cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma", "misc", "perf_event", "dmem",
};

bool v2_controller_known(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(v2_controllers); i++)
                if (streq(name, v2_controllers[i]))
                        return true;
        return false;
}

/* the controllers only cgroup v1 has */
static const char *const v1_only_controllers[] = {
        "cpuacct", "blkio", "net_cls", "net_prio", "freezer", "devices",
};

bool controller_prefixed(const char *name)
{
        for (size_t i = 0; i < ARRAY_SIZE(v2_controllers) + ARRAY_SIZE(v1_only_controllers); i++) {
                const char *c = i < ARRAY_SIZE(v2_controllers)
                                        ? v2_controllers[i]
                                        : v1_only_controllers[i - ARRAY_SIZE(v2_controllers)];
                size_t l = strlen(c);
                if (strncmp(name, c, l) == 0 && name[l] == '.')
                        return true;
        }
        return false;
}

const char *cg_label(enum cg_version v, const char *controllers)
{
        return v == CG_V2 ? "cgroup2" : controllers;
}
