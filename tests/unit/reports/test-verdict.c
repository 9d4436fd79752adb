// SPDX-License-Identifier: MIT
/*
 * The verdict rules on simulated experiments with a known truth (issue 11):
 *   - A/A: 1000 experiments where nothing differs -> an effect in <= 5 %
 *   - a true 2x effect (the good share halves), 5 rounds -> "hurt" in >= 95 %
 *   - a true full protection (prioritised = baseline) -> "protected" in >= 90 %
 * and why the intervals are t-intervals on per-round differences, not a
 * percentile bootstrap over rounds: with 3-10 rounds the bootstrap misses
 * far more often than it says.
 *
 * The round-to-round noise is modelled on real results directories (see
 * docs/reports.md "How the rules were checked"): per-run good % around a
 * phase's level with Student-t (3 df) scatter, a drift shared by the phases
 * of one round, and rare hiccups that cost a run 10-60 points. Every rate
 * is printed, so the test output is the table in docs/reports.md. Fixed
 * seeds: the figures are the same on every run.
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

#include "stats-math.h"
#include "verdict.h"

#define EXPERIMENTS 1000
#define MAX_ROUNDS  64

#include "sim.h"

static const struct verdict_rules rules = {
	.min_effect = 5,
	.protected_pct = 80,
	.partial_pct = 20,
	.confidence_pct = 90,
	.min_rounds = 3,
};

/* Levels of the phases in one simulated experiment, good % of the offered load. */
struct truth {
	double base, equal, prio; /* baseline, equal-weight twin, prioritised */
	double sd_equal;	  /* the twin's scatter (a bomb makes a round less alike) */
};

struct sim {
	unsigned rounds;
	struct noise quiet; /* baseline-like phases */
	struct truth t;
};

/* One experiment: per-round scores of baseline, A/A twin, twin, prioritised, 4 null phases. */
struct scores {
	double base[MAX_ROUNDS], aa[MAX_ROUNDS], equal[MAX_ROUNDS], prio[MAX_ROUNDS];
	double null[4][MAX_ROUNDS];
};

static void experiment(struct rng *r, const struct sim *s, struct scores *o)
{
	struct noise hurt = s->quiet;

	hurt.sd = s->t.sd_equal;
	for (unsigned k = 0; k < s->rounds; k++) {
		double drift = s->quiet.drift * normal(r);

		o->base[k] = run_good(r, s->t.base, drift, &s->quiet);
		o->aa[k] = run_good(r, s->t.base, drift, &s->quiet);
		o->equal[k] = run_good(r, s->t.equal, drift, &hurt);
		o->prio[k] = run_good(r, s->t.prio, drift, &s->quiet);
		for (int j = 0; j < 4; j++)
			o->null[j][k] = run_good(r, s->t.base, drift, &s->quiet);
	}
}

static bool is_effect(enum stats_verdict v)
{
	return v == VERDICT_HURT || v == VERDICT_BETTER;
}

struct rates {
	double aa_effect;		     /* the A/A comparison called an effect */
	double aa_unaffected;		     /* ... read "no effect" */
	double family;			     /* any of 8 null comparisons called an effect */
	double hurt;			     /* the twin was found hurt */
	double verdict[VERDICT_INVALID + 1]; /* protection verdicts */
};

