/* Finding the container's cgroups from mount tables and /proc/<pid>/cgroup.
 * A container shapes its own mount table (poststart) and its cgroup paths;
 * whatever it does, a hierarchy that locate declares usable must be beneath
 * a cgroup the container's process is in, never a hierarchy's root, and map
 * to one of the hook's own cgroup mounts without "..".
 *
 * Input: a flags byte (bit 0: pivoted), the rootfs path, then the
 * container's mountinfo, its /proc/<pid>/cgroup and the hook's mountinfo,
 * separated by NUL bytes. */
#include <stdio.h>
#include <stdlib.h>

#include "cgbind/locate.h"
#include "cgbind/mountinfo.h"
#include "cgbind/path.h"

#include "fuzz.h"

/* The next NUL-terminated part of the input, as an exact-size copy. */
static char *part(const uint8_t **p, const uint8_t *end, size_t *ret_len)
{
        const uint8_t *nul = memchr(*p, '\0', (size_t)(end - *p));
        const uint8_t *e = nul ? nul : end;
        *ret_len = (size_t)(e - *p);
        char *s = fuzz_copy(*p, *ret_len);
        *p = nul ? nul + 1 : end;
        return s;
}

static bool has_dotdot_component(const char *p)
{
        for (const char *s = p; *s;) {
                size_t l = strcspn(s, "/");
                if (l == 2 && s[0] == '.' && s[1] == '.')
                        return true;
                s += l;
                s += strspn(s, "/");
        }
        return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        bool pivoted = data[0] & 1;
        const uint8_t *p = data + 1, *end = data + size;
        size_t rootfs_len, cmi_len, pc_len, hmi_len;
        char *rootfs = part(&p, end, &rootfs_len);
        char *cmi = part(&p, end, &cmi_len);
        char *pc = part(&p, end, &pc_len);
        char *hmi = part(&p, end, &hmi_len);
        /* the rootfs is a realpath(3): absolute, NUL-terminated */
        char *rootfs_str = NULL;
        if (!pivoted && rootfs_len > 0 && rootfs[0] == '/') {
                rootfs_str = malloc(rootfs_len + 1);
                if (!rootfs_str)
                        abort();
                memcpy(rootfs_str, rootfs, rootfs_len);
                rootfs_str[rootfs_len] = '\0';
        }

        struct locate_input in = {
                .rootfs = rootfs_str,
                .pivoted = pivoted,
                .container_mountinfo = cmi,
                .container_mountinfo_len = cmi_len,
                .proc_cgroup = pc,
                .proc_cgroup_len = pc_len,
                .host_mountinfo = hmi,
                .host_mountinfo_len = hmi_len,
        };
        struct located loc = { 0 };
        struct cgbind_error err = { 0 };
        int r = locate_resolve(&in, &loc, &err);
        fuzz_check_error(r, &err);
        if (r >= 0) {
                struct mountinfo host = { 0 };
                struct proc_cgroup procs = { 0 };
                struct cgbind_error e2 = { 0 };
                CHECK(mountinfo_parse(hmi, hmi_len, &host, &e2) >= 0);
                CHECK(proc_cgroup_parse(pc, pc_len, &procs, &e2) >= 0);
                for (size_t i = 0; i < loc.n; i++) {
                        const struct located_hierarchy *h = &loc.h[i];
                        CHECK(h->dirfd == -1);
                        CHECK(located_usable(h) == (h->refused == NULL));
                        if (h->refused) {
                                for (const char *s = h->refused; *s; s++)
                                        CHECK((unsigned char)*s >= 0x20 && *s != 0x7f);
                                continue;
                        }
                        /* never a hierarchy's root, never outside by ".." */
                        CHECK(h->cgroup_path && h->cgroup_path[0] == '/');
                        CHECK(strcmp(h->cgroup_path, "/") != 0);
                        CHECK(!has_dotdot_component(h->cgroup_path));
                        /* canonical, as the kernel prints it: "/a/b", not "/a/" or "//a";
                         * the root check and rel_below() compare strings */
                        CHECK(!strstr(h->cgroup_path, "//"));
                        CHECK(h->cgroup_path[strlen(h->cgroup_path) - 1] != '/');
                        CHECK(path_is_normal(h->cgroup_path));
                        CHECK(h->init_rel && h->init_rel[0] != '/' &&
                              !has_dotdot_component(h->init_rel));
                        CHECK(h->host_rel && h->host_rel[0] != '/' &&
                              !has_dotdot_component(h->host_rel));
                        CHECK(h->host_mountpoint && h->host_path);
                        /* the top-level holds the container's process */
                        bool in_it = false;
                        for (size_t k = 0; k < procs.n; k++)
                                in_it |= path_is_beneath(procs.entries[k].path, h->cgroup_path);
                        CHECK(in_it);
                        /* the hook's own cgroup mount of that hierarchy */
                        bool mapped = false;
                        for (size_t k = 0; k < host.n; k++) {
                                const struct mountinfo_entry *e = &host.entries[k];
                                bool cg = strcmp(e->fstype,
                                                 h->version == CG_V2 ? "cgroup2" : "cgroup") == 0;
                                mapped |= cg && e->major == h->major && e->minor == h->minor &&
                                          strcmp(e->mountpoint, h->host_mountpoint) == 0 &&
                                          path_is_beneath(h->cgroup_path, e->root);
                        }
                        CHECK(mapped);
                        /* before pivot, nothing inside the container's rootfs is the host's */
                        if (rootfs_str)
                                CHECK(!path_is_beneath(h->host_mountpoint, rootfs_str));
                }
                mountinfo_free(&host);
                proc_cgroup_free(&procs);
                located_free(&loc);
        }
        free(rootfs_str);
        free(rootfs);
        free(cmi);
        free(pc);
        free(hmi);
        return 0;
}
