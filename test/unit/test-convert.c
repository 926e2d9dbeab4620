/* Unit tests for the v1 <-> v2 translation: every formula at its edges, and
 * whole images converted both ways. */
#include <stdio.h>
#include <string.h>

#include "cgbind/convert.h"
#include "cgbind/image.h"
#include "cgbind/props.h"
#include "tap.h"
#include "tree.h"

static int n_notes;
static char last_note[1024];

static void note(const char *msg, void *userdata)
{
        (void)userdata;
        n_notes++;
        snprintf(last_note, sizeof(last_note), "%s", msg);
}

static const char *prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; i < n->n_props; i++)
                if (strcmp(n->props[i].name, name) == 0)
                        return n->props[i].value;
        return NULL;
}

static const struct image_hierarchy *hier(const struct cgbind_image *img, const char *ctl)
{
        for (size_t i = 0; i < img->n_hierarchies; i++)
                if (strcmp(img->hierarchies[i].controllers, ctl) == 0)
                        return &img->hierarchies[i];
        return NULL;
}

static void formulas(void)
{
        /* cpu.shares -> cpu.weight, runc's and crun's formula */
        ok(convert_shares_to_weight(2) == 1, "shares 2 (minimum) -> weight 1");
        ok(convert_shares_to_weight(262144) == 10000, "shares 262144 (maximum) -> weight 10000");
        ok(convert_shares_to_weight(1024) == 39, "shares 1024 (default) -> weight 39");
        ok(convert_shares_to_weight(0) == 0, "shares 0 (unset) -> 0");
        ok(convert_shares_to_weight(1) == 1, "shares below the minimum clamp to weight 1");
        ok(convert_shares_to_weight(1000000) == 10000, "shares above the maximum clamp to 10000");
        ok(convert_weight_to_shares(1) == 2, "weight 1 -> shares 2");
        ok(convert_weight_to_shares(10000) == 262144, "weight 10000 -> shares 262144");
        ok(convert_weight_to_shares(100) == 2597, "weight 100 (default) -> shares 2597");
        ok(convert_weight_to_shares(0) == 0, "weight 0 -> 0");
        ok(convert_weight_to_shares(20000) == 262144, "weight above 10000 clamps");
        /* blkio.weight <-> io.weight */
        ok(convert_blkio_to_io_weight(10) == 1, "blkio 10 (minimum) -> io 1");
        ok(convert_blkio_to_io_weight(1000) == 10000, "blkio 1000 (maximum) -> io 10000");
        ok(convert_blkio_to_io_weight(500) == 4950, "blkio 500 -> io 4950");
        ok(convert_io_to_blkio_weight(1) == 10, "io 1 -> blkio 10");
        ok(convert_io_to_blkio_weight(10000) == 1000, "io 10000 -> blkio 1000");
        ok(convert_io_to_blkio_weight(100) == 19, "io 100 (default) -> blkio 19");
}

static int parse(const char *json, struct cgbind_image *img)
{
        struct cgbind_error err = { 0 };
        int r = image_parse(json, strlen(json), img, &err);
        if (r < 0)
                printf("# parse: %s\n", err.msg);
        return r;
}

