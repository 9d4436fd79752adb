// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the one place numbers from users are parsed
 * (lib/parse.c): sizes, durations, integers, decimals, booleans and
 * HOST:PORT, as they come from command lines and scenario files.
 *
 * Besides not crashing, every parser must keep its contract: an accepted
 * value lies in [min, max] and is accepted again with min = max = value
 * and refused with -ERANGE just outside; *out is untouched on failure;
 * errors are only -EINVAL or -ERANGE; a bare number of bytes or seconds
 * means the same as with its unit; a host has no '/' or whitespace.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SENTINEL 0xfeedfacecafebeefULL

static void check_err(int r)
{
	if (r != 0 && r != -EINVAL && r != -ERANGE)
		abort();
}

typedef int (*u64_parser)(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* The range contract for one unsigned parser; returns the parsed value's status. */
static int check_u64(u64_parser fn, const char *s, uint64_t *val)
{
	uint64_t v = SENTINEL, w = SENTINEL;
	int r = fn(s, 0, UINT64_MAX, &v);

	check_err(r);
	if (r) {
		if (v != SENTINEL)
			abort(); /* written on failure */
		return r;
	}
	if (fn(s, v, v, &w) != 0 || w != v)
		abort();
	if (v < UINT64_MAX && fn(s, v + 1, UINT64_MAX, &w) != -ERANGE)
		abort();
	if (v > 0 && fn(s, 0, v - 1, &w) != -ERANGE)
		abort();
	*val = v;
	return 0;
}

static void check_i64(const char *s)
{
	int64_t v = INT64_MIN + 7, w;
	int r = parse_i64(s, INT64_MIN, INT64_MAX, &v);

	check_err(r);
	if (r) {
		if (v != INT64_MIN + 7)
			abort();
		return;
	}
	if (parse_i64(s, v, v, &w) != 0 || w != v)
		abort();
	if (v < INT64_MAX && parse_i64(s, v + 1, INT64_MAX, &w) != -ERANGE)
		abort();
	if (v > INT64_MIN && parse_i64(s, INT64_MIN, v - 1, &w) != -ERANGE)
		abort();
}

static void check_double(const char *s)
{
	double v = 42.5, w;
	int r = parse_double(s, -INFINITY, INFINITY, &v);

	check_err(r);
	if (r) {
		if (v != 42.5)
			abort();
		return;
	}
	if (!isfinite(v) || parse_double(s, v, v, &w) != 0 || w != v)
		abort();
	if (parse_double(s, nextafter(v, INFINITY), INFINITY, &w) != -ERANGE)
		abort();
}

static void check_hostport(const char *s, bool need_host, bool port0)
{
	char host[64];
	uint16_t port = 7;
	int r;

	memset(host, 'x', sizeof(host));
	r = parse_hostport(s, need_host, port0, host, sizeof(host), &port);
	check_err(r);
	if (r) {
		if (port != 7 || host[0] != 'x')
			abort();
		return;
	}
	if (!memchr(host, '\0', sizeof(host)) || (need_host && !host[0]) || (!port0 && !port))
		abort();
	for (const char *h = host; *h; h++)
		if (*h == '/' || isspace((unsigned char)*h))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = strndup((const char *)data, size), *suffixed, buf[64];
	uint64_t v, w;
	bool b = true;
	size_t n;

	if (!s)
		return 0;
	n = strlen(s);
	if (check_u64(parse_size, s, &v) == 0) {
		(void)fmt_size(v, buf, sizeof(buf));
		/* "N" bytes is "NB"; "N" seconds is "Ns" */
		suffixed = malloc(n + 3);
		if (!suffixed)
			abort();
		memcpy(suffixed, s, n);
		memcpy(suffixed + n, "B", 2);
		if (!strchr(s, '.') && !isalpha((unsigned char)s[n - 1]) &&
		    (parse_size(suffixed, 0, UINT64_MAX, &w) != 0 || w != v))
			abort();
		free(suffixed);
	}
	if (check_u64(parse_duration, s, &v) == 0) {
		(void)fmt_duration(v, buf, sizeof(buf));
		suffixed = malloc(n + 3);
		if (!suffixed)
			abort();
		memcpy(suffixed, s, n);
		memcpy(suffixed + n, "s", 2);
		if (!isalpha((unsigned char)s[n - 1]) &&
		    (parse_duration(suffixed, 0, UINT64_MAX, &w) != 0 || w != v))
			abort();
		free(suffixed);
	}
	if (check_u64(parse_u64, s, &v) == 0 &&
	    (check_u64(parse_size, s, &w) != 0 || w != v)) /* digits alone: a size in bytes */
		abort();
	check_i64(s);
	check_double(s);
	check_err(parse_bool(s, &b));
	check_hostport(s, false, false);
	check_hostport(s, true, true);
	free(s);
	return 0;
}
