// SPDX-License-Identifier: MIT
/*
 * Settings changed part-way through a phase's measurement (time-to-protect,
 * docs/results.md): the phase's plan (phases[].at) and when each run applied
 * it (runs[].at). Optional; a malformed entry is bad input.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-priv.h"

#define MODEL_MAX_AT 16 /* changes in one phase */
#define MAX_T_S	     1e7

static int at_array(struct loader *l, const json_t *a, const char *where, size_t *n)
{
	*n = 0;
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return model_fail(l, "%s/manifest.json: %s.at is not an array", l->m->dir, where);
	if (json_array_size(a) > MODEL_MAX_AT)
		return model_fail(l, "%s/manifest.json: %s.at has more than %d entries", l->m->dir,
				  where, MODEL_MAX_AT);
	*n = json_array_size(a);
	return 0;
}

static int at_time(struct loader *l, const json_t *e, const char *where, size_t i, const char *key,
		   bool required, double *out)
{
	json_t *v = json_object_get(e, key);

	*out = NAN;
	if (!v || json_is_null(v)) {
		if (!required)
			return 0;
		return model_fail(l, "%s/manifest.json: %s.at[%zu] has no %s", l->m->dir, where, i,
				  key);
	}
	if (!json_is_number(v) || !(json_number_value(v) >= 0 && json_number_value(v) <= MAX_T_S))
		return model_fail(l, "%s/manifest.json: %s.at[%zu].%s is not a time in seconds",
				  l->m->dir, where, i, key);
	*out = json_number_value(v);
	return 0;
}

int model_load_phase_at(struct loader *l, const json_t *jp, const char *where,
			struct model_phase *ph)
{
	json_t *a = json_object_get(jp, "at");
	size_t n;
	int r = at_array(l, a, where, &n);

	if (r || !n)
		return r;
	ph->at = calloc(n, sizeof(*ph->at));
	if (!ph->at)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		struct model_at *at = &ph->at[ph->n_at++];

		if (!json_is_object(e))
			return model_fail(l, "%s/manifest.json: %s.at[%zu] is not an object",
					  l->m->dir, where, i);
		r = at_time(l, e, where, i, "t_s", true, &at->t_s);
		if (!r && !model_str(e, "key"))
			r = model_fail(l, "%s/manifest.json: %s.at[%zu] has no key", l->m->dir,
				       where, i);
		if (!r)
			r = model_dup(&at->key, model_str(e, "key"));
		if (r)
			return r;
		at->value = model_num_or_nan(e, "value");
	}
	return 0;
}

int model_load_run_at(struct loader *l, const json_t *jr, const char *where, struct model_run *run)
{
	json_t *a = json_object_get(jr, "at");
	size_t n;
	int r = at_array(l, a, where, &n);

	if (r || !n)
		return r;
	run->at = calloc(n, sizeof(*run->at));
	if (!run->at)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const json_t *e = json_array_get(a, i);
		struct model_at_run *at = &run->at[run->n_at++];
		json_t *ok = json_object_get(e, "ok");

		if (!json_is_object(e))
			return model_fail(l, "%s/manifest.json: %s.at[%zu] is not an object",
					  l->m->dir, where, i);
		r = at_time(l, e, where, i, "t_s", true, &at->t_s);
		if (!r)
			r = at_time(l, e, where, i, "issued_s", false, &at->issued_s);
		if (!r)
			r = at_time(l, e, where, i, "applied_s", false, &at->applied_s);
		if (!r && ok && !json_is_boolean(ok))
			r = model_fail(l, "%s/manifest.json: %s.at[%zu].ok is not true or false",
				       l->m->dir, where, i);
		if (!r)
			r = model_dup(&at->error, model_str(e, "error"));
		if (r)
			return r;
		at->ok = !ok || json_is_true(ok);
	}
	return 0;
}

void model_phase_at_done(struct model_phase *ph)
{
	for (size_t i = 0; i < ph->n_at; i++)
		free(ph->at[i].key);
	free(ph->at);
}

void model_run_at_done(struct model_run *run)
{
	model_requests_done(&run->req);
	for (size_t i = 0; i < run->n_at; i++)
		free(run->at[i].error);
	free(run->at);
}
