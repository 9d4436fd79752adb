// SPDX-License-Identifier: MIT
/* Scenario groups: members, per-member bombs, hogs and group priorities; provisioning keys. */
#include "scenario-group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "parse.h"

/* ---- provisioning keys ---- */

static const char *const make_keys[] = { "template",	  "sr", "host", "config", "pool",
					 "ready_timeout", NULL };

bool scn_is_make_key(const char *key)
{
	for (size_t i = 0; make_keys[i]; i++)
		if (strcmp(key, make_keys[i]) == 0)
			return true;
	return strncmp(key, "xl.", 3) == 0;
}

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int scn_add_make(struct pctx *c, struct scn_vm *vm, const struct entry *e)
{
	const char *v = e->value;
	size_t len = strlen(v);
	struct scn_opt *n;

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	if (len == 0 || len > 255 || memchr(v, '"', len) || has_ctrl(v))
		return scn_fail(c, e->line,
				"%s: '%s' (expected 1-255 characters, no quotes inside, no control "
				"characters)",
				e->key, e->value);
	if (strcmp(e->key, "ready_timeout") == 0 &&
	    parse_duration(v, NSEC_PER_SEC, 24ULL * 3600 * NSEC_PER_SEC, &(uint64_t){ 0 }) < 0)
		return scn_fail(c, e->line, "ready_timeout: '%s' (expected a duration, e.g. 10m)",
				e->value);
	if (strcmp(e->key, "config") == 0 && v[0] != '/')
		return scn_fail(c, e->line,
				"config: '%.*s' (expected an absolute path to an xl domain "
				"configuration, e.g. /etc/xen/neighbour.cfg)",
				(int)len, v);
	if (strncmp(e->key, "xl.", 3) == 0) {
		const char *k = e->key + 3;

		if (!*k || strspn(k, "abcdefghijklmnopqrstuvwxyz_0123456789") != strlen(k))
			return scn_fail(c, e->line,
					"%s: '%s' is not an xl configuration key (expected "
					"xl.KEY with KEY in [a-z0-9_], e.g. xl.extra)",
					e->key, k);
		if (strcmp(k, "name") == 0 || strcmp(k, "pool") == 0)
			return scn_fail(c, e->line, "%s: set by isolab (%s)", e->key,
					k[0] == 'n' ? "each copy is named isolab-RUN-VM"
						    : "use pool = CPUPOOL");
	}
	n = realloc(vm->make, (vm->n_make + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	vm->make = n;
	n += vm->n_make;
	n->key = strdup(e->key);
	n->value = strndup(v, len);
	n->line = e->line;
	if (!n->key || !n->value) {
		free(n->key);
		free(n->value);
		return -ENOMEM;
	}
	vm->n_make++;
	return 0;
}

int scn_check_make(struct pctx *c, const struct scn_vm *vm)
{
	const struct scn_opt *tpl = scenario_vm_make(vm, "template");
	const struct scn_opt *cfg = scenario_vm_make(vm, "config");

	if (!vm->n_make)
		return 0;
	if (vm->role != SCN_ROLE_NEIGHBOR)
		return scn_fail(c, vm->make[0].line,
				"%s: only neighbours are made by isolab (the %s VM must exist)",
				vm->make[0].key, vm->role == SCN_ROLE_VICTIM ? "victim" : "probe");
	if (tpl && cfg)
		return scn_fail(c, cfg->line,
				"config: with template at line %d (expected one: template for a "
				"XenAPI pool, config for xl)",
				tpl->line);
	for (size_t i = 0; i < vm->n_make; i++) {
		const struct scn_opt *o = &vm->make[i];
		bool for_tpl = !strcmp(o->key, "sr") || !strcmp(o->key, "host");
		bool for_any = !strcmp(o->key, "ready_timeout");
		bool for_cfg = !strcmp(o->key, "pool") || !strncmp(o->key, "xl.", 3);

		if (for_tpl && !tpl)
			return scn_fail(c, o->line,
					"%s: only with template = NAME (a XenAPI template to "
					"clone)",
					o->key);
		if (for_any && !tpl && !cfg)
			return scn_fail(c, o->line,
					"%s: only for a VM isolab makes (template = or config =)",
					o->key);
		if (for_cfg && !cfg)
			return scn_fail(c, o->line,
					"%s: only with config = PATH (an xl domain configuration)",
					o->key);
	}
	return 0;
}

/* ---- substitution ---- */

int scn_subst_member(const char *v, unsigned n, char **out, char *why, size_t len)
{
	size_t cap = strlen(v) + 64, used = 0;
	char *o = malloc(cap);

	if (!o)
		return -ENOMEM;
	while (*v) {
		const char *end;
		uint64_t k = 0;

		if (strncmp(v, "{n", 2) != 0 || (v[2] != '}' && v[2] != '+')) {
			if (used + 2 > cap) {
				char *g = realloc(o, cap *= 2);

				if (!g) {
					free(o);
					return -ENOMEM;
				}
				o = g;
			}
			o[used++] = *v++;
			continue;
		}
		end = strchr(v, '}');
		if (v[2] == '+') {
			char num[16];

			if (!end || (size_t)(end - v - 3) >= sizeof(num) || end == v + 3) {
				free(o);
				snprintf(why, len, "'{n+' without a number and '}'");
				return -EINVAL;
			}
			memcpy(num, v + 3, (size_t)(end - v - 3));
			num[end - v - 3] = '\0';
			if (parse_u64(num, 0, 100000, &k)) {
				free(o);
				snprintf(why, len, "'{n+%s}' (expected {n+K} with K 0-100000)",
					 num);
				return -EINVAL;
			}
		}
		if (used + 24 > cap) {
			char *g = realloc(o, cap = cap * 2 + 24);

			if (!g) {
				free(o);
				return -ENOMEM;
			}
			o = g;
		}
		used += (size_t)snprintf(o + used, cap - used, "%llu", (unsigned long long)(n + k));
		v = end + 1;
	}
	o[used] = '\0';
	*out = o;
	return 0;
}

char *scn_subst_addr(const char *s, const char *addr)
{
	size_t n = 0, al = strlen(addr);
	const char *p;
	char *o, *q;

	for (p = s; (p = strstr(p, "{addr}")); p += 6)
		n++;
	o = malloc(strlen(s) + n * al + 1);
	if (!o)
		return NULL;
	for (q = o; *s;) {
		if (strncmp(s, "{addr}", 6) == 0) {
			memcpy(q, addr, al);
			q += al;
			s += 6;
		} else {
			*q++ = *s++;
		}
	}
	*q = '\0';
	return o;
}

/* ---- groups ---- */

static const char group_keys[] = "count, role, exec, ssh, addr, memory_max, pids_max, template, "
				 "sr, host, config, pool, xl.KEY, ready_timeout";

/* count, and the keys a member does not take (its identity is NAME-i). */
static int group_head(struct pctx *c, const struct section *sec, unsigned *count)
{
	const struct entry *cnt = NULL;
	uint64_t v;

	for (size_t i = 0; i < sec->n; i++) {
		const struct entry *e = &sec->e[i];

		if (strcmp(e->key, "count") == 0)
			cnt = e;
		else if (strcmp(e->key, "name") == 0 || strcmp(e->key, "cgroup") == 0)
			return scn_fail(c, e->line,
					"%s: a group's members are named %s-1..%s-N (not settable)",
					e->key, sec->name, sec->name);
		else if (strcmp(e->key, "role") == 0 && strcmp(e->value, "neighbor") != 0 &&
			 strcmp(e->value, "neighbour") != 0)
			return scn_fail(c, e->line,
					"role: '%s' (a group's members are neighbours: expected "
					"role = neighbor)",
					e->value);
	}
	if (!cnt)
		return scn_fail(c, sec->line, "[group %s] has no count (expected count = 1-%d)",
				sec->name, SCN_MAX_GROUP);
	if (parse_u64(cnt->value, 1, SCN_MAX_GROUP, &v) < 0)
		return scn_fail(c, cnt->line,
				"count: '%s' (expected 1-%d neighbours; more is refused, see "
				"docs/xen.md)",
				cnt->value, SCN_MAX_GROUP);
	*count = (unsigned)v;
	return 0;
}

static bool vm_key_known(const char *k)
{
	static const char *const keys[] = { "role",	  "exec",     "ssh",   "addr",
					    "memory_max", "pids_max", "count", NULL };

	for (size_t i = 0; keys[i]; i++)
		if (strcmp(keys[i], k) == 0)
			return true;
	return scn_is_make_key(k);
}

/* Member i's own copy of the group's section: count dropped, {n} substituted. */
static int member_section(struct pctx *c, const struct section *sec, unsigned i, struct section *m,
			  char *name)
{
	char why[128];
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->type = SECT_VM;
	m->name = name;
	m->line = sec->line;
	m->e = calloc(sec->n + 1, sizeof(*m->e));
	if (!m->e)
		return -ENOMEM;
	for (size_t k = 0; k < sec->n && r == 0; k++) {
		const struct entry *e = &sec->e[k];
		struct entry *d = &m->e[m->n];

		if (strcmp(e->key, "count") == 0)
			continue;
		if (!vm_key_known(e->key))
			return scn_fail(c, e->line, "unknown key '%s' in [group %s] (expected %s)",
					e->key, sec->name, group_keys);
		d->line = e->line;
		d->key = strdup(e->key);
		r = d->key ? scn_subst_member(e->value, i, &d->value, why, sizeof(why)) : -ENOMEM;
		if (r == -EINVAL)
			r = scn_fail(c, e->line, "%s: %s", e->key, why);
		m->n++;
	}
	if (r == 0 && !scn_entry_find(m, "role")) {
		struct entry *d = &m->e[m->n++];

		d->line = sec->line;
		d->key = strdup("role");
		d->value = strdup("neighbor");
		if (!d->key || !d->value)
			r = -ENOMEM;
	}
	return r;
}

static void member_section_free(struct section *m)
{
	for (size_t k = 0; k < m->n; k++) {
		free(m->e[k].key);
		free(m->e[k].value);
	}
	free(m->e);
}

static int add_members(struct pctx *c, const struct section *sec, unsigned count, scn_vm_fn do_vm)
{
	struct scenario *s = c->s;
	struct scn_vm *nv = realloc(s->vms, (s->n_vms + count + 1) * sizeof(*nv));
	int r = 0;

	if (!nv)
		return -ENOMEM;
	s->vms = nv;
	for (unsigned i = 1; i <= count && r == 0; i++) {
		char name[SCN_MAX_NAME + 8];
		const struct scn_vm *clash;
		struct section m;
		struct scn_vm *vm = &s->vms[s->n_vms];

		snprintf(name, sizeof(name), "%s-%u", sec->name, i);
		if (!scn_valid_name(name, false))
			return scn_fail(c, sec->line,
					"[group %s]: member name '%s' too long (expected a group "
					"name of at most %d characters)",
					sec->name, name, SCN_MAX_NAME - 5);
		clash = scenario_vm(s, name);
		if (clash)
			return scn_fail(c, sec->line,
					"[group %s]: member %s clashes with [vm %s] at line %d",
					sec->name, name, name, clash->line);
		memset(vm, 0, sizeof(*vm));
		r = member_section(c, sec, i, &m, name);
		if (r == 0) {
			s->n_vms++; /* owned by the scenario from here, also on failure */
			r = do_vm(c, &m, vm);
			vm->line = sec->line;
		}
		if (r == 0 && !(vm->group = strdup(sec->name)))
			r = -ENOMEM;
		vm->member = i;
		member_section_free(&m);
	}
	return r;
}

int scn_do_groups(struct pctx *c, scn_vm_fn do_vm)
{
	struct scenario *s = c->s;
	int r = 0;

	for (size_t i = 0; i < c->n_sect && r == 0; i++) {
		const struct section *sec = &c->sect[i];
		const struct scn_vm *clash;
		struct scn_group *ng;
		unsigned count;

		if (sec->type != SECT_GROUP)
			continue;
		clash = scenario_vm(s, sec->name);
		if (clash)
			return scn_fail(c, sec->line, "[group %s] clashes with [vm %s] at line %d",
					sec->name, sec->name, clash->line);
		r = group_head(c, sec, &count);
		if (r)
			return r;
		ng = realloc(s->groups, (s->n_groups + 1) * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		s->groups = ng;
		ng += s->n_groups;
		ng->name = strdup(sec->name);
		ng->count = count;
		ng->line = sec->line;
		if (!ng->name)
			return -ENOMEM;
		s->n_groups++;
		r = add_members(c, sec, count, do_vm);
	}
	return r;
}

/* ---- bombs on a group ---- */

static int member_bomb(struct scn_tool *d, const struct scn_tool *t, const struct scn_vm *vm)
{
	char name[SCN_MAX_NAME * 2 + 2];

	memset(d, 0, sizeof(*d));
	snprintf(name, sizeof(name), "%s@%s", t->name, vm->name);
	d->line = t->line;
	d->member = vm->member;
	d->name = strdup(name);
	d->vm = strdup(vm->name);
	d->kind = strdup(t->kind);
	d->base = strdup(t->name);
	d->group = strdup(t->vm);
	d->opts = calloc(t->n_opts + 1, sizeof(*d->opts));
	if (!d->name || !d->vm || !d->kind || !d->base || !d->group || !d->opts)
		return -ENOMEM;
	for (; d->n_opts < t->n_opts; d->n_opts++) {
		struct scn_opt *o = &d->opts[d->n_opts];

		o->line = t->opts[d->n_opts].line;
		o->key = strdup(t->opts[d->n_opts].key);
		o->value = strdup(t->opts[d->n_opts].value);
		if (!o->key || !o->value) {
			d->n_opts++;
			return -ENOMEM;
		}
	}
	return 0;
}

int scn_expand_group_bombs(struct pctx *c)
{
	struct scenario *s = c->s;
	struct scn_tool *out;
	size_t n = 0, total = 0;
	int r = 0;

	for (size_t i = 0; i < s->n_bombs; i++) {
		const struct scn_group *g = scenario_group(s, s->bombs[i].vm);

		total += g ? g->count : 1;
	}
	if (total == s->n_bombs)
		return 0;
	out = calloc(total + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_bombs; i++) {
		struct scn_tool *t = &s->bombs[i];

		if (!scenario_group(s, t->vm)) {
			out[n++] = *t;
			memset(t, 0, sizeof(*t));
			continue;
		}
		for (size_t v = 0; v < s->n_vms; v++)
			if (s->vms[v].group && strcmp(s->vms[v].group, t->vm) == 0 && r == 0)
				r = member_bomb(&out[n++], t, &s->vms[v]);
	}
	/* the old array's group bombs are freed with it; its plain ones moved over */
	for (size_t i = 0; i < s->n_bombs; i++)
		scn_tool_done(&s->bombs[i]);
	free(s->bombs);
	s->bombs = out;
	s->n_bombs = n;
	return r;
}

/* ---- phases: hogs and group priorities ---- */

static int apply_hogs(struct pctx *c, struct scn_phase *ph)
{
	size_t keep = 0;
	bool any = false;

	for (size_t i = 0; i < ph->n_bombs; i++) {
		const struct scn_tool *t = scenario_bomb(c->s, ph->bombs[i]);
		bool in = t && t->group && strcmp(t->group, ph->hogs_group) == 0;

		any |= in;
		if (in && t->member > ph->hogs)
			free(ph->bombs[i]);
		else
			ph->bombs[keep++] = ph->bombs[i];
	}
	ph->n_bombs = keep;
	if (!any)
		return scn_fail(c, ph->line,
				"hogs.%s: no bomb of [phase %s] runs on group %s (expected bombs = "
				"a bomb whose vm is %s)",
				ph->hogs_group, ph->name, ph->hogs_group, ph->hogs_group);
	return 0;
}

static struct scn_prio *find_prio(struct scn_phase *ph, const char *vm)
{
	for (size_t i = 0; i < ph->n_prio; i++)
		if (strcmp(ph->prio[i].vm, vm) == 0)
			return &ph->prio[i];
	return NULL;
}

/* weight.G / cap.G onto every member of G that does not set its own. */
static int expand_group_prio(struct pctx *c, struct scn_phase *ph)
{
	for (size_t i = 0; i < ph->n_prio; i++) {
		const struct scn_group *g = scenario_group(c->s, ph->prio[i].vm);
		struct scn_prio gp = ph->prio[i], *np;

		if (!g)
			continue;
		np = realloc(ph->prio, (ph->n_prio + g->count) * sizeof(*np));
		if (!np)
			return -ENOMEM;
		ph->prio = np;
		/* the group's entry goes; its members' come (or are completed) */
		memmove(&np[i], &np[i + 1], (ph->n_prio - i - 1) * sizeof(*np));
		ph->n_prio--;
		for (unsigned m = 1; m <= g->count; m++) {
			char name[SCN_MAX_NAME + 8];
			struct scn_prio *p;

			snprintf(name, sizeof(name), "%s-%u", g->name, m);
			p = find_prio(ph, name);
			if (!p) {
				p = &ph->prio[ph->n_prio];
				p->vm = strdup(name);
				p->weight = p->cap = -1;
				if (!p->vm) {
					free(gp.vm);
					return -ENOMEM;
				}
				ph->n_prio++;
			}
			if (p->weight < 0)
				p->weight = gp.weight;
			if (p->cap < 0)
				p->cap = gp.cap;
		}
		free(gp.vm);
		i--; /* this slot holds the next entry now */
	}
	return 0;
}

int scn_finish_groups(struct pctx *c)
{
	struct scenario *s = c->s;
	int r = 0;

	for (size_t i = 0; i < s->n_phases && r == 0; i++) {
		struct scn_phase *ph = &s->phases[i];

		if (ph->hogs_group)
			r = apply_hogs(c, ph);
		if (r == 0)
			r = expand_group_prio(c, ph);
	}
	return r;
}
