/* `cgbind show`: an image as a tree, the way systemd-cgls prints cgroups. */
#pragma once

#include "cgbind/image.h"
#include "cgbind/util.h"

/* Appends the tree of every hierarchy to out: properties beside each cgroup,
 * sizes in bytes followed by a human form ("104857600 (100M)"). */
int show_image(const struct cgbind_image *img, struct strbuf *out);
