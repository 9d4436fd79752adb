// SPDX-License-Identifier: MIT
/*
 * The whole advise loop (search, rounds added until a step is decided, the
 * paired rule) on a simulated victim whose answer is known: a one-CPU pool
 * where the victim's weight w against a saturating neighbour's 256 entitles
 * it to E = w / (w + 256) of the CPU (credit and CFS proportional shares).
 * At a demand of D (its share of the CPU at the offered load) CFS/credit
 * arithmetic says w* = 256 D / (1 - D): below it the victim cannot keep up.
 * Its good responses follow an M/M/1 queue at utilisation D / E (service time
 * 0.1 ms, SLO 20 ms), with the round-to-round noise of docs/reports.md. The
 * advice must land within one bisection step of w*: w* inside the final
 * bracket (fails, meets] widened by one step each side. Up to a demand of
 * 75 % it does in >= 90 % of runs on a quiet host; at 90 % the SLO's headroom
 * (the queue needs E a little above D) is worth more than a step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <math.h>
#include <stdio.h>

#include "../reports/sim.h"
#include "advise-search.h"
#include "verdict.h"

#define EXPERIMENTS 200
#define MIN_ROUNDS  3
#define MAX_ROUNDS  8
#define STEP	    1.189207115 /* 2^(1/4) */
#define SERVICE_MS  0.1
#define SLO_MS	    20.0
#define MIN_EFFECT  5.0

static const struct verdict_rules rules = {
	.min_effect = MIN_EFFECT,
	.protected_pct = 80,
	.partial_pct = 20,
	.confidence_pct = 90,
	.min_rounds = MIN_ROUNDS,
};

/* Good % of an M/M/1 victim entitled to e of the CPU at demand d: P(response <= SLO). */
static double good_of(double e, double d)
{
	if (e <= d)
		return 0;
	return 100.0 * (1.0 - exp(-(e - d) / SERVICE_MS * SLO_MS));
}

struct outcome {
	int fails, meets, steps, rounds;
	enum advise_end end;
};

/* One advise run on the simulated victim. */
static void advise_once(struct rng *r, double demand, double hiccup, struct outcome *out)
{
	struct advise_search a;
	int v;

	advise_search_init(&a, ADVISE_LOG, true, 1, 65535, 256, STEP, 24);
	out->rounds = 0;
	while (advise_next(&a, &v)) {
		double level = good_of(v / (v + 256.0), demand), base_level = good_of(1, demand);
		double base[MAX_ROUNDS], phase[MAX_ROUNDS];
		struct noise n = { .sd = 2, .drift = 1, .hiccup = hiccup };
		struct verdict_effect e;
		unsigned k;

		/* rounds = auto: from 3, one more until the comparison is decided */
		for (k = 0; k < MAX_ROUNDS; k++) {
			double drift = n.drift * normal(r);

			base[k] = run_good(r, base_level, drift, &n);
			phase[k] = run_good(r, level, drift, &n);
			if (k + 1 < MIN_ROUNDS)
				continue;
			verdict_effect(base, phase, k + 1, &rules, &e);
			if (!verdict_undecided(e.verdict))
				break;
		}
		out->rounds += (int)(k < MAX_ROUNDS ? k + 1 : MAX_ROUNDS);
		enum advise_outcome o = advise_outcome_of((unsigned)e.n, MIN_ROUNDS, e.ci.lo,
							  e.ci.hi, NAN, NAN, MIN_EFFECT, NAN);

		/* as isolab advise does: what does not surely meet the SLO is not advised */
		advise_record(&a, v, o == ADVISE_UNDECIDED ? ADVISE_FAILS : o);
	}
	out->fails = a.fails;
	out->meets = a.meets;
	out->steps = (int)a.steps;
	out->end = a.end;
}

static void the_advice_lands_within_one_step_of_the_credit_arithmetic(void **state)
{
	static const double demands[] = { 0.3, 0.5, 0.6, 0.75, 0.9 };
	static const double hiccups[] = { 0, 0.01, 0.05 };

	(void)state;
	printf("advise on a simulated one-CPU pool, %d runs per row (start 256, step 2^(1/4), "
	       "min effect %g pt):\n",
	       EXPERIMENTS, MIN_EFFECT);
	printf("  demand  w* (credit)  hiccups  within one step  converged  median answer  "
	       "steps  rounds\n");
	for (size_t d = 0; d < sizeof(demands) / sizeof(demands[0]); d++)
		for (size_t h = 0; h < sizeof(hiccups) / sizeof(hiccups[0]); h++) {
			double want = 256 * demands[d] / (1 - demands[d]), steps = 0, rounds = 0;
			int within = 0, conv = 0, answers[EXPERIMENTS], n = 0;
			struct rng r;

			rng_seed(&r, 0xad51 + d * 16 + h);
			for (int e = 0; e < EXPERIMENTS; e++) {
				struct outcome o;

				advise_once(&r, demands[d], hiccups[h], &o);
				conv += o.end == ADVISE_CONVERGED;
				if (o.end == ADVISE_CONVERGED && o.fails / STEP <= want &&
				    want <= o.meets * STEP)
					within++;
				if (o.meets > 0)
					answers[n++] = o.meets;
				steps += o.steps;
				rounds += o.rounds;
			}
			for (int i = 1; i < n; i++) /* insertion sort for the median */
				for (int j = i; j > 0 && answers[j - 1] > answers[j]; j--) {
					int t = answers[j];

					answers[j] = answers[j - 1];
					answers[j - 1] = t;
				}
			printf("  %6.2f  %11.0f  %5.0f %%  %13.1f %%  %7.1f %%  %13d  %5.1f  %6.1f\n",
			       demands[d], want, hiccups[h] * 100, 100.0 * within / EXPERIMENTS,
			       100.0 * conv / EXPERIMENTS, n ? answers[n / 2] : -1,
			       steps / EXPERIMENTS, rounds / EXPERIMENTS);
			/*
			 * up to 75 % demand the queue's headroom (what the SLO asks beyond
			 * keeping up) is within one step; at 90 % it is not (printed)
			 */
			if (hiccups[h] <= 0.01 && demands[d] <= 0.75)
				assert_true(100.0 * within / EXPERIMENTS >= 90.0);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_advice_lands_within_one_step_of_the_credit_arithmetic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
