/* SPDX-License-Identifier: MIT */
/*
 * A run's delegated subtree on a pure cgroup v2 host run by systemd.
 *
 * systemd owns the root of the hierarchy and every slice below it; a program
 * that wants cgroups of its own asks for a unit with Delegate=yes and builds
 * inside that unit's cgroup. For run R the local backend
 *   1. forks a keeper: a child that only waits, and dies with the thread
 *      that forked it (PR_SET_PDEATHSIG), so that the scope has a process;
 *   2. asks systemd (sd-bus) for the transient scope isolab-R.scope holding
 *      the keeper, with Delegate=yes;
 *   3. moves the keeper into the leaf isolab-R.scope/keeper, since a cgroup
 *      that holds processes cannot enable controllers for its children
 *      ("no internal processes");
 *   4. checks that systemd delegated cpu, memory, io and pids (those the
 *      run uses) and enables them in the scope's cgroup.subtree_control;
 *   5. builds the run in it: isolab-R.scope/isolab-R/isolab-R-<vm>.
 * The controller itself stays in the cgroup it was started in.
 *
 * Teardown kills the keeper and asks systemd to stop the scope, which
 * removes its cgroup. After a crash the keeper is gone with the controller;
 * cleanup removes the run's groups and then stops the scope by name.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cgroup.h"

struct backend_err;

#define CG_SCOPE_KEEPER "keeper" /* the keeper's leaf inside the scope */

/* What the backend asks of systemd; a fake in unit tests (cg_test_hooks.systemd). */
struct cg_systemd_ops {
	/* a transient scope named unit holding pid, Delegate=yes */
	int (*start_scope)(const char *unit, const char *description, pid_t pid,
			   struct backend_err *err);
	/* stops unit; 0 too when there is no such unit */
	int (*stop_unit)(const char *unit, struct backend_err *err);
	/* pid's cgroup in the v2 hierarchy ("/system.slice/x.scope"); -ENOENT when unknown */
	int (*pid_cgroup)(pid_t pid, char *buf, size_t len);
};

struct cg_scope {
	char unit[CG_NAME_MAX + 16]; /* isolab-<run>.scope */
	char dir[CG_PATH_MAX];	     /* its cgroup, "" until systemd made it */
	pid_t keeper;		     /* 0 when none */
	bool started;		     /* systemd accepted it: ours to stop (never another run's) */
};

/* "isolab-<run>.scope". -EINVAL for an invalid run id. */
int cg_scope_unit(const char *run, char *buf, size_t len);

/*
 * Steps 1-4 above, on s's v2 hierarchy (s->place must be CG_PLACE_SYSTEMD); on success the
 * hierarchy's base is the scope's cgroup, so cg_run_group() places the run inside it. On
 * failure everything made is undone and err says what to do (-EEXIST: a leftover scope).
 */
int cg_scope_open(struct cg_sys *s, const char *run, struct cg_scope *sc, struct backend_err *err);

/* Kills the keeper, stops the scope and waits until its cgroup is gone. Idempotent. */
int cg_scope_close(struct cg_scope *sc, struct backend_err *err);

/*
 * After a crash, by name: stops isolab-<run>.scope (every isolab-*.scope when run is NULL)
 * wherever it sits in s's v2 hierarchy and waits until its cgroup is gone. *removed grows
 * by the number of scopes removed. Call it after the run's groups are removed.
 */
int cg_scope_cleanup(const struct cg_sys *s, const char *run, int *removed,
		     struct backend_err *err);
