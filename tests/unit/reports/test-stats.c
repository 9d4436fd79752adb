// SPDX-License-Identifier: MIT
/*
 * Unit tests for reports/stats*.c on models built in memory: pairing by
 * round, DNR as 0 good, invalid runs excluded, indicative below 3 rounds,
 * the protection verdicts and recovered share, closed loop, the A/A noise
 * floor, the mechanism, and what rounds = auto asks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "stats.h"

#define MAXR 12
#define DNR  (-1.0) /* a round whose probe did not report */
#define BAD  (-2.0) /* a round marked invalid */

struct phase_spec {
	const char *name;
	const char *twin;   /* equal-weight twin of a prioritised phase */
	const char *aa_of;  /* the A/A twin of the baseline */
	double score[MAXR]; /* good % (open) or good responses per second (closed) */
	double p99_ms;
};

static void add_run(struct model *m, size_t phase, unsigned round, double v, bool closed)
{
	struct model_run *run = &m->runs[m->n_runs++];
	struct model_probe *p = &run->probe;
	uint64_t ns = (uint64_t)(m->phases[phase].name[0] * 1e5 + 1e6);

	run->round = round;
	run->phase = phase;
	run->valid = v != BAD;
	run->status = strdup(v == DNR ? "dnr" : "ok");
	run->dir = strdup("runs/x");
	run->victim_cpu_pct = NAN;
	p->good_pct = p->slo_ms = p->rate_rps = p->measured_s = NAN;
	p->started_s = p->elapsed_s = p->warmup_s = NAN;
	if (!run->valid) {
		run->invalid = calloc(1, sizeof(char *));
		run->invalid[0] = strdup("bomb x achieved 10 % of its requested load");
		run->n_invalid = 1;
	}
	if (v == DNR)
		return;
	p->present = true;
	p->status = strdup("ok");
	p->requests = 1000;
	p->ok = 1000;
	p->throughput_rps = closed ? v : 100;
	p->has_good = !closed;
	p->good_pct = closed ? NAN : v;
	p->buckets = calloc(2, sizeof(*p->buckets));
	p->buckets[0] = (struct model_bucket){ ns, 990 };
	p->buckets[1] = (struct model_bucket){ ns * 10, 10 };
	p->n_buckets = 2;
	p->hist_count = 1000;
	p->lat.present = true;
	p->lat.p50 = ns / 1e6;
	p->lat.p99 = p->lat.mean = p->lat.p999 = ns * 10 / 1e6;
}

/* Phases with per-round scores; the first is the baseline. NaN: no run that round. */
static struct model *build(const struct phase_spec *ps, size_t n, unsigned rounds, bool closed)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->dir = strdup("mem");
	m->status = strdup("complete");
	m->rounds_planned = rounds;
	m->baseline = 0;
	m->aa = SIZE_MAX;
	m->closed_loop = closed;
	m->load.present = m->cal.present = true;
	m->design.min_effect_pct = m->design.max_time_s = m->design.min_bomb_share_pct = NAN;
	m->load.slo_ms = m->load.rate_rps = m->load.share_pct = NAN;
	m->cal.capacity_rps = NAN;
	m->victim_vm = strdup("web");
	m->phases = calloc(n, sizeof(*m->phases));
	m->runs = calloc(n * rounds, sizeof(*m->runs));
	assert_non_null(m->phases);
	assert_non_null(m->runs);
	m->n_phases = n;
	for (size_t i = 0; i < n; i++) {
		struct model_phase *ph = &m->phases[i];

		ph->name = strdup(ps[i].name);
		ph->twin_idx = SIZE_MAX;
		ph->weight_ratio = NAN;
		ph->is_baseline = i == 0;
		if (i && !ps[i].aa_of) {
			ph->bombs = calloc(1, sizeof(char *));
			ph->bombs[0] = strdup("x");
			ph->n_bombs = 1;
		}
		if (ps[i].twin) {
			ph->twin = strdup(ps[i].twin);
			ph->priority = strdup("weight web=2048");
			for (size_t j = 0; j < i; j++)
				if (!strcmp(ps[j].name, ps[i].twin))
					ph->twin_idx = j;
		}
		if (ps[i].aa_of) {
			ph->aa_of = strdup(ps[i].aa_of);
			m->aa = i;
		}
	}
	for (unsigned r = 1; r <= rounds; r++)
		for (size_t i = 0; i < n; i++)
			if (!isnan(ps[i].score[r - 1]))
				add_run(m, i, r, ps[i].score[r - 1], closed);
	return m;
}

static struct stats *compute_with(const struct model *m, double min_effect)
{
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct stats *s = NULL;

	cfg.min_effect_pct = min_effect;
	assert_int_equal(stats_compute(m, &cfg, &s), 0);
	assert_non_null(s);
	return s;
}

