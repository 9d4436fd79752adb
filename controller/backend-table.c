// SPDX-License-Identifier: MIT
/* The table of scheduler backends. Adding a backend is a file and a row here. */
#include "backend-table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

#define BACKEND_MAX_REGISTERED 8

/*
 * The built-in backends, one row each: X(the backend's ops table). The first
 * row is the embedded default. A new backend is its file and a row here.
 */
#define BACKEND_LIST(X)                                                                            \
	X(backend_local_ops)                                                                       \
	X(backend_xenapi_ops)                                                                      \
	X(backend_xl_ops)

#define BACKEND_EXTERN(ops) extern const struct backend_ops ops;
#define BACKEND_ROW(ops)    &ops,
BACKEND_LIST(BACKEND_EXTERN)
static const struct backend_ops *const backend_table[] = { BACKEND_LIST(BACKEND_ROW) };
#define N_BUILTIN (sizeof(backend_table) / sizeof(backend_table[0]))

static const struct backend_ops *registered[BACKEND_MAX_REGISTERED];
static size_t n_registered;

const struct backend_ops *backend_at(size_t i)
{
	if (i < N_BUILTIN)
		return backend_table[i];
	i -= N_BUILTIN;
	return i < n_registered ? registered[i] : NULL;
}

const struct backend_ops *backend_find(const char *name)
{
	const struct backend_ops *b;

	for (size_t i = 0; name && (b = backend_at(i)); i++)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

const struct backend_ops *backend_default(void)
{
	return backend_table[0];
}

int backend_register(const struct backend_ops *ops)
{
	if (!ops || !ops->name || !ops->open || !ops->close || !ops->sched_get || !ops->sched_set)
		return -EINVAL;
	if (backend_find(ops->name))
		return -EEXIST;
	if (n_registered == BACKEND_MAX_REGISTERED)
		return -E2BIG;
	registered[n_registered++] = ops;
	return 0;
}

const char *backend_names(char *buf, size_t len, const char *sep, const char *last_sep)
{
	const struct backend_ops *b;
	size_t n = 0, o = 0;

	while (backend_at(n))
		n++;
	buf[0] = '\0';
	for (size_t i = 0; (b = backend_at(i)) && o < len; i++) {
		const char *before = i == 0 ? "" : sep;

		if (i > 0 && i + 1 == n)
			before = last_sep;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", before, b->name);
	}
	return buf;
}

bool backend_has_opt(const struct backend_ops *ops, const char *key)
{
	for (const struct backend_opt *o = ops->opts; o && o->key; o++)
		if (strcmp(o->key, key) == 0)
			return true;
	return false;
}

const struct backend_ops *backend_opt_owner(const char *key)
{
	const struct backend_ops *b;

	for (size_t i = 0; (b = backend_at(i)); i++)
		if (backend_has_opt(b, key))
			return b;
	return NULL;
}

/* Whether the option row o is the first one with its key in table order. */
static bool first_of_key(const struct backend_opt *o)
{
	const struct backend_ops *b;

	for (size_t i = 0; (b = backend_at(i)); i++)
		for (const struct backend_opt *p = b->opts; p && p->key; p++)
			if (strcmp(p->key, o->key) == 0)
				return p == o;
	return false;
}

const struct backend_opt *backend_opt_at(size_t i)
{
	const struct backend_ops *b;

	for (size_t k = 0; (b = backend_at(k)); k++)
		for (const struct backend_opt *o = b->opts; o && o->key; o++)
			if (first_of_key(o) && i-- == 0)
				return o;
	return NULL;
}

const struct backend_opt *backend_opt_find(const char *key)
{
	const struct backend_opt *o;

	for (size_t i = 0; (o = backend_opt_at(i)); i++)
		if (strcmp(o->key, key) == 0)
			return o;
	return NULL;
}

int backend_cfg_env(struct backend_config *cfg)
{
	const struct backend_ops *ops = backend_find(cfg->name);
	int r = 0;

	for (const struct backend_opt *o = ops ? ops->opts : NULL; r == 0 && o && o->key; o++) {
		const char *v = o->env ? getenv(o->env) : NULL;

		if (v && !backend_cfg_get(cfg, o->key))
			r = backend_cfg_set(cfg, o->key, v);
	}
	return r;
}
