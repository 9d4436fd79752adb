// SPDX-License-Identifier: MIT
/* What every backend shares: errors as data, vm_info ownership, options and their values. */
#include "backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

void backend_errf(struct backend_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* one line: fold any newline a remote message carried */
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void vm_info_done(struct vm_info *vm)
{
	if (!vm)
		return;
	free(vm->name);
	free(vm->id);
	free(vm->power_state);
	free(vm->host);
	memset(vm, 0, sizeof(*vm));
}

void vm_info_array_free(struct vm_info *vms, size_t n)
{
	if (!vms)
		return;
	for (size_t i = 0; i < n; i++)
		vm_info_done(&vms[i]);
	free(vms);
}

void backend_hosts_free(struct backend_host *h, size_t n)
{
	if (!h)
		return;
	for (size_t i = 0; i < n; i++) {
		free(h[i].name);
		free(h[i].address);
		free(h[i].sched);
		for (size_t k = 0; k < h[i].n_resident; k++)
			free(h[i].resident[k]);
		free(h[i].resident);
	}
	free(h);
}

const char *backend_make_get(const struct backend_make *m, const char *key)
{
	for (size_t i = 0; m && i < m->n_keys; i++)
		if (strcmp(m->keys[i].key, key) == 0)
			return m->keys[i].value;
	return NULL;
}

int backend_made_name(const char *run_id, const char *vm, char *buf, size_t len)
{
	int n = snprintf(buf, len, "isolab-%s-%s", run_id, vm);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- options ---- */

static bool has_ctrl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return true;
	return false;
}

static int check_string(const struct backend_opt *o, const char *v, char *why, size_t len)
{
	size_t n = strlen(v), lo = o->min > 0 ? (size_t)o->min : 1;
	size_t hi = o->max > 0 ? (size_t)o->max : 1024;

	if (n < lo || n > hi || has_ctrl(v)) {
		snprintf(why, len, "expected %zu-%zu characters, no control characters", lo, hi);
		return -EINVAL;
	}
	switch (o->type) {
	case BOPT_URL:
		if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
			snprintf(why, len, "expected https://HOST");
			return -EINVAL;
		}
		break;
	case BOPT_SSH:
		if (!strchr(v, '@') || v[0] == '-') {
			snprintf(why, len, "expected user@host");
			return -EINVAL;
		}
		break;
	default:
		break;
	}
	return 0;
}

int backend_opt_check(const struct backend_opt *o, const char *value, char *why, size_t len)
{
	int64_t i;
	bool b;

	if (len)
		why[0] = '\0';
	switch (o->type) {
	case BOPT_REFUSED:
		snprintf(why, len, "%s", o->help);
		return -EINVAL;
	case BOPT_BOOL:
		if (parse_bool(value, &b) < 0) {
			snprintf(why, len, "expected yes or no");
			return -EINVAL;
		}
		return 0;
	case BOPT_INT:
		if (parse_i64(value, o->min, o->max, &i) < 0) {
			snprintf(why, len, "expected %lld-%lld", (long long)o->min,
				 (long long)o->max);
			return -EINVAL;
		}
		return 0;
	default:
		return check_string(o, value, why, len);
	}
}

/* ---- option values ---- */

const char *backend_cfg_get(const struct backend_config *cfg, const char *key)
{
	for (size_t i = 0; cfg && i < cfg->n_opts; i++)
		if (strcmp(cfg->opts[i].key, key) == 0)
			return cfg->opts[i].value;
	return NULL;
}

bool backend_cfg_flag(const struct backend_config *cfg, const char *key)
{
	const char *v = backend_cfg_get(cfg, key);
	bool b = false;

	return v && parse_bool(v, &b) == 0 && b;
}

int backend_cfg_set(struct backend_config *cfg, const char *key, const char *value)
{
	for (size_t i = 0; i < cfg->n_opts; i++)
		if (strcmp(cfg->opts[i].key, key) == 0) {
			cfg->opts[i].value = value;
			return 0;
		}
	if (cfg->n_opts == BACKEND_MAX_OPTS)
		return -E2BIG;
	cfg->opts[cfg->n_opts++] = (struct backend_kv){ .key = key, .value = value };
	return 0;
}

int backend_cfg_merge(struct backend_config *dst, const struct backend_config *over)
{
	int r = 0;

	if (!over)
		return 0;
	if (over->name)
		dst->name = over->name;
	for (size_t i = 0; i < over->n_opts && r == 0; i++)
		r = backend_cfg_set(dst, over->opts[i].key, over->opts[i].value);
	return r;
}
