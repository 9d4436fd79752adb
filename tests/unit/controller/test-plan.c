// SPDX-License-Identifier: MIT
/* Planning: every phase once per round, rounds in order, later rounds rotated; slugs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "scenario.h"

static struct scenario *load(const char *extra)
{
	static const char head[] = "[global]\nrounds = 3\n[vm web]\nrole = victim\n[vm c]\nrole = "
				   "probe\n[probe]\nkind = http\n[bomb cpu]\nvm = c\nkind = cpu\n";
	char text[2048], err[512];
	struct scenario *s = NULL;

	snprintf(text, sizeof(text), "%s%s", head, extra);
	assert_int_equal(scenario_parse("p.ini", text, strlen(text), &s, err, sizeof(err)), 0);
	return s;
}

static void plan_runs_every_phase_once_per_round(void **state)
{
	struct scenario *s = load("[phase a]\n[phase b]\nbombs = cpu\n[phase c]\n[phase d]\n");
	struct plan p;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	assert_int_equal(p.n, 12);
	for (unsigned r = 1; r <= 3; r++) {
		unsigned seen[4] = { 0 };

		for (size_t i = 0; i < 4; i++) {
			const struct plan_run *pr = &p.runs[(r - 1) * 4 + i];

			assert_int_equal(pr->round, r); /* rounds are contiguous */
			seen[pr->phase]++;
		}
		for (size_t k = 0; k < 4; k++)
			assert_int_equal(seen[k], 1);
	}
	plan_done(&p);
	scenario_free(s);
}

static void plan_keeps_order_in_round_one_and_rotates_later(void **state)
{
	struct scenario *s = load("[phase a]\n[phase b]\n[phase c]\n");
	struct plan p;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	assert_int_equal(p.runs[0].phase, 0);
	assert_int_equal(p.runs[1].phase, 1);
	assert_int_equal(p.runs[2].phase, 2);
	assert_int_equal(p.runs[3].phase, 1); /* round 2 starts one further on */
	assert_int_equal(p.runs[6].phase, 2);
	assert_string_equal(p.runs[0].dir, "runs/1-a");
	assert_string_equal(p.runs[4].dir, "runs/2-c");
	plan_done(&p);
	scenario_free(s);
}

static void plan_slug_replaces_unsafe_characters(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(plan_slug("cpu+prio[weight.web=512]", buf, sizeof(buf)),
			    "cpu+prio_weight.web_512_");
	assert_string_equal(plan_slug("a b/c", buf, sizeof(buf)), "a_b_c");
	assert_string_equal(plan_slug("abcdef", buf, 4), "abc");
}

static void plan_names_sweep_dirs_by_slug(void **state)
{
	struct scenario *s = load("[phase x]\nweight.web = 256, 512\n");
	struct plan p;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	assert_int_equal(p.n, 6);
	assert_string_equal(p.runs[1].dir, "runs/1-x_weight.web_512_");
	plan_done(&p);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_runs_every_phase_once_per_round),
		cmocka_unit_test(plan_keeps_order_in_round_one_and_rotates_later),
		cmocka_unit_test(plan_slug_replaces_unsafe_characters),
		cmocka_unit_test(plan_names_sweep_dirs_by_slug),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