static void simulate(const struct sim *s, uint64_t seed, struct rates *out)
{
	struct rng r;
	struct scores sc;

	memset(out, 0, sizeof(*out));
	rng_seed(&r, seed);
	for (int e = 0; e < EXPERIMENTS; e++) {
		struct verdict_effect aa, eq, nul;
		struct verdict_protection p;
		bool any;

		struct verdict_rules rr = rules;

		experiment(&r, s, &sc);
		verdict_effect(sc.base, sc.aa, s->rounds, &rules, &aa);
		/* as the report does: effects must clear a noisy A/A's floor */
		rr.noise_floor = verdict_noise_floor(&aa);
		verdict_effect(sc.base, sc.equal, s->rounds, &rr, &eq);
		verdict_protection(sc.base, sc.equal, sc.prio, s->rounds, &rr, &p);
		any = is_effect(aa.verdict);
		for (int j = 0; j < 4; j++) {
			verdict_effect(sc.base, sc.null[j], s->rounds, &rr, &nul);
			any |= is_effect(nul.verdict);
			/* and the prioritised twins of those null phases, against them */
			verdict_effect(sc.null[j], sc.null[(j + 1) % 4], s->rounds, &rr, &nul);
			any |= j < 3 && is_effect(nul.verdict);
		}
		out->aa_effect += is_effect(aa.verdict);
		out->aa_unaffected += aa.verdict == VERDICT_UNAFFECTED;
		out->family += any;
		out->hurt += eq.verdict == VERDICT_HURT;
		out->verdict[p.verdict]++;
	}
	out->aa_effect = 100.0 * out->aa_effect / EXPERIMENTS;
	out->aa_unaffected = 100.0 * out->aa_unaffected / EXPERIMENTS;
	out->family = 100.0 * out->family / EXPERIMENTS;
	out->hurt = 100.0 * out->hurt / EXPERIMENTS;
	for (int v = 0; v <= VERDICT_INVALID; v++)
		out->verdict[v] = 100.0 * out->verdict[v] / EXPERIMENTS;
}

/*
 * Per-run scatter 2 points (t3), round drift 1 point; the hiccup rate is the
 * share of runs that lose 10-60 points to something outside the experiment.
 * 1 % stands for a quiet host; 35 % is what this shared 2-core development
 * machine showed under the other engineers' builds (docs/reports.md).
 */
static const struct noise quiet = { .sd = 2, .drift = 1, .hiccup = 0.01 };
static const double hiccups[] = { 0, 0.01, 0.02, 0.05, 0.10, 0.20, 0.35 };
#define N_HICCUPS (sizeof(hiccups) / sizeof(hiccups[0]))

static void aa_experiments_call_an_effect_in_at_most_5_percent(void **state)
{
	(void)state;
	printf("A/A, %d experiments per row (min effect 5 points, 90 %% intervals):\n",
	       EXPERIMENTS);
	printf("  rounds  hiccups  A/A effect  A/A no effect  any of 8 null comparisons\n");
	for (unsigned n = 3; n <= 10; n += n == 3 ? 2 : 5) {
		for (size_t h = 0; h < N_HICCUPS; h++) {
			struct sim s = { n, quiet, { 99, 99, 99, 2 } };
			struct rates r;

			s.quiet.hiccup = hiccups[h];
			simulate(&s, 0xa1a1 + n * 16 + h, &r);
			printf("  %6u  %6.0f %%  %8.1f %%  %11.1f %%  %10.1f %%\n", n,
			       hiccups[h] * 100, r.aa_effect, r.aa_unaffected, r.family);
			/* however noisy the host: no effect claimed where there is none */
			assert_true(r.aa_effect <= 5.0);
			assert_true(r.family <= 5.0);
		}
	}
}

static void a_true_2x_effect_is_found_hurt_with_5_rounds(void **state)
{
	static const double sd[] = { 10, 15, 20, 25 };

	(void)state;
	printf("2x effect (good share 99 %% -> 49.5 %%), %d experiments per row; hurt in %%:\n",
	       EXPERIMENTS);
	printf("  rounds  hiccups  bomb scatter 10 pt  15 pt  20 pt  25 pt\n");
	for (unsigned n = 3; n <= 5; n++)
		for (size_t h = 0; h < N_HICCUPS; h += h < 3 ? 1 : 3) {
			printf("  %6u  %6.0f %%  ", n, hiccups[h] * 100);
			for (size_t k = 0; k < 4; k++) {
				struct sim s = { n, quiet, { 99, 49.5, 49.5, sd[k] } };
				struct rates r;

				s.quiet.hiccup = hiccups[h];
				simulate(&s, 0x2e2e + n * 64 + h * 4 + k, &r);
				printf(k ? "  %5.1f" : "%17.1f", r.hurt);
				if (n == 5 && sd[k] <= 20 && hiccups[h] <= quiet.hiccup)
					assert_true(r.hurt >= 95.0);
			}
			printf("\n");
		}
}

