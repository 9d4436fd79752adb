// SPDX-License-Identifier: MIT
/*
 * The native engine's response parser. One pass over the bytes, line by
 * line in the head (a header is recognised by its name's length first, so
 * most lines cost one memchr and no string compare), and no copying: the
 * body is counted, not stored. The probe runs this once per request, so its
 * cost is part of the probe's CPU per request (see tests/bench).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "h1-parse.h"

void h1_resp_init(struct h1_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->st = H1P_STATUS;
}

bool h1_parse_eof_ends(const struct h1_resp *r)
{
	return r->st == H1P_BODY_EOF;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive search for token (lower case) in [v, end); the value is often just it. */
static bool has_token(const char *v, const char *end, const char *token, size_t n)
{
	if ((size_t)(end - v) == n)
		return strncasecmp(v, token, n) == 0;
	for (; v + n <= end; v++)
		if (lower(*v) == token[0] && strncasecmp(v, token, n) == 0)
			return true;
	return false;
}

/* "HTTP/1.x NNN ...": line is [p, eol) without the line end. */
static int status_line(struct h1_resp *r, const char *p, const char *eol)
{
	if (eol - p < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ' || p[9] < '1' || p[9] > '5' || !is_digit(p[10]) || !is_digit(p[11]))
		return -EPROTO;
	r->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	r->keep_alive = p[7] == '1'; /* HTTP/1.0 closes unless it says keep-alive */
	r->chunked = r->has_len = false;
	return 0;
}

static int content_length(struct h1_resp *r, const char *v, const char *end)
{
	uint64_t len = 0;

	if (v >= end || !is_digit(*v))
		return -EPROTO;
	for (; v < end && is_digit(*v); v++) {
		if (len > UINT64_MAX / 20)
			return -EPROTO;
		len = len * 10 + (uint64_t)(*v - '0');
	}
	r->remaining = len;
	r->has_len = true;
	return 0;
}

/* One header line [p, end) without the line end; only three names matter. */
static int header_line(struct h1_resp *r, const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *v;
	size_t n;

	if (!colon)
		return 0; /* not a header we need (folded or odd): skip it */
	n = (size_t)(colon - p);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	switch (n) {
	case 10:
		if (strncasecmp(p, "connection", 10) != 0)
			return 0;
		if (has_token(v, end, "close", 5))
			r->keep_alive = false;
		else if (has_token(v, end, "keep-alive", 10))
			r->keep_alive = true;
		return 0;
	case 14:
		if (strncasecmp(p, "content-length", 14) != 0)
			return 0;
		return content_length(r, v, end);
	case 17:
		if (strncasecmp(p, "transfer-encoding", 17) == 0)
			r->chunked = has_token(v, end, "chunked", 7);
		return 0;
	default:
		return 0;
	}
}

/* The head ended: where the body goes from here. */
static void head_done(struct h1_resp *r)
{
	r->head_bytes = 0;
	if (r->status < 200) { /* 1xx: an interim answer, the real one follows */
		r->st = H1P_STATUS;
		return;
	}
	if (r->status == 204 || r->status == 304) {
		r->st = H1P_DONE;
	} else if (r->chunked) {
		r->st = H1P_CHUNK_SIZE;
	} else if (r->has_len) {
		r->st = r->remaining ? H1P_BODY_LEN : H1P_DONE;
	} else {
		r->st = H1P_BODY_EOF;
		r->keep_alive = false;
	}
}

/* One line of the head (status line or header); 1 when a line was used, 0 for more. */
static int head_line(struct h1_resp *r, const char *p, size_t len, size_t *used)
{
	const char *nl = memchr(p, '\n', len), *end;
	size_t n;
	int ret = 0;

	if (!nl) {
		/* not even the start of a status line: not HTTP */
		if (r->st == H1P_STATUS && len >= 5 && memcmp(p, "HTTP/", 5) != 0)
			return -EPROTO;
		return r->head_bytes + len >= H1_HEAD_MAX ? -E2BIG : 0;
	}
	n = (size_t)(nl - p) + 1;
	r->head_bytes += n;
	if (r->head_bytes > H1_HEAD_MAX)
		return -E2BIG;
	end = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
	*used = n;
	if (r->st == H1P_STATUS) {
		ret = status_line(r, p, end);
		r->st = H1P_HEADERS;
	} else if (end == p) {
		head_done(r);
	} else {
		ret = header_line(r, p, end);
	}
	return ret < 0 ? ret : 1;
}

/* "1a2b[;ext]\r\n"; 1 when used, 0 for more. */
static int chunk_size_line(struct h1_resp *r, const char *p, size_t len, size_t *used)
{
	const char *nl = memchr(p, '\n', len);
	uint64_t size = 0;
	size_t i;

	/* the same limit whether the line came in one read or many */
	if (nl ? (size_t)(nl - p) > H1_CHUNK_LINE_MAX : len > H1_CHUNK_LINE_MAX)
		return -EPROTO;
	if (!nl)
		return 0;
	for (i = 0; p + i < nl; i++) {
		char ch = p[i];
		int d = is_digit(ch)		 ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;

		if (d < 0)
			break;
		if (size > (UINT64_MAX >> 5))
			return -EPROTO;
		size = size * 16 + (uint64_t)d;
	}
	if (i == 0)
		return -EPROTO;
	*used = (size_t)(nl - p) + 1;
	r->remaining = size;
	r->st = size ? H1P_CHUNK_DATA : H1P_TRAILERS;
	return 1;
}

/* Trailer lines after the last chunk, up to an empty one. */
static int trailer_line(struct h1_resp *r, const char *p, size_t len, size_t *used)
{
	const char *nl = memchr(p, '\n', len);

	if (nl ? (size_t)(nl - p) > H1_TRAILERS_MAX : len > H1_TRAILERS_MAX)
		return -EPROTO;
	if (!nl)
		return 0;
	*used = (size_t)(nl - p) + 1;
	if (nl == p || (nl == p + 1 && *p == '\r'))
		r->st = H1P_DONE;
	return 1;
}

/* One step of the framing after the head; 1 when it used bytes or moved on, 0 for more. */
static int body_step(struct h1_resp *r, const char *p, size_t len, size_t *used)
{
	uint64_t take;

	switch (r->st) {
	case H1P_BODY_LEN:
	case H1P_CHUNK_DATA:
		take = r->remaining < len ? r->remaining : len;
		r->bytes += take;
		r->remaining -= take;
		*used = (size_t)take;
		if (r->remaining == 0)
			r->st = r->st == H1P_BODY_LEN ? H1P_DONE : H1P_CHUNK_CRLF;
		return 1;
	case H1P_CHUNK_CRLF:
		if (len < 2)
			return 0;
		if (p[0] != '\r' || p[1] != '\n')
			return -EPROTO;
		*used = 2;
		r->st = H1P_CHUNK_SIZE;
		return 1;
	case H1P_CHUNK_SIZE:
		return chunk_size_line(r, p, len, used);
	case H1P_TRAILERS:
		return trailer_line(r, p, len, used);
	case H1P_BODY_EOF:
		r->bytes += len;
		*used = len;
		return 1;
	default:
		return -EPROTO;
	}
}

int h1_parse(struct h1_resp *r, const char *buf, size_t len, size_t *used)
{
	size_t pos = 0;

	for (;;) {
		size_t n = 0;
		int ret;

		if (r->st == H1P_DONE) {
			*used = pos;
			return H1_PARSE_DONE;
		}
		if (pos == len)
			break;
		if (r->st == H1P_STATUS || r->st == H1P_HEADERS)
			ret = head_line(r, buf + pos, len - pos, &n);
		else
			ret = body_step(r, buf + pos, len - pos, &n);
		if (ret < 0)
			return ret;
		pos += n;
		if (ret == 0)
			break;
	}
	*used = pos;
	return H1_PARSE_MORE;
}
