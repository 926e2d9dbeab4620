/* `cgbind show`: an image as a tree, the way systemd-cgls prints cgroups.
 * Everything an image chose (names, values, the container id, the dates) is
 * escaped: a terminal never sees a control character from it. */
#pragma once

#include "cgbind/image.h"
#include "cgbind/log.h"
#include "cgbind/util.h"

/* Appends the tree of every hierarchy to out: properties beside each cgroup,
 * sizes in bytes followed by a human form ("104857600 (100M)"). */
void show_image(const struct cgbind_image *img, struct strbuf *out);

struct show_options {
        const char *path;
        bool json;      /* the image as cgbind would write it */
        int convert_to; /* 0, or CG_V1 / CG_V2: converted first */
};

/* Reads, parses and prints the image at o->path to stdout. */
int show_run(const struct show_options *o, struct cgbind_log *log, struct cgbind_error *err);
