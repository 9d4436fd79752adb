// SPDX-License-Identifier: MIT
/*
 * `isolab compare`'s rule on simulated runs with a known truth. Rounds of two
 * runs are independent (different days, hosts or schedulers), so the rule is
 * unpaired: Welch's t-interval on the runs' per-round values, decided against
 * "same within" (docs/reports.md "Comparing runs"):
 *   - nothing differs: better/worse called in <= 5 %, however noisy the host
 *   - a true 2x difference (the bomb phase's good share 80 % vs 40 %), 5
 *     rounds per run: worse in >= 95 %
 *   - a true 10-point difference in a quiet phase, 8 rounds per run, no
 *     hiccups: >= 95 %
 *     (unpaired: it takes more rounds than the paired verdicts of one run)
 *   - same truth, quiet host, 5 rounds: "same" in >= 80 %
 *   - Welch keeps its level with unequal spreads and round counts, where the
 *     pooled (equal-variance) t-interval does not.
 * Every rate is printed: the output is the table in docs/reports.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare-stats.h"
#include "sim.h"
#include "stats-math.h"

#define EXPERIMENTS 1000
#define MAX_ROUNDS  64

static const struct cmp_rule rule = { .within = 5, .confidence = 90, .min_rounds = 3 };

static void welch_interval_matches_the_formula(void **state)
{
	struct stats_ci ci;
	double df;

	(void)state;
	/* equal sizes and spreads: df = 2n - 2 = 4, half-width t(4, .95) sqrt(2/3) */
	ci = stats_welch(2, 1, 3, 5, 1, 3, 90, &df);
	assert_true(fabs(df - 4) < 1e-12);
	assert_true(fabs(ci.lo - (3 - 2.131847 * sqrt(2.0 / 3))) < 1e-5);
	assert_true(fabs(ci.hi - (3 + 2.131847 * sqrt(2.0 / 3))) < 1e-5);
	/* unequal: a = 10,12,14,16 (sd 2.582), b = 20,30 (sd 7.071): Welch-Satterthwaite */
	ci = stats_welch(13, sqrt(20.0 / 3), 4, 25, sqrt(50.0), 2, 95, &df);
	{
		double va = 20.0 / 3 / 4, vb = 50.0 / 2;
		double want = (va + vb) * (va + vb) / (va * va / 3 + vb * vb / 1);

		assert_true(fabs(df - want) < 1e-12);
		assert_true(fabs((ci.hi - ci.lo) / 2 -
				 stats_t_quantile(0.975, want) * sqrt(va + vb)) < 1e-9);
		assert_true(fabs((ci.lo + ci.hi) / 2 - 12) < 1e-9);
	}
	/* no spread at all: the difference itself */
	ci = stats_welch(1, 0, 3, 4, 0, 5, 90, &df);
	assert_true(ci.lo == 3 && ci.hi == 3);
	/* fewer than 2 rounds in a run: no interval */
	ci = stats_welch(1, 1, 1, 4, 1, 5, 90, &df);
	assert_true(isnan(ci.lo) && isnan(ci.hi) && isnan(df));
}

static void decide(const double *a, size_t na, const double *b, size_t nb, enum cmp_scale sc,
		   bool up, struct cmp_diff *d)
{
	struct cmp_sample sa, sb;

	cmp_decide(a, na, b, nb, sc, up, &rule, &sa, &sb, d);
}

static void the_rule_decides_same_better_worse_inconclusive_indicative(void **state)
{
	const double a[] = { 98, 99, 98.5, 99.5, NAN }, same[] = { 98.5, 99, 99.5, 98 };
	const double up[] = { 80, 81, 79 }, down[] = { 60, 62, 58, 61 };
	const double wide[] = { 90, 99, 70, 99 }, two[] = { 10, 12 };
	const double lat_a[] = { 2, 2.2, 1.9, 2.1 }, lat_b[] = { 8, 8.5, 7.9, 8.2 };
	struct cmp_diff d;

	(void)state;
	decide(a, 5, same, 4, CMP_POINTS, true, &d);
	assert_int_equal(d.n_ref, 4); /* the NaN round is skipped */
	assert_int_equal(d.verdict, CMP_SAME);
	decide(up, 3, a, 4, CMP_POINTS, true, &d);
	assert_int_equal(d.verdict, CMP_BETTER);
	assert_true(d.est > 18 && d.ci.lo > 5);
	decide(a, 4, down, 4, CMP_POINTS, true, &d);
	assert_int_equal(d.verdict, CMP_WORSE);
	decide(a, 4, wide, 4, CMP_POINTS, true, &d);
	assert_int_equal(d.verdict, CMP_INCONCLUSIVE);
	assert_true(d.rounds_needed > 4);
	decide(a, 4, two, 2, CMP_POINTS, true, &d);
	assert_int_equal(d.verdict, CMP_INDICATIVE);
	assert_true(d.rounds_needed >= 3);
	/* latency, lower is better: 4x the p99 is worse; geometric ratio */
	decide(lat_a, 4, lat_b, 4, CMP_LOG, false, &d);
	assert_int_equal(d.verdict, CMP_WORSE);
	assert_true(d.est > 3.8 && d.est < 4.1 && d.ci.lo > 3 && d.ci.hi < 5);
	decide(lat_b, 4, lat_a, 4, CMP_LOG, false, &d);
	assert_int_equal(d.verdict, CMP_BETTER);
	/* a ratio of means (throughput): a quarter more is better */
	decide(up, 3, (const double[]){ 100, 101, 99 }, 3, CMP_RATIO, true, &d);
	assert_int_equal(d.verdict, CMP_BETTER);
	assert_true(fabs(d.est - 1.25) < 1e-9 && d.ci.lo < 1.25 && d.ci.hi > 1.25);
	/* nothing in one run: not comparable */
	decide(a, 4, a, 0, CMP_POINTS, true, &d);
	assert_int_equal(d.verdict, CMP_NONE);
}

