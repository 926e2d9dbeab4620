/* The OCI state on stdin (untrusted when a runtime passes a container's
 * annotations through) and the bundle's config.json. */
#include <stdlib.h>

#include "cgbind/state.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = fuzz_copy(data, size);
        struct cgbind_state st = { 0 };
        struct cgbind_config cfg = { 0 };
        struct cgbind_error err = { 0 };

        int r = cgbind_state_parse(buf, size, &st, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                /* what parse promises: an id, a pid that is no host init, an absolute bundle */
                if (!st.id || !st.id[0] || st.pid <= 1 || !st.bundle || st.bundle[0] != '/')
                        abort();
                if (err.status != CGBIND_OK)
                        abort();
                (void)cgbind_annotation(&st, NULL, "io.cgbind.image");
                cgbind_state_free(&st);
        }
        err = (struct cgbind_error){ 0 };
        r = cgbind_config_parse(buf, size, &cfg, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                (void)cgbind_annotation(NULL, &cfg, "io.cgbind.mode");
                cgbind_config_free(&cfg);
        }
        free(buf);
        return 0;
}
