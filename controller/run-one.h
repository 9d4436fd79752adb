/* SPDX-License-Identifier: MIT */
/* One (round, phase) of `isolab run` (run-one.c), driven by run.c's loop. */
#pragma once

#include <stddef.h>

struct run;

/*
 * Runs plan.runs[idx]: priorities (journalled first), bombs, probe, results,
 * restore; appends its record to R->recs. 0, or -ENOMEM before anything ran.
 */
int run_one(struct run *R, size_t idx);
/*
 * Restores the scheduler settings the journal holds (nothing when none is
 * pending). 0 or -errno, logged with a pointer to `isolab restore`.
 */
int run_restore_prio(struct run *R);
