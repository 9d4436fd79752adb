// SPDX-License-Identifier: MIT
/* Unit tests for reports/stats.c: RNG, Poisson, quantiles, bootstrap, verdicts. */
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

/* ---- a model built in memory ---- */

struct phase_spec {
	const char *name;
	const char *twin;
	double lo_ms, hi_ms; /* uniform latencies */
	unsigned n;	     /* requests per round; 0 = did not report */
	const double *extra; /* explicit latencies instead of uniform, n of them */
};

static struct model *build(const struct phase_spec *ps, size_t n_phases, unsigned rounds)
{
	struct model *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->dir = strdup("mem");
	m->status = strdup("complete");
	m->rounds_planned = rounds;
	m->baseline = 0;
	m->phases = calloc(n_phases, sizeof(*m->phases));
	m->runs = calloc(n_phases * rounds, sizeof(*m->runs));
	assert_non_null(m->phases);
	assert_non_null(m->runs);
	m->n_phases = n_phases;
	for (size_t i = 0; i < n_phases; i++) {
		struct model_phase *ph = &m->phases[i];

		ph->name = strdup(ps[i].name);
		ph->twin = ps[i].twin ? strdup(ps[i].twin) : NULL;
		ph->twin_idx = SIZE_MAX;
		ph->weight_ratio = NAN;
		ph->is_baseline = i == 0;
		if (ps[i].twin)
			ph->priority = strdup("weight web=2048");
		for (size_t j = 0; j < i; j++)
			if (ps[i].twin && !strcmp(ps[j].name, ps[i].twin))
				ph->twin_idx = j;
	}
	for (unsigned r = 1; r <= rounds; r++)
		for (size_t i = 0; i < n_phases; i++) {
			struct model_run *run = &m->runs[m->n_runs++];
			struct model_probe *p = &run->probe;
			double shift = rounds > 1 ? 1.0 + 0.01 * ((double)r - 2) : 1.0;

			run->round = r;
			run->phase = i;
			run->status = strdup(ps[i].n ? "ok" : "dnr");
			run->dir = strdup("runs/x");
			p->started_s = p->elapsed_s = p->warmup_s = NAN;
			if (!ps[i].n)
				continue;
			p->present = true;
			p->buckets = calloc(ps[i].n, sizeof(*p->buckets));
			assert_non_null(p->buckets);
			for (unsigned k = 0; k < ps[i].n; k++) {
				double ms = ps[i].extra
						    ? ps[i].extra[k]
						    : ps[i].lo_ms + (ps[i].hi_ms - ps[i].lo_ms) *
									    (k + 0.5) / ps[i].n;
				uint64_t ns = (uint64_t)(ms * shift * 1e6);

				/* ascending input: merge equal neighbours as the loader does */
				if (p->n_buckets && p->buckets[p->n_buckets - 1].value_ns == ns)
					p->buckets[p->n_buckets - 1].count++;
				else
					p->buckets[p->n_buckets++] = (struct model_bucket){ ns, 1 };
				p->hist_count++;
			}
			p->requests = p->ok = ps[i].n;
			p->success_pct = 100;
			p->throughput_rps = ps[i].n / 10.0;
			p->lat.present = true;
		}
	return m;
}

static struct stats *compute(const struct model *m)
{
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct stats *s = NULL;

	assert_int_equal(stats_compute(m, &cfg, &s), 0);
	assert_non_null(s);
	return s;
}

/* ---- tests ---- */

static void rng_is_deterministic_and_in_range(void **state)
{
	struct stats_rng a, b;

	(void)state;
	stats_rng_seed(&a, 42);
	stats_rng_seed(&b, 42);
	for (int i = 0; i < 1000; i++) {
		double x = stats_rng_uniform(&a);

		assert_true(x >= 0 && x < 1);
		assert_true(x == stats_rng_uniform(&b));
	}
	stats_rng_seed(&b, 43);
	assert_true(stats_rng_uniform(&a) != stats_rng_uniform(&b));
}

static void poisson_has_mean_and_variance_lambda(void **state)
{
	static const double lambdas[] = { 0.5, 3, 29, 31, 400 };
	struct stats_rng r;

	(void)state;
	stats_rng_seed(&r, 7);
	assert_int_equal(stats_poisson(&r, 0), 0);
	assert_int_equal(stats_poisson(&r, -1), 0);
	for (size_t k = 0; k < sizeof(lambdas) / sizeof(lambdas[0]); k++) {
		double l = lambdas[k], sum = 0, sq = 0, n = 20000, mean, var;

		for (int i = 0; i < n; i++) {
			double x = (double)stats_poisson(&r, l);

			sum += x;
			sq += x * x;
		}
		mean = sum / n;
		var = sq / n - mean * mean;
		assert_true(fabs(mean - l) < 0.05 * l + 0.02);
		assert_true(fabs(var - l) < 0.1 * l + 0.05);
	}
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
	c.resamples = 10;
	assert_non_null(stats_config_check(&c));
}

/* One round of n uniform values: the interval of the mean matches normal theory. */
static void bootstrap_mean_interval_matches_normal_theory(void **state)
{
	const struct phase_spec ps[] = { { "baseline", NULL, 1, 1001, 2000, NULL } };
	struct model *m = build(ps, 1, 1);
	struct stats *s = compute(m);
	const struct stats_phase *sp = &s->phases[0];
	double sd = 1000 / sqrt(12.0), half = 1.96 * sd / sqrt(2000.0);
	double got = (sp->mean_ci.hi - sp->mean_ci.lo) / 2;

	(void)state;
	assert_true(fabs(sp->lat.mean - 501) < 0.5);
	assert_true(sp->mean_ci.lo < sp->lat.mean && sp->mean_ci.hi > sp->lat.mean);
	assert_true(fabs(got - half) < 0.15 * half);
	/* p99 of uniform(1, 1001) is ~991; its interval is narrow and holds it */
	assert_true(sp->p99_ci.lo < 991.5 && sp->p99_ci.hi > 990);
	assert_true(sp->p99_ci.hi - sp->p99_ci.lo < 20);
	stats_free(s);
	model_free(m);
}

