// SPDX-License-Identifier: MIT
/* report.html: one self-contained page, inline CSS and SVG, no scripts. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "hogs.h"
#include "render.h"

#define MAX_TIMELINES  12
#define MAX_ROUND_COLS 30

const char render_css[] =
	"*{box-sizing:border-box}"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
	"color:#1d1d1f;background:#f4f5f7;margin:0}"
	"main{max-width:1000px;margin:0 auto;padding:24px 28px 40px;background:#fff;"
	"box-shadow:0 0 0 1px #e2e4e8}"
	"h1{font-size:24px;margin:0 0 2px}h2{font-size:18px;margin:30px 0 10px;padding-bottom:4px;"
	"border-bottom:2px solid #1b4f8a}h3{font-size:15px;margin:18px 0 6px}"
	".sub{color:#555;margin:0 0 12px;font-family:ui-monospace,'DejaVu Sans Mono',monospace}"
	"dl.meta{display:grid;grid-template-columns:max-content 1fr max-content 1fr;gap:2px 14px;"
	"margin:8px 0 4px;font-size:13px}dl.meta dt{color:#555}dl.meta dd{margin:0}"
	".banner{border:2px solid #a05a00;background:#fff4e0;padding:8px 12px;margin:12px 0;"
	"font-weight:600}"
	".warn{color:#7a4500}"
	"table{border-collapse:collapse;width:100%;font-size:12.5px;margin:6px 0 10px}"
	"th,td{padding:4px 7px;border-bottom:1px solid #e2e4e8;text-align:right;"
	"vertical-align:top}th{background:#eef1f6;font-weight:600;border-bottom:2px solid #c9cfd9}"
	"td:first-child,th:first-child,td.l,th.l{text-align:left}"
	"table.wide{font-size:11.5px}table.wide th,table.wide td{padding:3px 4px}"
	"tbody tr:nth-child(even){background:#fafbfc}"
	".ci{color:#666;font-size:11px;white-space:nowrap}.why{color:#555;font-size:11px}"
	".v{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;"
	"border:1.5px solid;white-space:nowrap}"
	".v-protected{color:#1e6b2a;border-color:#1e6b2a;background:#eaf6ec}"
	".v-partly{color:#8a5a00;border-color:#8a5a00;background:#fdf3df}"
	".v-not{color:#a1261b;border-color:#a1261b;background:#fbe9e7}"
	".v-inconclusive{color:#555;border-color:#888;border-style:dashed;background:#f3f3f3}"
	".v-unaffected{color:#1b4f8a;border-color:#1b4f8a;background:#eaf0f8}"
	".v-hurt{color:#a1261b;border-color:#a1261b;background:#fff}"
	".v-invalid{color:#555;border-color:#555;border-style:dotted;background:#fff}"
	".v-better{color:#1e6b2a;border-color:#1e6b2a;background:#eaf6ec}"
	".v-worse{color:#a1261b;border-color:#a1261b;background:#fbe9e7}"
	".v-same{color:#1b4f8a;border-color:#1b4f8a;background:#eaf0f8}"
	"ul.glance{padding-left:20px}ul.glance li{margin:4px 0}"
	".dnr{font-weight:700;color:#a1261b}"
	".charts{display:flex;flex-wrap:wrap;gap:10px}"
	"figure.chart{margin:8px 0;break-inside:avoid;page-break-inside:avoid}"
	"figure.chart svg{max-width:100%;height:auto;border:1px solid #e2e4e8;display:block}"
	"figcaption{font-size:12px;color:#555;max-width:900px;margin-top:3px}"
	"svg .bg{fill:#fff}svg .grid{stroke:#e6e8ec;stroke-width:1}"
	"svg .axis{fill:none;stroke:#333;stroke-width:1.2}"
	"svg text{font-family:system-ui,'DejaVu Sans',sans-serif;fill:#222}"
	"svg .tick{font-size:11px}svg .al{font-size:12px;fill:#333}"
	"svg .ct{font-size:14px;font-weight:600}svg .lg{font-size:12px}"
	"svg .note{font-size:11px;font-style:italic;fill:#555}svg .val{font-size:11px;"
	"font-weight:600}"
	"svg .ref{stroke:#555;stroke-width:1.2;stroke-dasharray:5 4}"
	"svg .whisker{fill:none;stroke:#222;stroke-width:1.5}"
	"svg .box{fill:#c9d7ea;stroke:#1b4f8a;stroke-width:1.3}"
	"svg .box.base{fill:#e6e6e6;stroke:#4d4d4d}"
	"svg .median{stroke:#111;stroke-width:2.5}"
	"footer{margin-top:28px;font-size:12px;color:#666}"
	"@media print{body{background:#fff}main{box-shadow:none;max-width:none;padding:0}"
	"h2{break-after:avoid}table{break-inside:auto}tr{break-inside:avoid}"
	"@page{margin:14mm}}";

static void ci(struct sbuf *o, struct stats_ci c, const char *unit)
{
	char a[32], b[32];

	if (!isfinite(c.lo) || c.lo == c.hi) /* no interval, or no spread at all */
		return;
	sbuf_printf(o, " <span class=\"ci\">[%s–%s%s]</span>", render_num(c.lo, a, sizeof(a), "–"),
		    render_num(c.hi, b, sizeof(b), "–"), unit);
}

