// SPDX-License-Identifier: MIT
/* cgroup v1 / v2 / hybrid detection, group creation and removal, knobs. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "fileio.h"
#include "parse.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"
#define CG_PROCS_MAX	(1u << 20) /* cgroup.procs of one VM: far more than we allow */
#define CG_SCAN_DEPTH	6
#define CG_KILL_TRIES	300 /* x 10 ms */
#define CG_RMDIR_TRIES	100 /* x 10 ms */
#define CG_TREE_DEPTH	8

static struct cg_test_hooks test_hooks;

void cg_set_test_hooks(const struct cg_test_hooks *hooks)
{
	if (hooks)
		test_hooks = *hooks;
	else
		memset(&test_hooks, 0, sizeof(test_hooks));
}

static const char *const v2_names[CG_NR_CTRL] = { "cpu", "memory", "io", "pids" };
static const char *const v1_names[CG_NR_CTRL] = { "cpu", "memory", "blkio", "pids" };
/* What a missing controller costs, for the notes. */
static const char *const ctrl_loss[CG_NR_CTRL] = {
	"cpu weight and cap unavailable",
	"memory limits unavailable (memory bombs cannot be bounded)",
	"io weight unavailable",
	"pids limits unavailable (fork bombs cannot be bounded)",
};

static const char *err_code(int neg_errno)
{
	const char *s = strerrorname_np(-neg_errno);

	return s ? s : "EIO";
}

static void notef(struct cg_sys *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void notef(struct cg_sys *s, const char *fmt, ...)
{
	size_t len = strlen(s->notes);
	va_list ap;

	if (len + 3 >= sizeof(s->notes))
		return;
	if (len) {
		memcpy(s->notes + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(s->notes + len, sizeof(s->notes) - len, fmt, ap);
	va_end(ap);
}

static int path_join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static bool path_exists(const char *dir, const char *file)
{
	char p[CG_PATH_MAX];

	if (path_join(p, sizeof(p), dir, file) < 0)
		return false;
	return access(p, F_OK) == 0;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* true when word appears as a whole word in a space/comma/newline-separated list */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, " ,\n\t");

		if (n == wl && strncmp(p, word, wl) == 0)
			return true;
		p += n;
		p += strspn(p, " ,\n\t");
	}
	return false;
}

static char *read_small(const char *dir, const char *file)
{
	char p[CG_PATH_MAX];
	char *out = NULL;

	if (path_join(p, sizeof(p), dir, file) < 0)
		return NULL;
	if (file_read_all(p, 64 * 1024, &out, NULL) < 0)
		return NULL;
	return out;
}

int cg_parse_proc_cgroup(const char *text, const char *ctrl, char *buf, size_t len)
{
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t ll = end ? (size_t)(end - line) : strlen(line);
		const char *c1 = memchr(line, ':', ll);
		const char *c2 = c1 ? memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line)) : NULL;

		if (c2) {
			size_t cl = (size_t)(c2 - c1 - 1);
			char ctrls[256];
			bool match;

			if (cl < sizeof(ctrls)) {
				memcpy(ctrls, c1 + 1, cl);
				ctrls[cl] = '\0';
				match = ctrl ? list_has(ctrls, ctrl) : cl == 0;
				if (match) {
					size_t pl = ll - (size_t)(c2 + 1 - line);

					if (pl == 0 || pl >= len)
						return -ENAMETOOLONG;
					memcpy(buf, c2 + 1, pl);
					buf[pl] = '\0';
					return 0;
				}
			}
		}
		line = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

bool cg_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > CG_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static int add_hier(struct cg_sys *s, int version, const char *mount)
{
	struct cg_hier *h;

	if (s->n_hier >= CG_MAX_HIER)
		return -ENOSPC;
	h = &s->hier[s->n_hier];
	memset(h, 0, sizeof(*h));
	h->version = version;
	if (snprintf(h->mount, sizeof(h->mount), "%s", mount) >= (int)sizeof(h->mount))
		return -ENAMETOOLONG;
	memcpy(h->base, h->mount, sizeof(h->base));
	return (int)s->n_hier++;
}

