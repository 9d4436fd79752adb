// SPDX-License-Identifier: MIT
/*
 * Scenario keys for sensitivity curves and time-to-protect: intensity.BOMB and
 * load sweeps (expansion, per-value twins, intensity 0 = the bomb does not run),
 * at.TIME changes, and every bad input as one FILE:LINE line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

static const char head[] = "[global]\nduration = 10s\n"
			   "[vm web]\nrole = victim\n[vm client]\nrole = probe\n"
			   "[vm n-cpu]\nrole = neighbor\n[probe]\nkind = http\n"
			   "[bomb cpu]\nvm = n-cpu\nkind = cpu\n"
			   "[bomb mem]\nvm = n-cpu\nkind = mem\n"
			   "[phase baseline]\nbombs = none\n"; /* 18 lines */

static struct scenario *parse(const char *phases, char *err, size_t len)
{
	char text[4096];
	struct scenario *s = NULL;

	snprintf(text, sizeof(text), "%s%s", head, phases);
	if (scenario_parse("t.ini", text, strlen(text), &s, err, len) < 0)
		return NULL;
	return s;
}

static const struct scn_phase *phase(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_phases; i++)
		if (!strcmp(s->phases[i].name, name))
			return &s->phases[i];
	fail_msg("no phase %s", name);
	return NULL;
}

static void intensity_sweeps_expand_with_per_value_twins(void **state)
{
	char err[512];
	struct scenario *s = parse("[phase cpu]\nbombs = cpu, mem\nintensity.cpu = 0, 50, 100%\n"
				   "[phase cpu+prio]\nbombs = cpu, mem\nweight.web = 2048\n"
				   "intensity.cpu = 0,50,100\n",
				   err, sizeof(err));
	const struct scn_phase *p;

	(void)state;
	assert_non_null(s);
	/* baseline, 3 + 3 members (and the baseline's A/A twin where the design adds one) */
	assert_int_equal(s->n_phases - (s->n_phases > 7), 7);
	p = phase(s, "cpu[intensity.cpu=0]");
	assert_int_equal(p->n_bombs, 1); /* 0: the cpu bomb does not run, mem does */
	assert_string_equal(p->bombs[0], "mem");
	p = phase(s, "cpu[intensity.cpu=50]");
	assert_int_equal(p->n_bombs, 2);
	assert_int_equal(p->n_intensity, 1);
	assert_string_equal(p->intensity[0].bomb, "cpu");
	assert_int_equal(p->intensity[0].pct, 50);
	assert_string_equal(p->sweep_key, "intensity.cpu");
	assert_int_equal(p->sweep_value, 50);
	p = phase(s, "cpu+prio[intensity.cpu=100]");
	assert_string_equal(p->twin, "cpu[intensity.cpu=100]");
	assert_int_equal(p->intensity[0].pct, 100);
	assert_int_equal(p->prio[0].weight, 2048);
	scenario_free(s);
}

static void load_sweeps_and_fixed_values(void **state)
{
	char err[512];
	struct scenario *s = parse("[phase busy]\nbombs = cpu\nload = 10%, 50%, 90%\n"
				   "[phase steady]\nbombs = cpu\nload = 30\nintensity.cpu = 40\n",
				   err, sizeof(err));

	(void)state;
	assert_non_null(s);
	assert_int_equal(phase(s, "busy[load=50]")->load_pct, 50);
	assert_int_equal(phase(s, "steady")->load_pct, 30);
	assert_int_equal(phase(s, "steady")->intensity[0].pct, 40);
	assert_int_equal(phase(s, "baseline")->load_pct, 0);
	scenario_free(s);
}

static void at_changes_are_kept_in_time_order(void **state)
{
	char err[512];
	struct scenario *s = parse("[phase cpu]\nbombs = cpu\nat.7s = cap.n-cpu=50\n"
				   "at.2500ms = weight.web=2048\n",
				   err, sizeof(err));
	const struct scn_phase *p;

	(void)state;
	assert_non_null(s);
	p = phase(s, "cpu");
	assert_int_equal(p->n_at, 2);
	assert_true(p->at[0].t_ns == 2500000000ULL && p->at[0].weight && p->at[0].value == 2048);
	assert_string_equal(p->at[0].vm, "web");
	assert_true(p->at[1].t_ns == 7000000000ULL && !p->at[1].weight && p->at[1].value == 50);
	scenario_free(s);
}

static void bad_input_is_one_line_with_its_place(void **state)
{
	static const struct {
		const char *phases, *want;
	} bad[] = {
		{ "[phase x]\nbombs = cpu\nintensity.nope = 0, 50\n",
		  "t.ini:21: intensity.nope: 'nope' names no [bomb] section" },
		{ "[phase x]\nbombs = cpu\nintensity.cpu = ,\n",
		  "t.ini:21: intensity.cpu: empty value in the list" },
		{ "[phase x]\nbombs = cpu\nintensity.cpu = 60, 40\n",
		  "t.ini:21: intensity.cpu: the values must increase (40 after 60)" },
		{ "[phase x]\nbombs = cpu\nintensity.cpu = 20, 20\n",
		  "the values must increase (20 after 20)" },
		{ "[phase x]\nbombs = cpu\nintensity.cpu = 101\n",
		  "expected a whole number 0-100" },
		{ "[phase x]\nbombs = mem\nintensity.cpu = 10, 20\n",
		  "intensity.cpu: bomb 'cpu' does not run in [phase x]" },
		{ "[phase x]\nbombs = cpu\nload = 0%\n",
		  "load: '0%' (expected a whole number 1-100" },
		{ "[phase x]\nbombs = cpu\nload = 50%, 30%\n", "load: the values must increase" },
		{ "[phase x]\nbombs = cpu\nload = 10%, 30%\nintensity.cpu = 10, 20\n",
		  "intensity.cpu: only one key per phase may sweep (already load at line 21)" },
		{ "[phase x]\nbombs = cpu\nat.10s = weight.web=2048\n",
		  "t.ini:21: at.10s: beyond the measurement (duration = 10 s)" },
		{ "[phase x]\nbombs = cpu\nat.later = weight.web=2048\n", "'later' is not a time" },
		{ "[phase x]\nbombs = cpu\nat.5s = weight.db=2048\n",
		  "'db' names no [vm] section" },
		{ "[phase x]\nbombs = cpu\nat.5s = shares.web=2\n",
		  "expected weight.VM=N or cap.VM=N" },
		{ "[phase x]\nbombs = cpu\nat.5s = weight.web=70000\n", "a Xen weight 1-65535" },
		{ "[phase x]\nbombs = cpu\nat.5s = weight.web=300\nat.5000ms = cap.web=5\n",
		  "a second change at the same time (line 21)" },
		{ "[phase x]\nbombs = cpu\nintensity.cpu = 0,50\n[phase x+prio]\nbombs = cpu\n"
		  "twin = x\nintensity.cpu = 0,60\n",
		  "twin: 'x' sweeps (expected one phase, or one sweeping the same key" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct scenario *s = parse(bad[i].phases, err, sizeof(err));

		if (s || !strstr(err, bad[i].want) || strchr(err, '\n'))
			fail_msg("case %zu: got '%s', want '%s'", i, err, bad[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(intensity_sweeps_expand_with_per_value_twins),
		cmocka_unit_test(load_sweeps_and_fixed_values),
		cmocka_unit_test(at_changes_are_kept_in_time_order),
		cmocka_unit_test(bad_input_is_one_line_with_its_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
