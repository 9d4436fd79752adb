// SPDX-License-Identifier: MIT
/*
 * The verdict rules. Every verdict is a decision on a t-interval of the mean
 * per-round difference (paired over rounds, never over the requests of one
 * round) against the smallest effect that matters, m:
 *   unaffected  -m < lo and hi < m          (equivalence)
 *   hurt        hi < -m                     (surely worse by more than m)
 *   better      lo > m
 *               (when the A/A did not read "no effect", hurt and better must
 *               also clear its noise floor)
 *   protected   the prioritised phase is surely no worse than the baseline
 *               by more than the margin min(m, (100 - protected_pct) % of the loss)
 *   not protected  prioritisation surely recovers less than partial_pct %
 *   partly      surely more than partial_pct %, surely short of the margin
 * anything else is inconclusive, with the rounds a decision would take.
 */
#include "verdict.h"

#include <math.h>
#include <string.h>

static bool usable(const double *v, size_t i)
{
	return !v || isfinite(v[i]);
}

/* Fewer rounds than a verdict needs: figures only, and how many rounds it would take. */
static void make_indicative(enum stats_verdict *v, unsigned *needed, size_t n, unsigned min_rounds)
{
	if (n >= min_rounds)
		return;
	*v = VERDICT_INDICATIVE;
	if (*needed && *needed < min_rounds)
		*needed = min_rounds;
}

