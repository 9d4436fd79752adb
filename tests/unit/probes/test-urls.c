// SPDX-License-Identifier: MIT
/* URL and query list parsing (probes/urls.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "probe.h"

struct parsed {
	char **list;
	size_t n;
	char err[256];
	int ret;
};

static struct parsed parse(const char *text, const char *base)
{
	struct parsed p = { 0 };

	p.ret = probe_parse_urls(text, strlen(text), base, &p.list, &p.n, p.err, sizeof(p.err));
	return p;
}

static void parse_urls_resolves_entries_against_base(void **state)
{
	static const struct {
		const char *base, *entry, *want;
	} cases[] = {
		{ "http://h:8080/wiki/", "Main_Page", "http://h:8080/wiki/Main_Page" },
		{ "http://h:8080/wiki", "Main_Page", "http://h:8080/wiki/Main_Page" },
		{ "http://h:8080/wiki/", "/urls", "http://h:8080/urls" },
		{ "http://h:8080", "/wiki/A", "http://h:8080/wiki/A" },
		{ "http://h:8080", "A", "http://h:8080/A" },
		{ "https://[::1]:443/x/", "/y?q=1", "https://[::1]:443/y?q=1" },
		{ "http://h/", "HTTP://H/z", "HTTP://H/z" },
		{ NULL, "http://abs/only", "http://abs/only" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p = parse(cases[i].entry, cases[i].base);

		assert_int_equal(p.ret, 0);
		assert_int_equal(p.n, 1);
		assert_string_equal(p.list[0], cases[i].want);
		probe_list_free(p.list, p.n);
	}
}

static void parse_urls_skips_blank_comment_and_crlf(void **state)
{
	struct parsed p = parse("# pages\r\n\r\n  /a  \r\n\t/b\n#/c\n/d", "http://h");

	assert_int_equal(p.ret, 0);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.list[0], "http://h/a");
	assert_string_equal(p.list[1], "http://h/b");
	assert_string_equal(p.list[2], "http://h/d");
	probe_list_free(p.list, p.n);
}

static void parse_urls_keeps_order_of_many_lines(void **state)
{
	char text[20000];
	size_t pos = 0;
	struct parsed p;

	for (int i = 0; i < 1000; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "/wiki/P%d\n", i);
	p = parse(text, "http://h:1");
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.n, 1000);
	assert_string_equal(p.list[0], "http://h:1/wiki/P0");
	assert_string_equal(p.list[999], "http://h:1/wiki/P999");
	probe_list_free(p.list, p.n);
}

static void parse_urls_rejects_path_without_base(void **state)
{
	struct parsed p = parse("http://ok/\n/wiki/A\n", NULL);

	assert_int_equal(p.ret, -EINVAL);
	assert_non_null(strstr(p.err, "line 2"));
	assert_non_null(strstr(p.err, "--base"));
	probe_list_free(p.list, p.n);
}

static void parse_urls_rejects_bad_base_and_bad_entries(void **state)
{
	static const struct {
		const char *text, *base, *want;
	} cases[] = {
		{ "/a", "relative/base", "--base" },	{ "/a", "http://", "--base" },
		{ "a b", "http://h", "whitespace" },	{ "://nohost", "http://h", "not a URL" },
		{ "http://", "http://h", "not a URL" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p = parse(cases[i].text, cases[i].base);

		assert_int_equal(p.ret, -EINVAL);
		assert_non_null(strstr(p.err, cases[i].want));
		probe_list_free(p.list, p.n);
	}
}

static void parse_urls_rejects_overlong_line_and_nul(void **state)
{
	static char text[PROBE_LIST_MAX_LINE + 16];
	struct parsed p;

	memset(text, 'a', sizeof(text) - 1);
	text[0] = '/';
	p = parse(text, "http://h");
	assert_int_equal(p.ret, -EINVAL);
	assert_non_null(strstr(p.err, "longer than"));
	probe_list_free(p.list, p.n);

	p.list = NULL;
	p.n = 0;
	p.ret = probe_parse_urls("/a\n/b\0c\n", 8, "http://h", &p.list, &p.n, p.err, sizeof(p.err));
	assert_int_equal(p.ret, -EINVAL);
	assert_non_null(strstr(p.err, "line 2: contains a NUL"));
	probe_list_free(p.list, p.n);
}

/*
 * With a base, the list names base's pages only: a victim's /urls answer
 * cannot turn the probe on another host, however the URL dresses it up.
 */
