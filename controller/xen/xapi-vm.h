/* SPDX-License-Identifier: MIT */
/*
 * XenAPI calls that make and unmake VMs from a template, and read the pool's
 * hosts: the client half of provisioning. Each function is one XenAPI method
 * (or a short fixed sequence of read calls), with xapi's method names and
 * argument orders (ocaml/idl/datamodel_vm.ml):
 *
 *   VM.clone(vm, new_name) / VM.copy(vm, new_name, sr) -> VM
 *   VM.provision(vm); VM.set_is_a_template(self, bool)
 *   VM.add_to_other_config(self, key, value); VM.set_affinity(self, host)
 *   VM.assert_can_boot_here(self, host)
 *   VM.start(vm, start_paused, force) / VM.start_on(vm, host, start_paused, force)
 *   VM.get_guest_metrics(self) + VM_guest_metrics.get_networks(self)
 *   VM.hard_shutdown(vm); VDI.destroy(self); VM.destroy(self)
 *
 * Every function returns 0 or a negative errno with err filled; a XenAPI
 * failure is -EREMOTEIO with the XenAPI code in err->code (VM_BAD_POWER_STATE,
 * HANDLE_INVALID, HOST_NOT_ENOUGH_FREE_MEMORY, VM_REQUIRES_SR, ...), an answer
 * of the wrong shape is -EBADMSG with code BAD_RESPONSE. Output parameters
 * are written only on success; strings and arrays they return are malloc'd
 * and the caller frees them with the matching _done/_free function.
 *
 * Non-idempotent calls (clone, copy, start) are retried by the session after
 * a connection error like any other, so a lost answer can leave a second
 * clone: callers name clones uniquely and find them by name afterwards.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct backend_err;
struct xapi_session;

#define XAPI_NULL_REF "OpaqueRef:NULL"

/* A list of OpaqueRefs (or other strings). */
struct xapi_refs {
	char **v;
	size_t n;
};

void xapi_refs_done(struct xapi_refs *r);

/* 8-4-4-4-12 hex digits: a name is looked up as a UUID first. */
bool xapi_looks_like_uuid(const char *s);

/* What provisioning needs to know of one VM or template (VM.get_record). */
struct xapi_vm_rec {
	char *ref;
	char *name;
	char *uuid;
	char *power_state; /* "Halted", "Running", ... */
	char *resident_on; /* host ref, XAPI_NULL_REF when not running */
	char *tag;	   /* other_config[XAPI_TAG_KEY], NULL when absent */
	bool is_a_template;
	bool is_a_snapshot;
	bool is_control_domain;
	uint64_t memory_static_max; /* bytes, 0 unknown */
	int vcpus;		    /* VCPUs_at_startup, -1 unknown */
};

/* The other_config key that marks a VM as made by an isolab run; its value is the run id. */
#define XAPI_TAG_KEY "isolab_run"

void xapi_vm_rec_done(struct xapi_vm_rec *r);

/* VM.get_record of ref. */
int xapi_vm_get(struct xapi_session *s, const char *ref, struct xapi_vm_rec *out,
		struct backend_err *err);

/*
 * The template called name (a name-label or a UUID): -ENOENT (code
 * NO_TEMPLATE) when none, -ENOTUNIQ (code AMBIGUOUS) when several templates
 * share the name-label. Snapshots do not count as templates.
 */
int xapi_template_find(struct xapi_session *s, const char *name, struct xapi_vm_rec *out,
		       struct backend_err *err);

/* The VMs whose name-label is name (VM.get_by_name_label), possibly none. */
int xapi_vm_find_by_name(struct xapi_session *s, const char *name, struct xapi_refs *out,
			 struct backend_err *err);

/* The SR called name (name-label or UUID); -ENOENT (NO_SR) or -ENOTUNIQ (AMBIGUOUS). */
int xapi_sr_find(struct xapi_session *s, const char *name, char **ref, struct backend_err *err);

int xapi_vm_clone(struct xapi_session *s, const char *vm, const char *new_name, char **ref,
		  struct backend_err *err);
/* sr NULL = XAPI_NULL_REF: the disks stay in their SRs (full copies all the same). */
int xapi_vm_copy(struct xapi_session *s, const char *vm, const char *new_name, const char *sr,
		 char **ref, struct backend_err *err);
int xapi_vm_provision(struct xapi_session *s, const char *vm, struct backend_err *err);
int xapi_vm_set_is_a_template(struct xapi_session *s, const char *vm, bool value,
			      struct backend_err *err);
int xapi_vm_add_to_other_config(struct xapi_session *s, const char *vm, const char *key,
				const char *value, struct backend_err *err);
int xapi_vm_set_affinity(struct xapi_session *s, const char *vm, const char *host,
			 struct backend_err *err);
int xapi_vm_assert_can_boot_here(struct xapi_session *s, const char *vm, const char *host,
				 struct backend_err *err);
/* VM.start_on(host) when host is given, else VM.start; never paused, never forced. */
int xapi_vm_start(struct xapi_session *s, const char *vm, const char *host,
		  struct backend_err *err);
/* The host a running VM is resident on; -ENOENT (code NOT_RUNNING) when it runs nowhere. */
int xapi_vm_resident_on(struct xapi_session *s, const char *vm, char **host,
			struct backend_err *err);

/*
 * The guest's first address, from VM_guest_metrics.networks: "0/ip", else
 * "0/ipv4/0", else "0/ipv6/0". -EAGAIN (code NO_GUEST_IP) while the guest
 * agent has not reported one yet.
 */
int xapi_vm_guest_ip(struct xapi_session *s, const char *vm, char **ip, struct backend_err *err);

int xapi_vm_hard_shutdown(struct xapi_session *s, const char *vm, struct backend_err *err);
/*
 * The VDIs behind vm's Disk VBDs that no other VM uses: the disks a clone of
 * it owns. CD drives (the ISO library) and disks shared with another VM are
 * left out.
 */
int xapi_vm_own_disks(struct xapi_session *s, const char *vm, struct xapi_refs *out,
		      struct backend_err *err);
int xapi_vdi_destroy(struct xapi_session *s, const char *vdi, struct backend_err *err);
int xapi_vm_destroy(struct xapi_session *s, const char *vm, struct backend_err *err);

/* One host of the pool, as `isolab hosts` shows it. */
struct xapi_host {
	char *ref;
	char *name;
	char *address;
	char *sched; /* host.sched_policy, "" unknown */
	bool enabled;
	int cpus;		   /* -1 unknown */
	uint64_t mem_total;	   /* bytes, 0 unknown */
	uint64_t mem_free;	   /* host.compute_free_memory: what a new VM can get */
	struct xapi_refs resident; /* names of the guests resident there (no control domain) */
};

void xapi_hosts_free(struct xapi_host *h, size_t n);
/* Every host, in the order xapi lists them. */
int xapi_hosts_list(struct xapi_session *s, struct xapi_host **out, size_t *n,
		    struct backend_err *err);
