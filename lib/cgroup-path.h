/* SPDX-License-Identifier: MIT */
/*
 * /proc/self/cgroup, read once for every part of isolab (the bombs' limits,
 * the local backend's cgroup detection). Its lines are
 * "HIERARCHY-ID:CONTROLLER-LIST:PATH"; the cgroup v2 line is "0::PATH".
 */
#pragma once

#include <stddef.h>

/*
 * From text (the contents of /proc/self/cgroup): the path of this process's
 * cgroup in the v1 hierarchy whose comma-separated controller list holds
 * controller exactly ("cpu" is not "cpuset"), or with controller NULL in the
 * v2 hierarchy (the "0::" line). 0 and out, -ENOENT when there is no such
 * line or its path is empty, -ENAMETOOLONG when out is too small.
 */
int cgroup_path_parse(const char *text, const char *controller, char *out, size_t len);
