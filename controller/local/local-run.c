// SPDX-License-Identifier: MIT
/*
 * A local run: prepare() checks and plans its VMs and makes the run's parent
 * group and switch namespace (each VM is then made by provision(),
 * local-make.c), enter() puts a forked child inside a VM, teardown() and
 * cleanup_run() remove what is left (the latter by name, for a run that
 * crashed).
 */
#include "local-priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-knob.h"
#include "netns.h"

void local_close_fds(struct backend *b)
{
	for (size_t i = 0; i < b->n_vms; i++)
		local_vm_close_fds(&b->vms[i]);
}

/* The run's scope last: systemd kills whatever the removal above could not. */
static int close_scope(struct backend *b, struct backend_err *err)
{
	struct cg_sys *s = &b->sys;
	int r;

	if (!b->scope.unit[0])
		return 0;
	r = cg_scope_close(&b->scope, err);
	if (r < 0)
		return r;
	for (size_t h = 0; h < s->n_hier; h++)
		if (s->hier[h].version == 2)
			memcpy(s->hier[h].base, s->hier[h].mount, sizeof(s->hier[h].base));
	return 0;
}

int local_teardown_run(struct backend *b, struct backend_err *err)
{
	int ret = 0, r;

	local_close_fds(b);
	for (size_t h = 0; h < b->sys.n_hier; h++) {
		if (!b->run_group.dir[h][0])
			continue;
		r = cg_remove_tree(b->run_group.dir[h], NULL);
		if (r < 0 && ret == 0) {
			ret = r;
			backend_errf(err, cg_errno_name(r), "local backend: cannot remove %s: %s",
				     b->run_group.dir[h], strerror(-r));
		}
	}
	r = close_scope(b, ret < 0 ? NULL : err);
	if (r < 0 && ret == 0)
		ret = r;
	if (!b->fake_root) {
		for (size_t i = 0; i < b->n_vms; i++) {
			r = netns_del(b->vms[i].ns_name);
			if (r < 0 && ret == 0) {
				ret = r;
				backend_errf(err, cg_errno_name(r),
					     "local backend: cannot delete netns %s: %s",
					     b->vms[i].ns_name, strerror(-r));
			}
		}
		if (b->sw_name[0]) {
			r = netns_del(b->sw_name);
			if (r < 0 && ret == 0) {
				ret = r;
				backend_errf(err, cg_errno_name(r),
					     "local backend: cannot delete netns %s: %s",
					     b->sw_name, strerror(-r));
			}
		}
	}
	return ret;
}