static void v1_to_v2(void)
{
        static const char json[] =
                "{ \"cgbind\": 1, \"hierarchies\": ["
                "{ \"type\": \"cgroup\", \"controllers\": [\"cpu\"], \"root\": { \"children\": ["
                "  { \"name\": \"app\", \"properties\": { \"cpu.shares\": \"512\","
                "    \"cpu.cfs_quota_us\": \"50000\", \"cpu.cfs_period_us\": \"200000\" }, "
                "\"children\": ["
                "    { \"name\": \"w\", \"properties\": { \"cpu.cfs_quota_us\": \"-1\" } } ] } ] } "
                "},"
                "{ \"type\": \"cgroup\", \"controllers\": [\"memory\"], \"root\": { \"children\": ["
                "  { \"name\": \"app\", \"properties\": { \"memory.limit_in_bytes\": \"104857600\","
                "    \"memory.memsw.limit_in_bytes\": \"157286400\", "
                "\"memory.soft_limit_in_bytes\": "
                "\"-1\","
                "    \"memory.swappiness\": \"10\" }, \"children\": ["
                "    { \"name\": \"w\", \"properties\": { \"memory.limit_in_bytes\": "
                "\"9223372036854771712\","
                "      \"memory.memsw.limit_in_bytes\": \"-1\" } } ] } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"pids\"], \"root\": { \"children\": ["
                "  { \"name\": \"batch\", \"properties\": { \"pids.max\": \"max\" } } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"blkio\"], \"root\": { \"children\": ["
                "  { \"name\": \"app\", \"properties\": { \"blkio.weight\": \"10\","
                "    \"blkio.throttle.read_bps_device\": \"8:0 1048576\","
                "    \"blkio.throttle.write_iops_device\": \"8:0 100\" } } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"hugetlb\"], \"root\": { \"children\": "
                "["
                "  { \"name\": \"app\", \"properties\": { \"hugetlb.2MB.limit_in_bytes\": \"-1\" } "
                "} ] "
                "} }"
                "] }";
        struct cgbind_image img = { 0 }, out = { 0 };
        struct cgbind_error err = { 0 };
        ok(parse(json, &img) == 0, "v1 image parses");
        n_notes = 0;
        ok(image_convert(&img, CG_V2, false, note, NULL, &out, &err) == 0, "v1 -> v2 converts");
        ok(out.n_hierarchies == 1 && out.hierarchies[0].version == CG_V2, "one cgroup2 hierarchy");
        const struct image_hierarchy *h = &out.hierarchies[0];
        const struct cg_node *app = tree_child(&h->root, "app"),
                             *w = app ? tree_child(app, "w") : NULL;
        ok(app && w, "the trees of all hierarchies are merged");
        is_str(prop(app, "cpu.weight"), "20", "cpu.shares 512 -> cpu.weight 20");
        is_str(prop(app, "cpu.max"), "50000 200000", "quota and period -> cpu.max");
        is_str(prop(w, "cpu.max"), "max 100000", "quota -1 -> cpu.max max, default period");
        is_str(prop(app, "memory.max"), "104857600", "memory.limit_in_bytes -> memory.max");
        is_str(prop(app, "memory.swap.max"), "52428800", "memsw minus limit -> memory.swap.max");
        is_str(prop(app, "memory.low"), "max", "soft limit -1 -> memory.low max");
        is_str(prop(w, "memory.max"), "max", "the page-rounded maximum -> max");
        is_str(prop(w, "memory.swap.max"), "max", "memsw -1 -> swap max");
        ok(prop(app, "memory.swappiness") == NULL, "swappiness has no counterpart");
        ok(n_notes >= 2, "notes name what was left out (%d)", n_notes);
        is_str(prop(tree_child(&h->root, "batch"), "pids.max"), "max", "pids.max unchanged");
        is_str(prop(app, "io.weight"), "default 1", "blkio.weight 10 -> io.weight default 1");
        is_str(prop(app, "io.max"), "8:0 rbps=1048576\n8:0 wiops=100",
               "throttle files -> io.max lines");
        is_str(prop(app, "hugetlb.2MB.max"), "max", "hugetlb limit -1 -> max");
        is_str(prop(&h->root, "cgroup.subtree_control"), "cpu memory io hugetlb pids",
               "the top-level enables every controller used below");
        is_str(prop(app, "cgroup.subtree_control"), "cpu memory", "app enables what w uses");
        ok(prop(w, "cgroup.subtree_control") == NULL, "a leaf enables nothing");
        is_str(h->init, "init.scope", "the init goes to init.scope");
        ok(tree_child(&h->root, "init.scope") != NULL, "init.scope is in the tree");
        image_free(&out);

        struct cgbind_error serr = { 0 };
        ok(image_convert(&img, CG_V2, true, note, NULL, &out, &serr) < 0 &&
                   serr.status == CGBIND_PRECONDITION && strstr(serr.msg, "memory.swappiness"),
           "strict refuses what has no counterpart: %s", serr.msg);
        image_free(&img);
}