/* On v1, runs go into our own cgroup of that hierarchy when it exists there. */
static void set_v1_base(struct cg_hier *h, const char *proc_cgroup, const char *ctrl)
{
	char own[CG_PATH_MAX];
	char p[CG_PATH_MAX];

	if (!proc_cgroup || cg_parse_proc_cgroup(proc_cgroup, ctrl, own, sizeof(own)) < 0)
		return;
	if (strcmp(own, "/") == 0)
		return;
	if (snprintf(p, sizeof(p), "%s%s", h->mount, own) >= (int)sizeof(p) || !is_dir(p))
		return;
	memcpy(h->base, p, sizeof(h->base));
}

static void detect_v2(struct cg_sys *s, const char *mount)
{
	char *avail = read_small(mount, "cgroup.controllers");
	char *enabled = read_small(mount, "cgroup.subtree_control");
	int idx = add_hier(s, 2, mount);

	if (idx < 0)
		goto out;
	for (int c = 0; c < CG_NR_CTRL; c++) {
		if (enabled && list_has(enabled, v2_names[c])) {
			s->hier[idx].ctrls |= 1u << c;
			s->ctrl_hier[c] = idx;
		} else if (avail && list_has(avail, v2_names[c])) {
			notef(s,
			      "%s controller available but not enabled for child cgroups in "
			      "%s/cgroup.subtree_control (echo +%s > it to enable): %s",
			      v2_names[c], mount, v2_names[c], ctrl_loss[c]);
		}
	}
	if (s->ctrl_hier[CG_CPU] >= 0)
		s->has_cfs = true; /* cpu.max comes with the v2 cpu controller */
	if (s->ctrl_hier[CG_IO] >= 0) {
		snprintf(s->io_knob, sizeof(s->io_knob), "io.weight");
		notef(s, "io.weight takes effect only with io.cost enabled or the BFQ scheduler on "
			 "the device");
	}
out:
	free(avail);
	free(enabled);
}

static void detect_v1(struct cg_sys *s, const char *proc_cgroup)
{
	for (int c = 0; c < CG_NR_CTRL; c++) {
		char mount[CG_PATH_MAX];
		int idx;

		if (s->ctrl_hier[c] >= 0)
			continue;
		if (path_join(mount, sizeof(mount), s->root, v1_names[c]) < 0 ||
		    !path_exists(mount, "cgroup.procs"))
			continue;
		if (c == CG_CPU && !path_exists(mount, "cpu.shares")) {
			notef(s, "v1 cpu hierarchy has no cpu.shares: cpu weight unavailable");
			continue;
		}
		if (c == CG_MEMORY && !path_exists(mount, "memory.limit_in_bytes")) {
			notef(s, "v1 memory hierarchy has no memory.limit_in_bytes: %s",
			      ctrl_loss[c]);
			continue;
		}
		if (c == CG_IO) {
			if (path_exists(mount, "blkio.bfq.weight"))
				snprintf(s->io_knob, sizeof(s->io_knob), "blkio.bfq.weight");
			else if (path_exists(mount, "blkio.weight"))
				snprintf(s->io_knob, sizeof(s->io_knob), "blkio.weight");
			else {
				notef(s, "no io weight: the v1 blkio controller has neither "
					 "blkio.weight nor blkio.bfq.weight (they need the CFQ or "
					 "BFQ I/O scheduler)");
				continue;
			}
		}
		idx = add_hier(s, 1, mount);
		if (idx < 0)
			break;
		s->hier[idx].ctrls = 1u << c;
		s->ctrl_hier[c] = idx;
		set_v1_base(&s->hier[idx], proc_cgroup, v1_names[c]);
		if (c == CG_CPU) {
			s->has_cfs = path_exists(mount, "cpu.cfs_quota_us");
			if (!s->has_cfs)
				notef(s, "no cpu.cfs_quota_us (kernel without CFS bandwidth): cap "
					 "unavailable");
		}
		if (c == CG_MEMORY) {
			s->has_memsw = path_exists(mount, "memory.memsw.limit_in_bytes");
			if (!s->has_memsw)
				notef(s, "no memory.memsw.limit_in_bytes (swap accounting off): a "
					 "memory limit bounds RAM only, a VM may still swap");
		}
	}
}

