// SPDX-License-Identifier: MIT
/*
 * The advise search against victims with a known answer: a threshold weight
 * (or cap) where the SLO starts to hold. Bracketing then bisection must end
 * with the truth inside the final bracket, the bracket within the resolution,
 * in few steps; the ends of the range, undecided steps, contradictions and
 * the step budget end the search with the right reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "advise-out.h"
#include "advise-search.h"

#define RES_LOG 1.1892071150027210 /* 2^(1/4): a quarter of a doubling */

/* Runs the search against "meets iff value >= truth" (up) or "<= truth" (a cap). */
static void search(struct advise_search *a, int truth, unsigned *steps)
{
	int v;

	*steps = 0;
	while (advise_next(a, &v)) {
		bool meets = a->up ? v >= truth : v <= truth;

		advise_record(a, v, meets ? ADVISE_MEETS : ADVISE_FAILS);
		(*steps)++;
	}
}

static void weights_converge_around_the_threshold(void **state)
{
	static const int truths[] = { 2, 100, 255, 256, 257, 600, 1000, 2048, 3000, 40000, 65535 };

	(void)state;
	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		struct advise_search a;
		unsigned steps;

		assert_int_equal(
			advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40), 0);
		search(&a, truths[i], &steps);
		printf("  weight threshold %5d: %s after %2u steps, fails at %d, meets at %d\n",
		       truths[i], advise_end_name(a.end), steps, a.fails, a.meets);
		assert_int_equal(a.end, ADVISE_CONVERGED);
		assert_true(a.meets >= truths[i] && a.fails < truths[i]);
		assert_true((double)a.meets / a.fails <= RES_LOG || a.meets - a.fails <= 1);
		assert_true(steps <= 16);
	}
}

static void the_ends_of_the_range(void **state)
{
	struct advise_search a;
	unsigned steps;

	(void)state;
	/* meets even at weight 1 */
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40);
	search(&a, 1, &steps);
	assert_int_equal(a.end, ADVISE_ALL);
	assert_int_equal(a.meets, 1);
	/* fails even at the largest weight */
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40);
	search(&a, 70000, &steps);
	assert_int_equal(a.end, ADVISE_NONE);
	assert_int_equal(a.fails, 65535);
	assert_int_equal(a.meets, -1);
	assert_true(steps <= 10);
}

static void caps_search_linearly_for_the_largest_that_meets(void **state)
{
	static const int truths[] = { 1, 7, 50, 99, 150, 199 };

	(void)state;
	for (size_t i = 0; i < sizeof(truths) / sizeof(truths[0]); i++) {
		struct advise_search a;
		unsigned steps;

		/* a neighbour's cap, 1-200 % (two CPUs), starting with no real restriction */
		advise_search_init(&a, ADVISE_LINEAR, false, 1, 200, 200, 5, 40);
		search(&a, truths[i], &steps);
		printf("  cap threshold %3d: %s after %2u steps, meets at %d, fails at %d\n",
		       truths[i], advise_end_name(a.end), steps, a.meets, a.fails);
		assert_int_equal(a.end, ADVISE_CONVERGED);
		assert_true(a.meets <= truths[i] && a.fails > truths[i]);
		assert_true(a.fails - a.meets <= 5);
	}
	{
		struct advise_search a;
		unsigned steps;

		advise_search_init(&a, ADVISE_LINEAR, false, 1, 200, 200, 5, 40);
		search(&a, 200, &steps); /* any cap meets */
		assert_int_equal(a.end, ADVISE_ALL);
		assert_int_equal(steps, 1);
		advise_search_init(&a, ADVISE_LINEAR, false, 1, 200, 200, 5, 40);
		search(&a, 0, &steps); /* none does */
		assert_int_equal(a.end, ADVISE_NONE);
		assert_int_equal(steps, 2);
	}
}