static int check_specs(const struct backend_vm *vms, size_t n, struct backend_err *err)
{
	if (n == 0 || n > LOCAL_MAX_VMS) {
		backend_errf(err, "EINVAL", "local backend: %zu VMs (1-%d allowed)", n,
			     LOCAL_MAX_VMS);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct backend_vm *v = &vms[i];

		if (!cg_name_valid(v->name) || strncmp(v->name, "isolab-", 7) == 0 ||
		    strcmp(v->name, "sw") == 0) {
			backend_errf(err, "EINVAL",
				     "local backend: VM name '%s' must be 1-%d "
				     "characters [A-Za-z0-9_.-], not 'sw' nor isolab-*",
				     v->name ? v->name : "", CG_NAME_MAX);
			return -EINVAL;
		}
		if (v->role != BACKEND_ROLE_VICTIM && v->role != BACKEND_ROLE_NEIGHBOR &&
		    v->role != BACKEND_ROLE_PROBE) {
			backend_errf(err, "EINVAL", "local backend: VM '%s' has no valid role",
				     v->name);
			return -EINVAL;
		}
		if (v->cpu_max_pct > XEN_CAP_MAX || v->io_weight < 0 ||
		    v->io_weight > XEN_WEIGHT_MAX) {
			backend_errf(err, "ERANGE",
				     "local backend: VM '%s': cpu_max_pct 0-%d and "
				     "io_weight 0-%d",
				     v->name, XEN_CAP_MAX, XEN_WEIGHT_MAX);
			return -ERANGE;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(vms[j].name, v->name) == 0) {
				backend_errf(err, "EINVAL", "local backend: VM '%s' given twice",
					     v->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int check_leftovers(struct backend *b, const struct backend_vm *vms, size_t n,
			   struct backend_err *err)
{
	const char *found = NULL;
	char ns[LOCAL_NS_MAX];

	for (size_t h = 0; h < b->sys.n_hier && !found; h++)
		if (access(b->run_group.dir[h], F_OK) == 0)
			found = b->run_group.dir[h];
	if (!b->fake_root && !found && netns_exists(b->sw_name))
		found = b->sw_name; /* a namespace: `ip netns list` shows it */
	for (size_t i = 0; i < n && !b->fake_root && !found; i++) {
		snprintf(ns, sizeof(ns), "isolab-%s-%s", b->run, vms[i].name);
		if (netns_exists(ns))
			found = ns;
	}
	if (found) {
		backend_errf(err, "EEXIST",
			     "local backend: run %s exists already (%s): "
			     "`isolab restore` removes its leftovers",
			     b->run, found);
		return -EEXIST;
	}
	return 0;
}

/*
 * v2 without systemd: the root must enable what the run needs for its children. isolab does
 * not change the host's root; it says how. A container's root (a child group of the host)
 * that holds processes cannot enable anything: the kernel's "no internal processes" rule.
 */
static int check_delegation(const struct backend *b, const struct backend_vm *vms, size_t n,
			    struct backend_err *err)
{
	const struct cg_sys *s = &b->sys;
	unsigned need = 1u << CG_CPU;
	char names[64] = "", plus[64] = "";
	size_t nl = 0, pl = 0;
	char *procs;

	for (size_t i = 0; i < n; i++) {
		if (vms[i].memory_max)
			need |= 1u << CG_MEMORY;
		if (vms[i].pids_max)
			need |= 1u << CG_PIDS;
	}
	need &= s->place == CG_PLACE_DIRECT ? s->undelegated : 0;
	if (!need)
		return 0;
	for (int c = 0; c < CG_NR_CTRL; c++) {
		if (!(need & (1u << c)))
			continue;
		nl += (size_t)snprintf(names + nl, sizeof(names) - nl, "%s%s", nl ? " " : "",
				       cg_ctrl_name(s, c));
		pl += (size_t)snprintf(plus + pl, sizeof(plus) - pl, "%s+%s", pl ? " " : "",
				       cg_ctrl_name(s, c));
	}
	procs = cg_knob_read(s->hier[0].mount, "cgroup.procs");
	if (s->ns_root && procs && procs[0])
		backend_errf(err, "ENOTSUP",
			     "local backend: controllers not delegated: %s does not enable %s for "
			     "child groups and, holding processes, cannot (no internal processes): "
			     "move its processes into a child group (mkdir %s/init; echo each PID "
			     "of its cgroup.procs into init/cgroup.procs), then echo '%s' > "
			     "%s/cgroup.subtree_control",
			     s->hier[0].mount, names, s->hier[0].mount, plus, s->hier[0].mount);
	else
		backend_errf(err, "ENOTSUP",
			     "local backend: controllers not delegated: %s does not enable %s for "
			     "child groups and isolab does not change the host's root: echo '%s' "
			     "> %s/cgroup.subtree_control",
			     s->hier[0].mount, names, plus, s->hier[0].mount);
	free(procs);
	return -ENOTSUP;
}

/* Under systemd, the run's groups go into a scope of their own: the run parent moves there. */
static int open_scope(struct backend *b, struct backend_err *err)
{
	int r;

	if (b->sys.place != CG_PLACE_SYSTEMD)
		return 0;
	r = cg_scope_open(&b->sys, b->run, &b->scope, err);
	if (r < 0)
		return r;
	b->scope_used = b->scope;
	b->scope_used.keeper = 0;
	r = cg_run_group(&b->sys, b->run, &b->run_group);
	if (r == -ENAMETOOLONG)
		backend_errf(err, "ENAMETOOLONG", "local backend: cgroup path too long");
	return r;
}

/*
 * The probe's own CPU. On a host where the probe shares the CPUs of the VMs it
 * measures, where the scheduler happens to place it against the victim moves the
 * victim's throughput by 2-5x from one second to the next: the calibration and
 * every phase would measure that lottery. With two or more CPUs the probe VM gets
 * the last CPU this process may use and the other VMs the rest, as a load
 * generator on its own cores does (share_probe_cpu = yes turns it off).
 */
static void plan_cpus(struct backend *b, bool has_probe)
{
	cpu_set_t allowed;
	int last = -1;

	b->pinned = false;
	if (b->share_cpu || !has_probe || b->n_vms < 2 ||
	    sched_getaffinity(0, sizeof(allowed), &allowed) < 0 || CPU_COUNT(&allowed) < 2)
		return;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &allowed))
			last = c;
	CPU_ZERO(&b->probe_cpus);
	CPU_SET(last, &b->probe_cpus);
	b->vm_cpus = allowed;
	CPU_CLR(last, &b->vm_cpus);
	b->pinned = true;
}

int backend_local_plan(struct backend *b, const struct backend_vm *vms, size_t n,
		       struct backend_err *err)
{
	const char *probe = NULL;
	int r;

	if (!b || (!vms && n)) {
		backend_errf(err, "EINVAL", "local backend: prepare without a backend");
		return -EINVAL;
	}
	if (!b->run[0]) {
		backend_errf(err, "EINVAL", "local backend: prepare needs a run id");
		return -EINVAL;
	}
	if (b->prepared) {
		backend_errf(err, "EALREADY", "local backend: run %s is prepared already", b->run);
		return -EALREADY;
	}
	r = check_specs(vms, n, err);
	if (r == 0)
		r = check_delegation(b, vms, n, err);
	if (r < 0) {
		backend_err_usage(err); /* the scenario or the host: say what to do, exit 2 */
		return r;
	}
	r = cg_run_group(&b->sys, b->run, &b->run_group);
	if (r < 0) {
		backend_errf(err, cg_errno_name(r), "local backend: cgroup path too long");
		return r;
	}
	snprintf(b->sw_name, sizeof(b->sw_name), "isolab-%s-sw", b->run);
	r = check_leftovers(b, vms, n, err);
	if (r < 0) {
		backend_err_usage(err); /* `isolab restore` first */
		goto out_forget;
	}
	b->vms = calloc(n, sizeof(*b->vms));
	if (!b->vms) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		r = -ENOMEM;
		goto out_forget;
	}
	b->n_vms = n;
	for (size_t i = 0; i < n; i++) {
		struct local_vm *v = &b->vms[i];

		snprintf(v->name, sizeof(v->name), "%s", vms[i].name);
		v->role = vms[i].role;
		v->spec = vms[i];
		v->spec.name = v->name;
		snprintf(v->ns_name, sizeof(v->ns_name), "isolab-%s-%s", b->run, v->name);
		snprintf(v->addr, sizeof(v->addr), "%s.%zu", LOCAL_SUBNET, i + 1);
		v->netns_fd = -1;
		for (size_t h = 0; h < CG_MAX_HIER; h++)
			v->procs_fd[h] = -1;
		if (v->role == BACKEND_ROLE_PROBE && !probe)
			probe = v->name;
	}
	plan_cpus(b, probe != NULL); /* before the groups: it decides the probe's weight */
	b->prepared = true;	     /* from here on, a failure tears down what exists */
	b->owner = getpid();
	r = open_scope(b, err);
	if (r == 0)
		r = cg_create_run(&b->sys, &b->run_group, err);
	/* the VMs' groups are inside the run's, which the scope may have moved */
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = cg_vm_group(&b->sys, b->run, b->vms[i].name, &b->vms[i].g);
		if (r < 0)
			backend_errf(err, cg_errno_name(r),
				     "local backend: VM '%s': cgroup path too long",
				     b->vms[i].name);
	}
	if (r == 0 && !b->fake_root)
		r = netns_switch_add(b->sw_name, err);
	if (r < 0)
		goto out_teardown;
	local_build_protection(b, probe);
	return 0;

out_teardown:
	(void)local_teardown_run(b, NULL);
	b->prepared = false;
	free(b->vms);
	b->vms = NULL;
	b->n_vms = 0;
out_forget:
	memset(&b->run_group, 0, sizeof(b->run_group));
	b->sw_name[0] = '\0';
	return r;
}

