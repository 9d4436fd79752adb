// SPDX-License-Identifier: MIT
/*
 * Sensitivity curves in every output: report.html's section (good responses
 * and p99 against intensity or load, equal weights and prioritised on one
 * chart with interval bands, the achieved load beside the requested one),
 * summary.json's "curves", summary.md's tables, the terminal's tolerated
 * interference.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "curves.h"
#include "json.h"
#include "render.h"
#include "svg.h"

#define NARROW 445

static const char *x_unit(const struct curve *c)
{
	return c->is_load ? "% of capacity" : "%";
}

static void x_title(const struct curve *c, char *buf, size_t len)
{
	if (c->is_load)
		snprintf(buf, len, "offered load");
	else
		snprintf(buf, len, "%s bomb intensity", c->bomb);
}

/* "48.6 [43.1, 55.2]", ">= 100 [100, > 100]", "- [< 0, 20]": x values in the curve's unit. */
static void crossing_text(const struct curve_family *f, const struct curve_crossing *t, bool ascii,
			  char *buf, size_t len)
{
	char e[32], lo[40], hi[40];
	double x0 = f->n ? f->points[0].x : NAN, xn = f->n ? f->points[f->n - 1].x : NAN;

	if (!isfinite(t->est)) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(e, sizeof(e), "%.3g", t->est);
	if (t->lo_below)
		snprintf(lo, sizeof(lo), "< %g", x0);
	else
		snprintf(lo, sizeof(lo), "%.3g", t->lo);
	if (t->hi_above)
		snprintf(hi, sizeof(hi), "> %g", xn);
	else
		snprintf(hi, sizeof(hi), "%.3g", t->hi);
	snprintf(buf, len, "%s%s [%s, %s]", t->est_above ? (ascii ? ">= " : "≥ ") : "", e, lo, hi);
}

static void threshold_text(const struct curves *cv, const struct curve *c, bool absolute, char *buf,
			   size_t len)
{
	if (absolute)
		snprintf(buf, len, "good responses at least %g %%", cv->target);
	else
		snprintf(buf, len, "within %g %s of %s", cv->min_effect,
			 strcmp(cv->measure, "good_pct") ? "%" : "pt",
			 c->is_load ? "the same load without a bomb" : "the baseline");
}

/* ---- report.html ---- */

static double baseline_score(const struct model *m, const struct stats *s)
{
	return m->baseline != SIZE_MAX ? s->phases[m->baseline].score : NAN;
}

