// SPDX-License-Identifier: MIT
/* summary.md: tables to paste into a ticket. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

/* Markdown table cell: pipes and line breaks would break the table. */
static void cell(struct sbuf *o, const char *s)
{
	sbuf_puts(o, " ");
	for (; s && *s; s++) {
		if (*s == '|')
			sbuf_puts(o, "\\|");
		else if (*s == '\n' || *s == '\r')
			sbuf_puts(o, " ");
		else
			sbuf_putn(o, s, 1);
	}
	sbuf_puts(o, " |");
}

static void cell_num(struct sbuf *o, double v)
{
	char buf[64];

	cell(o, render_num(v, buf, sizeof(buf), "–"));
}

static void cell_ci(struct sbuf *o, double v, struct stats_ci ci, const char *suffix)
{
	char a[32], b[32], c[32], buf[128];

	if (!isfinite(v)) {
		cell(o, "–");
		return;
	}
	if (isfinite(ci.lo) && ci.lo != ci.hi)
		snprintf(buf, sizeof(buf), "%s%s [%s–%s]", render_num(v, a, sizeof(a), "–"), suffix,
			 render_num(ci.lo, b, sizeof(b), "–"),
			 render_num(ci.hi, c, sizeof(c), "–"));
	else
		snprintf(buf, sizeof(buf), "%s%s", render_num(v, a, sizeof(a), "–"), suffix);
	cell(o, buf);
}

static void verdicts(struct sbuf *o, const struct model *m, const struct stats *s)
{
	if (!s->n_prot)
		return;
	sbuf_puts(o, "\n## Did prioritisation protect the victim?\n\n");
	sbuf_puts(o,
		  "| phase | compared with | p99 baseline (ms) | p99 equal (ms) | p99 prioritised "
		  "(ms) | recovered % [CI] | verdict |\n|---|---|---:|---:|---:|---:|---|\n|");
	for (size_t i = 0; i < s->n_prot; i++) {
		const struct stats_protection *p = &s->prot[i];
		char buf[256];

		if (i)
			sbuf_puts(o, "|");
		cell(o, m->phases[p->phase].name);
		cell(o, m->phases[p->twin].name);
		for (int k = 0; k < 3; k++) {
			const struct stats_phase *sp = &s->phases[k == 0   ? m->baseline
								  : k == 1 ? p->twin
									   : p->phase];

			if (sp->dnr)
				cell(o, "DNR");
			else
				cell_num(o, sp->lat.present ? sp->lat.p99 : NAN);
		}
		cell_ci(o, p->recovered_pct, p->recovered_pct_ci, " %");
		snprintf(buf, sizeof(buf), "**%s** (%s)", stats_verdict_name(p->verdict),
			 p->reason);
		cell(o, buf);
		sbuf_puts(o, "\n");
	}
}

static void phases(struct sbuf *o, const struct model *m, const struct stats *s)
{
	sbuf_printf(o, "\n## Phases (over all rounds, %g %% intervals)\n\n", s->cfg.confidence_pct);
	sbuf_puts(o,
		  "| phase | bombs | priority | rounds | requests | success % | throughput "
		  "(req/s) | p50 (ms) | p90 (ms) | p99 (ms) [CI] | p99.9 (ms) | mean (ms) [CI] | "
		  "p99 × baseline [CI] | Δ successful % |\n"
		  "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		const struct stats_phase *sp = &s->phases[i];
		char buf[512];
		bool l = sp->lat.present;

		sbuf_puts(o, "|");
		cell(o, ph->name);
		render_phase_bombs(ph, buf, sizeof(buf));
		cell(o, buf);
		cell(o, ph->priority ? ph->priority : "equal");
		if (sp->dnr_rounds)
			snprintf(buf, sizeof(buf), "%zu of %zu (DNR %zu)", sp->reported, sp->rounds,
				 sp->dnr_rounds);
		else
			snprintf(buf, sizeof(buf), "%zu", sp->reported);
		cell(o, buf);
		if (sp->dnr) {
			cell(o, "DNR");
			for (int k = 0; k < 10; k++)
				cell(o, "–");
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
			cell(o, "baseline");
			cell(o, "baseline");
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
			cell(o, m->phases[sw->points[i].phase].name);
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

static void per_round(struct sbuf *o, const struct model *m, const char *title, bool success)
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
		cell(o, m->phases[i].name);
		for (unsigned r = 1; r <= rounds; r++) {
			const struct model_run *run = NULL;

			for (size_t k = 0; k < m->n_runs; k++)
				if (m->runs[k].phase == i && m->runs[k].round == r)
					run = &m->runs[k];
			if (!run)
				cell(o, "not run");
			else if (!run->probe.present)
				cell(o, "DNR");
			else if (success)
				cell_num(o, run->probe.success_pct);
			else
				cell_num(o, run->probe.lat.present ? run->probe.lat.p99 : NAN);
		}
		sbuf_puts(o, "\n");
	}
}

int render_md(const struct model *m, const struct stats *s, struct sbuf *o)
{
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
	per_round(o, m, "p99 latency (ms)", false);
	per_round(o, m, "Success %", true);
	sbuf_printf(o,
		    "\nThresholds: protected ≥ %g %% of the p99 lost recovered, partly ≥ %g %%, "
		    "degradation below %g %% counts as unaffected; %g %% bootstrap intervals, "
		    "%u resamples.\n",
		    s->cfg.protected_pct, s->cfg.partial_pct, s->cfg.min_degradation_pct,
		    s->cfg.confidence_pct, s->cfg.resamples);
	return sbuf_error(o);
}
