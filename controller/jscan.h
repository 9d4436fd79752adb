/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader for the tools' results: checks that a text is exactly
 * one well-formed JSON object and fetches a few scalar values by dotted
 * path ("metrics.latency_ms.p99"). Nesting is capped; no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* true when s[0..len) is one JSON object, surrounded by whitespace at most. */
bool jscan_is_object(const char *s, size_t len);
/* The string at path (unescaped only for plain ASCII; escapes copied as is). */
bool jscan_get_str(const char *s, size_t len, const char *path, char *buf, size_t buflen);
bool jscan_get_num(const char *s, size_t len, const char *path, double *out);
