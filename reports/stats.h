/* SPDX-License-Identifier: MIT */
/*
 * Statistics over a result model (docs/reports.md): per-phase figures over
 * the valid rounds, each phase paired round by round with the baseline, each
 * prioritised phase with its equal-weight twin and the baseline, the verdicts
 * (verdict.h), the A/A noise floor, the mechanism (victim CPU share, bombs'
 * achieved load, scheduler read back) and weight sweeps. Deterministic.
 */
#pragma once

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "stats-math.h"
#include "verdict.h"

struct curves;
struct ttp;

#define STATS_MIN_EFFECT_DEFAULT 5.0 /* when neither the user nor the scenario gives one */
#define STATS_MIN_ROUNDS	 3   /* fewer valid rounds: indicative, no verdict */

struct stats_config {
	double min_effect_pct; /* NaN: the manifest's design.min_effect_pct, else the default */
	double protected_pct;  /* margin of "protected": min(min effect, (100 - this) % of loss) */
	double partial_pct;    /* surely recovering less than this % of the loss: not protected */
	double confidence_pct; /* level of every interval */
	double slo_target_pct; /* curves: "meets the SLO" = good % at least this; NaN: within
				  the min effect of the reference (docs/curves.md) */
};

#define STATS_CONFIG_DEFAULT                                                                       \
	{                                                                                          \
		.min_effect_pct = NAN, .protected_pct = 80.0, .partial_pct = 20.0,                 \
		.confidence_pct = 90.0, .slo_target_pct = NAN,                                     \
	}

/* A ratio to the baseline over the paired rounds: geometric mean for latencies. */
struct stats_ratio {
	size_t n;
	double ratio;
	struct stats_ci ci;
};

/* One bomb's achieved load over a phase's valid rounds (manifest bombs_achieved). */
struct stats_load {
	const char *bomb, *unit;
	double requested, achieved, share_pct; /* means; NaN when never reported */
	double share_min;		       /* the lowest round's share */
	size_t n;
};

struct stats_phase {
	size_t rounds;	   /* runs of this phase in the results */
	size_t valid;	   /* ... that count */
	size_t invalid;	   /* ... excluded as invalid (listed with their reasons) */
	size_t reported;   /* valid runs whose probe reported */
	size_t dnr_rounds; /* runs whose probe did not report (valid or not) */
	size_t bomb_dnr;   /* bomb results missing, over all runs */
	bool dnr;	   /* runs exist, and no valid one reported */
	uint64_t requests, ok, failed;
	double success_pct, throughput_rps, ok_per_round;
	/* the primary measure, over the valid rounds (a DNR counts as 0) */
	double score; /* good % of the offered load, or % of the baseline's good/s */
	double raw;   /* good % or good responses per second */
	struct stats_ci score_ci;
	size_t n_score;
	struct model_latency lat; /* over the valid rounds' requests */
	double q1_ms, q3_ms;	  /* quartiles for box plots */
	bool from_hist;		  /* lat comes from the merged histograms */
	struct hist *merged;	  /* NULL when no round had a histogram */
	/* round to round: t-intervals over the valid rounds (geometric for latencies) */
	struct stats_ci mean_ci, p99_ci, ok_ci;
	/* against the baseline, paired by round (has_cmp false for the baseline itself) */
	bool has_cmp;
	struct verdict_effect cmp; /* primary measure: differences phase - baseline */
	enum stats_verdict verdict;
	char reason[240];
	double ok_change_pct; /* % change in successful responses (the IBS measure) */
	struct stats_ci ok_change_ci;
	double p50_ratio, p99_ratio; /* = r_p50.ratio, r_p99.ratio */
	struct stats_ci p99_ratio_ci;
	struct stats_ratio r_p50, r_p99, r_p999, r_tput;
	/* mean achieved rate of each of the phase's bombs (NaN when none reported) */
	double *bomb_rate;
	const char **bomb_rate_key;
	/* the mechanism */
	double victim_cpu_pct; /* mean over the valid rounds that measured it */
	size_t n_victim_cpu;
	const char *victim_cpu_source;
	struct stats_load *loads;
	size_t n_loads;
	const struct model_sched *sched; /* read back in the first valid run that has it */
};

struct stats_protection {
	size_t phase, twin;
	struct verdict_protection v;
	enum stats_verdict verdict; /* v.verdict, or VERDICT_INVALID */
	char reason[240];
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
	struct stats_config cfg;       /* as given */
	struct verdict_rules rules;    /* in force: min effect resolved, rounds needed */
	const char *min_effect_source; /* "option", "scenario" or "default" */
	bool closed_loop;	       /* judged on good responses per second */
	const char *measure;	       /* "good_pct" or "good_per_s" */
	bool indicative;	       /* every verdict is indicative (indicative_why says why) */
	const char *indicative_why;
	struct stats_phase *phases; /* one per model phase */
	size_t n_phases;
	struct stats_protection *prot;
	size_t n_prot;
	struct stats_sweep *sweeps;
	size_t n_sweeps;
	size_t aa;	       /* the A/A twin's phase, SIZE_MAX when none */
	double aa_floor;       /* the A/A interval's largest magnitude: the noise floor */
	bool aa_noisy;	       /* the A/A did not read "no effect" */
	size_t n_invalid;      /* invalid runs, over all phases */
	unsigned rounds;       /* highest round in the results */
	struct curves *curves; /* sensitivity curves (curves.h), NULL when none */
	struct ttp *ttp;       /* time-to-protect (protect.h), NULL when none */
};

/* 0, -ENOMEM or -EINVAL (bad config). Free with stats_free(). */
int stats_compute(const struct model *m, const struct stats_config *cfg, struct stats **out);
void stats_free(struct stats *s);

/* Checks a config; returns NULL or the complaint. */
const char *stats_config_check(const struct stats_config *cfg);

/*
 * The verdicts a run is judged by: every bomb phase's effect, every
 * protection, the A/A. *undecided counts those more rounds could change.
 */
void stats_count_undecided(const struct model *m, const struct stats *s, unsigned *total,
			   unsigned *undecided);

/*
 * What a run achieved on the primary measure before any pairing, valid or
 * not: good % of the offered load (open loop) or good responses per second
 * (closed loop). A probe that did not report scores 0 (DNR). NaN for no run,
 * or a reporting probe without the figure.
 */
double stats_run_raw(const struct model_run *run, bool closed_loop);

/* True for a phase with its own line in the verdict table (a bomb phase, not a twin). */
bool stats_is_group(const struct model *m, size_t i);
/* The protection entry of prioritised phase i, NULL if none. */
const struct stats_protection *stats_prot_of(const struct stats *s, size_t phase);
/* The prioritised phase compared with equal-weight phase i, SIZE_MAX if none. */
size_t stats_prio_of(const struct model *m, size_t i);
