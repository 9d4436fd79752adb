// SPDX-License-Identifier: MIT
/*
 * Per-phase statistics. Confidence intervals come from a two-level
 * bootstrap: rounds are drawn with replacement, then every drawn round's
 * requests are resampled. Requests are not kept one by one: each round's
 * histogram is coarsened to bins 0.5 % wide (count-weighted mean value, so
 * the mean is exact) and resampled as a Poisson bootstrap, each bin's count
 * drawn from Poisson(count). Work per resample is bounded by BOOT_BINS
 * (bins widen when a phase has many rounds or very wide histograms), not by
 * the number of requests.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"

#define BIN_WIDTH    1.005 /* relative width of a bootstrap bin, at most... */
#define BOOT_BINS    4000  /* ...bins per resample, over all drawn rounds: bounds the work */
#define NORMAL_TABLE 1024

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void stats_rng_seed(struct stats_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static uint64_t rng_next(struct stats_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double stats_rng_uniform(struct stats_rng *r)
{
	return (rng_next(r) >> 11) * 0x1.0p-53;
}

static size_t rng_below(struct stats_rng *r, size_t n)
{
	return (size_t)(stats_rng_uniform(r) * n);
}

/* Inverse normal CDF (Acklam's rational approximation), for the table. */
static double inv_normal(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02,
				    -2.759285104469687e+02, 1.383577518672690e+02,
				    -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02,
				    -1.556989798598866e+02, 6.680131188771972e+01,
				    -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01,
				    -2.400758277161838e+00, -2.549732539343734e+00,
				    4.374664141464968e+00,  2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01,
				    2.445134137142996e+00, 3.754408661907416e+00 };
	double q, r;

	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		       ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	if (p > 1 - 0.02425)
		return -inv_normal(1 - p);
	q = p - 0.5;
	r = q * q;
	return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
	       (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/* A standard normal draw from a table of quantiles: one random number, no libm. */
static double rng_normal(struct stats_rng *r)
{
	static double table[NORMAL_TABLE];
	static bool ready;

	if (!ready) {
		for (int i = 0; i < NORMAL_TABLE; i++)
			table[i] = inv_normal((i + 0.5) / NORMAL_TABLE);
		ready = true;
	}
	return table[rng_next(r) >> 54];
}

/* Poisson(lambda); l is exp(-lambda), precomputed by callers drawing often. */
static uint64_t poisson_l(struct stats_rng *r, double lambda, double l)
{
	if (!(lambda > 0))
		return 0;
	if (lambda < 12) {
		double p = 1.0;
		uint64_t k = 0;

		do {
			k++;
			p *= stats_rng_uniform(r);
		} while (p > l);
		return k - 1;
	}
	double x = floor(lambda + sqrt(lambda) * rng_normal(r) + 0.5);

	return x < 0 ? 0 : (uint64_t)x;
}

uint64_t stats_poisson(struct stats_rng *r, double lambda)
{
	return poisson_l(r, lambda, lambda > 0 && lambda < 12 ? exp(-lambda) : 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double stats_quantile(double *v, size_t n, double q)
{
	double pos, frac;
	size_t i;

	if (!n)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = q * (double)(n - 1);
	i = (size_t)pos;
	if (i >= n - 1)
		return v[n - 1];
	frac = pos - (double)i;
	return v[i] + (v[i + 1] - v[i]) * frac;
}

const char *stats_verdict_name(enum stats_verdict v)
{
	switch (v) {
	case VERDICT_PROTECTED:
		return "protected";
	case VERDICT_PARTLY:
		return "partly protected";
	case VERDICT_NOT_PROTECTED:
		return "not protected";
	case VERDICT_UNAFFECTED:
		return "unaffected";
	case VERDICT_INCONCLUSIVE:
		break;
	}
	return "inconclusive";
}

const char *stats_config_check(const struct stats_config *c)
{
	if (!(c->partial_pct >= 0 && c->partial_pct <= c->protected_pct && c->protected_pct <= 100))
		return "thresholds must satisfy 0 <= partial-pct <= protected-pct <= 100";
	if (!(c->min_degradation_pct >= 0 && c->min_degradation_pct <= 1000))
		return "min-degradation-pct must be within 0-1000";
	if (!(c->confidence_pct >= 50 && c->confidence_pct < 100))
		return "confidence must be within 50-99.9";
	if (c->resamples < 100 || c->resamples > 100000)
		return "resamples must be within 100-100000";
	return NULL;
}

/* Coarsened histogram of one round. */
struct bins {
	double *v, *c;
	size_t n, cap;
	double width; /* relative bin width */
};

static int bins_add(uint64_t value, uint64_t count, void *arg)
{
	struct bins *b = arg;
	double v = (double)value, c = (double)count;

	if (b->n && v <= b->v[b->n - 1] * b->width && b->v[b->n - 1] > 0) {
		double *lv = &b->v[b->n - 1], *lc = &b->c[b->n - 1];

		*lv = (*lv * *lc + v * c) / (*lc + c);
		*lc += c;
		return 0;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		double *nv = realloc(b->v, cap * sizeof(*nv)), *nc;

		if (!nv)
			return -ENOMEM;
		b->v = nv;
		nc = realloc(b->c, cap * sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		b->c = nc;
		b->cap = cap;
	}
	b->v[b->n] = v;
	b->c[b->n++] = c;
	return 0;
}

struct boot {
	struct bins *rounds;
	double **el; /* el[r][j]: exp(-count) of small bins, for the Poisson draws */
	size_t n_rounds;
	double *uv; /* union of every bin value, sorted */
	size_t n_u;
	size_t **map; /* map[r][j]: index of rounds[r].v[j] in uv */
	double *cnt;  /* per-resample counts over uv */
};

static void boot_done(struct boot *b)
{
	for (size_t i = 0; i < b->n_rounds; i++) {
		free(b->rounds[i].v);
		free(b->rounds[i].c);
		if (b->map)
			free(b->map[i]);
		if (b->el)
			free(b->el[i]);
	}
	free(b->rounds);
	free(b->map);
	free(b->el);
	free(b->uv);
	free(b->cnt);
}

static size_t find_value(const double *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int boot_init(struct boot *b, const struct model *m, size_t phase)
{
	size_t total = 0, k = 0, i, j;

	b->rounds = calloc(m->n_runs ? m->n_runs : 1, sizeof(*b->rounds));
	if (!b->rounds)
		return -ENOMEM;
	for (i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];

		if (r->phase != phase || !r->probe.n_buckets)
			continue;
		b->n_rounds++;
	}
	for (i = 0, k = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];
		size_t limit = BOOT_BINS / (b->n_rounds ? b->n_rounds : 1);
		struct bins *bn;

		if (r->phase != phase || !r->probe.n_buckets)
			continue;
		bn = &b->rounds[k++];
		for (bn->width = BIN_WIDTH;; bn->width = 1 + (bn->width - 1) * 2) {
			bn->n = 0;
			for (size_t j2 = 0; j2 < r->probe.n_buckets; j2++)
				if (bins_add(r->probe.buckets[j2].value_ns,
					     r->probe.buckets[j2].count, bn))
					return -ENOMEM;
			if (bn->n <= (limit > 50 ? limit : 50) || bn->width > 2)
				break;
		}
		total += bn->n;
	}
	k = 0;
	if (!total)
		return 0;
	b->uv = malloc(total * sizeof(*b->uv));
	b->cnt = malloc(total * sizeof(*b->cnt));
	b->map = calloc(b->n_rounds, sizeof(*b->map));
	b->el = calloc(b->n_rounds, sizeof(*b->el));
	if (!b->uv || !b->cnt || !b->map || !b->el)
		return -ENOMEM;
	for (i = 0; i < b->n_rounds; i++)
		for (j = 0; j < b->rounds[i].n; j++)
			b->uv[k++] = b->rounds[i].v[j];
	qsort(b->uv, total, sizeof(*b->uv), cmp_double);
	for (i = 0, k = 0; i < total; i++)
		if (!k || b->uv[i] != b->uv[k - 1])
			b->uv[k++] = b->uv[i];
	b->n_u = k;
	for (i = 0; i < b->n_rounds; i++) {
		b->map[i] = malloc((b->rounds[i].n ? b->rounds[i].n : 1) * sizeof(**b->map));
		b->el[i] = malloc((b->rounds[i].n ? b->rounds[i].n : 1) * sizeof(**b->el));
		if (!b->map[i] || !b->el[i])
			return -ENOMEM;
		for (j = 0; j < b->rounds[i].n; j++) {
			double c = b->rounds[i].c[j];

			b->map[i][j] = find_value(b->uv, b->n_u, b->rounds[i].v[j]);
			b->el[i][j] = c < 12 ? exp(-c) : 0;
		}
	}
	return 0;
}

/* One resample: mean and p99 in ms. */
static void boot_once(struct boot *b, struct stats_rng *rng, double *mean, double *p99)
{
	double n = 0, sum = 0, cum = 0, rank;
	size_t i, j;

	memset(b->cnt, 0, b->n_u * sizeof(*b->cnt));
	for (i = 0; i < b->n_rounds; i++) {
		size_t r = rng_below(rng, b->n_rounds);
		const struct bins *bn = &b->rounds[r];

		for (j = 0; j < bn->n; j++) {
			double c = (double)poisson_l(rng, bn->c[j], b->el[r][j]);

			b->cnt[b->map[r][j]] += c;
			n += c;
			sum += c * bn->v[j];
		}
	}
	if (n <= 0) {
		*mean = *p99 = NAN;
		return;
	}
	*mean = sum / n / 1e6;
	rank = ceil(0.99 * n);
	for (i = 0; i < b->n_u; i++) {
		cum += b->cnt[i];
		if (cum >= rank)
			break;
	}
	*p99 = b->uv[i < b->n_u ? i : b->n_u - 1] / 1e6;
}

static struct stats_ci ci_of(const double *boot, size_t n, double conf)
{
	struct stats_ci ci = { NAN, NAN };
	double *tmp;
	size_t k = 0;
	double a = (1.0 - conf / 100.0) / 2.0;

	if (!boot)
		return ci;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return ci;
	for (size_t i = 0; i < n; i++)
		if (isfinite(boot[i]))
			tmp[k++] = boot[i];
	if (k >= n / 2 && k) {
		ci.lo = stats_quantile(tmp, k, a);
		ci.hi = stats_quantile(tmp, k, 1.0 - a);
	}
	free(tmp);
	return ci;
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Bootstrap over rounds only (rounds without histograms). */
static void boot_rounds(const double *vals, size_t n, double *out, unsigned resamples,
			struct stats_rng *rng)
{
	for (unsigned b = 0; b < resamples; b++) {
		double s = 0;

		for (size_t i = 0; i < n; i++)
			s += vals[rng_below(rng, n)];
		out[b] = s / n;
	}
}

static int phase_bootstrap(const struct model *m, const struct stats_config *cfg, size_t phase,
			   struct stats_phase *sp)
{
	struct stats_rng rng;
	struct boot b = { 0 };
	double *okv = NULL, *meanv = NULL, *p99v = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	stats_rng_seed(&rng, cfg->seed ^ name_hash(m->phases[phase].name));
	okv = calloc(m->n_runs + 1, sizeof(*okv));
	meanv = calloc(m->n_runs + 1, sizeof(*meanv));
	p99v = calloc(m->n_runs + 1, sizeof(*p99v));
	if (!okv || !meanv || !p99v)
		goto out;
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];

		if (run->phase != phase || !run->probe.present)
			continue;
		okv[n] = (double)run->probe.ok;
		meanv[n] = run->probe.lat.mean;
		p99v[n++] = run->probe.lat.p99;
	}
	if (n >= 2) {
		sp->boot_ok = calloc(cfg->resamples, sizeof(double));
		if (!sp->boot_ok)
			goto out;
		boot_rounds(okv, n, sp->boot_ok, cfg->resamples, &rng);
	}
	if (sp->from_hist) {
		r = boot_init(&b, m, phase);
		if (r)
			goto out;
		r = -ENOMEM;
		if (!b.n_u) {
			r = 0;
			goto out;
		}
		sp->boot_mean = calloc(cfg->resamples, sizeof(double));
		sp->boot_p99 = calloc(cfg->resamples, sizeof(double));
		if (!sp->boot_mean || !sp->boot_p99)
			goto out;
		for (unsigned i = 0; i < cfg->resamples; i++)
			boot_once(&b, &rng, &sp->boot_mean[i], &sp->boot_p99[i]);
	} else if (n >= 2 && sp->lat.present) {
		sp->boot_mean = calloc(cfg->resamples, sizeof(double));
		sp->boot_p99 = calloc(cfg->resamples, sizeof(double));
		if (!sp->boot_mean || !sp->boot_p99)
			goto out;
		boot_rounds(meanv, n, sp->boot_mean, cfg->resamples, &rng);
		boot_rounds(p99v, n, sp->boot_p99, cfg->resamples, &rng);
	}
	r = 0;
out:
	boot_done(&b);
	free(okv);
	free(meanv);
	free(p99v);
	if (!r) {
		sp->mean_ci = ci_of(sp->boot_mean, cfg->resamples, cfg->confidence_pct);
		sp->p99_ci = ci_of(sp->boot_p99, cfg->resamples, cfg->confidence_pct);
		sp->ok_ci = ci_of(sp->boot_ok, cfg->resamples, cfg->confidence_pct);
	}
	return r;
}

/* Aggregates of one phase over its rounds. */
static int phase_aggregate(const struct model *m, size_t phase, struct stats_phase *sp)
{
	const struct model_phase *ph = &m->phases[phase];
	double wsum = 0, tput = 0;
	size_t with_hist = 0, tput_n = 0;
	struct model_latency acc = { 0 };

	sp->bomb_rate = calloc(ph->n_bombs + 1, sizeof(*sp->bomb_rate));
	sp->bomb_rate_key = calloc(ph->n_bombs + 1, sizeof(*sp->bomb_rate_key));
	if (!sp->bomb_rate || !sp->bomb_rate_key)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];
		const struct model_probe *p = &run->probe;

		if (run->phase != phase)
			continue;
		sp->rounds++;
		for (size_t j = 0; j < run->n_bombs && j < ph->n_bombs; j++) {
			if (!run->bombs[j].present) {
				sp->bomb_dnr++;
				continue;
			}
			if (isfinite(run->bombs[j].rate)) {
				sp->bomb_rate[j] += run->bombs[j].rate;
				sp->bomb_rate_key[j] = run->bombs[j].rate_key;
			}
		}
		if (!p->present) {
			sp->dnr_rounds++;
			continue;
		}
		sp->reported++;
		sp->requests += p->requests;
		sp->ok += p->ok;
		sp->failed += p->failed;
		if (isfinite(p->throughput_rps)) {
			tput += p->throughput_rps;
			tput_n++;
		}
		if (p->n_buckets) {
			if (!sp->merged && !(sp->merged = hist_new()))
				return -ENOMEM;
			for (size_t k = 0; k < p->n_buckets; k++)
				hist_record_n(sp->merged, p->buckets[k].value_ns,
					      p->buckets[k].count);
			with_hist++;
		}
		if (p->lat.present && p->ok) {
			double w = (double)p->ok;

			wsum += w;
			acc.min = acc.present ? fmin(acc.min, p->lat.min) : p->lat.min;
			acc.max = acc.present ? fmax(acc.max, p->lat.max) : p->lat.max;
			acc.mean += w * p->lat.mean;
			acc.stdev += w * p->lat.stdev;
			acc.p50 += w * p->lat.p50;
			acc.p90 += w * p->lat.p90;
			acc.p99 += w * p->lat.p99;
			acc.p999 += w * p->lat.p999;
			acc.present = true;
		}
	}
	for (size_t j = 0; j < ph->n_bombs; j++) {
		size_t n = 0;

		for (size_t i = 0; i < m->n_runs; i++)
			if (m->runs[i].phase == phase && j < m->runs[i].n_bombs &&
			    m->runs[i].bombs[j].present && isfinite(m->runs[i].bombs[j].rate))
				n++;
		sp->bomb_rate[j] = n ? sp->bomb_rate[j] / n : NAN;
	}
	sp->dnr = sp->rounds > 0 && sp->reported == 0;
	sp->success_pct = sp->requests ? 100.0 * sp->ok / sp->requests : NAN;
	sp->throughput_rps = tput_n ? tput / tput_n : NAN;
	sp->ok_per_round = sp->reported ? (double)sp->ok / sp->reported : NAN;
	sp->q1_ms = sp->q3_ms = NAN;
	if (sp->merged && with_hist == sp->reported) {
		const struct hist *h = sp->merged;

		sp->from_hist = true;
		sp->lat.present = true;
		sp->lat.min = hist_min(h) / 1e6;
		sp->lat.max = hist_max(h) / 1e6;
		sp->lat.mean = hist_mean(h) / 1e6;
		sp->lat.stdev = hist_stdev(h) / 1e6;
		sp->lat.p50 = hist_percentile(h, 50) / 1e6;
		sp->lat.p90 = hist_percentile(h, 90) / 1e6;
		sp->lat.p99 = hist_percentile(h, 99) / 1e6;
		sp->lat.p999 = hist_percentile(h, 99.9) / 1e6;
		sp->q1_ms = hist_percentile(h, 25) / 1e6;
		sp->q3_ms = hist_percentile(h, 75) / 1e6;
	} else if (acc.present && wsum > 0) {
		sp->lat = acc;
		sp->lat.mean /= wsum;
		sp->lat.stdev /= wsum;
		sp->lat.p50 /= wsum;
		sp->lat.p90 /= wsum;
		sp->lat.p99 /= wsum;
		sp->lat.p999 /= wsum;
	} else {
		sp->lat.present = false;
	}
	return 0;
}

static struct stats_ci ratio_ci(const double *a, const double *b, size_t n, double conf,
				double scale, double offset)
{
	struct stats_ci ci = { NAN, NAN };
	double *tmp;

	if (!a || !b)
		return ci;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return ci;
	for (size_t i = 0; i < n; i++)
		tmp[i] = b[i] > 0 ? (a[i] / b[i] - offset) * scale : NAN;
	ci = ci_of(tmp, n, conf);
	free(tmp);
	return ci;
}

static void phase_compare(const struct stats *s, const struct stats_phase *base,
			  struct stats_phase *sp)
{
	unsigned n = s->cfg.resamples;
	double conf = s->cfg.confidence_pct;

	sp->has_cmp = true;
	sp->ok_change_pct = sp->p50_ratio = sp->p99_ratio = NAN;
	sp->ok_change_ci = sp->p99_ratio_ci = (struct stats_ci){ NAN, NAN };
	if (sp->dnr || base->dnr)
		return;
	if (base->ok_per_round > 0)
		sp->ok_change_pct = (sp->ok_per_round / base->ok_per_round - 1.0) * 100.0;
	if (sp->lat.present && base->lat.present && base->lat.p50 > 0)
		sp->p50_ratio = sp->lat.p50 / base->lat.p50;
	if (sp->lat.present && base->lat.present && base->lat.p99 > 0)
		sp->p99_ratio = sp->lat.p99 / base->lat.p99;
	sp->ok_change_ci = ratio_ci(sp->boot_ok, base->boot_ok, n, conf, 100.0, 1.0);
	sp->p99_ratio_ci = ratio_ci(sp->boot_p99, base->boot_p99, n, conf, 1.0, 0.0);
}

static bool overlap(struct stats_ci a, struct stats_ci b)
{
	if (!isfinite(a.lo) || !isfinite(b.lo))
		return false;
	return a.lo <= b.hi && b.lo <= a.hi;
}

static bool have_ci(struct stats_ci c)
{
	return isfinite(c.lo) && isfinite(c.hi);
}

/* Recovered share of what was lost, per bootstrap resample. */
static struct stats_ci recovered_ci(const struct stats *s, const double *b, const double *e,
				    const double *p)
{
	struct stats_ci ci = { NAN, NAN };
	unsigned n = s->cfg.resamples;
	double *tmp;

	if (!b || !e || !p)
		return ci;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return ci;
	for (unsigned i = 0; i < n; i++)
		tmp[i] = e[i] != b[i] ? (e[i] - p[i]) / (e[i] - b[i]) * 100.0 : NAN;
	ci = ci_of(tmp, n, s->cfg.confidence_pct);
	free(tmp);
	return ci;
}

static void verdict(const struct model *m, const struct stats *s, struct stats_protection *pr)
{
	const struct stats_config *c = &s->cfg;
	const struct stats_phase *B = &s->phases[m->baseline], *E = &s->phases[pr->twin],
				 *P = &s->phases[pr->phase];
	struct stats_ci cb, ce, cp;
	const double *bb, *be, *bp;
	bool p99_lost, ok_lost;

	pr->base = pr->equal = pr->prio = pr->lost = pr->recovered = pr->recovered_pct = NAN;
	pr->recovered_pct_ci = (struct stats_ci){ NAN, NAN };
	pr->metric = "p99_ms";
	pr->verdict = VERDICT_INCONCLUSIVE;
	if (B->dnr || E->dnr || P->dnr || !B->reported || !E->reported || !P->reported) {
		snprintf(pr->reason, sizeof(pr->reason), "%s did not report",
			 !B->reported	? "the baseline"
			 : !E->reported ? "the equal-weight phase"
					: "the prioritised phase");
		return;
	}
	p99_lost = B->lat.present && E->lat.present && P->lat.present && B->lat.p99 > 0 &&
		   E->lat.p99 >= B->lat.p99 * (1 + c->min_degradation_pct / 100) &&
		   !overlap(E->p99_ci, B->p99_ci);
	ok_lost = B->ok_per_round > 0 &&
		  E->ok_per_round <= B->ok_per_round * (1 - c->min_degradation_pct / 100) &&
		  !overlap(E->ok_ci, B->ok_ci);
	if (p99_lost || !ok_lost) {
		pr->base = B->lat.p99, pr->equal = E->lat.p99, pr->prio = P->lat.p99;
		cb = B->p99_ci, ce = E->p99_ci, cp = P->p99_ci;
		bb = B->boot_p99, be = E->boot_p99, bp = P->boot_p99;
	} else {
		pr->metric = "ok_per_round";
		pr->base = B->ok_per_round, pr->equal = E->ok_per_round, pr->prio = P->ok_per_round;
		cb = B->ok_ci, ce = E->ok_ci, cp = P->ok_ci;
		bb = B->boot_ok, be = E->boot_ok, bp = P->boot_ok;
	}
	if (!isfinite(pr->base) || !isfinite(pr->equal) || !isfinite(pr->prio)) {
		snprintf(pr->reason, sizeof(pr->reason), "no latency figures to compare");
		return;
	}
	pr->lost = pr->equal - pr->base;
	pr->recovered = pr->equal - pr->prio;
	if (!p99_lost && !ok_lost && P->lat.present && B->lat.p99 > 0 &&
	    P->lat.p99 >= B->lat.p99 * (1 + c->min_degradation_pct / 100) &&
	    !overlap(P->p99_ci, B->p99_ci)) {
		snprintf(pr->reason, sizeof(pr->reason),
			 "equal weights did not degrade the victim but the prioritised phase did "
			 "(p99 %.2f× the baseline's): a noisy host?",
			 P->lat.p99 / B->lat.p99);
		return;
	}
	if (!p99_lost && !ok_lost) {
		pr->verdict = VERDICT_UNAFFECTED;
		snprintf(pr->reason, sizeof(pr->reason),
			 "equal weights cost under %g %% (or stayed within the baseline's "
			 "interval)",
			 c->min_degradation_pct);
		return;
	}
	pr->recovered_pct = pr->recovered / pr->lost * 100.0;
	pr->recovered_pct_ci = recovered_ci(s, bb, be, bp);
	if (have_ci(cp) && overlap(cp, cb) && overlap(cp, ce)) {
		snprintf(pr->reason, sizeof(pr->reason),
			 "the prioritised interval overlaps both the baseline's and the "
			 "equal-weight one");
		return;
	}
	if (have_ci(cp) && overlap(cp, ce)) {
		pr->verdict = VERDICT_NOT_PROTECTED;
		snprintf(pr->reason, sizeof(pr->reason),
			 "prioritised result within the equal-weight interval");
	} else if (have_ci(cp) && overlap(cp, cb)) {
		pr->verdict = VERDICT_PROTECTED;
		snprintf(pr->reason, sizeof(pr->reason),
			 "prioritised result back within the baseline's interval");
	} else if (pr->recovered_pct >= c->protected_pct) {
		pr->verdict = VERDICT_PROTECTED;
		snprintf(pr->reason, sizeof(pr->reason), "recovered at least %g %%",
			 c->protected_pct);
	} else if (pr->recovered_pct >= c->partial_pct) {
		pr->verdict = VERDICT_PARTLY;
		snprintf(pr->reason, sizeof(pr->reason), "recovered between %g %% and %g %%",
			 c->partial_pct, c->protected_pct);
	} else {
		pr->verdict = VERDICT_NOT_PROTECTED;
		snprintf(pr->reason, sizeof(pr->reason), "recovered less than %g %%",
			 c->partial_pct);
	}
}

static int protections(const struct model *m, struct stats *s)
{
	if (m->baseline == SIZE_MAX)
		return 0;
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
		verdict(m, s, pr);
	}
	return 0;
}

static int cmp_points(const void *a, const void *b)
{
	const struct stats_sweep_point *x = a, *y = b;

	return (x->x > y->x) - (x->x < y->x);
}

static int sweeps(const struct model *m, struct stats *s)
{
	s->sweeps = calloc(m->n_phases + 1, sizeof(*s->sweeps));
	if (!s->sweeps)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		struct stats_sweep *sw = NULL;

		if (!ph->is_sweep)
			continue;
		for (size_t k = 0; k < s->n_sweeps; k++)
			if (s->sweeps[k].twin == ph->twin_idx &&
			    !strcmp(s->sweeps[k].key ? s->sweeps[k].key : "",
				    ph->sweep_key ? ph->sweep_key : ""))
				sw = &s->sweeps[k];
		if (!sw) {
			sw = &s->sweeps[s->n_sweeps++];
			sw->twin = ph->twin_idx;
			sw->key = ph->sweep_key;
			sw->x_is_ratio = true;
			sw->points = calloc(m->n_phases + 1, sizeof(*sw->points));
			if (!sw->points)
				return -ENOMEM;
			if (sw->twin != SIZE_MAX && isfinite(m->phases[sw->twin].weight_ratio))
				sw->points[sw->n_points++] =
					(struct stats_sweep_point){ sw->twin, 1.0 };
		}
		sw->points[sw->n_points++] = (struct stats_sweep_point){ i, ph->weight_ratio };
		if (!isfinite(ph->weight_ratio))
			sw->x_is_ratio = false;
	}
	for (size_t k = 0; k < s->n_sweeps; k++) {
		struct stats_sweep *sw = &s->sweeps[k];

		if (!sw->x_is_ratio) {
			size_t j = 0;

			for (size_t i = 0; i < sw->n_points; i++)
				if (m->phases[sw->points[i].phase].is_sweep) {
					sw->points[j] = sw->points[i];
					sw->points[j++].x =
						m->phases[sw->points[i].phase].sweep_value;
				}
			sw->n_points = j;
		}
		qsort(sw->points, sw->n_points, sizeof(*sw->points), cmp_points);
	}
	return 0;
}

