/* The pure middle of a restore, end to end: an image (native or CRIU) is
 * parsed, converted and matched (restore_match) onto fixed located layouts
 * (a hybrid v1 host, a v2 host, a v1 host with every controller apart, a
 * hybrid host with its unified hierarchy), then planned (restore_plan) in
 * every mode against observed trees made from the fuzzer's bytes. Checked:
 * what match hands on (each target owns a valid tree on a usable hierarchy
 * of the right version and controllers, the fan-out within --max-cgroups),
 * and every invariant of the planner (fuzz-plan-check.c). ASan sees that
 * match_free, observed_free and plan_free free everything exactly once.
 *
 * Input: the image, optionally followed by a NUL byte, an options byte and
 * the bytes that describe what exists below each top-level. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/image.h"
#include "cgbind/plan-wire.h"
#include "cgbind/restore.h"

#include "fuzz-plan-check.h"
#include "fuzz.h"

#define FUZZ_PID   4242
#define MAX_LAYOUT 16

/* "v2", "v1:<controllers>", a trailing "!" for a refused hierarchy */
static const char *const hybrid[] = { "v1:cpu,cpuacct",      "v1:cpuset",
                                      "v1:memory",           "v1:pids",
                                      "v1:name=systemd",     "v1:blkio!",
                                      "v1:net_cls,net_prio", NULL };
static const char *const unified[] = { "v2", NULL };
static const char *const separate[] = { "v1:cpu",     "v1:cpuacct", "v1:cpuset",  "v1:memory",
                                        "v1:pids",    "v1:blkio",   "v1:net_cls", "v1:net_prio",
                                        "v1:hugetlb", "v1:devices", "v1:freezer", "v1:name=systemd",
                                        NULL };
static const char *const hybrid_unified[] = {
        "v1:cpu,cpuacct", "v1:cpuset", "v1:memory", "v1:pids", "v1:name=systemd", "v2", NULL
};
static const char *const *const layouts[] = { hybrid, unified, separate, hybrid_unified };

struct layout {
        struct located_hierarchy h[MAX_LAYOUT];
        char controllers[MAX_LAYOUT][64];
        struct located loc;
};

static void layout_init(struct layout *l, const char *const *spec)
{
        size_t n = 0;
        *l = (struct layout){ 0 };
        for (; spec[n]; n++) {
                const char *s = spec[n];
                bool v2 = strncmp(s, "v2", 2) == 0;
                size_t len = strlen(s);
                bool refused = s[len - 1] == '!';
                snprintf(l->controllers[n], sizeof(l->controllers[n]), "%.*s",
                         v2 ? 0 : (int)(len - 3 - refused), s + 3);
                l->h[n] = (struct located_hierarchy){
                        .version = v2 ? CG_V2 : CG_V1,
                        .controllers = l->controllers[n],
                        .cgroup_path = (char *)"/ctr",
                        .init_rel = (char *)"",
                        .host_path = (char *)"/sys/fs/cgroup/ctr",
                        .refused = refused ? (char *)"not the container's own cgroup" : NULL,
                        .dirfd = -1,
                };
        }
        l->loc = (struct located){ .h = l->h, .n = n, .from_mounts = true };
}

/* A warning is one printable line (it goes to stderr and syslog). */
static void warn(const char *msg, void *userdata)
{
        size_t *n = userdata;
        CHECK(msg && msg[0]);
        for (const char *p = msg; *p; p++)
                CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
        (*n)++;
}

/* The image passed image_validate: converting it may only refuse what has
 * no counterpart under strict (status 3), never make an invalid image. */
static void check_convert_refusal(int r, const struct cgbind_error *err)
{
        fuzz_check_error(r, err);
        if (err->status != CGBIND_PRECONDITION) {
                fprintf(stderr, "conversion of a valid image refused: %s\n", err->msg);
                abort();
        }
}

static bool label_char_ok(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("_=-,+", c);
}

