/* /proc/<pid>/cgroup as read from the host. */
#include <stdlib.h>
#include <string.h>

#include "cgbind/mountinfo.h"

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
                        (void)path_is_beneath(e->path, "/");
                }
                proc_cgroup_free(&pc);
        }
        free(buf);
        return 0;
}
