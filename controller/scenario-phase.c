// SPDX-License-Identifier: MIT
/* Scenario phases: bomb lists, priorities, sweeps and their expansion, twins. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "scenario-knob.h"
#include "scenario-phase.h"

/* ---- phases ---- */

static int add_one_bomb(struct pctx *c, struct scn_phase *ph, const char *name, int line);

/* A [bomb] on a group: every member's copy (hogs.GROUP may keep fewer later). */
static int add_group_bomb(struct pctx *c, struct scn_phase *ph, const char *name, int line)
{
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < c->s->n_bombs && r == 0; i++)
		if (c->s->bombs[i].base && strcmp(c->s->bombs[i].base, name) == 0) {
			any = true;
			r = add_one_bomb(c, ph, c->s->bombs[i].name, line);
		}
	if (!any)
		return scn_fail(c, line, "bombs: '%s' names no [bomb] section", name);
	return r;
}

static int add_bomb_ref(struct pctx *c, struct scn_phase *ph, const char *name, int line)
{
	if (!scenario_bomb(c->s, name))
		return add_group_bomb(c, ph, name, line);
	return add_one_bomb(c, ph, name, line);
}

static int add_one_bomb(struct pctx *c, struct scn_phase *ph, const char *name, int line)
{
	char **nb;

	for (size_t i = 0; i < ph->n_bombs; i++)
		if (strcmp(ph->bombs[i], name) == 0)
			return scn_fail(c, line, "bombs: '%s' listed twice", name);
	nb = realloc(ph->bombs, (ph->n_bombs + 1) * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	ph->bombs = nb;
	nb[ph->n_bombs] = strdup(name);
	return nb[ph->n_bombs++] ? 0 : -ENOMEM;
}

static int parse_bombs(struct pctx *c, struct scn_phase *ph, const struct entry *e)
{
	char *copy, *tok, *save = NULL;
	int r = 0;

	if (strcmp(e->value, "none") == 0)
		return 0;
	if (strcmp(e->value, "all") == 0) {
		for (size_t i = 0; i < c->s->n_bombs && r == 0; i++)
			r = add_bomb_ref(c, ph, c->s->bombs[i].name, e->line);
		return r;
	}
	copy = strdup(e->value);
	if (!copy)
		return -ENOMEM;
	if (copy[0] == ',' || copy[strlen(copy) - 1] == ',' || strstr(copy, ",,")) {
		free(copy);
		return scn_fail(c, e->line, "bombs: empty name in list (expected NAME, NAME, ...)");
	}
	for (tok = strtok_r(copy, ",", &save); tok && r == 0; tok = strtok_r(NULL, ",", &save)) {
		tok = scn_strip(tok);
		if (!*tok)
			r = scn_fail(c, e->line,
				     "bombs: empty name in list (expected NAME, NAME, ...)");
		else
			r = add_bomb_ref(c, ph, tok, e->line);
	}
	free(copy);
	return r;
}

static struct scn_prio *prio_for(struct scn_phase *ph, const char *vm)
{
	struct scn_prio *np;

	for (size_t i = 0; i < ph->n_prio; i++)
		if (strcmp(ph->prio[i].vm, vm) == 0)
			return &ph->prio[i];
	np = realloc(ph->prio, (ph->n_prio + 1) * sizeof(*np));
	if (!np)
		return NULL;
	ph->prio = np;
	np[ph->n_prio].vm = strdup(vm);
	np[ph->n_prio].weight = -1;
	np[ph->n_prio].cap = -1;
	if (!np[ph->n_prio].vm)
		return NULL;
	return &np[ph->n_prio++];
}

/* One value of weight.VM / cap.VM, range-checked. */
static int prio_value(struct pctx *c, const struct entry *e, bool weight, const char *v, int *out)
{
	int64_t x;
	int r = parse_i64(v, weight ? XEN_WEIGHT_MIN : 0, weight ? XEN_WEIGHT_MAX : XEN_CAP_MAX,
			  &x);

	if (r == -ERANGE)
		return scn_fail(c, e->line, "%s: %s out of range (expected %d-%d)", e->key, v,
				weight ? XEN_WEIGHT_MIN : 0, weight ? XEN_WEIGHT_MAX : XEN_CAP_MAX);
	if (r < 0)
		return scn_fail(c, e->line, "%s: '%s' is not a number (expected %s)", e->key, v,
				weight ? "a Xen weight 1-65535"
				       : "a cap in % of one CPU, 0 = none");
	*out = (int)x;
	return 0;
}

/* One value of hogs.GROUP: how many of its members run their bombs. */
static int hogs_value(struct pctx *c, const struct entry *e, const struct scn_group *g,
		      const char *v, int *out)
{
	int64_t x;

	if (parse_i64(v, 1, g->count, &x) < 0)
		return scn_fail(c, e->line, "%s: '%s' (expected 1-%u: group %s has %u members)",
				e->key, v, g->count, g->name, g->count);
	*out = (int)x;
	return 0;
}

/* hogs.GROUP = N, or a sweep N1, N2, ... */
static int do_hogs(struct pctx *c, struct raw_phase *rp, const struct entry *e)
{
	const struct scn_group *g = scenario_group(c->s, e->key + 5);
	struct scn_phase *ph = &rp->ph;
	char *copy, *tok, *save = NULL;
	int r = 0, v;

	if (!g)
		return scn_fail(c, e->line, "%s: '%s' names no [group] section", e->key,
				e->key + 5);
	if (ph->hogs_group)
		return scn_fail(c, e->line, "%s: one hogs key per phase (already hogs.%s)", e->key,
				ph->hogs_group);
	if (!(ph->hogs_group = strdup(g->name)))
		return -ENOMEM;
	if (!strchr(e->value, ',')) {
		r = hogs_value(c, e, g, e->value, &v);
		ph->hogs = (unsigned)v;
		return r;
	}
	if (rp->sweep)
		return scn_fail(c, e->line,
				"%s: only one key per phase may sweep (already %s at line %d)",
				e->key, rp->sweep->key, rp->sweep->line);
	rp->sweep = e;
	copy = strdup(e->value);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok && r == 0; tok = strtok_r(NULL, ",", &save)) {
		if (rp->n_values == SCN_MAX_SWEEP)
			r = scn_fail(c, e->line, "%s: too many sweep values (at most %d)", e->key,
				     SCN_MAX_SWEEP);
		else
			r = hogs_value(c, e, g, scn_strip(tok), &rp->values[rp->n_values++]);
	}
	free(copy);
	if (r == 0 && rp->n_values < 2)
		r = scn_fail(c, e->line, "%s: a sweep needs at least two values", e->key);
	return r;
}

