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

#include "backend.h"
#include "cgroup-knob.h"
#include "cgroup-scope.h"

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
		if (fake.o.io_sched && strcmp(fake.o.io_sched, "bfq") == 0)
			(void)put(dir, "io.bfq.weight", "default 100\n");
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

static struct cg_test_hooks hooks = { .after_mkdir = after_mkdir, .before_rmdir = before_rmdir };
static struct cg_io_dev io_dev;

char *fake_tree_new(enum fake_kind kind, const struct fake_opts *opts)
{
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
	memset(&io_dev, 0, sizeof(io_dev));
	snprintf(io_dev.path, sizeof(io_dev.path), "/var/lib/isolab");
	if (fake.o.io_no_device) {
		snprintf(io_dev.fs_note, sizeof(io_dev.fs_note), "not on a block device");
	} else {
		snprintf(io_dev.name, sizeof(io_dev.name), "vda");
		snprintf(io_dev.dev, sizeof(io_dev.dev), "254:0");
		snprintf(io_dev.sched, sizeof(io_dev.sched), "%s",
			 fake.o.io_sched ? fake.o.io_sched : "none");
		io_dev.io_cost = !fake.o.io_cost_off;
	}
	hooks.io_dev = &io_dev;
	hooks.systemd = NULL;
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

/* ---- a fake systemd ---------------------------------------------------------------- */

static struct fake_systemd_opts sd_opts;
static struct fake_systemd_stats sd_stats;

static int sd_start(const char *unit, const char *desc, pid_t pid, struct backend_err *err)
{
	char slice[512], dir[1024], pidbuf[24];
	char *avail = fake_read(fake.root, "cgroup.controllers");

	(void)desc;
	if (sd_opts.refuse) {
		free(avail);
		backend_errf(err, sd_opts.refuse, "systemd refused to start %s: %s", unit,
			     sd_opts.refuse);
		return -EPERM;
	}
	snprintf(slice, sizeof(slice), "%s/system.slice", fake.root);
	if (mkdir(slice, 0755) == 0) {
		fill_v2(slice, avail ? avail : "");
		(void)put(slice, "cgroup.subtree_control",
			  sd_opts.delegate ? sd_opts.delegate
			  : avail	   ? avail
					   : "");
	}
	free(avail);
	snprintf(dir, sizeof(dir), "%s/%s", slice, unit);
	if (mkdir(dir, 0755) < 0) {
		backend_errf(err, "org.freedesktop.systemd1.UnitExists",
			     "systemd refused to start %s: Unit %s was already loaded", unit, unit);
		return -EEXIST;
	}
	after_mkdir(dir, NULL);
	snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)pid);
	(void)put(dir, "cgroup.procs", pidbuf);
	sd_stats.started++;
	sd_stats.last_pid = (int)pid;
	snprintf(sd_stats.last_unit, sizeof(sd_stats.last_unit), "%s", unit);
	return 0;
}

static int sd_stop(const char *unit, struct backend_err *err)
{
	char dir[1024];

	(void)err;
	snprintf(dir, sizeof(dir), "%s/system.slice/%s", fake.root, unit);
	if (access(dir, F_OK) < 0)
		return 0; /* NoSuchUnit */
	sd_stats.stopped++;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -EIO;
}

static int sd_pid_cgroup(pid_t pid, char *buf, size_t len)
{
	if ((int)pid != sd_stats.last_pid || !sd_stats.last_unit[0])
		return -ENOENT;
	snprintf(buf, len, "/system.slice/%s", sd_stats.last_unit);
	return 0;
}

static const struct cg_systemd_ops fake_sd = {
	.start_scope = sd_start,
	.stop_unit = sd_stop,
	.pid_cgroup = sd_pid_cgroup,
};

void fake_systemd_install(const struct fake_systemd_opts *opts)
{
	struct cg_test_hooks h = hooks;

	memset(&sd_opts, 0, sizeof(sd_opts));
	memset(&sd_stats, 0, sizeof(sd_stats));
	if (opts)
		sd_opts = *opts;
	h.systemd = &fake_sd;
	cg_set_test_hooks(&h);
}

const struct fake_systemd_stats *fake_systemd_stats(void)
{
	return &sd_stats;
}
