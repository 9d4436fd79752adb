/* SPDX-License-Identifier: MIT */
/*
 * The journal's record of the VMs a backend made for a run (journal-make.c):
 * the facts noted for each ("make VM KEY VALUE"), which ones were destroyed
 * ("unmade VM"), and, on replay, handing the rest to the backend.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "backend.h"

struct made_vm {
	char *vm;
	struct backend_kv *facts; /* strings owned */
	size_t n;
	bool gone;
};

struct made_set {
	struct made_vm *v;
	size_t n;
};

/* Adds fact KEY VALUE of vm. 0, -ENOMEM, -E2BIG (over a sane bound). */
int made_add(struct made_set *s, const char *vm, const char *key, const char *value);
void made_gone(struct made_set *s, const char *vm);
/* Whether id is the identity ("name" fact) of a VM of the set. */
bool made_has_id(const struct made_set *s, const char *id);
/*
 * Destroys every VM not gone through ops->unprovision_noted(); each failure
 * logged with the backend's code. 0, or the first -errno (the journal stays).
 */
int made_undo(struct made_set *s, const struct backend_ops *ops, const struct backend_config *cfg,
	      const char *run_id);
void made_done(struct made_set *s);
