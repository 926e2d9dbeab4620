/* /proc/<pid>/mountinfo: a container controls its mount points, and with
 * them part of the text the hook parses. */
#include <stdlib.h>
#include <string.h>

#include "cgbind/mountinfo.h"

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
                        free(cgroup_v1_controllers_from_opts(e->super_opts));
                        (void)path_is_beneath(e->mountpoint, e->root);
                }
                mountinfo_free(&mi);
        }
        free(buf);
        return 0;
}
