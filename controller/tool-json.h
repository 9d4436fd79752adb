/* SPDX-License-Identifier: MIT */
/*
 * A tool's JSON result (docs/tools.md), read with jansson as the reports
 * read it: exactly one JSON object, and a few values by dotted path
 * ("metrics.latency_ms.p99").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct tool_json;

/* The text (len bytes) as one JSON object; NULL when it is anything else. */
struct tool_json *tool_json_parse(const char *text, size_t len);
void tool_json_free(struct tool_json *t); /* NULL is a no-op */

/* The string at path into buf (cut to fit); false when absent or not a string. */
bool tool_json_str(const struct tool_json *t, const char *path, char *buf, size_t len);
/* The number at path; false when absent or not a number. */
bool tool_json_num(const struct tool_json *t, const char *path, double *out);
