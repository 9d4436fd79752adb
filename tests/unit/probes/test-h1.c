// SPDX-License-Identifier: MIT
/*
 * The native HTTP/1.1 engine's response parser (probes/h1-parse.c):
 * regressions found by tests/fuzz/fuzz-h1.c. The parser's own cases are in
 * test-h1-parse.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "h1-parse.h"

/*
 * Feeds text in pieces of step bytes (0: all at once) as the engine does,
 * the unused tail kept for the next call; the last h1_parse() result.
 */
static int feed(const char *text, size_t len, size_t step, struct h1_resp *r)
{
	char *buf = malloc(len + 1);
	size_t pos = 0, off = 0, blen = 0;
	int ret = H1_PARSE_MORE;

	assert_non_null(buf);
	h1_resp_init(r);
	while (pos < len && ret == H1_PARSE_MORE) {
		size_t n = step && len - pos > step ? step : len - pos, used = 0;

		memcpy(buf + blen, text + pos, n);
		blen += n;
		pos += n;
		ret = h1_parse(r, buf + off, blen - off, &used);
		assert_true(used <= blen - off);
		off += used;
	}
	free(buf);
	return ret;
}

static char *chunked_with_line(size_t line_len, const char *line_end)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	char *s = malloc(sizeof(head) + line_len + 64);

	assert_non_null(s);
	strcpy(s, head);
	strcat(s, "5;");
	memset(s + strlen(s), 'x', line_len);
	s[sizeof(head) - 1 + 2 + line_len] = '\0';
	strcat(s, line_end);
	return s;
}

/* fuzz-h1 finding: a 2 KiB chunk-size line passed in one read, failed in many. */
static void parse_rejects_long_chunk_size_line_however_it_arrives(void **state)
{
	char *s = chunked_with_line(2000, "\r\nhello\r\n0\r\n\r\n");
	struct h1_resp r;

	(void)state;
	assert_int_equal(feed(s, strlen(s), 0, &r), -EPROTO);
	assert_int_equal(feed(s, strlen(s), 7, &r), -EPROTO);
	free(s);
}

static void parse_accepts_chunk_extension_within_limit(void **state)
{
	char *s = chunked_with_line(100, "\r\nhello\r\n0\r\n\r\n");
	struct h1_resp r;

	(void)state;
	assert_int_equal(feed(s, strlen(s), 0, &r), H1_PARSE_DONE);
	assert_int_equal(r.bytes, 5);
	assert_int_equal(feed(s, strlen(s), 3, &r), H1_PARSE_DONE);
	assert_int_equal(r.bytes, 5);
	free(s);
}

/* The same for a trailer line: 8 KiB at most, however it arrives. */
static void parse_rejects_long_trailer_line_however_it_arrives(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ";
	static char s[sizeof(head) + 9000 + 8];
	struct h1_resp r;

	(void)state;
	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'y', 9000);
	memcpy(s + sizeof(head) - 1 + 9000, "\r\n\r\n", 5);
	assert_int_equal(feed(s, strlen(s), 0, &r), -EPROTO);
	assert_int_equal(feed(s, strlen(s), 100, &r), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_rejects_long_chunk_size_line_however_it_arrives),
		cmocka_unit_test(parse_accepts_chunk_extension_within_limit),
		cmocka_unit_test(parse_rejects_long_trailer_line_however_it_arrives),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
