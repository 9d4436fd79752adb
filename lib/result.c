// SPDX-License-Identifier: MIT
#include "result.h"

#include "clock.h"
#include "config.h"
#include "json.h"

const char *result_status_name(enum result_status s)
{
	switch (s) {
	case RESULT_OK:
		return "ok";
	case RESULT_INTERRUPTED:
		return "interrupted";
	case RESULT_FAILED:
		return "failed";
	}
	return "failed";
}

void result_begin(struct json_writer *w, const char *tool, const char *kind, const char *engine,
		  enum result_status status, const char *error, uint64_t started_wall_ns,
		  uint64_t elapsed_ns)
{
	char stamp[40];

	json_obj_begin(w);
	json_kv_str(w, "tool", tool);
	json_kv_str(w, "version", ISOLAB_VERSION);
	json_kv_str(w, "kind", kind);
	json_kv_str(w, "engine", engine ? engine : "native");
	json_kv_str(w, "status", result_status_name(status));
	json_kv_str(w, "error", error);
	json_kv_str(w, "started", clock_iso8601(started_wall_ns, stamp, sizeof(stamp)));
	json_kv_double(w, "elapsed_s", ns_to_s(elapsed_ns));
}
