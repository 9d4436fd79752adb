// SPDX-License-Identifier: MIT
/* Scenario files: tokenise into sections, then check and resolve references. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fileio.h"
#include "parse.h"

#include "scenario-priv.h"

static const char *const sect_names[] = {
	[SECT_GLOBAL] = "global", [SECT_VM] = "vm",	  [SECT_PROBE] = "probe",
	[SECT_BOMB] = "bomb",	  [SECT_PHASE] = "phase",
};

static const char *const bomb_kinds[] = {
	"cpu", "mem", "fork", "disk", "net-send", "net-recv", NULL
};

/* Options the controller sets itself; a scenario may not pass them through. */
static const char *const reserved_opts[] = { "json",	 "quiet", "ready-fd", "duration",
					     "warmup",	 "log",	  "help",     "version",
					     "requests", "url",	  "base",     NULL };

int scn_fail(struct pctx *c, int line, const char *fmt, ...)
{
	va_list ap;
	int off;

	if (c->failed)
		return -EINVAL;
	c->failed = true;
	if (line > 0)
		off = snprintf(c->err, c->errlen, "%s:%d: ", c->file, line);
	else
		off = snprintf(c->err, c->errlen, "%s: ", c->file);
	if (off < 0 || (size_t)off >= c->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(c->err + off, c->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

char *scn_strip(char *p)
{
	char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return p;
}

static bool valid_name(const char *s, bool allow_plus)
{
	if (!*s || strlen(s) >= SCN_MAX_NAME)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' &&
		    !(allow_plus && *s == '+'))
			return false;
	return true;
}

/* Cuts an inline comment: ';' or '#' at the start or after whitespace. */
static void cut_comment(char *p)
{
	for (char *q = p; *q; q++)
		if ((*q == ';' || *q == '#') && (q == p || q[-1] == ' ' || q[-1] == '\t')) {
			*q = '\0';
			return;
		}
}

/* The line of key in sec (to point at it in an error), else the section header's. */
static int key_line(const struct section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, key) == 0)
			return sec->e[i].line;
	return sec->line;
}