static void v2_to_v1(void)
{
        static const char json[] =
                "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup2\","
                "  \"controllers\": [\"cpu\", \"memory\", \"pids\", \"io\"], \"init\": "
                "\"init.scope\","
                "  \"root\": { \"properties\": { \"cgroup.subtree_control\": \"cpu memory pids "
                "io\" },"
                "  \"children\": [ { \"name\": \"init.scope\" },"
                "  { \"name\": \"app\", \"properties\": { \"cpu.weight\": \"100\", \"cpu.max\": "
                "\"max "
                "100000\","
                "    \"memory.max\": \"104857600\", \"memory.swap.max\": \"52428800\", "
                "\"memory.high\": \"90000000\","
                "    \"pids.max\": \"64\", \"io.weight\": \"default 10000\\n8:0 1\","
                "    \"io.max\": \"8:0 rbps=1048576 wbps=max riops=max wiops=10\" } },"
                "  { \"name\": \"w\", \"properties\": { \"cpu.max\": \"20000 50000\", "
                "\"memory.max\": "
                "\"max\","
                "    \"memory.swap.max\": \"1000\" } } ] } } ] }";
        struct cgbind_image img = { 0 }, out = { 0 };
        struct cgbind_error err = { 0 };
        ok(parse(json, &img) == 0, "v2 image parses");
        n_notes = 0;
        ok(image_convert(&img, CG_V1, false, note, NULL, &out, &err) == 0, "v2 -> v1 converts");
        const struct image_hierarchy *cpu = hier(&out, "cpu"), *mem = hier(&out, "memory");
        const struct image_hierarchy *pids = hier(&out, "pids"), *blk = hier(&out, "blkio");
        ok(cpu && mem && pids && blk, "one v1 hierarchy per controller");
        ok(hier(&out, "cpuset") == NULL, "no hierarchy for a controller the image lacks");
        const struct cg_node *app = cpu ? tree_child(&cpu->root, "app") : NULL;
        is_str(prop(app, "cpu.shares"), "2597", "cpu.weight 100 -> cpu.shares 2597");
        is_str(prop(app, "cpu.cfs_quota_us"), "-1", "cpu.max max -> quota -1");
        is_str(prop(app, "cpu.cfs_period_us"), "100000", "period kept");
        const struct cg_node *w = cpu ? tree_child(&cpu->root, "w") : NULL;
        is_str(prop(w, "cpu.cfs_quota_us"), "20000", "quota 20000");
        is_str(prop(w, "cpu.cfs_period_us"), "50000", "period 50000");
        const struct cg_node *mapp = mem ? tree_child(&mem->root, "app") : NULL;
        is_str(prop(mapp, "memory.limit_in_bytes"), "104857600", "memory.max -> limit");
        is_str(prop(mapp, "memory.memsw.limit_in_bytes"), "157286400", "max + swap -> memsw");
        const struct cg_node *mw = mem ? tree_child(&mem->root, "w") : NULL;
        is_str(prop(mw, "memory.limit_in_bytes"), "-1", "memory.max max -> -1");
        ok(prop(mw, "memory.memsw.limit_in_bytes") == NULL,
           "swap limited but memory unlimited has no v1 counterpart");
        is_str(prop(tree_child(&pids->root, "app"), "pids.max"), "64", "pids.max unchanged");
        const struct cg_node *bapp = blk ? tree_child(&blk->root, "app") : NULL;
        is_str(prop(bapp, "blkio.weight"), "1000", "io.weight default 10000 -> blkio 1000");
        is_str(prop(bapp, "blkio.weight_device"), "8:0 10", "io.weight 8:0 1 -> 8:0 10");
        is_str(prop(bapp, "blkio.throttle.read_bps_device"), "8:0 1048576", "rbps -> read_bps");
        is_str(prop(bapp, "blkio.throttle.write_iops_device"), "8:0 10", "wiops -> write_iops");
        ok(prop(bapp, "blkio.throttle.write_bps_device") == NULL, "wbps=max is no rule");
        ok(tree_child(&cpu->root, "init.scope") != NULL, "every hierarchy gets the whole tree");
        ok(n_notes >= 2, "memory.high and the unlimited-memory swap are noted (%d): %s", n_notes,
           last_note);
        image_free(&out);
        image_free(&img);
}

