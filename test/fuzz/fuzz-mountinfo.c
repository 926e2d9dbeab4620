/* /proc/<pid>/mountinfo: a container controls its mount points, and with
 * them part of the text the hook parses. */
#include <stdlib.h>
#include <string.h>

#include "cgbind/caps.h"
#include "cgbind/cgname.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_copy(data, size);
        struct mountinfo mi = { 0 };
        struct cgbind_error err = { 0 };

        int r = mountinfo_parse(buf, size, &mi, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                for (size_t i = 0; i < mi.n; i++) {
                        const struct mountinfo_entry *e = &mi.entries[i];
                        if (!e->root || !e->mountpoint || !e->fstype || !e->super_opts)
                                abort();
                        char *c = NULL;
                        int k = cgroup_v1_controllers_from_opts(e->super_opts, &c);
                        CHECK(k == 0 || (k == -E2BIG && c == NULL));
                        if (k == 0) {
                                /* canonical: sorted, no empty or repeated name, and a
                                 * fixed point of controllers_canonical */
                                char *again = NULL;
                                CHECK(controllers_canonical(xstrdup(c), &again) == 0);
                                CHECK(strcmp(c, again) == 0);
                                CHECK(!strstr(c, ",,") && c[0] != ',' &&
                                      (!c[0] || c[strlen(c) - 1] != ','));
                                free(again);
                        }
                        free(c);
                        bool v2;
                        if (mountinfo_is_cgroup(e, &v2))
                                CHECK(strcmp(e->fstype, v2 ? "cgroup2" : "cgroup") == 0);
                        (void)path_is_beneath(e->mountpoint, e->root);
                        if (path_is_normal(e->mountpoint) && path_is_normal(e->root) &&
                            path_is_beneath(e->mountpoint, e->root)) {
                                const char *rel = path_rel_below(e->mountpoint, e->root);
                                CHECK(rel[0] != '/');
                        }
                }
                mountinfo_free(&mi);
        }
        free(buf);
        return 0;
}