int scn_do_phase(struct pctx *c, const struct section *sec, struct raw_phase *rp)
{
	struct scn_phase *ph = &rp->ph;
	int r = 0;

	ph->line = sec->line;
	ph->name = strdup(sec->name);
	if (!ph->name)
		return -ENOMEM;
	for (size_t i = 0; i < sec->n && r == 0; i++) {
		const struct entry *e = &sec->e[i];
		bool weight = strncmp(e->key, "weight.", 7) == 0;
		bool cap = strncmp(e->key, "cap.", 4) == 0;

		if (strcmp(e->key, "bombs") == 0) {
			r = parse_bombs(c, ph, e);
		} else if (strcmp(e->key, "twin") == 0) {
			rp->twin_line = e->line;
			r = scn_dup_into(&ph->twin, e->value);
		} else if (scn_knob_key(e->key)) {
			r = scn_knob_entry(c, rp, e);
		} else if (strncmp(e->key, "hogs.", 5) == 0) {
			r = do_hogs(c, rp, e);
		} else if (weight || cap) {
			const char *vm = e->key + (weight ? 7 : 4);
			struct scn_prio *p;

			if (!scenario_vm(c->s, vm) && !scenario_group(c->s, vm))
				return scn_fail(c, e->line,
						"%s: '%s' names no [vm] or [group] section", e->key,
						vm);
			p = prio_for(ph, vm);
			if (!p)
				return -ENOMEM;
			if (strchr(e->value, ',')) {
				char *copy, *tok, *save = NULL;

				if (rp->sweep)
					return scn_fail(
						c, e->line,
						"%s: only one key per phase may sweep (already "
						"%s at line %d)",
						e->key, rp->sweep->key, rp->sweep->line);
				rp->sweep = e;
				copy = strdup(e->value);
				if (!copy)
					return -ENOMEM;
				for (tok = strtok_r(copy, ",", &save); tok && r == 0;
				     tok = strtok_r(NULL, ",", &save)) {
					if (rp->n_values == SCN_MAX_SWEEP)
						r = scn_fail(
							c, e->line,
							"%s: too many sweep values (at most %d)",
							e->key, SCN_MAX_SWEEP);
					else
						r = prio_value(c, e, weight, scn_strip(tok),
							       &rp->values[rp->n_values++]);
				}
				free(copy);
				if (r == 0 && rp->n_values < 2)
					r = scn_fail(c, e->line,
						     "%s: a sweep needs at least two values",
						     e->key);
			} else {
				r = prio_value(c, e, weight, e->value,
					       weight ? &p->weight : &p->cap);
			}
		} else {
			return scn_fail(c, e->line,
					"unknown key '%s' in [phase %s] (expected bombs, twin, "
					"weight.VM, cap.VM, intensity.BOMB, load, at.TIME, "
					"hogs.GROUP)",
					e->key, sec->name);
		}
	}
	if (r == 0)
		r = scn_knob_check(c, rp);
	return r;
}

