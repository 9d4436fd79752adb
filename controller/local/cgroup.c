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
#include "cgroup-path.h"
#include "clock.h"
#include "fileio.h"
#include "parse.h"
#include "sdbus.h"

#define CG_DEFAULT_ROOT "/sys/fs/cgroup"
#define CG_PROCS_MAX	(1u << 20) /* cgroup.procs of one VM: far more than we allow */
#define CG_SCAN_DEPTH	6
#define CG_KILL_TRIES	300  /* x 10 ms */
#define CG_RMDIR_TRIES	1000 /* x 10 ms: orphans killed after a crash wait for init to reap them */
#define CG_TREE_DEPTH	8

static struct cg_test_hooks test_hooks;

void cg_set_test_hooks(const struct cg_test_hooks *hooks)
{
	if (hooks)
		test_hooks = *hooks;
	else
		memset(&test_hooks, 0, sizeof(test_hooks));
}

const struct cg_test_hooks *cg_test_hooks(void)
{
	return &test_hooks;
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

const char *cg_errno_name(int neg_errno)
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

bool cg_knob_exists(const char *dir, const char *file)
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

bool cg_list_has(const char *list, const char *word)
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

int cg_knob_write(const char *dir, const char *knob, const char *val, struct backend_err *err)
{
	char p[CG_PATH_MAX];
	int n = snprintf(p, sizeof(p), "%s/%s", dir, knob);
	int r = n < 0 || (size_t)n >= sizeof(p) ? -ENAMETOOLONG : 0;

	if (r == 0)
		r = write_trunc(p, val);
	if (r < 0)
		backend_errf(err, cg_errno_name(r), "cgroup: write '%s' to %s/%s failed: %s", val,
			     dir, knob, strerror(-r));
	return r;
}

char *cg_knob_read(const char *dir, const char *file)
{
	char p[CG_PATH_MAX];
	char *out = NULL;

	if (path_join(p, sizeof(p), dir, file) < 0)
		return NULL;
	if (file_read_all(p, 64 * 1024, &out, NULL) < 0)
		return NULL;
	return out;
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

bool cg_is_scope_name(const char *name)
{
	size_t n = strlen(name);

	return n > 7 + 6 && strncmp(name, "isolab-", 7) == 0 && strcmp(name + n - 6, ".scope") == 0;
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

	if (!proc_cgroup || cgroup_path_parse(proc_cgroup, ctrl, own, sizeof(own)) < 0)
		return;
	if (strcmp(own, "/") == 0)
		return;
	if (snprintf(p, sizeof(p), "%s%s", h->mount, own) >= (int)sizeof(p) || !is_dir(p))
		return;
	memcpy(h->base, p, sizeof(h->base));
}

/*
 * systemd: the controllers the kernel offers are ours to use, since systemd enables them
 * down to a scope with Delegate=yes; what its root enables today does not matter.
 */
static void detect_v2(struct cg_sys *s, const char *mount, bool systemd)
{
	char *avail = cg_knob_read(mount, "cgroup.controllers");
	char *enabled = systemd ? NULL : cg_knob_read(mount, "cgroup.subtree_control");
	int idx = add_hier(s, 2, mount);

	if (idx < 0)
		goto out;
	if (systemd)
		enabled = avail ? strdup(avail) : NULL;
	/* only the host's root lacks cgroup.events; a container's root is a child group */
	s->ns_root = cg_knob_exists(mount, "cgroup.events");
	for (int c = 0; c < CG_NR_CTRL; c++) {
		if (enabled && cg_list_has(enabled, v2_names[c])) {
			s->hier[idx].ctrls |= 1u << c;
			s->ctrl_hier[c] = idx;
		} else if (avail && cg_list_has(avail, v2_names[c])) {
			s->noted |= 1u << c;
			s->undelegated |= 1u << c;
			notef(s,
			      "%s controller available but not enabled for child cgroups in "
			      "%s/cgroup.subtree_control (echo +%s > it to enable): %s",
			      v2_names[c], mount, v2_names[c], ctrl_loss[c]);
		}
	}
	if (s->ctrl_hier[CG_CPU] >= 0)
		s->has_cfs = true; /* cpu.max comes with the v2 cpu controller */
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
		    !cg_knob_exists(mount, "cgroup.procs"))
			continue;
		if (c == CG_CPU && !cg_knob_exists(mount, "cpu.shares")) {
			s->noted |= 1u << c;
			notef(s, "v1 cpu hierarchy has no cpu.shares: cpu weight unavailable");
			continue;
		}
		if (c == CG_MEMORY && !cg_knob_exists(mount, "memory.limit_in_bytes")) {
			s->noted |= 1u << c;
			notef(s, "v1 memory hierarchy has no memory.limit_in_bytes: %s",
			      ctrl_loss[c]);
			continue;
		}
		if (c == CG_IO) {
			if (cg_knob_exists(mount, "blkio.bfq.weight"))
				snprintf(s->io_knob, sizeof(s->io_knob), "blkio.bfq.weight");
			else if (cg_knob_exists(mount, "blkio.weight"))
				snprintf(s->io_knob, sizeof(s->io_knob), "blkio.weight");
			else {
				s->noted |= 1u << c;
				snprintf(
					s->io_note, sizeof(s->io_note),
					"CPU weight only: no I/O weight on this host: the v1 blkio "
					"controller has neither blkio.weight nor blkio.bfq.weight "
					"(they need the CFQ or BFQ I/O scheduler)");
				notef(s, "%s", s->io_note);
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
			s->has_cfs = cg_knob_exists(mount, "cpu.cfs_quota_us");
			if (!s->has_cfs)
				notef(s, "no cpu.cfs_quota_us (kernel without CFS bandwidth): cap "
					 "unavailable");
		}
		if (c == CG_MEMORY) {
			s->has_memsw = cg_knob_exists(mount, "memory.memsw.limit_in_bytes");
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
	bool any_v1 = false, any_v2 = false, real_root;
	int ret = 0;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	real_root = !root;
	if (!root)
		root = CG_DEFAULT_ROOT;
	if (snprintf(s->root, sizeof(s->root), "%s", root) >= (int)sizeof(s->root)) {
		ret = -ENAMETOOLONG;
		goto out_free;
	}
	for (int c = 0; c < CG_NR_CTRL; c++)
		s->ctrl_hier[c] = -1;
	(void)file_read_all("/proc/self/cgroup", 64 * 1024, &proc_cgroup, NULL);

	if (cg_knob_exists(root, "cgroup.controllers")) {
		/* the host's tree under systemd, or a fake tree with a fake systemd */
		if (test_hooks.systemd || (real_root && sdbus_systemd_running()))
			s->place = CG_PLACE_SYSTEMD;
		detect_v2(s, root, s->place == CG_PLACE_SYSTEMD);
	} else {
		if (path_join(unified, sizeof(unified), root, "unified") == 0 &&
		    cg_knob_exists(unified, "cgroup.controllers"))
			detect_v2(s, unified, false);
		detect_v1(s, proc_cgroup);
	}
	if (s->n_hier == 0) {
		ret = -ENOENT;
		goto out_free;
	}
	for (int c = 0; c < CG_NR_CTRL; c++) {
		int h = s->ctrl_hier[c];

		if (h < 0) {
			if (!(s->noted & (1u << c)))
				notef(s, "no %s controller: %s", v2_names[c], ctrl_loss[c]);
		} else if (s->hier[h].version == 1)
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

const char *cg_ctrl_loss(enum cg_ctrl c)
{
	return c < CG_NR_CTRL ? ctrl_loss[c] : "?";
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

static int mkdir_one(const char *dir, struct backend_err *err)
{
	if (mkdir(dir, 0755) < 0) {
		int r = -errno;

		backend_errf(err, cg_errno_name(r), "cgroup: mkdir %s failed: %s%s", dir,
			     strerror(errno),
			     r == -EEXIST ? " (a leftover of a run: `isolab restore` removes it)"
					  : "");
		return r;
	}
	if (test_hooks.after_mkdir)
		test_hooks.after_mkdir(dir, test_hooks.arg);
	return 0;
}

int cg_mkdir(const char *dir, struct backend_err *err)
{
	return mkdir_one(dir, err);
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
			r = cg_knob_write(run->dir[h], "cgroup.subtree_control", val, err);
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
	char *text = cg_knob_read(dir, "cgroup.procs");
	char *save = NULL;
	pid_t *pids = NULL;
	size_t cnt = 0, cap = 0;

	*out = NULL;
	*n = 0;
	if (!text)
		return cg_knob_exists(dir, "cgroup.procs") ? -EIO : 0;
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

	if (cg_knob_exists(dir, "cgroup.kill"))
		(void)cg_knob_write(dir, "cgroup.kill", "1", NULL);
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
		/* a run's systemd scope holds the run parent: look inside it */
		ours = !in_run && strncmp(de->d_name, "isolab-", 7) == 0 &&
		       !cg_is_scope_name(de->d_name);
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