static int add_section(struct pctx *c, enum sect_type type, const char *name, int line)
{
	struct section *ns;

	for (size_t i = 0; i < c->n_sect; i++) {
		const struct section *o = &c->sect[i];

		if (o->type != type)
			continue;
		if (type == SECT_GLOBAL || type == SECT_PROBE)
			return scn_fail(c, line, "duplicate [%s] section (first at line %d)",
					sect_names[type], o->line);
		if (strcmp(o->name, name) == 0)
			return scn_fail(c, line, "duplicate [%s %s] (first at line %d)",
					sect_names[type], name, o->line);
	}
	ns = realloc(c->sect, (c->n_sect + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	c->sect = ns;
	memset(&ns[c->n_sect], 0, sizeof(*ns));
	ns[c->n_sect].type = type;
	ns[c->n_sect].line = line;
	if (name) {
		ns[c->n_sect].name = strdup(name);
		if (!ns[c->n_sect].name)
			return -ENOMEM;
	}
	c->n_sect++;
	return 0;
}

static int parse_header(struct pctx *c, char *p, int line)
{
	char *close = strchr(p, ']');
	char *word, *name;
	enum sect_type t;
	size_t i;

	if (!close || scn_strip(close + 1)[0])
		return scn_fail(c, line, "malformed section header (expected [TYPE NAME])");
	*close = '\0';
	word = scn_strip(p + 1);
	name = word + strcspn(word, " \t");
	if (*name) {
		*name++ = '\0';
		name = scn_strip(name);
	}
	for (i = 0; i < sizeof(sect_names) / sizeof(sect_names[0]); i++)
		if (strcmp(word, sect_names[i]) == 0)
			break;
	if (i == sizeof(sect_names) / sizeof(sect_names[0]))
		return scn_fail(c, line,
				"unknown section [%s] (expected global, vm NAME, probe, bomb NAME, "
				"phase NAME)",
				word);
	t = (enum sect_type)i;
	if (t == SECT_GLOBAL || t == SECT_PROBE) {
		if (*name)
			return scn_fail(c, line, "[%s] takes no name", word);
		return add_section(c, t, NULL, line);
	}
	if (!*name)
		return scn_fail(c, line, "[%s] needs a name (expected [%s NAME])", word, word);
	if (!valid_name(name, t == SECT_PHASE) && t != SECT_PHASE)
		return scn_fail(c, line,
				"invalid %s name '%s' (expected letters, digits, '-', '_', '.')",
				word, name);
	if (t == SECT_PHASE && (strlen(name) >= SCN_MAX_NAME || strpbrk(name, "[]=,")))
		return scn_fail(c, line, "invalid phase name '%s' (no '[', ']', '=', ',')", name);
	return add_section(c, t, name, line);
}

static int add_entry(struct pctx *c, char *p, int line)
{
	struct section *sec;
	struct entry *ne;
	char *eq = strchr(p, '=');
	char *key, *val;

	if (c->n_sect == 0)
		return scn_fail(c, line, "key outside any section (expected a [section] first)");
	if (!eq)
		return scn_fail(c, line, "expected KEY = VALUE");
	*eq = '\0';
	key = scn_strip(p);
	val = scn_strip(eq + 1);
	if (!*key)
		return scn_fail(c, line, "missing key before '='");
	if (!*val)
		return scn_fail(c, line, "%s: missing value after '='", key);
	if (++c->n_entries > SCN_MAX_ENTRIES)
		return scn_fail(c, line, "too many keys (at most %d)", SCN_MAX_ENTRIES);
	sec = &c->sect[c->n_sect - 1];
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, key) == 0)
			return scn_fail(c, line, "duplicate key '%s' (first at line %d)", key,
					sec->e[i].line);
	ne = realloc(sec->e, (sec->n + 1) * sizeof(*ne));
	if (!ne)
		return -ENOMEM;
	sec->e = ne;
	ne[sec->n].key = strdup(key);
	ne[sec->n].value = strdup(val);
	ne[sec->n].line = line;
	sec->n++;
	if (!ne[sec->n - 1].key || !ne[sec->n - 1].value)
		return -ENOMEM;
	return 0;
}

static int tokenise(struct pctx *c, const char *text, size_t len)
{
	char *buf = malloc(len + 1), *p, *nl;
	int line = 0, r = 0;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (memchr(text, '\0', len)) {
		free(buf);
		return scn_fail(c, 0, "contains a NUL byte (expected a text file)");
	}
	for (p = buf; p && r == 0; p = nl) {
		char *l;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		cut_comment(p);
		l = scn_strip(p);
		if (!*l)
			continue;
		if (*l == '[')
			r = parse_header(c, l, line);
		else
			r = add_entry(c, l, line);
	}
	free(buf);
	return r;
}

/* ---- values ---- */

static int get_duration(struct pctx *c, const struct entry *e, uint64_t min, uint64_t *out)
{
	if (parse_duration(e->value, min, SCN_MAX_DURATION, out) < 0)
		return scn_fail(c, e->line, "%s: '%s' is not a duration (expected e.g. 30s, 2m)",
				e->key, e->value);
	return 0;
}

