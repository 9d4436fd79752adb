// SPDX-License-Identifier: MIT
/*
 * Time-to-protect in every output: report.html's section (good % and p99 in
 * short intervals around the change, every round overlaid, the baseline's
 * band, the time to recover), summary.json's "time_to_protect", summary.md,
 * the terminal.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "protect.h"
#include "render.h"
#include "svg.h"

#define MAX_ROUND_LEGEND 6

static void change_text(const struct ttp_phase *tp, char *buf, size_t len)
{
	snprintf(buf, len, "%s = %g at %g s", tp->at->key, tp->at->value, tp->at->t_s);
}

/* "0.3 s [0.18, 0.42] (5 of 5 rounds recovered)" */
static void recover_text(const struct ttp_phase *tp, char *buf, size_t len)
{
	size_t used;

	if (tp->nothing_to_recover) {
		snprintf(buf, len,
			 "nothing to recover: before the change the victim was already within the "
			 "baseline's band (%.0f %% good against %.0f %%)",
			 tp->before_good, tp->band_good);
		return;
	}
	if (!tp->n_recovered) {
		snprintf(buf, len, "did not recover in %zu round%s", tp->n_rounds,
			 tp->n_rounds == 1 ? "" : "s");
		return;
	}
	used = (size_t)snprintf(buf, len, "%.2g s", tp->recover_s);
	if (used < len && isfinite(tp->recover_ci.lo))
		used += (size_t)snprintf(buf + used, len - used, " [%.2g, %.2g]", tp->recover_ci.lo,
					 tp->recover_ci.hi);
	if (used < len)
		snprintf(buf + used, len - used, " (%zu of %zu rounds recovered)", tp->n_recovered,
			 tp->n_rounds);
}

static void chart(struct sbuf *o, const struct model *m, const struct ttp_phase *tp, unsigned *id,
		  bool p99)
{
	const char *lg[MAX_ROUND_LEGEND + 3];
	int st[MAX_ROUND_LEGEND + 3];
	enum svg_key keys[MAX_ROUND_LEGEND + 3];
	char names[MAX_ROUND_LEGEND][32], title[200], lab[160];
	double xmin = 0, xmax = 0, ymax = 0, ymin = INFINITY, bx[2], blo[2], bhi[2];
	size_t nl = 0;
	struct svg_chart c;

	for (size_t k = 0; k < tp->n_rounds; k++)
		for (size_t i = 0; i < tp->rounds[k].n; i++) {
			const struct ttp_round *r = &tp->rounds[k];
			double v = p99 ? r->p99[i] : r->good[i];

			xmin = fmin(xmin, r->t[i]);
			xmax = fmax(xmax, r->t[i] + tp->bin_s);
			if (isfinite(v) && v > 0)
				ymax = fmax(ymax, v), ymin = fmin(ymin, v);
		}
	snprintf(title, sizeof(title), "%s: victim %s around the change", m->phases[tp->phase].name,
		 p99 ? "p99 latency" : "good responses");
	svg_begin(&c, o, (*id)++, 445, 320, title,
		  (unsigned)((tp->n_rounds < MAX_ROUND_LEGEND ? tp->n_rounds : MAX_ROUND_LEGEND) +
			     2 + 2) /
			  3);
	c.x = (struct svg_axis){ xmin, xmax > xmin ? xmax : xmin + 1, SVG_LINEAR,
				 "seconds since the change (interval start)" };
	if (p99)
		c.y = (struct svg_axis){ isfinite(ymin) ? fmin(ymin, tp->band_p99) / 1.5 : 0.1,
					 ymax > 0 ? fmax(ymax, tp->band_p99) * 1.5 : 1, SVG_LOG,
					 "p99 latency per interval (ms, log)" };
	else
		c.y = (struct svg_axis){ 0, 100, SVG_LINEAR, "good responses per interval (%)" };
	svg_axes(&c, NULL, 0);
	bx[0] = c.x.min, bx[1] = c.x.max;
	blo[0] = blo[1] = p99 ? c.y.min : tp->band_good;
	bhi[0] = bhi[1] = p99 ? tp->band_p99 : 100;
	svg_band(&c, bx, blo, bhi, 2, 4);
	for (size_t k = 0; k < tp->n_rounds; k++) {
		const struct ttp_round *r = &tp->rounds[k];

		svg_line(&c, r->t, p99 ? r->p99 : r->good, r->n, (int)k, false);
		if (k < MAX_ROUND_LEGEND) {
			snprintf(names[k], sizeof(names[k]), "round %u", r->round);
			lg[nl] = names[k], st[nl] = (int)k, keys[nl++] = SVG_KEY_LINE;
		}
	}
	snprintf(lab, sizeof(lab), "%s = %g", tp->at->key, tp->at->value);
	svg_vline(&c, 0, lab);
	lg[nl] = "baseline's band", st[nl] = 4, keys[nl++] = SVG_KEY_BAND;
	lg[nl] = "the change", st[nl] = 4, keys[nl++] = SVG_KEY_REF;
	svg_legend(&c, lg, st, keys, nl);
	svg_end(&c, NULL);
}

