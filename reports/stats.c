// SPDX-License-Identifier: MIT
/*
 * Per-phase figures over the valid rounds: counts, latencies from the merged
 * histograms, round-to-round intervals, the bombs' achieved load, the
 * victim's CPU share; weight sweeps; the entry point stats_compute(). Every
 * interval is over rounds, never over the requests inside one round.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "curves.h"
#include "hist.h"
#include "protect.h"
#include "stats-pair.h"

const char *stats_config_check(const struct stats_config *c)
{
	if (!(c->partial_pct >= 0 && c->partial_pct <= c->protected_pct && c->protected_pct <= 100))
		return "thresholds must satisfy 0 <= partial-pct <= protected-pct <= 100";
	if (!isnan(c->min_effect_pct) && !(c->min_effect_pct >= 0 && c->min_effect_pct <= 100))
		return "min-effect must be within 0-100";
	if (!(c->confidence_pct >= 50 && c->confidence_pct <= 99.9))
		return "confidence must be within 50-99.9";
	if (!isnan(c->slo_target_pct) && !(c->slo_target_pct >= 0 && c->slo_target_pct <= 100))
		return "slo-target must be within 0-100";
	return NULL;
}

/* An interval of the mean of v over rounds; on the log scale (geometric) when geo. */
static struct stats_ci round_ci(double *v, size_t n, double conf, bool geo)
{
	struct stats_ci ci;
	double mean, sd;
	size_t k;

	for (size_t i = 0; geo && i < n; i++)
		v[i] = v[i] > 0 ? log(v[i]) : NAN;
	k = stats_mean_sd(v, n, &mean, &sd);
	ci = stats_t_interval(mean, sd, k, conf);
	if (geo && isfinite(ci.lo)) {
		ci.lo = exp(ci.lo);
		ci.hi = exp(ci.hi);
	}
	return ci;
}

/* The round-to-round intervals and the primary measure of one phase. */
static int phase_rounds(const struct model *m, const struct stats *s, size_t phase,
			struct stats_phase *sp)
{
	double *p99 = calloc(m->n_runs + 1, sizeof(*p99)),
	       *mean = calloc(m->n_runs + 1, sizeof(double));
	double *ok = calloc(m->n_runs + 1, sizeof(*ok)),
	       *raw = calloc(m->n_runs + 1, sizeof(double));
	double conf = s->cfg.confidence_pct, sd;
	size_t n = 0;
	int r = -ENOMEM;

	if (!p99 || !mean || !ok || !raw)
		goto out;
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];
		const struct model_probe *p = &run->probe;
		bool lat = p->present && p->lat.present;

		if (run->phase != phase || !run->valid)
			continue;
		p99[n] = lat ? p->lat.p99 : NAN;
		mean[n] = lat ? p->lat.mean : NAN;
		ok[n] = p->present ? (double)p->ok : 0;
		raw[n++] = stats_run_raw(run, s->closed_loop);
	}
	sp->p99_ci = round_ci(p99, n, conf, true);
	sp->mean_ci = round_ci(mean, n, conf, true);
	sp->ok_ci = round_ci(ok, n, conf, false);
	sp->n_score = stats_mean_sd(raw, n, &sp->raw, &sd);
	r = 0;
out:
	free(p99);
	free(mean);
	free(ok);
	free(raw);
	return r;
}

static void add_latency(struct model_latency *acc, double *wsum, const struct model_probe *p)
{
	double w = (double)p->ok;

	if (!p->lat.present || !p->ok)
		return;
	*wsum += w;
	acc->min = acc->present ? fmin(acc->min, p->lat.min) : p->lat.min;
	acc->max = acc->present ? fmax(acc->max, p->lat.max) : p->lat.max;
	acc->mean += w * p->lat.mean;
	acc->stdev += w * p->lat.stdev;
	acc->p50 += w * p->lat.p50;
	acc->p90 += w * p->lat.p90;
	acc->p99 += w * p->lat.p99;
	acc->p999 += w * p->lat.p999;
	acc->present = true;
}

