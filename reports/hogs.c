// SPDX-License-Identifier: MIT
/* The hogs curve: phases NAME[hogs.G=k] and their twins, tolerance, four renderings. */
#include "hogs.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "svg.h"

static bool is_hogs(const struct model_phase *ph)
{
	return ph->is_sweep && ph->sweep_key && strncmp(ph->sweep_key, "hogs.", 5) == 0 &&
	       isfinite(ph->sweep_value) && ph->sweep_value >= 1;
}

static struct hogs_curve *curve_of(struct hogs *h, const char *key, size_t cap)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->c[i].key, key) == 0)
			return &h->c[i];
	h->c[h->n].key = key;
	h->c[h->n].p = calloc(cap, sizeof(*h->c[h->n].p));
	return h->c[h->n].p ? &h->c[h->n++] : NULL;
}

static struct hogs_point *point_of(struct hogs_curve *c, unsigned k)
{
	size_t i = 0;

	while (i < c->n && c->p[i].hogs != k)
		i++;
	if (i == c->n) {
		/* sorted insert: counts ascend */
		size_t at = 0;

		while (at < c->n && c->p[at].hogs < k)
			at++;
		memmove(&c->p[at + 1], &c->p[at], (c->n - at) * sizeof(*c->p));
		c->p[at] = (struct hogs_point){ k, SIZE_MAX, SIZE_MAX };
		c->n++;
		i = at;
	}
	return &c->p[i];
}

static bool tolerated(const struct stats *s, size_t phase)
{
	enum stats_verdict v = s->phases[phase].verdict;

	return v == VERDICT_UNAFFECTED || v == VERDICT_BETTER;
}

/* The largest count whose phases (and every smaller count's) are tolerated. */
static void tolerance(const struct stats *s, const struct hogs_curve *c, bool prio, int *tol,
		      unsigned *undecided)
{
	*tol = 0;
	*undecided = 0;
	for (size_t i = 0; i < c->n; i++) {
		size_t ph = prio ? c->p[i].prio : c->p[i].equal;

		if (ph == SIZE_MAX)
			continue;
		if (verdict_undecided(s->phases[ph].verdict) ||
		    s->phases[ph].verdict == VERDICT_INVALID) {
			*undecided = c->p[i].hogs;
			if (*tol == 0 && i == 0)
				*tol = -1;
			return;
		}
		if (!tolerated(s, ph))
			return;
		*tol = (int)c->p[i].hogs;
	}
}

int hogs_compute(const struct model *m, const struct stats *s, struct hogs *out)
{
	struct hogs h = { 0 };

	h.c = calloc(m->n_phases + 1, sizeof(*h.c));
	if (!h.c)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		bool prio = ph->twin_idx != SIZE_MAX && is_hogs(&m->phases[ph->twin_idx]);
		struct hogs_curve *c;
		struct hogs_point *p;

		if (!is_hogs(ph))
			continue;
		c = curve_of(&h, ph->sweep_key, m->n_phases + 1);
		if (!c) {
			hogs_done(&h);
			return -ENOMEM;
		}
		p = point_of(c, (unsigned)ph->sweep_value);
		if (prio)
			p->prio = i;
		else
			p->equal = i;
	}
	for (size_t i = 0; i < h.n; i++) {
		tolerance(s, &h.c[i], false, &h.c[i].tolerated_equal, &h.c[i].undecided_equal);
		tolerance(s, &h.c[i], true, &h.c[i].tolerated_prio, &h.c[i].undecided_prio);
	}
	*out = h;
	return 0;
}

void hogs_done(struct hogs *h)
{
	for (size_t i = 0; h && i < h->n; i++)
		free(h->c[i].p);
	if (h)
		free(h->c);
}

static bool has_prio(const struct hogs_curve *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->p[i].prio != SIZE_MAX)
			return true;
	return false;
}

static const char *group_of(const struct hogs_curve *c)
{
	return c->key + 5;
}

/* "1 hog", "3 hogs", "none", "undecided at 2 (more rounds)" */
static void tol_text(char *buf, size_t len, int tol, unsigned undecided, unsigned max)
{
	size_t n;

	if (tol < 0) {
		snprintf(buf, len, "undecided from %u (more rounds)", undecided);
		return;
	}
	if (tol == 0)
		n = (size_t)snprintf(buf, len, "none (hurt by one)");
	else
		n = (size_t)snprintf(buf, len, "%d%s", tol, (unsigned)tol == max ? " (all)" : "");
	if (undecided && n < len)
		snprintf(buf + n, len - n, ", undecided at %u", undecided);
}

static unsigned max_hogs(const struct hogs_curve *c)
{
	return c->n ? c->p[c->n - 1].hogs : 0;
}

static void term_effect(struct sbuf *o, const struct stats *s, size_t ph)
{
	const struct stats_phase *sp = &s->phases[ph];

	if (ph == SIZE_MAX) {
		sbuf_puts(o, "-");
		return;
	}
	sbuf_printf(o, "%s %+.1f%s", verdict_name(sp->verdict), sp->cmp.mean,
		    s->closed_loop ? "%" : " pt");
	if (isfinite(sp->cmp.ci.lo))
		sbuf_printf(o, " [%+.1f, %+.1f]", sp->cmp.ci.lo, sp->cmp.ci.hi);
}

