/* Cgroup versions and controller names: canonical controller lists and the
 * controllers cgroup v2 knows. Pure, no parser behind it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum cg_version {
        CG_V1 = 1,
        CG_V2 = 2,
};

/* A comma-separated controller list in canonical form: sorted, no empty or
 * repeated names ("cpu,cpuacct", "name=systemd", "" for none). Takes
 * ownership of list. -E2BIG when it has more than CGBIND_MAX_CONTROLLERS
 * names (list is freed and *ret untouched). */
int controllers_canonical(char *list, char **ret);

/* True when a controller list ("cpu,cpuacct" or "cpu memory") has controller. */
bool controller_list_has(const char *list, const char *controller);

/* True when the controller is one cgroup v2 can enable in cgroup.subtree_control. */
bool v2_controller_known(const char *name);

/* True when name starts with a controller's name and a dot ("memory.x"),
 * for any controller of either version: the prefix of its interface files. */
bool controller_prefixed(const char *name);

/* The label of a hierarchy in messages: its controllers, or "cgroup2". */
const char *cg_label(enum cg_version v, const char *controllers);