int scn_dup_into(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

static int do_global(struct pctx *c, const struct section *sec)
{
	struct scenario *s = c->s;
	uint64_t v;
	int r = 0;

	for (size_t i = 0; i < sec->n && r == 0; i++) {
		const struct entry *e = &sec->e[i];
		const char *k = e->key;

		if (strcmp(k, "backend") == 0) {
			if (!backend_find(e->value))
				return scn_fail(
					c, e->line,
					"backend: unknown '%s' (expected local, xenapi or xl)",
					e->value);
			r = scn_dup_into(&s->backend, e->value);
		} else if (strcmp(k, "name") == 0) {
			r = scn_dup_into(&s->name, e->value);
		} else if (strcmp(k, "duration") == 0) {
			r = get_duration(c, e, NSEC_PER_SEC, &s->duration_ns);
		} else if (strcmp(k, "warmup") == 0) {
			r = get_duration(c, e, 0, &s->warmup_ns);
		} else if (strcmp(k, "cooldown") == 0) {
			r = get_duration(c, e, 0, &s->cooldown_ns);
		} else if (strcmp(k, "rounds") == 0) {
			if (parse_u64(e->value, 1, SCN_MAX_ROUNDS, &v) < 0)
				return scn_fail(c, e->line, "rounds: '%s' (expected 1-%d)",
						e->value, SCN_MAX_ROUNDS);
			s->rounds = (unsigned)v;
		} else if (strcmp(k, "victim_port") == 0) {
			if (parse_u64(e->value, 1, 65535, &v) < 0)
				return scn_fail(c, e->line, "victim_port: '%s' (expected 1-65535)",
						e->value);
			s->victim_port = (uint16_t)v;
			s->victim_port_set = true;
		} else if (strcmp(k, "victim_pages") == 0) {
			if (parse_u64(e->value, 1, 10000000, &v) < 0)
				return scn_fail(c, e->line,
						"victim_pages: '%s' (expected 1-10000000)",
						e->value);
			s->victim_pages = (unsigned)v;
		} else if (strcmp(k, "xenapi_url") == 0) {
			r = scn_dup_into(&s->xenapi_url, e->value);
		} else if (strcmp(k, "xenapi_user") == 0) {
			r = scn_dup_into(&s->xenapi_user, e->value);
		} else if (strcmp(k, "xenapi_password_file") == 0) {
			r = scn_dup_into(&s->xenapi_password_file, e->value);
		} else if (strcmp(k, "xenapi_password") == 0) {
			return scn_fail(
				c, e->line,
				"xenapi_password: passwords never go into a scenario (expected "
				"xenapi_password_file = FILE, mode 0600)");
		} else if (strcmp(k, "ca_file") == 0) {
			r = scn_dup_into(&s->ca_file, e->value);
		} else if (strcmp(k, "dom0") == 0) {
			if (!strchr(e->value, '@'))
				return scn_fail(c, e->line, "dom0: '%s' (expected user@host)",
						e->value);
			r = scn_dup_into(&s->dom0, e->value);
		} else if (strcmp(k, "insecure") == 0) {
			if (parse_bool(e->value, &s->insecure) < 0)
				return scn_fail(c, e->line, "insecure: '%s' (expected yes or no)",
						e->value);
		} else if (strcmp(k, "results") == 0) {
			r = scn_dup_into(&s->results, e->value);
		} else {
			return scn_fail(
				c, e->line,
				"unknown key '%s' in [global] (expected backend, duration, "
				"rounds, warmup, cooldown, name, results, victim_port, "
				"victim_pages, xenapi_url, xenapi_user, xenapi_password_file, "
				"ca_file, insecure, dom0)",
				k);
		}
	}
	return r;
}

static int do_vm(struct pctx *c, const struct section *sec, struct scn_vm *vm)
{
	bool has_role = false;
	int r = 0;

	vm->line = sec->line;
	vm->name = strdup(sec->name);
	if (!vm->name)
		return -ENOMEM;
	for (size_t i = 0; i < sec->n && r == 0; i++) {
		const struct entry *e = &sec->e[i];
		const char *k = e->key;

		if (strcmp(k, "role") == 0) {
			has_role = true;
			if (strcmp(e->value, "victim") == 0)
				vm->role = SCN_ROLE_VICTIM;
			else if (strcmp(e->value, "neighbor") == 0 ||
				 strcmp(e->value, "neighbour") == 0)
				vm->role = SCN_ROLE_NEIGHBOR;
			else if (strcmp(e->value, "probe") == 0)
				vm->role = SCN_ROLE_PROBE;
			else
				return scn_fail(c, e->line,
						"role: '%s' (expected victim, neighbor or probe)",
						e->value);
		} else if (strcmp(k, "name") == 0 || strcmp(k, "cgroup") == 0) {
			if (vm->ident)
				return scn_fail(c, e->line,
						"%s: the VM's identity is already given", k);
			r = scn_dup_into(&vm->ident, e->value);
		} else if (strcmp(k, "ssh") == 0) {
			if (e->value[0] == '-' || strpbrk(e->value, " \t'\"`$;&|"))
				return scn_fail(c, e->line, "ssh: '%s' (expected [user@]host)",
						e->value);
			r = scn_dup_into(&vm->ssh, e->value);
		} else if (strcmp(k, "addr") == 0) {
			if (e->value[0] == '-' || strpbrk(e->value, " \t'\"`$;&|/"))
				return scn_fail(c, e->line,
						"addr: '%s' (expected a host or address)",
						e->value);
			r = scn_dup_into(&vm->addr, e->value);
		} else if (strcmp(k, "memory_max") == 0) {
			if (parse_size(e->value, 4ULL << 20, UINT64_MAX, &vm->memory_max) < 0)
				return scn_fail(c, e->line,
						"memory_max: '%s' (expected a size of at least 4M, "
						"e.g. 512M)",
						e->value);
		} else if (strcmp(k, "pids_max") == 0) {
			if (parse_u64(e->value, 8, 4194304, &vm->pids_max) < 0)
				return scn_fail(c, e->line, "pids_max: '%s' (expected 8-4194304)",
						e->value);
		} else {
			return scn_fail(
				c, e->line,
				"unknown key '%s' in [vm %s] (expected role, name, cgroup, ssh, "
				"addr, memory_max, pids_max)",
				k, sec->name);
		}
	}
	if (r == 0 && !has_role)
		return scn_fail(c, sec->line,
				"[vm %s] has no role (expected role = victim, neighbor "
				"or probe)",
				sec->name);
	if (r == 0 && !vm->ident)
		r = scn_dup_into(&vm->ident, vm->name);
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
			if (!scenario_vm(c->s, e->value))
				return scn_fail(c, e->line, "vm: '%s' names no [vm] section",
						e->value);
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
		if (!valid_name(e->key, false) || e->key[0] == '-' || e->key[0] == '.')
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
				probe ? "http or sql"
				      : "cpu, mem, fork, disk, net-send or net-recv");
	if (probe && strcmp(t->kind, "http") != 0 && strcmp(t->kind, "sql") != 0)
		return scn_fail(c, key_line(sec, "kind"),
				"[probe] kind '%s' (expected http or sql)", t->kind);
	if (!probe) {
		size_t k;

		for (k = 0; bomb_kinds[k]; k++)
			if (strcmp(bomb_kinds[k], t->kind) == 0)
				break;
		if (!bomb_kinds[k])
			return scn_fail(
				c, key_line(sec, "kind"),
				"[bomb %s] kind '%s' (expected cpu, mem, fork, disk, net-send or "
				"net-recv)",
				sec->name, t->kind);
	}
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
					r = scn_fail(c, key_line(&c->sect[i], "role"),
						     "second victim [vm %s] (expected exactly one "
						     "victim, first [vm %s] at line %d)",
						     c->sect[i].name, first_victim->name,
						     first_victim->line);
				first_victim = &s->vms[s->n_vms - 1];
			}
		}
	if (r == 0 && victims == 0)
		r = scn_fail(c, 0, "no victim (expected one [vm NAME] with role = victim)");
	for (size_t i = 0; i < c->n_sect && r == 0; i++)
		if (c->sect[i].type == SECT_BOMB)
			r = do_tool(c, &c->sect[i], &s->bombs[s->n_bombs++], false);
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
	for (size_t i = 0; i < n_rp; i++)
		scn_phase_done(&rps[i].ph);
	free(rps);
	return r;
}

