/* SPDX-License-Identifier: MIT */
/*
 * Private to the local backend: the backend's state, shared by
 * backend-local.c (the ops), local-run.c (a run from prepare to cleanup),
 * local-make.c (one VM: provision, wait_ready, unprovision) and local-info.c
 * (notes, protection), in that order of layers.
 */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-scope.h"
#include "cgroup.h"
#include "local.h"

#define LOCAL_MAX_VMS	      250	 /* one /24 */
#define LOCAL_SUBNET	      "198.18.0" /* RFC 2544 benchmarking range */
#define LOCAL_PROBE_OOM_ADJ   "-500"
#define LOCAL_MAX_LIST	      4096
#define LOCAL_NS_MAX	      (2 * CG_NAME_MAX + 16)
#define LOCAL_OPT_CGROUP_ROOT "cgroup_root"	/* the option naming a test tree */
#define LOCAL_OPT_SHARE_CPU   "share_probe_cpu" /* the probe may share the VMs' CPUs */

struct local_vm {
	char name[CG_NAME_MAX + 1];
	enum backend_role role;
	struct cg_group g;
	int procs_fd[CG_MAX_HIER];
	int netns_fd;
	char ns_name[LOCAL_NS_MAX];
	char addr[16];
	struct backend_vm spec; /* what prepare() was asked for; spec.name is name */
	bool made;		/* provision() made its cgroups and namespace */
};

struct backend {
	struct cg_sys sys;
	bool fake_root; /* cgroup_root given: a test tree, so no namespaces */
	char run[CG_NAME_MAX + 1];
	bool prepared;
	pid_t owner; /* the process that prepared the run: only it tears down on close() */
	struct cg_group run_group;
	struct cg_scope scope;	    /* CG_PLACE_SYSTEMD: the run's delegated scope */
	struct cg_scope scope_used; /* what it was, for describe() after teardown */
	struct local_vm *vms;
	size_t n_vms;
	char sw_name[LOCAL_NS_MAX];
	char notes[1024];
	char protection[640];
	/*
	 * The probe's own CPU: with two or more CPUs, the probe VM runs on the last
	 * one the controller may use and every other VM on the rest, so that the
	 * measurement never competes with what it measures (set at prepare).
	 */
	bool share_cpu; /* share_probe_cpu = yes: no pinning */
	bool pinned;
	cpu_set_t probe_cpus, vm_cpus;
};

/* local-info.c */
void local_notes_add(struct backend *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "cpu.weight" or "cpu.shares" */
const char *local_cpu_knob(const struct backend *b);
/* The probe_protection sentence; probe = the probe VM's name or NULL before prepare(). */
void local_build_protection(struct backend *b, const char *probe);
/* local-run.c: closes the VMs' cgroup.procs and netns fds. */
void local_vm_close_fds(struct local_vm *v);
void local_close_fds(struct backend *b);
/* Removes what prepare() made, as far as it got; closes the VMs' fds. */
int local_teardown_run(struct backend *b, struct backend_err *err);

/* local-make.c */
/* The planned VM named vm (its name or namespace name), NULL when none. */
struct local_vm *local_find_vm(struct backend *b, const char *vm);
/*
 * Makes planned VM v: its cgroups with their limits, then its namespace linked to the
 * switch. m (may be NULL) notes each object in the journal before it is made. On failure
 * what exists of it stays for local_unmake_vm() (or the run's teardown).
 */
int local_make_vm(struct backend *b, struct local_vm *v, const struct backend_make *m,
		  struct backend_err *err);
/* Kills what runs in v, removes its cgroups and namespace. Gone already = done. */
int local_unmake_vm(struct backend *b, struct local_vm *v, struct backend_err *err);
/* backend_ops.provision, wait_ready, unprovision, unprovision_noted */
int backend_local_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
			    struct backend_err *err);
int backend_local_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns,
			     struct backend_err *err);
int backend_local_unprovision(struct backend *b, const char *id, struct backend_err *err);
int backend_local_unprovision_noted(const struct backend_config *cfg, const char *run_id,
				    const struct backend_kv *facts, size_t n,
				    struct backend_err *err);
/* local-run.c: backend_ops.prepare: checks and plans the VMs, makes the run's parent
 * group and switch namespace; each VM is made by provision(). */
int backend_local_plan(struct backend *b, const struct backend_vm *vms, size_t n,
		       struct backend_err *err);
