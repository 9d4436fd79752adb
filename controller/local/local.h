/* SPDX-License-Identifier: MIT */
/*
 * The local backend's extras beyond struct backend_ops: each "VM" is a set
 * of cgroups (v2, or one per v1 controller) named isolab-<run>-<vm> plus a
 * network namespace of the same name, all VMs joined through veth pairs to
 * one bridge that lives in a switch namespace isolab-<run>-sw (nothing is
 * added to the host's own network namespace). The local executor uses
 * backend_local_enter() (backend_ops.enter) in a forked child to place a tool
 * inside a VM. prepare (the plan), provision / wait_ready / unprovision (one
 * VM), enter, vm_addr, teardown, cleanup and the probe protection are
 * backend_local_ops' lifecycle members too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/*
 * Creates every VM's cgroups and namespace and the links between them, for
 * the run id given in backend_config.run_id: backend_ops.prepare (the plan and
 * the run's parent group and switch) followed by every VM's provision, without
 * a journal. On failure, what was created is removed again. Safe to call once
 * per backend. With backend_config.cgroup_root set (a test tree) no network
 * namespaces are made and vm_addr() is NULL. `isolab run` goes through the ops
 * instead, so that the journal names each VM's objects before they exist.
 */
int backend_local_prepare(struct backend *b, const struct backend_vm *vms, size_t n,
			  struct backend_err *err);

/*
 * In a forked child, before exec: joins the VM's cgroups and network
 * namespace. Uses only what prepare() opened; returns 0 or -errno.
 */
int backend_local_enter(struct backend *b, const char *vm);

/* The VM's IPv4 address inside the run's virtual network ("198.18.x.y"), NULL if unknown. */
const char *backend_local_vm_addr(struct backend *b, const char *vm);

/* Removes everything prepare() created: kills processes still in the VMs' cgroups, removes
 * cgroups and namespaces. Idempotent. */
int backend_local_teardown(struct backend *b, struct backend_err *err);

/*
 * After a crash: removes every leftover of run run_id (or of every isolab run when run_id is
 * NULL) — processes left in its cgroups, cgroups, namespaces. Found by name, so it works
 * without the dead run's memory. Returns how many objects were removed, or -errno.
 */
int backend_local_cleanup_run(const char *run_id, const char *cgroup_root, struct backend_err *err);
/* backend_ops.cleanup_run: the same, with the cgroup root from cfg's cgroup_root option. */
int backend_local_cleanup_cfg(const struct backend_config *cfg, const char *run_id,
			      struct backend_err *err);

/*
 * Like backend_ops.sched_get, and says whether the values are exact: false when the cgroup
 * holds a value (set outside isolab) that no Xen weight/cap maps onto exactly, so that
 * setting the returned values again would not restore it bit for bit.
 */
int backend_local_sched_get_exact(struct backend *b, const char *vm, struct sched_params *out,
				  bool *exact, struct backend_err *err);

/* A one-line description of how the probe VM is protected, for the manifest and report. */
const char *backend_local_probe_protection(struct backend *b);
