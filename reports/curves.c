// SPDX-License-Identifier: MIT
/*
 * Sensitivity curves: sweep phases grouped into families and keys, each
 * point's figures over rounds, its difference from the reference paired by
 * round, and where each family stops meeting the SLO (the tolerated
 * interference), read off the mean curve and its band.
 */
#include "curves.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats-pair.h"
#include "stats.h"

bool curves_key(const char *key)
{
	return key && (!strncmp(key, "intensity.", 10) || !strcmp(key, "load"));
}

/* x where the segment (x0, y0)-(x1, y1) reaches t; x0 when it cannot be told. */
static double cross(double x0, double y0, double x1, double y1, double t)
{
	if (!isfinite(y0) || !isfinite(y1) || y0 == y1)
		return x0;
	return x0 + (x1 - x0) * (y0 - t) / (y0 - y1);
}

/* First point (from 0) where v is below t or unknown; n when none. */
static size_t first_below(const double *v, size_t n, double t, bool unknown_counts)
{
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) ? v[i] < t : unknown_counts)
			return i;
	return n;
}

void curves_crossing(const double *x, const double *y, const double *lo, const double *hi, size_t n,
		     double t, struct curve_crossing *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->est = out->lo = out->hi = out->est_achieved = NAN;
	if (!n || !isfinite(t))
		return;
	/* the mean curve */
	i = first_below(y, n, t, false);
	if (i == n) {
		out->est = x[n - 1];
		out->est_above = true;
	} else {
		out->est = i ? cross(x[i - 1], y[i - 1], x[i], y[i], t) : x[0];
	}
	/* surely meets (the band's lower edge above t) up to lo */
	i = first_below(lo, n, t, true);
	if (i == 0)
		out->lo_below = true;
	else if (i == n)
		out->lo = x[n - 1];
	else
		out->lo = isfinite(lo[i]) ? cross(x[i - 1], lo[i - 1], x[i], lo[i], t) : x[i - 1];
	/* surely fails (the band's upper edge below t) from hi */
	i = first_below(hi, n, t, false);
	if (i == n) {
		out->hi = x[n - 1];
		out->hi_above = true;
	} else {
		out->hi = i ? cross(x[i - 1], hi[i - 1], x[i], hi[i], t) : x[0];
	}
	if (isfinite(out->lo) && out->lo > out->est)
		out->lo = out->est;
	if (out->hi < out->est)
		out->hi = out->est;
}

/* ---- grouping sweep phases into curves and families ---- */

static struct curve *curve_of(struct curves *cv, const char *key, size_t cap)
{
	struct curve *c;

	for (size_t k = 0; k < cv->n; k++)
		if (!strcmp(cv->c[k].key, key))
			return &cv->c[k];
	c = &cv->c[cv->n++];
	c->key = key;
	c->is_load = !strcmp(key, "load");
	c->bomb = c->is_load ? NULL : key + 10;
	c->fam = calloc(cap, sizeof(*c->fam));
	return c->fam ? c : NULL;
}

static struct curve_family *family_of(struct curve *c, const struct model_phase *ph)
{
	size_t len = strcspn(ph->name, "[");

	for (size_t k = 0; k < c->n_fam; k++)
		if (strlen(c->fam[k].name) == len && !strncmp(c->fam[k].name, ph->name, len))
			return &c->fam[k];
	return &c->fam[c->n_fam++];
}

static int family_name(struct curve_family *f, const struct model_phase *ph)
{
	char *name;

	if (f->name)
		return 0;
	name = strndup(ph->name, strcspn(ph->name, "["));
	if (!name)
		return -ENOMEM;
	f->name = name;
	f->prioritised = ph->priority || ph->twin;
	return 0;
}

static int cmp_point(const void *a, const void *b)
{
	const struct curve_point *p = a, *q = b;

	return (p->x > q->x) - (p->x < q->x);
}

/* Equal weights first, then prioritised; by name within each. */
static int cmp_family(const void *a, const void *b)
{
	const struct curve_family *f = a, *g = b;

	if (f->prioritised != g->prioritised)
		return f->prioritised ? 1 : -1;
	return strcmp(f->name, g->name);
}

