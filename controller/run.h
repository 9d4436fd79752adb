/* SPDX-License-Identifier: MIT */
/* `isolab run`: one experiment, from scenario to results directory. */
#pragma once

#include <stdbool.h>

#include "backend.h"

struct scenario;

struct run_opts {
	const char *results_root; /* parent of <run-id>/, default "results" */
	bool json;		  /* print a one-line JSON summary before the run dir */
	bool no_report;		  /* skip report_render_dir() */
	const struct backend_config *override; /* CLI backend options, fields NULL = scenario's */
	bool quiet;    /* neither the verdict table nor the run directory on stdout */
	char *dir_out; /* when set: the run directory is copied here (dir_out_len bytes) */
	size_t dir_out_len;
};

/*
 * Runs the scenario (text is written out as scenario.ini). Prints the run
 * directory as the last line on stdout. Returns the exit status: 0 complete,
 * 1 failed or partial, 2 bad input found late (a
 * prioritised VM the backend does not know).
 */
int run_scenario(struct scenario *s, const char *text, const struct run_opts *o);

/* `isolab restore`: replays the journals of dead runs. Returns the exit status. */
int run_restore(bool verbose);
