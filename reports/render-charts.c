// SPDX-License-Identifier: MIT
/* The report's charts, drawn as inline SVG with svg.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"
#include "render.h"
#include "svg.h"

#define WIDE	   900
#define NARROW	   445
#define MAX_GROUPS 64

static size_t groups(const struct model *m, size_t *g, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_phases && n < max; i++)
		if (stats_is_group(m, i))
			g[n++] = i;
	return n;
}

/* success: the primary measure's paired difference from the baseline; else the p99 ratio. */
static void bar_value(const struct stats_phase *sp, bool success, double *v, struct stats_ci *ci)
{
	*v = success ? sp->cmp.mean : sp->p99_ratio;
	*ci = success ? sp->cmp.ci : sp->p99_ratio_ci;
}

void render_chart_degradation(struct sbuf *o, const struct model *m, const struct stats *s,
			      unsigned *id, bool success)
{
	size_t g[MAX_GROUPS], n = groups(m, g, MAX_GROUPS);
	const char *labels[MAX_GROUPS];
	struct svg_chart c;
	double lo = success ? -10 : 0, hi = success ? 10 : 2, slot, bw;
	static const char *const lg[] = { "equal weights", "prioritised", "interval", "baseline" };
	static const int st[] = { 0, 1, 4, 4 };
	static const enum svg_key keys[] = { SVG_KEY_BAR, SVG_KEY_BAR, SVG_KEY_WHISKER,
					     SVG_KEY_REF };

	if (!n || m->baseline == SIZE_MAX)
		return;
	for (size_t k = 0; k < n; k++) {
		size_t pr = stats_prio_of(m, g[k]);
		size_t ph[2] = { g[k], pr };

		labels[k] = m->phases[g[k]].name;
		for (int j = 0; j < 2; j++) {
			double v;
			struct stats_ci ci;

			if (ph[j] == SIZE_MAX)
				continue;
			bar_value(&s->phases[ph[j]], success, &v, &ci);
			if (isfinite(v))
				lo = fmin(lo, v), hi = fmax(hi, v);
			if (isfinite(ci.hi))
				lo = fmin(lo, ci.lo), hi = fmax(hi, ci.hi);
		}
	}
	svg_begin(&c, o, (*id)++, WIDE, 330,
		  success ? "Good responses against baseline" : "p99 latency against baseline", 1);
	c.x = (struct svg_axis){ 0, (double)n, SVG_CATEGORY, "bomb phase" };
	c.y = (struct svg_axis){ success ? fmax(lo * 1.1, -100) : 0, hi * 1.1, SVG_LINEAR,
				 success ? (s->closed_loop ? "good responses/s (% change)"
							   : "good responses (points of offered)")
					 : "p99 latency (× baseline)" };
	svg_axes(&c, labels, n);
	svg_hline(&c, success ? 0 : 1, NULL);
	slot = (c.r - c.l) / (double)n;
	bw = fmin(60, slot * 0.32);
	for (size_t k = 0; k < n; k++) {
		size_t ph[2] = { g[k], stats_prio_of(m, g[k]) };

		for (int j = 0; j < 2; j++) {
			double v, x = c.l + slot * (k + 0.5) + (j ? 2 : -bw - 2);
			struct stats_ci ci;
			char buf[64], txt[64];

			if (ph[j] == SIZE_MAX)
				continue;
			if (s->phases[ph[j]].dnr) {
				svg_text(&c, x + bw / 2, svg_py(&c, success ? 0 : 1) - 6, "middle",
					 "note", "DNR");
				continue;
			}
			bar_value(&s->phases[ph[j]], success, &v, &ci);
			if (!isfinite(v))
				continue;
			svg_bar(&c, x, bw, success ? 0 : c.y.min, v, j);
			svg_whisker(&c, x + bw / 2, ci.lo, ci.hi);
			if (success)
				snprintf(txt, sizeof(txt), "%+.1f%s", v,
					 s->closed_loop ? " %" : "");
			else
				snprintf(txt, sizeof(txt), "%s×",
					 render_num(v, buf, sizeof(buf), "–"));
			if (v < (success ? 0 : c.y.min))
				svg_text(&c, x + bw / 2,
					 fmax(svg_py(&c, isfinite(ci.lo) ? fmin(ci.lo, v) : v),
					      svg_py(&c, v)) +
						 14,
					 "middle", "val", txt);
			else
				svg_text(&c, x + bw / 2,
					 fmin(svg_py(&c, isfinite(ci.hi) ? fmax(ci.hi, v) : v),
					      svg_py(&c, v)) -
						 5,
					 "middle", "val", txt);
		}
	}
	svg_legend(&c, lg, st, keys, 4);
	svg_end(&c, success ? "The primary measure: good responses (within the SLO) against the "
			      "same round's baseline, mean over rounds; whiskers are t-intervals "
			      "over rounds."
			    : "p99 of each bomb phase divided by the same round's baseline p99, "
			      "geometric mean over rounds; whiskers are t-intervals over rounds.");
}

