/* /proc/<pid>/cgroup as read from the host. */
#include <stdlib.h>
#include <string.h>

#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_copy(data, size);
        struct proc_cgroup pc = { 0 };
        struct cgbind_error err = { 0 };

        int r = proc_cgroup_parse(buf, size, &pc, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                for (size_t i = 0; i < pc.n; i++) {
                        const struct proc_cgroup_entry *e = &pc.entries[i];
                        /* the parser promises an absolute path */
                        if (!e->controllers || !e->path || e->path[0] != '/')
                                abort();
                        CHECK(path_is_beneath(e->path, "/"));
                        /* the string helpers the locator builds on agree */
                        CHECK(strcmp(path_rel_below(e->path, "/"), e->path + 1) == 0);
                        if (path_is_normal(e->path) && strcmp(e->path, "/") != 0) {
                                CHECK(path_ends_with(e->path, e->path));
                                CHECK(path_ends_with(e->path, strrchr(e->path, '/') + 1));
                                CHECK(path_rel_below(e->path, e->path)[0] == '\0');
                        }
                }
                proc_cgroup_free(&pc);
        }
        free(buf);
        return 0;
}
