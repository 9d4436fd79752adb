// SPDX-License-Identifier: MIT
/* The design keys of a scenario: load, rate, mode, slo; rounds, max_rounds, max_time, ... */
#include "scenario-design.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "parse.h"
#include "scenario-lex.h"
#include "scenario-phase.h"

#define SLO_MIN_NS	(100 * NSEC_PER_USEC)
#define SLO_MAX_NS	(600 * NSEC_PER_SEC)
#define MAX_TIME_MIN_NS (30 * NSEC_PER_SEC)
#define MAX_TIME_MAX_NS (7 * 24 * 3600 * NSEC_PER_SEC)

void scn_design_defaults(struct scn_design *d)
{
	memset(d, 0, sizeof(*d));
	d->load_mode = SCN_LOAD_SHARE;
	d->load_pct = SCN_DEFAULT_LOAD_PCT;
	d->max_rounds = SCN_DEFAULT_MAX_ROUNDS;
	d->max_time_ns = SCN_DEFAULT_MAX_TIME_NS;
	d->min_effect_pct = SCN_DEFAULT_MIN_EFFECT_PCT;
	d->aa = true;
	d->min_bomb_share = SCN_DEFAULT_MIN_BOMB_SHARE;
}

int scn_design_resolve(const struct scn_design *d, double capacity_rps, double sat_p99_ms,
		       struct scn_load *out, char *err, size_t errlen)
{
	struct scn_load l = { .open = d->load_mode != SCN_LOAD_CLOSED };
	bool have_capacity = !isnan(capacity_rps) && capacity_rps > 0;

	if (d->load_mode == SCN_LOAD_SHARE) {
		if (!have_capacity) {
			snprintf(err, errlen,
				 "the calibration measured no capacity, so load = %g%% has no "
				 "rate (give rate = N requests/s in [probe])",
				 d->load_pct);
			return -EINVAL;
		}
		l.rate_rps = capacity_rps * d->load_pct / 100.0;
	} else if (d->load_mode == SCN_LOAD_RATE) {
		l.rate_rps = d->rate_rps;
	}
	if (d->slo_ns) {
		l.slo_ns = d->slo_ns;
		snprintf(l.slo_source, sizeof(l.slo_source), "scenario");
	} else if (have_capacity) {
		double slo_ns = SCN_SLO_QUEUE * 1e9 / capacity_rps;
		double p99_ns = isnan(sat_p99_ms) ? 0 : sat_p99_ms * 1e6;

		if (slo_ns < p99_ns)
			slo_ns = p99_ns;
		if (slo_ns < (double)SCN_SLO_FLOOR_NS)
			slo_ns = (double)SCN_SLO_FLOOR_NS;
		/* whole microseconds: the probe's --slo and the manifest show the same value */
		l.slo_ns = ((uint64_t)llround(slo_ns) + 999) / 1000 * 1000;
		snprintf(l.slo_source, sizeof(l.slo_source),
			 "derived: the larger of the time to serve %d requests at the calibrated "
			 "capacity (%d / %.0f req/s), the calibration's p99 (%.3g ms) and %llu ms",
			 SCN_SLO_QUEUE, SCN_SLO_QUEUE, capacity_rps,
			 isnan(sat_p99_ms) ? 0.0 : sat_p99_ms,
			 (unsigned long long)(SCN_SLO_FLOOR_NS / 1000000));
	} else {
		snprintf(err, errlen,
			 "the calibration measured no capacity, so no SLO can be derived (give "
			 "slo = DURATION in [probe])");
		return -EINVAL;
	}
	*out = l;
	return 0;
}

const char *scn_load_mode_name(enum scn_load_mode m)
{
	return m == SCN_LOAD_CLOSED ? "closed" : "open";
}

/* "50%", "12.5 %": a percentage in [min, max]; the '%' is required. */
static int parse_pct(const char *v, double min, double max, double *out)
{
	size_t n = strlen(v);
	char num[32];

	if (n < 2 || v[n - 1] != '%' || n >= sizeof(num))
		return -EINVAL;
	memcpy(num, v, n - 1);
	num[n - 1] = '\0';
	n = strlen(num);
	while (n > 0 && (num[n - 1] == ' ' || num[n - 1] == '\t'))
		num[--n] = '\0';
	return parse_double(num, min, max, out);
}