/* The files added for issue 15: where the runtimes have a rule, theirs (runc
 * and crun: rdma.max and misc.max are the same file; the BFQ weights keep
 * their scale); where they have none (memory.oom_control, cpu.rt_*, the TCP
 * limit, and v2's zswap writeback, PSI switch and dmem), a note. */
static bool noted(const char *notes, const char *name)
{
        return strstr(notes, name) != NULL;
}

static char all_notes[8192];

static void collect(const char *msg, void *userdata)
{
        (void)userdata;
        size_t l = strlen(all_notes);
        /* one TAP line: the notes are joined, not one per line */
        snprintf(all_notes + l, sizeof(all_notes) - l, "%s%s", l ? " | " : "", msg);
}

static void new_files(void)
{
        static const char v1_json[] =
                "{ \"cgbind\": 1, \"hierarchies\": ["
                "{ \"type\": \"cgroup\", \"controllers\": [\"cpu\"], \"root\": { \"children\": ["
                "  { \"name\": \"rt\", \"properties\": { \"cpu.rt_runtime_us\": \"5000\","
                "    \"cpu.rt_period_us\": \"500000\", \"cpu.uclamp.min\": \"10.50\" } } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"memory\"], \"root\": { \"children\": ["
                "  { \"name\": \"rt\", \"properties\": { \"memory.oom_control\": \"1\","
                "    \"memory.kmem.tcp.limit_in_bytes\": \"1048576\" } } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"blkio\"], \"root\": { \"children\": ["
                "  { \"name\": \"io\", \"properties\": {"
                "    \"blkio.bfq.weight_device\": \"default 300\\n8:0 700\\n8:16 20\","
                "    \"blkio.bfq.weight\": \"300\", \"blkio.prio.class\": \"restrict-to-be\" } } ] "
                "} },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"rdma\"], \"root\": { \"children\": ["
                "  { \"name\": \"io\", \"properties\": {"
                "    \"rdma.max\": \"mlx5_0 hca_handle=2 hca_object=max\" } } ] } },"
                "{ \"type\": \"cgroup\", \"controllers\": [\"misc\"], \"root\": { \"children\": ["
                "  { \"name\": \"io\", \"properties\": { \"misc.max\": \"sev 4\\nsev_es max\" } } "
                "] } }"
                "] }";
        struct cgbind_image img = { 0 }, out = { 0 }, back = { 0 };
        struct cgbind_error err = { 0 };
        ok(parse(v1_json, &img) == 0, "a v1 image with the new files parses");
        all_notes[0] = '\0';
        ok(image_convert(&img, CG_V2, false, collect, NULL, &out, &err) == 0,
           "v1 -> v2 converts (%s)", err.msg);
        const struct image_hierarchy *h = out.n_hierarchies ? &out.hierarchies[0] : NULL;
        const struct cg_node *rt = h ? tree_child(&h->root, "rt") : NULL;
        const struct cg_node *io = h ? tree_child(&h->root, "io") : NULL;
        ok(rt && io, "both trees merged");
        is_str(prop(io, "rdma.max"), "mlx5_0 hca_handle=2 hca_object=max",
               "rdma.max: the same file");
        is_str(prop(io, "misc.max"), "sev 4\nsev_es max", "misc.max: the same file");
        is_str(prop(io, "io.bfq.weight"), "default 300\n8:0 700\n8:16 20",
               "blkio.bfq.weight and _device -> one io.bfq.weight, the default line first, once");
        is_str(prop(io, "io.prio.class"), "restrict-to-be", "blkio.prio.class -> io.prio.class");
        is_str(prop(rt, "cpu.uclamp.min"), "10.50", "cpu.uclamp.min: the same file");
        ok(!prop(rt, "cpu.rt_runtime_us") && !prop(rt, "cpu.rt_period_us") &&
                   !prop(rt, "memory.oom_control") && !prop(rt, "memory.kmem.tcp.limit_in_bytes"),
           "no v2 counterpart: real-time bandwidth, the OOM switch, the TCP limit");
        ok(noted(all_notes, "cpu.rt_runtime_us=5000") && noted(all_notes, "cpu.rt_period_us") &&
                   noted(all_notes, "memory.oom_control=1") &&
                   noted(all_notes, "memory.kmem.tcp.limit_in_bytes"),
           "each is named in a note");
        const char *sc = h ? prop(&h->root, "cgroup.subtree_control") : NULL;
        ok(sc && controller_list_has(sc, "rdma") && controller_list_has(sc, "misc") &&
                   controller_list_has(sc, "io") && controller_list_has(sc, "cpu"),
           "the top-level enables rdma, misc, io and cpu (%s)", sc ? sc : "");

        /* and back: the v2 files become the v1 files again */
        all_notes[0] = '\0';
        ok(image_convert(&out, CG_V1, false, collect, NULL, &back, &err) == 0,
           "and back to v1 (%s)", err.msg);
        const struct image_hierarchy *blk = hier(&back, "blkio"), *rd = hier(&back, "rdma");
        const struct image_hierarchy *mi = hier(&back, "misc");
        const struct cg_node *bio = blk ? tree_child(&blk->root, "io") : NULL;
        is_str(prop(bio, "blkio.bfq.weight"), "300", "io.bfq.weight default -> blkio.bfq.weight");
        is_str(prop(bio, "blkio.bfq.weight_device"), "8:0 700\n8:16 20",
               "io.bfq.weight's device lines -> blkio.bfq.weight_device");
        is_str(prop(bio, "blkio.prio.class"), "restrict-to-be",
               "io.prio.class -> blkio.prio.class");
        is_str(rd ? prop(tree_child(&rd->root, "io"), "rdma.max") : NULL,
               "mlx5_0 hca_handle=2 hca_object=max", "an rdma hierarchy with rdma.max");
        is_str(mi ? prop(tree_child(&mi->root, "io"), "misc.max") : NULL, "sev 4\nsev_es max",
               "a misc hierarchy with misc.max");
        image_free(&back);
        image_free(&out);

        struct cgbind_error serr = { 0 };
        ok(image_convert(&img, CG_V2, true, collect, NULL, &out, &serr) < 0 &&
                   serr.status == CGBIND_PRECONDITION,
           "strict refuses them: %s", serr.msg);
        image_free(&img);

        static const char v2_json[] =
                "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup2\","
                "  \"controllers\": [\"cpu\", \"memory\", \"io\", \"dmem\"], \"init\": "
                "\"init.scope\","
                "  \"root\": { \"properties\": { \"cgroup.subtree_control\": \"cpu memory io "
                "dmem\" },"
                "  \"children\": [ { \"name\": \"init.scope\" },"
                "  { \"name\": \"app\", \"properties\": { \"cpu.uclamp.max\": \"50.00\","
                "    \"memory.zswap.writeback\": \"0\", \"cgroup.pressure\": \"0\","
                "    \"dmem.max\": \"drm/0000:03:00.0/vram0 1073741824\","
                "    \"io.bfq.weight\": \"default 50\", \"io.prio.class\": \"idle\" } } ] } } ] }";
        ok(parse(v2_json, &img) == 0, "a v2 image with the new files parses");
        all_notes[0] = '\0';
        ok(image_convert(&img, CG_V1, false, collect, NULL, &out, &err) == 0,
           "v2 -> v1 converts (%s)", err.msg);
        const struct image_hierarchy *cpu = hier(&out, "cpu");
        blk = hier(&out, "blkio");
        is_str(cpu ? prop(tree_child(&cpu->root, "app"), "cpu.uclamp.max") : NULL, "50.00",
               "cpu.uclamp.max: the same file");
        is_str(blk ? prop(tree_child(&blk->root, "app"), "blkio.bfq.weight") : NULL, "50",
               "io.bfq.weight default 50 -> blkio.bfq.weight 50");
        is_str(blk ? prop(tree_child(&blk->root, "app"), "blkio.prio.class") : NULL, "idle",
               "io.prio.class -> blkio.prio.class");
        ok(noted(all_notes, "memory.zswap.writeback") && noted(all_notes, "cgroup.pressure") &&
                   noted(all_notes, "dmem.max"),
           "no v1 counterpart, each named: zswap writeback, the PSI switch, dmem (%s)", all_notes);
        ok(hier(&out, "dmem") == NULL, "no v1 dmem hierarchy");
        image_free(&out);
        image_free(&img);
}

