// SPDX-License-Identifier: MIT
/* The manifest's design, calibration and load objects, and each run's validity and mechanism. */
#include "manifest-design.h"

#include <math.h>
#include <stdio.h>

#include "json.h"
#include "scenario.h"

static void kv_num_or_null(struct json_writer *w, const char *key, double v)
{
	if (isnan(v))
		json_kv_null(w, key);
	else
		json_kv_double(w, key, v);
}

static void design_json(struct json_writer *w, const struct scenario *s,
			const struct design_record *d, unsigned rounds_planned)
{
	const struct scn_design *g = &s->design;

	json_key(w, "design");
	json_obj_begin(w);
	json_kv_uint(w, "seed", d->seed);
	json_kv_str(w, "order", "shuffled");
	json_kv_str(w, "rounds_mode", g->rounds_auto ? "auto" : "fixed");
	json_kv_uint(w, "rounds_planned", rounds_planned);
	json_kv_uint(w, "rounds_done", d->rounds_done);
	if (d->stopped)
		json_kv_str(w, "stopped", d->stopped);
	else
		json_kv_null(w, "stopped");
	json_kv_uint(w, "max_rounds", g->rounds_auto ? g->max_rounds : s->rounds);
	if (g->rounds_auto)
		json_kv_double(w, "max_time_s", (double)g->max_time_ns / 1e9);
	else
		json_kv_null(w, "max_time_s");
	json_kv_double(w, "min_effect_pct", g->min_effect_pct);
	json_kv_bool(w, "aa", g->aa);
	json_kv_uint(w, "min_valid_rounds", SCN_MIN_VALID_ROUNDS);
	json_kv_double(w, "min_bomb_share_pct", g->min_bomb_share);
	json_key(w, "cooldown");
	json_obj_begin(w);
	kv_num_or_null(w, "rest_idle_pct", d->rest_idle_pct);
	json_kv_double(w, "tolerance_pct", d->cooldown.tolerance_pct);
	json_kv_double(w, "window_s", d->cooldown.window_s);
	json_kv_double(w, "max_s", d->cooldown.max_s);
	json_key(w, "victim");
	json_obj_begin(w);
	kv_num_or_null(w, "rest_cpu_pct", d->cooldown.victim_rest_cpu_pct);
	json_kv_double(w, "tolerance_pct", d->cooldown.victim_tolerance_pct);
	json_kv_str(w, "source", d->cooldown.victim_source);
	json_obj_end(w);
	json_obj_end(w);
	json_obj_end(w);
}

static void cooldown_json(struct json_writer *w, const struct cooldown_rec *c)
{
	json_key(w, "cooldown_after");
	if (!c->taken) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_bool(w, "host_settled", c->host_settled);
	json_kv_double(w, "host_waited_s", c->host_waited_s);
	kv_num_or_null(w, "host_idle_pct", c->host_idle_pct);
	json_key(w, "victim_settled");
	if (c->victim_checked)
		json_bool(w, c->victim_settled);
	else
		json_null(w);
	if (c->victim_checked) {
		json_kv_double(w, "victim_waited_s", c->victim_waited_s);
		kv_num_or_null(w, "victim_cpu_pct", c->victim_cpu_pct);
	} else {
		json_kv_null(w, "victim_waited_s");
		json_kv_null(w, "victim_cpu_pct");
	}
	json_obj_end(w);
}

static void calibration_json(struct json_writer *w, const struct calibration *c)
{
	json_key(w, "calibration");
	if (!c->ran) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_str(w, "status", c->ok ? "ok" : "failed");
	if (!c->ok)
		json_kv_str(w, "error", c->error);
	kv_num_or_null(w, "capacity_rps", c->capacity_rps);
	json_kv_uint(w, "concurrency", c->concurrency);
	json_kv_double(w, "duration_s", c->duration_s);
	kv_num_or_null(w, "p50_ms", c->p50_ms);
	kv_num_or_null(w, "p99_ms", c->p99_ms);
	kv_num_or_null(w, "victim_cpu_share_pct", c->victim_cpu_share_pct);
	json_kv_str(w, "result", "calibration/probe.json");
	json_obj_end(w);
}

