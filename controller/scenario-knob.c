// SPDX-License-Identifier: MIT
/* intensity.BOMB, load and at.TIME in a [phase]: fixed values, sweeps, changes mid-measurement. */
#include "scenario-knob.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "parse.h"
#include "scenario-phase.h"

#define NSEC_PER_SEC 1000000000ULL

bool scn_knob_key(const char *key)
{
	return !strncmp(key, "intensity.", 10) || !strcmp(key, "load") || !strncmp(key, "at.", 3);
}

bool scn_knob_sweeps(const char *key)
{
	return key && (!strncmp(key, "intensity.", 10) || !strcmp(key, "load"));
}

/* One value: an integer in [min, max], "%" allowed after it when pct. */
static int one_value(struct pctx *c, const struct entry *e, const char *v, int min, int max,
		     bool pct, int *out)
{
	char buf[32];
	size_t n = strlen(v);
	int64_t x;

	if (!n)
		return scn_fail(c, e->line, "%s: empty value in the list (expected e.g. %s)",
				e->key, strcmp(e->key, "load") ? "0, 20, 40" : "10%, 30%, 50%");
	if (pct && v[n - 1] == '%')
		n--;
	if (n >= sizeof(buf))
		return scn_fail(c, e->line, "%s: '%s' is not a number", e->key, v);
	memcpy(buf, v, n);
	buf[n] = '\0';
	if (parse_i64(scn_strip(buf), min, max, &x) < 0)
		return scn_fail(c, e->line, "%s: '%s' (expected a whole number %d-%d%s)", e->key, v,
				min, max, pct ? " with an optional %" : "");
	*out = (int)x;
	return 0;
}

/* "V" or "V1, V2, ..." (increasing): a fixed value, or a sweep into rp. */
static int values(struct pctx *c, struct raw_phase *rp, const struct entry *e, int min, int max,
		  bool pct, int *fixed)
{
	char *copy, *p, *comma;
	int r = 0;

	if (!strchr(e->value, ','))
		return one_value(c, e, scn_strip(e->value), min, max, pct, fixed);
	if (rp->sweep)
		return scn_fail(c, e->line,
				"%s: only one key per phase may sweep (already %s at line %d)",
				e->key, rp->sweep->key, rp->sweep->line);
	copy = strdup(e->value);
	if (!copy)
		return -ENOMEM;
	rp->sweep = e;
	for (p = copy; p && r == 0; p = comma ? comma + 1 : NULL) {
		int v;

		comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (rp->n_values == SCN_MAX_SWEEP) {
			r = scn_fail(c, e->line, "%s: too many sweep values (at most %d)", e->key,
				     SCN_MAX_SWEEP);
			break;
		}
		r = one_value(c, e, scn_strip(p), min, max, pct, &v);
		if (r == 0 && rp->n_values && v <= rp->values[rp->n_values - 1])
			r = scn_fail(c, e->line, "%s: the values must increase (%d after %d)",
				     e->key, v, rp->values[rp->n_values - 1]);
		if (r == 0)
			rp->values[rp->n_values++] = v;
	}
	free(copy);
	return r;
}