static struct stats *compute(const struct model *m)
{
	return compute_with(m, NAN);
}

/* ---- tests ---- */

static void config_check_rejects_inconsistent_thresholds(void **state)
{
	struct stats_config c = STATS_CONFIG_DEFAULT;

	(void)state;
	assert_null(stats_config_check(&c));
	c.partial_pct = 90;
	assert_non_null(stats_config_check(&c));
	c = (struct stats_config)STATS_CONFIG_DEFAULT;
	c.confidence_pct = 100;
	assert_non_null(stats_config_check(&c));
	c = (struct stats_config)STATS_CONFIG_DEFAULT;
	c.min_effect_pct = -1;
	assert_non_null(stats_config_check(&c));
	c.min_effect_pct = 7;
	assert_null(stats_config_check(&c));
}

static void quantile_interpolates_sorted_values(void **state)
{
	double v[] = { 5, 1, 4, 2, 3 };
	double one[] = { 7 };

	(void)state;
	assert_true(stats_quantile(v, 5, 0) == 1);
	assert_true(stats_quantile(v, 5, 1) == 5);
	assert_true(stats_quantile(v, 5, 0.5) == 3);
	assert_true(fabs(stats_quantile(v, 5, 0.125) - 1.5) < 1e-12);
	assert_true(stats_quantile(one, 1, 0.3) == 7);
	assert_true(isnan(stats_quantile(v, 0, 0.5)));
}

/*
 * The host drifts from round to round by up to 39 points; the bomb costs 8
 * points in every round. Paired by round that is a clear "hurt"; compared
 * as two groups of rounds it would drown in the drift.
 */
static void rounds_are_paired_so_drift_cancels(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 60, 97, 70, 95 } },
		{ "cpu", .score = { 91, 52, 89.5, 62, 86.5 } },
	};
	struct model *m = build(ps, 2, 5, false);
	struct stats *s = compute(m);
	const struct stats_phase *sp = &s->phases[1];

	(void)state;
	assert_int_equal(sp->cmp.n, 5);
	assert_true(fabs(sp->cmp.mean - -8.0) < 1e-9);
	assert_true(sp->cmp.ci.hi < -5);
	assert_int_equal(sp->verdict, VERDICT_HURT);
	assert_true(fabs(sp->score - 76.2) < 1e-9);
	stats_free(s);
	model_free(m);
}

static void dnr_counts_as_zero_good_and_invalid_runs_are_excluded(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99, 97, 99 } },
		{ "fork", .score = { 95, DNR, 96, BAD, 94 } },
		{ "dead", .score = { BAD, BAD, BAD, BAD, BAD } },
	};
	struct model *m = build(ps, 3, 5, false);
	struct stats *s = compute(m);
	const struct stats_phase *f = &s->phases[1], *d = &s->phases[2];

	(void)state;
	assert_int_equal(s->n_invalid, 6);
	assert_int_equal(f->valid, 4);
	assert_int_equal(f->invalid, 1);
	assert_int_equal(f->dnr_rounds, 1);
	assert_int_equal(f->cmp.n, 4); /* round 4 left out, round 2 counted as 0 good */
	assert_true(fabs(f->cmp.mean - ((95 + 0 + 96 + 94) - (99 + 98 + 99 + 99)) / 4.0) < 1e-9);
	assert_true(fabs(f->score - (95 + 0 + 96 + 94) / 4.0) < 1e-9);
	assert_int_equal(d->verdict, VERDICT_INVALID);
	assert_non_null(strstr(d->reason, "no valid round"));
	assert_non_null(strstr(d->reason, "requested load"));
	stats_free(s);
	model_free(m);
}

static void fewer_than_3_valid_rounds_are_indicative(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99 } },
		{ "cpu", .score = { 40, BAD, 60 } },
		{ "cpu+prio", "cpu", .score = { 99, 97, 98 } },
	};
	struct model *m = build(ps, 3, 3, false);
	struct stats *s = compute(m);

	(void)state;
	assert_int_equal(s->phases[1].verdict, VERDICT_INDICATIVE);
	assert_true(s->phases[1].cmp.rounds_needed >= 3);
	assert_non_null(strstr(s->phases[1].reason, "needs 3"));
	assert_int_equal(s->n_prot, 1);
	assert_int_equal(s->prot[0].verdict, VERDICT_INDICATIVE);
	assert_true(isfinite(s->prot[0].v.recovered_pct));
	stats_free(s);
	model_free(m);
}