static void latency_of(struct stats_phase *sp, const struct model_latency *acc, double wsum,
		       size_t with_hist)
{
	const struct hist *h = sp->merged;

	sp->q1_ms = sp->q3_ms = NAN;
	if (h && with_hist == sp->reported) {
		sp->from_hist = true;
		sp->lat.present = true;
		sp->lat.min = hist_min(h) / 1e6;
		sp->lat.max = hist_max(h) / 1e6;
		sp->lat.mean = hist_mean(h) / 1e6;
		sp->lat.stdev = hist_stdev(h) / 1e6;
		sp->lat.p50 = hist_percentile(h, 50) / 1e6;
		sp->lat.p90 = hist_percentile(h, 90) / 1e6;
		sp->lat.p99 = hist_percentile(h, 99) / 1e6;
		sp->lat.p999 = hist_percentile(h, 99.9) / 1e6;
		sp->q1_ms = hist_percentile(h, 25) / 1e6;
		sp->q3_ms = hist_percentile(h, 75) / 1e6;
	} else if (acc->present && wsum > 0) {
		sp->lat = *acc;
		sp->lat.mean /= wsum;
		sp->lat.stdev /= wsum;
		sp->lat.p50 /= wsum;
		sp->lat.p90 /= wsum;
		sp->lat.p99 /= wsum;
		sp->lat.p999 /= wsum;
	} else {
		sp->lat.present = false;
	}
}

/* Each bomb's achieved rate (its own result) in one run, summed into sp. */
static void add_bomb_rates(const struct model_phase *ph, const struct model_run *run,
			   struct stats_phase *sp, size_t *n_rate)
{
	for (size_t j = 0; j < run->n_bombs && j < ph->n_bombs; j++) {
		if (!run->bombs[j].present) {
			sp->bomb_dnr++;
			continue;
		}
		if (run->valid && isfinite(run->bombs[j].rate)) {
			sp->bomb_rate[j] += run->bombs[j].rate;
			sp->bomb_rate_key[j] = run->bombs[j].rate_key;
			n_rate[j]++;
		}
	}
}

/* Counts and latencies of one phase over its valid rounds. */
static int phase_aggregate(const struct model *m, size_t phase, struct stats_phase *sp)
{
	const struct model_phase *ph = &m->phases[phase];
	double wsum = 0, tput = 0;
	size_t with_hist = 0, tput_n = 0, *n_rate;
	struct model_latency acc = { 0 };

	sp->bomb_rate = calloc(ph->n_bombs + 1, sizeof(*sp->bomb_rate));
	sp->bomb_rate_key = calloc(ph->n_bombs + 1, sizeof(*sp->bomb_rate_key));
	n_rate = calloc(ph->n_bombs + 1, sizeof(*n_rate));
	if (!sp->bomb_rate || !sp->bomb_rate_key || !n_rate) {
		free(n_rate);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];
		const struct model_probe *p = &run->probe;

		if (run->phase != phase)
			continue;
		sp->rounds++;
		sp->dnr_rounds += !p->present;
		add_bomb_rates(ph, run, sp, n_rate);
		if (!run->valid) {
			sp->invalid++;
			continue;
		}
		sp->valid++;
		if (!p->present)
			continue;
		sp->reported++;
		sp->requests += p->requests;
		sp->ok += p->ok;
		sp->failed += p->failed;
		if (isfinite(p->throughput_rps)) {
			tput += p->throughput_rps;
			tput_n++;
		}
		if (p->n_buckets) {
			if (!sp->merged && !(sp->merged = hist_new())) {
				free(n_rate);
				return -ENOMEM;
			}
			for (size_t k = 0; k < p->n_buckets; k++)
				hist_record_n(sp->merged, p->buckets[k].value_ns,
					      p->buckets[k].count);
			with_hist++;
		}
		add_latency(&acc, &wsum, p);
	}
	for (size_t j = 0; j < ph->n_bombs; j++)
		sp->bomb_rate[j] = n_rate[j] ? sp->bomb_rate[j] / n_rate[j] : NAN;
	free(n_rate);
	sp->dnr = sp->rounds > 0 && sp->reported == 0;
	sp->success_pct = sp->requests ? 100.0 * sp->ok / sp->requests : NAN;
	sp->throughput_rps = tput_n ? tput / tput_n : NAN;
	sp->ok_per_round = sp->valid ? (double)sp->ok / sp->valid : NAN;
	latency_of(sp, &acc, wsum, with_hist);
	return 0;
}

static struct stats_load *load_entry(struct stats_phase *sp, const char *bomb, size_t cap)
{
	for (size_t i = 0; i < sp->n_loads; i++)
		if (!strcmp(sp->loads[i].bomb, bomb))
			return &sp->loads[i];
	if (sp->n_loads >= cap)
		return NULL;
	sp->loads[sp->n_loads] = (struct stats_load){ .bomb = bomb, .share_min = INFINITY };
	return &sp->loads[sp->n_loads++];
}