static void sections_free(struct pctx *c)
{
	for (size_t i = 0; i < c->n_sect; i++) {
		for (size_t k = 0; k < c->sect[i].n; k++) {
			free(c->sect[i].e[k].key);
			free(c->sect[i].e[k].value);
		}
		free(c->sect[i].e);
		free(c->sect[i].name);
	}
	free(c->sect);
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
	s->duration_ns = 30 * NSEC_PER_SEC;
	s->warmup_ns = 5 * NSEC_PER_SEC;
	s->cooldown_ns = 2 * NSEC_PER_SEC;
	s->rounds = 3;
	s->victim_port = 8080;
	s->victim_pages = 10000;
	s->file = strdup(file);
	r = s->file ? tokenise(&c, text, len) : -ENOMEM;
	if (r == 0)
		r = resolve(&c);
	if (r == 0 && !s->backend)
		r = scn_dup_into(&s->backend, "local");
	if (r == 0 && !s->name) {
		const char *base = strrchr(file, '/');

		r = scn_dup_into(&s->name, base ? base + 1 : file);
	}
	sections_free(&c);
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

static void tool_done(struct scn_tool *t)
{
	free(t->name);
	free(t->vm);
	free(t->kind);
	for (size_t i = 0; i < t->n_opts; i++) {
		free(t->opts[i].key);
		free(t->opts[i].value);
	}
	free(t->opts);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	free(s->file);
	free(s->name);
	free(s->backend);
	free(s->xenapi_url);
	free(s->xenapi_user);
	free(s->xenapi_password_file);
	free(s->ca_file);
	free(s->dom0);
	free(s->results);
	for (size_t i = 0; s->vms && i < s->n_vms; i++) {
		free(s->vms[i].name);
		free(s->vms[i].ident);
		free(s->vms[i].ssh);
		free(s->vms[i].addr);
	}
	free(s->vms);
	for (size_t i = 0; s->bombs && i < s->n_bombs; i++)
		tool_done(&s->bombs[i]);
	free(s->bombs);
	tool_done(&s->probe);
	free(s->probe_target);
	for (size_t i = 0; i < s->n_phases; i++)
		scn_phase_done(&s->phases[i]);
	free(s->phases);
	free(s);
}

const struct scn_vm *scenario_vm(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].name && strcmp(s->vms[i].name, name) == 0)
			return &s->vms[i];
	return NULL;
}

