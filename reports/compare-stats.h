/* SPDX-License-Identifier: MIT */
/*
 * Comparing runs (compare-stats.c): each phase's per-round figures in every
 * run, and each run against the reference (the first) with an unpaired rule.
 * Rounds of different runs are not paired (round 3 of one run has nothing in
 * common with round 3 of another), so a difference is Welch's t-interval on
 * the two runs' per-round values; ratios of latencies are taken on the log
 * scale, ratios of rates with Fieller's interval for independent means.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "stats.h"

#define CMP_MAX_RUNS 6 /* one chart series style each (svg.h SVG_STYLES) */

enum cmp_verdict {
	CMP_SAME,
	CMP_BETTER,
	CMP_WORSE,
	CMP_INCONCLUSIVE,
	CMP_INDICATIVE, /* fewer valid rounds than a verdict needs in either run */
	CMP_NONE,	/* not comparable: absent from a run, no figure, different measures */
};

enum cmp_measure {
	CMP_GOOD,   /* the primary measure: good % (points), or good/s (ratio) in closed loop */
	CMP_EFFECT, /* the phase against its own run's baseline, paired within the run (points) */
	CMP_P99,    /* ratio, geometric */
	CMP_P50,    /* ratio, geometric */
	CMP_TPUT,   /* ratio of mean throughputs */
	CMP_MEASURES,
};

enum cmp_scale {
	CMP_POINTS, /* difference b - a in the measure's unit */
	CMP_LOG,    /* ratio b / a of geometric means: Welch on the logs */
	CMP_RATIO,  /* ratio b / a of means: Fieller, independent means, Welch's df */
};

struct cmp_rule {
	double within;	     /* "same within": points, or % for ratios */
	double confidence;   /* level of every interval, % */
	unsigned min_rounds; /* fewer valid rounds in a run: indicative */
};

/* One run's rounds of one phase for one measure. */
struct cmp_sample {
	size_t n;	    /* rounds with a figure */
	double mean, sd;    /* on the scale of the rule (log for CMP_LOG) */
	double value;	    /* shown: the mean, or the geometric mean (CMP_LOG) */
	struct stats_ci ci; /* t-interval over the rounds, shown scale */
};

/* A run against the reference. */
struct cmp_diff {
	size_t n_ref, n;
	double est; /* b - a, or b / a */
	struct stats_ci ci;
	double df; /* Welch-Satterthwaite; NaN when not computable */
	enum cmp_verdict verdict;
	unsigned rounds_needed; /* rounds per run a verdict would take; 0 = many */
};

/*
 * The rule, on per-round values a[] (reference) and b[] (NaN skipped):
 *   same     the interval lies within +-within (ratios: within 1/(1+w) .. 1+w)
 *   better   the interval lies beyond +within on the better side
 *   worse    the interval lies beyond -within on the worse side
 * anything else is inconclusive (with the rounds a decision would take);
 * fewer than min_rounds values in either run: indicative.
 */
void cmp_decide(const double *a, size_t na, const double *b, size_t nb, enum cmp_scale scale,
		bool higher_better, const struct cmp_rule *r, struct cmp_sample *sa,
		struct cmp_sample *sb, struct cmp_diff *out);

/* Fills a sample from per-round values (NaN skipped) on the given scale. */
void cmp_sample_of(const double *v, size_t n, enum cmp_scale scale, double conf,
		   struct cmp_sample *out);

struct cmp_run {
	const char *dir;
	char *label;
	struct model *m;
	struct stats *s;
};

struct cmp_row {
	const char *name;
	size_t idx[CMP_MAX_RUNS]; /* the phase in each run, SIZE_MAX when absent */
	bool common;		  /* in every run */
	struct cmp_sample v[CMP_MAX_RUNS][CMP_MEASURES];
	struct cmp_diff d[CMP_MAX_RUNS][CMP_MEASURES]; /* d[0] unused: the reference */
};

struct cmp_measure_def {
	const char *key, *title, *unit;
	enum cmp_scale scale;
	bool higher_better;
};

struct cmp {
	struct cmp_rule rule;
	const char *within_source; /* "option", "scenario" or "default" */
	bool forced;
	bool closed_loop; /* the reference's measure */
	bool mixed;	  /* open and closed loop runs (only with --force) */
	struct cmp_run runs[CMP_MAX_RUNS];
	size_t n_runs;
	struct cmp_row *rows;
	size_t n_rows, n_common;
	char *mismatch[8]; /* why the runs differ in SLO or load (refused without --force) */
	size_t n_mismatch;
	char *notes[16]; /* differences worth knowing that are not refused */
	size_t n_notes;
};

/* The measure's name, unit, scale and direction in this comparison. */
struct cmp_measure_def cmp_measure(const struct cmp *c, enum cmp_measure k);

/*
 * Builds the rows and every sample and difference from loaded runs
 * (c->runs[].m/.s set, c->rule set). 0 or -ENOMEM.
 */
int cmp_compute(struct cmp *c);
/* Frees what cmp_compute() and the loader allocated (not c itself). */
void cmp_done(struct cmp *c);

/* "same", "better", ... */
const char *cmp_verdict_name(enum cmp_verdict v);
