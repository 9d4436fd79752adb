// SPDX-License-Identifier: MIT
/*
 * The native HTTP/1.1 engine's response parser (probes/h1.c, static there,
 * so this file includes it): regressions found by tests/fuzz/fuzz-h1.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../../probes/h1.c"

/* Feeds text in pieces of step bytes (0: all at once); the last parse() result. */
static int feed(const char *text, size_t len, size_t step, struct h1_conn *c)
{
	size_t pos = 0;
	int ret = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->st = H1_HEAD;
	c->buf = malloc(H1_BUF);
	assert_non_null(c->buf);
	while (pos < len && ret == 0) {
		size_t n = step && len - pos > step ? step : len - pos;

		if (n > H1_BUF - c->blen)
			n = H1_BUF - c->blen;
		assert_true(n > 0);
		memcpy(c->buf + c->blen, text + pos, n);
		c->blen += n;
		pos += n;
		ret = parse(c);
	}
	free(c->buf);
	c->buf = NULL;
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
	struct h1_conn c;

	assert_int_equal(feed(s, strlen(s), 0, &c), -EPROTO);
	assert_int_equal(feed(s, strlen(s), 7, &c), -EPROTO);
	free(s);
}

static void parse_accepts_chunk_extension_within_limit(void **state)
{
	char *s = chunked_with_line(100, "\r\nhello\r\n0\r\n\r\n");
	struct h1_conn c;

	assert_int_equal(feed(s, strlen(s), 0, &c), 1);
	assert_int_equal(c.bytes, 5);
	assert_int_equal(feed(s, strlen(s), 3, &c), 1);
	assert_int_equal(c.bytes, 5);
	free(s);
}

/* The same for a trailer line: 8 KiB at most, however it arrives. */
static void parse_rejects_long_trailer_line_however_it_arrives(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ";
	static char s[sizeof(head) + 9000 + 8];
	struct h1_conn c;

	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 'y', 9000);
	memcpy(s + sizeof(head) - 1 + 9000, "\r\n\r\n", 5);
	assert_int_equal(feed(s, strlen(s), 0, &c), -EPROTO);
	assert_int_equal(feed(s, strlen(s), 100, &c), -EPROTO);
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