int cg_detect(const char *root, struct cg_sys *out)
{
	struct cg_sys *s;
	char *proc_cgroup = NULL;
	char unified[CG_PATH_MAX];
	bool any_v1 = false, any_v2 = false;
	int ret = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	if (!root)
		root = CG_DEFAULT_ROOT;
	if (snprintf(s->root, sizeof(s->root), "%s", root) >= (int)sizeof(s->root)) {
		ret = -ENAMETOOLONG;
		goto out_free;
	}
	for (int c = 0; c < CG_NR_CTRL; c++)
		s->ctrl_hier[c] = -1;
	(void)file_read_all("/proc/self/cgroup", 64 * 1024, &proc_cgroup, NULL);

	if (path_exists(root, "cgroup.controllers")) {
		detect_v2(s, root);
	} else {
		if (path_join(unified, sizeof(unified), root, "unified") == 0 &&
		    path_exists(unified, "cgroup.controllers"))
			detect_v2(s, unified);
		detect_v1(s, proc_cgroup);
	}
	if (s->n_hier == 0) {
		ret = -ENOENT;
		goto out_free;
	}
	for (int c = 0; c < CG_NR_CTRL; c++) {
		int h = s->ctrl_hier[c];

		if (h < 0)
			notef(s, "no %s controller: %s", v2_names[c], ctrl_loss[c]);
		else if (s->hier[h].version == 1)
			any_v1 = true;
		else
			any_v2 = true;
	}
	if (any_v1 && any_v2)
		s->mode = CG_MODE_HYBRID;
	else if (any_v1)
		s->mode = CG_MODE_V1;
	else
		s->mode = s->hier[0].version == 2 ? CG_MODE_V2 : CG_MODE_V1;
	*out = *s;
out_free:
	free(proc_cgroup);
	free(s);
	return ret;
}

const char *cg_mode_name(enum cg_mode mode)
{
	switch (mode) {
	case CG_MODE_V1:
		return "v1";
	case CG_MODE_V2:
		return "v2";
	case CG_MODE_HYBRID:
		return "hybrid";
	default:
		return "none";
	}
}

bool cg_has(const struct cg_sys *s, enum cg_ctrl c)
{
	return c < CG_NR_CTRL && s->ctrl_hier[c] >= 0;
}

int cg_ctrl_version(const struct cg_sys *s, enum cg_ctrl c)
{
	return cg_has(s, c) ? s->hier[s->ctrl_hier[c]].version : 0;
}

const char *cg_ctrl_name(const struct cg_sys *s, enum cg_ctrl c)
{
	if (c >= CG_NR_CTRL)
		return "?";
	return cg_ctrl_version(s, c) == 1 ? v1_names[c] : v2_names[c];
}

static int group_dirs(const struct cg_sys *s, const char *leaf1, const char *leaf2,
		      struct cg_group *out)
{
	struct cg_group g;

	memset(&g, 0, sizeof(g));
	for (size_t h = 0; h < s->n_hier; h++) {
		int n = leaf2 ? snprintf(g.dir[h], CG_PATH_MAX, "%s/%s/%s", s->hier[h].base, leaf1,
					 leaf2)
			      : snprintf(g.dir[h], CG_PATH_MAX, "%s/%s", s->hier[h].base, leaf1);

		if (n < 0 || n >= CG_PATH_MAX)
			return -ENAMETOOLONG;
	}
	*out = g;
	return 0;
}

int cg_run_group(const struct cg_sys *s, const char *run, struct cg_group *out)
{
	char leaf[CG_NAME_MAX + 16];

	if (!cg_name_valid(run))
		return -EINVAL;
	snprintf(leaf, sizeof(leaf), "isolab-%s", run);
	return group_dirs(s, leaf, NULL, out);
}

