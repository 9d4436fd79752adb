// SPDX-License-Identifier: MIT
/* A run's delegated systemd scope on pure cgroup v2: see cgroup-scope.h. */
#include "cgroup-scope.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "cgroup-path.h"
#include "clock.h"
#include "fileio.h"
#include "sdbus.h"

#define SCOPE_MOVE_MS	 20000 /* systemd moving the keeper in: emulated machines are slow */
#define SCOPE_GONE_MS	 10000 /* systemd removing a stopped scope's cgroup */
#define SCOPE_SCAN_DEPTH 6
#define SCOPE_MAX	 64 /* scopes one cleanup removes */

static int real_pid_cgroup(pid_t pid, char *buf, size_t len)
{
	char p[64], *text = NULL;
	int r;

	snprintf(p, sizeof(p), "/proc/%d/cgroup", (int)pid);
	r = file_read_all(p, 64 * 1024, &text, NULL);
	if (r < 0)
		return r;
	r = cgroup_path_parse(text, NULL, buf, len);
	free(text);
	return r;
}

static const struct cg_systemd_ops real_ops = {
	.start_scope = sdbus_scope_start,
	.stop_unit = sdbus_unit_stop,
	.pid_cgroup = real_pid_cgroup,
};

static const struct cg_systemd_ops *sd(void)
{
	const struct cg_test_hooks *h = cg_test_hooks();

	return h->systemd ? h->systemd : &real_ops;
}

