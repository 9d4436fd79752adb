/* SPDX-License-Identifier: MIT */
/*
 * The probe's running figures for the progress line: follows its --log CSV
 * (t_s,latency_ms,uncorrected_ms,status,bytes,result,...) as it grows and
 * keeps a histogram of what was measured so far. Bounded: one histogram,
 * a line buffer; lines longer than it are skipped.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct live;

/* NULL on allocation failure. The file need not exist yet. */
struct live *live_new(const char *csv_path);
void live_free(struct live *l);
/* Reads what was appended since the last call. */
void live_poll(struct live *l);
/* false until a request was seen */
bool live_get(const struct live *l, double *p99_ms, double *success_pct, uint64_t *requests);
