// SPDX-License-Identifier: MIT
/* summary.json: per phase over rounds, with comparisons (schema in docs/reports.md). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "hogs.h"
#include "render.h"

#define SUMMARY_SCHEMA 2

static void latency(struct json_writer *w, const struct stats_phase *sp)
{
	const struct model_latency *l = &sp->lat;
	bool p = l->present;

	json_key(w, "latency_ms");
	json_obj_begin(w);
	json_kv_double(w, "min", p ? l->min : NAN);
	json_kv_double(w, "q1", p ? sp->q1_ms : NAN);
	json_kv_double(w, "p50", p ? l->p50 : NAN);
	json_kv_double(w, "q3", p ? sp->q3_ms : NAN);
	json_kv_double(w, "p90", p ? l->p90 : NAN);
	json_kv_double(w, "p99", p ? l->p99 : NAN);
	json_kv_double(w, "p999", p ? l->p999 : NAN);
	json_kv_double(w, "max", p ? l->max : NAN);
	json_kv_double(w, "mean", p ? l->mean : NAN);
	json_kv_double(w, "stdev", p ? l->stdev : NAN);
	json_obj_end(w);
	json_kv_str(w, "latency_source", sp->from_hist ? "histogram" : p ? "rounds" : "none");
}

static void effect(struct json_writer *w, const char *k, const struct verdict_effect *e)
{
	json_key(w, k);
	json_obj_begin(w);
	json_kv_uint(w, "rounds", e->n);
	json_kv_double(w, "difference", e->mean);
	json_kv_interval(w, "ci", e->ci.lo, e->ci.hi);
	json_kv_double(w, "sd", e->sd);
	json_obj_end(w);
}

static void ratio(struct json_writer *w, const char *k, const char *kci, struct stats_ratio r)
{
	json_kv_double(w, k, r.ratio);
	json_kv_interval(w, kci, r.ci.lo, r.ci.hi);
}

static void vs_baseline(struct json_writer *w, const struct stats *s, const struct stats_phase *sp)
{
	json_key(w, "vs_baseline");
	if (!sp->has_cmp) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_str(w, "verdict", verdict_name(sp->verdict));
	json_kv_bool(w, "indicative", s->indicative || sp->verdict == VERDICT_INDICATIVE);
	json_kv_str(w, "reason", sp->reason);
	json_kv_uint(w, "rounds", sp->cmp.n);
	json_kv_uint(w, "rounds_needed", sp->cmp.rounds_needed);
	json_kv_double(w, "difference", sp->cmp.mean);
	json_kv_interval(w, "difference_ci", sp->cmp.ci.lo, sp->cmp.ci.hi);
	json_kv_double(w, "ok_change_pct", sp->ok_change_pct);
	json_kv_interval(w, "ok_change_pct_ci", sp->ok_change_ci.lo, sp->ok_change_ci.hi);
	ratio(w, "p50_ratio", "p50_ratio_ci", sp->r_p50);
	ratio(w, "p99_ratio", "p99_ratio_ci", sp->r_p99);
	ratio(w, "p999_ratio", "p999_ratio_ci", sp->r_p999);
	ratio(w, "throughput_ratio", "throughput_ratio_ci", sp->r_tput);
	json_obj_end(w);
}

static void sched_vms(struct json_writer *w, const char *k, const struct model_sched_vm *v,
		      size_t n)
{
	json_key(w, k);
	json_obj_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_key(w, v[i].vm);
		json_obj_begin(w);
		json_kv_double(w, "weight", v[i].weight);
		json_kv_double(w, "cap", v[i].cap);
		if (v[i].live < 0)
			json_kv_null(w, "live");
		else
			json_kv_bool(w, "live", v[i].live);
		json_obj_end(w);
	}
	json_obj_end(w);
}

static void mechanism(struct json_writer *w, const struct stats_phase *sp)
{
	json_key(w, "mechanism");
	json_obj_begin(w);
	json_kv_double(w, "victim_cpu_share_pct", sp->victim_cpu_pct);
	json_kv_str(w, "victim_cpu_source", sp->victim_cpu_source);
	json_key(w, "bombs_achieved");
	json_arr_begin(w);
	for (size_t k = 0; k < sp->n_loads; k++) {
		const struct stats_load *l = &sp->loads[k];

		json_obj_begin(w);
		json_kv_str(w, "bomb", l->bomb);
		json_kv_double(w, "requested", l->requested);
		json_kv_double(w, "achieved", l->achieved);
		json_kv_double(w, "share_pct", l->share_pct);
		json_kv_double(w, "share_min_pct", l->share_min);
		json_kv_str(w, "unit", l->unit);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "sched");
	if (sp->sched) {
		json_obj_begin(w);
		json_kv_str(w, "scheduler", sp->sched->scheduler);
		json_kv_str(w, "details", sp->sched->details);
		sched_vms(w, "start", sp->sched->start, sp->sched->n_start);
		sched_vms(w, "end", sp->sched->end, sp->sched->n_end);
		json_obj_end(w);
	} else {
		json_null(w);
	}
	json_obj_end(w);
}

static void phase(struct json_writer *w, const struct model *m, const struct stats *s, size_t i)
{
	const struct model_phase *ph = &m->phases[i];
	const struct stats_phase *sp = &s->phases[i];

	json_obj_begin(w);
	json_kv_str(w, "name", ph->name);
	json_key(w, "bombs");
	json_arr_begin(w);
	for (size_t b = 0; b < ph->n_bombs; b++)
		json_str(w, ph->bombs[b]);
	json_arr_end(w);
	json_kv_str(w, "priority", ph->priority);
	json_kv_str(w, "twin", ph->twin);
	json_kv_bool(w, "baseline", ph->is_baseline);
	json_key(w, "sweep");
	if (ph->is_sweep) {
		json_obj_begin(w);
		json_kv_str(w, "key", ph->sweep_key);
		json_kv_double(w, "value", ph->sweep_value);
		json_obj_end(w);
	} else {
		json_null(w);
	}
	json_kv_double(w, "weight_ratio", ph->weight_ratio);
	json_kv_uint(w, "rounds", sp->rounds);
	json_kv_uint(w, "rounds_valid", sp->valid);
	json_kv_uint(w, "rounds_invalid", sp->invalid);
	json_kv_uint(w, "rounds_reported", sp->reported);
	json_kv_uint(w, "dnr_rounds", sp->dnr_rounds);
	json_kv_uint(w, "bomb_dnr", sp->bomb_dnr);
	json_kv_bool(w, "dnr", sp->dnr);
	json_kv_uint(w, "requests", sp->requests);
	json_kv_uint(w, "ok", sp->ok);
	json_kv_uint(w, "failed", sp->failed);
	json_kv_double(w, "success_pct", sp->success_pct);
	json_kv_double(w, "throughput_rps", sp->throughput_rps);
	json_kv_double(w, "ok_per_round", sp->ok_per_round);
	json_kv_double(w, s->closed_loop ? "good_per_s" : "good_pct", sp->raw);
	json_kv_double(w, "score", sp->score);
	json_kv_interval(w, "score_ci", sp->score_ci.lo, sp->score_ci.hi);
	latency(w, sp);
	json_key(w, "ci");
	json_obj_begin(w);
	json_kv_double(w, "level_pct", s->cfg.confidence_pct);
	json_kv_interval(w, "mean_ms", sp->mean_ci.lo, sp->mean_ci.hi);
	json_kv_interval(w, "p99_ms", sp->p99_ci.lo, sp->p99_ci.hi);
	json_kv_interval(w, "ok_per_round", sp->ok_ci.lo, sp->ok_ci.hi);
	json_obj_end(w);
	vs_baseline(w, s, sp);
	json_key(w, "bomb_rates");
	json_arr_begin(w);
	for (size_t b = 0; b < ph->n_bombs; b++) {
		json_obj_begin(w);
		json_kv_str(w, "bomb", ph->bombs[b]);
		json_kv_str(w, "metric", sp->bomb_rate_key[b]);
		json_kv_double(w, "mean", sp->bomb_rate[b]);
		json_obj_end(w);
	}
	json_arr_end(w);
	mechanism(w, sp);
	json_obj_end(w);
}

static void protection(struct json_writer *w, const struct model *m, const struct stats *s)
{
	json_key(w, "protection");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_prot; i++) {
		const struct stats_protection *p = &s->prot[i];
		const struct verdict_protection *v = &p->v;

		json_obj_begin(w);
		json_kv_str(w, "phase", m->phases[p->phase].name);
		json_kv_str(w, "twin", m->phases[p->twin].name);
		json_kv_str(w, "metric", s->measure);
		json_kv_uint(w, "rounds", v->n);
		json_kv_double(w, "baseline", v->base);
		json_kv_double(w, "equal", v->equal);
		json_kv_double(w, "prioritised", v->prio);
		json_kv_double(w, "lost", v->lost);
		json_kv_double(w, "recovered", v->prio - v->equal);
		json_kv_double(w, "recovered_pct", v->recovered_pct);
		json_kv_interval(w, "recovered_pct_ci", v->recovered_ci.lo, v->recovered_ci.hi);
		effect(w, "equal_vs_baseline", &v->hurt);
		effect(w, "vs_baseline", &v->vs_base);
		effect(w, "vs_equal", &v->vs_equal);
		json_kv_double(w, "margin", v->margin);
		json_kv_str(w, "verdict", verdict_name(p->verdict));
		json_kv_bool(w, "indicative", s->indicative || p->verdict == VERDICT_INDICATIVE);
		json_kv_str(w, "reason", p->reason);
		json_kv_uint(w, "rounds_needed", v->rounds_needed);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void sweeps(struct json_writer *w, const struct model *m, const struct stats *s)
{
	json_key(w, "sweeps");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_sweeps; i++) {
		const struct stats_sweep *sw = &s->sweeps[i];

		json_obj_begin(w);
		json_kv_str(w, "key", sw->key);
		json_kv_str(w, "twin", sw->twin != SIZE_MAX ? m->phases[sw->twin].name : NULL);
		json_kv_str(w, "x", sw->x_is_ratio ? "weight_ratio" : "value");
		json_key(w, "points");
		json_arr_begin(w);
		for (size_t k = 0; k < sw->n_points; k++) {
			const struct stats_phase *sp = &s->phases[sw->points[k].phase];

			json_obj_begin(w);
			json_kv_str(w, "phase", m->phases[sw->points[k].phase].name);
			json_kv_double(w, "x", sw->points[k].x);
			json_kv_double(w, "p99_ms", sp->lat.present ? sp->lat.p99 : NAN);
			json_kv_interval(w, "p99_ms_ci", sp->p99_ci.lo, sp->p99_ci.hi);
			json_kv_double(w, "success_pct", sp->success_pct);
			json_obj_end(w);
		}
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void runs(struct json_writer *w, const struct model *m)
{
	json_key(w, "runs");
	json_arr_begin(w);
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];
		const struct model_probe *p = &r->probe;
		bool lat = p->present && p->lat.present;

		json_obj_begin(w);
		json_kv_uint(w, "round", r->round);
		json_kv_str(w, "phase", m->phases[r->phase].name);
		json_kv_str(w, "status", r->status ? r->status : p->present ? "ok" : "dnr");
		json_kv_bool(w, "reported", p->present);
		json_key(w, "dnr");
		json_arr_begin(w);
		for (size_t k = 0; k < r->n_dnr; k++)
			json_str(w, r->dnr[k]);
		json_arr_end(w);
		if (p->present) {
			json_kv_uint(w, "requests", p->requests);
			json_kv_uint(w, "ok", p->ok);
			json_kv_uint(w, "failed", p->failed);
		} else {
			json_kv_null(w, "requests");
			json_kv_null(w, "ok");
			json_kv_null(w, "failed");
		}
		json_kv_double(w, "success_pct", p->present ? p->success_pct : NAN);
		json_kv_double(w, "throughput_rps", p->present ? p->throughput_rps : NAN);
		json_kv_double(w, "p50_ms", lat ? p->lat.p50 : NAN);
		json_kv_double(w, "p99_ms", lat ? p->lat.p99 : NAN);
		json_kv_double(w, "mean_ms", lat ? p->lat.mean : NAN);
		json_kv_double(w, "good_pct", p->present && p->has_good ? p->good_pct : NAN);
		json_kv_double(w, "slo_ms", p->present ? p->slo_ms : NAN);
		if (r->order)
			json_kv_uint(w, "order", r->order);
		else
			json_kv_null(w, "order");
		json_kv_bool(w, "valid", r->valid);
		json_key(w, "invalid");
		json_arr_begin(w);
		for (size_t k = 0; k < r->n_invalid; k++)
			json_str(w, r->invalid[k]);
		json_arr_end(w);
		json_kv_double(w, "victim_cpu_share_pct", r->victim_cpu_pct);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void noise(struct json_writer *w, const struct model *m, const struct stats *s)
{
	const struct stats_phase *a = s->aa != SIZE_MAX ? &s->phases[s->aa] : NULL;

	json_key(w, "aa");
	if (!a) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_str(w, "phase", m->phases[s->aa].name);
	json_kv_str(w, "verdict", verdict_name(a->verdict));
	json_kv_uint(w, "rounds", a->cmp.n);
	json_kv_double(w, "difference", a->cmp.mean);
	json_kv_interval(w, "difference_ci", a->cmp.ci.lo, a->cmp.ci.hi);
	json_kv_double(w, "noise_floor", s->aa_floor);
	json_kv_bool(w, "too_noisy", s->aa_noisy);
	json_obj_end(w);
}

static void invalid(struct json_writer *w, const struct model *m)
{
	json_key(w, "invalid");
	json_arr_begin(w);
	for (size_t i = 0; i < m->n_runs; i++) {
		const struct model_run *r = &m->runs[i];

		if (r->valid)
			continue;
		json_obj_begin(w);
		json_kv_uint(w, "round", r->round);
		json_kv_str(w, "phase", m->phases[r->phase].name);
		json_key(w, "reasons");
		json_arr_begin(w);
		for (size_t k = 0; k < r->n_invalid; k++)
			json_str(w, r->invalid[k]);
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void thresholds(struct json_writer *w, const struct stats *s)
{
	const struct stats_config *c = &s->cfg;

	json_key(w, "measure");
	json_obj_begin(w);
	json_kv_str(w, "name", s->measure);
	json_kv_str(w, "unit", s->closed_loop ? "percent_of_baseline" : "points");
	json_kv_bool(w, "indicative", s->indicative);
	json_kv_str(w, "indicative_reason", s->indicative_why);
	json_obj_end(w);
	json_key(w, "thresholds");
	json_obj_begin(w);
	json_kv_double(w, "min_effect", s->rules.min_effect);
	json_kv_str(w, "min_effect_source", s->min_effect_source);
	json_kv_double(w, "protected_pct", c->protected_pct);
	json_kv_double(w, "partial_pct", c->partial_pct);
	json_kv_double(w, "confidence_pct", c->confidence_pct);
	json_kv_uint(w, "min_valid_rounds", s->rules.min_rounds);
	json_obj_end(w);
}

static void design(struct json_writer *w, const struct model *m)
{
	json_key(w, "load");
	if (!m->load.present) {
		json_null(w);
	} else {
		json_obj_begin(w);
		json_kv_str(w, "mode", m->load.mode);
		json_kv_double(w, "share_pct", m->load.share_pct);
		json_kv_double(w, "rate_rps", m->load.rate_rps);
		json_kv_double(w, "slo_ms", m->load.slo_ms);
		json_kv_str(w, "slo_source", m->load.slo_source);
		json_obj_end(w);
	}
	json_key(w, "calibration");
	if (!m->cal.present) {
		json_null(w);
	} else {
		json_obj_begin(w);
		json_kv_str(w, "status", m->cal.status);
		json_kv_double(w, "capacity_rps", m->cal.capacity_rps);
		json_kv_double(w, "p99_ms", m->cal.p99_ms);
		json_obj_end(w);
	}
	json_key(w, "design");
	if (!m->design.present) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	if (m->design.has_seed)
		json_kv_uint(w, "seed", m->design.seed);
	else
		json_kv_null(w, "seed");
	json_kv_str(w, "rounds_mode", m->design.rounds_mode);
	json_kv_uint(w, "max_rounds", m->design.max_rounds);
	json_obj_end(w);
}

int render_json(const struct model *m, const struct stats *s, struct sbuf *out)
{
	struct json_writer *w = json_new(JSON_PRETTY);
	struct hogs h;

	if (!w)
		return -ENOMEM;
	json_obj_begin(w);
	json_kv_str(w, "tool", "isolab-report");
	json_kv_str(w, "version", ISOLAB_VERSION);
	json_kv_int(w, "schema_version", SUMMARY_SCHEMA);
	json_kv_str(w, "run_id", m->run_id);
	json_kv_str(w, "status", m->status);
	json_kv_bool(w, "partial", m->partial);
	json_key(w, "scenario");
	json_obj_begin(w);
	json_kv_str(w, "name", m->scenario_name);
	json_kv_double(w, "duration_s", m->duration_s);
	json_kv_double(w, "warmup_s", m->warmup_s);
	json_kv_uint(w, "rounds_planned", m->rounds_planned);
	json_obj_end(w);
	json_kv_str(w, "backend", m->backend);
	json_kv_str(w, "scheduler", m->scheduler);
	json_kv_str(w, "baseline", m->baseline != SIZE_MAX ? m->phases[m->baseline].name : NULL);
	json_key(w, "warnings");
	json_arr_begin(w);
	for (size_t i = 0; i < m->n_warnings; i++)
		json_str(w, m->warnings[i]);
	json_arr_end(w);
	thresholds(w, s);
	design(w, m);
	noise(w, m, s);
	invalid(w, m);
	json_key(w, "phases");
	json_arr_begin(w);
	for (size_t i = 0; i < m->n_phases; i++)
		phase(w, m, s, i);
	json_arr_end(w);
	protection(w, m, s);
	sweeps(w, m, s);
	render_json_curves(w, m, s);
	render_json_protect(w, m, s);
	if (hogs_compute(m, s, &h) == 0) {
		hogs_render_json(w, m, s, &h);
		hogs_done(&h);
	}
	runs(w, m);
	json_obj_end(w);
	return sbuf_json(out, w);
}