static void a_true_full_protection_reads_protected(void **state)
{
	(void)state;
	printf("full protection (prioritised = baseline 99 %%, equal weights 49.5 %%), %d "
	       "experiments per row:\n",
	       EXPERIMENTS);
	printf("  rounds  hiccups  protected  partly    not  inconclusive\n");
	for (unsigned n = 3; n <= 10; n += n < 5 ? 2 : 5)
		for (size_t h = 0; h < N_HICCUPS; h++) {
			struct sim s = { n, quiet, { 99, 49.5, 99, 15 } };
			struct rates r;

			s.quiet.hiccup = hiccups[h];
			simulate(&s, 0xf0f0 + n * 16 + h, &r);
			printf("  %6u  %6.0f %%  %8.1f %%  %5.1f %%  %4.1f %%  %11.1f %%\n", n,
			       hiccups[h] * 100, r.verdict[VERDICT_PROTECTED],
			       r.verdict[VERDICT_PARTLY], r.verdict[VERDICT_NOT_PROTECTED],
			       r.verdict[VERDICT_INCONCLUSIVE]);
			if (n == 5 && hiccups[h] <= quiet.hiccup)
				assert_true(r.verdict[VERDICT_PROTECTED] >= 90.0);
			/* never the opposite of the truth */
			assert_true(r.verdict[VERDICT_NOT_PROTECTED] <= 1.0);
		}
}

static void no_and_half_protection_are_told_apart(void **state)
{
	static const struct {
		const char *name;
		double prio;
		enum stats_verdict want, never;
	} cases[] = {
		{ "none (prioritised = equal weights)", 49.5, VERDICT_NOT_PROTECTED,
		  VERDICT_PROTECTED },
		{ "half (prioritised halfway back)", 74.25, VERDICT_PARTLY, VERDICT_PROTECTED },
	};

	(void)state;
	printf("scatter 15 points under the bomb, with and without priority, %d experiments "
	       "per row:\n",
	       EXPERIMENTS);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (unsigned n = 5; n <= 40; n *= 2) {
			struct sim s = { n, quiet, { 99, 49.5, cases[c].prio, 15 } };
			struct noise hurt = quiet;
			struct rates r;

			/* the prioritised phase scatters like its twin: the bomb still runs */
			hurt.sd = 15;
			s.quiet = hurt;
			simulate(&s, 0x5eed + c * 64 + n, &r);
			printf("  %s, %2u rounds: protected %.1f %%, partly %.1f %%, not %.1f %%, "
			       "inconclusive %.1f %%\n",
			       cases[c].name, n, r.verdict[VERDICT_PROTECTED],
			       r.verdict[VERDICT_PARTLY], r.verdict[VERDICT_NOT_PROTECTED],
			       r.verdict[VERDICT_INCONCLUSIVE]);
			assert_true(r.verdict[cases[c].never] <= 1.0);
			if (n == 40)
				assert_true(r.verdict[cases[c].want] >= 80.0);
		}
}

/*
 * rounds = auto: after every round from the 3rd, stop when the A/A, the bomb's
 * effect and its protection are all decided, or at max_rounds. Looking again
 * after every round must not turn noise into verdicts.
 */
