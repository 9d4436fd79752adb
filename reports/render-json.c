// SPDX-License-Identifier: MIT
/* summary.json: per phase over rounds, with comparisons (schema in docs/reports.md). */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "render.h"

#define SUMMARY_SCHEMA 1

static void kv_num(struct json_writer *w, const char *k, double v)
{
	if (isfinite(v))
		json_kv_double(w, k, v);
	else
		json_kv_null(w, k);
}

static void kv_ci(struct json_writer *w, const char *k, struct stats_ci ci)
{
	json_key(w, k);
	if (!isfinite(ci.lo) || !isfinite(ci.hi)) {
		json_null(w);
		return;
	}
	json_arr_begin(w);
	json_double(w, ci.lo);
	json_double(w, ci.hi);
	json_arr_end(w);
}

static void latency(struct json_writer *w, const struct stats_phase *sp)
{
	const struct model_latency *l = &sp->lat;
	bool p = l->present;

	json_key(w, "latency_ms");
	json_obj_begin(w);
	kv_num(w, "min", p ? l->min : NAN);
	kv_num(w, "q1", p ? sp->q1_ms : NAN);
	kv_num(w, "p50", p ? l->p50 : NAN);
	kv_num(w, "q3", p ? sp->q3_ms : NAN);
	kv_num(w, "p90", p ? l->p90 : NAN);
	kv_num(w, "p99", p ? l->p99 : NAN);
	kv_num(w, "p999", p ? l->p999 : NAN);
	kv_num(w, "max", p ? l->max : NAN);
	kv_num(w, "mean", p ? l->mean : NAN);
	kv_num(w, "stdev", p ? l->stdev : NAN);
	json_obj_end(w);
	json_kv_str(w, "latency_source", sp->from_hist ? "histogram" : p ? "rounds" : "none");
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
		kv_num(w, "value", ph->sweep_value);
		json_obj_end(w);
	} else {
		json_null(w);
	}
	kv_num(w, "weight_ratio", ph->weight_ratio);
	json_kv_uint(w, "rounds", sp->rounds);
	json_kv_uint(w, "rounds_reported", sp->reported);
	json_kv_uint(w, "dnr_rounds", sp->dnr_rounds);
	json_kv_uint(w, "bomb_dnr", sp->bomb_dnr);
	json_kv_bool(w, "dnr", sp->dnr);
	json_kv_uint(w, "requests", sp->requests);
	json_kv_uint(w, "ok", sp->ok);
	json_kv_uint(w, "failed", sp->failed);
	kv_num(w, "success_pct", sp->success_pct);
	kv_num(w, "throughput_rps", sp->throughput_rps);
	kv_num(w, "ok_per_round", sp->ok_per_round);
	latency(w, sp);
	json_key(w, "ci");
	json_obj_begin(w);
	json_kv_double(w, "level_pct", s->cfg.confidence_pct);
	kv_ci(w, "mean_ms", sp->mean_ci);
	kv_ci(w, "p99_ms", sp->p99_ci);
	kv_ci(w, "ok_per_round", sp->ok_ci);
	json_obj_end(w);
	json_key(w, "vs_baseline");
	if (sp->has_cmp) {
		json_obj_begin(w);
		kv_num(w, "ok_change_pct", sp->ok_change_pct);
		kv_ci(w, "ok_change_pct_ci", sp->ok_change_ci);
		kv_num(w, "p50_ratio", sp->p50_ratio);
		kv_num(w, "p99_ratio", sp->p99_ratio);
		kv_ci(w, "p99_ratio_ci", sp->p99_ratio_ci);
		json_obj_end(w);
	} else {
		json_null(w);
	}
	json_key(w, "bomb_rates");
	json_arr_begin(w);
	for (size_t b = 0; b < ph->n_bombs; b++) {
		json_obj_begin(w);
		json_kv_str(w, "bomb", ph->bombs[b]);
		json_kv_str(w, "metric", sp->bomb_rate_key[b]);
		kv_num(w, "mean", sp->bomb_rate[b]);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

static void protection(struct json_writer *w, const struct model *m, const struct stats *s)
{
	json_key(w, "protection");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_prot; i++) {
		const struct stats_protection *p = &s->prot[i];

		json_obj_begin(w);
		json_kv_str(w, "phase", m->phases[p->phase].name);
		json_kv_str(w, "twin", m->phases[p->twin].name);
		json_kv_str(w, "metric", p->metric);
		kv_num(w, "baseline", p->base);
		kv_num(w, "equal", p->equal);
		kv_num(w, "prioritised", p->prio);
		kv_num(w, "lost", p->lost);
		kv_num(w, "recovered", p->recovered);
		kv_num(w, "recovered_pct", p->recovered_pct);
		kv_ci(w, "recovered_pct_ci", p->recovered_pct_ci);
		json_kv_str(w, "verdict", stats_verdict_name(p->verdict));
		json_kv_str(w, "reason", p->reason);
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
			kv_num(w, "x", sw->points[k].x);
			kv_num(w, "p99_ms", sp->lat.present ? sp->lat.p99 : NAN);
			kv_ci(w, "p99_ms_ci", sp->p99_ci);
			kv_num(w, "success_pct", sp->success_pct);
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
		kv_num(w, "success_pct", p->present ? p->success_pct : NAN);
		kv_num(w, "throughput_rps", p->present ? p->throughput_rps : NAN);
		kv_num(w, "p50_ms", lat ? p->lat.p50 : NAN);
		kv_num(w, "p99_ms", lat ? p->lat.p99 : NAN);
		kv_num(w, "mean_ms", lat ? p->lat.mean : NAN);
		json_obj_end(w);
	}
	json_arr_end(w);
}

int render_json(const struct model *m, const struct stats *s, struct sbuf *out)
{
	const struct stats_config *c = &s->cfg;
	struct json_writer *w = json_new(JSON_PRETTY);
	const char *data;
	size_t len;
	int r;

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
	kv_num(w, "duration_s", m->duration_s);
	kv_num(w, "warmup_s", m->warmup_s);
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
	json_key(w, "thresholds");
	json_obj_begin(w);
	json_kv_double(w, "protected_pct", c->protected_pct);
	json_kv_double(w, "partial_pct", c->partial_pct);
	json_kv_double(w, "min_degradation_pct", c->min_degradation_pct);
	json_kv_double(w, "confidence_pct", c->confidence_pct);
	json_kv_uint(w, "resamples", c->resamples);
	json_kv_uint(w, "seed", c->seed);
	json_obj_end(w);
	json_key(w, "phases");
	json_arr_begin(w);
	for (size_t i = 0; i < m->n_phases; i++)
		phase(w, m, s, i);
	json_arr_end(w);
	protection(w, m, s);
	sweeps(w, m, s);
	runs(w, m);
	json_obj_end(w);
	r = json_error(w);
	if (!r) {
		data = json_data(w, &len);
		sbuf_putn(out, data, len);
		sbuf_putn(out, "\n", 1);
		r = sbuf_error(out);
	}
	json_free(w);
	return r;
}
