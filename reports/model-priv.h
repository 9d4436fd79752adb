/* SPDX-License-Identifier: MIT */
/*
 * Shared by the loader files (model.c, model-probe.c, model-run.c): reading
 * JSON with one precise error message per malformed or absurd value.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define MODEL_MAX_COUNT 1e13 /* requests in one round; more is absurd */
#define MODEL_MAX_MS	1e10 /* latency in ms (~115 days); more is absurd */

struct loader {
	struct model *m;
	char *err;
	size_t errlen;
};

/* Writes the one-line message into l->err; returns -EINVAL. */
__attribute__((format(printf, 2, 3))) int model_fail(struct loader *l, const char *fmt, ...);
/* Adds a warning to the model (at most 64); 0 or -ENOMEM. */
__attribute__((format(printf, 2, 3))) int model_warn(struct model *m, const char *fmt, ...);

/* Duplicates s into *out; -ENOMEM on failure. NULL s leaves *out NULL. */
int model_dup(char **out, const char *s);
/* o[key] as a string, or NULL. */
const char *model_str(const json_t *o, const char *key);
/* o[key] as a finite number: true and *out, else false. */
bool model_num(const json_t *o, const char *key, double *out);
double model_num_or_nan(const json_t *o, const char *key);
/* o[key] as a count (integer 0-1e13): true and *out; a bad value sets *absurd. */
bool model_count(const json_t *o, const char *key, uint64_t *out, bool *absurd);

/* Loads a JSON object; -ENOENT when absent, -EINVAL (message) when malformed. */
int model_load_json(struct loader *l, const char *path, json_t **out);
/* RUN_DIR/rel for a relative path that stays inside the run dir; -EINVAL otherwise. */
int model_join(struct loader *l, const char *rel, char **out);
/* An array of strings (at most MODEL_MAX_BOMBS); what names it in messages. */
int model_strv(struct loader *l, const json_t *a, const char *what, char ***out, size_t *n);
void model_free_strv(char **v, size_t n);

/* model-probe.c: a probe result (absent = DNR) and a bomb result. */
int model_load_probe(struct loader *l, const char *path, struct model_probe *p);
int model_load_bomb(struct loader *l, const char *path, struct model_bomb_result *b);
void model_probe_done(struct model_probe *p);

/* model-run.c: design, calibration and load; a run's validity and mechanism. */
int model_load_design(struct loader *l, const json_t *root);
int model_load_run_extras(struct loader *l, const json_t *jr, size_t idx, struct model_run *run);
void model_run_extras_done(struct model_run *run);
void model_design_done(struct model *m);

/* model-at.c: settings changed during the measurement (phases[].at, runs[].at). */
int model_load_phase_at(struct loader *l, const json_t *jp, const char *where,
			struct model_phase *ph);
int model_load_run_at(struct loader *l, const json_t *jr, const char *where, struct model_run *run);
void model_phase_at_done(struct model_phase *ph);
void model_run_at_done(struct model_run *run);

/* model-requests.c: the per-request logs of the runs time-to-protect needs. */
int model_load_requests(struct loader *l);
void model_requests_done(struct model_requests *q);
