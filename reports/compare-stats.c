// SPDX-License-Identifier: MIT
/*
 * Comparing runs: per phase and measure, each run's rounds as a sample, and
 * each run against the reference with Welch's unpaired interval (rounds of
 * different runs share nothing, so they are never paired), decided against
 * "same within" like the verdicts of one run are decided against the min
 * effect.
 */
#include "compare-stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats-pair.h"

const char *cmp_verdict_name(enum cmp_verdict v)
{
	static const char *const names[] = {
		[CMP_SAME] = "same",
		[CMP_BETTER] = "better",
		[CMP_WORSE] = "worse",
		[CMP_INCONCLUSIVE] = "inconclusive",
		[CMP_INDICATIVE] = "indicative",
		[CMP_NONE] = "not comparable",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "not comparable";
}

struct cmp_measure_def cmp_measure(const struct cmp *c, enum cmp_measure k)
{
	static const struct cmp_measure_def defs[] = {
		[CMP_GOOD] = { "good_pct", "good responses", "points", CMP_POINTS, true },
		[CMP_EFFECT] = { "effect", "against its own baseline", "points", CMP_POINTS, true },
		[CMP_P99] = { "p99_ms", "p99 latency", "ms", CMP_LOG, false },
		[CMP_P50] = { "p50_ms", "p50 latency", "ms", CMP_LOG, false },
		[CMP_TPUT] = { "throughput_rps", "throughput", "req/s", CMP_RATIO, true },
	};
	struct cmp_measure_def d = defs[k];

	if (k == CMP_GOOD && c->closed_loop)
		d = (struct cmp_measure_def){ "good_per_s", "good responses per second", "req/s",
					      CMP_RATIO, true };
	if (k == CMP_EFFECT && c->closed_loop)
		d.unit = "% of baseline";
	return d;
}

void cmp_sample_of(const double *v, size_t n, enum cmp_scale scale, double conf,
		   struct cmp_sample *out)
{
	double *t = malloc((n + 1) * sizeof(*t));
	double mean, sd;

	memset(out, 0, sizeof(*out));
	out->mean = out->sd = out->value = NAN;
	out->ci = (struct stats_ci){ NAN, NAN };
	if (!t)
		return; /* shown as no figure */
	for (size_t i = 0; i < n; i++)
		t[i] = scale == CMP_LOG ? (v[i] > 0 ? log(v[i]) : NAN) : v[i];
	out->n = stats_mean_sd(t, n, &mean, &sd);
	free(t);
	out->mean = mean;
	out->sd = sd;
	out->value = scale == CMP_LOG ? exp(mean) : mean;
	out->ci = stats_t_interval(mean, sd, out->n, conf);
	if (scale == CMP_LOG && isfinite(out->ci.lo))
		out->ci = (struct stats_ci){ exp(out->ci.lo), exp(out->ci.hi) };
}

/* Welch's half-width with n rounds in each run (sds on the difference's scale). */
static double unpaired_half(double sa, double sb, size_t n, double conf)
{
	double va = sa * sa / (double)n, vb = sb * sb / (double)n, df;

	if (va + vb == 0)
		return 0;
	df = (va + vb) * (va + vb) / ((va * va + vb * vb) / (double)(n - 1));
	return stats_t_quantile(0.5 + conf / 200.0, df) * sqrt(va + vb);
}

/* Rounds per run for a Welch half-width below gap; 0 = many. */
static unsigned unpaired_rounds(double gap, double sa, double sb, size_t n_now, double conf)
{
	size_t lo = n_now < 2 ? 2 : n_now + 1, hi = STATS_MAX_ROUNDS_GUESS;

	if (!(gap > 0) || !isfinite(sa) || !isfinite(sb))
		return 0;
	if (lo > hi || unpaired_half(sa, sb, hi, conf) >= gap)
		return 0;
	/* the half-width falls with n: bisect for the first n below gap */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (unpaired_half(sa, sb, mid, conf) < gap)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (unsigned)lo;
}

/* The estimate and interval on the difference scale: points, or the log of the ratio. */
static void on_diff_scale(const struct cmp_diff *d, enum cmp_scale scale, double *est, double *lo,
			  double *hi)
{
	if (scale == CMP_POINTS) {
		*est = d->est, *lo = d->ci.lo, *hi = d->ci.hi;
		return;
	}
	*est = d->est > 0 ? log(d->est) : -INFINITY;
	*lo = d->ci.lo > 0 ? log(d->ci.lo) : isnan(d->ci.lo) ? NAN : -INFINITY;
	*hi = d->ci.hi > 0 ? log(d->ci.hi) : isnan(d->ci.hi) ? NAN : -INFINITY;
}

static void estimate(const struct cmp_sample *sa, const struct cmp_sample *sb, enum cmp_scale scale,
		     double conf, struct cmp_diff *out)
{
	double df;

	out->ci = stats_welch(sa->mean, sa->sd, sa->n, sb->mean, sb->sd, sb->n, conf, &df);
	out->df = df;
	switch (scale) {
	case CMP_POINTS:
		out->est = sb->mean - sa->mean;
		break;
	case CMP_LOG:
		out->est = exp(sb->mean - sa->mean);
		if (isfinite(out->ci.lo))
			out->ci = (struct stats_ci){ exp(out->ci.lo), exp(out->ci.hi) };
		break;
	case CMP_RATIO:
		out->est = sa->mean > 0 ? sb->mean / sa->mean : NAN;
		if (sa->n >= 2 && sb->n >= 2 && sa->mean > 0) {
			if (!isfinite(df)) /* no spread at all */
				out->ci = (struct stats_ci){ out->est, out->est };
			else
				out->ci = stats_fieller_se(
					sb->mean, sa->mean, sb->sd * sb->sd / (double)sb->n,
					sa->sd * sa->sd / (double)sa->n, 0, df, conf);
			/* rates are never negative: neither is their ratio */
			if (out->ci.lo < 0)
				out->ci.lo = 0;
		} else {
			out->ci = (struct stats_ci){ NAN, NAN };
		}
		break;
	}
}

void cmp_decide(const double *a, size_t na, const double *b, size_t nb, enum cmp_scale scale,
		bool higher_better, const struct cmp_rule *r, struct cmp_sample *sa,
		struct cmp_sample *sb, struct cmp_diff *out)
{
	double thr = scale == CMP_POINTS ? r->within : log1p(r->within / 100.0);
	double est, lo, hi, s_a, s_b;
	bool up;

	cmp_sample_of(a, na, scale, r->confidence, sa);
	cmp_sample_of(b, nb, scale, r->confidence, sb);
	memset(out, 0, sizeof(*out));
	out->n_ref = sa->n;
	out->n = sb->n;
	out->est = out->df = NAN;
	out->ci = (struct stats_ci){ NAN, NAN };
	out->verdict = CMP_NONE;
	if (!sa->n || !sb->n)
		return;
	estimate(sa, sb, scale, r->confidence, out);
	if (!isfinite(out->est))
		return;
	on_diff_scale(out, scale, &est, &lo, &hi);
	up = higher_better;
	if (isnan(lo))
		out->verdict = CMP_INDICATIVE;
	else if (lo > -thr && hi < thr)
		out->verdict = CMP_SAME;
	else if (lo > thr)
		out->verdict = up ? CMP_BETTER : CMP_WORSE;
	else if (hi < -thr)
		out->verdict = up ? CMP_WORSE : CMP_BETTER;
	else
		out->verdict = CMP_INCONCLUSIVE;
	if (sa->n < r->min_rounds || sb->n < r->min_rounds)
		out->verdict = CMP_INDICATIVE;
	if (out->verdict != CMP_INCONCLUSIVE && out->verdict != CMP_INDICATIVE) {
		out->rounds_needed = (unsigned)(sa->n > sb->n ? sa->n : sb->n);
		return;
	}
	/* spreads on the difference's scale: relative for a ratio of means */
	s_a = scale == CMP_RATIO ? sa->sd / sa->mean : sa->sd;
	s_b = scale == CMP_RATIO ? (sb->mean > 0 ? sb->sd / sb->mean : NAN) : sb->sd;
	out->rounds_needed =
		unpaired_rounds(fabs(est) > thr ? fabs(est) - thr : thr - fabs(est), s_a, s_b,
				sa->n > sb->n ? sa->n : sb->n, r->confidence);
	if (out->verdict == CMP_INDICATIVE && out->rounds_needed &&
	    out->rounds_needed < r->min_rounds)
		out->rounds_needed = r->min_rounds;
}

/* ---- per-round values of one phase in one run ---- */

static double score_of(const struct model *m, const struct stats *s, size_t phase, unsigned round)
{
	double raw = stats_run_raw(stats_run_of(m, phase, round, true), s->closed_loop), base;

	if (!s->closed_loop)
		return raw;
	base = stats_run_raw(stats_run_of(m, m->baseline, round, true), true);
	return base > 0 ? 100.0 * raw / base : NAN;
}

static double value_of(const struct model *m, const struct stats *s, const struct model_run *run,
		       enum cmp_measure k)
{
	const struct model_probe *p = &run->probe;

	switch (k) {
	case CMP_GOOD:
		return stats_run_raw(run, s->closed_loop);
	case CMP_EFFECT:
		if (m->baseline == SIZE_MAX || run->phase == m->baseline)
			return NAN;
		return score_of(m, s, run->phase, run->round) -
		       score_of(m, s, m->baseline, run->round);
	case CMP_P99:
		return p->present && p->lat.present ? p->lat.p99 : NAN;
	case CMP_P50:
		return p->present && p->lat.present ? p->lat.p50 : NAN;
	case CMP_TPUT:
		return p->present ? p->throughput_rps : 0;
	default:
		return NAN;
	}
}

/* The valid rounds' values of a phase; returns how many runs were looked at. */
static size_t values(const struct cmp_run *cr, size_t phase, enum cmp_measure k, double *out)
{
	size_t n = 0;

	for (size_t i = 0; phase != SIZE_MAX && i < cr->m->n_runs; i++) {
		const struct model_run *run = &cr->m->runs[i];

		if (run->phase == phase && run->valid)
			out[n++] = value_of(cr->m, cr->s, run, k);
	}
	return n;
}

static int add_row(struct cmp *c, const char *name, size_t cap)
{
	struct cmp_row *row;

	for (size_t i = 0; i < c->n_rows; i++)
		if (!strcmp(c->rows[i].name, name))
			return 0;
	if (c->n_rows >= cap)
		return -E2BIG;
	row = &c->rows[c->n_rows++];
	memset(row, 0, sizeof(*row));
	row->name = name;
	row->common = true;
	for (size_t j = 0; j < c->n_runs; j++) {
		row->idx[j] = model_phase_index(c->runs[j].m, name);
		row->common &= row->idx[j] != SIZE_MAX;
	}
	c->n_common += row->common;
	return 0;
}

static int fill_row(struct cmp *c, struct cmp_row *row)
{
	const struct cmp_run *ref = &c->runs[0];
	size_t cap = ref->m->n_runs + 1;
	double *a, *b;

	for (size_t j = 1; j < c->n_runs; j++)
		cap = c->runs[j].m->n_runs + 1 > cap ? c->runs[j].m->n_runs + 1 : cap;
	a = calloc(cap, sizeof(*a));
	b = calloc(cap, sizeof(*b));
	if (!a || !b) {
		free(a);
		free(b);
		return -ENOMEM;
	}
	for (int k = 0; k < CMP_MEASURES; k++) {
		struct cmp_measure_def d = cmp_measure(c, (enum cmp_measure)k);
		size_t na = values(ref, row->idx[0], (enum cmp_measure)k, a);

		cmp_sample_of(a, na, d.scale, c->rule.confidence, &row->v[0][k]);
		for (size_t j = 1; j < c->n_runs; j++) {
			size_t nb = values(&c->runs[j], row->idx[j], (enum cmp_measure)k, b);
			struct cmp_sample sa;

			cmp_decide(a, na, b, nb, d.scale, d.higher_better, &c->rule, &sa,
				   &row->v[j][k], &row->d[j][k]);
			if (c->mixed && k == CMP_GOOD) {
				/* good % against good/s: not the same measure */
				row->d[j][k].verdict = CMP_NONE;
				row->d[j][k].est = NAN;
				row->d[j][k].ci = (struct stats_ci){ NAN, NAN };
			}
		}
	}
	free(a);
	free(b);
	return 0;
}

int cmp_compute(struct cmp *c)
{
	size_t cap = 0;
	int r = 0;

	for (size_t j = 0; j < c->n_runs; j++)
		cap += c->runs[j].m->n_phases;
	c->rows = calloc(cap + 1, sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	for (size_t j = 0; j < c->n_runs && !r; j++)
		for (size_t i = 0; i < c->runs[j].m->n_phases && !r; i++)
			r = add_row(c, c->runs[j].m->phases[i].name, cap);
	for (size_t i = 0; i < c->n_rows && !r; i++)
		r = fill_row(c, &c->rows[i]);
	return r;
}

void cmp_done(struct cmp *c)
{
	for (size_t j = 0; j < c->n_runs; j++) {
		stats_free(c->runs[j].s);
		model_free(c->runs[j].m);
		free(c->runs[j].label);
	}
	for (size_t i = 0; i < c->n_mismatch; i++)
		free(c->mismatch[i]);
	for (size_t i = 0; i < c->n_notes; i++)
		free(c->notes[i]);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}