/* Paired rounds of ref and val where mask (if any) has a score too. */
static void effect_masked(const double *ref, const double *val, const double *mask, size_t n,
			  const struct verdict_rules *r, struct verdict_effect *out)
{
	double sr = 0, sv = 0, ss = 0, m = r->min_effect, gap;
	double big = r->noise_floor > m ? r->noise_floor : m; /* what an effect must clear */
	size_t k = 0;

	memset(out, 0, sizeof(*out));
	out->ref = out->val = out->mean = out->sd = NAN;
	for (size_t i = 0; i < n; i++)
		if (usable(ref, i) && usable(val, i) && usable(mask, i)) {
			sr += ref[i];
			sv += val[i];
			k++;
		}
	out->n = k;
	out->ci = (struct stats_ci){ NAN, NAN };
	out->verdict = VERDICT_INDICATIVE;
	out->rounds_needed = r->min_rounds;
	if (!k)
		return;
	out->ref = sr / (double)k;
	out->val = sv / (double)k;
	out->mean = out->val - out->ref;
	if (k < 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (usable(ref, i) && usable(val, i) && usable(mask, i)) {
			double d = val[i] - ref[i] - out->mean;

			ss += d * d;
		}
	out->sd = sqrt(ss / (double)(k - 1));
	out->ci = stats_t_interval(out->mean, out->sd, k, r->confidence_pct);
	if (out->ci.lo > -m && out->ci.hi < m)
		out->verdict = VERDICT_UNAFFECTED;
	else if (out->ci.hi < -big)
		out->verdict = VERDICT_HURT;
	else if (out->ci.lo > big)
		out->verdict = VERDICT_BETTER;
	else
		out->verdict = VERDICT_INCONCLUSIVE;
	if (out->verdict == VERDICT_INCONCLUSIVE) {
		gap = fabs(out->mean) > m ? fabs(out->mean) - big : m - fabs(out->mean);
		out->rounds_needed = stats_rounds_needed(gap, out->sd, k, r->confidence_pct);
	} else {
		out->rounds_needed = (unsigned)k;
	}
	make_indicative(&out->verdict, &out->rounds_needed, k, r->min_rounds);
}

void verdict_effect(const double *ref, const double *val, size_t n, const struct verdict_rules *r,
		    struct verdict_effect *out)
{
	effect_masked(ref, val, NULL, n, r, out);
}

static unsigned max_needed(unsigned a, unsigned b)
{
	if (!a || !b)
		return 0; /* one of them needs "many" */
	return a > b ? a : b;
}

/* Recovered share and its Fieller interval over the rounds all three scored. */
static void recovered(const double *base, const double *equal, const double *prio, size_t n,
		      const struct verdict_rules *r, struct verdict_protection *out)
{
	double mn = out->prio - out->equal, md = out->base - out->equal;
	double vn = 0, vd = 0, cv = 0, k = (double)out->n;

	out->lost = md;
	out->recovered_pct = md != 0 ? 100.0 * mn / md : NAN;
	out->recovered_ci = (struct stats_ci){ NAN, NAN };
	if (out->n < 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (isfinite(base[i]) && isfinite(equal[i]) && isfinite(prio[i])) {
			double a = prio[i] - equal[i] - mn, b = base[i] - equal[i] - md;

			vn += a * a;
			vd += b * b;
			cv += a * b;
		}
	out->recovered_ci = stats_fieller(mn, md, vn / (k - 1), vd / (k - 1), cv / (k - 1), out->n,
					  r->confidence_pct);
	out->recovered_ci.lo *= 100.0;
	out->recovered_ci.hi *= 100.0;
}

/* The three outcomes once the twin is known to be hurt. */
static void judge_protection(const struct verdict_rules *r, struct verdict_protection *out)
{
	const struct verdict_effect *a = &out->vs_base, *b = &out->vs_equal;
	double part = r->partial_pct / 100.0 * out->lost, conf = r->confidence_pct;

	out->margin = fmin(r->min_effect, (100.0 - r->protected_pct) / 100.0 * out->lost);
	if (a->ci.lo > -out->margin) {
		out->verdict = VERDICT_PROTECTED;
	} else if (b->ci.hi < part) {
		out->verdict = VERDICT_NOT_PROTECTED;
	} else if (b->ci.lo >= part && a->ci.hi <= -out->margin) {
		out->verdict = VERDICT_PARTLY;
	} else {
		out->verdict = VERDICT_INCONCLUSIVE;
		/* the rounds for the outcome the estimates point to */
		if (a->mean > -out->margin)
			out->rounds_needed =
				stats_rounds_needed(a->mean + out->margin, a->sd, out->n, conf);
		else if (b->mean < part)
			out->rounds_needed =
				stats_rounds_needed(part - b->mean, b->sd, out->n, conf);
		else
			out->rounds_needed = max_needed(
				stats_rounds_needed(b->mean - part, b->sd, out->n, conf),
				stats_rounds_needed(-out->margin - a->mean, a->sd, out->n, conf));
		return;
	}
	out->rounds_needed = (unsigned)out->n;
}

void verdict_protection(const double *base, const double *equal, const double *prio, size_t n,
			const struct verdict_rules *r, struct verdict_protection *out)
{
	struct verdict_rules any = *r;

	any.min_rounds = 2; /* judge what there is, then mark it indicative below */
	memset(out, 0, sizeof(*out));
	effect_masked(base, equal, prio, n, &any, &out->hurt);
	effect_masked(base, prio, equal, n, &any, &out->vs_base);
	effect_masked(equal, prio, base, n, &any, &out->vs_equal);
	out->n = out->hurt.n;
	out->base = out->hurt.ref;
	out->equal = out->hurt.val;
	out->prio = out->vs_base.val;
	out->margin = NAN;
	recovered(base, equal, prio, n, r, out);
	out->verdict = VERDICT_INDICATIVE;
	out->rounds_needed = r->min_rounds;
	if (out->n < 2)
		return;
	switch (out->hurt.verdict) {
	case VERDICT_UNAFFECTED:
	case VERDICT_BETTER:
		out->verdict = VERDICT_UNAFFECTED; /* nothing to protect */
		out->rounds_needed = (unsigned)out->n;
		break;
	case VERDICT_HURT:
		judge_protection(r, out);
		break;
	default: /* not yet known to be hurt */
		out->verdict = VERDICT_INCONCLUSIVE;
		out->rounds_needed = out->hurt.rounds_needed;
		break;
	}
	make_indicative(&out->verdict, &out->rounds_needed, out->n, r->min_rounds);
	make_indicative(&out->hurt.verdict, &out->hurt.rounds_needed, out->n, r->min_rounds);
	make_indicative(&out->vs_base.verdict, &out->vs_base.rounds_needed, out->n, r->min_rounds);
	make_indicative(&out->vs_equal.verdict, &out->vs_equal.rounds_needed, out->n,
			r->min_rounds);
}

double verdict_noise_floor(const struct verdict_effect *aa)
{
	if (aa->verdict != VERDICT_HURT && aa->verdict != VERDICT_BETTER &&
	    aa->verdict != VERDICT_INCONCLUSIVE)
		return 0;
	return fmax(fabs(aa->ci.lo), fabs(aa->ci.hi));
}

const char *verdict_name(enum stats_verdict v)
{
	static const char *const names[] = {
		[VERDICT_PROTECTED] = "protected",
		[VERDICT_PARTLY] = "partly protected",
		[VERDICT_NOT_PROTECTED] = "not protected",
		[VERDICT_INCONCLUSIVE] = "inconclusive",
		[VERDICT_UNAFFECTED] = "unaffected",
		[VERDICT_HURT] = "hurt",
		[VERDICT_BETTER] = "better",
		[VERDICT_INDICATIVE] = "indicative",
		[VERDICT_INVALID] = "invalid",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "inconclusive";
}

bool verdict_undecided(enum stats_verdict v)
{
	return v == VERDICT_INCONCLUSIVE || v == VERDICT_INDICATIVE;
}
