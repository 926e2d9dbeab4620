/* String operations on cgroup paths in the kernel's form. */
#include <string.h>

#include "cgbind/path.h"
#include "cgbind/util.h"

bool path_is_beneath(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);
        while (n > 0 && prefix[n - 1] == '/')
                n--;
        if (n == 0) /* "/" or "//": the root holds every absolute path */
                return path[0] == '/';
        return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool has_dotdot(const char *p)
{
        for (const char *s = p; (s = strstr(s, "..")); s += 2)
                if ((s == p || s[-1] == '/') && (s[2] == '\0' || s[2] == '/'))
                        return true;
        return false;
}

bool path_is_normal(const char *p)
{
        if (p[0] != '/')
                return false;
        if (streq(p, "/"))
                return true;
        for (const char *s = p; *s; s++)
                if (s[0] == '/' &&
                    (s[1] == '/' || s[1] == '\0' || (s[1] == '.' && (s[2] == '/' || s[2] == '\0'))))
                        return false;
        return !has_dotdot(p);
}

const char *path_rel_below(const char *child, const char *parent)
{
        if (streq(parent, "/"))
                return child + 1;
        const char *r = child + strlen(parent);
        return *r == '/' ? r + 1 : r;
}

bool path_ends_with(const char *path, const char *suffix)
{
        while (*suffix == '/')
                suffix++;
        size_t pl = strlen(path), sl = strlen(suffix);
        if (sl == 0 || suffix[sl - 1] == '/' || sl > pl)
                return false;
        if (strcmp(path + pl - sl, suffix) != 0)
                return false;
        return pl == sl || path[pl - sl - 1] == '/';
}