void scn_phase_done(struct scn_phase *ph)
{
	free(ph->name);
	for (size_t i = 0; i < ph->n_bombs; i++)
		free(ph->bombs[i]);
	free(ph->bombs);
	for (size_t i = 0; i < ph->n_prio; i++)
		free(ph->prio[i].vm);
	free(ph->prio);
	free(ph->twin);
	free(ph->sweep_key);
	free(ph->hogs_group);
	free(ph->aa_of);
	scn_knob_done(ph);
	memset(ph, 0, sizeof(*ph));
}

static int phase_copy(struct scn_phase *dst, const struct scn_phase *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->line = src->line;
	dst->sweep_value = src->sweep_value;
	dst->hogs = src->hogs;
	dst->name = strdup(src->name);
	if (!dst->name || (src->twin && !(dst->twin = strdup(src->twin))) ||
	    (src->sweep_key && !(dst->sweep_key = strdup(src->sweep_key))) ||
	    (src->hogs_group && !(dst->hogs_group = strdup(src->hogs_group))))
		goto oom;
	dst->bombs = calloc(src->n_bombs + 1, sizeof(*dst->bombs));
	dst->prio = calloc(src->n_prio + 1, sizeof(*dst->prio));
	if (!dst->bombs || !dst->prio)
		goto oom;
	for (; dst->n_bombs < src->n_bombs; dst->n_bombs++)
		if (!(dst->bombs[dst->n_bombs] = strdup(src->bombs[dst->n_bombs])))
			goto oom;
	for (; dst->n_prio < src->n_prio; dst->n_prio++) {
		dst->prio[dst->n_prio] = src->prio[dst->n_prio];
		if (!(dst->prio[dst->n_prio].vm = strdup(src->prio[dst->n_prio].vm)))
			goto oom;
	}
	if (scn_knob_copy(dst, src) < 0)
		goto oom;
	return 0;
oom:
	scn_phase_done(dst);
	return -ENOMEM;
}

static int append_phase(struct scenario *s, struct scn_phase *ph)
{
	struct scn_phase *np = realloc(s->phases, (s->n_phases + 1) * sizeof(*np));

	if (!np)
		return -ENOMEM;
	s->phases = np;
	np[s->n_phases++] = *ph;
	memset(ph, 0, sizeof(*ph));
	return 0;
}

static struct raw_phase *find_raw(struct raw_phase *rps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rps[i].ph.name, name) == 0)
			return &rps[i];
	return NULL;
}

/* a and b sweep the same key over the same values: their members pair up as twins. */
static bool same_sweep(const struct raw_phase *a, const struct raw_phase *b)
{
	return a->sweep && b->sweep && strcmp(a->sweep->key, b->sweep->key) == 0 &&
	       a->n_values == b->n_values &&
	       memcmp(a->values, b->values, a->n_values * sizeof(a->values[0])) == 0;
}

