/* SPDX-License-Identifier: MIT */
/* Driving one kind: start, watch the clock and the signals, stop, render. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "bomb.h"
#include "result.h"

struct bomb_outcome {
	enum result_status status;
	char error[256];
	uint64_t started_wall_ns;
	uint64_t elapsed_ns;
};

/*
 * Runs ctx->cfg natively: ops->start, ready line, monitor (duration,
 * SIGINT/SIGTERM, progress line), ops->finish. Always calls finish once
 * start was called, so every worker is joined and every file removed.
 */
void bomb_run(struct bomb_ctx *ctx, struct bomb_outcome *out);

/* Writes the "isolab-ready\n" line to fd (no-op for fd < 0). */
void bomb_ready(int fd);

/* The common options object members (duration_s, intensity_pct, ...). */
void bomb_common_options_json(const struct bomb_config *cfg, struct json_writer *w);

/*
 * The whole --json result; metrics_fn writes the metrics members. Returns
 * 0 or -errno from the writer.
 */
int bomb_print_result(const struct bomb_config *cfg, const struct bomb_outcome *out,
		      void (*metrics_fn)(void *arg, struct json_writer *w), void *arg, FILE *f);
