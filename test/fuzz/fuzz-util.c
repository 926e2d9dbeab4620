/* Shared by the fuzz targets. */
#include <stdlib.h>
#include <string.h>

#include "cgbind/util.h"

#include "fuzz.h"

char *fuzz_copy(const uint8_t *data, size_t size)
{
        /* exactly size bytes when size > 0, so that ASan catches a read of buf[len] */
        char *p = malloc(size ? size : 1);
        if (!p)
                abort();
        if (size)
                memcpy(p, data, size);
        return p;
}

void fuzz_check_error(int r, const struct cgbind_error *err)
{
        if (r >= 0)
                return;
        /* -ENOMEM may come without a message; everything else has one */
        if (r == -ENOMEM && err->status == CGBIND_OK)
                return;
        if (err->status == CGBIND_OK || !err->msg[0])
                abort();
        for (const char *p = err->msg; *p; p++) {
                unsigned char c = (unsigned char)*p;
                if (c < 0x20 || c == 0x7f)
                        abort();
        }
}