static void meta_item(struct sbuf *o, const char *k, const char *v)
{
	sbuf_printf(o, "<dt>%s</dt><dd>", k);
	sbuf_xml(o, v && *v ? v : "–");
	sbuf_puts(o, "</dd>");
}

static void header(struct sbuf *o, const struct model *m)
{
	char buf[128];

	sbuf_puts(o, "<header><h1>Isolation report</h1><p class=\"sub\">");
	sbuf_xml(o, m->run_id ? m->run_id : m->dir);
	sbuf_puts(o, "</p><dl class=\"meta\">");
	meta_item(o, "status", m->status ? m->status : "unknown");
	meta_item(o, "scenario", m->scenario_name);
	snprintf(buf, sizeof(buf), "%u planned, %g s each (warm-up %g s)", m->rounds_planned,
		 isfinite(m->duration_s) ? m->duration_s : 0,
		 isfinite(m->warmup_s) ? m->warmup_s : 0);
	meta_item(o, "rounds", buf);
	meta_item(o, "backend", m->backend);
	meta_item(o, "scheduler", m->scheduler);
	meta_item(o, "probe", m->probe_kind);
	meta_item(o, "host", m->hostname);
	meta_item(o, "kernel", m->kernel);
	meta_item(o, "started", m->started);
	meta_item(o, "ended", m->ended);
	sbuf_puts(o, "</dl>");
	if (m->probe_protection) {
		sbuf_puts(o, "<p style=\"font-size:12px;color:#555;margin:2px 0\">Probe: ");
		sbuf_xml(o, m->probe_protection);
		sbuf_puts(o, "</p>");
	}
	sbuf_puts(o, "</header>\n");
	if (m->partial)
		sbuf_puts(o, "<p class=\"banner\">⚠ Partial run: not every planned phase and round "
			     "is in these results. Figures cover what ran.</p>\n");
	for (size_t i = 0; i < m->n_warnings; i++) {
		sbuf_puts(o, "<p class=\"warn\">⚠ ");
		sbuf_xml(o, m->warnings[i]);
		sbuf_puts(o, "</p>\n");
	}
}

static void charts(struct sbuf *o, const struct model *m, const struct stats *s)
{
	unsigned id = 0, shown = 0;
	struct hogs h;

	sbuf_puts(o,
		  "<section id=\"degradation\"><h2>How much each neighbour hurt the victim</h2>");
	render_chart_degradation(o, m, s, &id, false);
	render_chart_degradation(o, m, s, &id, true);
	sbuf_puts(o, "</section>\n<section id=\"distributions\"><h2>Latency distributions</h2>"
		     "<div class=\"charts\">");
	for (size_t i = 0; i < m->n_phases; i++)
		if (stats_is_group(m, i))
			render_chart_cdf(o, m, s, &id, i);
	sbuf_puts(o, "</div>");
	render_chart_boxes(o, m, s, &id);
	sbuf_puts(o, "</section>\n<section id=\"timeline\"><h2>Over time</h2>"
		     "<p>First reporting round of each phase; the hatched band is when the "
		     "phase's bombs ran.</p><div class=\"charts\">");
	for (size_t i = 0; i < m->n_phases && shown < MAX_TIMELINES; i++) {
		if (m->phases[i].is_sweep)
			continue;
		for (size_t k = 0; k < m->n_runs; k++) {
			const struct model_run *r = &m->runs[k];

			if (r->phase != i || !r->probe.present || !r->probe.n_timeline)
				continue;
			render_chart_timeline(o, m, &id, k, false);
			render_chart_timeline(o, m, &id, k, true);
			shown++;
			break;
		}
	}
	if (!shown)
		sbuf_puts(o, "<p>No probe reported a timeline.</p>");
	sbuf_puts(o, "</div></section>\n");
	if (s->n_sweeps) {
		sbuf_puts(o, "<section id=\"sweep\"><h2>Weight sweep</h2><div class=\"charts\">");
		for (size_t k = 0; k < s->n_sweeps; k++) {
			render_chart_sweep(o, m, s, &id, k, false);
			render_chart_sweep(o, m, s, &id, k, true);
		}
		sbuf_puts(o, "</div></section>\n");
	}
	render_html_curves(o, m, s, &id);
	render_html_protect(o, m, s, &id);
	if (hogs_compute(m, s, &h) == 0) {
		hogs_render_html(o, m, s, &h, &id);
		hogs_done(&h);
	}
}

