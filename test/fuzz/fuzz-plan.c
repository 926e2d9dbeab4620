/* The planner, with the invariant the whole design rests on: whatever the
 * image and whatever exists, no operation leaves the container's sub-tree and
 * no file outside the allowlist is written.
 *
 * Input: an image (JSON), optionally followed by a NUL byte and bytes that
 * describe what exists below the top-level (which sub-cgroups, which made by
 * a killed run, which current values). Every mode is planned for every
 * hierarchy. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/plan.h"

#include "fuzz-plan-check.h"
#include "fuzz.h"

#define FUZZ_PID 4242

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *sep = memchr(data, '\0', size);
        size_t image_len = sep ? (size_t)(sep - data) : size;
        struct fuzz_bytes b = { sep ? sep + 1 : data + size, sep ? size - image_len - 1 : 0 };
        char *buf = fuzz_copy(data, image_len);
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };

        int r = image_parse(buf, image_len, &img, &err);
        free(buf);
        if (r < 0)
                return 0;

        size_t nh = img.n_hierarchies;
        struct observed_node *observed = xcalloc(nh ? nh : 1, sizeof(*observed));
        bool *init_in_top = xcalloc(nh ? nh : 1, sizeof(bool));
        size_t *first_op = xcalloc(nh + 1, sizeof(size_t));
        const struct image_hierarchy **hs = xcalloc(nh ? nh : 1, sizeof(*hs));
        uint8_t flags = fuzz_next(&b);
        for (size_t i = 0; i < nh; i++) {
                hs[i] = &img.hierarchies[i];
                fuzz_build_observed(&b, &img.hierarchies[i].root, &observed[i], true);
                init_in_top[i] = fuzz_next(&b) & 1;
        }
        struct fuzz_plan_input in = {
                .h = hs,
                .observed = observed,
                .init_in_top = init_in_top,
                .n = nh,
                .first_op = first_op,
        };

        for (int mode = 0; mode < MODE_MAX; mode++) {
                struct plan_options opts = {
                        .mode = (enum restore_mode)mode,
                        .top_level = flags & 1,
                        .move_init = !(flags & 2),
                        .pid = FUZZ_PID,
                };
                struct plan plan = { 0 };
                size_t planned = nh;
                for (size_t i = 0; i < nh; i++) {
                        const struct image_hierarchy *h = &img.hierarchies[i];
                        struct plan_hierarchy_input pin = {
                                .image = h,
                                .observed = &observed[i],
                                .init_in_top = init_in_top[i],
                                .label = image_hierarchy_label(h),
                        };
                        struct cgbind_error perr = { 0 };
                        size_t first_dir = plan.n_dirs, first_mkdirs = plan.n_mkdirs;
                        first_op[i] = plan.n_ops;
                        r = plan_hierarchy(&plan, i, &pin, &opts, &perr);
                        if (r < 0) {
                                fuzz_check_plan_refusal(r, &perr);
                                /* a refusal comes before the hierarchy's first op */
                                CHECK(plan.n_ops == first_op[i]);
                                CHECK(plan.n_dirs == first_dir && plan.n_mkdirs == first_mkdirs);
                                planned = i; /* restore_plan stops here too */
                                break;
                        }
                }
                for (size_t i = planned; i < nh + 1; i++)
                        first_op[i] = plan.n_ops;
                fuzz_check_plan(&plan, &in, &opts);
                plan_free(&plan);
        }

        for (size_t i = 0; i < nh; i++)
                observed_free(&observed[i], &img.hierarchies[i].root);
        free(observed);
        free(init_in_top);
        free(first_op);
        free(hs);
        image_free(&img);
        return 0;
}
