// SPDX-License-Identifier: MIT
/* The native engine's response parser (probes/h1-parse.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "h1-parse.h"

struct outcome {
	int ret; /* H1_PARSE_DONE, H1_PARSE_MORE (then eof decides) or -errno */
	int status;
	bool keep_alive;
	uint64_t bytes;
	size_t left; /* bytes after the response */
	bool eof_ends;
};

/*
 * Feeds text to the parser as the engine does: pieces of at most step bytes
 * appended to a buffer, the unused tail kept for the next call.
 */
static struct outcome run(const char *text, size_t len, size_t step)
{
	struct outcome o = { .ret = H1_PARSE_MORE };
	struct h1_resp r;
	char *buf = malloc(len + 1);
	size_t off = 0, blen = 0, in = 0;

	assert_non_null(buf);
	h1_resp_init(&r);
	while (in < len) {
		size_t n = len - in < step ? len - in : step, used = 0;

		memcpy(buf + blen, text + in, n);
		blen += n;
		in += n;
		o.ret = h1_parse(&r, buf + off, blen - off, &used);
		assert_true(used <= blen - off);
		off += used;
		if (o.ret != H1_PARSE_MORE)
			break;
	}
	o.status = r.status;
	o.keep_alive = r.keep_alive;
	o.bytes = r.bytes;
	o.left = blen - off + (len - in);
	o.eof_ends = h1_parse_eof_ends(&r);
	free(buf);
	return o;
}

static const struct {
	const char *name, *text;
	struct outcome want;
} cases[] = {
	{ "length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
	  { H1_PARSE_DONE, 200, true, 5, 0, false } },
	{ "length, odd case, no space",
	  "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:3\r\nServer: x\r\n\r\nabc",
	  { H1_PARSE_DONE, 200, true, 3, 0, false } },
	{ "zero length",
	  "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
	  { H1_PARSE_DONE, 404, true, 0, 0, false } },
	{ "bytes after the response are left",
	  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabXYZ",
	  { H1_PARSE_DONE, 200, true, 2, 3, false } },
	{ "connection close",
	  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
	  { H1_PARSE_DONE, 200, false, 1, 0, false } },
	{ "HTTP/1.0 closes",
	  "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
	  { H1_PARSE_DONE, 200, false, 1, 0, false } },
	{ "HTTP/1.0 keep-alive",
	  "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx",
	  { H1_PARSE_DONE, 200, true, 1, 0, false } },
	{ "chunked with extension and trailer",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	  "5;x=y\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n",
	  { H1_PARSE_DONE, 200, true, 31, 0, false } },
	{ "chunked beats length",
	  "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
	  "2\r\nab\r\n0\r\n\r\n",
	  { H1_PARSE_DONE, 200, true, 2, 0, false } },
	{ "interim 100 then the answer",
	  "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
	  { H1_PARSE_DONE, 201, true, 2, 0, false } },
	{ "204 has no body",
	  "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n",
	  { H1_PARSE_DONE, 204, true, 0, 0, false } },
	{ "304 has no body",
	  "HTTP/1.1 304 Not Modified\r\n\r\n",
	  { H1_PARSE_DONE, 304, true, 0, 0, false } },
	{ "bare LF line ends",
	  "HTTP/1.1 200 OK\nContent-Length: 2\n\nab",
	  { H1_PARSE_DONE, 200, true, 2, 0, false } },
	{ "no length: body to the end of the stream",
	  "HTTP/1.1 200 OK\r\n\r\nuntil close",
	  { H1_PARSE_MORE, 200, false, 11, 0, true } },
	{ "body cut short",
	  "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
	  { H1_PARSE_MORE, 200, true, 3, 0, false } },
	{ "head cut short",
	  "HTTP/1.1 200 OK\r\nContent-Len",
	  { H1_PARSE_MORE, 200, true, 0, 11, false } },
	{ "not HTTP", "SSH-2.0-OpenSSH_9.2\r\n", { -EPROTO, 0, false, 0, 0, false } },
	{ "bad status", "HTTP/1.1 2x0 OK\r\n\r\n", { -EPROTO, 0, false, 0, 0, false } },
	{ "HTTP/2 preface is not 1.x", "HTTP/2 200\r\n\r\n", { -EPROTO, 0, false, 0, 0, false } },
	{ "bad length",
	  "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
	  { -EPROTO, 200, true, 0, 0, false } },
	{ "length overflow",
	  "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
	  { -EPROTO, 200, true, 0, 0, false } },
	{ "bad chunk size",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
	  { -EPROTO, 200, true, 0, 0, false } },
	{ "chunk without CRLF",
	  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX",
	  { -EPROTO, 200, true, 2, 0, false } },
};