static void phase_table(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_printf(
		o,
		"<section id=\"phases\"><h2>Phases</h2><p>Over the valid rounds; intervals in "
		"brackets are %g %% t-intervals over rounds.</p><table class=\"wide\"><thead><tr><th>phase</th>"
		"<th class=\"l\">priority</th><th>rounds</th><th>requests</th><th>success %%"
		"</th><th>req/s</th><th>p50 (ms)</th><th>p90 (ms)</th><th>p99 (ms)</th>"
		"<th>p99.9 (ms)</th><th>mean (ms)</th><th>stdev (ms)</th><th>p99 × base"
		"</th><th>Δ successful</th></tr></thead><tbody>",
		s->cfg.confidence_pct);
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct stats_phase *sp = &s->phases[i];
		bool l = sp->lat.present;

		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, m->phases[i].name);
		sbuf_puts(o, "</td><td class=\"l\">");
		sbuf_xml(o, m->phases[i].priority ? m->phases[i].priority : "equal");
		sbuf_printf(o, "</td><td>%zu", sp->reported);
		if (sp->dnr_rounds)
			sbuf_printf(o, " <span class=\"dnr\">+%zu DNR</span>", sp->dnr_rounds);
		if (sp->invalid)
			sbuf_printf(o, " <span class=\"ci\">+%zu invalid</span>", sp->invalid);
		sbuf_puts(o, "</td>");
		if (sp->dnr) {
			sbuf_puts(o,
				  "<td colspan=\"11\" class=\"l\"><span class=\"dnr\">DNR</span> "
				  "— did not report</td></tr>");
			continue;
		}
		sbuf_printf(o, "<td>%llu</td><td>", (unsigned long long)sp->requests);
		render_put_num(o, sp->success_pct);
		sbuf_puts(o, "</td><td>");
		render_put_num(o, sp->throughput_rps);
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.p50 : NAN);
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.p90 : NAN);
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.p99 : NAN);
		ci(o, sp->p99_ci, "");
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.p999 : NAN);
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.mean : NAN);
		ci(o, sp->mean_ci, "");
		sbuf_puts(o, "</td><td>");
		render_put_num(o, l ? sp->lat.stdev : NAN);
		sbuf_puts(o, "</td><td>");
		if (sp->has_cmp) {
			render_put_num(o, sp->p99_ratio);
			sbuf_puts(o, "×");
			ci(o, sp->p99_ratio_ci, "");
			sbuf_puts(o, "</td><td>");
			if (isfinite(sp->ok_change_pct))
				sbuf_printf(o, "%+.1f %%", sp->ok_change_pct);
			else
				sbuf_puts(o, "–");
		} else {
			sbuf_puts(o, "baseline</td><td>baseline");
		}
		sbuf_puts(o, "</td></tr>");
	}
	sbuf_puts(o, "</tbody></table></section>\n");
}

static const struct model_run *find_run(const struct model *m, size_t phase, unsigned round)
{
	for (size_t k = 0; k < m->n_runs; k++)
		if (m->runs[k].phase == phase && m->runs[k].round == round)
			return &m->runs[k];
	return NULL;
}

static unsigned max_round(const struct model *m)
{
	unsigned r = 0;

	for (size_t i = 0; i < m->n_runs; i++)
		r = m->runs[i].round > r ? m->runs[i].round : r;
	return r > MAX_ROUND_COLS ? MAX_ROUND_COLS : r;
}

