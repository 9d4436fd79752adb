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
};

struct model_bomb_result {
	char *name;
	bool present;
	char *status;
	char *rate_key; /* the metric taken as the achieved rate, e.g. ops_per_s */
	double rate;	/* NaN when no rate metric */
	double started_s, elapsed_s;
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
};

struct model_bomb_def {
	char *name, *vm, *kind;
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
	unsigned host_cpus;
	char *victim_vm;
	struct model_bomb_def *bomb_defs;
	size_t n_bomb_defs;
	struct model_phase *phases;
	size_t n_phases;
	struct model_run *runs; /* sorted by round, then phase order */
	size_t n_runs;
	size_t baseline; /* index of the baseline phase, SIZE_MAX when none */
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
