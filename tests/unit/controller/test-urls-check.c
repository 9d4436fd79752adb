// SPDX-License-Identifier: MIT
/* The victim's /urls answer before the probe gets it (controller/urls-check.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "urls-check.h"

#define ORIGIN "http://198.18.0.1:8080"

static int check(const char *text, size_t len, char *err, size_t errlen)
{
	err[0] = '\0';
	return urls_check(text, len, ORIGIN, err, errlen);
}

static void urls_check_accepts_paths_titles_and_the_victims_urls(void **state)
{
	static const char ok[] = "# pages\r\n/wiki/A\r\n\r\nMain_Page\n  /x?y=1  \n"
				 "http://198.18.0.1:8080/wiki/B\nHTTP://198.18.0.1:8080\n";
	char err[256];

	assert_int_equal(check(ok, sizeof(ok) - 1, err, sizeof(err)), 0);
}

static void urls_check_refuses_other_hosts(void **state)
{
	static const char *const bad[] = {
		"/a\nhttp://203.0.113.9/steal\n", "https://198.18.0.1:8080/a\n",
		"http://198.18.0.1:8081/a\n",	  "http://198.18.0.1:8080@evil/a\n",
		"http://198.18.0.1/a\n",	  "http://198.18.0.1:8080.evil/a\n",
		"gopher://198.18.0.1:8080/a\n",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(check(bad[i], strlen(bad[i]), err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "is not on the victim (" ORIGIN ")"));
	}
	assert_non_null(strstr(err, "line 1: 'gopher://"));
}

static void urls_check_refuses_binary_junk_in_words(void **state)
{
	static const char nul[] = "/a\n/b\0junk\n";
	static const char esc[] = "/a\n/a\n/\x1b]0;pwned\x07\n";
	char err[256];

	assert_int_equal(check(nul, sizeof(nul) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 2: holds a NUL byte (expected text)");
	assert_int_equal(check(esc, sizeof(esc) - 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 3: holds a control character (expected text)");
	assert_int_equal(check("/a b\n", 5, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 1: holds whitespace inside"));
	assert_int_equal(check("/a\tb\n", 5, err, sizeof(err)), -EINVAL);
	assert_null(strchr(err, '\t')); /* a message never quotes a control character */
}

static void urls_check_refuses_empty_huge_and_overlong(void **state)
{
	size_t big = URLS_CHECK_MAX_BYTES + 1;
	char *text = malloc(big), err[256];

	assert_non_null(text);
	assert_int_equal(check("", 0, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no page listed");
	assert_int_equal(check("# none\n\n", 8, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no page listed");
	memset(text, 'a', big);
	text[0] = '/';
	assert_int_equal(check(text, big, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "larger than 8 MiB");
	assert_int_equal(check(text, URLS_CHECK_MAX_LINE + 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "line 1: longer than 8192 bytes");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(urls_check_accepts_paths_titles_and_the_victims_urls),
		cmocka_unit_test(urls_check_refuses_other_hosts),
		cmocka_unit_test(urls_check_refuses_binary_junk_in_words),
		cmocka_unit_test(urls_check_refuses_empty_huge_and_overlong),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