void hogs_render_term(struct sbuf *o, const struct model *m, const struct stats *s,
		      const struct hogs *h)
{
	(void)m;
	for (size_t i = 0; i < h->n; i++) {
		const struct hogs_curve *c = &h->c[i];
		bool pr = has_prio(c);
		char te[96], tp[96];

		for (size_t k = 0; k < c->n; k++) {
			if (k == 0)
				sbuf_printf(o, "  hogs %-7s ", group_of(c));
			else
				sbuf_puts(o, "               ");
			sbuf_printf(o, "%2u hog%s ", c->p[k].hogs, c->p[k].hogs == 1 ? " " : "s");
			term_effect(o, s, c->p[k].equal);
			if (pr) {
				sbuf_puts(o, " | +prio: ");
				term_effect(o, s, c->p[k].prio);
			}
			sbuf_puts(o, "\n");
		}
		tol_text(te, sizeof(te), c->tolerated_equal, c->undecided_equal, max_hogs(c));
		tol_text(tp, sizeof(tp), c->tolerated_prio, c->undecided_prio, max_hogs(c));
		sbuf_printf(o,
			    "               tolerated: %s with equal weights%s%s (within %g%s of "
			    "the baseline)\n",
			    te, pr ? "; prioritised: " : "", pr ? tp : "", s->rules.min_effect,
			    s->closed_loop ? "%" : " pt");
	}
}

static void md_cell(struct sbuf *o, const struct stats *s, size_t ph)
{
	const struct stats_phase *sp;

	if (ph == SIZE_MAX) {
		sbuf_puts(o, " – | – | – |");
		return;
	}
	sp = &s->phases[ph];
	if (isfinite(sp->score))
		sbuf_printf(o, " %.1f |", sp->score);
	else
		sbuf_puts(o, " – |");
	if (isfinite(sp->cmp.ci.lo))
		sbuf_printf(o, " %s %+.1f [%+.1f, %+.1f] |", verdict_name(sp->verdict),
			    sp->cmp.mean, sp->cmp.ci.lo, sp->cmp.ci.hi);
	else
		sbuf_printf(o, " %s |", verdict_name(sp->verdict));
	if (sp->lat.present)
		sbuf_printf(o, " %.2f |", sp->lat.p99);
	else
		sbuf_puts(o, " – |");
}

void hogs_render_md(struct sbuf *o, const struct model *m, const struct stats *s,
		    const struct hogs *h)
{
	(void)m;
	for (size_t i = 0; i < h->n; i++) {
		const struct hogs_curve *c = &h->c[i];
		char te[96], tp[96];

		sbuf_printf(o,
			    "\n## Hogs curve: group %s\n\nHow many of its members run their bomb "
			    "at once (%s).\n\n| hogs | equal: %s | vs baseline | p99 (ms) | "
			    "prioritised: %s | vs baseline | p99 (ms) |\n"
			    "|---:|---:|---|---:|---:|---|---:|\n",
			    group_of(c), c->key, s->measure, s->measure);
		for (size_t k = 0; k < c->n; k++) {
			sbuf_printf(o, "| %u |", c->p[k].hogs);
			md_cell(o, s, c->p[k].equal);
			md_cell(o, s, c->p[k].prio);
			sbuf_puts(o, "\n");
		}
		tol_text(te, sizeof(te), c->tolerated_equal, c->undecided_equal, max_hogs(c));
		tol_text(tp, sizeof(tp), c->tolerated_prio, c->undecided_prio, max_hogs(c));
		sbuf_printf(o,
			    "\nTolerated hogs (every count up to it unaffected, within %g%s of the "
			    "baseline): **%s** with equal weights, **%s** prioritised.\n",
			    s->rules.min_effect, s->closed_loop ? "%" : " pt", te,
			    has_prio(c) ? tp : "not measured");
	}
}

