// SPDX-License-Identifier: MIT
/*
 * Pairing by round: every phase against the same round's baseline, every
 * prioritised phase against the same round's equal-weight twin and baseline,
 * the A/A twin against the baseline. Only valid runs count; a probe that did
 * not report counts as 0 good (the Isolation Benchmark Suite's DNR).
 */
#include "stats-pair.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_key(const struct model_run *r, size_t phase, unsigned round)
{
	if (r->round != round)
		return r->round < round ? -1 : 1;
	return r->phase < phase ? -1 : r->phase > phase;
}

const struct model_run *stats_run_of(const struct model *m, size_t phase, unsigned round,
				     bool valid_only)
{
	size_t lo = 0, hi = m->n_runs;

	/* runs are sorted by round, then phase */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_key(&m->runs[mid], phase, round);

		if (!c)
			return !valid_only || m->runs[mid].valid ? &m->runs[mid] : NULL;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

double stats_run_raw(const struct model_run *run, bool closed_loop)
{
	const struct model_probe *p;
	bool ok;

	if (!run)
		return NAN;
	p = &run->probe;
	if (!p->present)
		return 0; /* did not report: the worst result, not a missing one */
	ok = p->status && !strcmp(p->status, "ok");
	if (!closed_loop) {
		if (p->has_good)
			return p->good_pct;
		return ok || p->requests ? NAN : 0; /* a probe that failed got nothing good */
	}
	if (!isfinite(p->throughput_rps))
		return ok ? NAN : 0;
	if (p->has_good)
		return p->throughput_rps * p->good_pct / 100.0;
	return p->requests ? p->throughput_rps * (double)p->ok / (double)p->requests : 0;
}

/* Per-round scores of a phase, indexed by round (1..s->rounds); NaN = none. */
static void scores(const struct model *m, const struct stats *s, size_t phase, double *out)
{
	for (unsigned r = 1; r <= s->rounds; r++) {
		double raw = stats_run_raw(stats_run_of(m, phase, r, true), s->closed_loop), base;

		out[r] = raw;
		if (!s->closed_loop)
			continue;
		/* closed loop: in % of the same round's baseline */
		base = stats_run_raw(stats_run_of(m, m->baseline, r, true), true);
		out[r] = base > 0 ? 100.0 * raw / base : NAN;
	}
}

/* The first reason a phase's runs were invalid, for "invalid — reason". */
static const char *first_reason(const struct model *m, size_t phase)
{
	for (size_t i = 0; i < m->n_runs; i++)
		if (m->runs[i].phase == phase && !m->runs[i].valid && m->runs[i].n_invalid)
			return m->runs[i].invalid[0];
	return "no run";
}

static const char *unit(const struct stats *s)
{
	return s->closed_loop ? "%" : " points";
}

static void needed_text(char *buf, size_t len, unsigned needed, size_t n)
{
	if (needed > n)
		snprintf(buf, len, "about %u rounds (%zu more)", needed, (size_t)needed - n);
	else if (needed)
		snprintf(buf, len, "at least %u rounds", needed);
	else
		snprintf(buf, len, "many more rounds (the estimate sits close to the threshold)");
}

static void effect_reason(const struct stats *s, const struct verdict_effect *e, char *buf,
			  size_t len)
{
	double m = s->rules.min_effect, big = fmax(m, s->rules.noise_floor);
	const char *what = big > m ? "A/A noise floor" : "min effect";
	char need[96];

	needed_text(need, sizeof(need), e->rounds_needed, e->n);
	switch (e->verdict) {
	case VERDICT_UNAFFECTED:
		snprintf(buf, len, "the interval lies within ±%g%s (the min effect)", m, unit(s));
		break;
	case VERDICT_HURT:
		snprintf(buf, len, "the interval lies below -%.3g%s: worse by more than the %s",
			 big, unit(s), what);
		break;
	case VERDICT_BETTER:
		snprintf(buf, len, "the interval lies above +%.3g%s: better by more than the %s",
			 big, unit(s), what);
		break;
	case VERDICT_INCONCLUSIVE:
		snprintf(buf, len, "the interval reaches across ±%g%s%s: needs %s", m, unit(s),
			 big > m ? " or the A/A noise floor" : "", need);
		break;
	default:
		snprintf(buf, len, "%zu valid paired round%s: a verdict needs %u or more (%s)",
			 e->n, e->n == 1 ? "" : "s", s->rules.min_rounds, need);
		break;
	}
}

/* A ratio to the baseline over the rounds both reported (geo: of latencies). */
static struct stats_ratio ratio_of(const struct model *m, const struct stats *s, size_t phase,
				   double (*get)(const struct model_run *), bool geo, double *tmp)
{
	struct stats_ratio out = { 0, NAN, { NAN, NAN } };
	double mean, sd;

	for (unsigned r = 1; r <= s->rounds; r++) {
		double a = get(stats_run_of(m, phase, r, true));
		double b = get(stats_run_of(m, m->baseline, r, true));

		tmp[r - 1] = b > 0 && a >= 0 ? (geo ? (a > 0 ? log(a / b) : NAN) : a / b) : NAN;
	}
	out.n = stats_mean_sd(tmp, s->rounds, &mean, &sd);
	out.ci = stats_t_interval(mean, sd, out.n, s->cfg.confidence_pct);
	out.ratio = geo ? exp(mean) : mean;
	if (geo && isfinite(out.ci.lo)) {
		out.ci.lo = exp(out.ci.lo);
		out.ci.hi = exp(out.ci.hi);
	}
	return out;
}

static double lat_p50(const struct model_run *r)
{
	return r && r->probe.present && r->probe.lat.present ? r->probe.lat.p50 : NAN;
}

static double lat_p99(const struct model_run *r)
{
	return r && r->probe.present && r->probe.lat.present ? r->probe.lat.p99 : NAN;
}

static double lat_p999(const struct model_run *r)
{
	return r && r->probe.present && r->probe.lat.present ? r->probe.lat.p999 : NAN;
}

static double tput(const struct model_run *r)
{
	if (!r)
		return NAN;
	return r->probe.present ? r->probe.throughput_rps : 0;
}

static double ok_count(const struct model_run *r)
{
	return r ? (r->probe.present ? (double)r->probe.ok : 0) : NAN;
}

static void secondary(const struct model *m, const struct stats *s, size_t i, double *tmp)
{
	struct stats_phase *sp = &s->phases[i];
	struct stats_ratio ok;

	sp->r_p50 = ratio_of(m, s, i, lat_p50, true, tmp);
	sp->r_p99 = ratio_of(m, s, i, lat_p99, true, tmp);
	sp->r_p999 = ratio_of(m, s, i, lat_p999, true, tmp);
	sp->r_tput = ratio_of(m, s, i, tput, false, tmp);
	ok = ratio_of(m, s, i, ok_count, false, tmp);
	sp->p50_ratio = sp->r_p50.ratio;
	sp->p99_ratio = sp->r_p99.ratio;
	sp->p99_ratio_ci = sp->r_p99.ci;
	sp->ok_change_pct = (ok.ratio - 1) * 100;
	sp->ok_change_ci = (struct stats_ci){ (ok.ci.lo - 1) * 100, (ok.ci.hi - 1) * 100 };
}

/* Phase i against the baseline; base holds the baseline's scores. */
static void compare(const struct model *m, struct stats *s, size_t i, const double *base,
		    double *sc, double *tmp)
{
	struct stats_phase *sp = &s->phases[i], *B = &s->phases[m->baseline];
	double sd;

	scores(m, s, i, sc);
	sp->n_score = stats_mean_sd(sc + 1, s->rounds, &sp->score, &sd);
	sp->score_ci = stats_t_interval(sp->score, sd, sp->n_score, s->cfg.confidence_pct);
	if (i == m->baseline)
		return;
	sp->has_cmp = true;
	verdict_effect(base + 1, sc + 1, s->rounds, &s->rules, &sp->cmp);
	sp->verdict = sp->cmp.verdict;
	if (!sp->valid || !B->valid) {
		sp->verdict = VERDICT_INVALID;
		snprintf(sp->reason, sizeof(sp->reason), "%s has no valid round: %s",
			 !B->valid ? "the baseline" : "this phase",
			 first_reason(m, !B->valid ? m->baseline : i));
	} else {
		effect_reason(s, &sp->cmp, sp->reason, sizeof(sp->reason));
	}
	secondary(m, s, i, tmp);
}

static void protection_reason(const struct stats *s, struct stats_protection *pr)
{
	const struct verdict_protection *v = &pr->v;
	char need[96], hurt[160];
	size_t n = sizeof(pr->reason);

	needed_text(need, sizeof(need), v->rounds_needed, v->n);
	effect_reason(s, &v->hurt, hurt, sizeof(hurt));
	switch (v->verdict) {
	case VERDICT_UNAFFECTED:
		snprintf(pr->reason, n,
			 "equal weights did not hurt the victim (%s): nothing to "
			 "protect",
			 hurt);
		break;
	case VERDICT_PROTECTED:
		snprintf(pr->reason, n,
			 "prioritised within %.1f%s of the baseline or better "
			 "(interval from %.1f)",
			 v->margin, unit(s), v->vs_base.ci.lo);
		break;
	case VERDICT_NOT_PROTECTED:
		snprintf(pr->reason, n,
			 "prioritisation gained at most %.1f%s, under %g %% of the "
			 "%.1f%s lost",
			 v->vs_equal.ci.hi, unit(s), s->rules.partial_pct, v->lost, unit(s));
		break;
	case VERDICT_PARTLY:
		snprintf(pr->reason, n,
			 "gained at least %g %% of the %.1f%s lost, and stays "
			 "%.1f%s or more below the baseline",
			 s->rules.partial_pct, v->lost, unit(s), v->margin, unit(s));
		break;
	case VERDICT_INCONCLUSIVE:
		if (v->hurt.verdict != VERDICT_HURT)
			snprintf(pr->reason, n,
				 "not yet known whether equal weights hurt: needs %s", need);
		else
			snprintf(pr->reason, n, "between protected and not: needs %s", need);
		break;
	default:
		snprintf(pr->reason, n,
			 "%zu valid round%s with the baseline, twin and phase: a "
			 "verdict needs %u or more (%s)",
			 v->n, v->n == 1 ? "" : "s", s->rules.min_rounds, need);
		break;
	}
}

static void protect(const struct model *m, struct stats *s, struct stats_protection *pr,
		    const double *base, const double *equal, const double *prio)
{
	size_t who[3] = { m->baseline, pr->twin, pr->phase };
	static const char *const names[3] = { "the baseline", "the equal-weight twin",
					      "this phase" };

	verdict_protection(base + 1, equal + 1, prio + 1, s->rounds, &s->rules, &pr->v);
	pr->verdict = pr->v.verdict;
	for (int k = 0; k < 3; k++)
		if (!s->phases[who[k]].valid) {
			pr->verdict = VERDICT_INVALID;
			snprintf(pr->reason, sizeof(pr->reason), "%s has no valid round: %s",
				 names[k], first_reason(m, who[k]));
			return;
		}
	protection_reason(s, pr);
}

static void aa_floor(struct stats *s)
{
	const struct stats_phase *a;

	if (s->aa == SIZE_MAX)
		return;
	a = &s->phases[s->aa];
	if (isfinite(a->cmp.ci.lo))
		s->aa_floor = fmax(fabs(a->cmp.ci.lo), fabs(a->cmp.ci.hi));
	s->aa_noisy = a->verdict == VERDICT_HURT || a->verdict == VERDICT_BETTER ||
		      a->verdict == VERDICT_INCONCLUSIVE;
}

/* Protections: each prioritised phase with a twin other than the baseline. */
static int protections(const struct model *m, struct stats *s, double **sc)
{
	s->prot = calloc(m->n_phases + 1, sizeof(*s->prot));
	if (!s->prot)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		struct stats_protection *pr;

		if (ph->twin_idx == SIZE_MAX || ph->is_sweep || ph->twin_idx == m->baseline)
			continue;
		pr = &s->prot[s->n_prot++];
		pr->phase = i;
		pr->twin = ph->twin_idx;
		protect(m, s, pr, sc[m->baseline], sc[ph->twin_idx], sc[i]);
	}
	return 0;
}