static void chart(struct sbuf *o, const struct model *m, const struct stats *s,
		  const struct curve *c, unsigned *id, bool p99)
{
	const struct curves *cv = s->curves;
	double xs[CURVES_MAX_POINTS], xa[CURVES_MAX_POINTS], y[CURVES_MAX_POINTS],
		lo[CURVES_MAX_POINTS], hi[CURVES_MAX_POINTS];
	double xmax = 0, ymax = 0, ymin = INFINITY, t;
	const char *lg[16];
	int st[16];
	enum svg_key keys[16];
	size_t nl = 0, nf = c->n_fam < 6 ? c->n_fam : 6;
	struct svg_chart ch;
	char title[160], xl[160], what[96];

	x_title(c, what, sizeof(what));
	for (size_t j = 0; j < nf; j++)
		for (size_t i = 0; i < c->fam[j].n; i++) {
			const struct curve_point *p = &c->fam[j].points[i];
			double v = p99 ? p->p99 : p->score, h = p99 ? p->p99_ci.hi : p->score_ci.hi;

			xmax = fmax(xmax, p->x);
			if (isfinite(v))
				ymax = fmax(ymax, v), ymin = fmin(ymin, v);
			if (isfinite(h))
				ymax = fmax(ymax, h);
			if (p99 && p->p99_ci.lo > 0)
				ymin = fmin(ymin, p->p99_ci.lo);
		}
	snprintf(title, sizeof(title), "Victim %s against %s",
		 p99 ? "p99 latency" : "good responses", what);
	snprintf(xl, sizeof(xl), "%s (%s requested; hollow: achieved)", what, x_unit(c));
	svg_begin(&ch, o, (*id)++, NARROW, 320, title, (unsigned)(nf + 1));
	ch.x = (struct svg_axis){ 0, xmax > 0 ? xmax * 1.04 : 1, SVG_LINEAR, xl };
	if (p99)
		ch.y = (struct svg_axis){ isfinite(ymin) && ymin > 0 ? ymin / 1.5 : 0.1,
					  ymax > 0 ? ymax * 1.5 : 1, SVG_LOG,
					  "p99 latency (ms, log scale)" };
	else
		ch.y = (struct svg_axis){ 0, s->closed_loop ? fmax(ymax * 1.1, 100) : 100,
					  SVG_LINEAR,
					  s->closed_loop ? "good responses/s (% of reference)"
							 : "good responses (% of offered)" };
	svg_axes(&ch, NULL, 0);
	for (size_t j = 0; j < nf; j++) {
		const struct curve_family *f = &c->fam[j];

		for (size_t i = 0; i < f->n; i++) {
			const struct curve_point *p = &f->points[i];

			xs[i] = p->x;
			xa[i] = p->x_achieved;
			y[i] = p99 ? p->p99 : p->score;
			lo[i] = p99 ? p->p99_ci.lo : p->score_ci.lo;
			hi[i] = p99 ? p->p99_ci.hi : p->score_ci.hi;
		}
		svg_band(&ch, xs, lo, hi, f->n, (int)j);
		svg_ghost_line(&ch, xa, y, f->n, (int)j);
		svg_line(&ch, xs, y, f->n, (int)j, true);
		lg[nl] = f->name, st[nl] = (int)j, keys[nl++] = SVG_KEY_LINE;
		lg[nl] = "at achieved", st[nl] = (int)j, keys[nl++] = SVG_KEY_GHOST;
		if (!p99 && isfinite(f->tol.est) && !f->tol.est_above) {
			char lab[64];

			/* labels stacked at the bottom, clear of the threshold's */
			snprintf(lab, sizeof(lab), "%s: %.3g", f->name, f->tol.est);
			svg_vline(&ch, f->tol.est, NULL);
			svg_text(&ch, svg_px(&ch, f->tol.est) + 3, ch.b - 6 - 13.0 * (double)j,
				 "start", "note", lab);
		}
	}
	lg[nl] = "interval over rounds", st[nl] = 0, keys[nl++] = SVG_KEY_BAND;
	if (!p99)
		lg[nl] = "tolerated (crossing)", st[nl] = 4, keys[nl++] = SVG_KEY_REF;
	t = isfinite(cv->target) ? cv->target : baseline_score(m, s) - cv->min_effect;
	if (!p99 && (!c->is_load || isfinite(cv->target)) && isfinite(t)) {
		svg_hline(&ch, t, "SLO threshold");
	}
	svg_legend(&ch, lg, st, keys, nl);
	svg_end(&ch, NULL);
}

