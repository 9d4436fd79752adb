// SPDX-License-Identifier: MIT
/*
 * The answer on the terminal: one line per bomb phase (hurt by it? protected
 * by prioritisation? the interval), the mechanism under it, the A/A noise
 * line and the invalid runs. Plain ASCII, so any terminal and log shows it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hogs.h"
#include "render.h"

static const char *unit(const struct stats *s)
{
	return s->closed_loop ? "%" : " pt";
}

static void interval(struct sbuf *o, const struct stats *s, double mean, struct stats_ci ci)
{
	if (!isfinite(mean)) {
		sbuf_puts(o, "-");
		return;
	}
	sbuf_printf(o, "%+.1f%s", mean, unit(s));
	if (isfinite(ci.lo))
		sbuf_printf(o, " [%+.1f, %+.1f]", ci.lo, ci.hi);
}

static void needs(struct sbuf *o, unsigned needed, size_t n)
{
	if (needed > n)
		sbuf_printf(o, ", needs ~%u rounds", needed);
	else if (!needed)
		sbuf_puts(o, ", needs many more rounds");
}

static void effect_line(struct sbuf *o, const struct stats *s, const struct stats_phase *sp)
{
	sbuf_printf(o, "%s%s", verdict_name(sp->verdict),
		    s->indicative && !verdict_undecided(sp->verdict) &&
				    sp->verdict != VERDICT_INVALID
			    ? "*"
			    : "");
	if (sp->verdict == VERDICT_INVALID) {
		sbuf_printf(o, ": %s", sp->reason);
		return;
	}
	if (sp->verdict == VERDICT_INDICATIVE)
		sbuf_printf(o, " (%zu valid round%s)", sp->cmp.n, sp->cmp.n == 1 ? "" : "s");
	sbuf_puts(o, " ");
	interval(o, s, sp->cmp.mean, sp->cmp.ci);
	if (verdict_undecided(sp->verdict) && s->rules.noise_floor > s->rules.min_effect &&
	    fabs(sp->cmp.mean) > s->rules.min_effect)
		sbuf_puts(o, ", within the A/A noise floor");
	else if (verdict_undecided(sp->verdict))
		needs(o, sp->cmp.rounds_needed, sp->cmp.n);
}

static void prot_line(struct sbuf *o, const struct model *m, const struct stats *s,
		      const struct stats_protection *p)
{
	const struct verdict_protection *v = &p->v;

	sbuf_printf(o, " | %s: %s%s", m->phases[p->phase].name, verdict_name(p->verdict),
		    s->indicative && !verdict_undecided(p->verdict) && p->verdict != VERDICT_INVALID
			    ? "*"
			    : "");
	if (p->verdict == VERDICT_INVALID) {
		sbuf_printf(o, ": %s", p->reason);
		return;
	}
	if (p->verdict == VERDICT_UNAFFECTED) {
		sbuf_puts(o, " (nothing to protect)");
		return;
	}
	if (isfinite(v->recovered_pct) && v->lost > s->rules.min_effect) {
		sbuf_printf(o, ", recovered %.0f %%", v->recovered_pct);
		if (isfinite(v->recovered_ci.lo))
			sbuf_printf(o, " [%.0f, %.0f]", v->recovered_ci.lo, v->recovered_ci.hi);
	}
	if (verdict_undecided(p->verdict))
		needs(o, v->rounds_needed, v->n);
	if (render_io_caveat(m, p->phase, NULL))
		sbuf_printf(o, " (%s)", render_io_caveat(m, p->phase, NULL));
}

/* "victim CPU 34 % -> 86 % with weight web=2048; bomb cpu at 99 % of requested" */
static void mechanism(struct sbuf *o, const struct model *m, const struct stats *s, size_t i,
		      size_t pi)
{
	const struct stats_phase *sp = &s->phases[i];
	const struct stats_phase *pp = pi != SIZE_MAX ? &s->phases[pi] : NULL;
	char line[512], prio[160];
	size_t used = 0;

	if (isfinite(sp->victim_cpu_pct)) {
		used += snprintf(line, sizeof(line), "victim CPU %.0f %%", sp->victim_cpu_pct);
		if (pp && isfinite(pp->victim_cpu_pct)) {
			render_victim_weight(m, s, pi, prio, sizeof(prio));
			used += snprintf(line + used, sizeof(line) - used, " -> %.0f %% with %s",
					 pp->victim_cpu_pct, prio);
		}
	}
	for (size_t k = 0; k < sp->n_loads && used < sizeof(line); k++) {
		char t[160];

		render_load_text(&sp->loads[k], false, t, sizeof(t));
		used += snprintf(line + used, sizeof(line) - used, "%sbomb %s", used ? "; " : "",
				 t);
	}
	if (used)
		sbuf_printf(o, "\n               %s", line);
}