/* [probe] load, rate, mode, slo. */
static int probe_key(struct pctx *c, const struct entry *e)
{
	struct scn_design *d = &c->s->design;

	if (strcmp(e->key, "load") == 0) {
		if (parse_pct(e->value, 1, 100, &d->load_pct) < 0)
			return scn_fail(c, e->line,
					"load: '%s' (expected a share of the calibrated capacity, "
					"1%%-100%%, e.g. 50%%)",
					e->value);
		d->line_load = e->line;
		return 1;
	}
	if (strcmp(e->key, "rate") == 0) {
		if (parse_double(e->value, 0.001, 1e7, &d->rate_rps) < 0)
			return scn_fail(c, e->line,
					"rate: '%s' (expected requests/s, 0.001-10000000)",
					e->value);
		d->line_rate = e->line;
		return 1;
	}
	if (strcmp(e->key, "mode") == 0) {
		if (strcmp(e->value, "open") != 0 && strcmp(e->value, "closed") != 0)
			return scn_fail(c, e->line, "mode: '%s' (expected open or closed)",
					e->value);
		if (strcmp(e->value, "closed") == 0)
			d->load_mode = SCN_LOAD_CLOSED;
		d->line_mode = e->line;
		return 1;
	}
	if (strcmp(e->key, "slo") == 0) {
		if (parse_duration(e->value, SLO_MIN_NS, SLO_MAX_NS, &d->slo_ns) < 0)
			return scn_fail(c, e->line,
					"slo: '%s' (expected the latency a good response stays "
					"within, 100us-10m, e.g. 20ms)",
					e->value);
		d->line_slo = e->line;
		return 1;
	}
	return 0;
}

/* [global] rounds, max_rounds, max_time, min_effect, aa, min_bomb_share. */
static int global_key(struct pctx *c, const struct entry *e)
{
	struct scn_design *d = &c->s->design;
	uint64_t v;

	if (strcmp(e->key, "rounds") == 0) {
		if (strcmp(e->value, "auto") == 0) {
			d->rounds_auto = true;
			c->s->rounds = SCN_MIN_VALID_ROUNDS;
			return 1;
		}
		if (parse_u64(e->value, 1, SCN_MAX_ROUNDS, &v) < 0)
			return scn_fail(c, e->line, "rounds: '%s' (expected 1-%d or auto)",
					e->value, SCN_MAX_ROUNDS);
		d->rounds_auto = false;
		c->s->rounds = (unsigned)v;
		return 1;
	}
	if (strcmp(e->key, "max_rounds") == 0) {
		if (parse_u64(e->value, SCN_MIN_VALID_ROUNDS, SCN_MAX_ROUNDS, &v) < 0)
			return scn_fail(c, e->line, "max_rounds: '%s' (expected %d-%d)", e->value,
					SCN_MIN_VALID_ROUNDS, SCN_MAX_ROUNDS);
		d->max_rounds = (unsigned)v;
		d->line_max_rounds = e->line;
		return 1;
	}
	if (strcmp(e->key, "max_time") == 0) {
		if (parse_duration(e->value, MAX_TIME_MIN_NS, MAX_TIME_MAX_NS, &d->max_time_ns) < 0)
			return scn_fail(c, e->line,
					"max_time: '%s' (expected a duration from 30s to 7 days, "
					"e.g. 9m)",
					e->value);
		d->line_max_time = e->line;
		return 1;
	}
	if (strcmp(e->key, "min_effect") == 0) {
		if (parse_pct(e->value, 1, 100, &d->min_effect_pct) < 0)
			return scn_fail(c, e->line,
					"min_effect: '%s' (expected the smallest change that "
					"matters, 1%%-100%%, e.g. 10%%)",
					e->value);
		return 1;
	}
	if (strcmp(e->key, "min_bomb_share") == 0) {
		if (parse_pct(e->value, 0, 100, &d->min_bomb_share) < 0)
			return scn_fail(c, e->line,
					"min_bomb_share: '%s' (expected the share of its requested "
					"load a bomb must achieve, 0%%-100%%, e.g. 10%%)",
					e->value);
		return 1;
	}
	if (strcmp(e->key, "aa") == 0) {
		if (parse_bool(e->value, &d->aa) < 0)
			return scn_fail(c, e->line, "aa: '%s' (expected yes or no)", e->value);
		return 1;
	}
	return 0;
}

