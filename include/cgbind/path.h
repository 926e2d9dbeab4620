/* Cgroup paths as the kernel prints them ("/a/b", "/"), compared as strings. */
#pragma once

#include <stdbool.h>

/* True when path equals prefix or lies below it (both absolute, "/" is everything). */
bool path_is_beneath(const char *path, const char *prefix);

/* The kernel's one form: absolute, no empty, "." or ".." component, no
 * trailing slash ("/" itself is normal). */
bool path_is_normal(const char *p);

/* The part of child below parent, "" when they are equal; parent must be
 * child or an ancestor of it (path_is_beneath). */
const char *path_rel_below(const char *child, const char *parent);

/* True when path ends with the components of suffix ("/a/b/c" ends with
 * "b/c" and "/b/c", not with "/c/x" or "b/"). */
bool path_ends_with(const char *path, const char *suffix);