/* The policy of a restore: convert only an image of only the other version
 * than the container's usable hierarchies. */
static void for_host(void)
{
        static const char v1_json[] =
                "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup\", \"controllers\": "
                "[\"memory\"], \"root\": { \"children\": [ { \"name\": \"app\", \"properties\": "
                "{ \"memory.limit_in_bytes\": \"1048576\", \"memory.swappiness\": \"10\" } } ] } } "
                "] }";
        static const char v2_json[] =
                "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup2\", \"controllers\": "
                "[\"memory\"], \"root\": { \"properties\": { \"cgroup.subtree_control\": "
                "\"memory\" },"
                " \"children\": [ { \"name\": \"app\", \"properties\": { \"memory.max\": "
                "\"1048576\" } } ] } } ] }";
        struct located_hierarchy v2h = { .version = CG_V2, .controllers = (char *)"", .dirfd = -1 };
        struct located_hierarchy v1h[2] = {
                { .version = CG_V1, .controllers = (char *)"memory", .dirfd = -1 },
                { .version = CG_V1, .controllers = (char *)"cpu,cpuacct", .dirfd = -1 },
        };
        struct located only_v2 = { .h = &v2h, .n = 1 }, only_v1 = { .h = v1h, .n = 2 };
        struct located_hierarchy mixed_h[3] = { v1h[0], v1h[1], v2h };
        struct located mixed = { .h = mixed_h, .n = 3 };
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };

        ok(parse(v1_json, &img) == 0, "for_host: v1 image parses");
        n_notes = 0;
        last_note[0] = '\0';
        int r = image_convert_for_host(&img, &only_v2, false, false, note, NULL, &err);
        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V2,
           "v1 image on a v2 container: converted in place (%s)", err.msg);
        ok(img.n_hierarchies == 1 && tree_child(&img.hierarchies[0].root, "app") &&
                   prop(tree_child(&img.hierarchies[0].root, "app"), "memory.max") &&
                   streq(prop(tree_child(&img.hierarchies[0].root, "app"), "memory.max"),
                         "1048576"),
           "converted: app memory.max 1048576");
        ok(img.n_nodes == 2, "converted: n_nodes counts app and init.scope (%zu)", img.n_nodes);
        ok(n_notes >= 2, "unexpected: a notice and the lost swappiness are noted (%d)", n_notes);
        image_free(&img);

        ok(parse(v1_json, &img) == 0, "for_host: v1 image parses again");
        n_notes = 0;
        r = image_convert_for_host(&img, &only_v2, false, true, note, NULL, &err);
        ok(r == 0 && img.hierarchies[0].version == CG_V2 && !strstr(last_note, "converting"),
           "--convert: converted, without the notice (%d notes, last: %s)", n_notes, last_note);
        image_free(&img);

        ok(parse(v1_json, &img) == 0, "for_host: v1 image parses again");
        r = image_convert_for_host(&img, &mixed, false, false, note, NULL, &err);
        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V1,
           "a v1 image on a hybrid container: left alone");
        r = image_convert_for_host(&img, &only_v1, false, false, note, NULL, &err);
        ok(r == 0 && img.hierarchies[0].version == CG_V1,
           "a v1 image on a v1 container: left alone");

        /* under strict, what has no counterpart is refused and the image stays */
        err = (struct cgbind_error){ 0 };
        r = image_convert_for_host(&img, &only_v2, true, false, note, NULL, &err);
        ok(r < 0 && err.status == CGBIND_PRECONDITION && strstr(err.msg, "memory.swappiness") &&
                   img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V1,
           "strict: memory.swappiness refused with status 3, the image untouched (%s)", err.msg);
        image_free(&img);

        ok(parse(v2_json, &img) == 0, "for_host: v2 image parses");
        err = (struct cgbind_error){ 0 };
        r = image_convert_for_host(&img, &only_v1, false, false, note, NULL, &err);
        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V1 &&
                   streq(img.hierarchies[0].controllers, "memory") &&
                   tree_child(&img.hierarchies[0].root, "app") &&
                   prop(tree_child(&img.hierarchies[0].root, "app"), "memory.limit_in_bytes") &&
                   streq(prop(tree_child(&img.hierarchies[0].root, "app"), "memory.limit_in_bytes"),
                         "1048576"),
           "v2 image on a v1 container: converted to one memory hierarchy (%s)", err.msg);
        image_free(&img);

        /* a refused hierarchy does not count: a v2 container whose cgroup2 was
         * refused, beside a usable v1 one, is a v1 container */
        ok(parse(v2_json, &img) == 0, "for_host: v2 image parses again");
        mixed_h[2].refused = (char *)"not the container's";
        r = image_convert_for_host(&img, &mixed, false, false, note, NULL, &err);
        ok(r == 0 && img.hierarchies[0].version == CG_V1,
           "v2 image, the container's cgroup2 refused: converted to v1");
        image_free(&img);

        /* a v1 container's own limits on its top-level (docker -m, --cpu-shares)
         * and sub-cgroups that use only some controllers: save records both,
         * and the conversion must keep the top-level's limits valid */
        static const char top_json[] =
                "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"cgroup\", \"controllers\": "
                "[\"memory\"], \"root\": { \"properties\": { \"memory.limit_in_bytes\": "
                "\"536870912\" }, \"children\": [ { \"name\": \"app\", \"properties\": { "
                "\"memory.limit_in_bytes\": \"104857600\" } } ] } }, { \"type\": \"cgroup\", "
                "\"controllers\": [\"cpu\", \"cpuacct\"], \"root\": { \"properties\": { "
                "\"cpu.shares\": \"512\" }, \"children\": [ { \"name\": \"app\" } ] } } ] }";
        ok(parse(top_json, &img) == 0, "for_host: v1 image with top-level limits parses");
        err = (struct cgbind_error){ 0 };
        r = image_convert_for_host(&img, &only_v2, false, true, note, NULL, &err);
        ok(r == 0 && img.n_hierarchies == 1 && img.hierarchies[0].version == CG_V2 &&
                   controller_list_has(img.hierarchies[0].controllers, "cpu") &&
                   prop(&img.hierarchies[0].root, "cpu.weight") &&
                   streq(prop(&img.hierarchies[0].root, "cpu.weight"), "20"),
           "v1 top-level cpu.shares 512 with no cpu below: converted, cpu.weight 20 kept (%s)",
           err.msg);
        image_free(&img);
}