int scn_design_key(struct pctx *c, bool probe_section, const struct entry *e)
{
	return probe_section ? probe_key(c, e) : global_key(c, e);
}

uint64_t scn_probe_timeout_ns(const struct scenario *s)
{
	uint64_t t;

	for (size_t i = 0; i < s->probe.n_opts; i++)
		if (strcmp(s->probe.opts[i].key, "timeout") == 0 &&
		    parse_duration(s->probe.opts[i].value, 1, UINT64_MAX, &t) == 0)
			return t;
	return SCN_PROBE_DEFAULT_TIMEOUT;
}

/* The phase every other one is compared with: "baseline", else the first with no bomb and no
 * priority (the rule reports/ uses too). */
static struct scn_phase *baseline_of(struct scenario *s)
{
	for (size_t i = 0; i < s->n_phases; i++)
		if (strcmp(s->phases[i].name, "baseline") == 0)
			return &s->phases[i];
	for (size_t i = 0; i < s->n_phases; i++)
		if (!s->phases[i].n_bombs && !s->phases[i].n_prio)
			return &s->phases[i];
	return NULL;
}

/* Appends "<baseline>~aa", the baseline measured a second time in every round. */
static int add_aa(struct pctx *c)
{
	struct scenario *s = c->s;
	struct scn_phase *base = baseline_of(s), *np, twin = { 0 };
	char name[SCN_MAX_NAME + 8];

	for (size_t i = 0; i < s->n_phases; i++) {
		size_t n = strlen(s->phases[i].name);

		if (n >= 3 && strcmp(s->phases[i].name + n - 3, "~aa") == 0)
			return scn_fail(c, s->phases[i].line,
					"phase '%s': names ending in ~aa are the built-in A/A "
					"twins (set aa = no in [global] to measure your own)",
					s->phases[i].name);
	}
	if (!base || !s->design.aa) {
		s->design.aa = false; /* no baseline: nothing to twin */
		return 0;
	}
	snprintf(name, sizeof(name), "%s~aa", base->name);
	twin.line = base->line;
	twin.name = strdup(name);
	twin.aa_of = strdup(base->name);
	twin.bombs = calloc(1, sizeof(*twin.bombs));
	twin.prio = calloc(1, sizeof(*twin.prio));
	np = realloc(s->phases, (s->n_phases + 1) * sizeof(*np));
	if (!twin.name || !twin.aa_of || !twin.bombs || !twin.prio || !np) {
		if (np)
			s->phases = np;
		scn_phase_done(&twin);
		return -ENOMEM;
	}
	s->phases = np;
	s->phases[s->n_phases++] = twin;
	return 0;
}

int scn_design_check(struct pctx *c)
{
	struct scn_design *d = &c->s->design;

	if (d->line_load && d->line_rate)
		return scn_fail(c, d->line_load > d->line_rate ? d->line_load : d->line_rate,
				"give load (a share of the calibrated capacity) or rate "
				"(requests/s), not both");
	if (d->load_mode == SCN_LOAD_CLOSED && (d->line_load || d->line_rate))
		return scn_fail(c, d->line_load ? d->line_load : d->line_rate,
				"%s: mode = closed (line %d) sends as fast as answers come back; "
				"load and rate are for the open loop",
				d->line_load ? "load" : "rate", d->line_mode);
	if (d->line_rate)
		d->load_mode = SCN_LOAD_RATE;
	if (d->slo_ns && d->slo_ns > scn_probe_timeout_ns(c->s))
		return scn_fail(c, d->line_slo,
				"slo: longer than the probe's timeout: no response could be good "
				"past its timeout (raise timeout or lower slo)");
	if (!d->rounds_auto && d->line_max_rounds)
		return scn_fail(c, d->line_max_rounds,
				"max_rounds: only with rounds = auto (the rounds are fixed here)");
	if (!d->rounds_auto && d->line_max_time)
		return scn_fail(c, d->line_max_time,
				"max_time: only with rounds = auto (the rounds are fixed here)");
	return add_aa(c);
}
