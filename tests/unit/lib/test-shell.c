// SPDX-License-Identifier: MIT
/*
 * shell_quote(): every hostile string comes back byte for byte from a real
 * /bin/sh (and from bash when installed), nothing in it runs, and what cannot
 * be passed (a NUL byte, a buffer too small) is refused without touching buf.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "proc.h"
#include "shell.h"

#define CANARY "/tmp/isolab-test-shell-canary"

/* Strings a value reaching a remote shell could hold. */
static const char *const hostile[] = {
	"plain",
	"",
	" ",
	"two words",
	"it's",
	"'",
	"''",
	"'\\''",
	"\"double\"",
	"$(touch " CANARY ")",
	"`touch " CANARY "`",
	"${HOME}",
	"$HOME",
	"$0 $1 $@ $* $$ $?",
	"a; touch " CANARY,
	"a && touch " CANARY,
	"a | touch " CANARY,
	"a > " CANARY,
	"< /etc/passwd",
	"line1\nline2\ntouch " CANARY,
	"\r\n\t\v\f",
	"-rf",
	"--",
	"-oProxyCommand=touch " CANARY,
	"*",
	"/tmp/*",
	"?[a-z]",
	"~root",
	"!!",
	"#comment",
	"a\\b\\\\c\\",
	"back\\",
	"\x01\x02\x7f\xff\xfe",
	"utf-8: Grüße, 日本語",
	"=",
	"user@host:/path,with+chars%20",
};

/* Runs `printf %s WORD` through sh -c and returns what came out (caller frees). */
static char *through_shell(const char *shell, const char *quoted)
{
	char *cmd = malloc(strlen(quoted) + 64), *out = NULL;
	const char *argv[] = { shell, "-c", cmd, NULL };
	int st = 0;

	assert_non_null(cmd);
	snprintf(cmd, strlen(quoted) + 64, "printf %%s %s", quoted);
	assert_int_equal(proc_run(argv, NULL, false, 10 * NSEC_PER_SEC, 1 << 20, &out, &st), 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	free(cmd);
	return out;
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static void round_trip(const char *shell, const char *s)
{
	size_t cap = 4 * strlen(s) + 16;
	char *buf = calloc(1, cap), *out;

	assert_non_null(buf);
	assert_int_equal(shell_quote(buf, cap, s), 0);
	out = through_shell(shell, buf);
	if (strcmp(out, s) != 0) {
		print_error("%s: '%s' came back as '%s' (quoted: %s)\n", shell, s, out, buf);
		fail();
	}
	free(out);
	free(buf);
}

static void quote_survives_hostile_strings_in_sh(void **state)
{
	(void)state;
	(void)unlink(CANARY);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		round_trip("/bin/sh", hostile[i]);
	assert_false(exists(CANARY)); /* nothing ran */
}

static void quote_survives_hostile_strings_in_bash(void **state)
{
	(void)state;
	if (access("/bin/bash", X_OK) != 0)
		skip();
	(void)unlink(CANARY);
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		round_trip("/bin/bash", hostile[i]);
	assert_false(exists(CANARY));
}

static void quote_handles_64k_strings(void **state)
{
	size_t n = 64 * 1024;
	char *s = malloc(n + 1);

	(void)state;
	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		s[i] = "a'b\"c$d`e\\f\n; "[i % 15];
	s[n] = '\0';
	round_trip("/bin/sh", s);
	free(s);
}

static void quote_leaves_plain_words_readable(void **state)
{
	char buf[128] = "";

	(void)state;
	assert_int_equal(shell_quote(buf, sizeof(buf), "sched-credit"), 0);
	assert_string_equal(buf, "sched-credit");
	buf[0] = '\0';
	assert_int_equal(shell_quote(buf, sizeof(buf), ""), 0);
	assert_string_equal(buf, "''");
	buf[0] = '\0';
	assert_int_equal(shell_quote(buf, sizeof(buf), "it's"), 0);
	assert_string_equal(buf, "'it'\\''s'");
}

static void quote_refuses_nul_and_overflow_without_touching_buf(void **state)
{
	char buf[16] = "kept";

	(void)state;
	assert_int_equal(shell_quote_n(buf, sizeof(buf), "a\0b", 3), -EINVAL);
	assert_string_equal(buf, "kept");
	assert_int_equal(shell_quote(buf, sizeof(buf), "0123456789ab"), -E2BIG);
	assert_string_equal(buf, "kept");
	assert_int_equal(shell_quote(buf, sizeof(buf), "a'b c d e"), -E2BIG);
	assert_string_equal(buf, "kept");
	assert_int_equal(shell_quote(buf, sizeof(buf), "01234567890"), 0); /* exactly fits */
	assert_string_equal(buf, "kept01234567890");
}

static void join_quotes_each_word(void **state)
{
	const char *const argv[] = { "xl", "sched-credit", "-d", "my vm", "-w", "$(x)", NULL };
	char buf[128] = "", small[12] = "keep";
	char *out;

	(void)state;
	assert_int_equal(shell_join(buf, sizeof(buf), argv), 0);
	assert_string_equal(buf, "xl sched-credit -d 'my vm' -w '$(x)'");
	assert_int_equal(shell_join(small, sizeof(small), argv), -E2BIG);
	assert_string_equal(small, "keep");
	/* the shell splits it back into the same words */
	buf[0] = '\0';
	assert_int_equal(shell_join(buf, sizeof(buf),
				    (const char *const[]){ "printf", "[%s]", "a b", "'", NULL }),
			 0);
	{
		const char *sh[] = { "/bin/sh", "-c", buf, NULL };
		int st;

		out = NULL;
		assert_int_equal(proc_run(sh, NULL, false, 10 * NSEC_PER_SEC, 4096, &out, &st), 0);
		assert_string_equal(out, "[a b][']");
		free(out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_survives_hostile_strings_in_sh),
		cmocka_unit_test(quote_survives_hostile_strings_in_bash),
		cmocka_unit_test(quote_handles_64k_strings),
		cmocka_unit_test(quote_leaves_plain_words_readable),
		cmocka_unit_test(quote_refuses_nul_and_overflow_without_touching_buf),
		cmocka_unit_test(join_quotes_each_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