int backend_local_prepare(struct backend *b, const struct backend_vm *vms, size_t n,
			  struct backend_err *err)
{
	int r = backend_local_plan(b, vms, n, err);

	if (r < 0)
		return r; /* nothing of this call's exists */
	for (size_t i = 0; r == 0 && i < n; i++)
		r = local_make_vm(b, &b->vms[i], NULL, err);
	if (r < 0) {
		(void)local_teardown_run(b, NULL);
		b->prepared = false;
		free(b->vms);
		b->vms = NULL;
		b->n_vms = 0;
		memset(&b->run_group, 0, sizeof(b->run_group));
		b->sw_name[0] = '\0';
	}
	return r;
}

int backend_local_enter(struct backend *b, const char *vm)
{
	struct local_vm *v;
	int r, fd;

	if (!b || !vm)
		return -EINVAL;
	v = local_find_vm(b, vm);
	if (!v || !v->made || !b->prepared)
		return -ENOENT;
	/* cgroups first, so that anything the tool forks is born inside them */
	r = cg_enter_fds(v->procs_fd);
	if (r < 0)
		return r;
	if (v->netns_fd >= 0 && setns(v->netns_fd, CLONE_NEWNET) < 0)
		return -errno;
	if (b->pinned) {
		const cpu_set_t *set = v->role == BACKEND_ROLE_PROBE ? &b->probe_cpus : &b->vm_cpus;

		if (sched_setaffinity(0, sizeof(*set), set) < 0)
			return -errno;
	}
	if (v->role == BACKEND_ROLE_PROBE) {
		fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			/* best effort: the probe stays protected by its weight without it */
			ssize_t n = write(fd, LOCAL_PROBE_OOM_ADJ, sizeof(LOCAL_PROBE_OOM_ADJ) - 1);

			(void)n;
			close(fd);
		}
	}
	return 0;
}