static void round_table(struct sbuf *o, const struct ttp_phase *tp)
{
	char a[32], b[32];

	sbuf_puts(o, "<table><thead><tr><th>round</th><th>change took effect (s)</th><th>back "
		     "within the band after (s)</th><th>good % before</th><th>good % after"
		     "</th></tr></thead><tbody>");
	for (size_t k = 0; k < tp->n_rounds; k++) {
		const struct ttp_round *r = &tp->rounds[k];

		sbuf_printf(o, "<tr><td>%u</td><td>%.3f</td><td>", r->round, r->change_s);
		if (r->recovered)
			sbuf_printf(o, "%.2f", r->recover_s);
		else
			sbuf_printf(o, "<b>not</b> in the %.1f s left", r->recover_s);
		sbuf_printf(o, "</td><td>%s</td><td>%s</td></tr>",
			    render_num(r->before_good, a, sizeof(a), "–"),
			    render_num(r->after_good, b, sizeof(b), "–"));
	}
	sbuf_puts(o, "</tbody></table>");
}

void render_html_protect(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id)
{
	const struct ttp *t = s->ttp;
	char buf[200], ch[160];

	if (!t)
		return;
	sbuf_printf(
		o,
		"<section id=\"protect\"><h2>Time to protect</h2><p>A setting changed "
		"part-way through the measurement. Each round's requests, by the time they "
		"were meant to be sent, in short intervals aligned on the moment the change "
		"took effect; every round overlaid. <b>Time to recover</b>: from the change "
		"to the first interval from which the victim's good responses stay within "
		"the baseline's band (within the min effect of the median of the "
		"baseline's own intervals) for %g s, placed to the request by the most likely split between "
		"the worse and the better stretch of requests around it; the mean over rounds with its %g %% t-interval.</p>",
		PROTECT_HOLD_S, s->cfg.confidence_pct);
	for (size_t i = 0; i < t->n; i++) {
		const struct ttp_phase *tp = &t->p[i];

		change_text(tp, ch, sizeof(ch));
		sbuf_puts(o, "<h3>");
		sbuf_xml(o, m->phases[tp->phase].name);
		sbuf_puts(o, ": ");
		sbuf_xml(o, ch);
		sbuf_puts(o, "</h3>");
		if (tp->why) {
			sbuf_puts(o, "<p class=\"warn\">");
			sbuf_xml(o, tp->why);
			sbuf_puts(o, "</p>");
			continue;
		}
		recover_text(tp, buf, sizeof(buf));
		sbuf_puts(o, tp->nothing_to_recover ? "<p class=\"warn\"><b>"
						    : "<p>Time to recover: <b>");
		sbuf_xml(o, buf);
		sbuf_printf(o,
			    "</b>; intervals of %g s; the band: good ≥ %.1f %%, p99 ≤ %.3g ms "
			    "(%zu baseline intervals). Good responses before the change %.1f %%, "
			    "after recovering %.1f %%.</p><div class=\"charts\">",
			    tp->bin_s, tp->band_good, tp->band_p99, tp->band_n, tp->before_good,
			    tp->after_good);
		chart(o, m, tp, id, false);
		chart(o, m, tp, id, true);
		sbuf_puts(o, "</div>");
		round_table(o, tp);
	}
	sbuf_puts(o, "</section>\n");
}

