/* save_image and apply_observe on directory trees made in a scratch
 * directory: what a walk records (allowlisted, non-default, valid names),
 * what it warns about, its --max-cgroups cap, and that what it writes parses
 * back and reads back. No cgroup filesystem and no root needed: both only
 * read files beneath a top-level directory fd. */
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cgbind/apply.h"
#include "cgbind/fsutil.h"
#include "cgbind/image.h"
#include "cgbind/save.h"

#include "tap.h"
#include "tree.h"

static char scratch[] = "/tmp/cgbind-test-save.XXXXXX";

static void put(const char *rel, const char *content)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", scratch, rel);
        if (!content) {
                if (mkdir(path, 0755) < 0) {
                        printf("Bail out! mkdir %s: %s\n", path, strerror(errno));
                        exit(1);
                }
                return;
        }
        FILE *f = fopen(path, "we");
        if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
                printf("Bail out! write %s: %s\n", path, strerror(errno));
                exit(1);
        }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

static int n_warnings;
static char warnings[4096];

static void warn(const char *msg, void *userdata)
{
        (void)userdata;
        n_warnings++;
        size_t l = strlen(warnings);
        snprintf(warnings + l, sizeof(warnings) - l, "%s\n", msg);
}

static const char *prop(const struct cg_node *n, const char *name)
{
        for (size_t i = 0; n && i < n->n_props; i++)
                if (streq(n->props[i].name, name))
                        return n->props[i].value;
        return NULL;
}

static int open_dir(const char *rel)
{
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", scratch, rel);
        int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                printf("Bail out! open %s: %s\n", path, strerror(errno));
                exit(1);
        }
        return fd;
}

