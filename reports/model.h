/* SPDX-License-Identifier: MIT */
/*
 * The result model: a results directory (docs/results.md) read into plain
 * structs. Missing tool results are DNR, not errors; malformed or absurd
 * input is an error with one precise message.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist;

/* Files larger than this are refused (a hostile or broken results dir). */
#define MODEL_MAX_JSON_BYTES (64u << 20)
#define MODEL_MAX_PHASES     256
#define MODEL_MAX_RUNS	     4096
#define MODEL_MAX_BOMBS	     64
#define MODEL_MAX_TIMELINE   86400

struct model_bucket {
	uint64_t value_ns, count;
};

struct model_latency {
	bool present;
	double min, mean, stdev, p50, p90, p99, p999, max; /* ms */
};

struct model_tick {
	double t_s;
	double requests, failures;
	double p50_ms, p99_ms; /* NaN when absent */
};

struct model_probe {
	bool present; /* probe.json was read */
	char *status; /* the tool's status: ok, interrupted, failed */
	char *error;
	double started_s; /* wall clock, seconds since the epoch; NaN if unknown */
	double elapsed_s; /* NaN if unknown */
	double warmup_s;  /* NaN if unknown */
	uint64_t requests, ok, failed;
	double success_pct, throughput_rps;
	struct model_latency lat;
	/*
	 * The histogram as plain buckets (not a struct hist: one of those is
	 * 270 KiB, and a run can have thousands of results), sorted by value,
	 * equal values merged. NULL/0 when the result had no histogram.
	 */
	struct model_bucket *buckets;
	size_t n_buckets;
	uint64_t hist_count;
	struct model_tick *timeline;
	size_t n_timeline;
	/* against the SLO (docs/results.md; absent in results measured before issue 11) */
	char *mode;			     /* "open", "closed" or NULL */
	bool has_good;			     /* good and good_pct were reported */
	double good_pct;		     /* 100 * good / offered */
	double slo_ms, rate_rps, measured_s; /* NaN when absent */
	uint64_t offered, good, outstanding_at_end, not_sent;
};

struct model_bomb_result {
	char *name;
	bool present;
	char *status;
	char *rate_key; /* the metric taken as the achieved rate, e.g. ops_per_s */
	double rate;	/* NaN when no rate metric */
	double started_s, elapsed_s;
};

/* What a bomb was asked for and what it achieved in one run (manifest bombs_achieved). */
struct model_achieved {
	char *bomb;
	double requested, achieved, share_pct; /* NaN when absent */
	char *unit;
};

/* One VM's scheduler settings as read back (manifest runs[].sched.start/end). */
struct model_sched_vm {
	char *vm;
	double weight, cap; /* NaN when absent */
	int live;	    /* 1 live, 0 stored but not live, -1 unknown */
};

struct model_sched {
	bool present;
	char *scheduler;
	char *details; /* "key=value, ..." of sched.details, NULL when none */
	struct model_sched_vm *start, *end;
	size_t n_start, n_end;
};

/* A setting changed part-way through the measurement (time-to-protect). */
struct model_at {
	double t_s; /* seconds into the measurement window */
	char *key;  /* "weight.web", "cap.n-cpu" */
	double value;
};

/* When a run applied it. */
struct model_at_run {
	double t_s;	  /* as planned */
	double issued_s;  /* when the controller set it, NaN when unknown */
	double applied_s; /* when the backend had it, NaN when unknown */
	bool ok;
	char *error;
};

/* A run's per-request log (probe-requests.csv), loaded only for time-to-protect. */
struct model_requests {
	bool present;
	double *t;	   /* intended send time, s from the start of the measurement */
	double *lat;	   /* ms from the intended send time */
	unsigned char *ok; /* succeeded (good when also within the SLO) */
	size_t n;
};

struct model_run {
	unsigned round;
	size_t phase; /* index into model.phases */
	char *status; /* ok, dnr, failed, interrupted */
	char *dir;
	struct model_probe probe;
	struct model_bomb_result *bombs;
	size_t n_bombs;
	char **dnr; /* tools that did not report */
	size_t n_dnr;
	unsigned order; /* position within its round, from 1; 0 when unknown */
	/*
	 * Valid unless the manifest says `"valid": false`; results without the
	 * field are judged from what they show (a bomb that did not report or
	 * failed, an interrupted run), and those reasons start with "derived: ".
	 */
	bool valid;
	char **invalid; /* one line per reason */
	size_t n_invalid;
	double victim_cpu_pct; /* % of one CPU in the measurement window; NaN unknown */
	char *victim_cpu_source;
	struct model_sched sched;
	struct model_achieved *achieved;
	size_t n_achieved;
	struct model_at_run *at; /* the phase's changes as applied, in its order */
	size_t n_at;
	struct model_requests req;
};

