// SPDX-License-Identifier: MIT
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "parse.h"

struct size_case {
	const char *in;
	int ret;
	uint64_t want;
};

static void parse_size_table(void **state)
{
	static const struct size_case cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "64K", 0, 64 << 10 },
		{ "64k", 0, 64 << 10 },
		{ "64KB", 0, 64 << 10 },
		{ "64KiB", 0, 64 << 10 },
		{ "2MiB", 0, 2 << 20 },
		{ "1.5G", 0, 3ULL << 29 },
		{ "1T", 0, 1ULL << 40 },
		{ "12B", 0, 12 },
		{ "0.5K", 0, 512 },
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "+1", -EINVAL, 0 },
		{ " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 },
		{ "1X", -EINVAL, 0 },
		{ "1KX", -EINVAL, 0 },
		{ "1.", -EINVAL, 0 },
		{ ".5K", -EINVAL, 0 },
		{ "1.5", -EINVAL, 0 }, /* fraction of a byte */
		{ "0x10", -EINVAL, 0 },
		{ "1e3", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 }, /* 2^64 */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t out = 777;
		int r = parse_size(cases[i].in, 0, UINT64_MAX, &out);

		if (r != cases[i].ret)
			fail_msg("parse_size(\"%s\") = %d, want %d", cases[i].in, r, cases[i].ret);
		if (r == 0 && out != cases[i].want)
			fail_msg("parse_size(\"%s\") -> %llu, want %llu", cases[i].in,
				 (unsigned long long)out, (unsigned long long)cases[i].want);
		if (r != 0)
			assert_int_equal(out, 777); /* untouched on error */
	}
}

static void parse_size_rejects_out_of_range(void **state)
{
	uint64_t out;

	assert_int_equal(parse_size("1K", 2048, 4096, &out), -ERANGE);
	assert_int_equal(parse_size("5K", 2048, 4096, &out), -ERANGE);
	assert_int_equal(parse_size("4K", 2048, 4096, &out), 0);
	assert_int_equal(out, 4096);
	assert_int_equal(parse_size(NULL, 0, 1, &out), -EINVAL);
}

