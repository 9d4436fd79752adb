/* SPDX-License-Identifier: MIT */
/*
 * The one place numbers from users are parsed. Every function returns 0 and
 * writes *out, or returns -EINVAL (malformed: empty, sign, junk, bad suffix)
 * or -ERANGE (well-formed but outside [min, max] or overflowing), leaving
 * *out untouched. Leading/trailing whitespace is rejected.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/*
 * Sizes in bytes: "4096", "64K", "1.5G", "2MiB", "10KB", "1T". K/M/G/T with
 * or without "B" or "iB" are all binary (1024^n); "B" alone means bytes.
 * Suffix letters are case-insensitive. A fraction is allowed with a suffix
 * and is rounded down to whole bytes.
 */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Durations in nanoseconds: "250ms", "30s", "1.5m", "2h", "500us", "10ns";
 * a bare number means seconds. Fractions allowed ("0.5s").
 */
int parse_duration(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns);

/* Unsigned decimal integer, no suffix. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Signed decimal integer, no suffix. */
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Decimal number (no exponent, no hex, no inf/nan). */
int parse_double(const char *s, double min, double max, double *out);
/* "yes/no/true/false/on/off/1/0", case-insensitive. */
int parse_bool(const char *s, bool *out);

/*
 * "[ADDR:]PORT", "HOST:PORT", "[v6addr]:PORT". With need_host, a host is
 * required. host gets "" when absent. -EINVAL if host does not fit hostlen.
 * Port must be 1-65535 (0 allowed when allow_port0).
 */
int parse_hostport(const char *s, bool need_host, bool allow_port0, char *host, size_t hostlen,
		   uint16_t *port);

/* Human words for parse errors, e.g. "not a size (use e.g. 64K, 1.5G)". */
const char *parse_size_hint(void);
const char *parse_duration_hint(void);

/* Formats bytes as "1.5 GiB" / nanoseconds as "1.5 s" into buf. Returns buf. */
char *fmt_size(uint64_t bytes, char *buf, size_t len);
char *fmt_duration(uint64_t ns, char *buf, size_t len);
