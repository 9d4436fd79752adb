/* SPDX-License-Identifier: MIT */
/*
 * What `isolab advise` found (docs/advise.md), as plain data, and its
 * outputs: advise.json, advise.md, advise.html and the terminal lines.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "advise-search.h"
#include "sbuf.h"

#define ADVISE_MAX_STEPS 64

/* One value of the knob, measured for as many rounds as its decision took. */
struct advise_step {
	int value;
	unsigned rounds;	       /* valid paired rounds */
	double good, good_lo, good_hi; /* the phase's primary measure and its interval */
	double base;		       /* the baseline's, over the same rounds */
	double diff, diff_lo, diff_hi; /* phase - baseline, paired by round */
	double victim_cpu_pct;	       /* the mechanism; NaN when unknown */
	enum advise_outcome outcome;
	double elapsed_s;
	char run_dir[512]; /* the step's results directory */
};

struct advise_result {
	const char *scenario, *phase, *knob; /* "weight.web", "cap.n-cpu" */
	bool is_weight;
	const char *backend, *scheduler;
	double slo_ms, rate_rps;
	double min_effect;   /* meets: no worse than the baseline by more than this */
	double target;	     /* meets: good % at least this; NaN = the relative rule */
	const char *measure; /* "good_pct" or "good_per_s" */
	double confidence;   /* % */
	double max_time_s;
	double elapsed_s;
	struct advise_search search; /* the final state: meets, fails, end */
	struct advise_step steps[ADVISE_MAX_STEPS];
	size_t n_steps;
	bool interrupted;
};

/* "recommend weight 724: ..." in one line (no newline). */
void advise_answer_text(const struct advise_result *a, char *buf, size_t len);

int advise_render_json(const struct advise_result *a, struct sbuf *out);
int advise_render_md(const struct advise_result *a, struct sbuf *out);
int advise_render_html(const struct advise_result *a, struct sbuf *out);
/* The steps and the answer for the terminal. */
int advise_render_term(const struct advise_result *a, struct sbuf *out);
