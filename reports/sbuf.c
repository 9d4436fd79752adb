// SPDX-License-Identifier: MIT
#include "sbuf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "json.h"

void sbuf_init(struct sbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void sbuf_done(struct sbuf *b)
{
	free(b->buf);
	sbuf_init(b);
}

int sbuf_error(const struct sbuf *b)
{
	return b->err;
}

static int grow(struct sbuf *b, size_t need)
{
	size_t cap;
	char *nb;

	if (b->err)
		return b->err;
	if (need > SBUF_MAX)
		return b->err = -E2BIG;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap < need)
		cap *= 2;
	nb = realloc(b->buf, cap);
	if (!nb)
		return b->err = -ENOMEM;
	b->buf = nb;
	b->cap = cap;
	return 0;
}

void sbuf_putn(struct sbuf *b, const char *s, size_t n)
{
	if (grow(b, b->len + n + 1))
		return;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
	if (s)
		sbuf_putn(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(b, b->len + (size_t)n + 1))
		return;
	va_start(ap, fmt);
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void sbuf_xml(struct sbuf *b, const char *s)
{
	const char *run = s;

	if (!s)
		return;
	for (; *s; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		case '\'':
			rep = "&#39;";
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				rep = " ";
		}
		if (rep) {
			sbuf_putn(b, run, (size_t)(s - run));
			sbuf_puts(b, rep);
			run = s + 1;
		}
	}
	sbuf_putn(b, run, (size_t)(s - run));
}

void sbuf_csv(struct sbuf *b, const char *s)
{
	if (!s)
		s = "";
	if (!strpbrk(s, ",\"\r\n")) {
		sbuf_puts(b, s);
		return;
	}
	sbuf_putn(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			sbuf_putn(b, "\"", 1);
		sbuf_putn(b, s, 1);
	}
	sbuf_putn(b, "\"", 1);
}

void sbuf_csv_num(struct sbuf *b, double v)
{
	sbuf_putn(b, ",", 1);
	if (isfinite(v))
		sbuf_printf(b, "%.6g", v);
}

void sbuf_md_cell(struct sbuf *b, const char *s)
{
	sbuf_puts(b, " ");
	for (; s && *s; s++) {
		if (*s == '|')
			sbuf_puts(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			sbuf_puts(b, " ");
		else
			sbuf_putn(b, s, 1);
	}
	sbuf_puts(b, " |");
}

int sbuf_json(struct sbuf *b, struct json_writer *w)
{
	const char *data;
	size_t len;
	int r;

	if (!w)
		return -ENOMEM;
	r = json_error(w);
	if (!r) {
		data = json_data(w, &len);
		sbuf_putn(b, data, len);
		sbuf_putn(b, "\n", 1);
		r = sbuf_error(b);
	}
	json_free(w);
	return r;
}

int sbuf_write_file(const struct sbuf *b, const char *path)
{
	if (b->err)
		return b->err;
	return file_write_atomic(path, b->buf ? b->buf : "", b->len, 0644);
}