int stats_compute(const struct model *m, const struct stats_config *cfg, struct stats **out)
{
	struct stats *s;
	int r = -ENOMEM;

	if (stats_config_check(cfg))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	s->n_phases = m->n_phases;
	s->phases = calloc(m->n_phases + 1, sizeof(*s->phases));
	if (!s->phases)
		goto out_free;
	for (size_t i = 0; i < m->n_phases; i++) {
		r = phase_aggregate(m, i, &s->phases[i]);
		if (!r)
			r = phase_bootstrap(m, cfg, i, &s->phases[i]);
		if (r)
			goto out_free;
	}
	for (size_t i = 0; m->baseline != SIZE_MAX && i < m->n_phases; i++)
		if (i != m->baseline)
			phase_compare(s, &s->phases[m->baseline], &s->phases[i]);
	r = protections(m, s);
	if (!r)
		r = sweeps(m, s);
	if (r)
		goto out_free;
	*out = s;
	return 0;

out_free:
	stats_free(s);
	return r;
}

void stats_free(struct stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->phases && i < s->n_phases; i++) {
		struct stats_phase *p = &s->phases[i];

		hist_free(p->merged);
		free(p->boot_mean);
		free(p->boot_p99);
		free(p->boot_ok);
		free(p->bomb_rate);
		free(p->bomb_rate_key);
	}
	free(s->phases);
	for (size_t k = 0; k < s->n_sweeps; k++)
		free(s->sweeps[k].points);
	free(s->sweeps);
	free(s->prot);
	free(s);
}
