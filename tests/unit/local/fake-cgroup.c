// SPDX-License-Identifier: MIT
#include "fake-cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-knob.h"

struct fake {
	char root[256];
	enum fake_kind kind;
	struct fake_opts o;
};

static struct fake fake; /* one tree at a time */
static char *live[64];	 /* trees not freed yet: a failed assertion skips the free */

static int put(const char *dir, const char *file, const char *content)
{
	char p[1024];
	FILE *f;

	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	f = fopen(p, "we");
	if (!f)
		return -errno;
	fputs(content, f);
	return fclose(f) == 0 ? 0 : -errno;
}

static bool has_word(const char *list, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = list; p && *p;) {
		size_t n;

		p += strspn(p, " +\n");
		n = strcspn(p, " \n");
		if (n == wl && strncmp(p, w, wl) == 0)
			return true;
		p += n;
	}
	return false;
}

static void fill_v2(const char *dir, const char *enabled)
{
	char ctrls[128] = "";

	(void)put(dir, "cgroup.procs", "");
	(void)put(dir, "cgroup.subtree_control", "");
	(void)put(dir, "cgroup.kill", "");
	if (has_word(enabled, "cpu")) {
		strcat(ctrls, "cpu ");
		(void)put(dir, "cpu.weight", "100\n");
		(void)put(dir, "cpu.max", "max 100000\n");
	}
	if (has_word(enabled, "io")) {
		strcat(ctrls, "io ");
		(void)put(dir, "io.weight", "default 100\n");
	}
	if (has_word(enabled, "memory")) {
		strcat(ctrls, "memory ");
		(void)put(dir, "memory.max", "max\n");
		if (!fake.o.no_swap_max)
			(void)put(dir, "memory.swap.max", "max\n");
	}
	if (has_word(enabled, "pids")) {
		strcat(ctrls, "pids");
		(void)put(dir, "pids.max", "max\n");
	}
	(void)put(dir, "cgroup.controllers", ctrls);
}

static void fill_v1(const char *dir, const char *ctrl, bool root)
{
	(void)put(dir, "cgroup.procs", "");
	if (strcmp(ctrl, "cpu") == 0) {
		(void)put(dir, "cpu.shares", "1024\n");
		if (!fake.o.no_cfs) {
			(void)put(dir, "cpu.cfs_quota_us", "-1\n");
			(void)put(dir, "cpu.cfs_period_us", "100000\n");
		}
	} else if (strcmp(ctrl, "memory") == 0) {
		(void)put(dir, "memory.limit_in_bytes", "9223372036854771712\n");
		if (!fake.o.no_memsw)
			(void)put(dir, "memory.memsw.limit_in_bytes", "9223372036854771712\n");
	} else if (strcmp(ctrl, "blkio") == 0) {
		const char *k = fake.o.blkio_knob ? fake.o.blkio_knob : "blkio.weight";

		if (*k)
			(void)put(dir, k, strstr(k, "bfq") ? "100\n" : "500\n");
	} else if (strcmp(ctrl, "pids") == 0 && !root) {
		(void)put(dir, "pids.max", "max\n");
	}
}

static void after_mkdir(const char *dir, void *arg)
{
	size_t rl = strlen(fake.root);
	const char *rel = dir + rl + 1;
	char parent[1024], *slash, *enabled;
	char ctrl[32];
	size_t cl;

	(void)arg;
	if (strncmp(dir, fake.root, rl) != 0)
		return;
	if (fake.kind == FAKE_V2 || strncmp(rel, "unified/", 8) == 0) {
		snprintf(parent, sizeof(parent), "%s", dir);
		slash = strrchr(parent, '/');
		*slash = '\0';
		enabled = fake_read(parent, "cgroup.subtree_control");
		fill_v2(dir, enabled ? enabled : "");
		free(enabled);
		return;
	}
	cl = strcspn(rel, "/");
	snprintf(ctrl, sizeof(ctrl), "%.*s", (int)cl, rel);
	fill_v1(dir, ctrl, false);
}

static void before_rmdir(const char *dir, void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)arg;
	if (!d)
		return;
	while ((de = readdir(d))) {
		char p[1024];
		struct stat st;

		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st) == 0 && S_ISREG(st.st_mode))
			(void)unlink(p);
	}
	closedir(d);
}

static void mk(const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	(void)mkdir(p, 0755);
}

char *fake_tree_new(enum fake_kind kind, const struct fake_opts *opts)
{
	static const struct cg_test_hooks hooks = { .after_mkdir = after_mkdir,
						    .before_rmdir = before_rmdir };
	char tmpl[] = "/tmp/isolab-fakecg-XXXXXX";
	const char *avail, *enabled;
	char p[1024];

	if (!mkdtemp(tmpl))
		return NULL;
	memset(&fake, 0, sizeof(fake));
	snprintf(fake.root, sizeof(fake.root), "%s", tmpl);
	fake.kind = kind;
	if (opts)
		fake.o = *opts;
	avail = fake.o.v2_avail ? fake.o.v2_avail : "cpu io memory pids";
	enabled = fake.o.v2_enabled ? fake.o.v2_enabled : avail;
	switch (kind) {
	case FAKE_V2:
		(void)put(tmpl, "cgroup.controllers", avail);
		(void)put(tmpl, "cgroup.subtree_control", enabled);
		(void)put(tmpl, "cgroup.procs", "1\n");
		break;
	case FAKE_V1:
	case FAKE_HYBRID:
		mk(tmpl, "unified");
		snprintf(p, sizeof(p), "%s/unified", tmpl);
		(void)put(p, "cgroup.controllers", kind == FAKE_HYBRID ? "cpu memory" : "");
		(void)put(p, "cgroup.subtree_control", kind == FAKE_HYBRID ? "cpu memory" : "");
		(void)put(p, "cgroup.procs", "1\n");
		for (int i = 0; i < 5; i++) {
			static const char *const v1[] = { "cpu", "memory", "blkio", "pids",
							  "cpuacct" };

			if (kind == FAKE_HYBRID && i < 2)
				continue;
			mk(tmpl, v1[i]);
			snprintf(p, sizeof(p), "%s/%s", tmpl, v1[i]);
			fill_v1(p, v1[i], true);
		}
		break;
	case FAKE_NONE:
		break;
	}
	cg_set_test_hooks(&hooks);
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		if (!live[i]) {
			live[i] = strdup(tmpl);
			return live[i];
		}
	}
	return NULL;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void fake_tree_free(char *root)
{
	if (!root)
		return;
	(void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	cg_set_test_hooks(NULL);
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i] == root)
			live[i] = NULL;
	free(root);
}

int fake_cleanup_all(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		if (live[i])
			fake_tree_free(live[i]);
	return 0;
}

char *fake_read(const char *root, const char *rel)
{
	char p[1024];
	char *buf;
	FILE *f;
	size_t n;

	if (snprintf(p, sizeof(p), "%s/%s", root, rel) >= (int)sizeof(p))
		return NULL;
	f = fopen(p, "re");
	if (!f)
		return NULL;
	buf = calloc(1, 4096);
	if (buf) {
		n = fread(buf, 1, 4095, f);
		buf[n] = '\0';
	}
	fclose(f);
	return buf;
}

int fake_write(const char *root, const char *rel, const char *content)
{
	return put(root, rel, content);
}

bool fake_exists(const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	return access(p, F_OK) == 0;
}
