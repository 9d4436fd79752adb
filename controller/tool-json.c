// SPDX-License-Identifier: MIT
/* A tool's JSON result through jansson (tool-json.h). */
#include "tool-json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOL_JSON_MAX_KEY 128

struct tool_json {
	json_t *root;
};

struct tool_json *tool_json_parse(const char *text, size_t len)
{
	struct tool_json *t;
	json_error_t e;
	json_t *root;

	if (!text)
		return NULL;
	/* one value and nothing but whitespace after it; an object at the top */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &e);
	if (!root)
		return NULL;
	if (!json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		json_decref(root);
		return NULL;
	}
	t->root = root;
	return t;
}

void tool_json_free(struct tool_json *t)
{
	if (!t)
		return;
	json_decref(t->root);
	free(t);
}

/* The value under a dotted path, NULL when any step is missing or not an object. */
static json_t *at(const struct tool_json *t, const char *path)
{
	json_t *v = t ? t->root : NULL;
	char key[TOOL_JSON_MAX_KEY];

	while (v && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v;
}

bool tool_json_str(const struct tool_json *t, const char *path, char *buf, size_t len)
{
	json_t *v = at(t, path);

	if (!json_is_string(v) || !len)
		return false;
	snprintf(buf, len, "%s", json_string_value(v));
	return true;
}

bool tool_json_num(const struct tool_json *t, const char *path, double *out)
{
	json_t *v = at(t, path);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}