static void check(size_t i, size_t step)
{
	const char *text = cases[i].text;
	struct outcome o = run(text, strlen(text), step);
	const struct outcome *w = &cases[i].want;

	if (o.ret != w->ret || o.status != w->status || o.bytes != w->bytes ||
	    (w->ret >= 0 &&
	     (o.keep_alive != w->keep_alive || o.left != w->left || o.eof_ends != w->eof_ends)))
		fail_msg("%s, pieces of %zu: ret %d status %d keep_alive %d bytes %llu left %zu "
			 "eof_ends %d",
			 cases[i].name, step, o.ret, o.status, o.keep_alive,
			 (unsigned long long)o.bytes, o.left, o.eof_ends);
}

static void h1_parse_gives_the_same_answer_however_the_bytes_arrive(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].text);

		for (size_t step = 1; step <= len; step++)
			check(i, step);
	}
}

/* Headers up to H1_HEAD_MAX, with one header line of the given length. */
static char *head_with_line(size_t line_len, size_t *len)
{
	static const char first[] = "HTTP/1.1 200 OK\r\n", last[] = "Content-Length: 0\r\n\r\n";
	char *t = malloc(sizeof(first) + line_len + sizeof(last));

	assert_non_null(t);
	strcpy(t, first);
	memcpy(t + strlen(first), "X-Pad: ", 7);
	memset(t + strlen(first) + 7, 'p', line_len - 9);
	memcpy(t + strlen(first) + line_len - 2, "\r\n", 2);
	strcpy(t + strlen(first) + line_len, last);
	*len = strlen(t);
	return t;
}

static void h1_parse_refuses_heads_over_the_limit(void **state)
{
	size_t len;
	char *ok = head_with_line(H1_HEAD_MAX - 200, &len);
	struct outcome o = run(ok, len, 4096);

	assert_int_equal(o.ret, H1_PARSE_DONE);
	free(ok);
	ok = head_with_line(H1_HEAD_MAX, &len);
	o = run(ok, len, 4096);
	assert_int_equal(o.ret, -E2BIG);
	o = run(ok, len, len);
	assert_int_equal(o.ret, -E2BIG);
	free(ok);
}

static void h1_parse_refuses_endless_chunk_lines(void **state)
{
	char text[4096] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1";
	size_t l = strlen(text);

	memset(text + l, '0', sizeof(text) - l - 1);
	assert_int_equal(run(text, sizeof(text) - 1, 512).ret, -EPROTO);
	/* the same when the over-long line (an extension) arrives whole, line end included */
	memset(text + l, 'x', sizeof(text) - l - 1);
	text[l] = ';';
	memcpy(text + sizeof(text) - 3, "\r\n", 2);
	assert_int_equal(run(text, sizeof(text) - 1, sizeof(text)).ret, -EPROTO);
	assert_int_equal(run(text, sizeof(text) - 1, 100).ret, -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(h1_parse_gives_the_same_answer_however_the_bytes_arrive),
		cmocka_unit_test(h1_parse_refuses_heads_over_the_limit),
		cmocka_unit_test(h1_parse_refuses_endless_chunk_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