/* What match hands on: a tree per usable located hierarchy, owned and valid. */
static void check_match(const struct match *m, const struct layout *l,
                        const struct restore_options *o)
{
        size_t total = 0;
        for (size_t i = 0; i < m->n; i++) {
                const struct match_target *t = &m->targets[i];
                CHECK(t->located >= l->h && t->located < l->h + l->loc.n);
                CHECK(located_usable(t->located));
                for (size_t k = 0; k < i; k++)
                        CHECK(m->targets[k].located != t->located);
                CHECK(t->image.version == t->located->version);
                if (t->image.version == CG_V1)
                        CHECK(t->image.controllers &&
                              strcmp(t->image.controllers, t->located->controllers) == 0);
                CHECK(t->label && t->label[0]);
                for (const char *p = t->label; *p; p++)
                        CHECK(label_char_ok(*p));
                if (t->image.version == CG_V2)
                        CHECK(strcmp(t->label, "cgroup2") == 0);
                /* the target's tree passes the image checks on its own */
                struct cgbind_image one = { .hierarchies = (struct image_hierarchy *)&t->image,
                                            .n_hierarchies = 1 };
                struct cgbind_error err = { 0 };
                if (image_validate(&one, &err) < 0) {
                        fprintf(stderr, "target %s: %s\n", t->label, err.msg);
                        abort();
                }
                CHECK(one.n_nodes == t->n_nodes);
                CHECK(t->n_nodes == cg_node_count(&t->image.root));
                total += t->n_nodes;
        }
        CHECK(total == m->n_nodes);
        CHECK(m->n_nodes <= o->max_cgroups);
}

