/* SPDX-License-Identifier: MIT */
/*
 * Private to the local backend: the backend's state, shared by
 * backend-local.c (the ops), local-run.c (a run's VMs from prepare to
 * cleanup) and local-info.c (notes, protection), in that order of layers.
 */
#pragma once

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
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
void local_close_fds(struct backend *b);
/* Removes what prepare() made, as far as it got; closes the VMs' fds. */
int local_teardown_run(struct backend *b, struct backend_err *err);
