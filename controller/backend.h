/* SPDX-License-Identifier: MIT */
/*
 * Scheduler backends: who sets a VM's priority. One ops table per backend
 * (local cgroups, XenAPI, xl), listed in backend.c's table.
 *
 * All weights and caps are in Xen credit-scheduler units on every backend:
 * weight 1-65535 (256 = default), cap in percent of one physical CPU
 * (0 = no cap). The local backend maps them onto cgroup knobs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_writer;

#define XEN_WEIGHT_MIN	   1
#define XEN_WEIGHT_MAX	   65535
#define XEN_WEIGHT_DEFAULT 256
#define XEN_CAP_MAX	   25600 /* 256 CPUs' worth; backends may reject less */

/* A failure as data: a short machine code and a one-line human message. */
struct backend_err {
	char code[64]; /* e.g. "SESSION_INVALID", "ENOENT", "NOT_IMPLEMENTED" */
	char msg[512]; /* one line, no password ever */
};

void backend_errf(struct backend_err *err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A scheduler setting. A field < 0 means "not given / leave as is". */
struct sched_params {
	int weight;
	int cap;
};

struct vm_info {
	char *name;		   /* name-label / cgroup vm name */
	char *id;		   /* backend's id: domid, OpaqueRef, cgroup path */
	char *power_state;	   /* "Running", "Halted", ... or NULL */
	char *host;		   /* resident host or NULL */
	int vcpus;		   /* -1 unknown */
	struct sched_params sched; /* effective values (defaults filled in) */
};

void vm_info_done(struct vm_info *vm);
void vm_info_array_free(struct vm_info *vms, size_t n);

/* What the backend can do here, said plainly for `isolab check` and the manifest. */
struct backend_caps {
	bool weight;
	bool cap;
	bool live;	       /* changes apply to running VMs now */
	const char *scheduler; /* "credit", "credit2", "cgroup-v2", "cgroup-v1", ... */
	char notes[1024];      /* human: what is unavailable and why */
};

/* Connection/config options, from the command line or a scenario's [global]. */
struct backend_config {
	const char *name;	/* "local", "xenapi", "xl" */
	const char *xenapi_url; /* https://host */
	const char *xenapi_user;
	const char *xenapi_password_file;
	const char *ca_file;
	bool insecure;
	const char *dom0;	 /* user@host for ssh to dom0 (xl / live xenapi changes) */
	const char *run_id;	 /* local: cgroup/netns prefix isolab-<run> */
	const char *cgroup_root; /* local: override for tests */
};

struct backend;

struct backend_ops {
	const char *name;
	/* Connects / detects. *out is written only on success. */
	int (*open)(const struct backend_config *cfg, struct backend **out,
		    struct backend_err *err);
	void (*close)(struct backend *b); /* logs out, frees; NULL is a no-op */
	int (*caps)(struct backend *b, struct backend_caps *out, struct backend_err *err);
	/* VMs that are not templates nor control domains; caller frees with vm_info_array_free. */
	int (*list_vms)(struct backend *b, struct vm_info **out, size_t *n,
			struct backend_err *err);
	/* Effective weight/cap (defaults filled in), and whether it is live. */
	int (*sched_get)(struct backend *b, const char *vm, struct sched_params *out, bool *live,
			 struct backend_err *err);
	/* Sets the given fields (< 0 = leave), then reads back to verify. */
	int (*sched_set)(struct backend *b, const char *vm, const struct sched_params *p,
			 struct backend_err *err);
	/* Extra facts for the manifest (pool, host, scheduler), inside an open object. */
	void (*describe)(struct backend *b, struct json_writer *w);
};

/* NULL when unknown. */
const struct backend_ops *backend_find(const char *name);
/* NULL-terminated table of every backend compiled in. */
extern const struct backend_ops *const backend_table[];