const char *backend_local_vm_addr(struct backend *b, const char *vm)
{
	struct local_vm *v = b && !b->fake_root && b->prepared ? local_find_vm(b, vm) : NULL;

	return v && v->made ? v->addr : NULL;
}

int backend_local_teardown(struct backend *b, struct backend_err *err)
{
	int r;

	if (!b || !b->prepared)
		return 0;
	r = local_teardown_run(b, err);
	if (r < 0)
		return r; /* still prepared: a second call tries again */
	b->prepared = false;
	return 0;
}

struct collect_ctx {
	char (*dirs)[CG_PATH_MAX];
	size_t n, cap;
};

static int collect_run(const char *dir, const char *run_name, void *arg)
{
	struct collect_ctx *c = arg;

	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 8;
		char(*nd)[CG_PATH_MAX];

		if (ncap > LOCAL_MAX_LIST)
			return -E2BIG;
		nd = realloc(c->dirs, ncap * sizeof(*nd));
		if (!nd)
			return -ENOMEM;
		c->dirs = nd;
		c->cap = ncap;
	}
	snprintf(c->dirs[c->n++], CG_PATH_MAX, "%s", dir);
	return 0;
}

int backend_local_cleanup_run(const char *run_id, const char *cgroup_root, struct backend_err *err)
{
	struct cg_sys *s;
	int removed = 0, ret = 0, r;

	if (run_id && !cg_name_valid(run_id)) {
		backend_errf(err, "EINVAL", "local backend: run id '%s' is not a valid name",
			     run_id);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		backend_errf(err, "ENOMEM", "local backend: out of memory");
		return -ENOMEM;
	}
	r = cg_detect(cgroup_root, s);
	for (size_t h = 0; r == 0 && h < s->n_hier; h++) {
		struct collect_ctx c = { 0 };
		int sr = cg_scan_runs(s, h, run_id, collect_run, &c);

		/* collect first, remove after: no directory vanishes under the scan */
		for (size_t i = 0; i < c.n; i++) {
			int rr = cg_remove_tree(c.dirs[i], &removed);

			if (rr < 0 && ret == 0) {
				ret = rr;
				backend_errf(err, cg_errno_name(rr),
					     "local backend: cannot remove %s: %s", c.dirs[i],
					     strerror(-rr));
			}
		}
		free(c.dirs);
		if (sr < 0 && ret == 0) {
			ret = sr;
			backend_errf(err, cg_errno_name(sr),
				     "local backend: scanning %s failed: %s", s->hier[h].mount,
				     strerror(-sr));
		}
	}
	/* the scopes last: they hold what was just removed */
	if (r == 0) {
		int sr = cg_scope_cleanup(s, run_id, &removed, ret < 0 ? NULL : err);

		if (sr < 0 && ret == 0)
			ret = sr;
	}
	free(s);
	if (!cgroup_root) {
		char prefix[CG_NAME_MAX + 16];

		snprintf(prefix, sizeof(prefix), "isolab-%s%s", run_id ? run_id : "",
			 run_id ? "-" : "");
		r = netns_remove_prefix(prefix, &removed);
		if (r < 0 && ret == 0) {
			ret = r;
			backend_errf(err, cg_errno_name(r),
				     "local backend: removing namespaces %s* "
				     "failed: %s",
				     prefix, strerror(-r));
		}
	}
	return ret < 0 ? ret : removed;
}

int backend_local_cleanup_cfg(const struct backend_config *cfg, const char *run_id,
			      struct backend_err *err)
{
	return backend_local_cleanup_run(run_id, backend_cfg_get(cfg, LOCAL_OPT_CGROUP_ROOT), err);
}
