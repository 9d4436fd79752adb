// SPDX-License-Identifier: MIT
/*
 * The experiment design (manifest design, calibration, load) and what each
 * run adds for the verdicts: its validity, the victim's CPU share, the
 * scheduler read back and each bomb's achieved load (docs/results.md). All
 * optional: results measured before issue 11 have none of them.
 */
#include "model-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 100000

/* o[key]: absent or null = NaN; a number within [min, max]; anything else is an error. */
static int opt_num(struct loader *l, const json_t *o, const char *where, const char *key,
		   double min, double max, double *out)
{
	json_t *v = json_object_get(o, key);

	*out = NAN;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v))
		return model_fail(l, "%s/manifest.json: %s.%s is not a number", l->m->dir, where,
				  key);
	*out = json_number_value(v);
	if (!(*out >= min && *out <= max))
		return model_fail(l, "%s/manifest.json: %s.%s = %g is out of range (%g-%g)",
				  l->m->dir, where, key, *out, min, max);
	return 0;
}

static int opt_uint(struct loader *l, const json_t *o, const char *where, const char *key,
		    unsigned max, unsigned *out)
{
	double d;
	int r = opt_num(l, o, where, key, 0, max, &d);

	if (r || isnan(d))
		return r;
	if (d != floor(d))
		return model_fail(l, "%s/manifest.json: %s.%s = %g is not a whole number",
				  l->m->dir, where, key, d);
	*out = (unsigned)d;
	return 0;
}

/* o[key]: absent or null = NULL; a string, one of the allowed (NULL-terminated) if given. */
static int opt_str(struct loader *l, const json_t *o, const char *where, const char *key,
		   const char *const *allowed, char **out)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return model_fail(l, "%s/manifest.json: %s.%s is not a string", l->m->dir, where,
				  key);
	s = json_string_value(v);
	for (size_t i = 0; allowed && allowed[i]; i++)
		if (!strcmp(s, allowed[i]))
			return model_dup(out, s);
	if (allowed)
		return model_fail(l, "%s/manifest.json: %s.%s '%.32s' is not one of %s%s%s",
				  l->m->dir, where, key, s, allowed[0], allowed[1] ? ", " : "",
				  allowed[1] ? allowed[1] : "");
	return model_dup(out, s);
}

/* o[key] must be an object (or absent: *out NULL). */
static int opt_obj(struct loader *l, const json_t *o, const char *where, const char *key,
		   json_t **out)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return model_fail(l, "%s/manifest.json: %s%s%s is not an object", l->m->dir, where,
				  *where ? "." : "", key);
	*out = v;
	return 0;
}

static int load_seed(struct loader *l, const json_t *d, struct model_design *ds)
{
	json_t *v = json_object_get(d, "seed");
	double x;

	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		ds->seed = (uint64_t)json_integer_value(v);
	} else if (json_is_real(v) && (x = json_real_value(v)) >= 0 && x < 0x1p64 &&
		   x == floor(x)) {
		ds->seed = (uint64_t)x;
	} else {
		return model_fail(l, "%s/manifest.json: design.seed is not a whole number >= 0",
				  l->m->dir);
	}
	ds->has_seed = true;
	return 0;
}

static int load_design_obj(struct loader *l, const json_t *d)
{
	static const char *const modes[] = { "fixed", "auto", NULL };
	struct model_design *ds = &l->m->design;
	json_t *aa = json_object_get(d, "aa");
	int r;

	ds->present = true;
	r = load_seed(l, d, ds);
	if (!r)
		r = opt_str(l, d, "design", "order", NULL, &ds->order);
	if (!r)
		r = opt_str(l, d, "design", "rounds_mode", modes, &ds->rounds_mode);
	if (!r)
		r = opt_uint(l, d, "design", "rounds_planned", MAX_ROUNDS, &ds->rounds_planned);
	if (!r)
		r = opt_uint(l, d, "design", "max_rounds", MAX_ROUNDS, &ds->max_rounds);
	if (!r)
		r = opt_uint(l, d, "design", "min_valid_rounds", MAX_ROUNDS, &ds->min_valid_rounds);
	if (!r)
		r = opt_num(l, d, "design", "max_time_s", 0, 1e9, &ds->max_time_s);
	if (!r)
		r = opt_num(l, d, "design", "min_effect_pct", 0, 100, &ds->min_effect_pct);
	if (!r)
		r = opt_num(l, d, "design", "min_bomb_share_pct", 0, 100, &ds->min_bomb_share_pct);
	if (r)
		return r;
	if (aa && !json_is_null(aa) && !json_is_boolean(aa))
		return model_fail(l, "%s/manifest.json: design.aa is not true or false", l->m->dir);
	ds->aa = json_is_true(aa);
	return 0;
}