/* A value the table's grammar takes for def (its first key or word where it has keys). */
static void sample(const struct prop_def *def, char *buf, size_t size)
{
        char key[32] = "";
        if (def->keys)
                sscanf(def->keys, "%31s", key);
        switch (def->grammar) {
        case GRAM_INT: {
                int64_t v = 1048576;
                v = v < def->min ? def->min : v > def->max ? def->max : v;
                snprintf(buf, size, "%lld", (long long)v);
                break;
        }
        case GRAM_BOOL:
                snprintf(buf, size, "1");
                break;
        case GRAM_CPULIST:
                snprintf(buf, size, "0");
                break;
        case GRAM_CPU_MAX:
                snprintf(buf, size, "50000 100000");
                break;
        case GRAM_PERCENT:
                snprintf(buf, size, "50.00");
                break;
        case GRAM_WORD:
                snprintf(buf, size, "%s", key);
                break;
        case GRAM_DEV_VALUE:
                snprintf(buf, size, "8:0 100");
                break;
        case GRAM_IO_WEIGHT:
                snprintf(buf, size, "default 100");
                break;
        case GRAM_DEV_KEYS:
                snprintf(buf, size, "8:0 %s=100", key);
                break;
        case GRAM_NAME_KEYS:
                snprintf(buf, size, "mlx4_0 %s=10", key);
                break;
        case GRAM_NAME_VALUE:
                snprintf(buf, size, "res_a 10");
                break;
        case GRAM_IFPRIOMAP:
                snprintf(buf, size, "eth0 1");
                break;
        default:
                snprintf(buf, size, "?");
                break;
        }
}

