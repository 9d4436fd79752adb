/* SPDX-License-Identifier: MIT */
/*
 * What makes a run's verdicts signable (issue 11), beside the run loop
 * (run.c): the host's rest level and the calibration before round 1, the
 * load every phase's probe offers, rounds added until the verdicts are
 * decided, cooldown until the host has settled, and per run the mechanism
 * (scheduler read back, the victim's CPU share, each bomb's achieved load)
 * and whether the run is valid evidence. docs/results.md says what each
 * produces.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "run-priv.h"

struct scn_phase;

/*
 * Before round 1: measures the host's idle share at rest, runs the probe
 * closed loop with no bomb into calibration/, and resolves the load and the
 * SLO (R->design). 0, or -errno when the run cannot go on (logged).
 */
int run_calibrate(struct run *R);

/*
 * After the planned runs: adds a round when rounds = auto wants one (not
 * decided, below max_rounds, the next round ends within max_time). true when
 * it did; else sets R->design.stopped.
 */
bool run_more_rounds(struct run *R);

/*
 * Waits until the host's CPU idle share is back at rest, then until the
 * victim's own CPU use is (when the backend can read it), each at most the
 * scenario's cooldown; records both in the last run's cooldown_after.
 */
void run_settle(struct run *R);

/* Reads the scheduler back for the phase's VMs (victim, prioritised, bombs' VMs). */
void run_sched_read(struct run *R, const struct scn_phase *ph, struct sched_snap *snap);
/* The scheduler's setting around the victim (Xen: its cpupool, time slice) into rec. */
void run_sched_details(struct run *R, struct run_rec *rec);
/* Invalid when a prioritised VM does not read back live with the phase's values. */
void run_check_prio(const struct scn_phase *ph, const struct run *R, struct run_rec *rec);

/* The victim's CPU time at one moment. */
struct cpu_mark {
	bool ok;
	uint64_t cpu_ns, t_ns;
};

/* Takes a mark; source gets the counter's name, or "unavailable: why" on the first failure. */
void run_cpu_mark(struct run *R, struct cpu_mark *m, char *source, size_t len);
/* The victim's CPU share between two marks, % of one CPU; NAN without both. */
double run_cpu_share(const struct cpu_mark *a, const struct cpu_mark *b);

/* The victim's CPU time at the start and the end of the probe's measurement window. */
struct run_marks {
	struct run_rec *rec;
	uint64_t start_at, end_at;
	struct cpu_mark start, end;
	bool have_start, have_end;
};

/* Takes the marks that are due at now. */
void run_marks_take(struct run *R, struct run_marks *wm, uint64_t now);
/* How long to wait for the tools: 200 ms, or up to the next mark. */
uint64_t run_marks_pump_ns(const struct run_marks *wm, uint64_t now);

/* Each bomb's achieved load and validity, from the tools' results. */
void run_judge_bombs(const struct run *R, const struct scn_phase *ph, struct run_rec *rec,
		     const struct tool_proc *bombs);

/* The verdict table on stdout, before the results directory line. */
void run_print_verdicts(const struct run *R);