static void point_row(struct sbuf *o, const struct model *m, const struct curve_family *f,
		      const struct curve_point *p)
{
	char a[32], b[32], c[32], d[32], e[32];

	sbuf_puts(o, "<tr><td>");
	sbuf_xml(o, f->name);
	sbuf_printf(o, "</td><td>%s</td><td>%s</td><td>%s <span class=\"ci\">[%s–%s]</span></td>",
		    render_num(p->x, a, sizeof(a), "–"),
		    render_num(p->x_achieved, b, sizeof(b), "–"),
		    render_num(p->score, c, sizeof(c), "–"),
		    render_num(p->score_ci.lo, d, sizeof(d), "–"),
		    render_num(p->score_ci.hi, e, sizeof(e), "–"));
	sbuf_printf(o, "<td>%s <span class=\"ci\">[%s–%s]</span></td>",
		    render_num(p->p99, a, sizeof(a), "–"),
		    render_num(p->p99_ci.lo, b, sizeof(b), "–"),
		    render_num(p->p99_ci.hi, c, sizeof(c), "–"));
	if (isfinite(p->vs_ref.mean))
		sbuf_printf(o, "<td>%+.1f <span class=\"ci\">[%+.1f, %+.1f]</span></td>",
			    p->vs_ref.mean, p->vs_ref.ci.lo, p->vs_ref.ci.hi);
	else
		sbuf_puts(o, "<td>–</td>");
	sbuf_printf(o, "<td class=\"l\">%s</td><td class=\"l\">",
		    p->meets   ? "meets"
		    : p->fails ? "<b>fails</b>"
			       : "<span class=\"ci\">undecided</span>");
	sbuf_xml(o, p->ref != SIZE_MAX ? m->phases[p->ref].name : "–");
	sbuf_puts(o, "</td></tr>");
}

static void curve_tables(struct sbuf *o, const struct model *m, const struct stats *s,
			 const struct curve *c)
{
	const struct curves *cv = s->curves;
	char buf[160], thr[160];

	threshold_text(cv, c, false, thr, sizeof(thr));
	sbuf_printf(o,
		    "<table><thead><tr><th>family</th><th class=\"l\">tolerated interference "
		    "(meets the SLO: %s)</th><th>in achieved terms</th>",
		    thr);
	if (isfinite(cv->target))
		sbuf_printf(o, "<th class=\"l\">good responses ≥ %g %%</th>", cv->target);
	sbuf_puts(o, "<th class=\"l\">monotone within its intervals</th></tr></thead><tbody>");
	for (size_t j = 0; j < c->n_fam; j++) {
		const struct curve_family *f = &c->fam[j];

		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, f->name);
		sbuf_puts(o, "</td><td class=\"l\"><b>");
		crossing_text(f, &f->tol, false, buf, sizeof(buf));
		sbuf_xml(o, buf);
		sbuf_printf(o, "</b> %s</td><td>", x_unit(c));
		render_put_num(o, f->tol.est_achieved);
		sbuf_puts(o, "</td>");
		if (isfinite(cv->target)) {
			crossing_text(f, &f->tol_abs, false, buf, sizeof(buf));
			sbuf_puts(o, "<td class=\"l\">");
			sbuf_xml(o, buf);
			sbuf_puts(o, "</td>");
		}
		sbuf_printf(o, "<td class=\"l\">%s</td></tr>",
			    f->monotone ? "yes" : "<b>no</b>: a larger x was surely better");
	}
	sbuf_printf(o,
		    "</tbody></table><table class=\"wide\"><thead><tr><th>family</th><th>x "
		    "requested</th><th>x achieved</th><th>good responses</th><th>p99 (ms)</th>"
		    "<th>against reference (%s)</th><th class=\"l\">SLO</th><th class=\"l\">"
		    "reference</th></tr></thead><tbody>",
		    s->closed_loop ? "%" : "pt");
	for (size_t j = 0; j < c->n_fam; j++)
		for (size_t i = 0; i < c->fam[j].n; i++)
			point_row(o, m, &c->fam[j], &c->fam[j].points[i]);
	sbuf_puts(o, "</tbody></table>");
}