static int resolve_twins(struct pctx *c, struct raw_phase *rps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct scn_phase *ph = &rps[i].ph;
		size_t len = strlen(ph->name);

		if (ph->twin) {
			const struct raw_phase *t = find_raw(rps, n, ph->twin);

			if (!t || t == &rps[i])
				return scn_fail(c, rps[i].twin_line,
						"twin: '%s' names no other [phase]", ph->twin);
			if (t->sweep && !same_sweep(&rps[i], t))
				return scn_fail(c, rps[i].twin_line,
						"twin: '%s' sweeps (expected one phase, or one "
						"sweeping the same key over the same values)",
						ph->twin);
			rps[i].pair_twin = t->sweep != NULL;
		} else if (len > 5 && strcmp(ph->name + len - 5, "+prio") == 0) {
			char base[SCN_MAX_NAME];
			const struct raw_phase *t;

			snprintf(base, sizeof(base), "%.*s", (int)(len - 5), ph->name);
			t = find_raw(rps, n, base);
			if (!t || (t->sweep && !same_sweep(&rps[i], t)))
				continue;
			if (!(ph->twin = strdup(base)))
				return -ENOMEM;
			rps[i].pair_twin = t->sweep != NULL;
		}
	}
	return 0;
}

/* Member v of a sweeping phase: the swept value set, named NAME[KEY=VALUE]. */
static int sweep_member(struct scn_phase *copy, const struct raw_phase *rp, size_t v)
{
	const char *key = rp->sweep->key;
	bool hogs = strncmp(key, "hogs.", 5) == 0, knob = scn_knob_sweeps(key);
	bool weight = strncmp(key, "weight.", 7) == 0;
	const char *vm = key + (weight ? 7 : 4);
	char name[SCN_MAX_NAME * 3];
	int r;

	if (hogs)
		copy->hogs = (unsigned)rp->values[v];
	if (knob && (r = scn_knob_apply(copy, key, rp->values[v])) < 0)
		return r; /* intensity.BOMB, load (scenario-knob.c) */
	for (size_t k = 0; !hogs && !knob && k < copy->n_prio; k++)
		if (strcmp(copy->prio[k].vm, vm) == 0)
			*(weight ? &copy->prio[k].weight : &copy->prio[k].cap) = rp->values[v];
	snprintf(name, sizeof(name), "%s[%s=%d]", rp->ph.name, key, rp->values[v]);
	free(copy->name);
	copy->name = strdup(name);
	copy->sweep_key = strdup(key);
	copy->sweep_value = rp->values[v];
	if (!copy->name || !copy->sweep_key)
		return -ENOMEM;
	if (rp->pair_twin) {
		snprintf(name, sizeof(name), "%s[%s=%d]", rp->ph.twin, key, rp->values[v]);
		free(copy->twin);
		copy->twin = strdup(name);
		if (!copy->twin)
			return -ENOMEM;
	}
	return 0;
}

/* Resolves twins, then expands sweeps into the scenario's phase list. */
int scn_expand_phases(struct pctx *c, struct raw_phase *rps, size_t n)
{
	struct scenario *s = c->s;
	int r = resolve_twins(c, rps, n);

	if (r)
		return r;
	for (size_t i = 0; i < n && r == 0; i++) {
		struct raw_phase *rp = &rps[i];

		if (!rp->sweep) {
			struct scn_phase copy;

			r = phase_copy(&copy, &rp->ph);
			if (r == 0 && (r = append_phase(s, &copy)) < 0)
				scn_phase_done(&copy);
			continue;
		}
		for (size_t v = 0; v < rp->n_values && r == 0; v++) {
			struct scn_phase copy;

			r = phase_copy(&copy, &rp->ph);
			if (r)
				break;
			r = sweep_member(&copy, rp, v);
			if (r == 0)
				r = append_phase(s, &copy);
			if (r)
				scn_phase_done(&copy);
		}
	}
	if (r == 0 && s->n_phases > SCN_MAX_PHASES)
		return scn_fail(c, 0, "%zu phases after sweeps (at most %d)", s->n_phases,
				SCN_MAX_PHASES);
	return r;
}
