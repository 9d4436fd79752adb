// SPDX-License-Identifier: MIT
/*
 * One local VM's lifecycle, the same ops the Xen backends make their VMs
 * with: provision() makes its cgroups (with their limits) and its network
 * namespace linked to the run's switch, journalling each object before it is
 * made; wait_ready() checks it can be entered; unprovision() kills what runs
 * in it and removes it; unprovision_noted() does the same after a crash from
 * the journal's facts, for objects that carry the dead run's tag only.
 */
#include "local-priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-knob.h"
#include "netns.h"

struct local_vm *local_find_vm(struct backend *b, const char *vm)
{
	for (size_t i = 0; b && vm && i < b->n_vms; i++)
		if (strcmp(b->vms[i].name, vm) == 0 || strcmp(b->vms[i].ns_name, vm) == 0)
			return &b->vms[i];
	return NULL;
}

static int note(const struct backend_make *m, const char *key, const char *value,
		struct backend_err *err)
{
	int r = m && m->note ? m->note(m->note_arg, m->name, key, value) : 0;

	if (r < 0)
		backend_errf(err, "EIO", "local backend: cannot journal %s %s: %s", key, value,
			     strerror(-r));
	return r;
}

/* Its limits and priorities: what prepare() was asked for. */
static int set_knobs(struct backend *b, struct local_vm *v, struct backend_err *err)
{
	const struct cg_sys *s = &b->sys;
	const struct backend_vm *spec = &v->spec;
	struct backend_err io_err;
	int r;

	/*
	 * A probe sharing the VMs' CPUs needs the top weight to win them. A pinned one
	 * has its CPU to itself and keeps a default VM's weight: the kernel spreads the
	 * run parent's weight over the CPUs by its children's weights there, so the top
	 * weight on the probe's CPU would leave the VMs' CPUs a sliver of it (1024 *
	 * 2048 / 264188 = 8 on v1 in the cpu phase), and any other process there,
	 * even at nice 19, would take most of the victim's CPU.
	 */
	if (v->role == BACKEND_ROLE_PROBE && cg_has(s, CG_CPU) && !b->pinned) {
		r = cg_set_cpu_weight(s, &v->g, XEN_WEIGHT_MAX, err);
		if (r < 0)
			return r;
	}
	/* io weight is a priority, not a safety bound: without it the run goes on, noted */
	if (v->role == BACKEND_ROLE_PROBE || spec->io_weight > 0) {
		int iw = v->role == BACKEND_ROLE_PROBE ? XEN_WEIGHT_MAX : spec->io_weight;

		if (cg_has(s, CG_IO) && s->io_knob[0] &&
		    cg_set_io_weight(s, &v->g, iw, &io_err) < 0)
			local_notes_add(b, "io weight of VM %s not set: %s", v->name, io_err.msg);
		else if (!cg_has(s, CG_IO) && v->role != BACKEND_ROLE_PROBE)
			local_notes_add(b, "io weight of VM %s not set: no io controller", v->name);
	}
	/* memory and pids limits bound the bombs: without them, refuse to run */
	if (spec->memory_max) {
		r = cg_set_memory_max(s, &v->g, spec->memory_max, err);
		if (r < 0)
			return r;
	}
	if (spec->pids_max) {
		r = cg_set_pids_max(s, &v->g, spec->pids_max, err);
		if (r < 0)
			return r;
	}
	if (spec->cpu_max_pct) {
		r = cg_set_cap(s, &v->g, (int)spec->cpu_max_pct, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int local_make_vm(struct backend *b, struct local_vm *v, const struct backend_make *m,
		  struct backend_err *err)
{
	const struct cg_sys *s = &b->sys;
	char cidr[24];
	int r;

	for (size_t h = 0; h < s->n_hier; h++) {
		r = note(m, "cgroup", v->g.dir[h], err);
		if (r < 0)
			return r;
	}
	v->made = true; /* from here on, unmake looks for what exists */
	r = cg_create_vm(s, &v->g, err);
	if (r == 0)
		r = set_knobs(b, v, err);
	if (r < 0)
		return r;
	r = cg_open_procs(s, &v->g, v->procs_fd);
	if (r < 0) {
		backend_errf(err, cg_errno_name(r),
			     "local backend: VM '%s': cannot open cgroup.procs: %s", v->name,
			     strerror(-r));
		return r;
	}
	if (b->fake_root)
		return 0; /* a test tree: no namespaces */
	r = note(m, "netns", v->ns_name, err);
	if (r < 0)
		return r;
	snprintf(cidr, sizeof(cidr), "%s/24", v->addr);
	r = netns_attach(b->sw_name, v->ns_name, (size_t)(v - b->vms), cidr, err);
	if (r < 0)
		return r;
	v->netns_fd = netns_open(v->ns_name);
	if (v->netns_fd < 0) {
		r = v->netns_fd;
		backend_errf(err, cg_errno_name(r), "local backend: cannot open netns %s: %s",
			     v->ns_name, strerror(-r));
	}
	return r;
}

/* Closes the VM's cgroup.procs and namespace descriptors; its objects stay. */
void local_vm_close_fds(struct local_vm *v)
{
	for (size_t h = 0; h < CG_MAX_HIER; h++)
		if (v->procs_fd[h] >= 0) {
			close(v->procs_fd[h]);
			v->procs_fd[h] = -1;
		}
	if (v->netns_fd >= 0) {
		close(v->netns_fd);
		v->netns_fd = -1;
	}
}

int local_unmake_vm(struct backend *b, struct local_vm *v, struct backend_err *err)
{
	int ret = 0, r;

	local_vm_close_fds(v);
	for (size_t h = 0; h < b->sys.n_hier; h++) {
		r = v->g.dir[h][0] ? cg_remove_tree(v->g.dir[h], NULL) : 0;
		if (r < 0 && ret == 0) {
			ret = r;
			backend_errf(err, cg_errno_name(r), "local backend: cannot remove %s: %s",
				     v->g.dir[h], strerror(-r));
		}
	}
	r = b->fake_root ? 0 : netns_del(v->ns_name);
	if (r < 0 && ret == 0) {
		ret = r;
		backend_errf(err, cg_errno_name(r), "local backend: cannot delete netns %s: %s",
			     v->ns_name, strerror(-r));
	}
	if (ret == 0)
		v->made = false;
	return ret;
}

int backend_local_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
			    struct backend_err *err)
{
	const char *want = m ? (m->ident ? m->ident : m->name) : NULL;
	struct local_vm *v = b && b->prepared ? local_find_vm(b, want) : NULL;
	int r;

	if (!v) {
		backend_errf(err, "ENOENT", "local backend: VM '%s' is not one prepare() planned",
			     want ? want : "");
		return -ENOENT;
	}
	if (v->made) {
		backend_errf(err, "EALREADY", "local backend: VM '%s' is made already", v->name);
		return -EALREADY;
	}
	if (snprintf(id, len, "%s", v->name) >= (int)len) {
		backend_errf(err, "ENAMETOOLONG", "local backend: VM name too long");
		return -ENAMETOOLONG;
	}
	r = note(m, "name", v->name, err);
	return r < 0 ? r : local_make_vm(b, v, m, err);
}

int backend_local_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns,
			     struct backend_err *err)
{
	struct local_vm *v = local_find_vm(b, id);

	(void)deadline_ns; /* made ready by provision(): nothing boots */
	if (!v || !v->made || v->procs_fd[0] < 0 || (!b->fake_root && v->netns_fd < 0)) {
		backend_errf(err, "ENOENT", "local backend: VM '%s' was not made", id);
		return -ENOENT;
	}
	return 0;
}

int backend_local_unprovision(struct backend *b, const char *id, struct backend_err *err)
{
	struct local_vm *v = local_find_vm(b, id);

	return v ? local_unmake_vm(b, v, err) : 0;
}

/* A cgroup directory of run run_id's: .../isolab-RUN/isolab-RUN-VM, nothing else. */
static bool tagged_cgroup(const char *dir, const char *run_id)
{
	const char *leaf = strrchr(dir, '/'), *parent;
	size_t n = strlen(run_id);

	if (dir[0] != '/' || !leaf || strstr(dir, "/../") || strstr(dir, "/./"))
		return false;
	for (parent = leaf; parent > dir && parent[-1] != '/';)
		parent--;
	return strncmp(leaf + 1, "isolab-", 7) == 0 && strncmp(leaf + 8, run_id, n) == 0 &&
	       leaf[8 + n] == '-' && leaf[9 + n] && parent > dir &&
	       (size_t)(leaf - parent) == 7 + n && strncmp(parent, "isolab-", 7) == 0 &&
	       strncmp(parent + 7, run_id, n) == 0;
}

static bool tagged_netns(const char *name, const char *run_id)
{
	size_t n = strlen(run_id);

	return strncmp(name, "isolab-", 7) == 0 && strncmp(name + 7, run_id, n) == 0 &&
	       name[7 + n] == '-' && name[8 + n] && !strchr(name, '/');
}

int backend_local_unprovision_noted(const struct backend_config *cfg, const char *run_id,
				    const struct backend_kv *facts, size_t n,
				    struct backend_err *err)
{
	int ret = 0, r;

	(void)cfg; /* the facts are absolute paths and names */
	if (!run_id || !cg_name_valid(run_id)) {
		backend_errf(err, "EINVAL", "local backend: run id '%s' is not a valid name",
			     run_id ? run_id : "");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		const char *k = facts[i].key, *val = facts[i].value;
		bool cg = strcmp(k, "cgroup") == 0, ns = strcmp(k, "netns") == 0;

		if (!cg && !ns)
			continue;
		if (cg ? !tagged_cgroup(val, run_id) : !tagged_netns(val, run_id)) {
			backend_errf(err, "EPERM",
				     "local backend: %s '%s' is not run %s's: left alone", k, val,
				     run_id);
			ret = ret ? ret : -EPERM;
			continue;
		}
		r = cg ? cg_remove_tree(val, NULL) : netns_del(val);
		if (r < 0 && ret == 0) {
			ret = r;
			backend_errf(err, cg_errno_name(r),
				     "local backend: cannot remove %s %s: %s", k, val,
				     strerror(-r));
		}
	}
	return ret;
}
