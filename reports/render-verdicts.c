// SPDX-License-Identifier: MIT
/*
 * report.html's answer: "At a glance" (one line per bomb with its verdicts,
 * intervals and mechanism), the verdict tables, the A/A noise floor, the
 * invalid runs, and the Method section with the rules as formulas.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

static void ci(struct sbuf *o, struct stats_ci c, const char *unit)
{
	char a[32], b[32];

	if (!isfinite(c.lo))
		return;
	sbuf_printf(o, " <span class=\"ci\">[%s – %s%s]</span>",
		    render_num(c.lo, a, sizeof(a), "–"), render_num(c.hi, b, sizeof(b), "–"), unit);
}

static const char *unit(const struct stats *s)
{
	return s->closed_loop ? " %" : " points";
}

static const char *verdict_class(enum stats_verdict v)
{
	switch (v) {
	case VERDICT_PROTECTED:
	case VERDICT_BETTER:
		return "protected";
	case VERDICT_PARTLY:
		return "partly";
	case VERDICT_NOT_PROTECTED:
		return "not";
	case VERDICT_UNAFFECTED:
		return "unaffected";
	case VERDICT_HURT:
		return "hurt";
	case VERDICT_INVALID:
		return "invalid";
	default:
		return "inconclusive";
	}
}

static const char *verdict_mark(enum stats_verdict v)
{
	switch (v) {
	case VERDICT_PROTECTED:
		return "✔";
	case VERDICT_PARTLY:
		return "◐";
	case VERDICT_NOT_PROTECTED:
		return "✘";
	case VERDICT_UNAFFECTED:
		return "=";
	case VERDICT_HURT:
		return "▼";
	case VERDICT_BETTER:
		return "▲";
	case VERDICT_INVALID:
		return "⊘";
	default:
		return "?";
	}
}

void render_badge(struct sbuf *o, const struct stats *s, enum stats_verdict v)
{
	bool star = s->indicative && !verdict_undecided(v) && v != VERDICT_INVALID;

	sbuf_printf(o, "<span class=\"v v-%s\">%s %s%s</span>", verdict_class(v), verdict_mark(v),
		    verdict_name(v), star ? " (indicative)" : "");
}

static void why(struct sbuf *o, const char *reason)
{
	sbuf_puts(o, " <span class=\"why\">");
	sbuf_xml(o, reason);
	sbuf_puts(o, "</span>");
}

static void difference(struct sbuf *o, const struct stats *s, const struct verdict_effect *e)
{
	if (!isfinite(e->mean)) {
		sbuf_puts(o, "–");
		return;
	}
	sbuf_printf(o, "%+.1f%s", e->mean, unit(s));
	ci(o, e->ci, "");
}

static void mechanism(struct sbuf *o, const struct model *m, const struct stats *s, size_t i,
		      size_t pi)
{
	const struct stats_phase *sp = &s->phases[i];
	const struct stats_phase *pp = pi != SIZE_MAX ? &s->phases[pi] : NULL;
	char w[160], sc[512];

	if (pi != SIZE_MAX)
		render_sched_text(m, s, pi, sc, sizeof(sc));
	else
		sc[0] = '\0';
	if (!isfinite(sp->victim_cpu_pct) && !sp->n_loads && !sc[0])
		return;
	sbuf_puts(o, "<br><span class=\"why\">Mechanism: ");
	if (isfinite(sp->victim_cpu_pct)) {
		sbuf_printf(o, "victim CPU share %.0f %%", sp->victim_cpu_pct);
		if (pp && isfinite(pp->victim_cpu_pct)) {
			render_victim_weight(m, s, pi, w, sizeof(w));
			sbuf_printf(o, " → %.0f %% with ", pp->victim_cpu_pct);
			sbuf_xml(o, w);
		}
		sbuf_puts(o, "; ");
	}
	for (size_t k = 0; k < sp->n_loads; k++) {
		char t[160];

		render_load_text(&sp->loads[k], true, t, sizeof(t));
		sbuf_puts(o, "bomb ");
		sbuf_xml(o, t);
		sbuf_puts(o, k + 1 < sp->n_loads ? ", " : "");
	}
	if (sc[0]) {
		sbuf_puts(o, "; prioritised, read back: ");
		sbuf_xml(o, sc);
	}
	sbuf_puts(o, ".</span>");
}

static void glance_phase(struct sbuf *o, const struct model *m, const struct stats *s, size_t i)
{
	const struct stats_phase *sp = &s->phases[i];
	size_t pi = stats_prio_of(m, i);
	const struct stats_protection *pr = pi != SIZE_MAX ? stats_prot_of(s, pi) : NULL;

	sbuf_puts(o, "<li><b>");
	sbuf_xml(o, m->phases[i].name);
	sbuf_puts(o, "</b>: ");
	render_badge(o, s, sp->verdict);
	sbuf_puts(o, " good responses ");
	difference(o, s, &sp->cmp);
	if (isfinite(sp->cmp.ref))
		sbuf_printf(o, " (%.1f → %.1f)", sp->cmp.ref, sp->cmp.val);
	if (isfinite(sp->p99_ratio)) {
		sbuf_puts(o, "; p99 ");
		render_put_num(o, sp->p99_ratio);
		sbuf_puts(o, "× the baseline");
		ci(o, sp->p99_ratio_ci, "×");
	}
	if (sp->dnr_rounds)
		sbuf_printf(o,
			    "; <span class=\"dnr\">DNR in %zu of %zu rounds</span> (counted as "
			    "0 good)",
			    sp->dnr_rounds, sp->rounds);
	sbuf_puts(o, ".");
	why(o, sp->reason);
	if (pr) {
		sbuf_puts(o, "<br>Prioritised (");
		sbuf_xml(o, m->phases[pi].priority);
		sbuf_puts(o, "): ");
		render_badge(o, s, pr->verdict);
		if (isfinite(pr->v.recovered_pct) && pr->v.lost > s->rules.min_effect) {
			sbuf_printf(o, " recovered %.0f %%", pr->v.recovered_pct);
			ci(o, pr->v.recovered_ci, " %");
			sbuf_puts(o, " of the good responses lost.");
		}
		why(o, pr->reason);
	}
	mechanism(o, m, s, i, pi);
	sbuf_puts(o, "</li>\n");
}

static void intro(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_puts(o, "<p>Primary measure: ");
	if (s->closed_loop)
		sbuf_puts(o, "good responses per second in % of the same round's baseline (closed "
			     "loop).");
	else
		sbuf_puts(o, "good responses in % of the offered load; differences in points.");
	if (isfinite(m->load.slo_ms)) {
		sbuf_printf(o, " SLO %g ms (", m->load.slo_ms);
		sbuf_xml(o, m->load.slo_source ? m->load.slo_source : "scenario");
		sbuf_puts(o, ").");
	}
	if (isfinite(m->load.rate_rps))
		sbuf_printf(o, " Offered %g req/s open loop.", m->load.rate_rps);
	if (isfinite(m->cal.capacity_rps))
		sbuf_printf(o, " Calibrated capacity %g req/s.", m->cal.capacity_rps);
	sbuf_printf(o,
		    " Paired by round; %g %% t-intervals over %u round(s); min effect %g%s (%s); "
		    "a verdict needs %u valid rounds.</p>",
		    s->cfg.confidence_pct, s->rounds, s->rules.min_effect, unit(s),
		    s->min_effect_source, s->rules.min_rounds);
	if (s->indicative)
		sbuf_printf(o, "<p class=\"banner\">⚠ %s: verdicts indicative.</p>",
			    s->indicative_why);
}

static void aa(struct sbuf *o, const struct model *m, const struct stats *s)
{
	const struct stats_phase *a = s->aa != SIZE_MAX ? &s->phases[s->aa] : NULL;

	if (!a) {
		sbuf_puts(o, "<p id=\"aa\">No A/A twin of the baseline in this run: the host's "
			     "noise floor is unknown.</p>");
		return;
	}
	sbuf_printf(o, "<p id=\"aa\"%s>A/A (", s->aa_noisy ? " class=\"banner\"" : "");
	sbuf_xml(o, m->phases[s->aa].name);
	sbuf_puts(o, " against the baseline): ");
	render_badge(o, s, a->verdict);
	sbuf_puts(o, " good-% difference ");
	difference(o, s, &a->cmp);
	if (s->aa_noisy)
		sbuf_printf(o,
			    ": the host is too noisy, effects below %.1f%s cannot be told from "
			    "noise here.",
			    s->aa_floor, unit(s));
	else if (isfinite(s->aa_floor))
		sbuf_printf(o, ": no effect; noise floor %.1f%s.", s->aa_floor, unit(s));
	sbuf_puts(o, "</p>");
}

static void invalid(struct sbuf *o, const struct model *m, const struct stats *s)
{
	char buf[1024];

	sbuf_printf(o, "<h3 id=\"invalid\">Invalid runs: %zu of %zu, excluded</h3>", s->n_invalid,
		    m->n_runs);
	if (!s->n_invalid)
		return;
	sbuf_puts(o, "<ul>");
	for (size_t k = 0; render_invalid_run(m, k, buf, sizeof(buf)); k++) {
		sbuf_puts(o, "<li>");
		sbuf_xml(o, buf);
		sbuf_puts(o, "</li>");
	}
	sbuf_puts(o, "</ul>");
}

static void prot_row(struct sbuf *o, const struct model *m, const struct stats *s,
		     const struct stats_protection *p)
{
	const struct stats_phase *E = &s->phases[p->twin], *P = &s->phases[p->phase];
	const char *io = NULL;
	char w[160];

	sbuf_puts(o, "<tr><td>");
	sbuf_xml(o, m->phases[p->phase].name);
	render_victim_weight(m, s, p->phase, w, sizeof(w));
	sbuf_puts(o, "</td><td class=\"l\">");
	sbuf_xml(o, w);
	sbuf_puts(o, "</td><td>");
	render_put_num(o, p->v.base);
	sbuf_puts(o, "</td><td>");
	render_put_num(o, p->v.equal);
	sbuf_puts(o, "</td><td>");
	render_put_num(o, p->v.prio);
	sbuf_puts(o, "</td><td>");
	if (isfinite(p->v.recovered_pct)) {
		sbuf_printf(o, "%.0f %%", p->v.recovered_pct);
		ci(o, p->v.recovered_ci, " %");
	} else {
		sbuf_puts(o, "–");
	}
	sbuf_puts(o, "</td><td>");
	render_put_num(o, E->victim_cpu_pct);
	sbuf_puts(o, " → ");
	render_put_num(o, P->victim_cpu_pct);
	sbuf_puts(o, " %</td><td class=\"l\">");
	render_badge(o, s, p->verdict);
	sbuf_puts(o, "<br>");
	why(o, p->reason);
	if (render_io_caveat(m, p->phase, &io)) {
		sbuf_puts(o, "<br><span class=\"why\">");
		sbuf_xml(o, io);
		sbuf_puts(o, "</span>");
	}
	sbuf_puts(o, "</td></tr>");
}

void render_html_verdicts(struct sbuf *o, const struct model *m, const struct stats *s)
{
	bool any = false;

	sbuf_puts(o, "<section id=\"glance\"><h2>At a glance</h2>");
	intro(o, m, s);
	if (m->baseline == SIZE_MAX)
		sbuf_puts(o, "<p>No baseline phase: degradation cannot be computed.</p>");
	aa(o, m, s);
	sbuf_puts(o, "<ul class=\"glance\">");
	for (size_t i = 0; m->baseline != SIZE_MAX && i < m->n_phases; i++)
		if (stats_is_group(m, i)) {
			glance_phase(o, m, s, i);
			any = true;
		}
	if (!any)
		sbuf_puts(o, "<li>No bomb phase has results yet.</li>");
	sbuf_puts(o, "</ul>");
	if (s->n_prot) {
		sbuf_printf(o,
			    "<table><thead><tr><th>prioritised phase</th><th class=\"l\">priority"
			    "</th><th>baseline</th><th>equal</th><th>prioritised</th><th>"
			    "recovered</th><th>victim CPU %%</th><th class=\"l\">verdict</th>"
			    "</tr></thead><tbody>");
		for (size_t i = 0; i < s->n_prot; i++)
			prot_row(o, m, s, &s->prot[i]);
		sbuf_puts(o, "</tbody></table>");
	}
	invalid(o, m, s);
	sbuf_puts(o, "</section>\n");
}

void render_html_method(struct sbuf *o, const struct stats *s)
{
	const struct verdict_rules *r = &s->rules;

	sbuf_printf(
		o,
		"<section id=\"method\"><h2>Method</h2><ul>"
		"<li>Each round runs every phase once; each phase is compared with the same "
		"round's baseline, each prioritised phase with the same round's equal-weight twin. "
		"Intervals are %g %% t-intervals of the mean per-round difference d over the n "
		"valid paired rounds: d̄ ± t<sub>n-1</sub>·s/√n; never over the requests of one "
		"round.</li>"
		"<li>Primary measure: %s. A probe that did not report counts as 0 good. Runs "
		"marked invalid are excluded and listed.</li>"
		"<li><i>unaffected</i>: −%g &lt; lo and hi &lt; %g; <i>hurt</i>: hi &lt; −%g; "
		"<i>better</i>: lo &gt; %g (m = %g%s, the min effect); otherwise "
		"<i>inconclusive</i>, with the rounds a decision would need.</li>"
		"<li>Given a hurt twin losing L: <i>protected</i> when the prioritised phase's "
		"interval against the baseline has lo &gt; −min(m, %g %% of L); <i>not "
		"protected</i> when its gain over the twin has hi &lt; %g %% of L; <i>partly "
		"protected</i> when that gain has lo ≥ %g %% of L and it stays below the baseline "
		"by more than the margin; recovered = (prioritised − equal) / (baseline − equal), "
		"with Fieller's interval.</li>"
		"<li>Fewer than %u valid paired rounds: <i>indicative</i>, figures only.</li>"
		"</ul></section>\n",
		r->confidence_pct,
		s->closed_loop ? "good responses per second in % of the baseline's"
			       : "good responses in % of the offered load, in points",
		r->min_effect, r->min_effect, r->min_effect, r->min_effect, r->min_effect, unit(s),
		100 - r->protected_pct, r->partial_pct, r->partial_pct, r->min_rounds);
}