struct cdf_acc {
	struct svg_chart *c;
	double total, cum, last_px;
	double *xs, *ys;
	size_t n, cap;
};

static int cdf_point(uint64_t value, uint64_t count, void *arg)
{
	struct cdf_acc *a = arg;
	double x = value / 1e6, px;

	a->cum += (double)count;
	px = svg_px(a->c, fmax(x, a->c->x.min));
	if (a->n && px - a->last_px < 1.0 && a->cum < a->total) {
		a->ys[a->n - 1] = a->cum / a->total * 100;
		return 0;
	}
	if (a->n + 2 >= a->cap)
		return 1;
	/* a step: horizontal to the new x, then up */
	if (a->n) {
		a->xs[a->n] = fmax(x, a->c->x.min);
		a->ys[a->n] = a->ys[a->n - 1];
		a->n++;
	}
	a->xs[a->n] = fmax(x, a->c->x.min);
	a->ys[a->n] = a->cum / a->total * 100;
	a->n++;
	a->last_px = px;
	return 0;
}

void render_chart_cdf(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id,
		      size_t phase)
{
	size_t ph[3] = { m->baseline, phase, stats_prio_of(m, phase) };
	const char *labels[3];
	int st[3];
	enum svg_key keys[3];
	size_t nl = 0;
	double lo = INFINITY, hi = 0, xs[2400], ys[2400];
	struct svg_chart c;
	char title[300];

	for (int j = 0; j < 3; j++) {
		const struct stats_phase *sp = ph[j] != SIZE_MAX ? &s->phases[ph[j]] : NULL;

		if (!sp || !sp->merged)
			continue;
		lo = fmin(lo, fmax(hist_min(sp->merged) / 1e6, 1e-3));
		hi = fmax(hi, hist_max(sp->merged) / 1e6);
	}
	if (!(hi > 0) || !isfinite(lo))
		return;
	if (hi <= lo * 1.5)
		hi = lo * 1.5;
	snprintf(title, sizeof(title), "Latency CDF: %s", m->phases[phase].name);
	svg_begin(&c, o, (*id)++, NARROW, 320, title, 2);
	c.x = (struct svg_axis){ lo, hi, SVG_LOG, "latency (ms, log scale)" };
	c.y = (struct svg_axis){ 0, 100, SVG_LINEAR, "requests at or below (%)" };
	svg_axes(&c, NULL, 0);
	svg_hline(&c, 99, "p99");
	for (int j = 0; j < 3; j++) {
		const struct stats_phase *sp = ph[j] != SIZE_MAX ? &s->phases[ph[j]] : NULL;
		struct cdf_acc a = { .c = &c, .xs = xs, .ys = ys, .cap = 2400 };

		if (!sp || !sp->merged)
			continue;
		a.total = (double)hist_count(sp->merged);
		hist_foreach(sp->merged, cdf_point, &a);
		svg_line(&c, xs, ys, a.n, j == 0 ? 4 : j - 1, false);
		labels[nl] = j == 0 ? "baseline" : m->phases[ph[j]].name;
		st[nl] = j == 0 ? 4 : j - 1;
		keys[nl++] = SVG_KEY_LINE;
	}
	svg_legend(&c, labels, st, keys, nl);
	svg_end(&c, NULL);
}

