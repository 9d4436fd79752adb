/* SPDX-License-Identifier: MIT */
/*
 * `isolab advise SCENARIO --phase NAME [--knob weight.VM | cap.VM] ...`
 * (docs/advise.md): the smallest victim weight, or the largest neighbour
 * cap, at which the victim still meets its SLO under the phase's bombs.
 * Each value is one `isolab run` of the baseline and the phase with that
 * setting, rounds = auto (so every setting is journalled and restored like
 * a run's), decided with the paired statistics of the reports.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "advise-out.h"

struct backend_config;
struct scenario;

/* What the command line asked for. */
struct advise_opts {
	const char *scenario_path;
	const char *phase;
	const char *knob; /* NULL: weight.<victim> */
	uint64_t slo_ns;  /* 0: the scenario's */
	double target;	  /* NAN: the relative rule */
	uint64_t max_time_ns;
	unsigned step_rounds; /* rounds = auto at each step: at most this many */
	double resolution;    /* NAN: the knob's default */
	int start;	      /* -1: the knob's default */
	int max_cap;	      /* caps: the top of the range */
	const char *results_root;
};

/* argv[0] is "advise". Returns the exit status. */
int advise_main(int argc, char **argv);

/*
 * One step (advise-step.c): the run of the baseline and the phase with the
 * knob at value, read back into *step; the search's outcome there. text is
 * the scenario's source, rate/slo fix the load after the first step (0: the
 * scenario's). 0, -EINTR (interrupted), or -errno (logged).
 */
struct advise_ctx {
	const struct advise_opts *o;
	const char *text;
	size_t text_len;
	const char *vm;
	bool weight;
	const char *baseline;
	char dir[512]; /* the advise results directory */
	const struct backend_config *backend_override;
	double rate_rps; /* after step 1: the calibrated rate every step keeps */
	uint64_t slo_ns;
	double min_effect;
	const char *measure;
	char backend[64], scheduler[64];
};

int advise_step(struct advise_ctx *ctx, int value, uint64_t budget_ns, struct advise_step *step);
