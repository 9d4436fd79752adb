// SPDX-License-Identifier: MIT
/* Bracketing, then bisection, for the knob at which the victim starts to meet its SLO. */
#include "advise-search.h"

#include <errno.h>
#include <math.h>

int advise_search_init(struct advise_search *a, enum advise_scale scale, bool up, int min, int max,
		       int start, double resolution, unsigned max_steps)
{
	if (min < 1 || max < min || start < min || start > max || !(resolution > 0) ||
	    (scale == ADVISE_LOG && !(resolution > 1)) || !max_steps)
		return -EINVAL;
	*a = (struct advise_search){
		.scale = scale,
		.up = up,
		.min = min,
		.max = max,
		.start = start,
		.resolution = resolution,
		.max_steps = max_steps,
		.meets = -1,
		.fails = -1,
		.undecided = -1,
		.end = ADVISE_GOING,
	};
	return 0;
}

/* The most helpful end of the range, and the least helpful. */
static int helpful_end(const struct advise_search *a)
{
	return a->up ? a->max : a->min;
}

static int unhelpful_end(const struct advise_search *a)
{
	return a->up ? a->min : a->max;
}

static int clamp(const struct advise_search *a, double v)
{
	long r = lround(v);

	return r < a->min ? a->min : r > a->max ? a->max : (int)r;
}

/* One bracketing step away from a known outcome: towards help after a failure. */
static int bracket_step(const struct advise_search *a, int from, bool towards_help)
{
	bool larger = towards_help == a->up;

	if (a->scale == ADVISE_LINEAR) /* a cap: straight to the end of the range */
		return larger ? a->max : a->min;
	return clamp(a, larger ? from * 2.0 : from / 2.0);
}

static bool converged(const struct advise_search *a)
{
	double hi = a->meets > a->fails ? a->meets : a->fails;
	double lo = a->meets > a->fails ? a->fails : a->meets;

	if (hi - lo <= 1)
		return true;
	return a->scale == ADVISE_LOG ? hi / lo <= a->resolution : hi - lo <= a->resolution;
}

bool advise_next(struct advise_search *a, int *value)
{
	int v;

	if (a->end != ADVISE_GOING)
		return false;
	if (a->steps >= a->max_steps) {
		a->end = ADVISE_BUDGET;
		return false;
	}
	if (a->meets < 0 && a->fails < 0) {
		v = a->start;
	} else if (a->meets < 0) { /* only failures: more help */
		if (a->fails == helpful_end(a)) {
			a->end = ADVISE_NONE;
			return false;
		}
		v = bracket_step(a, a->fails, true);
	} else if (a->fails < 0) { /* only successes: less help */
		if (a->meets == unhelpful_end(a)) {
			a->end = ADVISE_ALL;
			return false;
		}
		v = bracket_step(a, a->meets, false);
	} else {
		if (a->up ? a->fails >= a->meets : a->fails <= a->meets) {
			a->end = ADVISE_CONFLICT; /* noise, or a victim that is not monotone */
			return false;
		}
		if (converged(a)) {
			a->end = ADVISE_CONVERGED;
			return false;
		}
		v = clamp(a, a->scale == ADVISE_LOG ? sqrt((double)a->meets * a->fails)
						    : (a->meets + a->fails) / 2.0);
		if (v == a->meets || v == a->fails) {
			a->end = ADVISE_CONVERGED;
			return false;
		}
	}
	*value = v;
	return true;
}

void advise_record(struct advise_search *a, int value, enum advise_outcome o)
{
	a->steps++;
	switch (o) {
	case ADVISE_MEETS:
		/* keep the least helpful value that meets */
		if (a->meets < 0 || (a->up ? value < a->meets : value > a->meets))
			a->meets = value;
		break;
	case ADVISE_FAILS:
		/* keep the most helpful value that fails */
		if (a->fails < 0 || (a->up ? value > a->fails : value < a->fails))
			a->fails = value;
		break;
	default:
		a->undecided = value;
		a->end = ADVISE_STUCK;
		break;
	}
}

void advise_stop(struct advise_search *a)
{
	if (a->end == ADVISE_GOING)
		a->end = ADVISE_BUDGET;
}

const char *advise_end_name(enum advise_end e)
{
	static const char *const names[] = {
		[ADVISE_GOING] = "searching",	     [ADVISE_CONVERGED] = "converged",
		[ADVISE_NONE] = "none meets",	     [ADVISE_ALL] = "all meet",
		[ADVISE_STUCK] = "undecided",	     [ADVISE_BUDGET] = "out of time or steps",
		[ADVISE_CONFLICT] = "contradictory",
	};

	return (unsigned)e < sizeof(names) / sizeof(names[0]) ? names[e] : "?";
}

enum advise_outcome advise_outcome_of(unsigned rounds, unsigned min_rounds, double diff_lo,
				      double diff_hi, double good_lo, double good_hi,
				      double min_effect, double target)
{
	if (rounds < min_rounds)
		return ADVISE_UNDECIDED;
	if (!isnan(target)) {
		if (good_lo >= target)
			return ADVISE_MEETS;
		return good_hi < target ? ADVISE_FAILS : ADVISE_UNDECIDED;
	}
	if (diff_lo > -min_effect)
		return ADVISE_MEETS;
	return diff_hi < -min_effect ? ADVISE_FAILS : ADVISE_UNDECIDED;
}
