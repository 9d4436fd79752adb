/* SPDX-License-Identifier: MIT */
/*
 * Pairing rounds (stats-pair.c): the per-round scores of the primary measure
 * and the comparisons, protections and A/A built on them. Internal to stats.
 */
#pragma once

#include <stddef.h>

#include "model.h"
#include "stats.h"

/*
 * The run of phase in round (1-based), or NULL. Only valid runs when
 * valid_only.
 */
const struct model_run *stats_run_of(const struct model *m, size_t phase, unsigned round,
				     bool valid_only);

/* Fills every phase's comparison with the baseline, the protections and the A/A. */
int stats_pair_all(const struct model *m, struct stats *s);