static int load_calibration(struct loader *l, const json_t *c)
{
	struct model_calibration *cal = &l->m->cal;
	int r;

	cal->present = true;
	/* "ok" or "failed" today; shown as given, so a new word is not an error */
	r = opt_str(l, c, "calibration", "status", NULL, &cal->status);
	if (!r)
		r = opt_num(l, c, "calibration", "capacity_rps", 0, MODEL_MAX_COUNT,
			    &cal->capacity_rps);
	if (!r)
		r = opt_uint(l, c, "calibration", "concurrency", 1000000, &cal->concurrency);
	if (!r)
		r = opt_num(l, c, "calibration", "duration_s", 0, 1e9, &cal->duration_s);
	if (!r)
		r = opt_num(l, c, "calibration", "p50_ms", 0, MODEL_MAX_MS, &cal->p50_ms);
	if (!r)
		r = opt_num(l, c, "calibration", "p99_ms", 0, MODEL_MAX_MS, &cal->p99_ms);
	if (!r)
		r = opt_str(l, c, "calibration", "result", NULL, &cal->result);
	return r;
}

static int load_load(struct loader *l, const json_t *o)
{
	static const char *const modes[] = { "open", "closed", NULL };
	struct model_load *ld = &l->m->load;
	int r;

	ld->present = true;
	r = opt_str(l, o, "load", "mode", modes, &ld->mode);
	if (!r)
		r = opt_num(l, o, "load", "share_pct", 0, 1000, &ld->share_pct);
	if (!r)
		r = opt_num(l, o, "load", "rate_rps", 0, MODEL_MAX_COUNT, &ld->rate_rps);
	if (!r)
		r = opt_num(l, o, "load", "slo_ms", 0, MODEL_MAX_MS, &ld->slo_ms);
	if (!r)
		r = opt_str(l, o, "load", "slo_source", NULL, &ld->slo_source);
	return r;
}

int model_load_design(struct loader *l, const json_t *root)
{
	struct model *m = l->m;
	json_t *d, *c, *o;
	int r;

	m->design.max_time_s = m->design.min_effect_pct = m->design.min_bomb_share_pct = NAN;
	m->cal.capacity_rps = m->cal.duration_s = m->cal.p50_ms = m->cal.p99_ms = NAN;
	m->load.share_pct = m->load.rate_rps = m->load.slo_ms = NAN;
	r = opt_obj(l, root, "", "design", &d);
	if (!r && d)
		r = load_design_obj(l, d);
	if (!r)
		r = opt_obj(l, root, "", "calibration", &c);
	if (!r && c)
		r = load_calibration(l, c);
	if (!r)
		r = opt_obj(l, root, "", "load", &o);
	if (!r && o)
		r = load_load(l, o);
	if (r)
		return r;
	m->precalibration = !m->cal.present || !m->load.present;
	m->closed_loop = !m->load.mode || !strcmp(m->load.mode, "closed");
	return 0;
}

/* {"vm": {"weight": n, "cap": n, "live": bool}} into an array. */
static int load_sched_vms(struct loader *l, const json_t *o, const char *where,
			  struct model_sched_vm **out, size_t *n)
{
	const char *vm;
	json_t *v;
	size_t k = 0;
	int r;

