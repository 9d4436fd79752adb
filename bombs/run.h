/* SPDX-License-Identifier: MIT */
/*
 * Driving one kind: start, watch the clock and the signals, stop; then the
 * result struct, rendered as JSON or human text by one printing call.
 */
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

/* Everything a run produced, computed before anything is printed. */
struct bomb_result {
	const struct bomb_config *cfg;
	struct bomb_outcome out;
	const struct bomb_ctx *ctx; /* native: the kind's figures (finish() done); else NULL */
	struct sng_metrics sng;	    /* --engine stress-ng: its figures; sng.n = 0: none */
	double sng_elapsed_s;
};

enum bomb_format {
	BOMB_FORMAT_JSON,  /* the one object of docs/tools.md, one line */
	BOMB_FORMAT_HUMAN, /* a status line, then the metrics as key=value */
};

/*
 * Renders res onto f. Both formats write the metrics through the same
 * calls (the kind's metrics_json() into a JSON or a JSON_TEXT writer), so
 * they cannot drift. Returns 0 or -errno.
 */
int bomb_result_print(const struct bomb_result *res, enum bomb_format fmt, FILE *f);