static void plan_all_modes(const struct match *m, struct fuzz_bytes *b, uint8_t flags)
{
        size_t n = m->n;
        struct observed_node *observed = xcalloc(n ? n : 1, sizeof(*observed));
        bool *init_in_top = xcalloc(n ? n : 1, sizeof(bool));
        size_t *other_procs = xcalloc(n ? n : 1, sizeof(size_t));
        const struct image_hierarchy **hs = xcalloc(n ? n : 1, sizeof(*hs));
        for (size_t i = 0; i < n; i++) {
                hs[i] = &m->targets[i].image;
                fuzz_build_observed(b, &m->targets[i].image.root, &observed[i], true);
                uint8_t k = fuzz_next(b);
                init_in_top[i] = k & 1;
                other_procs[i] = (k & 6) == 6 ? 1 : 0; /* CRIU in the v2 top-level */
        }
        struct fuzz_plan_input in = {
                .h = hs,
                .observed = observed,
                .init_in_top = init_in_top,
                .n = n,
        };
        for (int mode = 0; mode < MODE_MAX; mode++) {
                struct plan_options popts = {
                        .mode = (enum restore_mode)mode,
                        .top_level = flags & 1,
                        .move_init = !(flags & 2),
                        .pid = FUZZ_PID,
                };
                struct plan plan = { .n_ops = 4242 };
                struct cgbind_error err = { 0 };
                int r = restore_plan(m, observed, init_in_top, other_procs, &popts, &plan, &err);
                if (r < 0) {
                        fuzz_check_plan_refusal(r, &err);
                        /* a refused plan is not handed out */
                        CHECK(plan.n_ops == 4242 && plan.ops == NULL && plan.dirs == NULL);
                        if (err.status == CGBIND_PRECONDITION && err.errnum == EBUSY)
                                CHECK(mode != MODE_IGNORE && mode != MODE_NONE);
                        continue;
                }
                if (mode == MODE_IGNORE || mode == MODE_NONE)
                        CHECK(plan.n_ops == 0);
                fuzz_check_plan(&plan, &in, &popts);
                /* the privilege split's pipe: every plan the planner makes
                 * passes the parent's checks and comes back equal */
                struct plan back = { 0 };
                struct strbuf wire = { 0 };
                enum cg_version versions[CGBIND_MAX_HIERARCHIES];
                uint32_t targets[CGBIND_MAX_HIERARCHIES];
                const char *labels[CGBIND_MAX_HIERARCHIES];
                const pid_t pids[] = { FUZZ_PID };
                for (size_t i = 0; i < n && i < CGBIND_MAX_HIERARCHIES; i++) {
                        versions[i] = m->targets[i].image.version;
                        targets[i] = (uint32_t)i;
                        labels[i] = m->targets[i].label;
                }
                struct plan_wire_check wchk = {
                        .versions = versions,
                        .n_hier = n,
                        .pids = pids,
                        .n_pids = 1,
                        .max_dirs = plan.n_dirs,
                        .max_ops = plan.n_ops,
                };
                struct plan_wire_targets wt = { 0 };
                plan_wire_write(&plan, targets, labels, n, &wire);
                err = (struct cgbind_error){ 0 };
                int w = plan_wire_read(wire.buf, wire.len, &wchk, &back, &wt, &err);
                plan_wire_targets_free(&wt);
                if (w < 0)
                        fprintf(stderr, "plan-wire: %s\n", err.msg);
                CHECK(w == 0 && back.n_ops == plan.n_ops && back.n_dirs == plan.n_dirs);
                for (size_t i = 0; w == 0 && i < plan.n_ops; i++)
                        CHECK(back.ops[i].kind == plan.ops[i].kind &&
                              back.ops[i].dir == plan.ops[i].dir);
                plan_free(&back);
                strbuf_free(&wire);
                plan_free(&plan);
        }
        for (size_t i = 0; i < n; i++)
                observed_free(&observed[i], &m->targets[i].image.root);
        free(observed);
        free(init_in_top);
        free(other_procs);
        free(hs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const uint8_t *sep = memchr(data, '\0', size);
        size_t image_len = sep ? (size_t)(sep - data) : size;
        struct fuzz_bytes rest = { sep ? sep + 1 : data + size, sep ? size - image_len - 1 : 0 };
        char *buf = fuzz_copy(data, image_len);
        uint8_t flags = fuzz_next(&rest);

        struct restore_options o;
        restore_options_init(&o);
        o.skip_missing = flags & 4;
        o.convert = flags & 8;
        static const size_t caps[] = { CGBIND_DEFAULT_MAX_CGROUPS, 1, 5, 40 };
        o.max_cgroups = caps[(flags >> 4) & 3];
        enum restore_mode match_mode = flags & 0x40 ? MODE_STRICT : MODE_SOFT;

        for (size_t k = 0; k < ARRAY_SIZE(layouts); k++) {
                struct cgbind_image img = { 0 };
                struct cgbind_error err = { 0 };
                if (image_parse(buf, image_len, &img, &err) < 0)
                        break; /* fuzz-image checks the refusals */
                struct layout l;
                layout_init(&l, layouts[k]);
                struct match m = { 0 };
                size_t n_warnings = 0;
                err = (struct cgbind_error){ 0 };
                /* restore_match converts on its own, with its notes going to the
                 * log; every other input converts first here, so that the notes
                 * are seen (then restore_match has nothing left to convert) */
                int r = 0;
                if (!(flags & 0x80)) {
                        r = image_convert_for_host(&img, &l.loc, match_mode == MODE_STRICT,
                                                   o.convert, warn, &n_warnings, &err);
                        if (r < 0)
                                check_convert_refusal(r, &err);
                }
                if (r >= 0) {
                        struct cgbind_image copy = img;
                        img = (struct cgbind_image){ 0 };
                        r = restore_match(&copy, &l.loc, &o, match_mode, NULL, &m, &err);
                        /* consumed, whatever happened */
                        CHECK(copy.n_hierarchies == 0 && copy.hierarchies == NULL);
                } else {
                        image_free(&img);
                }
                if (r < 0) {
                        fuzz_check_error(r, &err);
                        CHECK(err.status == CGBIND_INVALID || err.status == CGBIND_PRECONDITION);
                        CHECK(m.n == 0 && m.targets == NULL);
                        match_free(&m);
                        continue;
                }
                check_match(&m, &l, &o);
                struct fuzz_bytes b = rest;
                plan_all_modes(&m, &b, flags);
                match_free(&m);
                CHECK(m.n == 0 && m.targets == NULL);
        }
        free(buf);
        return 0;
}
