// SPDX-License-Identifier: MIT
/* Scenario files: tokenise into sections, then check and resolve references. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-table.h"
#include "bomb-kinds.h"
#include "clock.h"
#include "exec-table.h"
#include "exec.h"
#include "fileio.h"
#include "parse.h"

#include "scenario-group.h"
#include "scenario-lex.h"
#include "scenario-phase.h"

/* Options the controller sets itself; a scenario may not pass them through. */
static const char *const reserved_opts[] = { "json",	 "quiet", "ready-fd", "duration",
					     "warmup",	 "log",	  "help",     "version",
					     "requests", "url",	  "base",     NULL };

/* ---- values ---- */

static int get_duration(struct pctx *c, const struct entry *e, uint64_t min, uint64_t *out)
{
	if (parse_duration(e->value, min, SCN_MAX_DURATION, out) < 0)
		return scn_fail(c, e->line, "%s: '%s' is not a duration (expected e.g. 30s, 2m)",
				e->key, e->value);
	return 0;
}

/* One backend option from [global], checked against its row in the backend tables. */
static int do_backend_opt(struct pctx *c, const struct backend_opt *o, const struct entry *e)
{
	struct scenario *s = c->s;
	struct scn_opt *n;
	char why[256];

	if (backend_opt_check(o, e->value, why, sizeof(why)) < 0)
		return o->type == BOPT_REFUSED
			       ? scn_fail(c, e->line, "%s: %s", e->key, why)
			       : scn_fail(c, e->line, "%s: '%s' (%s)", e->key, e->value, why);
	n = realloc(s->bopts, (s->n_bopts + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	s->bopts = n;
	n += s->n_bopts;
	n->key = strdup(e->key);
	n->value = strdup(e->value);
	if (!n->key || !n->value) {
		free(n->key);
		free(n->value);
		return -ENOMEM;
	}
	s->n_bopts++;
	return 0;
}

/* "backend, duration, ..., dom0": [global]'s own keys, then every backend's options. */
static const char *global_keys(char *buf, size_t len)
{
	const struct backend_opt *o;
	size_t n = (size_t)snprintf(buf, len,
				    "backend, duration, rounds, max_rounds, max_time, min_effect, "
				    "min_bomb_share, aa, warmup, cooldown, name, results, "
				    "victim_port, victim_pages");

	for (size_t i = 0; (o = backend_opt_at(i)) && n < len; i++)
		if (o->type != BOPT_REFUSED && !(o->flags & BOPT_NO_SCENARIO))
			n += (size_t)snprintf(buf + n, len - n, ", %s", o->key);
	return buf;
}

static int do_global_number(struct pctx *c, const struct entry *e)
{
	struct scenario *s = c->s;
	uint64_t v;

	if (strcmp(e->key, "victim_port") == 0) {
		if (parse_u64(e->value, 1, 65535, &v) < 0)
			return scn_fail(c, e->line, "victim_port: '%s' (expected 1-65535)",
					e->value);
		s->victim_port = (uint16_t)v;
		s->victim_port_set = true;
	} else {
		if (parse_u64(e->value, 1, 10000000, &v) < 0)
			return scn_fail(c, e->line, "victim_pages: '%s' (expected 1-10000000)",
					e->value);
		s->victim_pages = (unsigned)v;
	}
	return 0;
}

static int do_global(struct pctx *c, const struct section *sec)
{
	struct scenario *s = c->s;
	int r = 0;

	for (size_t i = 0; i < sec->n && r == 0; i++) {
		const struct entry *e = &sec->e[i];
		const char *k = e->key;
		const struct backend_opt *o = backend_opt_find(k);
		char list[512];

		if (strcmp(k, "backend") == 0) {
			if (!backend_find(e->value))
				return scn_fail(c, e->line, "backend: unknown '%s' (expected %s)",
						e->value,
						backend_names(list, sizeof(list), ", ", " or "));
			r = scn_dup_into(&s->backend, e->value);
		} else if (strcmp(k, "name") == 0) {
			r = scn_dup_into(&s->name, e->value);
		} else if (strcmp(k, "duration") == 0) {
			r = get_duration(c, e, NSEC_PER_SEC, &s->duration_ns);
		} else if (strcmp(k, "warmup") == 0) {
			r = get_duration(c, e, 0, &s->warmup_ns);
		} else if (strcmp(k, "cooldown") == 0) {
			r = get_duration(c, e, 0, &s->cooldown_ns);
		} else if ((r = scn_design_key(c, false, e)) != 0) {
			if (r < 0)
				return r;
			r = 0;
		} else if (strcmp(k, "victim_port") == 0 || strcmp(k, "victim_pages") == 0) {
			r = do_global_number(c, e);
		} else if (strcmp(k, "results") == 0) {
			r = scn_dup_into(&s->results, e->value);
		} else if (o && !(o->flags & BOPT_NO_SCENARIO)) {
			r = do_backend_opt(c, o, e);
		} else {
			return scn_fail(c, e->line, "unknown key '%s' in [global] (expected %s)", k,
					global_keys(list, sizeof(list)));
		}
	}
	return r;
}

/* `exec = NAME`, or an executor's target key (`ssh = user@host`). 1 when e was one. */
static int do_vm_exec(struct pctx *c, const struct entry *e, struct scn_vm *vm,
		      const struct exec_ops **by_key, const struct entry **key_entry)
{
	const struct exec_ops *x;
	char list[128];
	int r;

	if (strcmp(e->key, "exec") == 0) {
		if (!exec_find(e->value))
			return scn_fail(c, e->line, "exec: unknown '%s' (expected %s)", e->value,
					exec_names(list, sizeof(list)));
		r = scn_dup_into(&vm->exec, e->value);
		return r < 0 ? r : 1;
	}
	for (size_t i = 0; (x = exec_at(i)); i++) {
		if (!x->target_key || strcmp(x->target_key, e->key) != 0)
			continue;
		/* "{addr}" is the address a made VM gets: checked as one */
		char *check = scn_subst_addr(e->value, "192.0.2.1");
		bool ok;

		if (!check)
			return -ENOMEM;
		ok = x->target_valid ? x->target_valid(check) : *check != '\0';
		free(check);
		if (!ok)
			return scn_fail(c, e->line, "%s: '%s' (expected %s)", e->key, e->value,
					x->target_hint ? x->target_hint : "a target");
		*by_key = x;
		*key_entry = e;
		r = scn_dup_into(&vm->target, e->value);
		return r < 0 ? r : 1;
	}
	return 0;
}

/* After [vm]'s keys: the executor is `exec =`, else the one whose target key was given. */
static int vm_pick_exec(struct pctx *c, const struct section *sec, struct scn_vm *vm,
			const struct exec_ops *by_key, const struct entry *key_entry)
{
	const struct exec_ops *x;

	if (!vm->exec)
		return scn_dup_into(&vm->exec, (by_key ? by_key : exec_default())->name);
	x = exec_find(vm->exec);
	if (by_key && by_key != x)
		return scn_fail(c, key_entry->line,
				"%s: only for exec = %s (this VM has exec = %s)", key_entry->key,
				by_key->name, x->name);
	if (x->target_key && !vm->target)
		return scn_fail(c, scn_key_line(sec, "exec"), "[vm %s] exec = %s needs %s = %s",
				sec->name, x->name, x->target_key,
				x->target_hint ? x->target_hint : "TARGET");
	return 0;
}

static int do_vm_key(struct pctx *c, const struct section *sec, const struct entry *e,
		     struct scn_vm *vm, bool *has_role)
{
	const char *k = e->key;

	if (strcmp(k, "role") == 0) {
		*has_role = true;
		if (strcmp(e->value, "victim") == 0)
			vm->role = SCN_ROLE_VICTIM;
		else if (strcmp(e->value, "neighbor") == 0 || strcmp(e->value, "neighbour") == 0)
			vm->role = SCN_ROLE_NEIGHBOR;
		else if (strcmp(e->value, "probe") == 0)
			vm->role = SCN_ROLE_PROBE;
		else
			return scn_fail(c, e->line,
					"role: '%s' (expected victim, neighbor or probe)",
					e->value);
	} else if (strcmp(k, "name") == 0 || strcmp(k, "cgroup") == 0) {
		if (vm->ident)
			return scn_fail(c, e->line, "%s: the VM's identity is already given", k);
		return scn_dup_into(&vm->ident, e->value);
	} else if (strcmp(k, "addr") == 0) {
		if (e->value[0] == '-' || strpbrk(e->value, " \t'\"`$;&|/"))
			return scn_fail(c, e->line, "addr: '%s' (expected a host or address)",
					e->value);
		return scn_dup_into(&vm->addr, e->value);
	} else if (strcmp(k, "memory_max") == 0) {
		if (parse_size(e->value, 4ULL << 20, UINT64_MAX, &vm->memory_max) < 0)
			return scn_fail(c, e->line,
					"memory_max: '%s' (expected a size of at least 4M, e.g. "
					"512M)",
					e->value);
	} else if (strcmp(k, "pids_max") == 0) {
		if (parse_u64(e->value, 8, 4194304, &vm->pids_max) < 0)
			return scn_fail(c, e->line, "pids_max: '%s' (expected 8-4194304)",
					e->value);
	} else if (scn_is_make_key(k)) {
		return scn_add_make(c, vm, e);
	} else {
		return scn_fail(
			c, e->line,
			"unknown key '%s' in [vm %s] (expected role, name, cgroup, exec, "
			"ssh, addr, memory_max, pids_max, template, sr, host, config, pool, "
			"xl.KEY, ready_timeout)",
			k, sec->name);
	}
	return 0;
}

static int do_vm(struct pctx *c, const struct section *sec, struct scn_vm *vm)
{
	const struct exec_ops *by_key = NULL;
	const struct entry *key_entry = NULL;
	bool has_role = false;
	int r = 0;

	vm->line = sec->line;
	vm->name = strdup(sec->name);
	if (!vm->name)
		return -ENOMEM;
	for (size_t i = 0; i < sec->n && r == 0; i++) {
		r = do_vm_exec(c, &sec->e[i], vm, &by_key, &key_entry);
		if (r == 0)
			r = do_vm_key(c, sec, &sec->e[i], vm, &has_role);
		else if (r == 1)
			r = 0;
	}
	if (r == 0 && !has_role)
		return scn_fail(c, sec->line,
				"[vm %s] has no role (expected role = victim, neighbor "
				"or probe)",
				sec->name);
	if (r == 0)
		r = vm_pick_exec(c, sec, vm, by_key, key_entry);
	if (r == 0 && !vm->ident)
		r = scn_dup_into(&vm->ident, vm->name);
	if (r == 0)
		r = scn_check_make(c, vm);
	return r;
}

static bool is_reserved(const char *key)
{
	for (size_t i = 0; reserved_opts[i]; i++)
		if (strcmp(reserved_opts[i], key) == 0)
			return true;
	return false;
}

/* Checks every "${vm}" in an option value names a VM. */
static int check_refs(struct pctx *c, const struct entry *e)
{
	const char *p = e->value;

	while ((p = strstr(p, "${"))) {
		const char *end = strchr(p, '}');
		char name[SCN_MAX_NAME];

		if (!end || (size_t)(end - p - 2) >= sizeof(name))
			return scn_fail(c, e->line, "%s: unterminated ${VM} reference", e->key);
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = '\0';
		if (scenario_group(c->s, name))
			return scn_fail(c, e->line,
					"%s: ${%s} names a [group] (expected one VM, e.g. ${%s-1})",
					e->key, name, name);
		if (!scenario_vm(c->s, name))
			return scn_fail(c, e->line, "%s: ${%s} names no [vm] section", e->key,
					name);
		p = end + 1;
	}
	return 0;
}

static int do_tool(struct pctx *c, const struct section *sec, struct scn_tool *t, bool probe)
{
	const char *what = probe ? "[probe]" : "[bomb]";
	char kinds[128];
	int r = 0;

	t->line = sec->line;
	if (sec->name && !(t->name = strdup(sec->name)))
		return -ENOMEM;
	if (!sec->name && !(t->name = strdup("probe")))
		return -ENOMEM;
	t->opts = calloc(sec->n ? sec->n : 1, sizeof(*t->opts));
	if (!t->opts)
		return -ENOMEM;
	for (size_t i = 0; i < sec->n && r == 0; i++) {
		const struct entry *e = &sec->e[i];
		char *key;

		if (strcmp(e->key, "vm") == 0) {
			if (probe && scenario_group(c->s, e->value))
				return scn_fail(c, e->line,
						"vm: '%s' is a [group] (the probe runs in one VM)",
						e->value);
			if (!scenario_vm(c->s, e->value) && !scenario_group(c->s, e->value))
				return scn_fail(c, e->line, "vm: '%s' names no [vm]%s section",
						e->value, probe ? "" : " or [group]");
			r = scn_dup_into(&t->vm, e->value);
			continue;
		}
		if (strcmp(e->key, "kind") == 0) {
			r = scn_dup_into(&t->kind, e->value);
			continue;
		}
		if (probe && strcmp(e->key, "target") == 0) {
			r = scn_dup_into(&c->s->probe_target, e->value);
			continue;
		}
		if (probe && (r = scn_design_key(c, true, e)) != 0) {
			if (r < 0)
				return r;
			r = 0;
			continue;
		}
		/* '_' becomes '-' below: "_x" would reach the tool as "---x" */
		if (!scn_valid_name(e->key, false) || e->key[0] == '-' || e->key[0] == '.' ||
		    e->key[0] == '_')
			return scn_fail(c, e->line, "invalid option name '%s' in %s", e->key, what);
		key = strdup(e->key);
		if (!key)
			return -ENOMEM;
		for (char *q = key; *q; q++)
			if (*q == '_')
				*q = '-';
		if (is_reserved(key)) {
			r = scn_fail(c, e->line, "%s: set by the controller, not in %s", e->key,
				     what);
			free(key);
			return r;
		}
		t->opts[t->n_opts].key = key;
		t->opts[t->n_opts].line = e->line;
		t->opts[t->n_opts].value = strdup(e->value);
		if (!t->opts[t->n_opts++].value)
			return -ENOMEM;
		r = check_refs(c, e);
	}
	if (r)
		return r;
	if (!t->kind)
		return scn_fail(c, sec->line, "%s%s%s has no kind (expected kind = %s)",
				probe ? "[probe" : "[bomb ", probe ? "" : sec->name, "]",
				probe ? "http or sql" : bomb_kind_names(kinds, sizeof(kinds)));
	if (probe && strcmp(t->kind, "http") != 0 && strcmp(t->kind, "sql") != 0)
		return scn_fail(c, scn_key_line(sec, "kind"),
				"[probe] kind '%s' (expected http or sql)", t->kind);
	if (!probe && !bomb_kind_known(t->kind))
		return scn_fail(c, scn_key_line(sec, "kind"), "[bomb %s] kind '%s' (expected %s)",
				sec->name, t->kind, bomb_kind_names(kinds, sizeof(kinds)));
	if (!t->vm) {
		const struct scn_vm *pv = NULL;

		if (probe)
			for (size_t i = 0; i < c->s->n_vms; i++)
				if (c->s->vms[i].role == SCN_ROLE_PROBE)
					pv = &c->s->vms[i];
		if (!pv)
			return scn_fail(c, sec->line, "%s%s%s has no vm (expected vm = NAME)",
					probe ? "[probe" : "[bomb ", probe ? "" : sec->name, "]");
		r = scn_dup_into(&t->vm, pv->name);
	}
	return r;
}

static int resolve(struct pctx *c)
{
	struct scenario *s = c->s;
	struct raw_phase *rps = NULL;
	size_t n_rp = 0, n_vm = 0, n_bomb = 0, n_phase = 0, victims = 0;
	const struct scn_vm *first_victim = NULL;
	int r = 0;

	for (size_t i = 0; i < c->n_sect; i++) {
		n_vm += c->sect[i].type == SECT_VM;
		n_bomb += c->sect[i].type == SECT_BOMB;
		n_phase += c->sect[i].type == SECT_PHASE;
	}
	s->vms = calloc(n_vm + 1, sizeof(*s->vms));
	s->bombs = calloc(n_bomb + 1, sizeof(*s->bombs));
	rps = calloc(n_phase + 1, sizeof(*rps));
	if (!s->vms || !s->bombs || !rps) {
		free(rps);
		return -ENOMEM;
	}
	/* order matters: vms, then what refers to them, then phases */
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_GLOBAL)
			r = do_global(c, &c->sect[i]);
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_VM) {
			r = do_vm(c, &c->sect[i], &s->vms[s->n_vms++]);
			if (r == 0 && s->vms[s->n_vms - 1].role == SCN_ROLE_VICTIM) {
				if (victims++)
					r = scn_fail(c, scn_key_line(&c->sect[i], "role"),
						     "second victim [vm %s] (expected exactly one "
						     "victim, first [vm %s] at line %d)",
						     c->sect[i].name, first_victim->name,
						     first_victim->line);
				first_victim = &s->vms[s->n_vms - 1];
			}
		}
	if (r == 0 && victims == 0)
		r = scn_fail(c, 0, "no victim (expected one [vm NAME] with role = victim)");
	if (r == 0)
		r = scn_do_groups(c, do_vm);
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_BOMB)
			r = do_tool(c, &c->sect[i], &s->bombs[s->n_bombs++], false);
	if (r == 0)
		r = scn_expand_group_bombs(c);
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_PROBE) {
			s->has_probe = true;
			r = do_tool(c, &c->sect[i], &s->probe, true);
		}
	if (r == 0 && !s->has_probe)
		r = scn_fail(c, 0, "no [probe] section (expected [probe] with vm and kind)");
	if (r == 0 && !s->probe_target && strcmp(s->probe.kind, "http") == 0)
		r = scn_dup_into(&s->probe_target, "victim");
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_PHASE)
			r = scn_do_phase(c, &c->sect[i], &rps[n_rp++]);
	if (r == 0 && n_phase == 0)
		r = scn_fail(c, 0, "no phases (expected at least one [phase NAME])");
	if (r == 0)
		r = scn_expand_phases(c, rps, n_rp);
	if (r == 0)
		r = scn_finish_groups(c);
	for (size_t i = 0; i < n_rp; i++)
		scn_phase_done(&rps[i].ph);
	free(rps);
	return r;
}