static int set_intensity(struct scn_phase *ph, const char *bomb, int pct)
{
	struct scn_intensity *n;

	for (size_t i = 0; i < ph->n_intensity; i++)
		if (!strcmp(ph->intensity[i].bomb, bomb)) {
			ph->intensity[i].pct = pct;
			return 0;
		}
	n = realloc(ph->intensity, (ph->n_intensity + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	ph->intensity = n;
	n[ph->n_intensity].pct = pct;
	n[ph->n_intensity].bomb = strdup(bomb);
	return n[ph->n_intensity++].bomb ? 0 : -ENOMEM;
}

/* at.TIME = weight.VM=N | cap.VM=N */
static int do_at(struct pctx *c, struct scn_phase *ph, const struct entry *e)
{
	char spec[160], *eq, *vm;
	struct scn_at *n, at = { .line = e->line };
	int64_t v;
	size_t k;
	bool weight;

	if (parse_duration(e->key + 3, 0, SCN_MAX_DURATION, &at.t_ns) < 0)
		return scn_fail(c, e->line,
				"%s: '%s' is not a time (expected e.g. at.5s = "
				"weight.web=2048)",
				e->key, e->key + 3);
	if (at.t_ns >= c->s->duration_ns)
		return scn_fail(c, e->line,
				"%s: beyond the measurement (duration = %.3g s): the change would "
				"never happen",
				e->key, (double)c->s->duration_ns / NSEC_PER_SEC);
	snprintf(spec, sizeof(spec), "%s", e->value);
	eq = strchr(spec, '=');
	weight = !strncmp(spec, "weight.", 7);
	if (!eq || (!weight && strncmp(spec, "cap.", 4)))
		return scn_fail(c, e->line, "%s: '%s' (expected weight.VM=N or cap.VM=N)", e->key,
				e->value);
	*eq = '\0';
	vm = scn_strip(spec + (weight ? 7 : 4));
	if (!scenario_vm(c->s, vm))
		return scn_fail(c, e->line, "%s: '%s' names no [vm] section", e->key, vm);
	if (parse_i64(scn_strip(eq + 1), weight ? XEN_WEIGHT_MIN : 0,
		      weight ? XEN_WEIGHT_MAX : XEN_CAP_MAX, &v) < 0)
		return scn_fail(c, e->line, "%s: '%s' (expected %s)", e->key, scn_strip(eq + 1),
				weight ? "a Xen weight 1-65535"
				       : "a cap in % of one CPU, 0 = none");
	for (size_t i = 0; i < ph->n_at; i++)
		if (ph->at[i].t_ns == at.t_ns)
			return scn_fail(c, e->line,
					"%s: a second change at the same time (line %d)", e->key,
					ph->at[i].line);
	at.weight = weight;
	at.value = (int)v;
	at.vm = strdup(vm);
	n = at.vm ? realloc(ph->at, (ph->n_at + 1) * sizeof(*n)) : NULL;
	if (!n) {
		free(at.vm);
		return -ENOMEM;
	}
	ph->at = n;
	/* kept in time order */
	k = ph->n_at++;
	while (k && n[k - 1].t_ns > at.t_ns) {
		n[k] = n[k - 1];
		k--;
	}
	n[k] = at;
	return 0;
}

int scn_knob_entry(struct pctx *c, struct raw_phase *rp, const struct entry *e)
{
	struct scn_phase *ph = &rp->ph;
	int v = 0, r;

	if (!strncmp(e->key, "at.", 3))
		return do_at(c, ph, e);
	if (!strcmp(e->key, "load")) {
		r = values(c, rp, e, 1, 100, true, &v);
		if (r == 0 && rp->sweep != e)
			ph->load_pct = v;
		return r;
	}
	if (!scenario_bomb(c->s, e->key + 10))
		return scn_fail(c, e->line, "%s: '%s' names no [bomb] section", e->key,
				e->key + 10);
	r = values(c, rp, e, 0, 100, true, &v);
	if (r == 0 && rp->sweep != e)
		r = set_intensity(ph, e->key + 10, v);
	return r;
}

static bool runs_bomb(const struct scn_phase *ph, const char *bomb)
{
	for (size_t i = 0; i < ph->n_bombs; i++)
		if (!strcmp(ph->bombs[i], bomb))
			return true;
	return false;
}

int scn_knob_check(struct pctx *c, const struct raw_phase *rp)
{
	const struct scn_phase *ph = &rp->ph;

	for (size_t i = 0; i < ph->n_intensity; i++)
		if (!runs_bomb(ph, ph->intensity[i].bomb))
			return scn_fail(c, ph->line,
					"intensity.%s: bomb '%s' does not run in [phase %s] (add "
					"it to bombs)",
					ph->intensity[i].bomb, ph->intensity[i].bomb, ph->name);
	if (rp->sweep && !strncmp(rp->sweep->key, "intensity.", 10) &&
	    !runs_bomb(ph, rp->sweep->key + 10))
		return scn_fail(c, rp->sweep->line,
				"%s: bomb '%s' does not run in [phase %s] (add it to bombs)",
				rp->sweep->key, rp->sweep->key + 10, ph->name);
	return 0;
}

int scn_knob_apply(struct scn_phase *ph, const char *key, int value)
{
	const char *bomb = key + 10;

	if (!strcmp(key, "load")) {
		ph->load_pct = value;
		return 0;
	}
	if (value > 0)
		return set_intensity(ph, bomb, value);
	/* intensity 0: the bomb does not run in this member */
	for (size_t i = 0; i < ph->n_bombs; i++)
		if (!strcmp(ph->bombs[i], bomb)) {
			free(ph->bombs[i]);
			memmove(&ph->bombs[i], &ph->bombs[i + 1],
				(ph->n_bombs - i - 1) * sizeof(ph->bombs[0]));
			ph->n_bombs--;
			break;
		}
	return 0;
}

int scn_knob_copy(struct scn_phase *dst, const struct scn_phase *src)
{
	dst->load_pct = src->load_pct;
	for (size_t i = 0; i < src->n_intensity; i++)
		if (set_intensity(dst, src->intensity[i].bomb, src->intensity[i].pct) < 0)
			return -ENOMEM;
	if (src->n_at) {
		dst->at = calloc(src->n_at, sizeof(*dst->at));
		if (!dst->at)
			return -ENOMEM;
		for (; dst->n_at < src->n_at; dst->n_at++) {
			dst->at[dst->n_at] = src->at[dst->n_at];
			dst->at[dst->n_at].vm = strdup(src->at[dst->n_at].vm);
			if (!dst->at[dst->n_at].vm)
				return -ENOMEM;
		}
	}
	return 0;
}

void scn_knob_done(struct scn_phase *ph)
{
	for (size_t i = 0; i < ph->n_intensity; i++)
		free(ph->intensity[i].bomb);
	free(ph->intensity);
	for (size_t i = 0; i < ph->n_at; i++)
		free(ph->at[i].vm);
	free(ph->at);
}

void scn_knob_json(struct json_writer *w, const struct scn_phase *ph)
{
	if (ph->n_intensity) {
		json_key(w, "intensity");
		json_obj_begin(w);
		for (size_t i = 0; i < ph->n_intensity; i++)
			json_kv_int(w, ph->intensity[i].bomb, ph->intensity[i].pct);
		json_obj_end(w);
	}
	if (ph->load_pct > 0)
		json_kv_double(w, "load_pct", ph->load_pct);
	if (!ph->n_at)
		return;
	json_key(w, "at");
	json_arr_begin(w);
	for (size_t i = 0; i < ph->n_at; i++) {
		char key[SCN_MAX_NAME + 8];

		snprintf(key, sizeof(key), "%s.%s", ph->at[i].weight ? "weight" : "cap",
			 ph->at[i].vm);
		json_obj_begin(w);
		json_kv_double(w, "t_s", (double)ph->at[i].t_ns / NSEC_PER_SEC);
		json_kv_str(w, "key", key);
		json_kv_int(w, "value", ph->at[i].value);
		json_obj_end(w);
	}
	json_arr_end(w);
}

int scn_phase_set_prio(struct scn_phase *ph, const char *vm, bool weight, int value)
{
	struct scn_prio *n;

	for (size_t i = 0; i < ph->n_prio; i++)
		if (!strcmp(ph->prio[i].vm, vm)) {
			*(weight ? &ph->prio[i].weight : &ph->prio[i].cap) = value;
			return 0;
		}
	n = realloc(ph->prio, (ph->n_prio + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	ph->prio = n;
	n[ph->n_prio] = (struct scn_prio){ .vm = strdup(vm), .weight = -1, .cap = -1 };
	if (!n[ph->n_prio].vm)
		return -ENOMEM;
	*(weight ? &n[ph->n_prio].weight : &n[ph->n_prio].cap) = value;
	ph->n_prio++;
	return 0;
}
