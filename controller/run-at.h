/* SPDX-License-Identifier: MIT */
/*
 * Settings changed part-way through a phase's measurement (at.TIME, run-at.c):
 * applied while the probe runs, journalled first like the phase's own, and
 * recorded with the moments they were issued and took effect.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUN_AT_MAX 16

struct run;
struct run_rec;
struct scn_phase;
struct json_writer;
struct tool_proc;

/* What happened to one change in one run. */
struct run_at_done {
	double issued_s;  /* when the controller set it, s into the measurement; NAN: not yet */
	double applied_s; /* when the backend had it */
	bool ok;
	char error[160];
};

struct run_at_state {
	const struct scn_phase *ph;
	uint64_t start_at; /* the measurement window's start, monotonic ns */
	size_t next;	   /* the next change to apply */
};

void run_at_init(struct run_at_state *st, const struct scn_phase *ph, uint64_t start_at);
/*
 * With changes in the phase, waits (10 s at most) for the probe's ready line: the
 * measurement window, and so at.TIME, is timed from the probe's start, after its warmup.
 */
void run_at_wait_probe(const struct scn_phase *ph, struct tool_proc *probe);
/* When the next change is due (monotonic ns), UINT64_MAX when none is left. */
uint64_t run_at_next(const struct run_at_state *st);
/* wait_ns, or less when the next change is due sooner (0 when it is due). */
uint64_t run_at_pump_ns(const struct run_at_state *st, uint64_t wait_ns, uint64_t now);
/* Applies every change due by now; a failure makes the run invalid (logged). */
void run_at_due(struct run *R, struct run_at_state *st, uint64_t now, struct run_rec *rec);
/* runs[].at of the manifest (docs/results.md); nothing when the phase has none. */
void run_at_json(struct json_writer *w, const struct scn_phase *ph, const struct run_rec *rec);
