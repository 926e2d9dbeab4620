/* CRIU's cgroup.img, as `crit decode` prints it. */
#include <stdio.h>

#include "cgbind/image.h"
#include "cgbind/json.h"

int image_parse_crit(const struct json *root, struct cgbind_image *img, struct cgbind_error *err);

int image_parse_crit(const struct json *root, struct cgbind_image *img, struct cgbind_error *err)
{
        (void)root;
        (void)img;
        return cgbind_error_set(err, CGBIND_INVALID, ENOTSUP,
                                "image (magic): CRIU images are not read by this version");
}
