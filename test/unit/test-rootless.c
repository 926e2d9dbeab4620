/* Who runs the hook (identity_from_uid_map): root, an unprivileged user on
 * the host, or rootless podman's user namespace, on literal uid_maps; whose
 * files it trusts (identity_trusts) and a rootless user's image directory
 * (rootless_image_dir_path). */
#include <stdio.h>

#include "cgbind/rootless.h"

#include "tap.h"

static void check(const char *map, uid_t euid, int want_r, bool rootless, bool userns,
                  uid_t host_uid, const char *what)
{
        struct cgbind_identity id = { 0 };
        int r = identity_from_uid_map(map, strlen(map), euid, &id);
        ok(r == want_r && (r < 0 || (id.rootless == rootless && id.userns == userns &&
                                     id.host_uid == host_uid && id.uid == euid)),
           "%s: r %d rootless %d userns %d host uid %u", what, r, id.rootless, id.userns,
           (unsigned)id.host_uid);
}

static void check_dir(const char *home, int want_r, const char *want, const char *what)
{
        char buf[64] = "";
        int r = rootless_image_dir_path(home, buf, sizeof(buf));
        ok(r == want_r && (r < 0 || streq(buf, want)), "image directory, %s: r %d '%s'", what, r,
           buf);
}

static void check_trust(const struct cgbind_identity *id, uid_t owner, mode_t mode, bool want,
                        const char *what)
{
        struct stat st = { .st_uid = owner, .st_mode = S_IFDIR | mode };
        bool got = identity_trusts(id, &st);
        ok(got == want, "%s: %s", what, got ? "trusted" : "not trusted");
}

int main(void)
{
        const char *host = "         0          0 4294967295\n";
        check(host, 0, 0, false, false, 0, "root on the host");
        check(host, 1000, 0, true, false, 1000, "a user on the host");
        /* rootless podman: the user is 0 inside, subordinate ids after it */
        const char *podman = "         0       1000          1\n"
                             "         1     100000      65536\n";
        check(podman, 0, 0, true, true, 1000, "rootless podman's namespace, uid 0");
        check(podman, 1000, 0, true, true, 100999, "rootless podman's namespace, uid 1000");
        /* runc --rootless: one id */
        check("0 1001 1\n", 0, 0, true, true, 1001, "runc --rootless");
        /* a namespace of root's (rootful podman --userns=auto runs hooks
         * outside it, but a map with root outside still is root) */
        check("0 0 1\n1 200000 65536\n", 0, 0, false, true, 0, "a map that keeps root");
        check("0 1000 1\n", 5, -EINVAL, false, false, 0, "an euid the map lacks");
        check("garbage\n", 0, -EINVAL, false, false, 0, "an unreadable map");

        check_dir("/home/a", 0, "/home/a/.local/share/cgbind", "a home");
        check_dir("/home/a//", 0, "/home/a/.local/share/cgbind", "a home with slashes after it");
        check_dir("/", 0, "/.local/share/cgbind", "the root directory");
        check_dir("", -EINVAL, "", "an empty home");
        check_dir("home/a", -EINVAL, "", "a relative home");
        check_dir(NULL, -EINVAL, "", "no home");
        check_dir("/home/a-user-whose-home-is-longer-than-the-buffer-xxxxxx", -ENAMETOOLONG, "",
                  "too long for the buffer");

        struct cgbind_identity root = { .uid = 0, .host_uid = 0 };
        struct cgbind_identity user = { .rootless = true, .uid = 1000, .host_uid = 1000 };
        struct cgbind_identity in_podman = {
                .rootless = true, .userns = true, .uid = 0, .host_uid = 1000
        };
        check_trust(&root, 0, 0755, true, "root: root's 0755");
        check_trust(&root, 1000, 0755, false, "root: a user's");
        check_trust(&root, 0, 0775, false, "root: root's, group-writable");
        check_trust(&user, 1000, 0700, true, "a user: its own 0700");
        check_trust(&user, 1000, 0757, false, "a user: its own, other-writable");
        check_trust(&user, 0, 0755, true, "a user outside a namespace: root's");
        check_trust(&user, 1001, 0755, false, "a user: another user's");
        check_trust(&in_podman, 0, 0755, true, "podman's namespace: the user's (uid 0 there)");
        check_trust(&in_podman, 65534, 0755, false,
                    "podman's namespace: root's (the overflow uid)");
        return tap_done();
}
