// SPDX-License-Identifier: MIT
/*
 * One step of `isolab advise`: a run of the baseline and the phase with the
 * knob at one value (rounds = auto, no A/A), then its results read back with
 * the reports' paired statistics: meets, fails, or undecided.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "advise.h"
#include "clock.h"
#include "log.h"
#include "model.h"
#include "run.h"
#include "scenario-knob.h"
#include "scenario-phase.h"
#include "scenario.h"
#include "sig.h"
#include "stats.h"

#define STEP_MIN_TIME_NS (30 * NSEC_PER_SEC) /* max_time's floor */

/* The scenario of one step: the baseline and the phase, the knob set, the load fixed. */
static int step_scenario(struct advise_ctx *ctx, int value, uint64_t budget_ns,
			 struct scenario **out)
{
	const struct advise_opts *o = ctx->o;
	struct scenario *s = NULL;
	char err[1024], list[300];
	int r;

	r = scenario_parse(o->scenario_path, ctx->text, ctx->text_len, &s, err, sizeof(err));
	if (r == 0) {
		snprintf(list, sizeof(list), "%s,%s", ctx->baseline, o->phase);
		r = scenario_select_phases(s, list, err, sizeof(err));
	}
	if (r < 0) {
		log_error("advise: %s", err);
		scenario_free(s);
		return r;
	}
	/* no A/A twin: a step compares one phase with the baseline */
	for (size_t i = 0; i < s->n_phases;)
		if (s->phases[i].aa_of) {
			scn_phase_done(&s->phases[i]);
			memmove(&s->phases[i], &s->phases[i + 1],
				(s->n_phases - i - 1) * sizeof(s->phases[0]));
			s->n_phases--;
		} else {
			i++;
		}
	for (size_t i = 0; i < s->n_phases && r == 0; i++)
		if (!strcmp(s->phases[i].name, o->phase))
			r = scn_phase_set_prio(&s->phases[i], ctx->vm, ctx->weight, value);
	s->design.rounds_auto = true;
	s->rounds = SCN_MIN_VALID_ROUNDS;
	s->design.max_rounds = o->step_rounds;
	s->design.aa = false;
	s->design.max_time_ns = budget_ns > STEP_MIN_TIME_NS ? budget_ns : STEP_MIN_TIME_NS;
	if (ctx->rate_rps > 0) { /* every step at the first step's calibrated rate */
		s->design.load_mode = SCN_LOAD_RATE;
		s->design.rate_rps = ctx->rate_rps;
	}
	if (ctx->slo_ns)
		s->design.slo_ns = ctx->slo_ns;
	if (r < 0) {
		scenario_free(s);
		return r;
	}
	*out = s;
	return 0;
}

/* meets, fails or undecided from the step's figures. */
static enum advise_outcome decide(const struct advise_ctx *ctx, const struct advise_step *st)
{
	return advise_outcome_of(st->rounds, SCN_MIN_VALID_ROUNDS, st->diff_lo, st->diff_hi,
				 st->good_lo, st->good_hi, ctx->min_effect, ctx->o->target);
}

/* The first step fixes the load, the SLO and the measure every later step keeps. */
static void first_step(struct advise_ctx *ctx, const struct model *m, const struct stats *s)
{
	if (ctx->rate_rps > 0)
		return;
	if (m->load.mode && !strcmp(m->load.mode, "open") && m->load.rate_rps > 0)
		ctx->rate_rps = m->load.rate_rps;
	if (!ctx->slo_ns && m->load.slo_ms > 0)
		ctx->slo_ns = (uint64_t)(m->load.slo_ms * 1e6);
	ctx->min_effect = s->rules.min_effect;
	ctx->measure = s->measure;
	snprintf(ctx->backend, sizeof(ctx->backend), "%s", m->backend ? m->backend : "");
	snprintf(ctx->scheduler, sizeof(ctx->scheduler), "%s", m->scheduler ? m->scheduler : "");
}

/* The step's figures from its results directory. */
static int read_step(struct advise_ctx *ctx, struct advise_step *st)
{
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512];
	size_t i;
	int r;

	r = model_load(st->run_dir, &m, err, sizeof(err));
	if (r) {
		log_error("advise: %s", err);
		return r;
	}
	r = stats_compute(m, &cfg, &s);
	if (r) {
		model_free(m);
		return r;
	}
	first_step(ctx, m, s);
	i = model_phase_index(m, ctx->o->phase);
	if (i != SIZE_MAX) {
		const struct stats_phase *sp = &s->phases[i];

		st->rounds = (unsigned)sp->cmp.n;
		st->good = sp->score;
		st->good_lo = sp->score_ci.lo;
		st->good_hi = sp->score_ci.hi;
		st->base = sp->cmp.ref;
		st->diff = sp->cmp.mean;
		st->diff_lo = sp->cmp.ci.lo;
		st->diff_hi = sp->cmp.ci.hi;
		st->victim_cpu_pct = sp->victim_cpu_pct;
	}
	stats_free(s);
	model_free(m);
	return 0;
}

int advise_step(struct advise_ctx *ctx, int value, uint64_t budget_ns, struct advise_step *st)
{
	struct run_opts ro = {
		.results_root = ctx->dir,
		.override = ctx->backend_override,
		.quiet = true,
		.dir_out = st->run_dir,
		.dir_out_len = sizeof(st->run_dir),
	};
	struct scenario *s = NULL;
	char *text = NULL;
	uint64_t t0 = clock_now_ns();
	int r;

	*st = (struct advise_step){ .value = value, .outcome = ADVISE_UNDECIDED };
	st->good = st->good_lo = st->good_hi = st->base = NAN;
	st->diff = st->diff_lo = st->diff_hi = st->victim_cpu_pct = NAN;
	r = step_scenario(ctx, value, budget_ns, &s);
	if (r < 0)
		return r;
	/* scenario.ini of the step: the file as given, and what advise changed */
	if (asprintf(&text,
		     "%s\n; isolab advise: phases %s and %s only, %s.%s = %d in %s, rounds = auto "
		     "(at most %u), aa = no%s\n",
		     ctx->text, ctx->baseline, ctx->o->phase, ctx->weight ? "weight" : "cap",
		     ctx->vm, value, ctx->o->phase, ctx->o->step_rounds,
		     ctx->rate_rps > 0 ? ", rate and SLO of the first step" : "") < 0) {
		scenario_free(s);
		return -ENOMEM;
	}
	log_info("advise: %s.%s = %d under phase %s", ctx->weight ? "weight" : "cap", ctx->vm,
		 value, ctx->o->phase);
	(void)run_scenario(s, text, &ro);
	st->elapsed_s = ns_to_s(clock_now_ns() - t0);
	free(text);
	scenario_free(s);
	if (!st->run_dir[0])
		return -EIO;
	r = read_step(ctx, st);
	if (r == 0)
		st->outcome = decide(ctx, st);
	return sig_stop_requested() ? -EINTR : r;
}