int cg_vm_group(const struct cg_sys *s, const char *run, const char *vm, struct cg_group *out)
{
	char leaf1[CG_NAME_MAX + 16];
	char leaf2[2 * CG_NAME_MAX + 16];

	if (!cg_name_valid(run) || !cg_name_valid(vm))
		return -EINVAL;
	snprintf(leaf1, sizeof(leaf1), "isolab-%s", run);
	snprintf(leaf2, sizeof(leaf2), "isolab-%s-%s", run, vm);
	return group_dirs(s, leaf1, leaf2, out);
}

/*
 * One write(2) of the whole value, as the kernel wants for a knob. Unlike
 * file_write_str() it truncates, which cgroupfs ignores and which keeps a
 * test's plain-file tree holding exactly the last value written.
 */
static int write_trunc(const char *path, const char *val)
{
	size_t len = strlen(val);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int knob_write(const char *dir, const char *knob, const char *val, struct backend_err *err)
{
	char p[CG_PATH_MAX];
	int r = path_join(p, sizeof(p), dir, knob);

	if (r == 0)
		r = write_trunc(p, val);
	if (r < 0)
		backend_errf(err, err_code(r), "cgroup: write '%s' to %s/%s failed: %s", val, dir,
			     knob, strerror(-r));
	return r;
}

/* Reads the first number of a knob; "max" and "-1" read as *is_max = true. */
static int knob_read_u64(const char *dir, const char *knob, int word, uint64_t *out, bool *is_max,
			 struct backend_err *err)
{
	char *text = read_small(dir, knob);
	char *save = NULL, *tok;
	int r = -EINVAL;

	if (!text) {
		backend_errf(err, "ENOENT", "cgroup: cannot read %s/%s", dir, knob);
		return -ENOENT;
	}
	tok = strtok_r(text, " \n", &save);
	for (int i = 0; tok && i < word; i++)
		tok = strtok_r(NULL, " \n", &save);
	if (tok && (strcmp(tok, "max") == 0 || strcmp(tok, "-1") == 0)) {
		*is_max = true;
		*out = 0;
		r = 0;
	} else if (tok && parse_u64(tok, 0, UINT64_MAX, out) == 0) {
		*is_max = false;
		r = 0;
	}
	if (r < 0)
		backend_errf(err, "EINVAL", "cgroup: %s/%s holds no number", dir, knob);
	free(text);
	return r;
}

static int mkdir_one(const char *dir, struct backend_err *err)
{
	if (mkdir(dir, 0755) < 0) {
		int r = -errno;

		backend_errf(
			err, err_code(r), "cgroup: mkdir %s failed: %s%s", dir, strerror(errno),
			r == -EEXIST ? " (a leftover of a run: `isolab restore` removes it)" : "");
		return r;
	}
	if (test_hooks.after_mkdir)
		test_hooks.after_mkdir(dir, test_hooks.arg);
	return 0;
}

int cg_create_run(const struct cg_sys *s, const struct cg_group *run, struct backend_err *err)
{
	for (size_t h = 0; h < s->n_hier; h++) {
		int r = mkdir_one(run->dir[h], err);

		if (r < 0)
			return r;
		if (s->hier[h].version != 2)
			continue;
		char val[64] = "";
		size_t len = 0;

		/* one write: the kernel takes every "+ctrl" of it, or none */
		for (int c = 0; c < CG_NR_CTRL; c++)
			if (s->hier[h].ctrls & (1u << c))
				len += (size_t)snprintf(val + len, sizeof(val) - len, "%s+%s",
							len ? " " : "", v2_names[c]);
		if (len) {
			r = knob_write(run->dir[h], "cgroup.subtree_control", val, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int cg_create_vm(const struct cg_sys *s, const struct cg_group *vm, struct backend_err *err)
{
	for (size_t h = 0; h < s->n_hier; h++) {
		int r = mkdir_one(vm->dir[h], err);

		if (r < 0)
			return r;
	}
	return 0;
}

static const char *ctrl_dir(const struct cg_sys *s, const struct cg_group *g, enum cg_ctrl c,
			    int *version, struct backend_err *err)
{
	int h = s->ctrl_hier[c];

	if (h < 0) {
		backend_errf(err, "EOPNOTSUPP", "cgroup: no %s controller here: %s", v2_names[c],
			     ctrl_loss[c]);
		return NULL;
	}
	if (!g->dir[h][0]) {
		backend_errf(err, "ENOENT", "cgroup: group has no %s directory", v2_names[c]);
		return NULL;
	}
	*version = s->hier[h].version;
	return g->dir[h];
}

/* Writes a number, reads it back and compares (the kernel may clamp or reject silently). */
static int knob_set_verify(const char *dir, const char *knob, uint64_t v, struct backend_err *err)
{
	char val[32];
	uint64_t got;
	bool is_max;
	int r;

	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	r = knob_write(dir, knob, val, err);
	if (r < 0)
		return r;
	r = knob_read_u64(dir, knob, 0, &got, &is_max, err);
	if (r < 0)
		return r;
	if (is_max || got != v) {
		backend_errf(err, "EIO", "cgroup: wrote %s to %s/%s but it reads back %llu", val,
			     dir, knob, (unsigned long long)got);
		return -EIO;
	}
	return 0;
}

int cg_set_cpu_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		      struct backend_err *err)
{
	int version;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	return knob_set_verify(dir, version == 2 ? "cpu.weight" : "cpu.shares",
			       cg_weight_from_xen(version, xen_weight), err);
}

int cg_set_cap(const struct cg_sys *s, const struct cg_group *g, int cap_pct,
	       struct backend_err *err)
{
	uint64_t quota = cg_cap_to_quota(cap_pct);
	char val[64];
	int version, r;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (!s->has_cfs) {
		backend_errf(err, "EOPNOTSUPP",
			     "cgroup: no CPU bandwidth control: cap unavailable");
		return -EOPNOTSUPP;
	}
	if (version == 2) {
		if (quota)
			snprintf(val, sizeof(val), "%llu %d", (unsigned long long)quota,
				 CG_CFS_PERIOD);
		else
			snprintf(val, sizeof(val), "max %d", CG_CFS_PERIOD);
		return knob_write(dir, "cpu.max", val, err);
	}
	/* v1: lift the quota first so the period change is always accepted */
	r = knob_write(dir, "cpu.cfs_quota_us", "-1", err);
	if (r == 0) {
		snprintf(val, sizeof(val), "%d", CG_CFS_PERIOD);
		r = knob_write(dir, "cpu.cfs_period_us", val, err);
	}
	if (r == 0 && quota)
		r = knob_set_verify(dir, "cpu.cfs_quota_us", quota, err);
	return r;
}

int cg_get_sched(const struct cg_sys *s, const struct cg_group *g, int *xen_weight, int *cap_pct,
		 bool *exact, struct backend_err *err)
{
	uint64_t w, quota, period = CG_CFS_PERIOD;
	bool is_max, ex_w, ex_c = true;
	int version, r, weight, cap = 0;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	r = knob_read_u64(dir, version == 2 ? "cpu.weight" : "cpu.shares", 0, &w, &is_max, err);
	if (r < 0)
		return r;
	weight = cg_weight_to_xen(version, w, &ex_w);
	if (s->has_cfs) {
		if (version == 2) {
			r = knob_read_u64(dir, "cpu.max", 0, &quota, &is_max, err);
			if (r == 0 && !is_max) {
				bool pmax;

				r = knob_read_u64(dir, "cpu.max", 1, &period, &pmax, err);
			}
		} else {
			r = knob_read_u64(dir, "cpu.cfs_quota_us", 0, &quota, &is_max, err);
			if (r == 0 && !is_max) {
				bool pmax;

				r = knob_read_u64(dir, "cpu.cfs_period_us", 0, &period, &pmax, err);
			}
		}
		if (r < 0)
			return r;
		cap = is_max ? 0 : cg_quota_to_cap(quota, period, &ex_c);
	}
	*xen_weight = weight;
	*cap_pct = cap;
	if (exact)
		*exact = ex_w && ex_c;
	return 0;
}

int cg_set_memory_max(const struct cg_sys *s, const struct cg_group *g, uint64_t bytes,
		      struct backend_err *err)
{
	char val[32];
	int version, r;
	const char *dir = ctrl_dir(s, g, CG_MEMORY, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (bytes)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)bytes);
	else
		snprintf(val, sizeof(val), "%s", version == 2 ? "max" : "-1");
	if (version == 2) {
		r = knob_write(dir, "memory.max", val, err);
		/* no swap for a limited VM, so its bomb meets the limit rather than the disk */
		if (r == 0 && path_exists(dir, "memory.swap.max"))
			r = knob_write(dir, "memory.swap.max", bytes ? "0" : "max", err);
		return r;
	}
	/* memsw must stay >= the limit: lift it first, then set both */
	if (s->has_memsw) {
		r = knob_write(dir, "memory.memsw.limit_in_bytes", "-1", err);
		if (r < 0)
			return r;
	}
	r = knob_write(dir, "memory.limit_in_bytes", val, err);
	if (r == 0 && bytes && s->has_memsw)
		r = knob_write(dir, "memory.memsw.limit_in_bytes", val, err);
	return r;
}

int cg_set_pids_max(const struct cg_sys *s, const struct cg_group *g, uint64_t n,
		    struct backend_err *err)
{
	char val[32];
	int version;
	const char *dir = ctrl_dir(s, g, CG_PIDS, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (n)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)n);
	else
		snprintf(val, sizeof(val), "max");
	return knob_write(dir, "pids.max", val, err);
}

int cg_set_io_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		     struct backend_err *err)
{
	const char *knob = s->io_knob;
	char val[32];
	int version;
	const char *dir = ctrl_dir(s, g, CG_IO, &version, err);

	if (!dir || !knob[0]) {
		if (dir)
			backend_errf(err, "EOPNOTSUPP", "cgroup: no io weight knob");
		return -EOPNOTSUPP;
	}
	/* v2: io.weight needs io.cost; with BFQ only io.bfq.weight exists */
	if (version == 2 && !path_exists(dir, knob) && path_exists(dir, "io.bfq.weight"))
		knob = "io.bfq.weight";
	if (!path_exists(dir, knob)) {
		backend_errf(err, "EOPNOTSUPP", "cgroup: %s has no %s: io weight unavailable", dir,
			     knob);
		return -EOPNOTSUPP;
	}
	snprintf(val, sizeof(val), "%llu",
		 (unsigned long long)cg_io_weight_from_xen(knob, xen_weight));
	return knob_write(dir, knob, val, err);
}

int cg_open_procs(const struct cg_sys *s, const struct cg_group *g, int fds[CG_MAX_HIER])
{
	for (size_t h = 0; h < CG_MAX_HIER; h++)
		fds[h] = -1;
	for (size_t h = 0; h < s->n_hier; h++) {
		char p[CG_PATH_MAX];
		int r;

		if (!g->dir[h][0])
			continue;
		r = path_join(p, sizeof(p), g->dir[h], "cgroup.procs");
		if (r == 0) {
			fds[h] = open(p, O_WRONLY | O_CLOEXEC);
			r = fds[h] < 0 ? -errno : 0;
		}
		if (r < 0) {
			for (size_t i = 0; i < h; i++)
				if (fds[i] >= 0) {
					close(fds[i]);
					fds[i] = -1;
				}
			return r;
		}
	}
	return 0;
}

int cg_enter_fds(const int fds[CG_MAX_HIER])
{
	for (size_t h = 0; h < CG_MAX_HIER; h++) {
		/* "0" is the writer itself, on v1 and v2 alike: no formatting needed */
		if (fds[h] >= 0 && pwrite(fds[h], "0", 1, 0) != 1)
			return -errno;
	}
	return 0;
}

/* The PIDs in dir/cgroup.procs, into a malloc'd array. */
static int read_pids(const char *dir, pid_t **out, size_t *n)
{
	char *text = read_small(dir, "cgroup.procs");
	char *save = NULL;
	pid_t *pids = NULL;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!text)
		return path_exists(dir, "cgroup.procs") ? -EIO : 0;
	for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		uint64_t v;

		if (parse_u64(tok, 1, INT32_MAX, &v) < 0)
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			pid_t *np = realloc(pids, ncap * sizeof(*np));

			if (!np) {
				free(pids);
				free(text);
				return -ENOMEM;
			}
			pids = np;
			cap = ncap;
		}
		pids[cnt++] = (pid_t)v;
	}
	free(text);
	*out = pids;
	*n = cnt;
	return 0;
}

