// SPDX-License-Identifier: MIT
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"
#include "json.h"

#define N 200000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, good enough for test data */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The exact percentile with the same rank definition: ceil(p/100*n)-th smallest. */
static uint64_t exact_pct(const uint64_t *sorted, size_t n, double pct)
{
	size_t rank = (size_t)ceil(pct / 100.0 * (double)n);

	if (rank < 1)
		rank = 1;
	return sorted[rank - 1];
}

static void check_accuracy(uint64_t (*gen)(void))
{
	static const double pcts[] = { 0.1, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100 };
	uint64_t *vals = malloc(N * sizeof(*vals));
	struct hist *h = hist_new();
	long double sum = 0;

	assert_non_null(vals);
	assert_non_null(h);
	for (size_t i = 0; i < N; i++) {
		vals[i] = gen();
		hist_record(h, vals[i]);
		sum += vals[i];
	}
	qsort(vals, N, sizeof(*vals), cmp_u64);
	assert_int_equal(hist_count(h), N);
	assert_int_equal(hist_min(h), vals[0]);
	assert_int_equal(hist_max(h), vals[N - 1]);
	assert_true(fabs(hist_mean(h) - (double)(sum / N)) <= 1e-6 * (double)(sum / N));
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		double want = (double)exact_pct(vals, N, pcts[i]);
		double got = (double)hist_percentile(h, pcts[i]);

		if (fabs(got - want) > want * 0.001)
			fail_msg("p%g: got %.0f want %.0f (error %.4f %%)", pcts[i], got, want,
				 100 * fabs(got - want) / want);
	}
	hist_free(h);
	free(vals);
}

static uint64_t gen_uniform_wide(void)
{
	/* 1 us .. 10 s, log-uniform: exercises every bucket */
	double e = 3 + (double)(rng() % 1000000) / 1000000.0 * 7;

	return (uint64_t)pow(10, e);
}

static uint64_t gen_latency_like(void)
{
	/* a body around 2 ms plus a heavy tail */
	uint64_t base = 1500000 + rng() % 1000000;

	if (rng() % 100 == 0)
		base += rng() % 2000000000ULL;
	return base;
}

static uint64_t gen_small(void)
{
	return rng() % 3000; /* the exact region and the first real bucket */
}

static void hist_quantiles_within_0_1_pct_log_uniform(void **state)
{
	check_accuracy(gen_uniform_wide);
}

static void hist_quantiles_within_0_1_pct_latency_tail(void **state)
{
	check_accuracy(gen_latency_like);
}

static void hist_small_values_are_exact(void **state)
{
	check_accuracy(gen_small);
}

static void hist_merge_equals_single(void **state)
{
	struct hist *a = hist_new(), *b = hist_new(), *all = hist_new();

	for (int i = 0; i < 50000; i++) {
		uint64_t v = gen_latency_like();

		hist_record(i % 2 ? a : b, v);
		hist_record(all, v);
	}
	hist_merge(a, b);
	assert_int_equal(hist_count(a), hist_count(all));
	assert_int_equal(hist_min(a), hist_min(all));
	assert_int_equal(hist_max(a), hist_max(all));
	for (double p = 1; p < 100; p += 7.5)
		assert_int_equal(hist_percentile(a, p), hist_percentile(all, p));
	assert_true(fabs(hist_mean(a) - hist_mean(all)) < 1e-6 * hist_mean(all));
	assert_true(fabs(hist_stdev(a) - hist_stdev(all)) < 1e-6 * hist_stdev(all));
	hist_free(a);
	hist_free(b);
	hist_free(all);
}

static void hist_empty_and_reset(void **state)
{
	struct hist *h = hist_new();

	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_percentile(h, 99), 0);
	assert_int_equal(hist_min(h), 0);
	assert_true(hist_mean(h) == 0.0);
	hist_record(h, 5);
	hist_reset(h);
	assert_int_equal(hist_count(h), 0);
	assert_int_equal(hist_max(h), 0);
	hist_free(h);
	hist_free(NULL);
}

static void hist_clamps_values_past_the_top(void **state)
{
	struct hist *h = hist_new();

	hist_record(h, UINT64_MAX);
	hist_record(h, 1000);
	assert_int_equal(hist_clamped(h), 1);
	assert_int_equal(hist_max(h), HIST_MAX_NS - 1);
	assert_int_equal(hist_percentile(h, 100), HIST_MAX_NS - 1);
	hist_free(h);
}

static void hist_stdev_is_exact(void **state)
{
	struct hist *h = hist_new();

	/* 2, 4, 4, 4, 5, 5, 7, 9 (x 1000): population stdev 2000 */
	static const uint64_t v[] = { 2000, 4000, 4000, 4000, 5000, 5000, 7000, 9000 };

	for (size_t i = 0; i < 8; i++)
		hist_record(h, v[i]);
	assert_true(fabs(hist_stdev(h) - 2000.0) < 1e-6);
	assert_true(fabs(hist_mean(h) - 5000.0) < 1e-9);
	hist_free(h);
}

static void hist_json_lists_buckets_that_sum_to_count(void **state)
{
	struct hist *h = hist_new();
	struct json_writer *w = json_new(0);
	const char *s;

	hist_record_n(h, 1000, 3);
	hist_record(h, 5000000);
	hist_to_json(h, w);
	assert_int_equal(json_error(w), 0);
	s = json_data(w, NULL);
	assert_non_null(strstr(s, "\"count\":4"));
	assert_non_null(strstr(s, "\"buckets\":[[1000,3],["));
	assert_non_null(strstr(s, ",1]]"));
	json_free(w);
	hist_free(h);
}

static void hist_size_is_fixed_and_small(void **state)
{
	assert_true(hist_memsize() < 300 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hist_quantiles_within_0_1_pct_log_uniform),
		cmocka_unit_test(hist_quantiles_within_0_1_pct_latency_tail),
		cmocka_unit_test(hist_small_values_are_exact),
		cmocka_unit_test(hist_merge_equals_single),
		cmocka_unit_test(hist_empty_and_reset),
		cmocka_unit_test(hist_clamps_values_past_the_top),
		cmocka_unit_test(hist_stdev_is_exact),
		cmocka_unit_test(hist_json_lists_buckets_that_sum_to_count),
		cmocka_unit_test(hist_size_is_fixed_and_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
