/* SPDX-License-Identifier: MIT */
/*
 * --engine stress-ng: runs stress-ng's nearest stressor (the kind's
 * sng_args) under the same duration and intensity (cpu: --cpu-load; other
 * kinds: SIGSTOP/SIGCONT of its stressors over the same duty cycle) and
 * reads its --yaml metrics.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "bomb.h"
#include "run.h"

/* Finds stress-ng in PATH; true and its path in buf when found. */
bool sng_find(char *buf, size_t len);

/*
 * Parses the first "- stressor:" block of a stress-ng --yaml document into
 * m (numeric values only). Returns 0, or -ENOENT when there is no block.
 */
int sng_parse_yaml(const char *text, struct sng_metrics *m);

/* Runs it; fills out and m (m->n = 0 when stress-ng wrote no metrics). */
void sng_run(const struct bomb_config *cfg, const char *path, struct bomb_outcome *out,
	     struct sng_metrics *m, double *elapsed_s);