static void undecided_conflict_and_budget_end_the_search(void **state)
{
	struct advise_search a;
	int v;

	(void)state;
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40);
	assert_true(advise_next(&a, &v) && v == 256);
	advise_record(&a, v, ADVISE_FAILS);
	assert_true(advise_next(&a, &v) && v == 512);
	advise_record(&a, v, ADVISE_UNDECIDED);
	assert_false(advise_next(&a, &v));
	assert_int_equal(a.end, ADVISE_STUCK);
	assert_int_equal(a.undecided, 512);
	/* a more helpful weight fails where a less helpful one met */
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40);
	advise_record(&a, 256, ADVISE_MEETS);
	advise_record(&a, 1024, ADVISE_FAILS);
	assert_false(advise_next(&a, &v));
	assert_int_equal(a.end, ADVISE_CONFLICT);
	/* the step budget, and a stop for time */
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 2);
	advise_record(&a, 256, ADVISE_FAILS);
	advise_record(&a, 512, ADVISE_FAILS);
	assert_false(advise_next(&a, &v));
	assert_int_equal(a.end, ADVISE_BUDGET);
	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, RES_LOG, 40);
	advise_stop(&a);
	assert_false(advise_next(&a, &v));
	assert_int_equal(a.end, ADVISE_BUDGET);
}

static void bad_ranges_are_refused(void **state)
{
	struct advise_search a;

	(void)state;
	assert_int_equal(advise_search_init(&a, ADVISE_LOG, true, 0, 10, 5, RES_LOG, 4), -EINVAL);
	assert_int_equal(advise_search_init(&a, ADVISE_LOG, true, 10, 5, 5, RES_LOG, 4), -EINVAL);
	assert_int_equal(advise_search_init(&a, ADVISE_LOG, true, 1, 10, 11, RES_LOG, 4), -EINVAL);
	assert_int_equal(advise_search_init(&a, ADVISE_LOG, true, 1, 10, 5, 1.0, 4), -EINVAL);
	assert_int_equal(advise_search_init(&a, ADVISE_LINEAR, false, 1, 10, 5, 0, 4), -EINVAL);
	assert_int_equal(advise_search_init(&a, ADVISE_LINEAR, false, 1, 10, 5, 1, 0), -EINVAL);
}

/* The answer's sentence calls a step by what it was: an undecided value bounds the search
 * like a failure, but the advice must not say it failed. */
static void answer_text_says_undecided_not_fails(void **state)
{
	static struct advise_result a;
	char text[512];

	(void)state;
	a = (struct advise_result){ .knob = "weight.web",
				    .is_weight = true,
				    .measure = "good_pct" };
	a.steps[0] = (struct advise_step){ .value = 108,
					   .good = 87.2,
					   .good_lo = 70.7,
					   .good_hi = 99.0,
					   .outcome = ADVISE_UNDECIDED };
	a.steps[1] = (struct advise_step){ .value = 128,
					   .good = 96.8,
					   .good_lo = 93.4,
					   .good_hi = 99.9,
					   .outcome = ADVISE_MEETS };
	a.n_steps = 2;
	a.search.fails = 108;
	a.search.meets = 128;
	a.search.end = ADVISE_CONVERGED;
	advise_answer_text(&a, text, sizeof(text));
	assert_string_equal(text, "weight 108 does not surely meet it (87.2 % good [70.7, 99.0]), "
				  "weight 128 meets it (96.8 % good [93.4, 99.9]): recommend "
				  "weight 128 for web");
	a.steps[0].outcome = ADVISE_FAILS;
	advise_answer_text(&a, text, sizeof(text));
	assert_non_null(strstr(text, "weight 108 fails (87.2 % good"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weights_converge_around_the_threshold),
		cmocka_unit_test(the_ends_of_the_range),
		cmocka_unit_test(caps_search_linearly_for_the_largest_that_meets),
		cmocka_unit_test(undecided_conflict_and_budget_end_the_search),
		cmocka_unit_test(bad_ranges_are_refused),
		cmocka_unit_test(answer_text_says_undecided_not_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