static enum stats_verdict protection_for(const double *prio, double *recovered)
{
	struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99, 97, 99, 98 } },
		{ "cpu", .score = { 50, 45, 55, 48, 52, 49 } },
		{ "cpu+prio", "cpu", NULL, { 0 }, 0 },
	};
	struct model *m;
	struct stats *s;
	enum stats_verdict v;

	memcpy(ps[2].score, prio, 6 * sizeof(double));
	m = build(ps, 3, 6, false);
	s = compute(m);
	assert_int_equal(s->n_prot, 1);
	v = s->prot[0].verdict;
	*recovered = s->prot[0].v.recovered_pct;
	if (isfinite(s->prot[0].v.recovered_ci.lo))
		assert_true(s->prot[0].v.recovered_ci.lo <= *recovered &&
			    *recovered <= s->prot[0].v.recovered_ci.hi);
	stats_free(s);
	model_free(m);
	return v;
}

static void protection_verdicts_follow_the_rules_and_the_recovered_share(void **state)
{
	const double full[] = { 98, 99, 97, 98, 99, 97 }, none[] = { 51, 44, 54, 49, 51, 50 };
	const double half[] = { 74, 72, 76, 73, 75, 74 }, wide[] = { 99, 50, 97, 60, 95, 70 };
	double rec;

	(void)state;
	assert_int_equal(protection_for(full, &rec), VERDICT_PROTECTED);
	assert_true(rec > 95 && rec < 101);
	assert_int_equal(protection_for(none, &rec), VERDICT_NOT_PROTECTED);
	assert_true(fabs(rec) < 5);
	assert_int_equal(protection_for(half, &rec), VERDICT_PARTLY);
	assert_true(rec > 40 && rec < 60);
	assert_int_equal(protection_for(wide, &rec), VERDICT_INCONCLUSIVE);
}

static void nothing_to_protect_reads_unaffected(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99, 97, 99 } },
		{ "net", .score = { 98, 98, 99, 98, 98 } },
		{ "net+prio", "net", .score = { 99, 98, 98, 97, 99 } },
	};
	struct model *m = build(ps, 3, 5, false);
	struct stats *s = compute(m);
	unsigned total, undecided;

	(void)state;
	assert_int_equal(s->phases[1].verdict, VERDICT_UNAFFECTED);
	assert_int_equal(s->prot[0].verdict, VERDICT_UNAFFECTED);
	assert_non_null(strstr(s->prot[0].reason, "nothing to protect"));
	stats_count_undecided(m, s, &total, &undecided);
	assert_int_equal(total, 2); /* net's effect and net+prio's protection */
	assert_int_equal(undecided, 0);
	stats_free(s);
	model_free(m);
}

static void closed_loop_judges_good_responses_per_second_against_the_baseline(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 1000, 800, 1000, 900, 1000 } },
		{ "cpu", .score = { 500, 400, 500, 450, 500 } },
	};
	struct model *m = build(ps, 2, 5, true);
	struct stats *s = compute(m);

	(void)state;
	assert_true(s->closed_loop);
	assert_string_equal(s->measure, "good_per_s");
	assert_true(fabs(s->phases[1].cmp.mean - -50) < 1e-9); /* % of the baseline */
	assert_true(fabs(s->phases[1].raw - 470) < 1e-9);
	assert_int_equal(s->phases[1].verdict, VERDICT_HURT);
	stats_free(s);
	model_free(m);
}

/* A/A: identical conditions that differ by 20 points: the floor holds other effects back. */
static void a_noisy_aa_raises_the_bar_for_effects(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99, 97, 99 } },
		{ "baseline~aa", .aa_of = "baseline", .score = { 99, 60, 99, 97, 70 } },
		{ "cpu", .score = { 80, 77, 81, 79, 80 } },
	};
	struct model *m = build(ps, 3, 5, false);
	struct stats *s = compute(m), *s2;

	(void)state;
	assert_int_equal(s->aa, 1);
	assert_true(s->aa_noisy);
	assert_true(s->aa_floor > 20);
	/* cpu costs ~19 points, surely more than 5, but not more than the A/A floor */
	assert_int_equal(s->phases[2].verdict, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(s->phases[2].reason, "noise floor"));
	model_free(m);
	/* with a quiet A/A the same cpu phase is hurt */
	{
		struct phase_spec q[3];

		memcpy(q, ps, sizeof(q));
		q[1].score[1] = 98.5;
		q[1].score[4] = 98.5;
		m = build(q, 3, 5, false);
	}
	s2 = compute(m);
	assert_false(s2->aa_noisy);
	assert_int_equal(s2->phases[1].verdict, VERDICT_UNAFFECTED);
	assert_true(s2->aa_floor < 5);
	assert_int_equal(s2->phases[2].verdict, VERDICT_HURT);
	stats_free(s);
	stats_free(s2);
	model_free(m);
}

