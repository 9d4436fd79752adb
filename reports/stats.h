/* SPDX-License-Identifier: MIT */
/*
 * Statistics over a result model: per-phase aggregates over rounds,
 * bootstrap confidence intervals, degradation against the baseline,
 * protection verdicts and weight sweeps. Deterministic for a given seed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct stats_config {
	double protected_pct;	    /* recovered >= this: protected */
	double partial_pct;	    /* recovered >= this: partly protected */
	double min_degradation_pct; /* p99 rise (or success drop) below this: unaffected */
	double confidence_pct;	    /* width of every interval */
	unsigned resamples;	    /* bootstrap resamples */
	uint64_t seed;
};

#define STATS_CONFIG_DEFAULT                                                                       \
	{                                                                                          \
		.protected_pct = 80.0, .partial_pct = 20.0, .min_degradation_pct = 10.0,           \
		.confidence_pct = 95.0, .resamples = 1000, .seed = 0x15014b5eedULL,                \
	}

struct stats_ci {
	double lo, hi; /* NaN when not computable */
};

struct stats_phase {
	size_t rounds;	   /* runs of this phase in the results */
	size_t reported;   /* ... whose probe reported */
	size_t dnr_rounds; /* ... whose probe did not report */
	size_t bomb_dnr;   /* bomb results missing, over all rounds */
	bool dnr;	   /* no round reported at all */
	uint64_t requests, ok, failed;
	double success_pct, throughput_rps, ok_per_round;
	struct model_latency lat; /* over all rounds */
	double q1_ms, q3_ms;	  /* quartiles for box plots */
	bool from_hist;		  /* lat comes from the merged histograms */
	struct hist *merged;	  /* NULL when no round had a histogram */
	struct stats_ci mean_ci, p99_ci, ok_ci;
	double *boot_mean, *boot_p99, *boot_ok; /* cfg.resamples each, or NULL */
	/* against the baseline (has_cmp false for the baseline itself) */
	bool has_cmp;
	double ok_change_pct, p50_ratio, p99_ratio;
	struct stats_ci ok_change_ci, p99_ratio_ci;
	/* mean achieved rate of each of the phase's bombs (NaN when none reported) */
	double *bomb_rate;
	const char **bomb_rate_key;
};

enum stats_verdict {
	VERDICT_PROTECTED,
	VERDICT_PARTLY,
	VERDICT_NOT_PROTECTED,
	VERDICT_INCONCLUSIVE,
	VERDICT_UNAFFECTED,
};

struct stats_protection {
	size_t phase, twin;
	const char *metric;	  /* "p99_ms" or "ok_per_round": what was lost */
	double base, equal, prio; /* the metric in baseline, twin, this phase */
	double lost, recovered, recovered_pct;
	struct stats_ci recovered_pct_ci;
	enum stats_verdict verdict;
	char reason[200];
};

struct stats_sweep_point {
	size_t phase;
	double x; /* weight ratio victim/neighbour, or the swept value */
};

struct stats_sweep {
	size_t twin; /* equal-weight phase, SIZE_MAX when none */
	const char *key;
	bool x_is_ratio;
	struct stats_sweep_point *points;
	size_t n_points;
};

struct stats {
	struct stats_config cfg;
	struct stats_phase *phases; /* one per model phase */
	size_t n_phases;
	struct stats_protection *prot;
	size_t n_prot;
	struct stats_sweep *sweeps;
	size_t n_sweeps;
};

/* 0, -ENOMEM or -EINVAL (bad config). Free with stats_free(). */
int stats_compute(const struct model *m, const struct stats_config *cfg, struct stats **out);
void stats_free(struct stats *s);

const char *stats_verdict_name(enum stats_verdict v);
/* Checks a config; returns NULL or the complaint. */
const char *stats_config_check(const struct stats_config *cfg);

/* Exposed for unit tests. */
struct stats_rng {
	uint64_t s[4];
};
void stats_rng_seed(struct stats_rng *r, uint64_t seed);
double stats_rng_uniform(struct stats_rng *r); /* [0, 1) */
uint64_t stats_poisson(struct stats_rng *r, double lambda);
/* Quantile q in [0,1] of v (sorted in place), linear interpolation; NaN if n == 0. */
double stats_quantile(double *v, size_t n, double q);