/* The victim's CPU share, each bomb's achieved load, the scheduler read back. */
static int phase_mechanism(const struct model *m, size_t phase, struct stats_phase *sp)
{
	size_t cap = MODEL_MAX_BOMBS;
	double cpu = 0;

	sp->loads = calloc(cap, sizeof(*sp->loads));
	if (!sp->loads)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *run = &m->runs[i];

		if (run->phase != phase || !run->valid)
			continue;
		if (isfinite(run->victim_cpu_pct)) {
			cpu += run->victim_cpu_pct;
			sp->n_victim_cpu++;
		}
		if (!sp->victim_cpu_source)
			sp->victim_cpu_source = run->victim_cpu_source;
		if (!sp->sched && run->sched.present)
			sp->sched = &run->sched;
		for (size_t j = 0; j < run->n_achieved; j++) {
			const struct model_achieved *a = &run->achieved[j];
			struct stats_load *ld = load_entry(sp, a->bomb, cap);

			if (!ld)
				continue;
			if (!ld->unit)
				ld->unit = a->unit;
			ld->requested = ld->n ? ld->requested + a->requested : a->requested;
			ld->achieved = ld->n ? ld->achieved + a->achieved : a->achieved;
			ld->share_pct = ld->n ? ld->share_pct + a->share_pct : a->share_pct;
			if (a->share_pct < ld->share_min)
				ld->share_min = a->share_pct;
			ld->n++;
		}
	}
	sp->victim_cpu_pct = sp->n_victim_cpu ? cpu / sp->n_victim_cpu : NAN;
	for (size_t k = 0; k < sp->n_loads; k++) {
		struct stats_load *ld = &sp->loads[k];

		ld->requested /= ld->n;
		ld->achieved /= ld->n;
		ld->share_pct /= ld->n;
		if (!isfinite(ld->share_min))
			ld->share_min = NAN;
	}
	return 0;
}

static int cmp_points(const void *a, const void *b)
{
	const struct stats_sweep_point *x = a, *y = b;

	return (x->x > y->x) - (x->x < y->x);
}

static struct stats_sweep *sweep_of(const struct model *m, struct stats *s, size_t i)
{
	const struct model_phase *ph = &m->phases[i];
	struct stats_sweep *sw;

	for (size_t k = 0; k < s->n_sweeps; k++)
		if (s->sweeps[k].twin == ph->twin_idx &&
		    !strcmp(s->sweeps[k].key ? s->sweeps[k].key : "",
			    ph->sweep_key ? ph->sweep_key : ""))
			return &s->sweeps[k];
	sw = &s->sweeps[s->n_sweeps++];
	sw->twin = ph->twin_idx;
	sw->key = ph->sweep_key;
	sw->x_is_ratio = true;
	sw->points = calloc(m->n_phases + 1, sizeof(*sw->points));
	if (!sw->points)
		return NULL;
	if (sw->twin != SIZE_MAX && isfinite(m->phases[sw->twin].weight_ratio))
		sw->points[sw->n_points++] = (struct stats_sweep_point){ sw->twin, 1.0 };
	return sw;
}

static int sweeps(const struct model *m, struct stats *s)
{
	s->sweeps = calloc(m->n_phases + 1, sizeof(*s->sweeps));
	if (!s->sweeps)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_phases; i++) {
		const struct model_phase *ph = &m->phases[i];
		struct stats_sweep *sw;

		if (!ph->is_sweep || curves_key(ph->sweep_key) ||
		    (ph->sweep_key && !strncmp(ph->sweep_key, "hogs.", 5)))
			continue; /* curves (curves.c) and hogs curves (hogs.c), not weight sweeps */
		sw = sweep_of(m, s, i);
		if (!sw)
			return -ENOMEM;
		sw->points[sw->n_points++] = (struct stats_sweep_point){ i, ph->weight_ratio };
		if (!isfinite(ph->weight_ratio))
			sw->x_is_ratio = false;
	}
	for (size_t k = 0; k < s->n_sweeps; k++) {
		struct stats_sweep *sw = &s->sweeps[k];

		if (!sw->x_is_ratio) {
			size_t j = 0;

			for (size_t i = 0; i < sw->n_points; i++)
				if (m->phases[sw->points[i].phase].is_sweep) {
					sw->points[j] = sw->points[i];
					sw->points[j++].x =
						m->phases[sw->points[i].phase].sweep_value;
				}
			sw->n_points = j;
		}
		qsort(sw->points, sw->n_points, sizeof(*sw->points), cmp_points);
	}
	return 0;
}

