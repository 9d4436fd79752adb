// SPDX-License-Identifier: MIT
/* The victim's share of the disk against the share its io weight should give (io-share.h). */
#include "io-share.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io-weight.h"

/* the local backend's own mapping (lib/io-weight.c), on the weight the manifest read back */
double io_share_knob_weight(const char *knob, double xen)
{
	uint64_t w;

	if (!knob || !isfinite(xen))
		return NAN;
	w = io_weight_from_xen(knob, xen < 1 ? 1 : xen > 65535 ? 65535 : lround(xen));
	return w ? (double)w : NAN;
}

static const struct model_bomb_def *bomb_def(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_bomb_defs; i++)
		if (!strcmp(m->bomb_defs[i].name, name))
			return &m->bomb_defs[i];
	return NULL;
}

static bool is_disk(const struct model_bomb_def *d)
{
	return d && d->kind && d->vm && !strcmp(d->kind, "disk");
}

static double achieved(const struct model_run *r, const char *bomb)
{
	for (size_t i = 0; i < r->n_achieved; i++)
		if (r->achieved[i].bomb && !strcmp(r->achieved[i].bomb, bomb))
			return r->achieved[i].achieved;
	return NAN;
}

/* The victim's % of the bytes the phase's disk bombs moved in run r; NaN unless both sides ran. */
static double run_share(const struct model *m, const struct model_phase *ph,
			const struct model_run *r)
{
	double mine = 0, theirs = 0;
	bool have_mine = false, have_theirs = false;

	for (size_t i = 0; i < ph->n_bombs; i++) {
		const struct model_bomb_def *d = bomb_def(m, ph->bombs[i]);
		double a = achieved(r, ph->bombs[i]);

		if (!is_disk(d))
			continue;
		if (!isfinite(a))
			return NAN;
		if (!strcmp(d->vm, m->victim_vm)) {
			mine += a;
			have_mine = true;
		} else {
			theirs += a;
			have_theirs = true;
		}
	}
	if (!have_mine || !have_theirs || mine + theirs <= 0)
		return NAN;
	return 100.0 * mine / (mine + theirs);
}

static double phase_share(const struct model *m, size_t phase)
{
	double sum = 0;
	unsigned n = 0;

	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];
		double s;

		if (r->phase != phase || !r->valid)
			continue;
		s = run_share(m, &m->phases[phase], r);
		if (isfinite(s)) {
			sum += s;
			n++;
		}
	}
	return n ? sum / n : NAN;
}

static double sched_weight(const struct model_sched *sc, const char *vm)
{
	for (size_t k = 0; k < sc->n_start; k++)
		if (!strcmp(sc->start[k].vm, vm))
			return sc->start[k].weight;
	return NAN;
}

/* The victim's % by the io weights read back in the phase's first valid run with them. */
static double weights_share(const struct model *m, size_t phase)
{
	const struct model_phase *ph = &m->phases[phase];

	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];
		double mine, theirs = 0;

		if (r->phase != phase || !r->valid || !r->sched.present)
			continue;
		mine = io_share_knob_weight(m->io_weight_knob,
					    sched_weight(&r->sched, m->victim_vm));
		/* each neighbour VM with a disk bomb counts once: the weight is the VM's */
		for (size_t b = 0; b < ph->n_bombs; b++) {
			const struct model_bomb_def *d = bomb_def(m, ph->bombs[b]);
			bool seen = false;

			if (!is_disk(d) || !strcmp(d->vm, m->victim_vm))
				continue;
			for (size_t c = 0; c < b && !seen; c++) {
				const struct model_bomb_def *e = bomb_def(m, ph->bombs[c]);

				seen = is_disk(e) && !strcmp(e->vm, d->vm);
			}
			if (!seen)
				theirs += io_share_knob_weight(m->io_weight_knob,
							       sched_weight(&r->sched, d->vm));
		}
		if (isfinite(mine) && isfinite(theirs) && mine + theirs > 0)
			return 100.0 * mine / (mine + theirs);
	}
	return NAN;
}

static int judge_phase(struct model *m, size_t idx)
{
	struct model_phase *ph = &m->phases[idx];
	double want, moved;
	char buf[256], why[600];

	ph->io_share_pct = phase_share(m, idx);
	ph->io_share_equal_pct = phase_share(m, ph->twin_idx);
	ph->io_share_weights_pct = weights_share(m, idx);
	want = ph->io_share_weights_pct - ph->io_share_equal_pct;
	moved = ph->io_share_pct - ph->io_share_equal_pct;
	if (!isfinite(want) || !isfinite(moved) || want < 5)
		return 0; /* not measured, or the weights ask for no more than an equal split */
	snprintf(buf, sizeof(buf),
		 "%s: victim's disk share %.0f %% (%.0f %% at equal weights; its io weight gives "
		 "%.0f %%)",
		 moved < want / 2 ? "I/O weight did not take effect" : "I/O weight took effect",
		 ph->io_share_pct, ph->io_share_equal_pct, ph->io_share_weights_pct);
	ph->io_caveat = strdup(buf);
	if (!ph->io_caveat)
		return -ENOMEM;
	snprintf(why, sizeof(why),
		 "%s; measured from the bytes the victim's own disk bombs and the neighbours' "
		 "moved (bombs_achieved), mean over valid rounds; the io weights (%s) give that "
		 "share only while both keep requests queued at the disk",
		 buf, m->io_weight_knob);
	ph->io_caveat_why = strdup(why);
	return ph->io_caveat_why ? 0 : -ENOMEM;
}

int io_share_judge(struct model *m)
{
	for (size_t i = 0; i < m->n_phases; i++) {
		struct model_phase *ph = &m->phases[i];
		int r;

		ph->io_share_pct = ph->io_share_equal_pct = ph->io_share_weights_pct = NAN;
		if (!m->io_weight_knob || !m->victim_vm || !ph->priority ||
		    ph->twin_idx >= m->n_phases || ph->is_sweep)
			continue;
		r = judge_phase(m, i);
		if (r)
			return r;
	}
	return 0;
}