int main(void)
{
        if (!mkdtemp(scratch)) {
                printf("Bail out! mkdtemp: %s\n", strerror(errno));
                return 1;
        }
        /* a v1 memory top-level; its parent (the scratch directory) has what
         * the kernel copies into a new cgroup */
        put("memory.use_hierarchy", "1\n");
        put("memory.swappiness", "60\n");
        put("mem", NULL);
        put("mem/memory.limit_in_bytes", "536870912\n");
        put("mem/memory.use_hierarchy", "1\n"); /* the parent's: left out */
        put("mem/memory.swappiness", "60\n");   /* the parent's: left out */
        put("mem/tasks", "1\n");                /* never-listed: never read */
        put("mem/release_agent", "/bin/x\n");   /* never-listed */
        put("mem/cpu.shares", "512\n");         /* another controller's file */
        put("mem/app", NULL);
        put("mem/app/memory.limit_in_bytes", "9223372036854771712\n"); /* unlimited */
        put("mem/app/memory.soft_limit_in_bytes", "104857600\n");
        put("mem/app/memory.memsw.limit_in_bytes", "12abc\n"); /* outside the grammar */
        put("mem/app/web", NULL);
        put("mem/app/web/memory.limit_in_bytes", "1048576\n");
        put("mem/bad\nname", NULL); /* refused name: left out */
        put("mem/cgroup.x", NULL);  /* refused name: left out */
        /* a v2 top-level */
        put("v2", NULL);
        put("v2/cgroup.controllers", "cpu memory pids\n");
        put("v2/cgroup.subtree_control", "cpu pids\n");
        put("v2/memory.max", "max\n");
        put("v2/init.scope", NULL);
        put("v2/app", NULL);
        put("v2/app/cpu.weight", "0\n"); /* idle: left out */
        put("v2/app/cpu.idle", "1\n");
        put("v2/app/cgroup.type", "domain\n"); /* what the kernel makes: left out */
        put("v2/app/pids.max", "64\n");
        put("v2/app/io.max", "8:0 rbps=1\n"); /* io is not in cgroup.controllers */

        struct located_hierarchy h[3] = {
                { .version = CG_V1,
                  .controllers = (char *)"memory",
                  .init_rel = (char *)"",
                  .host_path = (char *)"/sys/fs/cgroup/memory/ctr",
                  .dirfd = open_dir("mem") },
                { .version = CG_V2,
                  .controllers = (char *)"",
                  .init_rel = (char *)"init.scope",
                  .host_path = (char *)"/sys/fs/cgroup/ctr",
                  .dirfd = open_dir("v2") },
                { .version = CG_V1,
                  .controllers = (char *)"pids",
                  .init_rel = (char *)"",
                  .host_path = (char *)"/sys/fs/cgroup/pids/ctr",
                  .dirfd = -1,
                  .refused = (char *)"not the container's own cgroup" },
        };
        struct located loc = { .h = h, .n = 3 };
        struct cgbind_image img = { 0 };
        struct cgbind_error err = { 0 };

        int r = save_image(&loc, "ctr-1", 100, &img, warn, NULL, &err);
        is_int(r, 0, "save_image on a scratch tree (%s)", err.msg);
        ok(img.created && img.container_id && streq(img.container_id, "ctr-1"),
           "created and the container id recorded");
        is_int(img.n_hierarchies, 2, "two hierarchies (the refused one left out)");
        ok(strstr(warnings, "left out hierarchy pids") && strstr(warnings, "not the container"),
           "the refused hierarchy is named in a warning");
        ok(strstr(warnings, "bad\\x0aname") && strstr(warnings, "cgroup.x"),
           "the refused sub-cgroup names are warned about, escaped");
        ok(strstr(warnings, "memory.memsw.limit_in_bytes"),
           "a value outside the grammar is warned about");
        const struct image_hierarchy *m = img.n_hierarchies ? &img.hierarchies[0] : NULL;
        ok(m && m->version == CG_V1 && streq(m->controllers, "memory") && m->init == NULL,
           "v1 memory: no init (the pid in the top-level)");
        if (m) {
                is_str(prop(&m->root, "memory.limit_in_bytes"), "536870912",
                       "the top-level's own limit is recorded");
                ok(m->root.n_props == 1,
                   "defaults, never-listed and other controllers' files "
                   "are left out (%zu)",
                   m->root.n_props);
                const struct cg_node *app = tree_child(&m->root, "app");
                ok(app && m->root.n_children == 1, "app recorded, the bad names not");
                ok(app && !prop(app, "memory.limit_in_bytes"),
                   "an unlimited limit (the page-rounded maximum) is a default");
                is_str(prop(app, "memory.soft_limit_in_bytes"), "104857600",
                       "app memory.soft_limit_in_bytes");
                is_str(prop(tree_child(app, "web"), "memory.limit_in_bytes"), "1048576",
                       "app/web memory.limit_in_bytes");
        }
        const struct image_hierarchy *v2 = img.n_hierarchies > 1 ? &img.hierarchies[1] : NULL;
        ok(v2 && v2->version == CG_V2 && streq(v2->controllers, "cpu,memory,pids"),
           "v2: the controllers from cgroup.controllers");
        ok(v2 && v2->init && streq(v2->init, "init.scope"), "v2: the init's cgroup is the init");
        if (v2) {
                is_str(prop(&v2->root, "cgroup.subtree_control"), "cpu pids",
                       "v2: the top-level's subtree_control");
                ok(!prop(&v2->root, "memory.max"), "v2: memory.max max is a default");
                const struct cg_node *app = tree_child(&v2->root, "app");
                ok(app && !prop(app, "cpu.weight") && prop(app, "cpu.idle") &&
                           !prop(app, "cgroup.type") && !prop(app, "io.max"),
                   "v2 app: an idle group's cpu.weight 0, domain and io (not available) left out");
                is_str(prop(app, "pids.max"), "64", "v2 app pids.max");
                ok(tree_child(&v2->root, "init.scope") != NULL, "v2: init.scope in the tree");
        }
        is_int(img.n_nodes, 4, "n_nodes: app, app/web, init.scope, app");
        err = (struct cgbind_error){ 0 };
        ok(image_validate(&img, &err) == 0 && img.n_nodes == 4,
           "what save makes passes image_validate, the same count (%s)", err.msg);

        /* written and parsed back */
        struct strbuf out = { 0 };
        struct cgbind_image back = { 0 };
        r = image_write_json(&img, &out, &err);
        ok(r == 0 && image_parse(out.buf, out.len, &back, &err) == 0 && back.n_nodes == 4,
           "the saved image writes and parses back (%s)", err.msg);
        image_free(&back);
        /* save's read-back: the tree by image_validate, the text by the lexer */
        err = (struct cgbind_error){ 0 };
        ok(r == 0 && image_check_written(&img, out.buf, out.len, &err) == 0,
           "image_check_written accepts what save wrote (%s)", err.msg);
        err = (struct cgbind_error){ 0 };
        ok(image_check_written(&img, out.buf, out.len - 2, &err) < 0 &&
                   err.status == CGBIND_INVALID && strstr(err.msg, "not valid JSON"),
           "image_check_written: cut text refused (%s)", err.msg);
        {
                /* an overlong "/" (C0 AF): yajl's own check lets it through */
                static const char overlong[] = "{\"cgbind\": 1, \"created\": \"\xc0\xaf\", "
                                               "\"hierarchies\": []}";
                struct cgbind_image empty = { 0 };
                err = (struct cgbind_error){ 0 };
                ok(image_check_written(&empty, overlong, sizeof(overlong) - 1, &err) < 0 &&
                           strstr(err.msg, "UTF-8"),
                   "image_check_written: an overlong UTF-8 form refused (%s)", err.msg);
        }
        if (img.n_hierarchies && img.hierarchies[0].root.n_children) {
                /* a value outside its grammar in the tree: image_validate refuses */
                struct cg_node *n = &img.hierarchies[0].root;
                while (n->n_children && !n->n_props)
                        n = &n->children[0];
                if (n->n_props) {
                        char *keep = n->props[0].value;
                        n->props[0].value = (char *)"not a value \n";
                        err = (struct cgbind_error){ 0 };
                        ok(image_check_written(&img, out.buf, out.len, &err) < 0 &&
                                   err.status == CGBIND_INVALID,
                           "image_check_written: a tree value outside its grammar refused (%s)",
                           err.msg);
                        n->props[0].value = keep;
                } else
                        ok(false, "a saved property to spoil");
        }
        strbuf_free(&out);

        /* what restore would read: the current values, absent files as NULL */
        if (m) {
                struct observed_node o = { 0 };
                r = apply_observe(h[0].dirfd, h[0].host_path, &m->root, &o, &err);
                ok(r == 0 && o.exists && o.values && streq(o.values[0], "536870912"),
                   "apply_observe: the top-level's value (%s)", err.msg);
                const struct cg_node *app = tree_child(&m->root, "app");
                size_t ai = app ? (size_t)(app - m->root.children) : 0;
                ok(r == 0 && app && o.children && o.children[ai].exists &&
                           o.children[ai].children && o.children[ai].children[0].exists,
                   "apply_observe: app and app/web exist");
                observed_free(&o, &m->root);
                /* gone in the meantime: observed as missing, not an error */
                char path[512];
                snprintf(path, sizeof(path), "%s/mem/app/web/memory.limit_in_bytes", scratch);
                remove(path);
                snprintf(path, sizeof(path), "%s/mem/app/web", scratch);
                remove(path);
                r = apply_observe(h[0].dirfd, h[0].host_path, &m->root, &o, &err);
                ok(r == 0 && o.children && !o.children[ai].children[0].exists,
                   "apply_observe: a sub-cgroup removed since is missing (%s)", err.msg);
                observed_free(&o, &m->root);
        }
        image_free(&img);

        /* --max-cgroups: one more than the limit is an error, not a cut */
        n_warnings = 0;
        err = (struct cgbind_error){ 0 };
        img = (struct cgbind_image){ .n_hierarchies = 4242 };
        r = save_image(&loc, "ctr-1", 2, &img, warn, NULL, &err);
        ok(r < 0 && err.status == CGBIND_INVALID && strstr(err.msg, "--max-cgroups") &&
                   img.n_hierarchies == 4242,
           "save_image over --max-cgroups: status 2, nothing returned (%s)", err.msg);

        /* the kernel's rule for what a new cgroup reads, file by file
         * (enum prop_default): the parent's value, a sysctl, unlimited at any
         * page size, lines at their default */
        put("rules", NULL);
        put("rules/memory.swappiness", "30\n");
        put("rules/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
        put("rules/cgroup.clone_children", "0\n");
        put("rules/net_prio.ifpriomap", "lo 0\neth0 3\n");
        put("rules/top", NULL);
        put("rules/top/memory.swappiness", "30\n");
        put("rules/top/memory.oom_control", "oom_kill_disable 1\nunder_oom 0\noom_kill 0\n");
        put("rules/top/cgroup.clone_children", "1\n");
        put("rules/top/net_prio.ifpriomap", "lo 0\neth0 3\n");
        put("rules/top/a", NULL);
        put("rules/top/a/memory.swappiness", "60\n");
        put("rules/top/a/memory.oom_control", "oom_kill_disable 1\nunder_oom 1\noom_kill 2\n");
        put("rules/top/a/cgroup.clone_children", "1\n");
        put("rules/top/a/net_prio.ifpriomap", "lo 0\neth0 0\n");
        put("rules/top/a/hugetlb.2MB.limit_in_bytes", "9223372036852678656\n");
        put("rules/top/a/hugetlb.1GB.limit_in_bytes", "9223372035781033984\n");
        put("rules/top/a/hugetlb.2MB.rsvd.limit_in_bytes", "1073741824\n");
        put("rules/top/a/memory.kmem.tcp.limit_in_bytes", "9223372036854771712\n");
        put("rules/top/a/rdma.max", "mlx4_0 hca_handle=max hca_object=max\n"
                                    "mlx5_0 hca_handle=2 hca_object=max\n");
        put("rules/top/a/misc.max", "sev max\nsev_es 4\n");
        put("rules/top/a/blkio.bfq.weight", "200\n");
        put("rules/top/a/blkio.bfq.weight_device", "default 200\n8:0 300\n");
        put("rules/top/a/memory.move_charge_at_immigrate", "0\n");
        put("rules/top/b", NULL);
        put("rules/top/b/blkio.bfq.weight_device", "default 100\n");
        put("rules/top/b/rdma.max", "mlx4_0 hca_handle=max hca_object=max\n");
        put("rules/top/b/misc.max", "sev max\n");
        put("rules/top/b/net_prio.ifpriomap", "lo 0\neth0 3\n");
        /* cpu.rt_period_us starts at the sysctl's value */
        char *rt = NULL;
        ok(cg_read_at(AT_FDCWD, "/proc/sys/kernel/sched_rt_period_us", &rt) == 0,
           "the RT period sysctl reads (%s)", rt ? rt : "");
        char rt_other[64], line[80];
        snprintf(rt_other, sizeof(rt_other), "%lld", rt ? atoll(rt) + 1 : 1);
        snprintf(line, sizeof(line), "%s\n", rt ? rt : "0");
        put("rules/top/a/cpu.rt_period_us", line);
        snprintf(line, sizeof(line), "%s\n", rt_other);
        put("rules/top/b/cpu.rt_period_us", line);
        put("rules/top/b/cpu.rt_runtime_us", "0\n");
        put("rules/top/a/cpu.rt_runtime_us", "5000\n");
        struct located_hierarchy rh = {
                .version = CG_V1,
                .controllers = (char *)"blkio,cpu,hugetlb,memory,misc,net_prio,rdma",
                .init_rel = (char *)"",
                .host_path = (char *)"/sys/fs/cgroup/x/ctr",
                .dirfd = open_dir("rules/top")
        };
        struct located rloc = { .h = &rh, .n = 1 };
        n_warnings = 0;
        warnings[0] = '\0';
        err = (struct cgbind_error){ 0 };
        r = save_image(&rloc, "ctr-2", 100, &img, warn, NULL, &err);
        is_int(r, 0, "save_image, default rules (%s)", err.msg);
        is_int(n_warnings, 0, "no warning (%s)", warnings);
        if (r == 0) {
                const struct cg_node *top = &img.hierarchies[0].root;
                const struct cg_node *a = tree_child(top, "a"), *b = tree_child(top, "b");
                ok(!prop(top, "memory.swappiness") && !prop(top, "net_prio.ifpriomap"),
                   "top-level: swappiness and priorities as its parent's are left out");
                is_str(prop(top, "memory.oom_control"), "1",
                       "top-level: oom_control's three lines are saved as the switch, 1");
                is_str(prop(top, "cgroup.clone_children"), "1",
                       "top-level: clone_children unlike its parent's is recorded");
                is_str(prop(a, "memory.swappiness"), "60",
                       "a: swappiness 60 under a parent of 30 is recorded (a new cgroup would "
                       "read 30)");
                ok(!prop(a, "memory.oom_control") && !prop(a, "cgroup.clone_children"),
                   "a: oom_control and clone_children as the parent's are left out (its "
                   "under_oom and oom_kill are state)");
                is_str(prop(a, "net_prio.ifpriomap"), "eth0 0",
                       "a: a priority of 0 where the parent has 3 is recorded, line by line");
                ok(!prop(b, "net_prio.ifpriomap"), "b: the parent's priorities are left out");
                ok(!prop(a, "hugetlb.2MB.limit_in_bytes") && !prop(a, "hugetlb.1GB.limit_in_bytes"),
                   "a: unlimited huge page limits, rounded to 2MB and 1GB, are left out");
                is_str(prop(a, "hugetlb.2MB.rsvd.limit_in_bytes"), "1073741824",
                       "a: a huge page reservation limit is recorded");
                ok(!prop(a, "memory.kmem.tcp.limit_in_bytes") &&
                           !prop(a, "memory.move_charge_at_immigrate"),
                   "a: an unlimited TCP limit and move_charge 0 are left out");
                is_str(prop(a, "rdma.max"), "mlx5_0 hca_handle=2 hca_object=max",
                       "a: rdma.max keeps the devices with a limit");
                is_str(prop(a, "misc.max"), "sev_es 4", "a: misc.max keeps the limited resources");
                ok(!prop(b, "rdma.max") && !prop(b, "misc.max"),
                   "b: rdma.max and misc.max at max are left out");
                is_str(prop(a, "blkio.bfq.weight"), "200", "a: blkio.bfq.weight");
                is_str(prop(a, "blkio.bfq.weight_device"), "8:0 300",
                       "a: blkio.bfq.weight_device without its default line (blkio.bfq.weight)");
                ok(!prop(b, "blkio.bfq.weight_device"),
                   "b: blkio.bfq.weight_device with only its default line is left out");
                ok(!prop(a, "cpu.rt_period_us"), "a: cpu.rt_period_us at the sysctl's is left out");
                is_str(prop(b, "cpu.rt_period_us"), rt ? rt_other : "",
                       "b: another period is recorded");
                ok(!prop(b, "cpu.rt_runtime_us") && prop(a, "cpu.rt_runtime_us"),
                   "cpu.rt_runtime_us 0 is left out, 5000 recorded");
                err = (struct cgbind_error){ 0 };
                ok(image_validate(&img, &err) == 0, "and the image validates (%s)", err.msg);
        }
        free(rt);
        image_free(&img);
        close(rh.dirfd);

        close(h[0].dirfd);
        close(h[1].dirfd);
        nftw(scratch, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return tap_done();
}
