/* SPDX-License-Identifier: MIT */
/*
 * Time-to-protect (docs/protect.md): a phase that changes a setting part-way
 * through its measurement (`at.5s = weight.web=2048`). From each round's
 * per-request log: the victim's good % and p99 in short intervals around the
 * change, and the time from the change until it is back within the
 * baseline's band; the mean over rounds with its t-interval.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "stats-math.h"

struct stats;

#define PROTECT_HOLD_S 0.5 /* back within the band for at least this long */

struct ttp_round {
	unsigned round;
	double change_s;  /* when it took effect: applied, else planned (s into the window) */
	bool recovered;	  /* back within the band before the window ended */
	double recover_s; /* from the change; the time left in the window when not recovered */
	double before_good, after_good; /* good % before the change, from the recovery on */
	/* per interval, relative to the change (t = start of the interval - change) */
	double *t, *good, *p99;
	size_t n;
};

struct ttp_phase {
	size_t phase;
	const struct model_at *at; /* the first change */
	double bin_s;		   /* the interval */
	double band_good;	   /* the median of the baseline's intervals' good %, less the
				      min effect */
	double band_p99;	   /* ... 95th percentile of p99 (ms) */
	size_t band_n;		   /* baseline intervals behind the band */
	struct ttp_round *rounds;
	size_t n_rounds;
	size_t n_recovered;
	double recover_s; /* mean over the rounds that recovered */
	struct stats_ci recover_ci;
	double before_good, after_good; /* means over rounds */
	bool nothing_to_recover;	/* before the change the victim was within the band */
	const char *why;		/* set when nothing could be computed */
};

struct ttp {
	struct ttp_phase *p;
	size_t n;
};

/* 0 or -ENOMEM; *out NULL when no phase changes a setting during its measurement. */
int ttp_compute(const struct model *m, const struct stats *s, struct ttp **out);
void ttp_free(struct ttp *t);

/*
 * Where a series first stays within its band: the first index i from which
 * `hold` consecutive values are ok (ok[i] true), or n when never. Pure.
 */
size_t ttp_first_hold(const bool *ok, size_t n, size_t hold);
