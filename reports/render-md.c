// SPDX-License-Identifier: MIT
/* summary.md: tables to paste into a ticket. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hogs.h"
#include "render.h"

static void cell_num(struct sbuf *o, double v)
{
	char buf[64];

	sbuf_md_cell(o, render_num(v, buf, sizeof(buf), "–"));
}

/* "34 %", or an en dash when not measured. */
static const char *pct(double v, char *buf, size_t len)
{
	if (!isfinite(v))
		return "–";
	snprintf(buf, len, "%.0f %%", v);
	return buf;
}

static void cell_ci(struct sbuf *o, double v, struct stats_ci ci, const char *suffix)
{
	char a[32], b[32], c[32], buf[128];

	if (!isfinite(v)) {
		sbuf_md_cell(o, "–");
		return;
	}
	if (isfinite(ci.lo) && ci.lo != ci.hi)
		snprintf(buf, sizeof(buf), "%s%s [%s, %s]", render_num(v, a, sizeof(a), "–"),
			 suffix, render_num(ci.lo, b, sizeof(b), "–"),
			 render_num(ci.hi, c, sizeof(c), "–"));
	else
		snprintf(buf, sizeof(buf), "%s%s", render_num(v, a, sizeof(a), "–"), suffix);
	sbuf_md_cell(o, buf);
}

static const char *unit(const struct stats *s)
{
	return s->closed_loop ? " %" : " pt";
}

/* The verdict word, starred when every verdict of this run is indicative. */
static void cell_verdict(struct sbuf *o, const struct stats *s, enum stats_verdict v,
			 const char *reason)
{
	char buf[400];
	bool star = s->indicative && !verdict_undecided(v) && v != VERDICT_INVALID;

	snprintf(buf, sizeof(buf), "**%s**%s (%s)", verdict_name(v), star ? "*" : "", reason);
	sbuf_md_cell(o, buf);
}

static void intro(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_puts(o, "\n## Verdicts\n\nPrimary measure: ");
	if (s->closed_loop)
		sbuf_puts(o, "good responses per second in % of the same round's baseline "
			     "(closed loop)");
	else
		sbuf_printf(o, "good responses%s in %% of the offered load, differences in points",
			    "");
	if (isfinite(m->load.slo_ms))
		sbuf_printf(o, "; SLO %g ms (%s)", m->load.slo_ms,
			    m->load.slo_source ? m->load.slo_source : "scenario");
	if (isfinite(m->load.rate_rps))
		sbuf_printf(o, "; offered %g req/s", m->load.rate_rps);
	if (isfinite(m->cal.capacity_rps))
		sbuf_printf(o, " (calibrated capacity %g req/s)", m->cal.capacity_rps);
	sbuf_printf(o,
		    ". Paired by round, %g %% t-intervals over the valid rounds; min effect "
		    "%g%s (%s); a verdict needs %u valid rounds.\n",
		    s->cfg.confidence_pct, s->rules.min_effect, unit(s), s->min_effect_source,
		    s->rules.min_rounds);
	if (s->indicative)
		sbuf_printf(o, "\n> **%s: verdicts indicative** (marked *).\n", s->indicative_why);
}

static void hurt_table(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_puts(o,
		  "\n### Did each bomb hurt the victim?\n\n| phase | rounds | baseline | phase | "
		  "difference [CI] | verdict | p99 × baseline [CI] |\n"
		  "|---|---:|---:|---:|---:|---|---:|\n");
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct stats_phase *sp = &s->phases[i];

		if (!stats_is_group(m, i) && i != s->aa)
			continue;
		sbuf_puts(o, "|");
		sbuf_md_cell(o, i == s->aa ? "A/A (baseline twin)" : m->phases[i].name);
		cell_num(o, (double)sp->cmp.n);
		cell_num(o, sp->cmp.ref);
		cell_num(o, sp->cmp.val);
		cell_ci(o, sp->cmp.mean, sp->cmp.ci, unit(s));
		cell_verdict(o, s, sp->verdict, sp->reason);
		cell_ci(o, sp->p99_ratio, sp->p99_ratio_ci, "×");
		sbuf_puts(o, "\n");
	}
}

