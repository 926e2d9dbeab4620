/* Who runs the hook (identity_from_uid_map): root, an unprivileged user on
 * the host, or rootless podman's user namespace, on literal uid_maps. */
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
        return tap_done();
}