int cg_scope_unit(const char *run, char *buf, size_t len)
{
	if (!cg_name_valid(run))
		return -EINVAL;
	if (snprintf(buf, len, "isolab-%s.scope", run) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static int v2_hier(const struct cg_sys *s)
{
	for (size_t h = 0; h < s->n_hier; h++)
		if (s->hier[h].version == 2)
			return (int)h;
	return -1;
}

/*
 * A child that only waits: the scope's one process. It keeps none of the controller's
 * file descriptors (a pipe held open would keep a reader of isolab's output waiting) and
 * dies with the thread that forked it. Only async-signal-safe calls after fork().
 */
static pid_t keeper_spawn(void)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	sigset_t none;

	if (pid != 0)
		return pid;
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	(void)signal(SIGTERM, SIG_DFL); /* systemd stops a scope with SIGTERM */
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGHUP, SIG_DFL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	(void)close_range(0, ~0U, 0);
	(void)prctl(PR_SET_NAME, "isolab-keeper");
	for (;;)
		pause();
}

/* Until systemd has moved pid into unit; path = its cgroup relative to the mount. */
static int wait_moved(pid_t pid, const char *unit, char *path, size_t len)
{
	size_t ul = strlen(unit);

	for (int t = 0; t < SCOPE_MOVE_MS / 10; t++) {
		char cg[CG_PATH_MAX];
		size_t n;

		if (sd()->pid_cgroup(pid, cg, sizeof(cg)) == 0) {
			n = strlen(cg);
			if (n > ul && cg[n - ul - 1] == '/' && strcmp(cg + n - ul, unit) == 0) {
				snprintf(path, len, "%s", cg);
				return 0;
			}
		}
		(void)clock_sleep(10 * NSEC_PER_MSEC);
	}
	return -ETIMEDOUT;
}

/* Checks that systemd delegated what the run uses, then enables it for the scope's children. */
static int enable_ctrls(const struct cg_sys *s, int h, const struct cg_scope *sc,
			struct backend_err *err)
{
	char *have = cg_knob_read(sc->dir, "cgroup.controllers");
	char want[64] = "", missing[64] = "";
	size_t wl = 0, ml = 0;

	if (have)
		have[strcspn(have, "\n")] = '\0';

	for (int c = 0; c < CG_NR_CTRL; c++) {
		const char *name = cg_ctrl_name(s, c);

		if (!(s->hier[h].ctrls & (1u << c)))
			continue;
		if (have && cg_list_has(have, name))
			wl += (size_t)snprintf(want + wl, sizeof(want) - wl, "%s+%s", wl ? " " : "",
					       name);
		else
			ml += (size_t)snprintf(missing + ml, sizeof(missing) - ml, "%s%s",
					       ml ? " " : "", name);
	}
	if (missing[0]) {
		backend_errf(err, "ENOTSUP",
			     "local backend: systemd did not delegate the %s controller%s to %s "
			     "(it got '%s'): a slice above it may disable them (systemctl show "
			     "system.slice -p DisableControllers); isolab needs them for weights "
			     "and limits",
			     missing, strchr(missing, ' ') ? "s" : "", sc->unit, have ? have : "");
		free(have);
		backend_err_usage(err);
		return -ENOTSUP;
	}
	free(have);
	return wl ? cg_knob_write(sc->dir, "cgroup.subtree_control", want, err) : 0;
}

/* Adds what to do to systemd's refusal, in one line. */
static int refused(struct backend_err *err, const struct cg_scope *sc, int r)
{
	char why[sizeof(err->msg)], code[sizeof(err->code)];

	if (!err)
		return r;
	snprintf(why, sizeof(why), "%s", err->msg);
	snprintf(code, sizeof(code), "%s", err->code);
	if (strcmp(code, "org.freedesktop.systemd1.UnitExists") == 0) {
		backend_errf(err, "EEXIST",
			     "local backend: run exists already (%s is still loaded): `isolab "
			     "restore` removes its leftovers",
			     sc->unit);
		return -EEXIST;
	}
	backend_errf(err, code,
		     "local backend: %s; the run's cgroups need a scope with Delegate=yes "
		     "(journalctl -b -u %s may say why)",
		     why, sc->unit);
	return r;
}

int cg_scope_open(struct cg_sys *s, const char *run, struct cg_scope *sc, struct backend_err *err)
{
	int h = v2_hier(s), r;
	char cg[CG_PATH_MAX], leaf[CG_PATH_MAX], desc[CG_NAME_MAX + 64], pid[24];

	memset(sc, 0, sizeof(*sc));
	if (h < 0 || s->place != CG_PLACE_SYSTEMD ||
	    cg_scope_unit(run, sc->unit, sizeof(sc->unit))) {
		backend_errf(err, "EINVAL", "local backend: no systemd scope for run '%s' here",
			     run ? run : "");
		return -EINVAL;
	}
	sc->keeper = keeper_spawn();
	if (sc->keeper < 0) {
		r = -errno;
		sc->keeper = 0;
		backend_errf(err, cg_errno_name(r), "local backend: fork: %s", strerror(-r));
		return r;
	}
	snprintf(desc, sizeof(desc), "isolab run %s: the cgroups of its VMs", run);
	r = sd()->start_scope(sc->unit, desc, sc->keeper, err);
	if (r < 0) {
		r = refused(err, sc, r);
		backend_err_usage(err); /* systemd's policy or a leftover: the host */
		goto out_close;
	}
	sc->started = true;
	r = wait_moved(sc->keeper, sc->unit, cg, sizeof(cg));
	if (r < 0) {
		backend_errf(err, "ETIMEDOUT",
			     "local backend: systemd accepted %s but did not move its process "
			     "into it within %d s (journalctl -b -u %s may say why)",
			     sc->unit, SCOPE_MOVE_MS / 1000, sc->unit);
		goto out_close;
	}
	if (snprintf(sc->dir, sizeof(sc->dir), "%s%s", s->hier[h].mount, cg) >=
		    (int)sizeof(sc->dir) ||
	    snprintf(leaf, sizeof(leaf), "%s/%s", sc->dir, CG_SCOPE_KEEPER) >= (int)sizeof(leaf)) {
		r = -ENAMETOOLONG;
		backend_errf(err, "ENAMETOOLONG", "local backend: cgroup path of %s too long",
			     sc->unit);
		goto out_close;
	}
	/* no internal processes: the keeper leaves the scope's own cgroup for a leaf */
	snprintf(pid, sizeof(pid), "%d", (int)sc->keeper);
	r = cg_mkdir(leaf, err);
	if (r == 0)
		r = cg_knob_write(leaf, "cgroup.procs", pid, err);
	if (r == 0)
		r = enable_ctrls(s, h, sc, err);
	if (r < 0)
		goto out_close;
	memcpy(s->hier[h].base, sc->dir, sizeof(s->hier[h].base));
	return 0;

out_close:
	(void)cg_scope_close(sc, NULL);
	return r;
}

static bool gone(const char *dir, int ms)
{
	for (int t = 0; t <= ms / 10; t++) {
		if (access(dir, F_OK) < 0 && errno == ENOENT)
			return true;
		(void)clock_sleep(10 * NSEC_PER_MSEC);
	}
	return false;
}

/* Stops unit and waits for dir to go; what systemd could not remove, we do. */
static int stop_scope(const char *unit, const char *dir, int *removed, struct backend_err *err)
{
	int r = sd()->stop_unit(unit, err);

	if (r == 0 && !dir[0])
		return 0;
	if (dir[0] && !gone(dir, r == 0 ? SCOPE_GONE_MS : 0)) {
		/* the empty keeper leaf and the scope itself, should systemd have left them */
		int rr = cg_remove_tree(dir, NULL);

		if (rr < 0 && r == 0) {
			r = rr;
			backend_errf(err, cg_errno_name(rr),
				     "local backend: %s stopped, but its cgroup %s stays: %s", unit,
				     dir, strerror(-rr));
		}
	}
	if (r == 0 && removed)
		(*removed)++;
	return r;
}

int cg_scope_close(struct cg_scope *sc, struct backend_err *err)
{
	int r = 0;

	if (sc->keeper > 0) {
		(void)kill(sc->keeper, SIGKILL);
		(void)waitpid(sc->keeper, NULL, 0);
		sc->keeper = 0;
	}
	if (sc->started) {
		r = stop_scope(sc->unit, sc->dir, NULL, err);
		if (r < 0)
			return r; /* still known: a second call tries again */
	}
	memset(sc, 0, sizeof(*sc));
	return 0;
}

struct found {
	char (*dirs)[CG_PATH_MAX];
	size_t n;
};

/* Scope directories isolab-<run>.scope (run NULL: any isolab-*.scope) below dir. */
static void find_scopes(const char *dir, const char *unit, int depth, struct found *f)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while (f->n < SCOPE_MAX && (de = readdir(d))) {
		char p[CG_PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >= (int)sizeof(p) ||
		    lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (cg_is_scope_name(de->d_name) && (!unit || strcmp(de->d_name, unit) == 0))
			memcpy(f->dirs[f->n++], p, sizeof(p));
		else if (depth < SCOPE_SCAN_DEPTH && strncmp(de->d_name, "isolab-", 7) != 0)
			find_scopes(p, unit, depth + 1, f);
	}
	closedir(d);
}

int cg_scope_cleanup(const struct cg_sys *s, const char *run, int *removed, struct backend_err *err)
{
	char unit[CG_NAME_MAX + 16];
	struct found f = { 0 };
	int h = v2_hier(s), ret = 0;

	if (h < 0 || s->place != CG_PLACE_SYSTEMD)
		return 0;
	if (run && cg_scope_unit(run, unit, sizeof(unit)) < 0) {
		backend_errf(err, "EINVAL", "local backend: run id '%s' is not a valid name", run);
		return -EINVAL;
	}
	f.dirs = calloc(SCOPE_MAX, sizeof(*f.dirs));
	if (!f.dirs) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	find_scopes(s->hier[h].mount, run ? unit : NULL, 0, &f);
	for (size_t i = 0; i < f.n; i++) {
		const char *name = strrchr(f.dirs[i], '/') + 1;
		int r = stop_scope(name, f.dirs[i], removed, err);

		if (r < 0 && ret == 0)
			ret = r;
	}
	free(f.dirs);
	return ret;
}