static void prot_table(struct sbuf *o, const struct model *m, const struct stats *s)
{
	if (!s->n_prot)
		return;
	sbuf_puts(o, "\n### Did prioritisation protect the victim?\n\n| phase | priority | "
		     "baseline | equal | prioritised | recovered % [CI] | verdict | victim CPU "
		     "equal → prioritised | bombs' load |\n"
		     "|---|---|---:|---:|---:|---:|---|---|---|\n");
	for (size_t i = 0; i < s->n_prot; i++) {
		const struct stats_protection *p = &s->prot[i];
		const struct stats_phase *E = &s->phases[p->twin], *P = &s->phases[p->phase];
		char buf[400], w[160], a[32], b[32];
		size_t used = 0;

		sbuf_puts(o, "|");
		sbuf_md_cell(o, m->phases[p->phase].name);
		render_victim_weight(m, s, p->phase, w, sizeof(w));
		sbuf_md_cell(o, w);
		cell_num(o, p->v.base);
		cell_num(o, p->v.equal);
		cell_num(o, p->v.prio);
		cell_ci(o, p->v.recovered_pct, p->v.recovered_ci, " %");
		if (render_io_caveat(m, p->phase, NULL)) {
			char r[400];

			snprintf(r, sizeof(r), "%s; %s", p->reason,
				 render_io_caveat(m, p->phase, NULL));
			cell_verdict(o, s, p->verdict, r);
		} else {
			cell_verdict(o, s, p->verdict, p->reason);
		}
		if (isfinite(E->victim_cpu_pct) || isfinite(P->victim_cpu_pct))
			snprintf(buf, sizeof(buf), "%s → %s", pct(E->victim_cpu_pct, a, sizeof(a)),
				 pct(P->victim_cpu_pct, b, sizeof(b)));
		else
			snprintf(buf, sizeof(buf), "–");
		sbuf_md_cell(o, buf);
		buf[0] = '\0';
		for (size_t k = 0; k < P->n_loads && used < sizeof(buf); k++) {
			char t[160];

			render_load_text(&P->loads[k], true, t, sizeof(t));
			used += snprintf(buf + used, sizeof(buf) - used, "%s%s", k ? ", " : "", t);
		}
		sbuf_md_cell(o, used ? buf : "–");
		sbuf_puts(o, "\n");
	}
}

static void noise(struct sbuf *o, const struct model *m, const struct stats *s)
{
	const struct stats_phase *a = s->aa != SIZE_MAX ? &s->phases[s->aa] : NULL;
	char x[32], lo[32], hi[32];

	sbuf_puts(o, "\n### Noise floor (A/A)\n\n");
	if (!a) {
		sbuf_puts(o, "No A/A twin of the baseline in this run: the host's noise floor is "
			     "unknown.\n");
		return;
	}
	sbuf_printf(o, "`%s` against `%s`: difference %s%s", m->phases[s->aa].name,
		    m->phases[m->baseline].name, render_num(a->cmp.mean, x, sizeof(x), "–"),
		    unit(s));
	if (isfinite(a->cmp.ci.lo))
		sbuf_printf(o, " [%s–%s]", render_num(a->cmp.ci.lo, lo, sizeof(lo), "–"),
			    render_num(a->cmp.ci.hi, hi, sizeof(hi), "–"));
	if (s->aa_noisy)
		sbuf_printf(o,
			    ": **the host is too noisy**: effects below %.1f%s cannot be told "
			    "from noise here (%s).\n",
			    s->aa_floor, unit(s), verdict_name(a->verdict));
	else if (a->verdict == VERDICT_UNAFFECTED)
		sbuf_printf(o, ": no effect; noise floor %.1f%s.\n", s->aa_floor, unit(s));
	else
		sbuf_printf(o, ": %s (%s).\n", verdict_name(a->verdict), a->reason);
}

static void invalid_runs(struct sbuf *o, const struct model *m, const struct stats *s)
{
	char buf[1024];

	sbuf_printf(o, "\n### Invalid runs (excluded)\n\n");
	if (!s->n_invalid) {
		sbuf_printf(o, "None of %zu runs.\n", m->n_runs);
		return;
	}
	for (size_t k = 0; render_invalid_run(m, k, buf, sizeof(buf)); k++) {
		sbuf_puts(o, "- ");
		for (const char *c = buf; *c; c++)
			sbuf_putn(o, *c == '\n' ? " " : c, 1);
		sbuf_puts(o, "\n");
	}
}

