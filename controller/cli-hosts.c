// SPDX-License-Identifier: MIT
/* `isolab hosts`: the backend's hosts, human and JSON from the same array. */
#include "cli-hosts.h"

#include <errno.h>
#include <string.h>

#include "json.h"
#include "parse.h"

static int print_json(FILE *f, const char *backend, const struct backend_host *h, size_t n)
{
	struct json_writer *w = json_new(0);
	int r;

	if (!w)
		return -ENOMEM;
	json_obj_begin(w);
	json_kv_str(w, "backend", backend);
	json_key(w, "hosts");
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		json_obj_begin(w);
		json_kv_str(w, "name", h[i].name);
		json_kv_str(w, "address", h[i].address);
		json_kv_str(w, "scheduler", h[i].sched);
		json_kv_bool(w, "enabled", h[i].enabled);
		if (h[i].cpus >= 0)
			json_kv_int(w, "cpus", h[i].cpus);
		else
			json_kv_null(w, "cpus");
		json_kv_uint(w, "memory_total_bytes", h[i].mem_total);
		json_kv_uint(w, "memory_free_bytes", h[i].mem_free);
		json_key(w, "resident_vms");
		json_arr_begin(w);
		for (size_t k = 0; k < h[i].n_resident; k++)
			json_str(w, h[i].resident[k]);
		json_arr_end(w);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
	r = json_error(w);
	if (r == 0)
		r = json_fput(w, f);
	if (r == 0 && fputc('\n', f) == EOF)
		r = -EIO;
	json_free(w);
	return r;
}

int cli_hosts_print(FILE *f, const char *backend, const struct backend_host *h, size_t n, bool json)
{
	if (json)
		return print_json(f, backend, h, n);
	fprintf(f, "%-16s %-15s %-8s %4s %21s  %s\n", "HOST", "ADDRESS", "SCHED", "CPUS",
		"MEMORY FREE / TOTAL", "RESIDENT VMS");
	for (size_t i = 0; i < n; i++) {
		char fr[32], tot[32], mem[64], cpus[16];
		size_t used = 0;

		snprintf(mem, sizeof(mem), "%s / %s", fmt_size(h[i].mem_free, fr, sizeof(fr)),
			 fmt_size(h[i].mem_total, tot, sizeof(tot)));
		snprintf(cpus, sizeof(cpus), h[i].cpus >= 0 ? "%d" : "?", h[i].cpus);
		fprintf(f, "%-16s %-15s %-8s %4s %21s  %zu", h[i].name, h[i].address,
			h[i].sched[0] ? h[i].sched : "?", cpus, mem, h[i].n_resident);
		for (size_t k = 0; k < h[i].n_resident && used < 200; k++)
			used += (size_t)fprintf(f, "%s%s", k ? ", " : ": ", h[i].resident[k]);
		fprintf(f, "%s%s\n", h[i].enabled ? "" : "  (disabled)",
			used >= 200 ? ", ..." : "");
	}
	return ferror(f) ? -EIO : 0;
}
