// SPDX-License-Identifier: MIT
/*
 * Time-to-protect: each round's per-request log cut into short intervals
 * aligned on the change, good % and p99 per interval, the baseline's band,
 * and how long after the change the victim is back within it.
 */
#include "protect.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define MIN_PER_BIN 50 /* requests the rate should put in one interval */
#define MIN_FOR_P99 5  /* fewer requests in an interval: no p99 */
#define MAX_BINS    100000

size_t ttp_first_hold(const bool *ok, size_t n, size_t hold)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		while (j < n && j < i + hold && ok[j])
			j++;
		if (j > i && (j == i + hold || j == n))
			return i;
	}
	return n;
}

/* The rate the probe meant to send (open loop), else what it completed per second. */
static double rate_of(const struct model_run *r)
{
	const struct model_probe *p = &r->probe;

	if (p->present && p->rate_rps > 0)
		return p->rate_rps;
	if (p->present && p->throughput_rps > 0)
		return p->throughput_rps;
	return NAN;
}

static double window_of(const struct model *m, const struct model_run *r)
{
	if (r->probe.present && r->probe.measured_s > 0)
		return r->probe.measured_s;
	return m->duration_s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One run in intervals [origin + k w, origin + (k+1) w) inside [0, end): good % and p99. */
struct binned {
	double *t, *good, *p99; /* t: start of the interval - origin */
	size_t n;
};

static void binned_free(struct binned *b)
{
	free(b->t);
	free(b->good);
	free(b->p99);
	memset(b, 0, sizeof(*b));
}

static int bin_run(const struct model_run *run, double slo, double rate, double origin, double w,
		   double end, struct binned *out)
{
	const struct model_requests *q = &run->req;
	long kmin = (long)ceil(-origin / w - 1e-9), kmax = (long)floor((end - origin) / w + 1e-9);
	size_t nb = kmax > kmin ? (size_t)(kmax - kmin) : 0, *count = NULL, *fill = NULL;
	double *lat = NULL;
	int r = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!nb || nb > MAX_BINS)
		return 0;
	out->t = calloc(nb, sizeof(double));
	out->good = calloc(nb, sizeof(double));
	out->p99 = calloc(nb, sizeof(double));
	count = calloc(nb + 1, sizeof(*count));
	fill = calloc(nb + 1, sizeof(*fill));
	lat = calloc(q->n + 1, sizeof(*lat));
	if (!out->t || !out->good || !out->p99 || !count || !fill || !lat)
		goto out;
	out->n = nb;
	for (size_t i = 0; i < q->n; i++) { /* count per interval, then place (counting sort) */
		double k = floor((q->t[i] - origin) / w) - (double)kmin;

		if (k >= 0 && k < (double)nb)
			count[(size_t)k + 1]++;
	}
	for (size_t k = 0; k < nb; k++)
		count[k + 1] += count[k];
	for (size_t i = 0; i < q->n; i++) {
		double k = floor((q->t[i] - origin) / w) - (double)kmin;
		size_t b = (size_t)k;

		if (!(k >= 0 && k < (double)nb))
			continue;
		lat[count[b] + fill[b]++] = q->lat[i];
		if (q->ok[i] && (!(slo > 0) || q->lat[i] <= slo))
			out->good[b]++;
	}
	for (size_t b = 0; b < nb; b++) {
		size_t n = count[b + 1] - count[b];
		double offered = rate > 0 ? rate * w : (double)n;

		out->t[b] = (double)((long)b + kmin) * w;
		out->good[b] = offered > 0 ? fmin(100.0, 100.0 * out->good[b] / offered) : NAN;
		qsort(lat + count[b], n, sizeof(*lat), cmp_double);
		out->p99[b] = n >= MIN_FOR_P99 ? lat[count[b] + (size_t)ceil(0.99 * n) - 1] : NAN;
	}
	r = 0;
out:
	if (r)
		binned_free(out);
	free(count);
	free(fill);
	free(lat);
	return r;
}

/* The interval: about MIN_PER_BIN requests at the phase's rate, in tenths of a second. */
static double bin_width(const struct model *m, size_t phase)
{
	for (size_t i = 0; i < m->n_runs; i++) {
		double rate = rate_of(&m->runs[i]);

		if (m->runs[i].phase == phase && rate > 0)
			return fmax(0.1, ceil(MIN_PER_BIN / rate * 10.0) / 10.0);
	}
	return 1.0;
}

/*
 * The baseline's band: good % within the min effect of the median of its
 * intervals (a host's own stalls do not widen it), p99 up to their 95th
 * percentile.
 */