static void parse_urls_with_base_refuses_other_origins(void **state)
{
	struct parsed p;
	static const char *const other[] = {
		"https://other/z",	    "http://h:8080/x",	"http://h.evil/x",
		"http://h@evil/x",	    "http://evil?@h/x", "https://h/x",
		"http://h:80@203.0.113.9/", "http://h\\@evil/",
	};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		p = parse(other[i], "http://h/wiki/");

		assert_int_equal(p.ret, -EINVAL);
		assert_non_null(strstr(p.err, "is not on --base's host http://h"));
		assert_int_equal(p.n, 0);
		probe_list_free(p.list, p.n);
	}
	/* without a base, an absolute URL is the user's own choice */
	p = parse("https://other/z", NULL);

	assert_int_equal(p.ret, 0);
	probe_list_free(p.list, p.n);
}

/* fuzz-urls findings: a --base with a space, entries with control characters. */
static void parse_urls_rejects_control_characters_and_spaced_base(void **state)
{
	static const struct {
		const char *text, *base, *want;
	} cases[] = {
		{ "/a", "http://[f e80::1]:8443", "--base" },
		{ "/a", "http://h\x1b[2J/", "--base contains a control character" },
		{ "http://o\x1cther/", NULL, "line 1: contains a control character" },
		{ "/ok\n/\x1b]0;owned\x07", "http://h", "line 2: contains a control character" },
		{ "/del\x7f", "http://h", "control character" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct parsed p = parse(cases[i].text, cases[i].base);

		assert_int_equal(p.ret, -EINVAL);
		assert_non_null(strstr(p.err, cases[i].want));
		for (const char *e = p.err; *e; e++) /* the message reaches a terminal */
			assert_true((unsigned char)*e >= ' ' && *e != 0x7f);
		probe_list_free(p.list, p.n);
	}
}

/*
 * fuzz-urls finding: the list is (text, len), not a C string, and nothing may
 * read past len. The text ends where an unreadable page begins.
 */
static void parse_urls_reads_no_byte_past_len(void **state)
{
	static const char text[] = "http://a/x\nhttp://b/y";
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *map =
		mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *exact = map + page - (sizeof(text) - 1);
	struct parsed p = { 0 };

	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + page, page, PROT_NONE), 0);
	memcpy(exact, text, sizeof(text) - 1);
	p.ret = probe_parse_urls(exact, sizeof(text) - 1, NULL, &p.list, &p.n, p.err,
				 sizeof(p.err));
	assert_int_equal(p.ret, 0);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.list[1], "http://b/y");
	probe_list_free(p.list, p.n);
	munmap(map, 2 * page);
}

static void parse_urls_accepts_empty_input(void **state)
{
	struct parsed p = parse("\n# nothing\n", "http://h");

	assert_int_equal(p.ret, 0);
	assert_int_equal(p.n, 0);
	probe_list_free(p.list, p.n);
}

static void parse_queries_skips_sql_comments(void **state)
{
	const char *text = "-- setup\nSELECT 1\n# hash comment\n  SELECT now()  \n\n";
	char **list = NULL, err[128];
	size_t n = 0;

	assert_int_equal(probe_parse_queries(text, strlen(text), &list, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "SELECT 1");
	assert_string_equal(list[1], "SELECT now()");
	probe_list_free(list, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_urls_resolves_entries_against_base),
		cmocka_unit_test(parse_urls_skips_blank_comment_and_crlf),
		cmocka_unit_test(parse_urls_keeps_order_of_many_lines),
		cmocka_unit_test(parse_urls_rejects_path_without_base),
		cmocka_unit_test(parse_urls_rejects_bad_base_and_bad_entries),
		cmocka_unit_test(parse_urls_rejects_overlong_line_and_nul),
		cmocka_unit_test(parse_urls_with_base_refuses_other_origins),
		cmocka_unit_test(parse_urls_rejects_control_characters_and_spaced_base),
		cmocka_unit_test(parse_urls_reads_no_byte_past_len),
		cmocka_unit_test(parse_urls_accepts_empty_input),
		cmocka_unit_test(parse_queries_skips_sql_comments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
