/* Translating an image between cgroup v1 and v2 with the formulas the
 * runtimes use (runc and crun: cpu.shares <-> cpu.weight, blkio.weight <->
 * io.weight), and naming what has no counterpart. Pure. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgbind/image.h"
#include "cgbind/locate.h"
#include "cgbind/util.h"

/* Called once per property that has no counterpart in the target version
 * ("memory:/app memory.swappiness"), and once per notice. */
typedef void (*convert_note_fn)(const char *msg, void *userdata);

/* Converts img to version to. With strict, a property without counterpart
 * is an error (status 3) instead of a note. */
int image_convert(const struct cgbind_image *img, enum cg_version to, bool strict,
                  convert_note_fn note, void *userdata, struct cgbind_image *ret,
                  struct cgbind_error *err);

/* The conversion policy of a restore: an image of only the other cgroup
 * version than the container's usable hierarchies is converted in place,
 * with a notice unless expected (--convert); anything else is left alone. */
int image_convert_for_host(struct cgbind_image *img, const struct located *loc, bool strict,
                           bool expected, convert_note_fn note, void *userdata,
                           struct cgbind_error *err);

/* The formulas, exposed for their unit tests. */
uint64_t convert_shares_to_weight(uint64_t shares);
uint64_t convert_weight_to_shares(uint64_t weight);
uint64_t convert_blkio_to_io_weight(uint64_t weight);
uint64_t convert_io_to_blkio_weight(uint64_t weight);