static int group(const struct model *m, struct curves *cv)
{
	int r;

	cv->c = calloc(m->n_phases + 1, sizeof(*cv->c));
	if (!cv->c)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		struct curve_family *f;
		struct curve *c;

		if (!ph->is_sweep || !curves_key(ph->sweep_key) || !isfinite(ph->sweep_value))
			continue;
		c = curve_of(cv, ph->sweep_key, m->n_phases + 1);
		if (!c)
			return -ENOMEM;
		f = family_of(c, ph);
		r = family_name(f, ph);
		if (r)
			return r;
		if (f->n == CURVES_MAX_POINTS)
			continue;
		f->points[f->n++] = (struct curve_point){ .x = ph->sweep_value, .phase = i };
	}
	for (size_t k = 0; k < cv->n; k++) {
		for (size_t j = 0; j < cv->c[k].n_fam; j++)
			qsort(cv->c[k].fam[j].points, cv->c[k].fam[j].n,
			      sizeof(cv->c[k].fam[j].points[0]), cmp_point);
		qsort(cv->c[k].fam, cv->c[k].n_fam, sizeof(cv->c[k].fam[0]), cmp_family);
	}
	return 0;
}

/* ---- each point ---- */

/* A load point's reference: the same load in a family without bombs or priority. */
static size_t load_ref(const struct model *m, const struct curve *c, double x, size_t self)
{
	for (size_t k = 0; k < c->n_fam; k++)
		for (size_t j = 0; j < c->fam[k].n; j++) {
			const struct curve_point *p = &c->fam[k].points[j];
			const struct model_phase *ph = &m->phases[p->phase];

			if (p->x == x && p->phase != self && !ph->n_bombs && !ph->priority)
				return p->phase;
		}
	return m->baseline;
}

/* What the swept bomb achieved at this point, in % intensity (its share of x). */
static double achieved(const struct model *m, const struct stats *s, const struct curve *c,
		       const struct curve_point *p)
{
	const struct stats_phase *sp = &s->phases[p->phase];
	double sum = 0;
	size_t n = 0;

	if (c->is_load) {
		if (!(m->cal.capacity_rps > 0) || !isfinite(sp->throughput_rps))
			return NAN;
		return 100.0 * sp->throughput_rps / m->cal.capacity_rps;
	}
	if (p->x == 0)
		return 0;
	for (size_t k = 0; k < sp->n_loads; k++) {
		const char *b = sp->loads[k].bomb;
		size_t len = strlen(c->bomb);

		/* the bomb itself, or a group member's copy BOMB@VM */
		if (strncmp(b, c->bomb, len) || (b[len] && b[len] != '@'))
			continue;
		if (isfinite(sp->loads[k].share_pct)) {
			sum += sp->loads[k].share_pct;
			n++;
		}
	}
	return n ? p->x * sum / (double)n / 100.0 : NAN;
}

/* The per-round p99 of a phase: geometric mean and interval over valid rounds. */
static void p99_of(const struct model *m, const struct stats *s, size_t phase, double *tmp,
		   struct curve_point *p)
{
	size_t n = 0;
	double mean, sd;

	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];

		if (r->phase != phase || !r->valid || !r->probe.present || !r->probe.lat.present)
			continue;
		tmp[n++] = r->probe.lat.p99 > 0 ? log(r->probe.lat.p99) : NAN;
	}
	n = stats_mean_sd(tmp, n, &mean, &sd);
	p->p99 = n ? exp(mean) : NAN;
	p->p99_ci = stats_t_interval(mean, sd, n, s->cfg.confidence_pct);
	if (isfinite(p->p99_ci.lo))
		p->p99_ci = (struct stats_ci){ exp(p->p99_ci.lo), exp(p->p99_ci.hi) };
}

/* The point against its reference, paired by round, in the primary measure's units. */
static void vs_ref(const struct model *m, const struct stats *s, struct curve_point *p, double *ref,
		   double *val)
{
	for (unsigned r = 1; r <= s->rounds; r++) {
		double a = stats_run_raw(stats_run_of(m, p->ref, r, true), s->closed_loop);
		double b = stats_run_raw(stats_run_of(m, p->phase, r, true), s->closed_loop);

		ref[r - 1] = a;
		val[r - 1] = b;
		if (s->closed_loop) { /* in % of the same round's reference */
			ref[r - 1] = a > 0 ? 100 : NAN;
			val[r - 1] = a > 0 ? 100.0 * b / a : NAN;
		}
	}
	verdict_effect(ref, val, s->rounds, &s->rules, &p->vs_ref);
}