	if (!o)
		return 0;
	if (json_object_size(o) > MODEL_MAX_BOMBS)
		return model_fail(l, "%s/manifest.json: %s has too many VMs", l->m->dir, where);
	*out = calloc(json_object_size(o) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_object_foreach((json_t *)o, vm, v)
	{
		struct model_sched_vm *s = &(*out)[k++];
		char wvm[160];
		json_t *live;

		(*n)++;
		s->live = -1;
		r = model_dup(&s->vm, vm);
		if (r)
			return r;
		snprintf(wvm, sizeof(wvm), "%s.%.64s", where, vm);
		if (!json_is_object(v))
			return model_fail(l, "%s/manifest.json: %s is not an object", l->m->dir,
					  wvm);
		r = opt_num(l, v, wvm, "weight", 0, 1e6, &s->weight);
		if (!r)
			r = opt_num(l, v, wvm, "cap", 0, 1e6, &s->cap);
		if (r)
			return r;
		live = json_object_get(v, "live");
		if (json_is_boolean(live))
			s->live = json_is_true(live);
	}
	return 0;
}

/* sched.details as "key=value, ..." (numbers, strings, booleans). */
static int details_text(const json_t *d, char **out)
{
	char buf[512] = "";
	size_t used = 0;
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)d, k, v)
	{
		char val[96];

		if (json_is_number(v))
			snprintf(val, sizeof(val), "%g", json_number_value(v));
		else if (json_is_string(v))
			snprintf(val, sizeof(val), "%.80s", json_string_value(v));
		else if (json_is_boolean(v))
			snprintf(val, sizeof(val), "%s", json_is_true(v) ? "true" : "false");
		else
			continue;
		if (used < sizeof(buf))
			used += snprintf(buf + used, sizeof(buf) - used, "%s%.40s=%s",
					 used ? ", " : "", k, val);
	}
	return used ? model_dup(out, buf) : 0;
}

static int load_sched(struct loader *l, const json_t *jr, size_t idx, struct model_sched *s)
{
	char where[64];
	json_t *o, *st, *en, *det;
	int r;

	snprintf(where, sizeof(where), "runs[%zu]", idx);
	r = opt_obj(l, jr, where, "sched", &o);
	if (r || !o)
		return r;
	s->present = true;
	snprintf(where, sizeof(where), "runs[%zu].sched", idx);
	r = opt_str(l, o, where, "scheduler", NULL, &s->scheduler);
	if (!r)
		r = opt_obj(l, o, where, "start", &st);
	if (!r)
		r = opt_obj(l, o, where, "end", &en);
	if (!r)
		r = opt_obj(l, o, where, "details", &det);
	snprintf(where, sizeof(where), "runs[%zu].sched.start", idx);
	if (!r)
		r = load_sched_vms(l, st, where, &s->start, &s->n_start);
	snprintf(where, sizeof(where), "runs[%zu].sched.end", idx);
	if (!r)
		r = load_sched_vms(l, en, where, &s->end, &s->n_end);
	if (!r && det)
		r = details_text(det, &s->details);
	return r;
}

static int load_achieved(struct loader *l, const json_t *jr, size_t idx, struct model_run *run)
{
	char where[96];
	const char *bomb;
	json_t *o, *v;
	int r;

	snprintf(where, sizeof(where), "runs[%zu]", idx);
	r = opt_obj(l, jr, where, "bombs_achieved", &o);
	if (r || !o)
		return r;
	if (json_object_size(o) > MODEL_MAX_BOMBS)
		return model_fail(l, "%s/manifest.json: %s.bombs_achieved has too many bombs",
				  l->m->dir, where);
	run->achieved = calloc(json_object_size(o) + 1, sizeof(*run->achieved));
	if (!run->achieved)
		return -ENOMEM;
	json_object_foreach(o, bomb, v)
	{
		struct model_achieved *a = &run->achieved[run->n_achieved++];

		r = model_dup(&a->bomb, bomb);
		if (r)
			return r;
		snprintf(where, sizeof(where), "runs[%zu].bombs_achieved.%.40s", idx, bomb);
		if (!json_is_object(v))
			return model_fail(l, "%s/manifest.json: %s is not an object", l->m->dir,
					  where);
		r = opt_num(l, v, where, "requested", 0, 1e18, &a->requested);
		if (!r)
			r = opt_num(l, v, where, "achieved", 0, 1e18, &a->achieved);
		if (!r)
			r = opt_num(l, v, where, "share_pct", 0, 1e6, &a->share_pct);
		if (!r)
			r = opt_str(l, v, where, "unit", NULL, &a->unit);
		if (r)
			return r;
	}
	return 0;
}