/* A pattern name ("hugetlb.*.max") with a huge page size every x86 host has. */
static void concrete(const char *name, char *buf, size_t size)
{
        const char *star = strchr(name, '*');
        if (star && strncmp(name, "hugetlb.", 8) == 0)
                snprintf(buf, size, "%.*s2MB%s", (int)(star - name), name, star + 1);
        else
                snprintf(buf, size, "%s", name);
}

/* The table's counterpart of every carried file is what conversion makes
 * of it, and a file without one is left out with a note: the table (which
 * the man page shows) and convert.c's rules cannot drift apart. */
static void table_counterparts(void)
{
        size_t checked = 0;
        for (size_t i = 0; i < prop_count(); i++) {
                const struct prop_def *d = prop_at(i);
                if (d->class != PROP_CARRIED || !d->controller || (d->flags & PROP_ROOT_ONLY) ||
                    strncmp(d->name, "cgroup.", 7) == 0)
                        continue;
                char name[128], value[128], want[128], json[1024];
                concrete(d->name, name, sizeof(name));
                sample(d, value, sizeof(value));
                bool v1 = d->version == CG_V1;
                /* the swap limit is counted from the memory limit beside it */
                const char *also = streq(d->name, "memory.memsw.limit_in_bytes")
                                           ? ", \"memory.limit_in_bytes\": \"1024\""
                                   : streq(d->name, "memory.swap.max")
                                           ? ", \"memory.max\": \"1024\""
                                           : "";
                snprintf(json, sizeof(json),
                         "{ \"cgbind\": 1, \"hierarchies\": [ { \"type\": \"%s\", "
                         "\"controllers\": [\"%s\"], \"root\": { \"children\": [ "
                         "{ \"name\": \"app\", \"properties\": { \"%s\": \"%s\"%s } } ] } } ] }",
                         v1 ? "cgroup" : "cgroup2", d->controller, name, value, also);
                struct cgbind_image img = { 0 }, out = { 0 };
                struct cgbind_error err = { 0 };
                if (parse(json, &img) < 0) {
                        ok(0, "%s v%d: the sample %s parses", d->name, v1 ? 1 : 2, value);
                        continue;
                }
                n_notes = 0;
                int r = image_convert(&img, v1 ? CG_V2 : CG_V1, false, note, NULL, &out, &err);
                const struct cg_node *app = NULL;
                for (size_t k = 0; r == 0 && k < out.n_hierarchies && !app; k++)
                        app = tree_child(&out.hierarchies[k].root, "app");
                if (d->counterpart) {
                        concrete(d->counterpart, want, sizeof(want));
                        /* "blkio.throttle.*": one of the family */
                        bool found = false;
                        char *star = strchr(want, '*');
                        for (size_t k = 0; app && k < app->n_props; k++)
                                found |= star ? strncmp(app->props[k].name, want,
                                                        (size_t)(star - want)) == 0
                                              : streq(app->props[k].name, want);
                        ok(r == 0 && found, "%s v%d (%s) converts to its counterpart %s", d->name,
                           v1 ? 1 : 2, value, want);
                } else {
                        bool none = true;
                        for (size_t k = 0; app && k < app->n_props; k++)
                                none &= strncmp(app->props[k].name, "cgroup.", 7) == 0;
                        ok(r == 0 && none && n_notes > 0,
                           "%s v%d has no counterpart: left out, with a note", d->name, v1 ? 1 : 2);
                        struct cgbind_image refused = { 0 };
                        struct cgbind_error serr = { 0 };
                        ok(image_convert(&img, v1 ? CG_V2 : CG_V1, true, note, NULL, &refused,
                                         &serr) < 0,
                           "%s v%d: refused when strict (%s)", d->name, v1 ? 1 : 2, serr.msg);
                        image_free(&refused);
                }
                checked++;
                image_free(&out);
                image_free(&img);
        }
        ok(checked >= 40, "every carried controller file was checked (%zu)", checked);
}

int main(void)
{
        formulas();
        v1_to_v2();
        v2_to_v1();
        new_files();
        for_host();
        table_counterparts();
        return tap_done();
}
