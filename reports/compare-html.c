// SPDX-License-Identifier: MIT
/* compare.html: one self-contained page, one chart per measure with the runs as series. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare-render.h"
#include "config.h"
#include "render.h"
#include "svg.h"

#define MAX_BARS 48 /* phases drawn per chart */

static const char *vclass(enum cmp_verdict v)
{
	switch (v) {
	case CMP_SAME:
		return "same";
	case CMP_BETTER:
		return "better";
	case CMP_WORSE:
		return "worse";
	case CMP_NONE:
		return "invalid";
	default:
		return "inconclusive";
	}
}

/* Symbol and word, so the verdict does not rest on colour alone. */
static void badge(struct sbuf *o, enum cmp_verdict v)
{
	static const char *const marks[] = {
		[CMP_SAME] = "=",	  [CMP_BETTER] = "▲",	  [CMP_WORSE] = "▼",
		[CMP_INCONCLUSIVE] = "?", [CMP_INDICATIVE] = "~", [CMP_NONE] = "–",
	};

	sbuf_printf(o, "<span class=\"v v-%s\">%s %s</span>", vclass(v), marks[v],
		    cmp_verdict_name(v));
}

static void runs_table(struct sbuf *o, const struct cmp *c)
{
	sbuf_puts(o, "<table><thead><tr><th>run</th><th class=\"l\">results</th><th class=\"l\">"
		     "backend</th><th class=\"l\">scheduler</th><th class=\"l\">host, kernel</th>"
		     "<th>rounds</th><th class=\"l\">load</th><th>SLO</th></tr></thead><tbody>");
	for (size_t j = 0; j < c->n_runs; j++) {
		const struct model *m = c->runs[j].m;
		char buf[160];

		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, c->runs[j].label);
		if (!j)
			sbuf_puts(o, " <span class=\"ci\">reference</span>");
		sbuf_puts(o, "</td><td class=\"l\">");
		sbuf_xml(o, c->runs[j].dir);
		sbuf_puts(o, "</td><td class=\"l\">");
		sbuf_xml(o, m->backend ? m->backend : "–");
		sbuf_puts(o, "</td><td class=\"l\">");
		sbuf_xml(o, m->scheduler ? m->scheduler : "–");
		sbuf_puts(o, "</td><td class=\"l\">");
		snprintf(buf, sizeof(buf), "%s, %s", m->hostname ? m->hostname : "–",
			 m->kernel ? m->kernel : "–");
		sbuf_xml(o, buf);
		sbuf_printf(o, "</td><td>%u</td><td class=\"l\">", c->runs[j].s->rounds);
		cmp_load_text(m, buf, sizeof(buf));
		sbuf_xml(o, buf);
		sbuf_puts(o, "</td><td>");
		if (isfinite(m->load.slo_ms))
			sbuf_printf(o, "%g ms", m->load.slo_ms);
		else
			sbuf_puts(o, "–");
		sbuf_puts(o, "</td></tr>");
	}
	sbuf_puts(o, "</tbody></table>");
}

static void verdicts(struct sbuf *o, const struct cmp *c)
{
	struct cmp_measure_def def = cmp_measure(c, CMP_GOOD);
	char buf[200], need[80];

	sbuf_printf(o,
		    "<section id=\"verdicts\"><h2>At a glance</h2><p>%s of each phase; each run "
		    "against <b>",
		    def.title);
	sbuf_xml(o, c->runs[0].label);
	sbuf_puts(o, "</b>.</p><table><thead><tr><th>phase</th>");
	for (size_t j = 0; j < c->n_runs; j++) {
		sbuf_puts(o, "<th>");
		sbuf_xml(o, c->runs[j].label);
		sbuf_puts(o, "</th>");
	}
	for (size_t j = 1; j < c->n_runs; j++) {
		sbuf_puts(o, "<th class=\"l\">");
		sbuf_xml(o, c->runs[j].label);
		sbuf_puts(o, " against the reference</th>");
	}
	sbuf_puts(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct cmp_row *row = &c->rows[i];

		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, row->name);
		sbuf_puts(o, "</td>");
		for (size_t j = 0; j < c->n_runs; j++) {
			cmp_value_text(&row->v[j][CMP_GOOD], buf, sizeof(buf));
			sbuf_puts(o, "<td>");
			sbuf_xml(o, row->idx[j] == SIZE_MAX ? "not in this run" : buf);
			sbuf_puts(o, "</td>");
		}
		for (size_t j = 1; j < c->n_runs; j++) {
			const struct cmp_diff *d = &row->d[j][CMP_GOOD];

			sbuf_puts(o, "<td class=\"l\">");
			badge(o, d->verdict);
			cmp_diff_text(c, CMP_GOOD, d, buf, sizeof(buf));
			cmp_needs_text(d, need, sizeof(need));
			sbuf_puts(o, " ");
			sbuf_xml(o, buf);
			sbuf_puts(o, "<span class=\"why\">");
			sbuf_xml(o, need);
			sbuf_puts(o, "</span></td>");
		}
		sbuf_puts(o, "</tr>");
	}
	sbuf_puts(o, "</tbody></table></section>\n");
}