enum round_metric {
	RM_GOOD,
	RM_P99,
	RM_SUCCESS,
	RM_TPUT,
	RM_BOMB
};

static void round_cell(struct sbuf *o, const struct stats *s, const struct model_run *r,
		       enum round_metric what)
{
	sbuf_puts(o, "<td>");
	if (r && !r->valid)
		sbuf_puts(o, "<s title=\"invalid: excluded\">");
	if (!r) {
		sbuf_puts(o, "<span class=\"ci\">not run</span>");
	} else if (what == RM_BOMB) {
		for (size_t j = 0; j < r->n_bombs; j++) {
			if (j)
				sbuf_puts(o, "<br>");
			if (!r->bombs[j].present) {
				sbuf_puts(o, "<span class=\"dnr\">DNR</span>");
				continue;
			}
			render_put_num(o, r->bombs[j].rate);
			sbuf_puts(o, " <span class=\"ci\">");
			sbuf_xml(o, r->bombs[j].rate_key);
			sbuf_puts(o, "</span>");
		}
		if (!r->n_bombs)
			sbuf_puts(o, "–");
	} else if (what == RM_GOOD) {
		render_put_num(o, stats_run_raw(r, s->closed_loop));
		if (!r->probe.present)
			sbuf_puts(o, " <span class=\"dnr\">DNR</span>");
	} else if (!r->probe.present) {
		sbuf_puts(o, "<span class=\"dnr\">DNR</span>");
	} else {
		render_put_num(o, what == RM_P99 ? (r->probe.lat.present ? r->probe.lat.p99 : NAN)
				  : what == RM_SUCCESS ? r->probe.success_pct
						       : r->probe.throughput_rps);
		if (r->status && strcmp(r->status, "ok"))
			sbuf_printf(o, " <span class=\"ci\">%s</span>",
				    !strcmp(r->status, "dnr") ? "DNR" : r->status);
	}
	if (r && !r->valid)
		sbuf_puts(o, "</s> <span class=\"ci\">invalid</span>");
	sbuf_puts(o, "</td>");
}

static void round_table(struct sbuf *o, const struct model *m, const struct stats *s,
			const char *title, enum round_metric what)
{
	unsigned rounds = max_round(m);

	sbuf_printf(o, "<h3>%s</h3><table><thead><tr><th>phase</th>", title);
	for (unsigned r = 1; r <= rounds; r++)
		sbuf_printf(o, "<th>round %u</th>", r);
	sbuf_puts(o, "</tr></thead><tbody>");
	for (size_t i = 0; i < m->n_phases; i++) {
		if (what == RM_BOMB && !m->phases[i].n_bombs)
			continue;
		sbuf_puts(o, "<tr><td>");
		sbuf_xml(o, m->phases[i].name);
		sbuf_puts(o, "</td>");
		for (unsigned r = 1; r <= rounds; r++)
			round_cell(o, s, find_run(m, i, r), what);
		sbuf_puts(o, "</tr>");
	}
	sbuf_puts(o, "</tbody></table>");
}

static void rounds(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_puts(o, "<section id=\"rounds\"><h2>Round by round</h2><p>Rounds side by side, so "
		     "drift and a bad first round show; struck-out runs are invalid and "
		     "excluded.</p>");
	round_table(o, m, s,
		    s->closed_loop ? "Good responses per second" : "Good responses (% of offered)",
		    RM_GOOD);
	round_table(o, m, s, "p99 latency (ms)", RM_P99);
	round_table(o, m, s, "Success (%)", RM_SUCCESS);
	round_table(o, m, s, "Throughput (requests/s)", RM_TPUT);
	round_table(o, m, s, "Bombs' achieved rate (did the bomb load its resource?)", RM_BOMB);
	sbuf_puts(o, "</section>\n");
}

int render_html(const struct model *m, const struct stats *s, struct sbuf *o)
{
	sbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:\"><title>isolab report ");
	sbuf_xml(o, m->run_id ? m->run_id : "");
	sbuf_printf(o, "</title><style>%s</style></head><body><main>\n", render_css);
	header(o, m);
	render_html_verdicts(o, m, s);
	charts(o, m, s);
	phase_table(o, m, s);
	rounds(o, m, s);
	render_html_method(o, s);
	sbuf_puts(o, "<footer>Generated by isolab report " ISOLAB_VERSION " from ");
	sbuf_xml(o, m->dir);
	sbuf_puts(o, ".</footer></main></body></html>\n");
	return sbuf_error(o);
}
