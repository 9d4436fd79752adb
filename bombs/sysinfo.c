// SPDX-License-Identifier: MIT
#include "sysinfo.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "cgroup-path.h"
#include "fileio.h"
#include "parse.h"

#define NO_LIMIT_FLOOR (1ULL << 62)

int sys_parse_limit(const char *text, uint64_t *out)
{
	char buf[64];
	size_t n = strcspn(text, "\n");
	uint64_t v;

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, n);
	buf[n] = '\0';
	if (!strcmp(buf, "max"))
		return -ENOENT;
	if (parse_u64(buf, 0, UINT64_MAX, &v))
		return -EINVAL;
	if (v >= NO_LIMIT_FLOOR)
		return -ENOENT;
	*out = v;
	return 0;
}

static int read_u64_file(const char *path, uint64_t *out)
{
	char *text = NULL;
	size_t len;
	int r = file_read_all(path, 4096, &text, &len);

	if (r)
		return r;
	r = sys_parse_limit(text, out);
	free(text);
	return r;
}

/*
 * Walks from the cgroup of controller up to the root, and finally the mount
 * root itself (inside a container the path in /proc/self/cgroup may not
 * exist under /sys/fs/cgroup), keeping the smallest value of file.
 */
static int cgroup_min(const char *mount, const char *controller, const char *file,
		      const char *used_file, uint64_t *out)
{
	char *text = NULL, cg[PATH_MAX], path[PATH_MAX * 2];
	size_t len;
	uint64_t best = UINT64_MAX;
	bool found = false;
	int r;

	r = file_read_all("/proc/self/cgroup", 65536, &text, &len);
	if (r)
		return r;
	r = cgroup_path_parse(text, controller, cg, sizeof(cg));
	free(text);
	if (r)
		cg[0] = '\0';
	for (;;) {
		uint64_t v;
		char *slash;

		snprintf(path, sizeof(path), "%s%s/%s", mount, cg, file);
		if (!read_u64_file(path, &v)) {
			uint64_t u = 0;

			if (used_file) {
				snprintf(path, sizeof(path), "%s%s/%s", mount, cg, used_file);
				if (read_u64_file(path, &u))
					u = 0;
			}
			if (v - (u < v ? u : v) < best)
				best = v - (u < v ? u : v);
			found = true;
		}
		slash = strrchr(cg, '/');
		if (!slash || !cg[0])
			break;
		*slash = '\0';
	}
	if (!found)
		return -ENOENT;
	*out = best;
	return 0;
}

int sys_mem_limit(uint64_t *out)
{
	if (!cgroup_min("/sys/fs/cgroup", NULL, "memory.max", NULL, out))
		return 0;
	return cgroup_min("/sys/fs/cgroup/memory", "memory", "memory.limit_in_bytes", NULL, out);
}

int sys_pids_room(uint64_t *out)
{
	if (!cgroup_min("/sys/fs/cgroup", NULL, "pids.max", "pids.current", out))
		return 0;
	return cgroup_min("/sys/fs/cgroup/pids", "pids", "pids.max", "pids.current", out);
}

int sys_meminfo(const char *field, uint64_t *out)
{
	char *text = NULL, *p;
	size_t len, flen = strlen(field);
	int r = file_read_all("/proc/meminfo", 1 << 20, &text, &len);

	if (r)
		return r;
	r = -ENOENT;
	for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, field, flen) && p[flen] == ':') {
			char num[32];
			size_t i = 0;
			uint64_t kib;

			p += flen + 1;
			while (*p == ' ')
				p++;
			while (p[i] >= '0' && p[i] <= '9' && i < sizeof(num) - 1) {
				num[i] = p[i];
				i++;
			}
			num[i] = '\0';
			if (!parse_u64(num, 0, UINT64_MAX / 1024, &kib)) {
				*out = kib * 1024;
				r = 0;
			} else {
				r = -EINVAL;
			}
			break;
		}
	}
	free(text);
	return r;
}

int sys_free_bytes(const char *dir, uint64_t *out)
{
	struct statvfs st;

	if (statvfs(dir, &st))
		return -errno;
	*out = (uint64_t)st.f_bavail * st.f_frsize;
	return 0;
}
