// SPDX-License-Identifier: MIT
/* The victim's /urls answer, checked before the probe gets it (urls-check.h). */
#include "urls-check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Length of "scheme://authority" at the start of s (n bytes), 0 when s is not absolute. */
static size_t origin_len(const char *s, size_t n)
{
	const char *sep = memmem(s, n, "://", 3);
	size_t i;

	if (!sep || sep == s)
		return 0;
	for (const char *q = s; q < sep; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))
			return 0;
	for (i = (size_t)(sep - s) + 3; i < n && s[i] != '/'; i++)
		;
	return i;
}

static int check_entry(const char *s, size_t n, size_t lineno, const char *origin, char *err,
		       size_t errlen)
{
	size_t olen, want = strlen(origin);

	for (size_t i = 0; i < n; i++)
		if (is_blank(s[i])) {
			snprintf(err, errlen,
				 "line %zu: holds whitespace inside (expected one path or URL per "
				 "line)",
				 lineno);
			return -EINVAL;
		}
	if (!memmem(s, n, "://", 3))
		return 0; /* a path, joined to the victim's URL by the probe */
	olen = origin_len(s, n);
	if (olen == 0 || olen != want || strncasecmp(s, origin, olen) != 0) {
		snprintf(err, errlen,
			 "line %zu: '%.*s' is not on the victim (%s): the probe measures the "
			 "victim only",
			 lineno, (int)(n > 80 ? 80 : n), s, origin);
		return -EINVAL;
	}
	return 0;
}

int urls_check(const char *text, size_t len, const char *origin, char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0, entries = 0;

	if (!text || !len) {
		snprintf(err, errlen, "no page listed");
		return -EINVAL;
	}
	if (len > URLS_CHECK_MAX_BYTES) {
		snprintf(err, errlen, "larger than %u MiB", URLS_CHECK_MAX_BYTES >> 20);
		return -EFBIG;
	}
	while (pos < len) {
		const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int r;

		pos += n + (nl ? 1 : 0);
		lineno++;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)line[i];

			if ((c < ' ' && c != '\t' && c != '\r') || c == 0x7f) {
				snprintf(err, errlen, "line %zu: holds %s (expected text)", lineno,
					 c ? "a control character" : "a NUL byte");
				return -EINVAL;
			}
		}
		if (n > URLS_CHECK_MAX_LINE) {
			snprintf(err, errlen, "line %zu: longer than %u bytes", lineno,
				 URLS_CHECK_MAX_LINE);
			return -EINVAL;
		}
		size_t a = 0;

		while (a < n && is_blank(line[a]))
			a++;
		while (n > a && is_blank(line[n - 1]))
			n--;
		if (a == n || line[a] == '#')
			continue;
		r = check_entry(line + a, n - a, lineno, origin, err, errlen);
		if (r)
			return r;
		entries++;
	}
	if (!entries) {
		snprintf(err, errlen, "no page listed");
		return -EINVAL;
	}
	return 0;
}
