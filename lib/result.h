/* SPDX-License-Identifier: MIT */
/*
 * The envelope every tool's --json result shares (docs/architecture.md,
 * "Contracts"): result_begin() opens the object and writes tool, version,
 * kind, engine, status, error, started, elapsed_s; the caller then writes
 * "options" and "metrics" objects and calls json_obj_end().
 */
#pragma once

#include <stdint.h>

struct json_writer;

enum result_status {
	RESULT_OK,
	RESULT_INTERRUPTED,
	RESULT_FAILED,
};

const char *result_status_name(enum result_status s);

/* error may be NULL (written as null when status is ok, omitted never). */
void result_begin(struct json_writer *w, const char *tool, const char *kind, const char *engine,
		  enum result_status status, const char *error, uint64_t started_wall_ns,
		  uint64_t elapsed_ns);