static void min_effect_comes_from_the_option_else_the_scenario(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99, 97, 99 } },
		{ "disk", .score = { 91, 90, 91, 89, 91 } },
	};
	struct model *m = build(ps, 2, 5, false);
	struct stats *s = compute(m);

	(void)state;
	assert_string_equal(s->min_effect_source, "default");
	assert_int_equal(s->phases[1].verdict, VERDICT_HURT); /* -8 against 5 */
	stats_free(s);
	m->design.min_effect_pct = 20;
	s = compute(m);
	assert_string_equal(s->min_effect_source, "scenario");
	assert_int_equal(s->phases[1].verdict, VERDICT_UNAFFECTED);
	stats_free(s);
	s = compute_with(m, 2);
	assert_string_equal(s->min_effect_source, "option");
	assert_int_equal(s->phases[1].verdict, VERDICT_HURT);
	stats_free(s);
	m->design.min_valid_rounds = 6; /* the scenario asks for more rounds */
	s = compute(m);
	assert_int_equal(s->phases[1].verdict, VERDICT_INDICATIVE);
	stats_free(s);
	model_free(m);
}

static void old_results_are_indicative_and_latency_ratios_are_paired(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99 } },
		{ "cpu", .score = { 40, 45, 50 } },
	};
	struct model *m = build(ps, 2, 3, false);
	struct stats *s;

	(void)state;
	m->precalibration = true;
	s = compute(m);
	assert_true(s->indicative);
	assert_string_equal(s->indicative_why, "measured before calibration");
	assert_int_equal(s->phases[1].verdict, VERDICT_HURT); /* computed, shown as indicative */
	/* 'c' (cpu) p99 is 109 ms against 'b' (baseline) 108 ms in every round */
	assert_true(fabs(s->phases[1].p99_ratio - 109.0 / 108.0) < 1e-9);
	assert_int_equal(s->phases[1].r_p99.n, 3);
	stats_free(s);
	/* calibrated, but the calibration failed: indicative too */
	m->precalibration = false;
	m->cal.status = strdup("failed");
	s = compute(m);
	assert_true(s->indicative);
	assert_string_equal(s->indicative_why, "the calibration failed");
	stats_free(s);
	free(m->cal.status);
	m->cal.status = strdup("ok");
	s = compute(m);
	assert_false(s->indicative);
	stats_free(s);
	model_free(m);
}

static void mechanism_is_averaged_over_the_valid_rounds(void **state)
{
	const struct phase_spec ps[] = {
		{ "baseline", .score = { 99, 98, 99 } },
		{ "cpu", .score = { 40, 45, BAD } },
	};
	struct model *m = build(ps, 2, 3, false);
	struct model_achieved a[3] = { { 0 } };
	struct stats *s;

	(void)state;
	for (size_t i = 0; i < m->n_runs; i++) {
		struct model_run *r = &m->runs[i];

		if (r->phase != 1)
			continue;
		r->victim_cpu_pct = 30 + 10 * r->round;
		a[r->round - 1] = (struct model_achieved){ (char *)"cpu", 100, 90 + r->round,
							   90 + r->round, (char *)"ops_per_s" };
		r->achieved = &a[r->round - 1];
		r->n_achieved = 1;
	}
	s = compute(m);
	assert_true(fabs(s->phases[1].victim_cpu_pct - 45) < 1e-9); /* rounds 1, 2 */
	assert_int_equal(s->phases[1].n_loads, 1);
	assert_true(fabs(s->phases[1].loads[0].share_pct - 91.5) < 1e-9);
	assert_true(fabs(s->phases[1].loads[0].share_min - 91) < 1e-9);
	for (size_t i = 0; i < m->n_runs; i++)
		m->runs[i].achieved = NULL, m->runs[i].n_achieved = 0;
	stats_free(s);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_check_rejects_inconsistent_thresholds),
		cmocka_unit_test(quantile_interpolates_sorted_values),
		cmocka_unit_test(rounds_are_paired_so_drift_cancels),
		cmocka_unit_test(dnr_counts_as_zero_good_and_invalid_runs_are_excluded),
		cmocka_unit_test(fewer_than_3_valid_rounds_are_indicative),
		cmocka_unit_test(protection_verdicts_follow_the_rules_and_the_recovered_share),
		cmocka_unit_test(nothing_to_protect_reads_unaffected),
		cmocka_unit_test(closed_loop_judges_good_responses_per_second_against_the_baseline),
		cmocka_unit_test(a_noisy_aa_raises_the_bar_for_effects),
		cmocka_unit_test(min_effect_comes_from_the_option_else_the_scenario),
		cmocka_unit_test(old_results_are_indicative_and_latency_ratios_are_paired),
		cmocka_unit_test(mechanism_is_averaged_over_the_valid_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