static void rounds_auto_stops_without_inflating_errors(void **state)
{
	static const struct {
		const char *name;
		struct truth t;
	} cases[] = {
		{ "A/A everywhere (nothing differs)", { 99, 99, 99, 2 } },
		{ "2x effect, full protection", { 99, 49.5, 99, 15 } },
	};

	(void)state;
	printf("rounds = auto (3 to 10 rounds, stop when decided), %d experiments per row:\n",
	       EXPERIMENTS);
	for (size_t k = 0; k < 2 * sizeof(cases) / sizeof(cases[0]); k++) {
		size_t c = k / 2;
		struct sim s = { 10, quiet, cases[c].t };
		double effect = 0, hurt = 0, prot = 0, used = 0;
		struct rng r;
		struct scores sc;

		s.quiet.hiccup = k % 2 ? 0.05 : quiet.hiccup;
		rng_seed(&r, 0xa070 + k);
		for (int e = 0; e < EXPERIMENTS; e++) {
			struct verdict_effect aa, eq;
			struct verdict_protection p;
			struct verdict_rules rr = rules;
			unsigned n;

			experiment(&r, &s, &sc);
			for (n = 3;; n++) {
				verdict_effect(sc.base, sc.aa, n, &rules, &aa);
				rr.noise_floor = verdict_noise_floor(&aa);
				verdict_effect(sc.base, sc.equal, n, &rr, &eq);
				verdict_protection(sc.base, sc.equal, sc.prio, n, &rr, &p);
				if (n == 10 || (!verdict_undecided(aa.verdict) &&
						!verdict_undecided(eq.verdict) &&
						!verdict_undecided(p.verdict)))
					break;
			}
			used += n;
			effect += is_effect(aa.verdict) ||
				  (cases[c].t.equal == 99 && is_effect(eq.verdict));
			hurt += eq.verdict == VERDICT_HURT;
			prot += p.verdict == VERDICT_PROTECTED;
		}
		printf("  %s, hiccups %.0f %%: mean %.1f rounds; a false effect in %.1f %%, hurt "
		       "%.1f %%, protected %.1f %%\n",
		       cases[c].name, s.quiet.hiccup * 100, used / EXPERIMENTS,
		       100 * effect / EXPERIMENTS, 100 * hurt / EXPERIMENTS,
		       100 * prot / EXPERIMENTS);
		assert_true(100 * effect / EXPERIMENTS <= 5.0);
		if (c == 1 && s.quiet.hiccup <= quiet.hiccup) {
			assert_true(100 * hurt / EXPERIMENTS >= 95.0);
			assert_true(100 * prot / EXPERIMENTS >= 90.0);
		}
	}
}

#define BOOT 500 /* resamples */

/* Percentile bootstrap over rounds: the interval a naive report would draw. */
static struct stats_ci bootstrap(struct rng *r, const double *d, unsigned n, double conf)
{
	static double means[BOOT];
	double a = (1 - conf / 100) / 2;

	for (int b = 0; b < BOOT; b++) {
		double sum = 0;

		for (unsigned i = 0; i < n; i++)
			sum += d[(unsigned)(uniform(r) * n)];
		means[b] = sum / n;
	}
	return (struct stats_ci){ stats_quantile(means, BOOT, a),
				  stats_quantile(means, BOOT, 1 - a) };
}

static void t_intervals_hold_their_level_where_the_bootstrap_does_not(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 0xb007);
	printf("A/A, interval excludes 0 (nominal 10 %% at 90 %%), %d experiments per row:\n",
	       EXPERIMENTS);
	printf("  rounds  noise        t-interval  bootstrap over rounds\n");
	for (unsigned n = 3; n <= 10; n += n < 6 ? 1 : 2) {
		for (int heavy = 0; heavy < 2; heavy++) {
			unsigned miss_t = 0, miss_b = 0;

			for (int e = 0; e < EXPERIMENTS; e++) {
				double d[MAX_ROUNDS], mean, sd;
				struct stats_ci ci, bi;

				for (unsigned k = 0; k < n; k++)
					d[k] = heavy ? run_good(&r, 50, 0, &quiet) -
							       run_good(&r, 50, 0, &quiet)
						     : normal(&r);
				stats_mean_sd(d, n, &mean, &sd);
				ci = stats_t_interval(mean, sd, n, 90);
				bi = bootstrap(&r, d, n, 90);
				miss_t += ci.lo > 0 || ci.hi < 0;
				miss_b += bi.lo > 0 || bi.hi < 0;
			}
			printf("  %6u  %-11s  %8.1f %%  %8.1f %%\n", n,
			       heavy ? "t3+hiccups" : "normal", 100.0 * miss_t / EXPERIMENTS,
			       100.0 * miss_b / EXPERIMENTS);
			if (!heavy) /* exact under normal noise: 10 % +- 3 points of sampling error */
				assert_true(fabs(100.0 * miss_t / EXPERIMENTS - 10) <= 3);
			assert_true(miss_b > miss_t);
		}
	}
}