static void load_json(struct json_writer *w, const struct scenario *s,
		      const struct design_record *d)
{
	const struct scn_design *g = &s->design;

	json_key(w, "load");
	if (!d->load_ok) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	json_kv_str(w, "mode", d->load.open ? "open" : "closed");
	if (g->load_mode == SCN_LOAD_SHARE)
		json_kv_double(w, "share_pct", g->load_pct);
	else
		json_kv_null(w, "share_pct");
	if (d->load.open)
		json_kv_double(w, "rate_rps", d->load.rate_rps);
	else
		json_kv_null(w, "rate_rps");
	json_kv_double(w, "slo_ms", (double)d->load.slo_ns / 1e6);
	json_kv_str(w, "slo_source", d->load.slo_source);
	json_obj_end(w);
}

void manifest_design_json(struct json_writer *w, const struct scenario *s,
			  const struct design_record *d, unsigned rounds_planned)
{
	design_json(w, s, d, rounds_planned);
	calibration_json(w, &d->cal);
	load_json(w, s, d);
}

static void snap_json(struct json_writer *w, const char *key, const struct sched_snap *snap)
{
	json_key(w, key);
	if (!snap->taken) {
		json_null(w);
		return;
	}
	json_obj_begin(w);
	for (size_t i = 0; i < snap->n; i++) {
		json_key(w, snap->vm[i].vm);
		json_obj_begin(w);
		if (snap->vm[i].ok) {
			json_kv_int(w, "weight", snap->vm[i].weight);
			json_kv_int(w, "cap", snap->vm[i].cap);
			json_kv_bool(w, "live", snap->vm[i].live);
		} else {
			json_kv_str(w, "error", snap->vm[i].error);
		}
		json_obj_end(w);
	}
	json_obj_end(w);
}

void manifest_run_mech_json(struct json_writer *w, unsigned order, const struct run_mech *m)
{
	json_kv_uint(w, "order", order);
	json_kv_bool(w, "valid", validity_ok(&m->validity));
	json_key(w, "invalid");
	json_arr_begin(w);
	for (size_t i = 0; i < m->validity.n; i++)
		json_str(w, m->validity.reasons[i]);
	if (m->validity.more) {
		char more[64];

		snprintf(more, sizeof(more), "and %zu more", m->validity.more);
		json_str(w, more);
	}
	json_arr_end(w);
	kv_num_or_null(w, "victim_cpu_share_pct", m->victim_cpu_share_pct);
	json_kv_str(w, "victim_cpu_source", m->victim_cpu_source);
	json_key(w, "sched");
	json_obj_begin(w);
	snap_json(w, "start", &m->start);
	snap_json(w, "end", &m->end);
	json_kv_str(w, "scheduler", m->scheduler);
	json_key(w, "details");
	json_obj_begin(w);
	if (m->has_details && m->details.cpupool[0])
		json_kv_str(w, "cpupool", m->details.cpupool);
	if (m->has_details && m->details.tslice_ms >= 0)
		json_kv_int(w, "tslice_ms", m->details.tslice_ms);
	if (m->has_details && m->details.ratelimit_us >= 0)
		json_kv_int(w, "ratelimit_us", m->details.ratelimit_us);
	json_obj_end(w);
	json_obj_end(w);
	json_key(w, "bombs_achieved");
	json_obj_begin(w);
	for (size_t i = 0; i < m->n_bombs; i++) {
		const struct mech_load *l = &m->bombs[i];

		json_key(w, m->bomb_names[i]);
		json_obj_begin(w);
		kv_num_or_null(w, "requested", l->requested);
		kv_num_or_null(w, "achieved", l->achieved);
		kv_num_or_null(w, "share_pct", l->share_pct);
		json_kv_str(w, "unit", l->unit);
		json_obj_end(w);
	}
	json_obj_end(w);
	cooldown_json(w, &m->cooldown_after);
}
