// SPDX-License-Identifier: MIT
/* JSON helpers of the results loader: one precise message per bad value. */
#include "model-priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

int model_fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Duplicates s into *out; -ENOMEM on failure. NULL s leaves *out NULL. */
int model_dup(char **out, const char *s)
{
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

const char *model_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

bool model_num(const json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

double model_num_or_nan(const json_t *o, const char *key)
{
	double d;

	return model_num(o, key, &d) ? d : NAN;
}

bool model_count(const json_t *o, const char *key, uint64_t *out, bool *absurd)
{
	double d;

	if (!model_num(o, key, &d))
		return false;
	if (d < 0 || d > MODEL_MAX_COUNT || d != floor(d)) {
		*absurd = true;
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

/* Loads a JSON object from path; -ENOENT when absent, -EINVAL when malformed. */
int model_load_json(struct loader *l, const char *path, json_t **out)
{
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	json_t *root;
	int r;

	r = file_read_all(path, MODEL_MAX_JSON_BYTES, &buf, &len);
	if (r == -ENOENT)
		return r;
	if (r == -EFBIG)
		return model_fail(l, "%s: larger than %u MiB", path, MODEL_MAX_JSON_BYTES >> 20);
	if (r < 0)
		return model_fail(l, "%s: %s", path, strerror(-r));
	root = json_loadb(buf, len, 0, &jerr); /* duplicate keys: the last wins */
	free(buf);
	if (!root)
		return model_fail(l, "%s:%d: malformed JSON: %s", path, jerr.line, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return model_fail(l, "%s: not a JSON object", path);
	}
	*out = root;
	return 0;
}

/* A path inside the results dir: relative, no "..", not empty. */
int model_join(struct loader *l, const char *rel, char **out)
{
	const char *p;

	if (!rel || !*rel || rel[0] == '/' || strlen(rel) > 1024)
		return model_fail(l, "%s/manifest.json: bad path '%.64s'", l->m->dir,
				  rel ? rel : "");
	for (p = rel; (p = strstr(p, "..")); p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return model_fail(l, "%s/manifest.json: path '%.64s' leaves the run dir",
					  l->m->dir, rel);
	if (asprintf(out, "%s/%s", l->m->dir, rel) < 0)
		return -ENOMEM;
	return 0;
}

int model_warn(struct model *m, const char *fmt, ...)
{
	char **w;
	char *s;
	va_list ap;
	int n;

	if (m->n_warnings >= 64)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	w = realloc(m->warnings, (m->n_warnings + 1) * sizeof(*w));
	if (!w) {
		free(s);
		return -ENOMEM;
	}
	m->warnings = w;
	m->warnings[m->n_warnings++] = s;
	return 0;
}

int model_strv(struct loader *l, const json_t *a, const char *what, char ***out, size_t *n)
{
	size_t i, cnt;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return model_fail(l, "%s/manifest.json: %s is not an array", l->m->dir, what);
	cnt = json_array_size(a);
	if (cnt > MODEL_MAX_BOMBS)
		return model_fail(l, "%s/manifest.json: %s has too many entries", l->m->dir, what);
	if (!cnt)
		return 0;
	*out = calloc(cnt, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		json_t *e = json_array_get(a, i);

		if (!json_is_string(e))
			return model_fail(l, "%s/manifest.json: %s[%zu] is not a string", l->m->dir,
					  what, i);
		(*out)[i] = strdup(json_string_value(e));
		if (!(*out)[i])
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

void model_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