static void family_crossings(struct curves *cv, struct curve_family *f)
{
	double x[CURVES_MAX_POINTS], y[CURVES_MAX_POINTS], lo[CURVES_MAX_POINTS],
		hi[CURVES_MAX_POINTS], xa[CURVES_MAX_POINTS];

	for (size_t j = 0; j < f->n; j++) {
		x[j] = f->points[j].x;
		xa[j] = f->points[j].x_achieved;
		y[j] = f->points[j].vs_ref.mean;
		lo[j] = f->points[j].vs_ref.ci.lo;
		hi[j] = f->points[j].vs_ref.ci.hi;
	}
	curves_crossing(x, y, lo, hi, f->n, -cv->min_effect, &f->tol);
	for (size_t j = 0; j < f->n; j++) {
		y[j] = f->points[j].score;
		lo[j] = f->points[j].score_ci.lo;
		hi[j] = f->points[j].score_ci.hi;
	}
	curves_crossing(x, y, lo, hi, f->n, cv->target, &f->tol_abs);
	/* the crossing in achieved terms: interpolate achieved(x) */
	for (int k = 0; k < 2; k++) {
		struct curve_crossing *t = k ? &f->tol_abs : &f->tol;

		for (size_t j = 0; j + 1 < f->n && isfinite(t->est); j++)
			if (x[j] <= t->est && t->est <= x[j + 1] && x[j + 1] > x[j])
				t->est_achieved = xa[j] + (xa[j + 1] - xa[j]) * (t->est - x[j]) /
								  (x[j + 1] - x[j]);
		if (f->n == 1 || (f->n && t->est == x[f->n - 1]))
			t->est_achieved = xa[f->n - 1];
	}
	/* monotone within the intervals: never surely higher at a larger x */
	f->monotone = true;
	for (size_t a = 0; a < f->n; a++)
		for (size_t b = a + 1; b < f->n; b++)
			if (f->points[b].score_ci.lo > f->points[a].score_ci.hi)
				f->monotone = false;
}

static int fill(const struct model *m, const struct stats *s, struct curves *cv)
{
	double *ref = calloc(s->rounds + m->n_runs + 1, sizeof(*ref));
	double *val = calloc(s->rounds + m->n_runs + 1, sizeof(*val));

	if (!ref || !val) {
		free(ref);
		free(val);
		return -ENOMEM;
	}
	for (size_t k = 0; k < cv->n; k++) {
		struct curve *c = &cv->c[k];

		for (size_t j = 0; j < c->n_fam; j++) {
			struct curve_family *f = &c->fam[j];

			for (size_t i = 0; i < f->n; i++) {
				struct curve_point *p = &f->points[i];
				const struct stats_phase *sp = &s->phases[p->phase];

				p->ref = c->is_load ? load_ref(m, c, p->x, p->phase) : m->baseline;
				p->score = sp->score;
				p->score_ci = sp->score_ci;
				p->x_achieved = achieved(m, s, c, p);
				p99_of(m, s, p->phase, val, p);
				if (p->ref != SIZE_MAX)
					vs_ref(m, s, p, ref, val);
				else
					memset(&p->vs_ref, 0, sizeof(p->vs_ref));
				p->meets = p->vs_ref.ci.lo > -cv->min_effect;
				p->fails = p->vs_ref.ci.hi < -cv->min_effect;
			}
			family_crossings(cv, f);
		}
	}
	free(ref);
	free(val);
	return 0;
}

int curves_compute(const struct model *m, const struct stats *s, double target, struct curves **out)
{
	struct curves *cv;
	bool any = false;
	int r;

	*out = NULL;
	for (size_t i = 0; i < m->n_phases && !any; i++)
		any = m->phases[i].is_sweep && curves_key(m->phases[i].sweep_key);
	if (!any)
		return 0;
	cv = calloc(1, sizeof(*cv));
	if (!cv)
		return -ENOMEM;
	cv->target = target;
	cv->min_effect = s->rules.min_effect;
	cv->measure = s->measure;
	r = group(m, cv);
	if (!r)
		r = fill(m, s, cv);
	if (r) {
		curves_free(cv);
		return r;
	}
	*out = cv;
	return 0;
}

void curves_free(struct curves *cv)
{
	if (!cv)
		return;
	for (size_t k = 0; k < cv->n; k++) {
		for (size_t j = 0; j < cv->c[k].n_fam; j++)
			free(cv->c[k].fam[j].name);
		free(cv->c[k].fam);
	}
	free(cv->c);
	free(cv);
}