bool cg_populated(const char *dir)
{
	pid_t *pids;
	size_t n;
	DIR *d;
	struct dirent *de;
	bool pop = false;

	if (read_pids(dir, &pids, &n) == 0) {
		free(pids);
		if (n)
			return true;
	}
	d = opendir(dir);
	if (!d)
		return false;
	while (!pop && (de = readdir(d))) {
		char p[CG_PATH_MAX];

		if (de->d_name[0] == '.' || path_join(p, sizeof(p), dir, de->d_name) < 0)
			continue;
		if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) && is_dir(p))
			pop = cg_populated(p);
	}
	closedir(d);
	return pop;
}

/* SIGKILLs everything in dir (ours: only isolab's tools are ever placed there). */
static int kill_dir(const char *dir, int *removed)
{
	pid_t self = getpid();

	if (path_exists(dir, "cgroup.kill"))
		(void)knob_write(dir, "cgroup.kill", "1", NULL);
	for (int t = 0; t < CG_KILL_TRIES; t++) {
		pid_t *pids;
		size_t n, alive = 0;
		int r = read_pids(dir, &pids, &n);

		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (pids[i] <= 1 || pids[i] == self || kill(pids[i], SIGKILL) < 0)
				continue; /* ESRCH: gone between the read and the kill */
			alive++;
			if (t == 0 && removed)
				(*removed)++;
		}
		free(pids);
		if (alive == 0)
			return 0; /* only we are left, if anyone: rmdir will say */
		(void)clock_sleep(10 * NSEC_PER_MSEC);
	}
	return -EBUSY;
}