static void statistics_are_deterministic(void **state)
{
	const struct phase_spec ps[] = { { "baseline", NULL, 1, 3, 500, NULL },
					 { "cpu", NULL, 2, 10, 500, NULL } };
	struct model *m = build(ps, 2, 3);
	struct stats *a = compute(m), *b = compute(m);

	(void)state;
	assert_memory_equal(a->phases[1].boot_p99, b->phases[1].boot_p99,
			    a->cfg.resamples * sizeof(double));
	assert_true(a->phases[1].p99_ratio_ci.lo == b->phases[1].p99_ratio_ci.lo);
	stats_free(a);
	stats_free(b);
	model_free(m);
}

static enum stats_verdict verdict_for(const struct phase_spec *twin, const struct phase_spec *prio)
{
	struct phase_spec ps[3] = { { "baseline", NULL, 1, 3, 10000, NULL }, *twin, *prio };
	struct model *m;
	struct stats *s;
	enum stats_verdict v;

	ps[1].name = "x";
	ps[2].name = "x+prio";
	ps[2].twin = "x";
	m = build(ps, 3, 1);
	s = compute(m);
	assert_int_equal(s->n_prot, 1);
	v = s->prot[0].verdict;
	stats_free(s);
	model_free(m);
	return v;
}

static void verdicts_follow_the_documented_rules(void **state)
{
	static const double bimodal[50] = {
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,	  2,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2.9, 3.7,
	};
	const struct phase_spec hurt = { "", NULL, 1, 3.6, 10000, NULL };
	const struct phase_spec mild = { "", NULL, 1, 3.05, 10000, NULL };
	const struct phase_spec like_base = { "", NULL, 1, 3, 10000, NULL };
	const struct phase_spec like_twin = { "", NULL, 1, 3.6, 10000, NULL };
	const struct phase_spec half = { "", NULL, 1, 3.3, 10000, NULL };
	const struct phase_spec wide = { "", NULL, 0, 0, 50, bimodal };
	const struct phase_spec dead = { "", NULL, 0, 0, 0, NULL };

	(void)state;
	assert_int_equal(verdict_for(&hurt, &like_base), VERDICT_PROTECTED);
	assert_int_equal(verdict_for(&hurt, &like_twin), VERDICT_NOT_PROTECTED);
	assert_int_equal(verdict_for(&hurt, &half), VERDICT_PARTLY);
	assert_int_equal(verdict_for(&hurt, &wide), VERDICT_INCONCLUSIVE);
	assert_int_equal(verdict_for(&mild, &like_base), VERDICT_UNAFFECTED);
	assert_int_equal(verdict_for(&hurt, &dead), VERDICT_INCONCLUSIVE);
	assert_int_equal(verdict_for(&dead, &like_base), VERDICT_INCONCLUSIVE);
}

static void recovered_share_is_computed_from_p99(void **state)
{
	const struct phase_spec ps[] = { { "baseline", NULL, 1, 3, 10000, NULL },
					 { "x", NULL, 1, 5, 10000, NULL },
					 { "x+prio", "x", 1, 4, 10000, NULL } };
	struct model *m = build(ps, 3, 2);
	struct stats *s = compute(m);
	const struct stats_protection *p = &s->prot[0];
	double b = s->phases[0].lat.p99, e = s->phases[1].lat.p99, q = s->phases[2].lat.p99;

	(void)state;
	assert_string_equal(p->metric, "p99_ms");
	assert_true(fabs(p->recovered_pct - (e - q) / (e - b) * 100) < 1e-9);
	assert_true(fabs(p->recovered_pct - 49.5) < 2);
	assert_true(p->recovered_pct_ci.lo < p->recovered_pct);
	assert_true(p->recovered_pct_ci.hi > p->recovered_pct);
	assert_int_equal(p->verdict, VERDICT_PARTLY);
	assert_true(fabs(s->phases[1].p99_ratio - e / b) < 1e-9);
	stats_free(s);
	model_free(m);
}

static void dnr_phase_has_no_comparison(void **state)
{
	const struct phase_spec ps[] = { { "baseline", NULL, 1, 3, 1000, NULL },
					 { "fork", NULL, 0, 0, 0, NULL } };
	struct model *m = build(ps, 2, 2);
	struct stats *s = compute(m);

	(void)state;
	assert_true(s->phases[1].dnr);
	assert_int_equal(s->phases[1].dnr_rounds, 2);
	assert_true(isnan(s->phases[1].p99_ratio));
	assert_true(isnan(s->phases[1].ok_change_pct));
	assert_null(s->phases[1].merged);
	stats_free(s);
	model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rng_is_deterministic_and_in_range),
		cmocka_unit_test(poisson_has_mean_and_variance_lambda),
		cmocka_unit_test(quantile_interpolates_sorted_values),
		cmocka_unit_test(config_check_rejects_inconsistent_thresholds),
		cmocka_unit_test(bootstrap_mean_interval_matches_normal_theory),
		cmocka_unit_test(statistics_are_deterministic),
		cmocka_unit_test(verdicts_follow_the_documented_rules),
		cmocka_unit_test(recovered_share_is_computed_from_p99),
		cmocka_unit_test(dnr_phase_has_no_comparison),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