void render_html_curves(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id)
{
	const struct curves *cv = s->curves;

	if (!cv)
		return;
	sbuf_printf(o,
		    "<section id=\"curves\"><h2>Sensitivity curves</h2><p>Each point is a "
		    "phase; lines are means over the valid rounds, bands their %g %% "
		    "t-intervals over rounds. Hollow markers on dotted lines put the same "
		    "figures at the load the bomb (or the probe) <i>achieved</i>: under "
		    "contention it may fall short of what was requested. The <b>tolerated "
		    "interference</b> is the highest x at which the victim still meets its SLO: "
		    "where the mean curve crosses the threshold, with the interval from where "
		    "the band surely meets it to where it surely fails.</p>",
		    s->cfg.confidence_pct);
	for (size_t k = 0; k < cv->n; k++) {
		char what[96];

		x_title(&cv->c[k], what, sizeof(what));
		sbuf_puts(o, "<h3>");
		sbuf_xml(o, what);
		sbuf_puts(o, " (<code>");
		sbuf_xml(o, cv->c[k].key);
		sbuf_puts(o, "</code>)</h3><div class=\"charts\">");
		chart(o, m, s, &cv->c[k], id, false);
		chart(o, m, s, &cv->c[k], id, true);
		sbuf_puts(o, "</div>");
		curve_tables(o, m, s, &cv->c[k]);
	}
	sbuf_puts(o, "</section>\n");
}

/* ---- summary.json ---- */

static void json_crossing(struct json_writer *w, const char *k, const struct curve_crossing *t)
{
	json_key(w, k);
	if (!isfinite(t->est)) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_double(w, "x", t->est);
	json_kv_double(w, "lo", t->lo_below ? NAN : t->lo);
	json_kv_double(w, "hi", t->hi);
	json_kv_bool(w, "meets_everywhere", t->est_above);
	json_kv_bool(w, "lo_below_first_point", t->lo_below);
	json_kv_bool(w, "hi_above_last_point", t->hi_above);
	json_kv_double(w, "x_achieved", t->est_achieved);
	json_obj_end(w);
}

static void json_point(struct json_writer *w, const struct model *m, const struct curve_point *p)
{
	json_obj_begin(w);
	json_kv_str(w, "phase", m->phases[p->phase].name);
	json_kv_double(w, "x", p->x);
	json_kv_double(w, "x_achieved", p->x_achieved);
	json_kv_double(w, "score", p->score);
	json_kv_interval(w, "score_ci", p->score_ci.lo, p->score_ci.hi);
	json_kv_double(w, "p99_ms", p->p99);
	json_kv_interval(w, "p99_ms_ci", p->p99_ci.lo, p->p99_ci.hi);
	json_key(w, "vs_reference");
	json_obj_begin(w);
	json_kv_str(w, "reference", p->ref != SIZE_MAX ? m->phases[p->ref].name : NULL);
	json_kv_uint(w, "rounds", p->vs_ref.n);
	json_kv_double(w, "difference", p->vs_ref.mean);
	json_kv_interval(w, "ci", p->vs_ref.ci.lo, p->vs_ref.ci.hi);
	json_obj_end(w);
	json_kv_str(w, "slo", p->meets ? "meets" : p->fails ? "fails" : "undecided");
	json_obj_end(w);
}