struct truth {
	double a, b;	 /* levels of the two runs, good % */
	double sd;	 /* per-round scatter (t3), both runs */
	unsigned na, nb; /* rounds */
	double hiccup;	 /* share of rounds that lose 10-60 points */
};

struct rates {
	double better, worse, same, inconclusive, indicative;
};

static void simulate(const struct truth *t, uint64_t seed, struct rates *out)
{
	struct noise n = { .sd = t->sd, .drift = 1, .hiccup = t->hiccup };
	double a[MAX_ROUNDS], b[MAX_ROUNDS];
	struct rng r;

	memset(out, 0, sizeof(*out));
	rng_seed(&r, seed);
	for (int e = 0; e < EXPERIMENTS; e++) {
		struct cmp_diff d;

		for (unsigned k = 0; k < t->na; k++)
			a[k] = run_good(&r, t->a, n.drift * normal(&r), &n);
		for (unsigned k = 0; k < t->nb; k++)
			b[k] = run_good(&r, t->b, n.drift * normal(&r), &n);
		decide(a, t->na, b, t->nb, CMP_POINTS, true, &d);
		out->better += d.verdict == CMP_BETTER;
		out->worse += d.verdict == CMP_WORSE;
		out->same += d.verdict == CMP_SAME;
		out->inconclusive += d.verdict == CMP_INCONCLUSIVE;
		out->indicative += d.verdict == CMP_INDICATIVE;
	}
	out->better *= 100.0 / EXPERIMENTS;
	out->worse *= 100.0 / EXPERIMENTS;
	out->same *= 100.0 / EXPERIMENTS;
	out->inconclusive *= 100.0 / EXPERIMENTS;
	out->indicative *= 100.0 / EXPERIMENTS;
}

static const double hiccups[] = { 0, 0.01, 0.05, 0.35 };
#define N_HICCUPS (sizeof(hiccups) / sizeof(hiccups[0]))

static void runs_that_do_not_differ_are_called_different_in_at_most_5_percent(void **state)
{
	static const struct {
		const char *what;
		double level, sd;
	} phases[] = { { "quiet phase (99 %, scatter 2)", 99, 2 },
		       { "bomb phase (50 %, scatter 15)", 50, 15 } };

	(void)state;
	printf("nothing differs between the runs, %d experiments per row (same within 5 pt):\n",
	       EXPERIMENTS);
	printf("  phase                          rounds  hiccups  better/worse   same  "
	       "inconclusive\n");
	for (size_t p = 0; p < 2; p++)
		for (unsigned n = 3; n <= 10; n += n == 3 ? 2 : 5)
			for (size_t h = 0; h < N_HICCUPS; h++) {
				struct truth t = {
					phases[p].level, phases[p].level, phases[p].sd, n, n,
					hiccups[h]
				};
				struct rates r;

				simulate(&t, 0xc0de + p * 256 + n * 16 + h, &r);
				printf("  %-30s %6u  %5.0f %%  %10.1f %%  %5.1f %%  %9.1f %%\n",
				       phases[p].what, n, hiccups[h] * 100, r.better + r.worse,
				       r.same, r.inconclusive);
				assert_true(r.better + r.worse <= 5.0);
				if (p == 0 && n == 5 && hiccups[h] <= 0.01)
					assert_true(r.same >= 80.0);
			}
}

