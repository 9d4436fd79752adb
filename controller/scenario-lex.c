// SPDX-License-Identifier: MIT
/* Scenario files, first pass: lines into sections of KEY = VALUE entries, errors as FILE:LINE. */
#include "scenario-lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const scn_sect_names[] = {
	[SECT_GLOBAL] = "global", [SECT_VM] = "vm",	  [SECT_PROBE] = "probe",
	[SECT_BOMB] = "bomb",	  [SECT_PHASE] = "phase", [SECT_GROUP] = "group",
};

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

bool scn_valid_name(const char *s, bool allow_plus)
{
	if (!*s || strlen(s) >= SCN_MAX_NAME)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.' &&
		    !(allow_plus && *s == '+'))
			return false;
	return true;
}

int scn_key_line(const struct section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, key) == 0)
			return sec->e[i].line;
	return sec->line;
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

static int add_section(struct pctx *c, enum sect_type type, const char *name, int line)
{
	struct section *ns;

	for (size_t i = 0; i < c->n_sect; i++) {
		const struct section *o = &c->sect[i];

		if (o->type != type)
			continue;
		if (type == SECT_GLOBAL || type == SECT_PROBE)
			return scn_fail(c, line, "duplicate [%s] section (first at line %d)",
					scn_sect_names[type], o->line);
		if (strcmp(o->name, name) == 0)
			return scn_fail(c, line, "duplicate [%s %s] (first at line %d)",
					scn_sect_names[type], name, o->line);
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
	for (i = 0; i < SECT_NR; i++)
		if (strcmp(word, scn_sect_names[i]) == 0)
			break;
	if (i == SECT_NR)
		return scn_fail(
			c, line,
			"unknown section [%s] (expected global, vm NAME, group NAME, probe, "
			"bomb NAME, phase NAME)",
			word);
	t = (enum sect_type)i;
	if (t == SECT_GLOBAL || t == SECT_PROBE) {
		if (*name)
			return scn_fail(c, line, "[%s] takes no name", word);
		return add_section(c, t, NULL, line);
	}
	if (!*name)
		return scn_fail(c, line, "[%s] needs a name (expected [%s NAME])", word, word);
	if (!scn_valid_name(name, t == SECT_PHASE) && t != SECT_PHASE)
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

int scn_tokenise(struct pctx *c, const char *text, size_t len)
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

void scn_tool_done(struct scn_tool *t)
{
	free(t->name);
	free(t->vm);
	free(t->kind);
	free(t->base);
	free(t->group);
	for (size_t i = 0; i < t->n_opts; i++) {
		free(t->opts[i].key);
		free(t->opts[i].value);
	}
	free(t->opts);
}

const struct entry *scn_entry_find(const struct section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, key) == 0)
			return &sec->e[i];
	return NULL;
}

int scn_dup_into(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

void scn_sections_free(struct pctx *c)
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
