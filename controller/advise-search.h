/* SPDX-License-Identifier: MIT */
/*
 * The search of `isolab advise` (docs/advise.md): the smallest victim weight,
 * or the largest neighbour cap, at which the victim meets its SLO. Bracketing
 * first (doubling or halving on a log scale for weights, the range's ends for
 * caps), then bisection (geometric for weights, arithmetic for caps) until
 * the bracket is within the resolution. Pure: the caller measures each value
 * and records whether the victim met its SLO there.
 */
#pragma once

#include <stdbool.h>

enum advise_scale {
	ADVISE_LOG,    /* weights: proportional shares, so ratios matter */
	ADVISE_LINEAR, /* caps: percent of a CPU, so differences matter */
};

enum advise_outcome {
	ADVISE_MEETS,
	ADVISE_FAILS,
	ADVISE_UNDECIDED, /* no decision even with the most rounds a step may take */
};

enum advise_end {
	ADVISE_GOING,	  /* not over: advise_next() gives a value */
	ADVISE_CONVERGED, /* the bracket is within the resolution: the answer is found */
	ADVISE_NONE,	  /* fails even at the most helpful end of the range */
	ADVISE_ALL,	  /* meets even at the least helpful end of the range */
	ADVISE_STUCK,	  /* a value could not be decided */
	ADVISE_CONFLICT,  /* a more helpful value failed where a less helpful one met */
	ADVISE_BUDGET,	  /* out of steps or time: the bracket so far */
};

struct advise_search {
	/* set before advise_next() */
	enum advise_scale scale;
	bool up;	   /* larger helps the victim (its weight); else smaller does (a cap) */
	int min, max;	   /* the knob's range */
	int start;	   /* the first value */
	double resolution; /* done when meets/fails (log) or |meets - fails| (linear) is within */
	unsigned max_steps;
	/* the state */
	int meets;     /* the least helpful value that meets; -1 when none yet */
	int fails;     /* the most helpful value that fails; -1 when none yet */
	int undecided; /* the value that could not be decided; -1 when none */
	unsigned steps;
	enum advise_end end;
};

/* Sets the range and its defaults; returns -EINVAL for an empty or absurd range. */
int advise_search_init(struct advise_search *a, enum advise_scale scale, bool up, int min, int max,
		       int start, double resolution, unsigned max_steps);

/* The next value to measure; false when the search is over (a->end says why). */
bool advise_next(struct advise_search *a, int *value);

/* What the measurement at value said. */
void advise_record(struct advise_search *a, int value, enum advise_outcome o);

/* Ends the search for lack of time (the bracket so far is the answer). */
void advise_stop(struct advise_search *a);

/*
 * The rule at one value, from its paired rounds (at least min_rounds, else
 * undecided): with a target (not NaN), meets when the interval of the good
 * share lies at or above it, fails when below; else meets when the interval
 * of the difference from the baseline lies above -min_effect (surely no
 * worse by more than that), fails when below.
 */
enum advise_outcome advise_outcome_of(unsigned rounds, unsigned min_rounds, double diff_lo,
				      double diff_hi, double good_lo, double good_hi,
				      double min_effect, double target);

/* "converged", "none meets", ... */
const char *advise_end_name(enum advise_end e);