static int add_reason(struct model_run *run, const char *fmt, const char *arg)
{
	char **v = realloc(run->invalid, (run->n_invalid + 1) * sizeof(*v));
	char *s;

	if (!v)
		return -ENOMEM;
	run->invalid = v;
	if (asprintf(&s, fmt, arg) < 0)
		return -ENOMEM;
	run->invalid[run->n_invalid++] = s;
	return 0;
}

/* Results without `valid`: judged from what they show (the contract's rules). */
static int derive_validity(struct model_run *run)
{
	int r = 0;

	if (run->status && !strcmp(run->status, "interrupted"))
		r = add_reason(run, "derived: the run was %s", "interrupted");
	for (size_t i = 0; !r && i < run->n_bombs; i++) {
		const struct model_bomb_result *b = &run->bombs[i];

		if (!b->present)
			r = add_reason(run, "derived: bomb %s did not report", b->name);
		else if (b->status && !strcmp(b->status, "failed"))
			r = add_reason(run, "derived: bomb %s failed", b->name);
	}
	run->valid = !run->n_invalid;
	return r;
}

int model_load_run_extras(struct loader *l, const json_t *jr, size_t idx, struct model_run *run)
{
	json_t *valid = json_object_get(jr, "valid");
	char where[32];
	double d;
	int r;

	snprintf(where, sizeof(where), "runs[%zu]", idx);
	run->victim_cpu_pct = NAN;
	r = opt_num(l, jr, where, "order", 1, MAX_ROUNDS, &d);
	if (r)
		return r;
	run->order = isnan(d) ? 0 : (unsigned)d;
	r = opt_num(l, jr, where, "victim_cpu_share_pct", 0, 1e5, &run->victim_cpu_pct);
	if (!r)
		r = opt_str(l, jr, where, "victim_cpu_source", NULL, &run->victim_cpu_source);
	if (!r)
		r = load_sched(l, jr, idx, &run->sched);
	if (!r)
		r = load_achieved(l, jr, idx, run);
	if (!r)
		r = model_load_run_at(l, jr, where, run);
	if (r)
		return r;
	r = model_strv(l, json_object_get(jr, "invalid"), "runs[].invalid", &run->invalid,
		       &run->n_invalid);
	if (r)
		return r;
	if (!valid || json_is_null(valid))
		return run->n_invalid ? 0 : derive_validity(run);
	if (!json_is_boolean(valid))
		return model_fail(l, "%s/manifest.json: %s.valid is not true or false", l->m->dir,
				  where);
	/* reasons make a run invalid whatever the flag says */
	run->valid = json_is_true(valid) && !run->n_invalid;
	if (!run->valid && !run->n_invalid)
		r = add_reason(run, "%s", "marked invalid without a reason");
	return r;
}

static void sched_vms_free(struct model_sched_vm *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].vm);
	free(v);
}

void model_run_extras_done(struct model_run *run)
{
	model_free_strv(run->invalid, run->n_invalid);
	free(run->victim_cpu_source);
	free(run->sched.scheduler);
	free(run->sched.details);
	sched_vms_free(run->sched.start, run->sched.n_start);
	sched_vms_free(run->sched.end, run->sched.n_end);
	for (size_t i = 0; i < run->n_achieved; i++) {
		free(run->achieved[i].bomb);
		free(run->achieved[i].unit);
	}
	free(run->achieved);
	model_run_at_done(run);
}

void model_design_done(struct model *m)
{
	free(m->design.order);
	free(m->design.rounds_mode);
	free(m->cal.status);
	free(m->cal.result);
	free(m->load.mode);
	free(m->load.slo_source);
}