static void json_phase(struct json_writer *w, const struct model *m, const struct ttp_phase *tp)
{
	json_obj_begin(w);
	json_kv_str(w, "phase", m->phases[tp->phase].name);
	json_key(w, "change");
	json_obj_begin(w);
	json_kv_double(w, "t_s", tp->at->t_s);
	json_kv_str(w, "key", tp->at->key);
	json_kv_double(w, "value", tp->at->value);
	json_obj_end(w);
	json_kv_str(w, "error", tp->why);
	json_kv_double(w, "interval_s", tp->bin_s);
	json_kv_double(w, "hold_s", PROTECT_HOLD_S);
	json_kv_double(w, "band_good_pct", tp->band_good);
	json_kv_double(w, "band_p99_ms", tp->band_p99);
	json_kv_double(w, "recover_s", tp->recover_s);
	json_key(w, "recover_s_ci");
	if (isfinite(tp->recover_ci.lo)) {
		json_arr_begin(w);
		json_double(w, tp->recover_ci.lo);
		json_double(w, tp->recover_ci.hi);
		json_arr_end(w);
	} else {
		json_null(w);
	}
	json_kv_uint(w, "rounds", tp->n_rounds);
	json_kv_uint(w, "rounds_recovered", tp->n_recovered);
	json_kv_bool(w, "nothing_to_recover", tp->nothing_to_recover);
	json_kv_double(w, "good_pct_before", tp->before_good);
	json_kv_double(w, "good_pct_after", tp->after_good);
	json_key(w, "per_round");
	json_arr_begin(w);
	for (size_t k = 0; k < tp->n_rounds; k++) {
		const struct ttp_round *r = &tp->rounds[k];

		json_obj_begin(w);
		json_kv_uint(w, "round", r->round);
		json_kv_double(w, "change_s", r->change_s);
		json_kv_bool(w, "recovered", r->recovered);
		json_kv_double(w, "recover_s", r->recover_s);
		json_kv_double(w, "good_pct_before", r->before_good);
		json_kv_double(w, "good_pct_after", r->after_good);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

void render_json_protect(struct json_writer *w, const struct model *m, const struct stats *s)
{
	json_key(w, "time_to_protect");
	json_arr_begin(w);
	for (size_t i = 0; s->ttp && i < s->ttp->n; i++)
		json_phase(w, m, &s->ttp->p[i]);
	json_arr_end(w);
}

void render_md_protect(struct sbuf *o, const struct model *m, const struct stats *s)
{
	char buf[200], ch[160];

	if (!s->ttp)
		return;
	sbuf_puts(o, "\n## Time to protect\n\n| phase | change | time to recover | good % before "
		     "| good % after | band |\n|---|---|---|---:|---:|---|\n");
	for (size_t i = 0; i < s->ttp->n; i++) {
		const struct ttp_phase *tp = &s->ttp->p[i];

		change_text(tp, ch, sizeof(ch));
		if (tp->why) {
			sbuf_printf(o, "| %s | %s | %s | | | |\n", m->phases[tp->phase].name, ch,
				    tp->why);
			continue;
		}
		recover_text(tp, buf, sizeof(buf));
		sbuf_printf(
			o,
			"| %s | %s | **%s** | %.1f | %.1f | good ≥ %.1f %%, intervals of %g s |\n",
			m->phases[tp->phase].name, ch, buf, tp->before_good, tp->after_good,
			tp->band_good, tp->bin_s);
	}
}

void render_term_protect(struct sbuf *o, const struct model *m, const struct stats *s)
{
	char buf[200], ch[160];

	for (size_t i = 0; s->ttp && i < s->ttp->n; i++) {
		const struct ttp_phase *tp = &s->ttp->p[i];

		change_text(tp, ch, sizeof(ch));
		if (tp->why) {
			sbuf_printf(o, "  %-12s %s: %s\n", m->phases[tp->phase].name, ch, tp->why);
			continue;
		}
		recover_text(tp, buf, sizeof(buf));
		sbuf_printf(o, "  %-12s %s: %s%s; good %.0f %% before, %.0f %% after\n",
			    m->phases[tp->phase].name, ch,
			    tp->nothing_to_recover ? "" : "time to recover ", buf, tp->before_good,
			    tp->after_good);
	}
}
