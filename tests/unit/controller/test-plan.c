// SPDX-License-Identifier: MIT
/* Planning: every phase once per round, rounds as blocks, shuffled from a seed; slugs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "plan.h"
#include "scenario.h"

static struct scenario *load_seeded(const char *extra, const char *global, uint64_t seed)
{
	static const char head[] = "[vm web]\nrole = victim\n[vm c]\nrole = "
				   "probe\n[probe]\nkind = http\n[bomb cpu]\nvm = c\nkind = cpu\n";
	char text[2048], err[512];
	struct scenario *s = NULL;

	snprintf(text, sizeof(text), "[global]\n%s\n%s%s", global, head, extra);
	assert_int_equal(scenario_parse("p.ini", text, strlen(text), &s, err, sizeof(err)), 0);
	s->design.seed = seed;
	s->design.seed_set = true;
	return s;
}

static struct scenario *load(const char *extra)
{
	return load_seeded(extra, "rounds = 3\naa = no", 42);
}

static void plan_runs_every_phase_once_per_round(void **state)
{
	struct scenario *s = load("[phase a]\n[phase b]\nbombs = cpu\n[phase c]\n[phase d]\n");
	struct plan p;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	assert_int_equal(p.n, 12);
	assert_int_equal(p.rounds, 3);
	assert_int_equal(p.seed, 42);
	for (unsigned r = 1; r <= 3; r++) {
		unsigned seen[4] = { 0 };

		for (size_t i = 0; i < 4; i++) {
			const struct plan_run *pr = &p.runs[(r - 1) * 4 + i];

			assert_int_equal(pr->round, r); /* rounds are contiguous blocks */
			assert_int_equal(pr->order, i + 1);
			seen[pr->phase]++;
		}
		for (size_t k = 0; k < 4; k++)
			assert_int_equal(seen[k], 1);
	}
	plan_done(&p);
	scenario_free(s);
}

/* The phase order of round r (1-based) as a string of phase letters. */
static void order_of(const struct plan *p, const struct scenario *s, unsigned r, char *out)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		if (p->runs[i].round == r)
			out[k++] = s->phases[p->runs[i].phase].name[0];
	out[k] = '\0';
}

static void plan_same_seed_replays_the_same_orders(void **state)
{
	static const char phases[] = "[phase a]\n[phase b]\n[phase c]\n[phase d]\n[phase e]\n";
	struct scenario *s1 = load_seeded(phases, "rounds = 6\naa = no", 7);
	struct scenario *s2 = load_seeded(phases, "rounds = 6\naa = no", 7);
	struct scenario *s3 = load_seeded(phases, "rounds = 6\naa = no", 8);
	struct plan p1, p2, p3;
	char a[8], b[8];
	unsigned differ = 0;

	(void)state;
	assert_int_equal(plan_build(s1, &p1), 0);
	assert_int_equal(plan_build(s2, &p2), 0);
	assert_int_equal(plan_build(s3, &p3), 0);
	for (unsigned r = 1; r <= 6; r++) {
		order_of(&p1, s1, r, a);
		order_of(&p2, s2, r, b);
		assert_string_equal(a, b);
		order_of(&p3, s3, r, b);
		differ += strcmp(a, b) != 0;
	}
	assert_true(differ >= 4); /* another seed, other orders (120 orders per round) */
	plan_done(&p1);
	plan_done(&p2);
	plan_done(&p3);
	scenario_free(s1);
	scenario_free(s2);
	scenario_free(s3);
}

static void plan_add_round_continues_as_a_longer_plan_would(void **state)
{
	static const char phases[] = "[phase a]\n[phase b]\n[phase c]\n[phase d]\n";
	struct scenario *s3 = load_seeded(phases, "rounds = 3\naa = no", 99);
	struct scenario *s5 = load_seeded(phases, "rounds = 5\naa = no", 99);
	struct plan p3, p5;
	char a[8], b[8];

	(void)state;
	assert_int_equal(plan_build(s3, &p3), 0);
	assert_int_equal(plan_build(s5, &p5), 0);
	assert_int_equal(plan_add_round(&p3, s3), 0);
	assert_int_equal(plan_add_round(&p3, s3), 0);
	assert_int_equal(p3.n, p5.n);
	assert_int_equal(p3.rounds, 5);
	for (unsigned r = 1; r <= 5; r++) {
		order_of(&p3, s3, r, a);
		order_of(&p5, s5, r, b);
		assert_string_equal(a, b);
	}
	assert_string_equal(p3.runs[19].dir, p5.runs[19].dir);
	plan_done(&p3);
	plan_done(&p5);
	scenario_free(s3);
	scenario_free(s5);
}

static void plan_shuffles_rounds_uniformly(void **state)
{
	/* 1000 rounds of 4 phases: each phase in each position about 250 times, and X+prio
	   right after X about a quarter of the time, not nearly always as a rotation gives */
	struct scenario *s = load_seeded("[phase a]\n[phase b]\n[phase b+prio]\nbombs = cpu\n"
					 "[phase d]\n",
					 "rounds = 1000\naa = no", 1);
	unsigned count[4][4] = { { 0 } }, follows = 0;
	struct plan p;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	for (size_t i = 0; i < p.n; i++) {
		count[p.runs[i].phase][p.runs[i].order - 1]++;
		if (p.runs[i].order > 1 && p.runs[i].phase == 2 && p.runs[i - 1].phase == 1)
			follows++;
	}
	for (int ph = 0; ph < 4; ph++)
		for (int pos = 0; pos < 4; pos++)
			assert_true(count[ph][pos] > 190 && count[ph][pos] < 310);
	assert_true(follows > 190 && follows < 310); /* 3 of 12 ordered pairs: 250 */
	plan_done(&p);
	scenario_free(s);
}

static void plan_without_seed_draws_one_and_records_it(void **state)
{
	struct scenario *s = load("[phase a]\n[phase b]\n");
	struct plan p1, p2;

	(void)state;
	s->design.seed_set = false;
	assert_int_equal(plan_build(s, &p1), 0);
	assert_int_equal(plan_build(s, &p2), 0);
	assert_true(p1.seed != p2.seed);
	plan_done(&p1);
	plan_done(&p2);
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
	bool found = false;

	(void)state;
	assert_int_equal(plan_build(s, &p), 0);
	assert_int_equal(p.n, 6);
	for (size_t i = 0; i < 2; i++)
		found |= strcmp(p.runs[i].dir, "runs/1-x_weight.web_512_") == 0;
	assert_true(found);
	plan_done(&p);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plan_runs_every_phase_once_per_round),
		cmocka_unit_test(plan_same_seed_replays_the_same_orders),
		cmocka_unit_test(plan_add_round_continues_as_a_longer_plan_would),
		cmocka_unit_test(plan_shuffles_rounds_uniformly),
		cmocka_unit_test(plan_without_seed_draws_one_and_records_it),
		cmocka_unit_test(plan_slug_replaces_unsafe_characters),
		cmocka_unit_test(plan_names_sweep_dirs_by_slug),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
