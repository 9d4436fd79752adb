// SPDX-License-Identifier: MIT
/* Open-loop schedule and backoff arithmetic (probes/sched.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "clock.h"
#include "probe.h"

#define START 1000000000000ULL

static void intended_spaces_requests_evenly_across_streams(void **state)
{
	/* 1000/s over 4 streams: the union is every millisecond, each stream every 4 ms */
	for (uint64_t slot = 0; slot < 4000; slot++) {
		unsigned k = (unsigned)(slot % 4);
		uint64_t i = slot / 4;

		assert_int_equal(sched_intended_ns(START, 1000, 4, k, i), START + slot * 1000000);
	}
}

static void intended_handles_fractional_rate(void **state)
{
	/* 3 per second: 333.33 ms apart, rounded to the nearest ns, no drift after 1e6 */
	assert_int_equal(sched_intended_ns(START, 3, 1, 0, 1), START + 333333333);
	assert_int_equal(sched_intended_ns(START, 3, 1, 0, 3), START + NSEC_PER_SEC);
	assert_int_equal(sched_intended_ns(START, 3, 1, 0, 3000000),
			 START + 1000000 * NSEC_PER_SEC);
}

static void due_counts_requests_at_or_before_now(void **state)
{
	/* 10/s, 2 streams: stream 0 at 0,200,400 ms..., stream 1 at 100,300,... */
	assert_int_equal(sched_due(START, START - 1, 10, 2, 0), 0);
	assert_int_equal(sched_due(START, START, 10, 2, 0), 1);
	assert_int_equal(sched_due(START, START, 10, 2, 1), 0);
	assert_int_equal(sched_due(START, START + 99999999, 10, 2, 1), 0);
	assert_int_equal(sched_due(START, START + 100000000, 10, 2, 1), 1);
	assert_int_equal(sched_due(START, START + 999999999, 10, 2, 0), 5);
	assert_int_equal(sched_due(START, START + 999999999, 10, 2, 1), 5);
	assert_int_equal(sched_due(START, START + NSEC_PER_SEC, 10, 2, 0), 6);
}

static void due_agrees_with_intended_everywhere(void **state)
{
	static const double rates[] = { 1, 7, 333.3, 1000, 48000, 1e6 };

	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		for (unsigned k = 0; k < 3; k++) {
			for (uint64_t i = 0; i < 2000; i += 37) {
				uint64_t t = sched_intended_ns(START, rates[r], 3, k, i);

				assert_int_equal(sched_due(START, t, rates[r], 3, k), i + 1);
				assert_int_equal(sched_due(START, t - 1, rates[r], 3, k), i);
			}
		}
	}
}

static void share_splits_connections_without_loss(void **state)
{
	unsigned sum = 0;

	for (unsigned k = 0; k < 3; k++)
		sum += sched_share(10, 3, k);
	assert_int_equal(sum, 10);
	assert_int_equal(sched_share(10, 3, 0), 4);
	assert_int_equal(sched_share(10, 3, 2), 3);
	assert_int_equal(sched_share(1, 2, 1), 0);
	assert_int_equal(sched_share(5, 0, 0), 0);
}

static void backoff_grows_one_second_per_failure_up_to_15(void **state)
{
	assert_int_equal(sched_backoff_ns(0), 0);
	assert_int_equal(sched_backoff_ns(1), 1 * NSEC_PER_SEC);
	assert_int_equal(sched_backoff_ns(2), 2 * NSEC_PER_SEC);
	assert_int_equal(sched_backoff_ns(15), 15 * NSEC_PER_SEC);
	assert_int_equal(sched_backoff_ns(16), 15 * NSEC_PER_SEC);
	assert_int_equal(sched_backoff_ns(4000000000u), 15 * NSEC_PER_SEC);
}

static void wait_ms_rounds_up_and_caps(void **state)
{
	assert_int_equal(sched_wait_ms(START, START - 5, 100), 0);
	assert_int_equal(sched_wait_ms(START, START, 100), 0);
	assert_int_equal(sched_wait_ms(START, START + 1, 100), 1);
	assert_int_equal(sched_wait_ms(START, START + NSEC_PER_MSEC, 100), 1);
	assert_int_equal(sched_wait_ms(START, START + NSEC_PER_MSEC + 1, 100), 2);
	assert_int_equal(sched_wait_ms(START, UINT64_MAX, 100), 100);
}

static void count_is_the_schedule_inside_a_half_open_window(void **state)
{
	/* 10/s: send times at 0, 100, 200 ... ms */
	assert_int_equal(sched_count(START, 10, START, START + NSEC_PER_SEC), 10);
	/* [100 ms, 300 ms) holds 100 and 200, not 300 */
	assert_int_equal(
		sched_count(START, 10, START + 100 * NSEC_PER_MSEC, START + 300 * NSEC_PER_MSEC),
		2);
	/* a window starting before the schedule counts from its start */
	assert_int_equal(sched_count(START, 10, START - NSEC_PER_SEC, START + 1), 1);
	assert_int_equal(sched_count(START, 10, START + 5, START + 5), 0);
	assert_int_equal(sched_count(START, 10, START + 5, START), 0);
	assert_int_equal(sched_count(START, 0, START, START + NSEC_PER_SEC), 0);
	/* fractional rate over a long window: rate x window, no drift */
	assert_int_equal(
		sched_count(START, 3, START + 2 * NSEC_PER_SEC, START + 3602 * NSEC_PER_SEC),
		3 * 3600);
	/* the sum over streams is the whole schedule */
	for (uint64_t w = 1; w < 3 * NSEC_PER_SEC; w += 7777777) {
		uint64_t sum = 0;

		for (unsigned k = 0; k < 3; k++)
			sum += sched_due(START, START + w - 1, 1234.5, 3, k);
		assert_int_equal(sched_count(START, 1234.5, START, START + w), sum);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intended_spaces_requests_evenly_across_streams),
		cmocka_unit_test(intended_handles_fractional_rate),
		cmocka_unit_test(due_counts_requests_at_or_before_now),
		cmocka_unit_test(due_agrees_with_intended_everywhere),
		cmocka_unit_test(share_splits_connections_without_loss),
		cmocka_unit_test(backoff_grows_one_second_per_failure_up_to_15),
		cmocka_unit_test(wait_ms_rounds_up_and_caps),
		cmocka_unit_test(count_is_the_schedule_inside_a_half_open_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