static int remove_tree(const char *dir, int *removed, int depth)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int ret = 0, r;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	if (depth > CG_TREE_DEPTH)
		return -ELOOP;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char p[CG_PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (path_join(p, sizeof(p), dir, de->d_name) < 0) {
			ret = -ENAMETOOLONG;
			continue;
		}
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r = remove_tree(p, removed, depth + 1);
		if (r < 0 && ret == 0)
			ret = r;
	}
	closedir(d);
	r = kill_dir(dir, removed);
	if (r < 0 && ret == 0)
		ret = r;
	if (test_hooks.before_rmdir)
		test_hooks.before_rmdir(dir, test_hooks.arg);
	for (int t = 0; t < CG_RMDIR_TRIES; t++) {
		if (rmdir(dir) == 0) {
			if (removed)
				(*removed)++;
			return ret;
		}
		if (errno == ENOENT)
			return ret;
		if (errno != EBUSY)
			break;
		/* exiting tasks may still pin the cgroup for a moment */
		(void)kill_dir(dir, NULL);
		(void)clock_sleep(10 * NSEC_PER_MSEC);
	}
	return ret ? ret : -errno;
}

int cg_remove_tree(const char *dir, int *removed)
{
	return remove_tree(dir, removed, 0);
}

/* in_run: dir is a run parent, so its children are VMs, never runs themselves */
static int scan(const char *dir, const char *want, int depth, bool in_run,
		int (*fn)(const char *dir, const char *run_name, void *arg), void *arg)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return 0;
	while (ret == 0 && (de = readdir(d))) {
		char p[CG_PATH_MAX];
		struct stat st;
		bool ours;

		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (path_join(p, sizeof(p), dir, de->d_name) < 0 || lstat(p, &st) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		ours = !in_run && strncmp(de->d_name, "isolab-", 7) == 0;
		if (ours && (!want || strcmp(de->d_name + 7, want) == 0)) {
			ret = fn(p, de->d_name + 7, arg);
			continue; /* removing it removes whatever is nested inside */
		}
		/* a run asked for by name may sit inside another run's VM (a nested isolab) */
		if (depth < CG_SCAN_DEPTH && (!ours || want))
			ret = scan(p, want, depth + 1, ours, fn, arg);
	}
	closedir(d);
	return ret;
}