void render_chart_boxes(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id)
{
	double lo = INFINITY, hi = 0, row;
	size_t n = 0;
	struct svg_chart c;
	static const char *const lg[] = { "min–max", "quartiles (box) and median", "p99" };
	static const int st[] = { 4, 0, 3 };
	static const enum svg_key keys[] = { SVG_KEY_WHISKER, SVG_KEY_BAR, SVG_KEY_MARKER };

	for (size_t i = 0; i < m->n_phases; i++) {
		const struct stats_phase *sp = &s->phases[i];

		if (!sp->from_hist)
			continue;
		n++;
		lo = fmin(lo, fmax(sp->lat.min, 1e-3));
		hi = fmax(hi, sp->lat.max);
	}
	if (!n)
		return;
	if (hi <= lo * 1.5)
		hi = lo * 1.5;
	svg_begin(&c, o, (*id)++, WIDE, 110 + 30 * (double)m->n_phases,
		  "Latency distribution per phase", 1);
	c.l = 190;
	c.x = (struct svg_axis){ lo, hi, SVG_LOG, "latency (ms, log scale)" };
	c.y = (struct svg_axis){ 0, (double)m->n_phases, SVG_CATEGORY, NULL };
	svg_axes(&c, NULL, 0);
	row = (c.b - c.t) / (double)m->n_phases;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct stats_phase *sp = &s->phases[i];
		double y = c.t + row * (i + 0.5), x0, x1, bx0, bx1, med;

		svg_text(&c, c.l - 8, y + 4, "end", "tick", m->phases[i].name);
		if (!sp->from_hist) {
			svg_text(&c, c.l + 8, y + 4, "start", "note",
				 sp->dnr ? "did not report" : "no histogram");
			continue;
		}
		x0 = svg_px(&c, sp->lat.min);
		x1 = svg_px(&c, sp->lat.max);
		bx0 = svg_px(&c, sp->q1_ms);
		bx1 = svg_px(&c, sp->q3_ms);
		med = svg_px(&c, sp->lat.p50);
		sbuf_printf(o,
			    "<path class=\"whisker\" d=\"M%.1f %.1fH%.1fM%.1f %.1fv10M%.1f "
			    "%.1fv10\"/>",
			    x0, y, x1, x0, y - 5, x1, y - 5);
		sbuf_printf(o,
			    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "class=\"box%s\"/>",
			    bx0, y - 8, fmax(bx1 - bx0, 1.5), 16.0, sp->has_cmp ? "" : " base");
		sbuf_printf(o, "<path class=\"median\" d=\"M%.1f %.1fv16\"/>", med, y - 8);
		svg_marker(&c, svg_px(&c, sp->lat.p99), y, 3);
	}
	svg_legend(&c, lg, st, keys, 3);
	svg_end(&c, "Box: first quartile, median, third quartile; line: minimum to maximum "
		    "over all rounds; diamond: p99. The baseline's box is grey.");
}

static double measure_start(const struct model *m, const struct model_probe *p)
{
	double warm = isfinite(p->warmup_s) ? p->warmup_s : isfinite(m->warmup_s) ? m->warmup_s : 0;

	return isfinite(p->started_s) ? p->started_s + warm : NAN;
}