/* The rules in force: the user's min effect, else the scenario's, else the default. */
static void resolve_rules(const struct model *m, struct stats *s)
{
	const struct stats_config *c = &s->cfg;

	s->rules.min_effect = c->min_effect_pct;
	s->min_effect_source = "option";
	if (isnan(s->rules.min_effect)) {
		s->rules.min_effect = m->design.min_effect_pct;
		s->min_effect_source = "scenario";
	}
	if (isnan(s->rules.min_effect)) {
		s->rules.min_effect = STATS_MIN_EFFECT_DEFAULT;
		s->min_effect_source = "default";
	}
	s->rules.protected_pct = c->protected_pct;
	s->rules.partial_pct = c->partial_pct;
	s->rules.confidence_pct = c->confidence_pct;
	s->rules.min_rounds = m->design.min_valid_rounds > STATS_MIN_ROUNDS
				      ? m->design.min_valid_rounds
				      : STATS_MIN_ROUNDS;
	s->closed_loop = m->closed_loop;
	s->measure = s->closed_loop ? "good_per_s" : "good_pct";
	s->indicative = m->precalibration;
	s->indicative_why = m->precalibration ? "measured before calibration" : NULL;
	if (!m->precalibration && m->cal.status && !strcmp(m->cal.status, "failed")) {
		s->indicative = true;
		s->indicative_why = "the calibration failed";
	}
	s->aa = m->aa;
	s->aa_floor = NAN;
	for (size_t i = 0; i < m->n_runs; i++) {
		s->n_invalid += !m->runs[i].valid;
		if (m->runs[i].round > s->rounds)
			s->rounds = m->runs[i].round;
	}
}

int stats_compute(const struct model *m, const struct stats_config *cfg, struct stats **out)
{
	struct stats *s;
	int r = -ENOMEM;

	if (stats_config_check(cfg))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	resolve_rules(m, s);
	s->n_phases = m->n_phases;
	s->phases = calloc(m->n_phases + 1, sizeof(*s->phases));
	if (!s->phases)
		goto out_free;
	for (size_t i = 0; i < m->n_phases; i++) {
		r = phase_aggregate(m, i, &s->phases[i]);
		if (!r)
			r = phase_rounds(m, s, i, &s->phases[i]);
		if (!r)
			r = phase_mechanism(m, i, &s->phases[i]);
		if (r)
			goto out_free;
	}
	r = stats_pair_all(m, s);
	if (!r)
		r = sweeps(m, s);
	if (!r)
		r = curves_compute(m, s, cfg->slo_target_pct, &s->curves);
	if (!r)
		r = ttp_compute(m, s, &s->ttp);
	if (r)
		goto out_free;
	*out = s;
	return 0;

out_free:
	stats_free(s);
	return r;
}

void stats_free(struct stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->phases && i < s->n_phases; i++) {
		struct stats_phase *p = &s->phases[i];

		hist_free(p->merged);
		free(p->bomb_rate);
		free(p->bomb_rate_key);
		free(p->loads);
	}
	free(s->phases);
	for (size_t k = 0; k < s->n_sweeps; k++)
		free(s->sweeps[k].points);
	free(s->sweeps);
	free(s->prot);
	curves_free(s->curves);
	ttp_free(s->ttp);
	free(s);
}

size_t stats_prio_of(const struct model *m, size_t i)
{
	for (size_t j = 0; j < m->n_phases; j++)
		if (m->phases[j].twin_idx == i && !m->phases[j].is_sweep)
			return j;
	return SIZE_MAX;
}

bool stats_is_group(const struct model *m, size_t i)
{
	const struct model_phase *ph = &m->phases[i];

	if (ph->is_baseline || ph->is_sweep || i == m->aa)
		return false;
	return ph->twin_idx == SIZE_MAX || m->phases[ph->twin_idx].is_baseline;
}

const struct stats_protection *stats_prot_of(const struct stats *s, size_t phase)
{
	for (size_t i = 0; i < s->n_prot; i++)
		if (s->prot[i].phase == phase)
			return &s->prot[i];
	return NULL;
}

void stats_count_undecided(const struct model *m, const struct stats *s, unsigned *total,
			   unsigned *undecided)
{
	unsigned t = 0, u = 0;

	for (size_t i = 0; m->baseline != SIZE_MAX && i < m->n_phases; i++) {
		if (!stats_is_group(m, i) && i != s->aa)
			continue;
		t++;
		u += verdict_undecided(s->phases[i].verdict);
	}
	for (size_t k = 0; k < s->n_prot; k++) {
		t++;
		u += verdict_undecided(s->prot[k].verdict);
	}
	*total = t;
	*undecided = u;
}