int scenario_parse(const char *file, const char *text, size_t len, struct scenario **out,
		   char *errbuf, size_t errlen)
{
	struct pctx c = { .file = file, .err = errbuf, .errlen = errlen };
	struct scenario *s = calloc(1, sizeof(*s));
	int r;

	if (errlen)
		errbuf[0] = '\0';
	if (!s)
		return -ENOMEM;
	c.s = s;
	scn_design_defaults(&s->design);
	s->duration_ns = 30 * NSEC_PER_SEC;
	s->warmup_ns = 5 * NSEC_PER_SEC;
	s->cooldown_ns = 2 * NSEC_PER_SEC;
	s->rounds = 3;
	s->victim_port = 8080;
	s->victim_pages = 10000;
	s->file = strdup(file);
	r = s->file ? scn_tokenise(&c, text, len) : -ENOMEM;
	if (r == 0)
		r = resolve(&c);
	if (r == 0)
		r = scn_design_check(&c);
	if (r == 0 && !s->backend)
		r = scn_dup_into(&s->backend, backend_default()->name);
	if (r == 0 && !s->name) {
		const char *base = strrchr(file, '/');

		r = scn_dup_into(&s->name, base ? base + 1 : file);
	}
	scn_sections_free(&c);
	if (r == -ENOMEM && !c.failed)
		snprintf(errbuf, errlen, "%s: out of memory", file);
	if (r) {
		scenario_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int scenario_load(const char *path, struct scenario **out, char *errbuf, size_t errlen)
{
	char *text;
	size_t len;
	int r = file_read_all(path, SCN_MAX_FILE, &text, &len);

	if (r < 0) {
		snprintf(errbuf, errlen, "%s: %s", path,
			 r == -EFBIG ? "larger than 1 MiB (expected a scenario file)"
				     : strerror(-r));
		return r;
	}
	r = scenario_parse(path, text, len, out, errbuf, errlen);
	free(text);
	return r;
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->file);
	free(s->name);
	free(s->backend);
	for (size_t i = 0; i < s->n_bopts; i++) {
		free(s->bopts[i].key);
		free(s->bopts[i].value);
	}
	free(s->bopts);
	free(s->results);
	for (size_t i = 0; s->vms && i < s->n_vms; i++) {
		free(s->vms[i].name);
		free(s->vms[i].ident);
		free(s->vms[i].exec);
		free(s->vms[i].target);
		free(s->vms[i].addr);
		free(s->vms[i].group);
		for (size_t k = 0; k < s->vms[i].n_make; k++) {
			free(s->vms[i].make[k].key);
			free(s->vms[i].make[k].value);
		}
		free(s->vms[i].make);
	}
	free(s->vms);
	for (size_t i = 0; i < s->n_groups; i++)
		free(s->groups[i].name);
	free(s->groups);
	for (size_t i = 0; s->bombs && i < s->n_bombs; i++)
		scn_tool_done(&s->bombs[i]);
	free(s->bombs);
	scn_tool_done(&s->probe);
	free(s->probe_target);
	for (size_t i = 0; i < s->n_phases; i++)
		scn_phase_done(&s->phases[i]);
	free(s->phases);
	free(s);
}

const char *scn_role_name(enum scn_role role)
{
	switch (role) {
	case SCN_ROLE_VICTIM:
		return "victim";
	case SCN_ROLE_NEIGHBOR:
		return "neighbor";
	case SCN_ROLE_PROBE:
		return "probe";
	}
	return "?";
}

int scenario_backend_config(const struct scenario *s, struct backend_config *cfg)
{
	int r = 0;

	cfg->name = s->backend;
	for (size_t i = 0; i < s->n_bopts && r == 0; i++)
		r = backend_cfg_set(cfg, s->bopts[i].key, s->bopts[i].value);
	return r;
}

void scenario_make_quick(struct scenario *s)
{
	/*
	 * A verdict needs 3 rounds: the phases get shorter, the rounds stay. rounds = auto
	 * stays auto, within --quick's bounds: a verdict one noisy round left undecided
	 * gets the rounds it needs while the 2 minutes allow; fixed rounds become 3.
	 */
	s->rounds = SCN_MIN_VALID_ROUNDS;
	if (s->design.rounds_auto) {
		if (s->design.max_rounds > SCN_QUICK_MAX_ROUNDS)
			s->design.max_rounds = SCN_QUICK_MAX_ROUNDS;
		if (s->design.max_time_ns > SCN_QUICK_MAX_TIME_NS)
			s->design.max_time_ns = SCN_QUICK_MAX_TIME_NS;
	}
	if (s->duration_ns > SCN_QUICK_DURATION_NS) {
		/* changes during the measurement keep their place in the shorter window */
		for (size_t i = 0; i < s->n_phases; i++)
			for (size_t k = 0; k < s->phases[i].n_at; k++)
				s->phases[i].at[k].t_ns =
					(uint64_t)((double)s->phases[i].at[k].t_ns *
						   SCN_QUICK_DURATION_NS / s->duration_ns);
		s->duration_ns = SCN_QUICK_DURATION_NS;
	}
	if (s->warmup_ns > SCN_QUICK_WARMUP_NS)
		s->warmup_ns = SCN_QUICK_WARMUP_NS;
	if (s->cooldown_ns > SCN_QUICK_COOLDOWN_NS)
		s->cooldown_ns = SCN_QUICK_COOLDOWN_NS;
	if (s->victim_pages > 2000)
		s->victim_pages = 2000;
}

int scenario_select_phases(struct scenario *s, const char *list, char *errbuf, size_t errlen)
{
	size_t keep = 0;
	char *copy = strdup(list), *tok, *save = NULL;
	bool *want = calloc(s->n_phases + 1, sizeof(*want));
	int r = 0;

	if (!copy || !want) {
		free(copy);
		free(want);
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		bool found = false;

		tok = scn_strip(tok);
		for (size_t i = 0; i < s->n_phases; i++)
			if (strcmp(s->phases[i].name, tok) == 0 ||
			    (s->phases[i].sweep_key &&
			     strncmp(s->phases[i].name, tok, strlen(tok)) == 0 &&
			     s->phases[i].name[strlen(tok)] == '[')) {
				want[i] = true;
				found = true;
			}
		if (!found) {
			snprintf(errbuf, errlen, "--phases: no phase '%s' in %s", tok, s->file);
			r = -ENOENT;
			goto out;
		}
	}
	/* the A/A twin goes with its baseline */
	for (size_t i = 0; i < s->n_phases; i++)
		for (size_t k = 0; s->phases[i].aa_of && k < s->n_phases; k++)
			want[i] |= want[k] && strcmp(s->phases[k].name, s->phases[i].aa_of) == 0;
	for (size_t i = 0; i < s->n_phases; i++) {
		if (want[i])
			s->phases[keep++] = s->phases[i];
		else
			scn_phase_done(&s->phases[i]);
	}
	s->n_phases = keep;
	/* a twin that was dropped is no twin any more */
	for (size_t i = 0; i < s->n_phases; i++) {
		bool there = false;

		for (size_t k = 0; s->phases[i].twin && k < s->n_phases; k++)
			there |= strcmp(s->phases[k].name, s->phases[i].twin) == 0;
		if (s->phases[i].twin && !there) {
			free(s->phases[i].twin);
			s->phases[i].twin = NULL;
		}
	}
out:
	free(copy);
	free(want);
	return r;
}

double scenario_estimate_s(const struct scenario *s)
{
	/* per run: tools start and stop (~0.6 s), warmup, measurement, the settle window
	   (the cooldown's usual length on a settled host); before them the victim, the
	   host's rest level and the calibration (~5 s) */
	double window = ns_to_s(s->duration_ns) / 6;
	double per = 0.6 + ns_to_s(s->warmup_ns + s->duration_ns);

	window = window < 0.15 ? 0.15 : window > 1 ? 1 : window;
	per += ns_to_s(s->cooldown_ns) < window ? ns_to_s(s->cooldown_ns) : window;
	return 5.0 + per * (double)s->n_phases * s->rounds;
}
