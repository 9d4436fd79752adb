// SPDX-License-Identifier: MIT
/* fuzz-bomb-args: the options' JSON as a result prints it (lib/json.h, kept
 * apart from jansson, whose names collide with it). */
#include <stdlib.h>
#include <string.h>

#include "bomb-args-json.h"
#include "json.h"
#include "options.h"

char *fuzz_bomb_options_json(const struct bomb_config *cfg, size_t *len)
{
	struct json_writer *w = json_new(0);
	const char *data;
	char *out = NULL;

	if (!w)
		return NULL;
	json_obj_begin(w);
	bomb_options_json(bomb_common_options, cfg, w);
	bomb_options_json(cfg->ops->options, cfg, w);
	json_obj_end(w);
	if (!json_error(w)) {
		data = json_data(w, len);
		out = malloc(*len + 1);
		if (out) {
			memcpy(out, data, *len);
			out[*len] = '\0';
		}
	}
	json_free(w);
	return out;
}