static void header(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_puts(o, "Verdicts: ");
	if (s->closed_loop)
		sbuf_puts(o, "good responses per second, % of the same round's baseline");
	else if (isfinite(m->load.slo_ms))
		sbuf_printf(o, "good responses (within %g ms) in %% of the offered load, in points",
			    m->load.slo_ms);
	else
		sbuf_puts(o, "good responses in % of the offered load, in points");
	sbuf_printf(o, "; %u round%s, %g %% intervals, min effect %g%s (%s)\n", s->rounds,
		    s->rounds == 1 ? "" : "s", s->cfg.confidence_pct, s->rules.min_effect, unit(s),
		    s->min_effect_source);
	if (s->indicative)
		sbuf_printf(o, "  * %s: verdicts indicative\n", s->indicative_why);
}

static void aa_line(struct sbuf *o, const struct stats *s)
{
	const struct stats_phase *a;

	if (s->aa == SIZE_MAX) {
		sbuf_puts(o, "  A/A          none in this run: the noise floor is unknown\n");
		return;
	}
	a = &s->phases[s->aa];
	sbuf_puts(o, "  A/A          ");
	if (a->verdict == VERDICT_UNAFFECTED)
		sbuf_puts(o, "no effect ");
	else
		sbuf_printf(o, "%s ", verdict_name(a->verdict));
	interval(o, s, a->cmp.mean, a->cmp.ci);
	if (a->verdict == VERDICT_INVALID)
		sbuf_printf(o, " (%s)", a->reason);
	else if (s->aa_noisy && isfinite(s->aa_floor))
		sbuf_printf(o,
			    ": host too noisy, effects below %.1f%s cannot be told from noise "
			    "here",
			    s->aa_floor, unit(s));
	else if (isfinite(s->aa_floor))
		sbuf_printf(o, ": noise floor %.1f%s", s->aa_floor, unit(s));
	sbuf_puts(o, "\n");
}

int render_term(const struct model *m, const struct stats *s, struct sbuf *o)
{
	struct hogs h;
	bool any = false;

	header(o, m, s);
	if (m->baseline == SIZE_MAX)
		sbuf_puts(o, "  no baseline phase: nothing to compare with\n");
	for (size_t i = 0; m->baseline != SIZE_MAX && i < m->n_phases; i++) {
		size_t pi;
		const struct stats_protection *p;

		if (!stats_is_group(m, i))
			continue;
		any = true;
		pi = stats_prio_of(m, i);
		p = pi != SIZE_MAX ? stats_prot_of(s, pi) : NULL;
		sbuf_printf(o, "  %-12s ", m->phases[i].name);
		effect_line(o, s, &s->phases[i]);
		if (p)
			prot_line(o, m, s, p);
		mechanism(o, m, s, i, pi);
		sbuf_puts(o, "\n");
	}
	if (!any && m->baseline != SIZE_MAX)
		sbuf_puts(o, s->curves ? "  every bomb phase is a curve point (tolerated "
					 "interference below)\n"
				       : "  no bomb phase has results yet\n");
	if (hogs_compute(m, s, &h) == 0) {
		hogs_render_term(o, m, s, &h);
		hogs_done(&h);
	}
	aa_line(o, s);
	render_term_curves(o, m, s);
	render_term_protect(o, m, s);
	if (s->n_invalid) {
		char buf[400];

		sbuf_printf(o, "  invalid      %zu of %zu runs excluded%s\n", s->n_invalid,
			    m->n_runs,
			    s->n_invalid > 3 ? ", the first 3 (all in summary.md):" : ":");
		for (size_t k = 0; k < 3 && render_invalid_run(m, k, buf, sizeof(buf)); k++)
			sbuf_printf(o, "               %s\n", buf);
	} else
		sbuf_printf(o, "  invalid      none of %zu runs\n", m->n_runs);
	return sbuf_error(o);
}
