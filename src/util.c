/* Error struct, escaping of untrusted text, and a growable string buffer. */
#include <stdio.h>

#include "cgbind/util.h"

int cgbind_error_set(struct cgbind_error *err, enum cgbind_status status, int errnum,
                     const char *fmt, ...)
{
        if (err && err->status == CGBIND_OK) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->status = status;
        }
        return errnum > 0 ? -errnum : -EINVAL;
}

void cgbind_escape(const char *s, size_t len, char *buf, size_t bufsize)
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        if (bufsize == 0)
                return;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                bool plain = c >= 0x20 && c < 0x7f && c != '\\';
                size_t need = plain ? 1 : 4;
                if (o + need + 4 >= bufsize) {
                        /* no room for this and an ellipsis: cut here */
                        if (o + 3 < bufsize) {
                                memcpy(buf + o, "...", 3);
                                o += 3;
                        }
                        break;
                }
                if (plain) {
                        buf[o++] = (char)c;
                } else {
                        buf[o++] = '\\';
                        buf[o++] = 'x';
                        buf[o++] = hex[c >> 4];
                        buf[o++] = hex[c & 15];
                }
        }
        buf[o] = '\0';
}

char *xstrndup(const char *s, size_t n)
{
        char *d = malloc(n + 1);
        if (!d)
                return NULL;
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

int strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
        if (sb->len + n + 1 > sb->cap) {
                size_t cap = sb->cap ? sb->cap : 256;
                while (cap < sb->len + n + 1)
                        cap *= 2;
                char *b = realloc(sb->buf, cap);
                if (!b)
                        return -ENOMEM;
                sb->buf = b;
                sb->cap = cap;
        }
        memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = '\0';
        return 0;
}

int strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
        char small[512];
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(small, sizeof(small), fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if ((size_t)n < sizeof(small))
                return strbuf_append(sb, small, (size_t)n);

        _cleanup_free_ char *big = malloc((size_t)n + 1);
        if (!big)
                return -ENOMEM;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        return strbuf_append(sb, big, (size_t)n);
}

void strbuf_free(struct strbuf *sb)
{
        free(sb->buf);
        sb->buf = NULL;
        sb->len = sb->cap = 0;
}

size_t utf8_valid_prefix(const char *str, size_t len)
{
        const unsigned char *s = (const unsigned char *)str;
        size_t i = 0;
        while (i < len) {
                unsigned c = s[i];
                size_t need;
                unsigned min;
                if (c < 0x80) {
                        i++;
                        continue;
                } else if ((c & 0xe0) == 0xc0) {
                        need = 1;
                        min = 0x80;
                        c &= 0x1f;
                } else if ((c & 0xf0) == 0xe0) {
                        need = 2;
                        min = 0x800;
                        c &= 0x0f;
                } else if ((c & 0xf8) == 0xf0) {
                        need = 3;
                        min = 0x10000;
                        c &= 0x07;
                } else {
                        return i;
                }
                if (i + need >= len)
                        return i;
                for (size_t k = 1; k <= need; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return i;
                        c = (c << 6) | (s[i + k] & 0x3f);
                }
                /* overlong forms, surrogates and values past U+10FFFF */
                if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        return i;
                i += need + 1;
        }
        return len;
}