static void a_true_difference_is_found_with_5_rounds_per_run(void **state)
{
	static const double sds[] = { 10, 15, 20, 25 };

	(void)state;
	printf("a true difference, 5 rounds per run, %d experiments per row; worse in %%:\n",
	       EXPERIMENTS);
	printf("  truth                      hiccups  scatter 10 pt  15 pt  20 pt  25 pt\n");
	for (size_t h = 0; h < N_HICCUPS; h++) {
		printf("  2x (bomb phase 80 -> 40)  %5.0f %%  ", hiccups[h] * 100);
		for (size_t k = 0; k < 4; k++) {
			struct truth t = { 80, 40, sds[k], 5, 5, hiccups[h] };
			struct rates r;

			simulate(&t, 0xd1ff + h * 8 + k, &r);
			/* >= 95 % at scatter 10, >= 90 % at 15 on a quiet host; printed beyond */
			printf(k ? "  %5.1f" : "%13.1f", r.worse);
			assert_true(r.better <= 1.0); /* never the opposite */
			if (hiccups[h] <= 0.01)
				assert_true(r.worse >= (sds[k] <= 10   ? 95.0
							: sds[k] <= 15 ? 90.0
								       : 0));
		}
		printf("\n");
	}
	for (unsigned n = 3; n <= 10; n += n < 6 ? 1 : 2) {
		printf("  10 pt (quiet 99 -> 89), %2u rounds per run:", n);
		for (size_t h = 0; h < 2; h++) {
			struct truth t = { 99, 89, 2, n, n, hiccups[h] };
			struct rates r;

			simulate(&t, 0x10ad + n * 4 + h, &r);
			printf(" hiccups %.0f %%: %.1f %%", hiccups[h] * 100, r.worse);
			assert_true(r.better <= 1.0);
			if (n >= 8 && !h)
				assert_true(r.worse >= 95.0);
		}
		printf("\n");
	}
}

/*
 * Why Welch and not the pooled two-sample t: a quiet reference with many
 * rounds against a noisy run with few. The pooled variance is dominated by
 * the quiet run, so its interval is too narrow for the noisy one.
 */
static void welch_keeps_its_level_where_the_pooled_t_does_not(void **state)
{
	static const struct {
		unsigned na, nb;
		double sa, sb;
	} cases[] = { { 5, 5, 2, 2 }, { 10, 3, 2, 15 }, { 8, 4, 2, 10 }, { 3, 10, 15, 2 } };
	struct rng r;

	(void)state;
	rng_seed(&r, 0x3e1c);
	printf("nothing differs, normal noise: the 90 %% interval excludes the truth (nominal "
	       "10 %%), %d experiments per row:\n",
	       EXPERIMENTS);
	printf("  rounds a/b  scatter a/b   Welch  pooled t\n");
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned miss_w = 0, miss_p = 0, na = cases[c].na, nb = cases[c].nb;

		for (int e = 0; e < EXPERIMENTS; e++) {
			double a[MAX_ROUNDS], b[MAX_ROUNDS], ma, sa, mb, sb, sp, half;
			struct stats_ci w;

			for (unsigned k = 0; k < na; k++)
				a[k] = 50 + cases[c].sa * normal(&r);
			for (unsigned k = 0; k < nb; k++)
				b[k] = 50 + cases[c].sb * normal(&r);
			stats_mean_sd(a, na, &ma, &sa);
			stats_mean_sd(b, nb, &mb, &sb);
			w = stats_welch(ma, sa, na, mb, sb, nb, 90, NULL);
			sp = sqrt(((na - 1) * sa * sa + (nb - 1) * sb * sb) / (na + nb - 2));
			half = stats_t_quantile(0.95, na + nb - 2) * sp * sqrt(1.0 / na + 1.0 / nb);
			miss_w += w.lo > 0 || w.hi < 0;
			miss_p += mb - ma - half > 0 || mb - ma + half < 0;
		}
		printf("  %4u/%-4u   %4.0f/%-4.0f   %5.1f %%  %6.1f %%\n", na, nb, cases[c].sa,
		       cases[c].sb, 100.0 * miss_w / EXPERIMENTS, 100.0 * miss_p / EXPERIMENTS);
		/* Welch holds 10 % within sampling error (it is slightly conservative) */
		assert_true(100.0 * miss_w / EXPERIMENTS <= 13.0);
		if (c == 1)
			assert_true(100.0 * miss_p / EXPERIMENTS >= 20.0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(welch_interval_matches_the_formula),
		cmocka_unit_test(the_rule_decides_same_better_worse_inconclusive_indicative),
		cmocka_unit_test(runs_that_do_not_differ_are_called_different_in_at_most_5_percent),
		cmocka_unit_test(a_true_difference_is_found_with_5_rounds_per_run),
		cmocka_unit_test(welch_keeps_its_level_where_the_pooled_t_does_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