static int band(const struct model *m, double min_effect, struct ttp_phase *tp)
{
	size_t cap = 0, ng = 0, np = 0;
	double *g = NULL, *p = NULL;
	int r = 0;

	for (size_t i = 0; i < m->n_runs && !r; i++) {
		const struct model_run *run = &m->runs[i];
		struct binned b;
		double *ng2, *np2;

		if (run->phase != m->baseline || !run->valid || !run->req.present)
			continue;
		r = bin_run(run, run->probe.slo_ms, rate_of(run), 0, tp->bin_s, window_of(m, run),
			    &b);
		if (r)
			break;
		cap += b.n;
		ng2 = realloc(g, (cap + 1) * sizeof(*g));
		np2 = ng2 ? realloc(p, (cap + 1) * sizeof(*p)) : NULL;
		if (ng2)
			g = ng2;
		if (np2)
			p = np2;
		if (!ng2 || !np2)
			r = -ENOMEM;
		for (size_t k = 0; !r && k < b.n; k++) {
			if (isfinite(b.good[k]))
				g[ng++] = b.good[k];
			if (isfinite(b.p99[k]))
				p[np++] = b.p99[k];
		}
		binned_free(&b);
	}
	tp->band_good = ng ? stats_quantile(g, ng, 0.5) - min_effect : NAN;
	tp->band_p99 = np ? stats_quantile(p, np, 0.95) : NAN;
	tp->band_n = ng;
	free(g);
	free(p);
	return r;
}

static double mean_of(const double *v, size_t a, size_t b)
{
	double s = 0;
	size_t n = 0;

	for (size_t i = a; i < b; i++)
		if (isfinite(v[i]))
			s += v[i], n++;
	return n ? s / (double)n : NAN;
}

/* n log p + m log(1 - p) at the maximum-likelihood p = n / (n + m); 0 log 0 = 0. */
static double bernoulli_ll(double n, double m)
{
	double t = n + m;

	return (n > 0 ? n * log(n / t) : 0) + (m > 0 ? m * log(m / t) : 0);
}

struct req_point {
	double t;
	bool good;
};

static int cmp_req(const void *a, const void *b)
{
	const struct req_point *x = a, *y = b;

	return (x->t > y->t) - (x->t < y->t);
}

/*
 * Places the recovery to the request: over [from, to) (the last interval
 * outside the band and the first inside), the split between a worse and a
 * better stretch of requests that makes their good/not-good sequence most
 * likely (two Bernoulli segments). Returns the time of the first request of
 * the better stretch; from when it cannot be told.
 */
static double refine(const struct model_run *run, double from, double to)
{
	const struct model_requests *q = &run->req;
	double slo = run->probe.slo_ms, best = -INFINITY, at = from, g_all = 0, g = 0;
	struct req_point *v = calloc(q->n + 1, sizeof(*v));
	size_t n = 0;

	if (!v)
		return from;
	for (size_t i = 0; i < q->n; i++)
		if (q->t[i] >= from && q->t[i] < to) {
			v[n].t = q->t[i];
			v[n].good = q->ok[i] && (!(slo > 0) || q->lat[i] <= slo);
			g_all += v[n++].good;
		}
	qsort(v, n, sizeof(*v), cmp_req);
	for (size_t k = 0; k <= n; k++) { /* requests [0, k) before the split */
		double g2 = g_all - g, n1 = (double)k, n2 = (double)(n - k), ll;

		if (k == 0 || k == n || g / n1 <= g2 / n2) { /* the later stretch is the better */
			ll = bernoulli_ll(g, n1 - g) + bernoulli_ll(g2, n2 - g2);
			if (ll > best + 1e-12) {
				best = ll;
				at = k < n ? v[k].t : to;
			}
		}
		if (k < n)
			g += v[k].good;
	}
	free(v);
	return at;
}

/* One round: its intervals around the change and when it was back within the band. */
static int one_round(const struct model *m, const struct model_run *run, struct ttp_phase *tp,
		     struct ttp_round *tr)
{
	double end = window_of(m, run);
	size_t hold = (size_t)ceil(PROTECT_HOLD_S / tp->bin_s - 1e-9), zero, at;
	struct binned b;
	bool *ok;
	int r;

