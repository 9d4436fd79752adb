/* SPDX-License-Identifier: MIT */
/* Neighbours on demand for a run (run-provision.c): make, wait, deploy, destroy. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backend.h"

struct run;
struct scenario;
struct scn_vm;
struct json_writer;

/*
 * Checks every provisioning key of s against ops->make_opts; on failure one
 * "FILE:LINE: ..." line into err and -EINVAL.
 */
int run_make_validate(const struct scenario *s, const struct backend_ops *ops, char *err,
		      size_t len);
/*
 * `isolab check`'s part: for each VM a run would make, the keys the backend
 * takes, the template there, room for every copy; one line each on out, the
 * first problem on errf. Exit status: 0, 2 (a name that names nothing) or 1
 * (the pool would refuse).
 */
int run_make_check(const struct scenario *s, const struct backend_ops *ops, struct backend *b,
		   FILE *out, FILE *errf);
/* m for vm (its keys copied into kv, cap of them); the strings stay the scenario's. */
int run_make_spec(const struct scenario *s, const struct scn_vm *vm, const char *run_id,
		  struct backend_kv *kv, size_t cap, struct backend_make *m);

/*
 * Makes the scenario's provisioned VMs, waits until each is up, copies the
 * tools. 0; -EINVAL for bad input (exit 2); another -errno when the backend
 * failed or refused (exit 1). What was made stays listed for run_unprovision.
 */
int run_provision(struct run *R);
/* Destroys every VM run_provision made; false when one stayed (the journal keeps it). */
bool run_unprovision(struct run *R);
/* "made": [...] for the manifest: each VM, its identity and its wall times. */
void run_made_json(const struct run *R, struct json_writer *w);