static void verdicts(struct sbuf *o, const struct model *m, const struct stats *s)
{
	intro(o, m, s);
	if (m->baseline == SIZE_MAX) {
		sbuf_puts(o, "\nNo baseline phase: nothing to compare with.\n");
		invalid_runs(o, m, s);
		return;
	}
	hurt_table(o, m, s);
	prot_table(o, m, s);
	noise(o, m, s);
	invalid_runs(o, m, s);
}

static void phases(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_printf(o, "\n## Phases (over the valid rounds, %g %% intervals over rounds)\n\n",
		    s->cfg.confidence_pct);
	sbuf_puts(
		o,
		"| phase | bombs | priority | valid rounds | good | requests | success % | "
		"throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) [CI] | p99.9 (ms) | mean (ms) "
		"[CI] | p99 × baseline [CI] | Δ successful % |\n"
		"|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		const struct stats_phase *sp = &s->phases[i];
		char buf[512];
		bool l = sp->lat.present;

		sbuf_puts(o, "|");
		sbuf_md_cell(o, ph->name);
		render_phase_bombs(ph, buf, sizeof(buf));
		sbuf_md_cell(o, buf);
		sbuf_md_cell(o, ph->priority ? ph->priority : "equal");
		snprintf(buf, sizeof(buf), "%zu of %zu", sp->valid, sp->rounds);
		if (sp->dnr_rounds)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (DNR %zu)",
				 sp->dnr_rounds);
		if (sp->invalid)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " (invalid %zu)",
				 sp->invalid);
		sbuf_md_cell(o, buf);
		if (s->closed_loop)
			cell_ci(o, sp->raw, (struct stats_ci){ NAN, NAN }, "/s");
		else
			cell_ci(o, sp->raw, sp->score_ci, " %");
		if (sp->dnr) {
			sbuf_md_cell(o, "DNR");
			for (int k = 0; k < 10; k++)
				sbuf_md_cell(o, "–");
			sbuf_puts(o, "\n");
			continue;
		}
		cell_num(o, (double)sp->requests);
		cell_num(o, sp->success_pct);
		cell_num(o, sp->throughput_rps);
		cell_num(o, l ? sp->lat.p50 : NAN);
		cell_num(o, l ? sp->lat.p90 : NAN);
		cell_ci(o, l ? sp->lat.p99 : NAN, sp->p99_ci, "");
		cell_num(o, l ? sp->lat.p999 : NAN);
		cell_ci(o, l ? sp->lat.mean : NAN, sp->mean_ci, "");
		if (sp->has_cmp) {
			cell_ci(o, sp->p99_ratio, sp->p99_ratio_ci, "×");
			cell_ci(o, sp->ok_change_pct, sp->ok_change_ci, " %");
		} else {
			sbuf_md_cell(o, "baseline");
			sbuf_md_cell(o, "baseline");
		}
		sbuf_puts(o, "\n");
	}
}

static void sweeps(struct sbuf *o, const struct model *m, const struct stats *s)
{
	for (size_t k = 0; k < s->n_sweeps; k++) {
		const struct stats_sweep *sw = &s->sweeps[k];

		sbuf_printf(o,
			    "\n## Weight sweep %s\n\n| phase | %s | p99 (ms) [CI] | success %% |\n"
			    "|---|---:|---:|---:|\n",
			    sw->key ? sw->key : "",
			    sw->x_is_ratio ? "victim/neighbour weight" : "value");
		for (size_t i = 0; i < sw->n_points; i++) {
			const struct stats_phase *sp = &s->phases[sw->points[i].phase];

			sbuf_puts(o, "|");
			sbuf_md_cell(o, m->phases[sw->points[i].phase].name);
			cell_num(o, sw->points[i].x);
			cell_ci(o, sp->lat.present ? sp->lat.p99 : NAN, sp->p99_ci, "");
			cell_num(o, sp->success_pct);
			sbuf_puts(o, "\n");
		}
	}
}

static unsigned max_round(const struct model *m)
{
	unsigned r = 0;

	for (size_t i = 0; i < m->n_runs; i++)
		if (m->runs[i].round > r)
			r = m->runs[i].round;
	return r;
}

