/* Reading an image: from a buffer or, in pieces, from a file; a native image
 * streams into its tree (image-native.c), a CRIU one is read whole
 * (criu-image.c); either way image_validate() decides. */
#include <stdio.h>

#include "cgbind/fsutil.h"
#include "image-internal.h"

static const struct json_limits image_limits = {
        /* two JSON levels per cgroup level, plus the envelope */
        .max_depth = 2 * CGBIND_MAX_DEPTH + 16,
        .max_nodes = 20 * CGBIND_MAX_NODES,
        .max_string = CGBIND_MAX_VALUE,
};

/* A CRIU document, read whole with the document parser (criu-image.c). */
static int parse_crit_text(const char *buf, size_t len, struct cgbind_image *ret,
                           struct cgbind_error *err)
{
        _cleanup_(json_freep) struct json *root = NULL;
        struct cgbind_image img = { 0 };
        int r = json_parse(buf, len, &image_limits, &root, err, "image");
        if (r < 0)
                return r;
        if (root->type != JSON_OBJECT)
                return cgbind_error_set(err, CGBIND_INVALID, EINVAL,
                                        "image: expected an object, got %s",
                                        json_type_name(root->type));
        r = image_parse_crit(root, &img, err);
        if (r < 0) {
                image_free(&img);
                return r;
        }
        *ret = img;
        return 0;
}

/* one pass decides, whatever the parser */
static int finish(struct cgbind_image *img, struct cgbind_image *ret, struct cgbind_error *err)
{
        int r = image_validate(img, err);
        if (r < 0) {
                image_free(img);
                return r;
        }
        *ret = *img;
        return 0;
}

static int image_parse_tree(const char *buf, size_t len, char **owned, struct cgbind_image *ret,
                            struct cgbind_error *err)
{
        struct image_stream *s;
        struct cgbind_image img = { 0 };
        image_native_begin(&s, err);
        int r = image_native_feed(s, buf, len);
        if (r == 0)
                r = image_native_end(s, &img);
        image_native_free(s);
        if (r == IMAGE_STREAM_CRIT) {
                *err = (struct cgbind_error){ 0 };
                r = parse_crit_text(buf, len, &img, err);
        }
        if (owned) {
                free(*owned);
                *owned = NULL;
        }
        if (r < 0)
                return r;
        return finish(&img, ret, err);
}

int image_parse(const char *buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err)
{
        return image_parse_tree(buf, len, NULL, ret, err);
}

int image_parse_consume(char **buf, size_t len, struct cgbind_image *ret, struct cgbind_error *err)
{
        return image_parse_tree(*buf, len, buf, ret, err);
}

int image_parse_fd(int fd, size_t max, struct cgbind_image *ret, struct cgbind_error *err)
{
        struct image_stream *s;
        struct cgbind_image img = { 0 };
        char buf[64 * 1024];
        size_t total = 0;
        int r = 0;
        image_native_begin(&s, err);
        for (;;) {
                ssize_t k = read(fd, buf, sizeof(buf));
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = cgbind_error_set(err, CGBIND_INVALID, errno, "image: %s",
                                             strerror(errno));
                        break;
                }
                if (k == 0) {
                        r = image_native_end(s, &img);
                        break;
                }
                total += (size_t)k;
                if (total > max) {
                        r = cgbind_error_set(err, CGBIND_INVALID, EFBIG,
                                             "image: larger than the limit of %zu bytes", max);
                        break;
                }
                r = image_native_feed(s, buf, (size_t)k);
                if (r != 0)
                        break;
        }
        image_native_free(s);
        if (r == IMAGE_STREAM_CRIT) {
                /* a CRIU image: read whole, from the start */
                _cleanup_free_ char *text = NULL;
                size_t len;
                *err = (struct cgbind_error){ 0 };
                if (lseek(fd, 0, SEEK_SET) < 0)
                        return cgbind_error_set(err, CGBIND_INVALID, errno, "image: %s",
                                                strerror(errno));
                r = read_full_fd(fd, max, &text, &len);
                if (r < 0)
                        return cgbind_error_set(err, CGBIND_INVALID, -r, "image: %s",
                                                r == -EFBIG ? "larger than the limit"
                                                            : strerror(-r));
                r = parse_crit_text(text, len, &img, err);
        }
        if (r < 0)
                return r;
        return finish(&img, ret, err);
}

int image_check_written(struct cgbind_image *img, const char *buf, size_t len,
                        struct cgbind_error *err)
{
        int r = image_validate(img, err);
        if (r >= 0)
                r = image_native_lex(buf, len, err);
        return r;
}