/* y range of a measure over every run's value and interval. */
static double y_max(const struct cmp *c, enum cmp_measure k, size_t n)
{
	double hi = 0;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < c->n_runs; j++) {
			const struct cmp_sample *v = &c->rows[i].v[j][k];

			if (isfinite(v->value))
				hi = fmax(hi, v->value);
			if (isfinite(v->ci.hi))
				hi = fmax(hi, v->ci.hi);
		}
	return hi;
}

/* The smallest positive value or interval end (log axes), 1 when none. */
static double y_min_pos(const struct cmp *c, enum cmp_measure k, size_t n)
{
	double lo = INFINITY;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < c->n_runs; j++) {
			const struct cmp_sample *v = &c->rows[i].v[j][k];

			if (v->value > 0)
				lo = fmin(lo, v->value);
			if (v->ci.lo > 0)
				lo = fmin(lo, v->ci.lo);
		}
	return isfinite(lo) ? lo : 1;
}

static void chart(struct sbuf *o, const struct cmp *c, enum cmp_measure k, unsigned *id)
{
	struct cmp_measure_def def = cmp_measure(c, k);
	size_t n = c->n_rows < MAX_BARS ? c->n_rows : MAX_BARS;
	const char *labels[MAX_BARS], *lg[CMP_MAX_RUNS + 1];
	int st[CMP_MAX_RUNS + 1];
	enum svg_key keys[CMP_MAX_RUNS + 1];
	double lo = 0, hi = y_max(c, k, n), slot, bw;
	struct svg_chart ch;
	char title[160], axis[96];

	if (k == CMP_EFFECT) {
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < c->n_runs; j++) {
				const struct cmp_sample *v = &c->rows[i].v[j][k];

				lo = fmin(lo, isfinite(v->ci.lo) ? v->ci.lo : 0);
				lo = fmin(lo, isfinite(v->value) ? v->value : 0);
			}
	}
	if (!(hi > lo))
		hi = lo + 1;
	for (size_t i = 0; i < n; i++)
		labels[i] = c->rows[i].name;
	for (size_t j = 0; j < c->n_runs; j++) {
		lg[j] = c->runs[j].label;
		st[j] = (int)j;
		keys[j] = SVG_KEY_BAR;
	}
	lg[c->n_runs] = "interval over rounds";
	st[c->n_runs] = 4;
	keys[c->n_runs] = SVG_KEY_WHISKER;
	snprintf(title, sizeof(title), "%s by phase, runs side by side", def.title);
	snprintf(axis, sizeof(axis), "%s (%s)", def.title, def.unit);
	svg_begin(&ch, o, (*id)++, 900, 330, title, 1 + (unsigned)(c->n_runs / 4));
	ch.x = (struct svg_axis){ 0, (double)n, SVG_CATEGORY, "phase" };
	ch.y = (struct svg_axis){ lo * 1.1, k == CMP_GOOD && !c->closed_loop ? 100 : hi * 1.12,
				  SVG_LINEAR, axis };
	if (def.scale == CMP_LOG) /* latencies: a log axis, so a tail 10x longer stays readable */
		ch.y = (struct svg_axis){ y_min_pos(c, k, n) / 1.5, hi * 1.5, SVG_LOG, axis };
	svg_axes(&ch, labels, n);
	if (k == CMP_EFFECT)
		svg_hline(&ch, 0, NULL);
	slot = (ch.r - ch.l) / (double)(n ? n : 1);
	bw = fmin(40, slot * 0.8 / (double)c->n_runs);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < c->n_runs; j++) {
			const struct cmp_sample *v = &c->rows[i].v[j][k];
			double x = ch.l + slot * ((double)i + 0.5) +
				   bw * ((double)j - (double)c->n_runs / 2);

			if (!isfinite(v->value))
				continue;
			svg_bar(&ch, x, bw - 2, k == CMP_EFFECT ? 0 : ch.y.min, v->value, (int)j);
			svg_whisker(&ch, x + bw / 2 - 1, v->ci.lo, v->ci.hi);
		}
	svg_legend(&ch, lg, st, keys, c->n_runs + 1);
	svg_end(&ch,
		def.scale == CMP_LOG
			? "Geometric mean over each run's valid rounds; whiskers are t-intervals "
			  "over that run's rounds, on the log scale."
			: "Mean over each run's valid rounds; whiskers are t-intervals over that "
			  "run's rounds.");
}

