/* SPDX-License-Identifier: MIT */
/*
 * Sensitivity curves (docs/curves.md): sweeps over a bomb's intensity
 * ("intensity.cpu", x = the requested intensity in %) and over the victim's
 * offered load ("load", x = % of the calibrated capacity). A sweep phase
 * named "FAMILY[KEY=VALUE]" is one point of FAMILY's curve; the families
 * that sweep the same key share a chart (equal weights and prioritised side
 * by side). Per point: the primary measure and p99 with their intervals over
 * rounds, the difference from the reference paired by round, what the bomb
 * (or the probe) achieved; per family the tolerated interference: the
 * highest x at which the victim still meets its SLO, with an interval.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "stats-math.h"
#include "verdict.h"

struct stats;

#define CURVES_MAX_POINTS 64

/* Where a curve crosses the SLO's threshold; x values of the curve. */
struct curve_crossing {
	double est;	     /* the mean curve's crossing; NaN when there is none */
	double lo, hi;	     /* the band's crossings: surely meets up to lo, surely fails from hi */
	bool est_above;	     /* meets at every point: est is the last x, the truth is above */
	bool lo_below;	     /* not surely meeting even at the first point */
	bool hi_above;	     /* never surely fails: hi is the last x, the truth may be above */
	double est_achieved; /* est in achieved terms (interpolated); NaN when unknown */
};

struct curve_point {
	double x;	   /* requested: intensity %, or load % of capacity */
	double x_achieved; /* achieved: the bomb's share of its request times x, or the
				probe's throughput in % of capacity; NaN when unknown */
	size_t phase;	   /* model phase */
	size_t ref;	   /* the phase it is paired with by round (SIZE_MAX: none) */
	double score;	   /* the primary measure (good %), mean over valid rounds */
	struct stats_ci score_ci;
	double p99; /* ms, geometric mean over rounds */
	struct stats_ci p99_ci;
	struct verdict_effect vs_ref; /* score - reference's, paired by round */
	bool meets, fails;	      /* surely meets / surely fails the SLO at this point */
};

struct curve_family {
	char *name;	  /* the phase name without "[KEY=VALUE]" */
	bool prioritised; /* its points have a priority (or twin an equal-weight family) */
	struct curve_point points[CURVES_MAX_POINTS];
	size_t n;
	struct curve_crossing tol;     /* against the reference, within the min effect */
	struct curve_crossing tol_abs; /* against --slo-target (NaN est when none given) */
	bool monotone;		       /* the score never rises beyond its intervals as x grows */
};

struct curve {
	const char *key;  /* "intensity.cpu", "load" */
	const char *bomb; /* for intensity sweeps: the swept bomb; NULL for load */
	bool is_load;
	struct curve_family *fam;
	size_t n_fam;
};

struct curves {
	struct curve *c;
	size_t n;
	double target;	     /* --slo-target in % good, NaN when not given */
	double min_effect;   /* the threshold "within the min effect of the reference" */
	const char *measure; /* "good_pct" or "good_per_s" */
};

/* Builds every curve from the sweep phases; *out NULL when there are none. 0 or -ENOMEM. */
int curves_compute(const struct model *m, const struct stats *s, double target,
		   struct curves **out);
void curves_free(struct curves *cv);

/* True for a sweep key the curves draw (intensity.BOMB, load); weight sweeps are not. */
bool curves_key(const char *key);

/*
 * The crossing of a curve y(x) (points sorted by x) with threshold t: the
 * mean's first crossing, the lower band's (surely meets up to there) and
 * the upper band's (surely fails from there), linearly interpolated. Pure.
 */
void curves_crossing(const double *x, const double *y, const double *lo, const double *hi, size_t n,
		     double t, struct curve_crossing *out);
