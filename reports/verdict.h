/* SPDX-License-Identifier: MIT */
/*
 * The verdict rules (docs/reports.md "Verdicts"), as pure functions on
 * per-round scores. A score is what one phase achieved in one round on the
 * primary measure: good responses in % of the offered load (open loop), or
 * good responses per second in % of the same round's baseline (closed loop).
 * Arrays are indexed by round; NaN marks a round without a valid score, and
 * comparisons pair only the rounds where every phase has one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "stats-math.h"

enum stats_verdict {
	VERDICT_PROTECTED,
	VERDICT_PARTLY,
	VERDICT_NOT_PROTECTED,
	VERDICT_INCONCLUSIVE,
	VERDICT_UNAFFECTED,
	VERDICT_HURT,
	VERDICT_BETTER,
	VERDICT_INDICATIVE,
	VERDICT_INVALID,
};

struct verdict_rules {
	double min_effect;     /* m, in score units: smaller effects count as none */
	double protected_pct;  /* protection margin: min(m, (100 - this) % of the loss) */
	double partial_pct;    /* prioritisation that surely recovers less: not protected */
	double confidence_pct; /* level of every interval */
	unsigned min_rounds;   /* fewer paired rounds: indicative, no verdict */
	double noise_floor;    /* 0, or the A/A's when it did not read "no effect": a
				  hurt/better interval must clear max(min_effect, this) */
};

/* A phase against its reference, paired over rounds: differences phase - reference. */
struct verdict_effect {
	size_t n;		    /* paired rounds */
	double ref, val;	    /* mean scores over those rounds */
	double mean, sd;	    /* of the per-round differences */
	struct stats_ci ci;	    /* t-interval of mean; NaN when n < 2 */
	enum stats_verdict verdict; /* HURT, UNAFFECTED, BETTER, INCONCLUSIVE, INDICATIVE */
	unsigned rounds_needed;	    /* total rounds a verdict would take; 0 = many */
};

struct verdict_protection {
	size_t n;			/* rounds where baseline, twin and phase all scored */
	double base, equal, prio;	/* mean scores over those rounds */
	double lost, recovered_pct;	/* base - equal; 100 (prio - equal) / lost */
	struct stats_ci recovered_ci;	/* Fieller, in % */
	struct verdict_effect hurt;	/* equal against base */
	struct verdict_effect vs_base;	/* prio against base */
	struct verdict_effect vs_equal; /* prio against equal */
	double margin;			/* protection margin used, score units */
	enum stats_verdict verdict;	/* any but HURT/BETTER/INVALID */
	unsigned rounds_needed;		/* as in verdict_effect */
};

/* ref[i], val[i]: the two phases' scores in round i (NaN = none). */
void verdict_effect(const double *ref, const double *val, size_t n, const struct verdict_rules *r,
		    struct verdict_effect *out);

/* base[i], equal[i], prio[i]: baseline, equal-weight twin and prioritised phase. */
void verdict_protection(const double *base, const double *equal, const double *prio, size_t n,
			const struct verdict_rules *r, struct verdict_protection *out);

/*
 * The A/A comparison's noise floor when it did not read "no effect" (hurt,
 * better, inconclusive): the largest magnitude in its interval; else 0.
 */
double verdict_noise_floor(const struct verdict_effect *aa);

/* "protected", "hurt", ... */
const char *verdict_name(enum stats_verdict v);
/* True for a verdict that more rounds could still change (inconclusive, indicative). */
bool verdict_undecided(enum stats_verdict v);