static void chart(struct sbuf *o, const struct stats *s, const struct hogs_curve *c, unsigned *id,
		  bool p99)
{
	double xs[64], ye[64], yp[64], ymax = 0;
	size_t n = 0;
	struct svg_chart ch;
	char title[200];
	const char *lg[] = { "equal weights", "prioritised" };
	static const int st[] = { 0, 1 };
	static const enum svg_key keys[] = { SVG_KEY_LINE, SVG_KEY_LINE };

	for (size_t k = 0; k < c->n && n < 64; k++, n++) {
		const struct stats_phase *e =
			c->p[k].equal != SIZE_MAX ? &s->phases[c->p[k].equal] : NULL;
		const struct stats_phase *p =
			c->p[k].prio != SIZE_MAX ? &s->phases[c->p[k].prio] : NULL;

		xs[n] = c->p[k].hogs;
		ye[n] = !e ? NAN : p99 ? (e->lat.present ? e->lat.p99 : NAN) : e->score;
		yp[n] = !p ? NAN : p99 ? (p->lat.present ? p->lat.p99 : NAN) : p->score;
		if (isfinite(ye[n]))
			ymax = fmax(ymax, ye[n]);
		if (isfinite(yp[n]))
			ymax = fmax(ymax, yp[n]);
	}
	snprintf(title, sizeof(title), "Hogs curve, group %s: victim %s", group_of(c),
		 p99		  ? "p99 latency"
		 : s->closed_loop ? "good responses"
				  : "good responses (%)");
	svg_begin(&ch, o, (*id)++, 460, 300, title, 1);
	ch.x = (struct svg_axis){ 0, xs[n - 1] + 1, SVG_LINEAR, "members running their bomb" };
	ch.y = (struct svg_axis){ 0, p99 ? (ymax > 0 ? ymax * 1.15 : 1) : fmax(100, ymax * 1.05),
				  SVG_LINEAR,
				  p99		   ? "p99 latency (ms)"
				  : s->closed_loop ? "% of the baseline's good/s"
						   : "good responses (%)" };
	svg_axes(&ch, NULL, 0);
	svg_line(&ch, xs, ye, n, st[0], true);
	if (has_prio(c))
		svg_line(&ch, xs, yp, n, st[1], true);
	svg_legend(&ch, lg, st, keys, has_prio(c) ? 2 : 1);
	svg_end(&ch, NULL);
}

void hogs_render_html(struct sbuf *o, const struct model *m, const struct stats *s,
		      const struct hogs *h, unsigned *chart_id)
{
	(void)m;
	if (!h->n)
		return;
	sbuf_puts(o, "<section id=\"hogs\"><h2>Hogs curve</h2>");
	for (size_t i = 0; i < h->n; i++) {
		const struct hogs_curve *c = &h->c[i];
		char te[96], tp[96];

		tol_text(te, sizeof(te), c->tolerated_equal, c->undecided_equal, max_hogs(c));
		tol_text(tp, sizeof(tp), c->tolerated_prio, c->undecided_prio, max_hogs(c));
		sbuf_puts(o, "<p>Group <code>");
		sbuf_xml(o, group_of(c));
		sbuf_printf(o,
			    "</code>: tolerated hogs (every count up to it unaffected, within %g%s "
			    "of the baseline): <strong>",
			    s->rules.min_effect, s->closed_loop ? "%" : " pt");
		sbuf_xml(o, te);
		sbuf_puts(o, "</strong> with equal weights, <strong>");
		sbuf_xml(o, has_prio(c) ? tp : "not measured");
		sbuf_puts(o, "</strong> prioritised.</p><div class=\"charts\">");
		chart(o, s, c, chart_id, false);
		chart(o, s, c, chart_id, true);
		sbuf_puts(o, "</div>");
	}
	sbuf_puts(o, "</section>\n");
}

static void json_phase(struct json_writer *w, const char *key, const struct model *m,
		       const struct stats *s, size_t ph)
{
	const struct stats_phase *sp;

	json_key(w, key);
	if (ph == SIZE_MAX) {
		json_null(w);
		return;
	}
	sp = &s->phases[ph];
	json_obj_begin(w);
	json_kv_str(w, "phase", m->phases[ph].name);
	json_kv_str(w, "verdict", verdict_name(sp->verdict));
	if (isfinite(sp->score))
		json_kv_double(w, "score", sp->score);
	else
		json_kv_null(w, "score");
	if (isfinite(sp->cmp.mean))
		json_kv_double(w, "vs_baseline", sp->cmp.mean);
	else
		json_kv_null(w, "vs_baseline");
	json_key(w, "vs_baseline_ci");
	if (isfinite(sp->cmp.ci.lo)) {
		json_arr_begin(w);
		json_double(w, sp->cmp.ci.lo);
		json_double(w, sp->cmp.ci.hi);
		json_arr_end(w);
	} else {
		json_null(w);
	}
	if (sp->lat.present)
		json_kv_double(w, "p99_ms", sp->lat.p99);
	else
		json_kv_null(w, "p99_ms");
	json_obj_end(w);
}

void hogs_render_json(struct json_writer *w, const struct model *m, const struct stats *s,
		      const struct hogs *h)
{
	json_key(w, "hogs");
	json_arr_begin(w);
	for (size_t i = 0; i < h->n; i++) {
		const struct hogs_curve *c = &h->c[i];

		json_obj_begin(w);
		json_kv_str(w, "group", group_of(c));
		json_kv_str(w, "measure", s->measure);
		json_kv_int(w, "tolerated_equal", c->tolerated_equal);
		json_kv_int(w, "tolerated_prio", has_prio(c) ? c->tolerated_prio : -1);
		json_key(w, "points");
		json_arr_begin(w);
		for (size_t k = 0; k < c->n; k++) {
			json_obj_begin(w);
			json_kv_uint(w, "hogs", c->p[k].hogs);
			json_phase(w, "equal", m, s, c->p[k].equal);
			json_phase(w, "prio", m, s, c->p[k].prio);
			json_obj_end(w);
		}
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
}