void render_json_curves(struct json_writer *w, const struct model *m, const struct stats *s)
{
	const struct curves *cv = s->curves;

	json_key(w, "curves");
	json_arr_begin(w);
	for (size_t k = 0; cv && k < cv->n; k++) {
		const struct curve *c = &cv->c[k];

		json_obj_begin(w);
		json_kv_str(w, "key", c->key);
		json_kv_str(w, "kind", c->is_load ? "load" : "intensity");
		json_kv_str(w, "bomb", c->bomb);
		json_kv_str(w, "x_unit", c->is_load ? "pct_of_capacity" : "pct");
		json_kv_double(w, "min_effect", cv->min_effect);
		json_kv_double(w, "slo_target_pct", cv->target);
		json_key(w, "families");
		json_arr_begin(w);
		for (size_t j = 0; j < c->n_fam; j++) {
			const struct curve_family *f = &c->fam[j];

			json_obj_begin(w);
			json_kv_str(w, "name", f->name);
			json_kv_bool(w, "prioritised", f->prioritised);
			json_kv_bool(w, "monotone", f->monotone);
			json_crossing(w, "tolerated", &f->tol);
			json_crossing(w, "tolerated_target", &f->tol_abs);
			json_key(w, "points");
			json_arr_begin(w);
			for (size_t i = 0; i < f->n; i++)
				json_point(w, m, &f->points[i]);
			json_arr_end(w);
			json_obj_end(w);
		}
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
}

/* ---- summary.md and the terminal ---- */

void render_md_curves(struct sbuf *o, const struct model *m, const struct stats *s)
{
	const struct curves *cv = s->curves;
	char buf[160], thr[160], what[96], a[32], b[32], c2[32];

	if (!cv)
		return;
	sbuf_puts(o, "\n## Sensitivity curves\n");
	for (size_t k = 0; k < cv->n; k++) {
		const struct curve *c = &cv->c[k];

		x_title(c, what, sizeof(what));
		threshold_text(cv, c, false, thr, sizeof(thr));
		sbuf_printf(
			o,
			"\n### %s (`%s`)\n\nTolerated interference (meets the SLO: %s):\n\n"
			"| family | tolerated (%s) | achieved | monotone |\n|---|---|---:|---|\n",
			what, c->key, thr, x_unit(c));
		for (size_t j = 0; j < c->n_fam; j++) {
			const struct curve_family *f = &c->fam[j];

			crossing_text(f, &f->tol, false, buf, sizeof(buf));
			sbuf_printf(o, "| %s | **%s** | %s | %s |\n", f->name, buf,
				    render_num(f->tol.est_achieved, a, sizeof(a), "–"),
				    f->monotone ? "yes" : "**no**");
		}
		sbuf_puts(o, "\n| family | x | achieved | good | p99 (ms) | vs reference | SLO |\n"
			     "|---|---:|---:|---|---|---|---|\n");
		for (size_t j = 0; j < c->n_fam; j++)
			for (size_t i = 0; i < c->fam[j].n; i++) {
				const struct curve_point *p = &c->fam[j].points[i];

				sbuf_printf(o, "| %s | %s | %s | %s [%.1f, %.1f] | ",
					    c->fam[j].name, render_num(p->x, a, sizeof(a), "–"),
					    render_num(p->x_achieved, b, sizeof(b), "–"),
					    render_num(p->score, c2, sizeof(c2), "–"),
					    p->score_ci.lo, p->score_ci.hi);
				sbuf_printf(o, "%s [%.3g, %.3g] | %+.1f [%+.1f, %+.1f] | %s |\n",
					    render_num(p->p99, a, sizeof(a), "–"), p->p99_ci.lo,
					    p->p99_ci.hi, p->vs_ref.mean, p->vs_ref.ci.lo,
					    p->vs_ref.ci.hi,
					    p->meets   ? "meets"
					    : p->fails ? "**fails**"
						       : "undecided");
			}
	}
	(void)m;
}

void render_term_curves(struct sbuf *o, const struct model *m, const struct stats *s)
{
	const struct curves *cv = s->curves;
	char buf[160];

	for (size_t k = 0; cv && k < cv->n; k++) {
		const struct curve *c = &cv->c[k];

		sbuf_printf(o, "  %-12s tolerated interference (%s, %s):", c->key,
			    c->is_load ? "load % of capacity" : "intensity %",
			    c->is_load ? "vs the same load without a bomb" : "vs the baseline");
		for (size_t j = 0; j < c->n_fam; j++) {
			const struct curve_family *f = &c->fam[j];

			crossing_text(f, &f->tol, true, buf, sizeof(buf));
			sbuf_printf(o, "%s %s %s", j ? ";" : "", f->name, buf);
			if (isfinite(f->tol.est_achieved) && !c->is_load)
				sbuf_printf(o, " (achieved %.3g)", f->tol.est_achieved);
		}
		sbuf_puts(o, "\n");
	}
	(void)m;
}