static void detail(struct sbuf *o, const struct cmp *c, enum cmp_measure k)
{
	struct cmp_measure_def def = cmp_measure(c, k);
	char buf[200], need[80];

	sbuf_printf(o, "<h3>%s (%s)</h3><table><thead><tr><th>phase</th>", def.title, def.unit);
	for (size_t j = 0; j < c->n_runs; j++) {
		sbuf_puts(o, "<th>");
		sbuf_xml(o, c->runs[j].label);
		sbuf_puts(o, " <span class=\"ci\">rounds</span></th>");
	}
	for (size_t j = 1; j < c->n_runs; j++) {
		sbuf_puts(o, "<th class=\"l\">");
		sbuf_xml(o, c->runs[j].label);
		sbuf_puts(o, def.scale == CMP_POINTS ? " − reference" : " / reference");
		sbuf_puts(o, "</th>");
	}
	sbuf_puts(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct cmp_row *row = &c->rows[i];

		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, row->name);
		sbuf_puts(o, "</td>");
		for (size_t j = 0; j < c->n_runs; j++) {
			cmp_value_text(&row->v[j][k], buf, sizeof(buf));
			sbuf_puts(o, "<td>");
			sbuf_xml(o, row->idx[j] == SIZE_MAX ? "not in this run" : buf);
			if (row->idx[j] != SIZE_MAX)
				sbuf_printf(o, " <span class=\"ci\">(%zu)</span>", row->v[j][k].n);
			sbuf_puts(o, "</td>");
		}
		for (size_t j = 1; j < c->n_runs; j++) {
			const struct cmp_diff *d = &row->d[j][k];

			sbuf_puts(o, "<td class=\"l\">");
			badge(o, d->verdict);
			cmp_diff_text(c, k, d, buf, sizeof(buf));
			cmp_needs_text(d, need, sizeof(need));
			sbuf_puts(o, " ");
			sbuf_xml(o, buf);
			sbuf_xml(o, need);
			sbuf_puts(o, "</td>");
		}
		sbuf_puts(o, "</tr>");
	}
	sbuf_puts(o, "</tbody></table>");
}

int cmp_render_html(const struct cmp *c, struct sbuf *o)
{
	unsigned id = 0;
	char buf[400];

	sbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:\"><title>isolab compare ");
	sbuf_xml(o, c->runs[0].label);
	sbuf_printf(o, "</title><style>%s</style></head><body><main>\n", render_css);
	sbuf_puts(o, "<header><h1>Comparing runs</h1>");
	runs_table(o, c);
	cmp_rule_text(c, buf, sizeof(buf));
	sbuf_puts(o, "<p>");
	sbuf_xml(o, buf);
	sbuf_puts(o, ".</p></header>\n");
	if (c->forced && c->n_mismatch)
		sbuf_puts(o, "<p class=\"banner\">⚠ Compared with --force although the runs "
			     "differ:</p>\n");
	for (size_t i = 0; c->forced && i < c->n_mismatch; i++) {
		sbuf_puts(o, "<p class=\"warn\">⚠ ");
		sbuf_xml(o, c->mismatch[i]);
		sbuf_puts(o, "</p>\n");
	}
	for (size_t i = 0; i < c->n_notes; i++) {
		sbuf_puts(o, "<p class=\"warn\">");
		sbuf_xml(o, c->notes[i]);
		sbuf_puts(o, "</p>\n");
	}
	verdicts(o, c);
	sbuf_puts(o, "<section id=\"charts\"><h2>Each measure, runs side by side</h2>");
	for (int k = 0; k < CMP_MEASURES; k++)
		chart(o, c, (enum cmp_measure)k, &id);
	sbuf_puts(o, "</section>\n<section id=\"details\"><h2>Differences</h2>");
	for (int k = 0; k < CMP_MEASURES; k++)
		detail(o, c, (enum cmp_measure)k);
	sbuf_printf(o,
		    "</section>\n<section id=\"method\"><h2>Method</h2><p>Each run's value is the "
		    "mean of its valid rounds (latencies: the geometric mean); a probe that did "
		    "not report counts as 0 good. Rounds of different runs are <b>not paired</b>: "
		    "round 3 of one run shares nothing with round 3 of another, so every "
		    "difference is Welch's t-interval on the two runs' per-round values, with "
		    "Welch–Satterthwaite degrees of freedom (latency ratios on the log scale, "
		    "rate ratios with Fieller's interval for independent means). <i>same</i>: the "
		    "interval lies within ±%g (points, or %g %% for ratios); <i>better</i> / "
		    "<i>worse</i>: it lies beyond that on one side; anything else is "
		    "<i>inconclusive</i>; fewer than %u valid rounds in a run: <i>indicative</i>. "
		    "\"Against its own baseline\" is each round's phase minus the same round's "
		    "baseline within a run (paired there), then compared across runs the same "
		    "way.</p></section>\n",
		    c->rule.within, c->rule.within, c->rule.min_rounds);
	sbuf_puts(o, "<footer>Generated by isolab compare " ISOLAB_VERSION ".</footer></main>"
		     "</body></html>\n");
	return sbuf_error(o);
}
