// SPDX-License-Identifier: MIT
/* Replaying the VMs a dead run made: their noted facts, handed to the backend. */
#include "journal-make.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MADE_MAX_VMS   1024
#define MADE_MAX_FACTS 32

static struct made_vm *find(const struct made_set *s, const char *vm)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].vm, vm) == 0)
			return &s->v[i];
	return NULL;
}

int made_add(struct made_set *s, const char *vm, const char *key, const char *value)
{
	struct made_vm *m = find(s, vm);
	struct backend_kv *nf;
	char *k, *v;

	if (!m) {
		struct made_vm *nv;

		if (s->n >= MADE_MAX_VMS)
			return -E2BIG;
		nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		m = &nv[s->n];
		memset(m, 0, sizeof(*m));
		m->vm = strdup(vm);
		if (!m->vm)
			return -ENOMEM;
		s->n++;
	}
	if (m->n >= MADE_MAX_FACTS)
		return -E2BIG;
	nf = realloc(m->facts, (m->n + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	m->facts = nf;
	k = strdup(key);
	v = strdup(value);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	nf[m->n].key = k;
	nf[m->n].value = v;
	m->n++;
	return 0;
}

void made_gone(struct made_set *s, const char *vm)
{
	struct made_vm *m = find(s, vm);

	if (m)
		m->gone = true;
}

bool made_has_id(const struct made_set *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		for (size_t k = 0; k < s->v[i].n; k++)
			if (strcmp(s->v[i].facts[k].key, "name") == 0 &&
			    strcmp(s->v[i].facts[k].value, id) == 0)
				return true;
	return false;
}

int made_undo(struct made_set *s, const struct backend_ops *ops, const struct backend_config *cfg,
	      const char *run_id)
{
	int ret = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct made_vm *m = &s->v[i];
		struct backend_err err = { 0 };
		int r;

		if (m->gone)
			continue;
		if (!ops->unprovision_noted) {
			log_error("restore: backend %s cannot destroy VM %s that run %s made",
				  ops->name, m->vm, run_id);
			ret = ret ? ret : -EOPNOTSUPP;
			continue;
		}
		r = ops->unprovision_noted(cfg, run_id, m->facts, m->n, &err);
		if (r < 0) {
			log_error("restore: VM %s of run %s: %s [%s]", m->vm, run_id, err.msg,
				  err.code);
			ret = ret ? ret : r;
			continue;
		}
		m->gone = true;
		log_info("restore: VM %s of run %s destroyed (or never made)", m->vm, run_id);
	}
	return ret;
}

void made_done(struct made_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		for (size_t k = 0; k < s->v[i].n; k++) {
			free((char *)s->v[i].facts[k].key);
			free((char *)s->v[i].facts[k].value);
		}
		free(s->v[i].facts);
		free(s->v[i].vm);
	}
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
