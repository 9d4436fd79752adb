/* SPDX-License-Identifier: MIT */
/* The state of one `isolab run`, shared by run.c and manifest.c. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "exec.h"
#include "plan.h"

struct scenario;
struct run_opts;

#define RUN_PATH_MAX 2048 /* the run and state dirs; longer is refused */

/* One executed (round, phase). */
struct run_rec {
	size_t idx; /* into plan.runs */
	const char *status;
	char started[32];
	char ended[32];
	bool probe_ok;
	bool *bomb_ok; /* per phase bomb */
	double p99_ms;
	double success_pct;
};

struct run {
	struct scenario *s;
	const struct run_opts *o;
	char run_id[40];
	char dir[RUN_PATH_MAX];
	char state_sub[RUN_PATH_MAX]; /* <state>/run-<id>.d: victim db, urls, disk bomb files */
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b;
	struct backend_caps caps;
	bool caps_ok;
	bool local;
	struct journal *j;
	struct exec_ctx x;
	struct tool_proc victim;
	bool victim_started;
	char victim_url[300];
	char urls_file[RUN_PATH_MAX + 64];
	struct plan plan;
	struct run_rec *recs;
	size_t n_recs;
	uint64_t started_wall;
	uint64_t started_mono;
	double est_per_run_s;
	char last_phase[200]; /* the last finished run, for the progress line */
	double last_p99_ms;
	double last_success_pct;
	const char *status;	     /* complete / partial / failed */
	char probe_protection[1024]; /* copied: the backend's string dies with it */
	char scheduler[64];
};

/* Writes manifest.json atomically; 0 or -errno. */
int manifest_write(const struct run *R, bool final);