struct model_phase {
	char *name;
	char **bombs;
	size_t n_bombs;
	char *priority;	 /* human text, NULL when equal weights */
	char *twin;	 /* equal-weight phase this one is compared with, or NULL */
	size_t twin_idx; /* SIZE_MAX when none */
	bool is_sweep;
	char *sweep_key;
	double sweep_value;
	double weight_ratio; /* victim weight / neighbour weight; NaN if unknown */
	bool is_baseline;
	char *aa_of;	     /* the phase this one is an A/A twin of, or NULL */
	struct model_at *at; /* settings changed during the measurement, by time */
	size_t n_at;
	/*
	 * The victim's share of the disk (io-share.h), % of the bytes its and the
	 * neighbours' disk bombs moved, mean over valid runs; NaN when not measurable.
	 * io_caveat: what the report says beside the phase, NULL when nothing;
	 * io_caveat_why: the same with how it was measured (HTML).
	 */
	double io_share_pct, io_share_equal_pct, io_share_weights_pct;
	char *io_caveat, *io_caveat_why;
};

struct model_bomb_def {
	char *name, *vm, *kind;
};

/* manifest.json design, calibration, load (absent before issue 11). */
struct model_design {
	bool present;
	bool has_seed;
	uint64_t seed;
	char *order, *rounds_mode;
	unsigned rounds_planned, max_rounds, min_valid_rounds; /* 0 when absent */
	double max_time_s, min_effect_pct, min_bomb_share_pct; /* NaN when absent */
	bool aa;
};

struct model_calibration {
	bool present;
	char *status;					 /* "ok" or "failed" */
	double capacity_rps, duration_s, p50_ms, p99_ms; /* NaN when absent */
	unsigned concurrency;
	char *result;
};

struct model_load {
	bool present;
	char *mode;			    /* "open" or "closed" */
	double share_pct, rate_rps, slo_ms; /* NaN when absent */
	char *slo_source;
};

struct model {
	char *dir;
	char *run_id;
	char *status; /* manifest status */
	bool partial;
	char *scenario_name;
	double duration_s, warmup_s;
	unsigned rounds_planned;
	char *started, *ended;
	char *hostname, *kernel, *backend, *scheduler, *probe_kind, *probe_protection;
	/* the backend said a weight does not reach the disk here (backend.io_weight.note) */
	char *io_weight_note;
	/* the io weight knob the backend set where one works (backend.io_weight.knob), or NULL */
	char *io_weight_knob;
	unsigned host_cpus;
	char *victim_vm;
	struct model_bomb_def *bomb_defs;
	size_t n_bomb_defs;
	struct model_phase *phases;
	size_t n_phases;
	struct model_run *runs; /* sorted by round, then phase order */
	size_t n_runs;
	size_t baseline; /* index of the baseline phase, SIZE_MAX when none */
	size_t aa;	 /* index of the baseline's A/A twin, SIZE_MAX when none */
	struct model_design design;
	struct model_calibration cal;
	struct model_load load;
	bool precalibration; /* no calibration or load: measured before issue 11 */
	bool closed_loop;    /* judged on good responses per second, not good % */
	char **warnings;
	size_t n_warnings;
};

/*
 * Reads the results directory. Returns 0, -ENOENT/-ENOTDIR (no such dir,
 * not a results dir), -EINVAL (malformed or absurd content), -ENOMEM. On
 * error, err (errlen bytes) holds one line saying what and where.
 * Free with model_free().
 */
int model_load(const char *dir, struct model **out, char *err, size_t errlen);
void model_free(struct model *m);

/* Index of a phase by name, SIZE_MAX if none. */
size_t model_phase_index(const struct model *m, const char *name);

/* "2026-11-22T10:15:00.123Z" to seconds since the epoch; NaN if malformed. */
double model_parse_time(const char *s);