static double round_value(const struct stats *s, const struct model_run *run, int what)
{
	const struct model_probe *p = &run->probe;

	if (what == 2)
		return stats_run_raw(run, s->closed_loop);
	if (what == 1)
		return p->success_pct;
	return p->lat.present ? p->lat.p99 : NAN;
}

/* what: 0 p99, 1 success %, 2 the primary measure. */
static void per_round(struct sbuf *o, const struct model *m, const struct stats *s,
		      const char *title, int what)
{
	unsigned rounds = max_round(m);

	if (rounds > 50)
		rounds = 50;
	sbuf_printf(o, "\n## %s per round\n\n| phase |", title);
	for (unsigned r = 1; r <= rounds; r++)
		sbuf_printf(o, " round %u |", r);
	sbuf_puts(o, "\n|---|");
	for (unsigned r = 1; r <= rounds; r++)
		sbuf_puts(o, "---:|");
	sbuf_puts(o, "\n");
	for (size_t i = 0; i < m->n_phases; i++) {
		sbuf_puts(o, "|");
		sbuf_md_cell(o, m->phases[i].name);
		for (unsigned r = 1; r <= rounds; r++) {
			const struct model_run *run = NULL;

			for (size_t k = 0; k < m->n_runs; k++)
				if (m->runs[k].phase == i && m->runs[k].round == r)
					run = &m->runs[k];
			char buf[96], num[32];

			if (!run) {
				sbuf_md_cell(o, "not run");
				continue;
			}
			if (!run->probe.present && what != 2)
				snprintf(buf, sizeof(buf), "DNR");
			else
				snprintf(buf, sizeof(buf), "%s%s",
					 render_num(round_value(s, run, what), num, sizeof(num),
						    "–"),
					 run->probe.present ? "" : " (DNR)");
			if (!run->valid)
				strncat(buf, " invalid", sizeof(buf) - strlen(buf) - 1);
			sbuf_md_cell(o, buf);
		}
		sbuf_puts(o, "\n");
	}
}

int render_md(const struct model *m, const struct stats *s, struct sbuf *o)
{
	struct hogs h;

	sbuf_puts(o, "# isolab report: ");
	sbuf_puts(o, m->run_id ? m->run_id : m->dir);
	sbuf_puts(o, "\n\n");
	if (m->partial)
		sbuf_puts(o, "> **PARTIAL RUN**: not every planned phase and round is in these "
			     "results.\n\n");
	sbuf_printf(o, "- status: %s\n- scenario: %s, %u round(s) planned\n",
		    m->status ? m->status : "unknown",
		    m->scenario_name ? m->scenario_name : "unknown", m->rounds_planned);
	sbuf_printf(o, "- backend: %s (%s)\n", m->backend ? m->backend : "unknown",
		    m->scheduler ? m->scheduler : "unknown scheduler");
	for (size_t i = 0; i < m->n_warnings; i++)
		sbuf_printf(o, "- warning: %s\n", m->warnings[i]);
	verdicts(o, m, s);
	phases(o, m, s);
	sweeps(o, m, s);
	render_md_curves(o, m, s);
	render_md_protect(o, m, s);
	if (hogs_compute(m, s, &h) == 0) {
		hogs_render_md(o, m, s, &h);
		hogs_done(&h);
	}
	per_round(o, m, s, s->closed_loop ? "Good responses per second" : "Good % of offered", 2);
	per_round(o, m, s, "p99 latency (ms)", 0);
	per_round(o, m, s, "Success %", 1);
	sbuf_printf(o,
		    "\nRules (docs/reports.md): unaffected when the interval lies within ±%g%s, "
		    "hurt when it lies below -%g%s; protected when the prioritised phase is "
		    "surely within min(%g%s, %g %% of the loss) of the baseline, not protected "
		    "when prioritisation surely recovers less than %g %% of the loss, partly "
		    "protected in between; %g %% t-intervals over rounds; fewer than %u valid "
		    "rounds: indicative. Runs marked invalid are excluded.\n",
		    s->rules.min_effect, unit(s), s->rules.min_effect, unit(s), s->rules.min_effect,
		    unit(s), 100 - s->cfg.protected_pct, s->cfg.partial_pct, s->cfg.confidence_pct,
		    s->rules.min_rounds);
	return sbuf_error(o);
}
