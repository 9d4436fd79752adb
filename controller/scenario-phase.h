/* SPDX-License-Identifier: MIT */
/* Scenario phases (scenario-phase.c): bomb lists, priorities, sweeps, twins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "scenario-lex.h"

/* The unexpanded phase: base values plus at most one sweep list. */
struct raw_phase {
	struct scn_phase ph;
	const struct entry *sweep;
	int twin_line; /* where twin = is, for errors */
	int values[SCN_MAX_SWEEP];
	size_t n_values;
	bool pair_twin; /* its twin sweeps the same values: member k's twin is the twin's k */
};

int scn_do_phase(struct pctx *c, const struct section *sec, struct raw_phase *rp);
/* Resolves twins, then expands sweeps into the scenario's phase list. */
int scn_expand_phases(struct pctx *c, struct raw_phase *rps, size_t n);
void scn_phase_done(struct scn_phase *ph);