	tr->round = run->round;
	/* the change: when the controller issued it, else when it was applied, else planned */
	tr->change_s = tp->at->t_s;
	if (run->n_at && isfinite(run->at[0].issued_s))
		tr->change_s = run->at[0].issued_s;
	else if (run->n_at && isfinite(run->at[0].applied_s))
		tr->change_s = run->at[0].applied_s;
	r = bin_run(run, run->probe.slo_ms, rate_of(run), tr->change_s, tp->bin_s, end, &b);
	if (r)
		return r;
	ok = calloc(b.n + 1, sizeof(*ok));
	if (!ok) {
		binned_free(&b);
		return -ENOMEM;
	}
	for (zero = 0; zero < b.n && b.t[zero] < -1e-9; zero++)
		;
	for (size_t k = 0; k < b.n; k++)
		ok[k] = b.good[k] >= tp->band_good;
	at = zero + ttp_first_hold(ok + zero, b.n - zero, hold ? hold : 1);
	tr->recovered = at < b.n;
	tr->recover_s = tr->recovered ? b.t[at] : end - tr->change_s;
	if (tr->recovered && at > zero)
		tr->recover_s = refine(run, tr->change_s + b.t[at - 1],
				       tr->change_s + b.t[at] + tp->bin_s) -
				tr->change_s;
	tr->before_good = mean_of(b.good, 0, zero);
	tr->after_good = tr->recovered ? mean_of(b.good, at, b.n) : NAN;
	tr->t = b.t;
	tr->good = b.good;
	tr->p99 = b.p99;
	tr->n = b.n;
	free(ok);
	return 0;
}

/* The rounds of one phase; buf holds 3 x (runs + 1) doubles. */
static int phase_rounds(const struct model *m, size_t phase, struct ttp_phase *tp, double *buf)
{
	double *rec = buf, *before = buf + m->n_runs + 1, *after = buf + 2 * (m->n_runs + 1);
	size_t n = 0;
	int r;

	tp->rounds = calloc(m->n_runs + 1, sizeof(*tp->rounds));
	if (!tp->rounds)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];
		struct ttp_round *tr = &tp->rounds[tp->n_rounds];

		if (run->phase != phase || !run->valid || !run->req.present)
			continue;
		r = one_round(m, run, tp, tr);
		if (r)
			return r;
		before[tp->n_rounds] = tr->before_good;
		after[tp->n_rounds] = tr->after_good;
		tp->n_rounds++;
		if (tr->recovered)
			rec[n++] = tr->recover_s;
	}
	tp->n_recovered = n;
	return 0;
}

static int one_phase(const struct model *m, const struct stats *s, size_t phase,
		     struct ttp_phase *tp)
{
	double *buf, mean, sd;
	size_t n;
	int r;

	tp->phase = phase;
	tp->at = &m->phases[phase].at[0];
	tp->bin_s = bin_width(m, phase);
	tp->recover_s = tp->before_good = tp->after_good = NAN;
	tp->recover_ci = (struct stats_ci){ NAN, NAN };
	r = band(m, s->rules.min_effect, tp);
	if (r)
		return r;
	if (!tp->band_n) {
		tp->why = "no baseline round with a per-request log: no band to recover into";
		return 0;
	}
	buf = calloc(3 * (m->n_runs + 1), sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	r = phase_rounds(m, phase, tp, buf);
	if (!r && !tp->n_rounds)
		tp->why = "no valid round with a per-request log";
	n = stats_mean_sd(buf, tp->n_recovered, &mean, &sd);
	tp->recover_s = n ? mean : NAN;
	tp->recover_ci = stats_t_interval(mean, sd, n, s->cfg.confidence_pct);
	if (isfinite(tp->recover_ci.lo) && tp->recover_ci.lo < 0)
		tp->recover_ci.lo = 0;
	stats_mean_sd(buf + m->n_runs + 1, tp->n_rounds, &tp->before_good, &sd);
	stats_mean_sd(buf + 2 * (m->n_runs + 1), tp->n_rounds, &tp->after_good, &sd);
	/* the victim was within the baseline's band before the change: no recovery to time */
	tp->nothing_to_recover = tp->before_good >= tp->band_good;
	free(buf);
	return r;
}

int ttp_compute(const struct model *m, const struct stats *s, struct ttp **out)
{
	struct ttp *t;
	size_t n = 0;
	int r = 0;

	*out = NULL;
	for (size_t i = 0; i < m->n_phases; i++)
		n += m->phases[i].n_at > 0;
	if (!n || m->baseline == SIZE_MAX)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->p = calloc(n, sizeof(*t->p));
	if (!t->p) {
		free(t);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n_phases && !r; i++)
		if (m->phases[i].n_at)
			r = one_phase(m, s, i, &t->p[t->n++]);
	if (r) {
		ttp_free(t);
		return r;
	}
	*out = t;
	return 0;
}

void ttp_free(struct ttp *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->p[i].n_rounds; k++) {
			free(t->p[i].rounds[k].t);
			free(t->p[i].rounds[k].good);
			free(t->p[i].rounds[k].p99);
		}
		free(t->p[i].rounds);
	}
	free(t->p);
	free(t);
}
