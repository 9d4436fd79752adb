// SPDX-License-Identifier: MIT
/* Validating JSON scanner: recursive descent over the text, depth-capped. */
#include "jscan.h"

#include <stdlib.h>
#include <string.h>

#define JSCAN_MAX_DEPTH 64

struct cur {
	const char *p;
	const char *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool lit(struct cur *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Skips a string; start and len get its raw contents. */
static bool str(struct cur *c, const char **start, size_t *len)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	if (start)
		*start = c->p;
	while (c->p < c->end && *c->p != '"') {
		if ((unsigned char)*c->p < 0x20)
			return false;
		if (*c->p == '\\') {
			c->p++;
			if (c->p >= c->end)
				return false;
			if (*c->p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (c->p + i >= c->end ||
					    !strchr("0123456789abcdefABCDEF", c->p[i]) || !c->p[i])
						return false;
				c->p += 4;
			} else if (!strchr("\"\\/bfnrt", *c->p) || !*c->p) {
				return false;
			}
		}
		c->p++;
	}
	if (c->p >= c->end)
		return false;
	if (len)
		*len = (size_t)(c->p - *start);
	c->p++;
	return true;
}

static bool num(struct cur *c)
{
	const char *s = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return false;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return false;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return false;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return c->p > s;
}

static bool value(struct cur *c, int depth);

static bool container(struct cur *c, int depth, bool obj)
{
	char close = obj ? '}' : ']';

	if (depth > JSCAN_MAX_DEPTH)
		return false;
	c->p++;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		ws(c);
		if (obj) {
			if (!str(c, NULL, NULL))
				return false;
			ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!value(c, depth + 1))
			return false;
		ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p != ',')
			return false;
		c->p++;
	}
}

static bool value(struct cur *c, int depth)
{
	ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
		return container(c, depth, true);
	case '[':
		return container(c, depth, false);
	case '"':
		return str(c, NULL, NULL);
	case 't':
		return lit(c, "true");
	case 'f':
		return lit(c, "false");
	case 'n':
		return lit(c, "null");
	default:
		return num(c);
	}
}

bool jscan_is_object(const char *s, size_t len)
{
	struct cur c = { s, s + len };

	ws(&c);
	if (c.p >= c.end || *c.p != '{' || !value(&c, 0))
		return false;
	ws(&c);
	return c.p == c.end;
}

/* Positions c at the value under path inside the object at c. */
static bool find(struct cur *c, const char *path)
{
	size_t seg = strcspn(path, ".");

	ws(c);
	if (c->p >= c->end || *c->p != '{')
		return false;
	c->p++;
	for (;;) {
		const char *k;
		size_t klen;

		ws(c);
		if (c->p < c->end && *c->p == '}')
			return false;
		if (!str(c, &k, &klen))
			return false;
		ws(c);
		if (c->p >= c->end || *c->p != ':')
			return false;
		c->p++;
		ws(c);
		if (klen == seg && memcmp(k, path, seg) == 0)
			return path[seg] ? find(c, path + seg + 1) : true;
		if (!value(c, 1))
			return false;
		ws(c);
		if (c->p >= c->end || *c->p != ',')
			return false;
		c->p++;
	}
}

bool jscan_get_str(const char *s, size_t len, const char *path, char *buf, size_t buflen)
{
	struct cur c = { s, s + len };
	const char *v;
	size_t vlen;

	if (!find(&c, path) || !str(&c, &v, &vlen) || vlen >= buflen)
		return false;
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	return true;
}

bool jscan_get_num(const char *s, size_t len, const char *path, double *out)
{
	struct cur c = { s, s + len };
	const char *start;
	char tmp[64];
	char *end;
	double v;

	if (!find(&c, path))
		return false;
	start = c.p;
	if (!num(&c) || (size_t)(c.p - start) >= sizeof(tmp))
		return false;
	memcpy(tmp, start, (size_t)(c.p - start));
	tmp[c.p - start] = '\0';
	v = strtod(tmp, &end); /* validated as a JSON number above */
	if (*end)
		return false;
	*out = v;
	return true;
}