static void parse_duration_table(void **state)
{
	static const struct size_case cases[] = {
		{ "30", 0, 30 * NSEC_PER_SEC },
		{ "30s", 0, 30 * NSEC_PER_SEC },
		{ "250ms", 0, 250 * NSEC_PER_MSEC },
		{ "500us", 0, 500 * NSEC_PER_USEC },
		{ "10ns", 0, 10 },
		{ "1.5m", 0, 90 * NSEC_PER_SEC },
		{ "2h", 0, 7200 * NSEC_PER_SEC },
		{ "0.5s", 0, NSEC_PER_SEC / 2 },
		{ "0", 0, 0 },
		{ "5min", 0, 300 * NSEC_PER_SEC },
		{ "", -EINVAL, 0 },
		{ "s", -EINVAL, 0 },
		{ "-1s", -EINVAL, 0 },
		{ "1d", -EINVAL, 0 },
		{ "1 s", -EINVAL, 0 },
		{ "1ss", -EINVAL, 0 },
		{ "99999999999h", -ERANGE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t out = 777;
		int r = parse_duration(cases[i].in, 0, UINT64_MAX, &out);

		if (r != cases[i].ret)
			fail_msg("parse_duration(\"%s\") = %d, want %d", cases[i].in, r,
				 cases[i].ret);
		if (r == 0 && out != cases[i].want)
			fail_msg("parse_duration(\"%s\") -> %llu, want %llu", cases[i].in,
				 (unsigned long long)out, (unsigned long long)cases[i].want);
	}
}

static void parse_u64_and_i64_reject_junk_and_range(void **state)
{
	uint64_t u;
	int64_t i;

	assert_int_equal(parse_u64("42", 0, 100, &u), 0);
	assert_int_equal(u, 42);
	assert_int_equal(parse_u64("101", 0, 100, &u), -ERANGE);
	assert_int_equal(parse_u64("-1", 0, 100, &u), -EINVAL);
	assert_int_equal(parse_u64("4x", 0, 100, &u), -EINVAL);
	assert_int_equal(parse_u64("", 0, 100, &u), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551616", 0, UINT64_MAX, &u), -ERANGE);
	assert_int_equal(parse_i64("-5", -10, 10, &i), 0);
	assert_int_equal(i, -5);
	assert_int_equal(parse_i64("-11", -10, 10, &i), -ERANGE);
	assert_int_equal(parse_i64("--1", -10, 10, &i), -EINVAL);
	assert_int_equal(parse_i64("+", -10, 10, &i), -EINVAL);
}

static void parse_double_rejects_exponent_and_nan(void **state)
{
	double d;

	assert_int_equal(parse_double("2.5", 0, 10, &d), 0);
	assert_true(d == 2.5);
	assert_int_equal(parse_double("-0.5", -1, 10, &d), 0);
	assert_int_equal(parse_double("1e3", 0, 1e9, &d), -EINVAL);
	assert_int_equal(parse_double("nan", 0, 1, &d), -EINVAL);
	assert_int_equal(parse_double("inf", 0, 1, &d), -EINVAL);
	assert_int_equal(parse_double(".", 0, 1, &d), -EINVAL);
	assert_int_equal(parse_double("11", 0, 10, &d), -ERANGE);
}

static void parse_bool_accepts_words(void **state)
{
	bool b = false;

	assert_int_equal(parse_bool("Yes", &b), 0);
	assert_true(b);
	assert_int_equal(parse_bool("off", &b), 0);
	assert_false(b);
	assert_int_equal(parse_bool("maybe", &b), -EINVAL);
}

static void parse_hostport_forms(void **state)
{
	char host[64];
	uint16_t port = 0;

	assert_int_equal(parse_hostport("127.0.0.1:5201", true, false, host, sizeof(host), &port),
			 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 5201);
	assert_int_equal(parse_hostport("8080", false, false, host, sizeof(host), &port), 0);
	assert_string_equal(host, "");
	assert_int_equal(port, 8080);
	assert_int_equal(parse_hostport("[::1]:80", true, false, host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(parse_hostport("8080", true, false, host, sizeof(host), &port), -EINVAL);
	assert_int_equal(parse_hostport("::1:80", false, false, host, sizeof(host), &port),
			 -EINVAL);
	assert_int_equal(parse_hostport("h:0", true, false, host, sizeof(host), &port), -ERANGE);
	assert_int_equal(parse_hostport("h:0", true, true, host, sizeof(host), &port), 0);
	assert_int_equal(parse_hostport("h:65536", true, false, host, sizeof(host), &port),
			 -ERANGE);
	assert_int_equal(parse_hostport("h:", true, false, host, sizeof(host), &port), -EINVAL);
	assert_int_equal(parse_hostport("[]:80", true, false, host, sizeof(host), &port), -EINVAL);
	assert_int_equal(parse_hostport("a b:80", true, false, host, sizeof(host), &port), -EINVAL);
	assert_int_equal(parse_hostport("verylonghostname:80", true, false, host, 8, &port),
			 -EINVAL);
}

static void fmt_helpers_are_readable(void **state)
{
	char buf[32];

	assert_string_equal(fmt_size(512, buf, sizeof(buf)), "512 B");
	assert_string_equal(fmt_size(3ULL << 29, buf, sizeof(buf)), "1.5 GiB");
	assert_string_equal(fmt_duration(1500 * NSEC_PER_MSEC, buf, sizeof(buf)), "1.5 s");
	assert_string_equal(fmt_duration(250 * NSEC_PER_USEC, buf, sizeof(buf)), "250.0 us");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_size_table),
		cmocka_unit_test(parse_size_rejects_out_of_range),
		cmocka_unit_test(parse_duration_table),
		cmocka_unit_test(parse_u64_and_i64_reject_junk_and_range),
		cmocka_unit_test(parse_double_rejects_exponent_and_nan),
		cmocka_unit_test(parse_bool_accepts_words),
		cmocka_unit_test(parse_hostport_forms),
		cmocka_unit_test(fmt_helpers_are_readable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