void render_chart_timeline(struct sbuf *o, const struct model *m, unsigned *id, size_t run,
			   bool failures)
{
	const struct model_run *r = &m->runs[run];
	const struct model_probe *p = &r->probe;
	size_t n = p->n_timeline;
	double xs[600], a[600], b[600], tmax = 1, ymax = 0, t0 = measure_start(m, p);
	double bs = INFINITY, be = -INFINITY;
	struct svg_chart c;
	char title[300];
	const char *lg[3];
	int st[3] = { 0, 1, 4 };
	enum svg_key keys[3] = { SVG_KEY_LINE, SVG_KEY_LINE, SVG_KEY_AREA };
	size_t nl = 2, step = n / 600 + 1, k = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n && k < 600; i += step, k++) {
		const struct model_tick *t = &p->timeline[i];

		xs[k] = t->t_s;
		a[k] = failures ? t->requests : t->p50_ms;
		b[k] = failures ? t->failures : t->p99_ms;
		tmax = fmax(tmax, t->t_s);
		if (isfinite(a[k]))
			ymax = fmax(ymax, a[k]);
		if (isfinite(b[k]))
			ymax = fmax(ymax, b[k]);
	}
	for (size_t j = 0; j < r->n_bombs && isfinite(t0); j++) {
		const struct model_bomb_result *bo = &r->bombs[j];

		if (!bo->present || !isfinite(bo->started_s))
			continue;
		bs = fmin(bs, bo->started_s - t0);
		if (isfinite(bo->elapsed_s))
			be = fmax(be, bo->started_s + bo->elapsed_s - t0);
	}
	snprintf(title, sizeof(title), "%s over time: %s (round %u)",
		 failures ? "Requests and failures" : "Latency", m->phases[r->phase].name,
		 r->round);
	svg_begin(&c, o, (*id)++, NARROW, 300, title, 2);
	c.x = (struct svg_axis){ 0, tmax + 1, SVG_LINEAR, "time since measurement start (s)" };
	c.y = (struct svg_axis){ 0, ymax > 0 ? ymax * 1.15 : 1, SVG_LINEAR,
				 failures ? "per second" : "latency (ms)" };
	if (isfinite(bs)) {
		svg_xband(&c, fmax(bs, 0), fmin(isfinite(be) ? be : tmax + 1, tmax + 1));
		svg_vline(&c, bs, "bomb start");
		svg_vline(&c, be, "bomb stop");
		lg[nl++] = "bomb running";
	}
	svg_axes(&c, NULL, 0);
	svg_line(&c, xs, a, k, 0, k <= 40);
	svg_line(&c, xs, b, k, 1, k <= 40);
	lg[0] = failures ? "requests/s" : "p50";
	lg[1] = failures ? "failures/s" : "p99";
	svg_legend(&c, lg, st, keys, nl);
	svg_end(&c, NULL);
}

void render_chart_sweep(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id,
			size_t sweep, bool success)
{
	const struct stats_sweep *sw = &s->sweeps[sweep];
	double xs[MAX_GROUPS * 4], ys[MAX_GROUPS * 4], lo = INFINITY, hi = 0, ymax = 0;
	size_t n = 0;
	struct svg_chart c;
	char title[300];
	const char *lg[2] = { success ? "success %" : "p99", "95 % interval" };
	static const int st[] = { 0, 4 };
	static const enum svg_key keys[] = { SVG_KEY_LINE, SVG_KEY_WHISKER };

	for (size_t k = 0; k < sw->n_points && n < MAX_GROUPS * 4; k++) {
		const struct stats_phase *sp = &s->phases[sw->points[k].phase];

		xs[n] = sw->points[k].x;
		ys[n] = success ? sp->success_pct : sp->lat.present ? sp->lat.p99 : NAN;
		if (!(xs[n] > 0))
			continue;
		lo = fmin(lo, xs[n]);
		hi = fmax(hi, xs[n]);
		if (isfinite(ys[n]))
			ymax = fmax(ymax, ys[n]);
		if (!success && isfinite(sp->p99_ci.hi))
			ymax = fmax(ymax, sp->p99_ci.hi);
		n++;
	}
	if (!n)
		return;
	if (hi <= lo * 1.5)
		lo /= 1.5, hi *= 1.5;
	snprintf(title, sizeof(title), "Weight sweep %s: victim %s", sw->key ? sw->key : "",
		 success ? "success %" : "p99 latency");
	svg_begin(&c, o, (*id)++, NARROW, 300, title, 1);
	c.x = (struct svg_axis){ lo / 1.2, hi * 1.2, SVG_LOG,
				 sw->x_is_ratio ? "victim weight / neighbour weight (log scale)"
						: "swept value (log scale)" };
	c.y = (struct svg_axis){ 0, success ? 100 : (ymax > 0 ? ymax * 1.15 : 1), SVG_LINEAR,
				 success ? "successful requests (%)" : "p99 latency (ms)" };
	svg_axes(&c, NULL, 0);
	svg_line(&c, xs, ys, n, 0, true);
	for (size_t k = 0, j = 0; !success && k < sw->n_points && j < n; k++) {
		if (!(sw->points[k].x > 0))
			continue;
		svg_whisker(&c, svg_px(&c, xs[j]), s->phases[sw->points[k].phase].p99_ci.lo,
			    s->phases[sw->points[k].phase].p99_ci.hi);
		j++;
	}
	svg_legend(&c, lg, st, keys, success ? 1 : 2);
	svg_end(&c, NULL);
	(void)m;
}
