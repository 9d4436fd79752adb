// SPDX-License-Identifier: MIT
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"

struct suffix {
	const char *name;
	uint64_t mult;
};

static const struct suffix size_suffixes[] = {
	{ "", 1 },
	{ "b", 1 },
	{ "k", 1ULL << 10 },
	{ "kb", 1ULL << 10 },
	{ "kib", 1ULL << 10 },
	{ "m", 1ULL << 20 },
	{ "mb", 1ULL << 20 },
	{ "mib", 1ULL << 20 },
	{ "g", 1ULL << 30 },
	{ "gb", 1ULL << 30 },
	{ "gib", 1ULL << 30 },
	{ "t", 1ULL << 40 },
	{ "tb", 1ULL << 40 },
	{ "tib", 1ULL << 40 },
	{ NULL, 0 },
};

static const struct suffix duration_suffixes[] = {
	{ "", NSEC_PER_SEC },
	{ "ns", 1 },
	{ "us", NSEC_PER_USEC },
	{ "ms", NSEC_PER_MSEC },
	{ "s", NSEC_PER_SEC },
	{ "m", 60 * NSEC_PER_SEC },
	{ "min", 60 * NSEC_PER_SEC },
	{ "h", 3600 * NSEC_PER_SEC },
	{ NULL, 0 },
};

/*
 * digits [ '.' digits ] suffix, scaled by the suffix's multiplier with
 * 128-bit arithmetic. frac_needs_suffix: a fraction of the base unit is
 * meaningless (bytes), so "1.5" alone is rejected for sizes.
 */
static int parse_scaled(const char *s, const struct suffix *table, bool frac_needs_suffix,
			uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned __int128 ipart = 0, frac = 0, scale = 1, v;
	const char *p = s;
	const struct suffix *suf;
	bool any = false, overflow = false;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		ipart = ipart * 10 + (unsigned)(*p - '0');
		if (ipart > UINT64_MAX)
			overflow = true, ipart = UINT64_MAX;
		p++;
		any = true;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p)) {
			if (scale < 1000000000000000000ULL) {
				frac = frac * 10 + (unsigned)(*p - '0');
				scale *= 10;
			}
			p++;
		}
	}
	if (!any)
		return -EINVAL;
	for (suf = table; suf->name; suf++)
		if (strcasecmp(suf->name, p) == 0)
			break;
	if (!suf->name)
		return -EINVAL;
	if (scale > 1 && frac_needs_suffix && suf->mult == 1)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	v = ipart * suf->mult + frac * suf->mult / scale;
	if (v > UINT64_MAX || v < min || v > max)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_scaled(s, size_suffixes, true, min, max, out);
}

int parse_duration(const char *s, uint64_t min_ns, uint64_t max_ns, uint64_t *out_ns)
{
	return parse_scaled(s, duration_suffixes, false, min_ns, max_ns, out_ns);
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	long long v;
	char *end;
	const char *d = s;

	if (!s)
		return -EINVAL;
	if (*d == '-' || *d == '+')
		d++;
	if (!isdigit((unsigned char)*d))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	const char *p = s;
	bool digits = false;
	double v;
	char *end;

	if (!s)
		return -EINVAL;
	/* only [-+]digits[.digits]: no exponent, hex, inf or nan */
	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p))
		p++, digits = true;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++, digits = true;
	}
	if (*p || !digits)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || !isfinite(v) || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on", NULL };
	static const char *const no[] = { "0", "no", "false", "off", NULL };

	if (!s)
		return -EINVAL;
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	return -EINVAL;
}

int parse_hostport(const char *s, bool need_host, bool allow_port0, char *host, size_t hostlen,
		   uint16_t *port)
{
	const char *h = NULL, *portstr;
	size_t hl = 0;
	uint64_t p;
	int r;

	if (!s || !*s || hostlen == 0)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || close == s + 1)
			return -EINVAL;
		h = s + 1;
		hl = (size_t)(close - h);
		portstr = close + 2;
	} else {
		const char *colon = strchr(s, ':');

		if (colon && strchr(colon + 1, ':'))
			return -EINVAL; /* bare IPv6 needs brackets */
		if (colon) {
			h = s;
			hl = (size_t)(colon - s);
			portstr = colon + 1;
		} else {
			portstr = s;
		}
	}
	if (need_host && hl == 0)
		return -EINVAL;
	if (hl >= hostlen)
		return -EINVAL;
	for (size_t i = 0; i < hl; i++)
		if (isspace((unsigned char)h[i]) || h[i] == '/')
			return -EINVAL;
	r = parse_u64(portstr, allow_port0 ? 0 : 1, 65535, &p);
	if (r)
		return r;
	if (hl)
		memcpy(host, h, hl);
	host[hl] = '\0';
	*port = (uint16_t)p;
	return 0;
}

const char *parse_size_hint(void)
{
	return "expected a size such as 4096, 64K, 1.5G or 2MiB";
}

const char *parse_duration_hint(void)
{
	return "expected a duration such as 500ms, 30s, 1.5m or 2h";
}

char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	double v = (double)bytes;
	int u = 0;

	while (v >= 1024 && u < 6)
		v /= 1024, u++;
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

char *fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns < NSEC_PER_USEC)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < NSEC_PER_MSEC)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < NSEC_PER_SEC)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else if (ns < 120 * NSEC_PER_SEC)
		snprintf(buf, len, "%.1f s", (double)ns / 1e9);
	else if (ns < 7200 * NSEC_PER_SEC)
		snprintf(buf, len, "%.1f min", (double)ns / 60e9);
	else
		snprintf(buf, len, "%.1f h", (double)ns / 3600e9);
	return buf;
}