int stats_pair_all(const struct model *m, struct stats *s)
{
	double **sc, *tmp;
	size_t i;
	int r = -ENOMEM;

	if (m->baseline == SIZE_MAX) {
		for (i = 0; i < m->n_phases; i++) {
			s->phases[i].verdict = VERDICT_INVALID;
			snprintf(s->phases[i].reason, sizeof(s->phases[i].reason),
				 "no baseline phase to compare with");
		}
		return 0;
	}
	sc = calloc(m->n_phases, sizeof(*sc));
	tmp = malloc((s->rounds + 1) * sizeof(*tmp));
	if (!sc || !tmp)
		goto out;
	for (i = 0; i < m->n_phases; i++) {
		sc[i] = malloc((s->rounds + 1) * sizeof(**sc));
		if (!sc[i])
			goto out;
	}
	compare(m, s, m->baseline, NULL, sc[m->baseline], tmp);
	/* the A/A first: when it does not read "no effect", effects must clear its floor */
	if (s->aa != SIZE_MAX) {
		compare(m, s, s->aa, sc[m->baseline], sc[s->aa], tmp);
		aa_floor(s);
		s->rules.noise_floor = verdict_noise_floor(&s->phases[s->aa].cmp);
	}
	for (i = 0; i < m->n_phases; i++)
		if (i != m->baseline && i != s->aa)
			compare(m, s, i, sc[m->baseline], sc[i], tmp);
	r = protections(m, s, sc);
out:
	for (i = 0; sc && i < m->n_phases; i++)
		free(sc[i]);
	free(sc);
	free(tmp);
	return r;
}
