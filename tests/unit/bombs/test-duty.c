// SPDX-License-Identifier: MIT
/* The --intensity duty cycle arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "duty.h"

#define MS NSEC_PER_MSEC

static void duty_on_ns_is_pct_of_period(void **state)
{
	static const struct {
		unsigned pct;
		uint64_t period, want;
	} cases[] = {
		{ 100, 10 * MS, 10 * MS },
		{ 50, 10 * MS, 5 * MS },
		{ 1, 10 * MS, 100000 },
		{ 99, 10 * MS, 9900000 },
		{ 33, 1000, 330 },
		{ 33, 1001, 330 },
		{ 50, 1, 0 },
		{ 150, 10 * MS, 10 * MS },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(duty_on_ns(cases[i].pct, cases[i].period), cases[i].want);
}

static void duty_off_ns_sleeps_out_the_rest_of_the_period(void **state)
{
	struct duty d;

	duty_init(&d, 30, 10 * MS, 1000 * MS);
	assert_int_equal(d.on_ns, 3 * MS);
	assert_int_equal(duty_off_ns(&d, 1000 * MS), 0);	  /* period start */
	assert_int_equal(duty_off_ns(&d, 1000 * MS + 2 * MS), 0); /* still on */
	assert_int_equal(duty_off_ns(&d, 1000 * MS + 3 * MS), 7 * MS);
	assert_int_equal(duty_off_ns(&d, 1000 * MS + 9 * MS), 1 * MS);
	/* periods stay aligned on the start: no drift after many periods */
	assert_int_equal(duty_off_ns(&d, 1000 * MS + 12340 * MS + 1 * MS), 0);
	assert_int_equal(duty_off_ns(&d, 1000 * MS + 12340 * MS + 5 * MS), 5 * MS);
	/* before the start (clock skew between threads) never sleeps */
	assert_int_equal(duty_off_ns(&d, 10), 0);
}

static void duty_full_intensity_never_sleeps(void **state)
{
	struct duty d;

	duty_init(&d, 100, 0, 0);
	assert_true(duty_full(&d));
	assert_int_equal(d.period_ns, DUTY_PERIOD_NS);
	for (uint64_t t = 0; t < 50 * MS; t += MS / 3)
		assert_int_equal(duty_off_ns(&d, t), 0);
}

static void duty_init_clamps_pct(void **state)
{
	struct duty d;

	duty_init(&d, 0, 10 * MS, 0);
	assert_int_equal(d.pct, 1);
	duty_init(&d, 250, 10 * MS, 0);
	assert_int_equal(d.pct, 100);
}

/* Over whole periods the running share equals pct (sampled every 10 us). */
static void duty_share_over_periods_matches_pct(void **state)
{
	for (unsigned pct = 5; pct <= 95; pct += 15) {
		struct duty d;
		uint64_t on = 0, n = 0;

		duty_init(&d, pct, 10 * MS, 0);
		for (uint64_t t = 0; t < 100 * MS; t += 10000, n++)
			on += duty_off_ns(&d, t) == 0;
		assert_int_equal(on * 100 / n, pct);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duty_on_ns_is_pct_of_period),
		cmocka_unit_test(duty_off_ns_sleeps_out_the_rest_of_the_period),
		cmocka_unit_test(duty_full_intensity_never_sleeps),
		cmocka_unit_test(duty_init_clamps_pct),
		cmocka_unit_test(duty_share_over_periods_matches_pct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
