/* Allocation that cannot fail, the error carrier, escaping of untrusted text,
 * a growable string buffer and deadlines. */
#include <stdio.h>

#include "cgbind/util.h"

void oom(void)
{
        static const char msg[] = "cgbind: out of memory; nothing was changed\n";
        ssize_t k = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)k;
        _exit(CGBIND_FAILED);
}

void *xmalloc(size_t n)
{
        void *p = malloc(n ? n : 1);
        if (!p)
                oom();
        return p;
}

void *xcalloc(size_t n, size_t size)
{
        void *p = calloc(n ? n : 1, size ? size : 1);
        if (!p)
                oom();
        return p;
}

void *xrealloc(void *p, size_t n)
{
        void *q = realloc(p, n ? n : 1);
        if (!q)
                oom();
        return q;
}

void *xreallocarray(void *p, size_t n, size_t size)
{
        if (size && n > SIZE_MAX / size)
                oom();
        return xrealloc(p, n * size);
}

char *xstrdup(const char *s)
{
        return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
        char *d = xmalloc(n + 1);
        memcpy(d, s, n);
        d[n] = '\0';
        return d;
}

int cgbind_error_set(struct cgbind_error *err, enum cgbind_status status, int errnum,
                     const char *fmt, ...)
{
        if (err && err->status == CGBIND_OK) {
                va_list ap;
                va_start(ap, fmt);
                vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->status = status;
                err->errnum = errnum;
        }
        return errnum > 0 ? -errnum : -EINVAL;
}

int cgbind_error_set_escaped(struct cgbind_error *err, enum cgbind_status status, int errnum,
                             const char *fmt, ...)
{
        if (err && err->status == CGBIND_OK) {
                va_list ap;
                va_start(ap, fmt);
                cgbind_format_escaped(err->msg, sizeof(err->msg), fmt, ap);
                va_end(ap);
                err->status = status;
                err->errnum = errnum;
        }
        return errnum > 0 ? -errnum : -EINVAL;
}

/* The one escaper: for_log keeps a backslash (a message escaped already
 * reads the same) and makes CR and LF a space (one line, whatever the text
 * held). */
static char *escape(const char *s, size_t len, char *buf, size_t bufsize, bool for_log)
{
        static const char hex[] = "0123456789abcdef";
        size_t o = 0;

        if (bufsize == 0)
                return buf;
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                if (for_log && (c == '\n' || c == '\r'))
                        c = ' ';
                /* a control byte (ESC and the rest) or any byte of a
                 * multi-byte sequence (the C1 controls among them): \xNN */
                bool plain = c >= 0x20 && c < 0x7f && (c != '\\' || for_log);
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
        return buf;
}

char *cgbind_escape(const char *s, size_t len, char *buf, size_t bufsize)
{
        return escape(s, len, buf, bufsize, false);
}

char *cgbind_escape_log(const char *s, char *buf, size_t bufsize)
{
        return escape(s, strlen(s), buf, bufsize, true);
}

void cgbind_format_escaped(char *buf, size_t bufsize, const char *fmt, va_list ap)
{
        char raw[2048];
        vsnprintf(raw, sizeof(raw), fmt, ap);
        cgbind_escape(raw, strlen(raw), buf, bufsize);
}

void strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
        if (sb->len + n + 1 > sb->cap) {
                size_t cap = sb->cap ? sb->cap : 256;
                while (cap < sb->len + n + 1)
                        cap *= 2;
                sb->buf = xrealloc(sb->buf, cap);
                sb->cap = cap;
        }
        if (n)
                memcpy(sb->buf + sb->len, s, n);
        sb->len += n;
        sb->buf[sb->len] = '\0';
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
        char small[512];
        va_list ap;

        va_start(ap, fmt);
        int n = vsnprintf(small, sizeof(small), fmt, ap);
        va_end(ap);
        if (n < 0)
                n = 0;
        if ((size_t)n < sizeof(small)) {
                strbuf_append(sb, small, (size_t)n);
                return;
        }
        _cleanup_free_ char *big = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        strbuf_append(sb, big, (size_t)n);
}

void strbuf_append_escaped(struct strbuf *sb, const char *s, size_t n)
{
        static const char hex[] = "0123456789abcdef";
        size_t start = 0;
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f && c != '\\')
                        continue;
                strbuf_append(sb, s + start, i - start);
                char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
                strbuf_append(sb, e, 4);
                start = i + 1;
        }
        strbuf_append(sb, s + start, n - start);
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

struct deadline deadline_in_ms(uint64_t ms)
{
        struct deadline d;
        clock_gettime(CLOCK_MONOTONIC, &d.at);
        d.at.tv_sec += (time_t)(ms / 1000);
        d.at.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (d.at.tv_nsec >= 1000000000L) {
                d.at.tv_sec++;
                d.at.tv_nsec -= 1000000000L;
        }
        return d;
}

/* d's time less now's, in ms */
static int64_t deadline_diff_ms(const struct deadline *d)
{
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        return (int64_t)(d->at.tv_sec - now.tv_sec) * 1000 +
               (d->at.tv_nsec - now.tv_nsec) / 1000000L;
}

int deadline_left_ms(const struct deadline *d)
{
        int64_t ms = deadline_diff_ms(d);
        if (ms <= 0)
                return 0;
        return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

int deadline_past_ms(const struct deadline *d)
{
        int64_t ms = -deadline_diff_ms(d);
        if (ms <= 0)
                return 0;
        return ms > INT32_MAX ? INT32_MAX : (int)ms;
}
