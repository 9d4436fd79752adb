// SPDX-License-Identifier: MIT
/* Helpers shared by the renderers. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

const char *render_bomb_rate_key(const struct model *m, const char *bomb)
{
	for (size_t i = 0; i < m->n_runs; i++)
		for (size_t j = 0; j < m->runs[i].n_bombs; j++) {
			const struct model_bomb_result *b = &m->runs[i].bombs[j];

			if (b->rate_key && !strcmp(b->name, bomb))
				return b->rate_key;
		}
	return NULL;
}

void render_bomb_column(const struct model *m, const char *bomb, char *buf, size_t len)
{
	const char *key = render_bomb_rate_key(m, bomb);

	snprintf(buf, len, "bomb_%s_%s", bomb, key ? key : "rate");
	for (char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

static bool has_name(const char **names, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return true;
	return false;
}

size_t render_bomb_names(const struct model *m, const char **names, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_bomb_defs && n < max; i++)
		if (!has_name(names, n, m->bomb_defs[i].name))
			names[n++] = m->bomb_defs[i].name;
	for (size_t i = 0; i < m->n_phases; i++)
		for (size_t j = 0; j < m->phases[i].n_bombs && n < max; j++)
			if (!has_name(names, n, m->phases[i].bombs[j]))
				names[n++] = m->phases[i].bombs[j];
	return n;
}

void render_phase_bombs(const struct model_phase *ph, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ph->n_bombs && used < len; i++)
		used += snprintf(buf + used, len - used, "%s%s", i ? "+" : "", ph->bombs[i]);
	if (!ph->n_bombs)
		snprintf(buf, len, "none");
}

const char *render_num(double v, char *buf, size_t len, const char *dash)
{
	double a = fabs(v);

	if (!isfinite(v))
		return dash;
	if (a >= 1000 || v == floor(v))
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 10)
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.3g", v);
	return buf;
}

void render_put_num(struct sbuf *o, double v)
{
	char buf[64];

	sbuf_puts(o, render_num(v, buf, sizeof(buf), "–"));
}

void render_load_text(const struct stats_load *l, bool lowest, char *buf, size_t len)
{
	if (isfinite(l->share_pct) && lowest && isfinite(l->share_min))
		snprintf(buf, len, "%s at %.0f %% of requested (lowest round %.0f %%)", l->bomb,
			 l->share_pct, l->share_min);
	else if (isfinite(l->share_pct))
		snprintf(buf, len, "%s at %.0f %% of requested", l->bomb, l->share_pct);
	else if (isfinite(l->achieved))
		snprintf(buf, len, "%s at %.3g %s", l->bomb, l->achieved, l->unit ? l->unit : "");
	else
		snprintf(buf, len, "%s: not reported", l->bomb);
}

bool render_run_reported(const struct model_run *r)
{
	return r->probe.present;
}

void render_victim_weight(const struct model *m, const struct stats *s, size_t phase, char *buf,
			  size_t len)
{
	const struct model_sched *sc = s->phases[phase].sched;
	const char *pr = m->phases[phase].priority;

	snprintf(buf, len, "%s", pr ? pr : "equal weights");
	for (size_t k = 0; sc && m->victim_vm && k < sc->n_start; k++) {
		const struct model_sched_vm *v = &sc->start[k];

		if (strcmp(v->vm, m->victim_vm) || !isfinite(v->weight))
			continue;
		if (isfinite(v->cap) && v->cap > 0)
			snprintf(buf, len, "weight %g cap %g%s", v->weight, v->cap,
				 v->live == 0 ? " (stored, not live)" : "");
		else
			snprintf(buf, len, "weight %g%s", v->weight,
				 v->live == 0 ? " (stored, not live)" : "");
	}
}

void render_sched_text(const struct model *m, const struct stats *s, size_t phase, char *buf,
		       size_t len)
{
	const struct model_sched *sc = s->phases[phase].sched;
	size_t used;

	buf[0] = '\0';
	if (!sc)
		return;
	used = (size_t)snprintf(buf, len, "%s", sc->scheduler ? sc->scheduler : "scheduler");
	if (sc->details && used < len)
		used += (size_t)snprintf(buf + used, len - used, " (%s)", sc->details);
	for (size_t k = 0; k < sc->n_start && used < len; k++) {
		const struct model_sched_vm *a = &sc->start[k], *b = NULL;

		for (size_t j = 0; j < sc->n_end; j++)
			if (!strcmp(sc->end[j].vm, a->vm))
				b = &sc->end[j];
		used += (size_t)snprintf(buf + used, len - used, "; %s weight %g", a->vm,
					 a->weight);
		if (used < len && isfinite(a->cap) && a->cap > 0)
			used += (size_t)snprintf(buf + used, len - used, " cap %g", a->cap);
		if (used < len && a->live == 0)
			used += (size_t)snprintf(buf + used, len - used, " stored, not live");
		if (used < len && b && (b->weight != a->weight || b->live != a->live))
			used += (size_t)snprintf(buf + used, len - used, ", at the end weight %g%s",
						 b->weight, b->live == 0 ? " not live" : "");
	}
	(void)m;
}

bool render_invalid_run(const struct model *m, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];
		size_t used;

		if (r->valid || n--)
			continue;
		used = (size_t)snprintf(buf, len, "round %u %s:", r->round,
					m->phases[r->phase].name);
		for (size_t k = 0; k < r->n_invalid && used < len; k++)
			used += (size_t)snprintf(buf + used, len - used, "%s %s", k ? ";" : "",
						 r->invalid[k]);
		return true;
	}
	return false;
}

const char *render_io_caveat(const struct model *m, size_t phase, const char **why)
{
	const struct model_phase *ph = &m->phases[phase];

	if (ph->io_caveat) {
		/* measured: the victim's disk bombs against the neighbours' (io-share.h) */
		if (why)
			*why = ph->io_caveat_why;
		return ph->io_caveat;
	}
	if (!m->io_weight_note || !ph->priority)
		return NULL;
	for (size_t i = 0; i < ph->n_bombs; i++)
		for (size_t k = 0; k < m->n_bomb_defs; k++)
			if (strcmp(ph->bombs[i], m->bomb_defs[k].name) == 0 &&
			    m->bomb_defs[k].kind && strcmp(m->bomb_defs[k].kind, "disk") == 0) {
				if (why)
					*why = m->io_weight_note;
				return "CPU weight only: no I/O weight on this host";
			}
	return NULL;
}