int cg_scan_runs(const struct cg_sys *s, size_t h, const char *run,
		 int (*fn)(const char *dir, const char *run_name, void *arg), void *arg)
{
	if (h >= s->n_hier)
		return -EINVAL;
	return scan(s->hier[h].mount, run, 0, false, fn, arg);
}

/* --- pure mappings ---------------------------------------------------------------------- */

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t xen_clamp(int xen)
{
	return (uint64_t)clamp_u64(xen < 0 ? 0 : (uint64_t)xen, XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);
}

/* round(xen * def / 256), clamped to [lo, hi]: 256 lands on def, ratios are kept */
static uint64_t scale_from_xen(int xen, uint64_t def, uint64_t lo, uint64_t hi)
{
	return clamp_u64((xen_clamp(xen) * def + XEN_WEIGHT_DEFAULT / 2) / XEN_WEIGHT_DEFAULT, lo,
			 hi);
}

uint64_t cg_weight_from_xen(int version, int xen)
{
	if (version == 2)
		return scale_from_xen(xen, 100, 1, 10000);
	return scale_from_xen(xen, 1024, 2, 262144);
}

int cg_weight_to_xen(int version, uint64_t w, bool *exact)
{
	uint64_t def = version == 2 ? 100 : 1024;
	uint64_t x = clamp_u64((clamp_u64(w, 0, 1u << 20) * XEN_WEIGHT_DEFAULT + def / 2) / def,
			       XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);

	/* exact: setting this Xen weight again gives back the very same cgroup value */
	if (exact)
		*exact = cg_weight_from_xen(version, (int)x) == w;
	return (int)x;
}

