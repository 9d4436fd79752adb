/* SPDX-License-Identifier: MIT */
/*
 * Private to the xl backend: its state, shared by backend-xl.c (the ops:
 * open, domains, priorities) and xl-make.c (the domains it makes for a run,
 * the host), in that order of layers.
 */
#pragma once

#include <stdint.h>

#include "backend.h"
#include "xl.h"

struct backend {
	struct xl_target target;
	char *dom0;
	struct xl_info info;
	char run_id[64];
};

/* xl-make.c: the make ops (backend.h). */
extern const struct backend_opt xl_make_opts[];
int xl_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
		 struct backend_err *err);
int xl_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns, struct backend_err *err);
int xl_unprovision(struct backend *b, const char *id, struct backend_err *err);
/* unprovision_noted's work once the backend is open (backend-xl.c opens it). */
int xl_unmake_facts(struct backend *b, const char *run_id, const struct backend_kv *facts, size_t n,
		    struct backend_err *err);
int xl_check_make(struct backend *b, const struct backend_make *m, unsigned count, char *out,
		  size_t len, struct backend_err *err);
int xl_hosts(struct backend *b, struct backend_host **out, size_t *n, struct backend_err *err);