/* Student t against published values (e.g. NIST/SEMATECH table of t critical values). */
static void t_quantiles_match_the_tables(void **state)
{
	static const struct {
		double p, df, t;
	} tab[] = {
		{ 0.95, 1, 6.313752 },	  { 0.975, 1, 12.706205 }, { 0.95, 2, 2.919986 },
		{ 0.975, 2, 4.302653 },	  { 0.95, 3, 2.353363 },   { 0.975, 4, 2.776445 },
		{ 0.95, 4, 2.131847 },	  { 0.975, 9, 2.262157 },  { 0.995, 5, 4.032143 },
		{ 0.9995, 3, 12.923979 }, { 0.95, 30, 1.697261 },  { 0.975, 100, 1.983972 },
		{ 0.975, 1e9, 1.959964 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		double t = stats_t_quantile(tab[i].p, tab[i].df);

		if (fabs(t - tab[i].t) > 2e-6 * tab[i].t)
			fail_msg("t(%g, %g) = %.7f, want %.6f", tab[i].p, tab[i].df, t, tab[i].t);
		assert_true(fabs(stats_t_cdf(tab[i].t, tab[i].df) - tab[i].p) < 1e-6);
		assert_true(fabs(stats_t_quantile(1 - tab[i].p, tab[i].df) + t) < 1e-9 * t);
	}
	assert_true(isnan(stats_t_quantile(0, 3)));
	assert_true(isnan(stats_t_quantile(0.9, 0)));
	assert_true(stats_t_quantile(0.5, 7) == 0);
}

static void fieller_and_rounds_needed(void **state)
{
	struct stats_ci ci;
	unsigned n;

	(void)state;
	/* a clear denominator: the interval holds the ratio and is finite */
	ci = stats_fieller(40, 50, 16, 25, 10, 5, 90);
	assert_true(ci.lo < 0.8 && ci.hi > 0.8 && ci.lo > 0.5 && ci.hi < 1.1);
	/* a denominator not clearly away from 0: unbounded, so NaN */
	ci = stats_fieller(4, 1, 16, 25, 0, 5, 90);
	assert_true(isnan(ci.lo) && isnan(ci.hi));
	/* rounds needed: the smallest n with t(n-1) sd / sqrt(n) below the gap */
	n = stats_rounds_needed(2, 4, 3, 90);
	assert_true(n > 3);
	assert_true(stats_t_quantile(0.95, n - 1) * 4 / sqrt(n) < 2);
	assert_true(stats_t_quantile(0.95, n - 2) * 4 / sqrt(n - 1) >= 2);
	assert_int_equal(stats_rounds_needed(0, 4, 3, 90), 0);
	assert_int_equal(stats_rounds_needed(0.001, 100, 3, 90), 0); /* "many" */
}

static void fewer_than_3_rounds_are_indicative_with_rounds_needed(void **state)
{
	const double base[] = { 99, 98, NAN, 99 }, hurt[] = { 40, 60, 50, NAN };
	struct verdict_effect e;
	struct verdict_protection p;

	(void)state;
	verdict_effect(base, hurt, 4, &rules, &e);
	assert_int_equal(e.n, 2); /* rounds 3 and 4 have no pair */
	assert_int_equal(e.verdict, VERDICT_INDICATIVE);
	assert_true(e.rounds_needed >= 3);
	assert_true(fabs(e.mean - (40 + 60 - 99 - 98) / 2.0) < 1e-9);
	verdict_protection(base, hurt, base, 4, &rules, &p);
	assert_int_equal(p.verdict, VERDICT_INDICATIVE);
	verdict_effect(base, hurt, 1, &rules, &e);
	assert_int_equal(e.verdict, VERDICT_INDICATIVE);
	assert_int_equal(e.rounds_needed, 3);
	assert_true(isnan(e.ci.lo));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_quantiles_match_the_tables),
		cmocka_unit_test(fieller_and_rounds_needed),
		cmocka_unit_test(fewer_than_3_rounds_are_indicative_with_rounds_needed),
		cmocka_unit_test(aa_experiments_call_an_effect_in_at_most_5_percent),
		cmocka_unit_test(a_true_2x_effect_is_found_hurt_with_5_rounds),
		cmocka_unit_test(a_true_full_protection_reads_protected),
		cmocka_unit_test(no_and_half_protection_are_told_apart),
		cmocka_unit_test(rounds_auto_stops_without_inflating_errors),
		cmocka_unit_test(t_intervals_hold_their_level_where_the_bootstrap_does_not),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