uint64_t cg_io_weight_from_xen(const char *knob, int xen)
{
	if (strcmp(knob, "io.weight") == 0)
		return scale_from_xen(xen, 100, 1, 10000);
	if (strcmp(knob, "blkio.weight") == 0)
		return scale_from_xen(xen, 500, 10, 1000);
	/* io.bfq.weight, blkio.bfq.weight */
	return scale_from_xen(xen, 100, 1, 1000);
}

uint64_t cg_cap_to_quota(int cap_pct)
{
	if (cap_pct <= 0)
		return 0;
	return (uint64_t)cap_pct * (CG_CFS_PERIOD / 100);
}

int cg_quota_to_cap(uint64_t quota, uint64_t period, bool *exact)
{
	uint64_t pct;

	if (quota == 0 || period == 0) {
		if (exact)
			*exact = true;
		return 0;
	}
	if (quota / period >= XEN_CAP_MAX) {
		if (exact)
			*exact = (unsigned __int128)quota * 100 ==
				 (unsigned __int128)XEN_CAP_MAX * period;
		return XEN_CAP_MAX;
	}
	/* quota < 25601 periods here, so quota * 100 cannot overflow for any sane period */
	pct = (uint64_t)(((unsigned __int128)quota * 100 + period / 2) / period);
	if (exact)
		*exact = ((unsigned __int128)quota * 100) % period == 0 && pct >= 1;
	return (int)clamp_u64(pct, 1, XEN_CAP_MAX); /* any quota is a cap, however small */
}