const struct scn_tool *scenario_bomb(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_bombs; i++)
		if (s->bombs[i].name && strcmp(s->bombs[i].name, name) == 0)
			return &s->bombs[i];
	return NULL;
}

const struct scn_vm *scenario_victim(const struct scenario *s)
{
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].role == SCN_ROLE_VICTIM)
			return &s->vms[i];
	return NULL;
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

void scenario_backend_config(const struct scenario *s, struct backend_config *cfg)
{
	cfg->name = s->backend;
	cfg->xenapi_url = s->xenapi_url;
	cfg->xenapi_user = s->xenapi_user;
	cfg->xenapi_password_file = s->xenapi_password_file;
	cfg->ca_file = s->ca_file;
	cfg->insecure = s->insecure;
	cfg->dom0 = s->dom0;
}

void scenario_make_quick(struct scenario *s)
{
	s->rounds = 1;
	if (s->duration_ns > 3 * NSEC_PER_SEC)
		s->duration_ns = 3 * NSEC_PER_SEC;
	if (s->warmup_ns > NSEC_PER_SEC)
		s->warmup_ns = NSEC_PER_SEC;
	if (s->cooldown_ns > NSEC_PER_SEC / 2)
		s->cooldown_ns = NSEC_PER_SEC / 2;
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
	/* per run: bombs start and stop (~1.5 s), warmup, measurement, cooldown */
	double per = 1.5 + ns_to_s(s->warmup_ns + s->duration_ns + s->cooldown_ns);

	return 2.0 + per * (double)s->n_phases * s->rounds;
}
