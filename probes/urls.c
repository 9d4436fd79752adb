// SPDX-License-Identifier: MIT
/* URL and query lists: one entry per line, resolved against --base. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe.h"

int probe_list_add(char ***list, size_t *n, const char *s, size_t len)
{
	char **grown;
	char *copy;

	if (*n >= PROBE_LIST_MAX_ENTRIES)
		return -E2BIG;
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	/* grow by doubling: realloc only when n is a power of two */
	if ((*n & (*n - 1)) == 0) {
		size_t cap = *n ? *n * 2 : 1;

		grown = realloc(*list, cap * sizeof(**list));
		if (!grown) {
			free(copy);
			return -ENOMEM;
		}
		*list = grown;
	}
	(*list)[(*n)++] = copy;
	return 0;
}

void probe_list_free(char **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Length of "scheme://host[:port]" in an absolute URL, 0 when not absolute. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash;

	if (!p || p == url)
		return 0;
	for (const char *q = url; q < p; q++)
		if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
		      (*q >= '0' && *q <= '9') || *q == '+' || *q == '-' || *q == '.'))
			return 0;
	slash = strchr(p + 3, '/');
	return slash ? (size_t)(slash - url) : strlen(url);
}

static bool has_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (is_space(s[i]) || s[i] == ' ')
			return true;
	return false;
}

/* A control character (other than whitespace) or DEL: no URL holds one. */
static bool has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

/*
 * Walks the lines of text, trimming whitespace and skipping blanks and
 * comments; calls fn for each entry. Stops on fn's error.
 */
static int each_line(const char *text, size_t len, bool sql_comments,
		     int (*fn)(const char *s, size_t n, size_t lineno, void *arg), void *arg,
		     char *err, size_t errlen)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		int ret;

		pos += n + (nl ? 1 : 0);
		lineno++;
		if (n > PROBE_LIST_MAX_LINE) {
			snprintf(err, errlen, "line %zu: longer than %u bytes", lineno,
				 PROBE_LIST_MAX_LINE);
			return -EINVAL;
		}
		if (memchr(line, '\0', n)) {
			snprintf(err, errlen, "line %zu: contains a NUL byte", lineno);
			return -EINVAL;
		}
		while (n > 0 && is_space(*line)) {
			line++;
			n--;
		}
		while (n > 0 && is_space(line[n - 1]))
			n--;
		if (n == 0 || line[0] == '#')
			continue;
		if (sql_comments && n >= 2 && line[0] == '-' && line[1] == '-')
			continue;
		ret = fn(line, n, lineno, arg);
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		else if (ret == -E2BIG)
			snprintf(err, errlen, "more than %u entries", PROBE_LIST_MAX_ENTRIES);
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct url_ctx {
	const char *base;
	char ***list;
	size_t *n;
	char *err;
	size_t errlen;
};

static int add_url(const char *s, size_t n, size_t lineno, void *arg)
{
	struct url_ctx *c = arg;
	const char *sep;
	size_t blen, olen;
	char *joined;
	int ret;

	/* control characters first: the messages below quote the entry */
	if (has_control(s, n)) {
		snprintf(c->err, c->errlen, "line %zu: contains a control character", lineno);
		return -EINVAL;
	}
	if (has_space(s, n)) {
		snprintf(c->err, c->errlen, "line %zu: '%.*s' contains whitespace", lineno,
			 (int)(n > 80 ? 80 : n), s);
		return -EINVAL;
	}
	/* s is a slice of the list, not NUL-terminated: mem* functions only */
	sep = memmem(s, n, "://", 3);
	if (sep) {
		char *tmp = strndup(s, n);
		bool elsewhere;

		if (!tmp)
			return -ENOMEM;
		olen = origin_len(tmp);
		/* with a base, the list names pages of base's origin only: a hostile
		   victim's /urls must not turn the probe on another host */
		elsewhere = c->base &&
			    (olen != origin_len(c->base) || strncasecmp(tmp, c->base, olen) != 0);
		free(tmp);
		if (olen == 0 || olen <= (size_t)(sep - s) + 3) {
			snprintf(c->err, c->errlen, "line %zu: '%.*s' is not a URL", lineno,
				 (int)(n > 80 ? 80 : n), s);
			return -EINVAL;
		}
		if (elsewhere) {
			snprintf(
				c->err, c->errlen,
				"line %zu: '%.*s' is not on --base's host %.*s (a list with a base "
				"names its pages only)",
				lineno, (int)(n > 80 ? 80 : n), s, (int)origin_len(c->base),
				c->base);
			return -EINVAL;
		}
		return probe_list_add(c->list, c->n, s, n);
	}
	if (!c->base) {
		snprintf(c->err, c->errlen, "line %zu: path '%.*s' needs --base URL", lineno,
			 (int)(n > 80 ? 80 : n), s);
		return -EINVAL;
	}
	blen = strlen(c->base);
	olen = origin_len(c->base);
	if (s[0] == '/')
		blen = olen;
	joined = malloc(blen + n + 2);
	if (!joined)
		return -ENOMEM;
	memcpy(joined, c->base, blen);
	if (s[0] != '/' && (blen == 0 || c->base[blen - 1] != '/'))
		joined[blen++] = '/';
	memcpy(joined + blen, s, n);
	joined[blen + n] = '\0';
	ret = probe_list_add(c->list, c->n, joined, blen + n);
	free(joined);
	return ret;
}

int probe_parse_urls(const char *text, size_t len, const char *base, char ***list, size_t *n,
		     char *err, size_t errlen)
{
	struct url_ctx c = { .base = base, .list = list, .n = n, .err = err, .errlen = errlen };
	size_t olen;

	if (base) {
		olen = origin_len(base);
		if (has_control(base, strlen(base))) {
			snprintf(err, errlen, "--base contains a control character");
			return -EINVAL;
		}
		if (olen == 0 || olen <= (size_t)(strstr(base, "://") - base) + 3 ||
		    has_space(base, strlen(base))) {
			snprintf(err, errlen, "--base '%s' is not an absolute URL", base);
			return -EINVAL;
		}
	}
	return each_line(text, len, false, add_url, &c, err, errlen);
}

struct query_ctx {
	char ***list;
	size_t *n;
};

static int add_query(const char *s, size_t n, size_t lineno, void *arg)
{
	struct query_ctx *c = arg;

	return probe_list_add(c->list, c->n, s, n);
}

int probe_parse_queries(const char *text, size_t len, char ***list, size_t *n, char *err,
			size_t errlen)
{
	struct query_ctx c = { .list = list, .n = n };

	return each_line(text, len, true, add_query, &c, err, errlen);
}
