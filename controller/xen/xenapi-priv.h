/* SPDX-License-Identifier: MIT */
/*
 * Private to the XenAPI backend: its state, shared by backend-xenapi.c (the
 * ops: open, VMs, priorities) and xenapi-make.c (the VMs it makes for a run,
 * and the pool's hosts), in that order of layers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

struct xapi_session;
struct xapi_cred;

/* A VM made for the run: its identity (name-label), ref and guest address once known. */
struct xenapi_made {
	char id[BACKEND_ID_MAX];
	char *ref;
	char *ip;
};

struct backend {
	struct xapi_session *s;
	char *user;
	char *pool;
	char *dom0;
	struct xapi_cred *cred;
	bool insecure;
	char sched[32]; /* host.sched_policy of the coordinator */
	char xen_version[32];
	int xen_major, xen_minor;
	int nr_cpus; /* coordinator's, -1 unknown */
	char run_id[64];
	struct xenapi_made *made;
	size_t n_made;
};

/* xenapi-make.c: the make ops (backend.h), and freeing the made list on close. */
extern const struct backend_opt xenapi_make_opts[];
int xenapi_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
		     struct backend_err *err);
int xenapi_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns,
		      struct backend_err *err);
int xenapi_unprovision(struct backend *b, const char *id, struct backend_err *err);
/* unprovision_noted's work once the backend is open (backend-xenapi.c opens it). */
int xenapi_unmake_facts(struct backend *b, const char *run_id, const struct backend_kv *facts,
			size_t n, struct backend_err *err);
int xenapi_check_make(struct backend *b, const struct backend_make *m, unsigned count, char *out,
		      size_t len, struct backend_err *err);
int xenapi_hosts(struct backend *b, struct backend_host **out, size_t *n, struct backend_err *err);
const char *xenapi_vm_addr(struct backend *b, const char *vm);
void xenapi_made_free(struct backend *b);
