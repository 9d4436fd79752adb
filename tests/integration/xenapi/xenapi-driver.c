// SPDX-License-Identifier: MIT
/*
 * Test driver: the xenapi and xl backends through struct backend_ops, the
 * way the controller calls them, without the rest of isolab.
 *
 *   xenapi-driver [--backend xenapi|xl] [--url U] [--user U] [--password-file F]
 *                 [--ca-file F] [--insecure] [--dom0 D] [--repeat N]
 *                 caps | vms | get VM | set VM WEIGHT CAP | bench N VM
 * Prints one JSON object on stdout; exit 0 ok, 1 backend error, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "parse.h"

extern const struct backend_ops backend_xenapi_ops;
extern const struct backend_ops backend_xl_ops;

static const struct option options[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "url", required_argument, NULL, 'U' },
	{ "user", required_argument, NULL, 'u' },
	{ "password-file", required_argument, NULL, 'p' },
	{ "ca-file", required_argument, NULL, 'c' },
	{ "insecure", no_argument, NULL, 'k' },
	{ "dom0", required_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 },
};

static int fail(struct json_writer *w, const struct backend_err *err)
{
	json_kv_str(w, "error_code", err->code);
	json_kv_str(w, "error", err->msg);
	return 1;
}

static int run(const struct backend_ops *ops, struct backend *b, int argc, char **argv,
	       struct json_writer *w)
{
	struct backend_err err = { 0 };
	const char *cmd = argv[0];

	if (strcmp(cmd, "caps") == 0) {
		struct backend_caps c;

		if (ops->caps(b, &c, &err))
			return fail(w, &err);
		json_kv_bool(w, "weight", c.weight);
		json_kv_bool(w, "cap", c.cap);
		json_kv_bool(w, "live", c.live);
		json_kv_str(w, "scheduler", c.scheduler);
		json_kv_str(w, "notes", c.notes);
		json_key(w, "describe");
		json_obj_begin(w);
		ops->describe(b, w);
		json_obj_end(w);
		return 0;
	}
	if (strcmp(cmd, "vms") == 0) {
		struct vm_info *vms;
		size_t n;

		if (ops->list_vms(b, &vms, &n, &err))
			return fail(w, &err);
		json_key(w, "vms");
		json_arr_begin(w);
		for (size_t i = 0; i < n; i++) {
			json_obj_begin(w);
			json_kv_str(w, "name", vms[i].name);
			json_kv_str(w, "id", vms[i].id);
			json_kv_str(w, "power_state", vms[i].power_state);
			json_kv_str(w, "host", vms[i].host);
			json_kv_int(w, "vcpus", vms[i].vcpus);
			json_kv_int(w, "weight", vms[i].sched.weight);
			json_kv_int(w, "cap", vms[i].sched.cap);
			json_obj_end(w);
		}
		json_arr_end(w);
		vm_info_array_free(vms, n);
		return 0;
	}
	if (strcmp(cmd, "get") == 0 && argc == 2) {
		struct sched_params p;
		bool live;

		if (ops->sched_get(b, argv[1], &p, &live, &err))
			return fail(w, &err);
		json_kv_str(w, "vm", argv[1]);
		json_kv_int(w, "weight", p.weight);
		json_kv_int(w, "cap", p.cap);
		json_kv_bool(w, "live", live);
		return 0;
	}
	if (strcmp(cmd, "set") == 0 && argc == 4) {
		int64_t wt, cap;
		struct sched_params p;

		if (parse_i64(argv[2], -1, 1000000, &wt) || parse_i64(argv[3], -1, 1000000, &cap)) {
			fprintf(stderr, "xenapi-driver: bad number\n");
			return 2;
		}
		p.weight = (int)wt;
		p.cap = (int)cap;
		if (ops->sched_set(b, argv[1], &p, &err))
			return fail(w, &err);
		json_kv_str(w, "vm", argv[1]);
		return 0;
	}
	if (strcmp(cmd, "bench") == 0 && argc == 3) {
		uint64_t n, t0, c0, t1, c1;
		struct sched_params p;
		bool live;

		if (parse_u64(argv[1], 1, 10000000, &n)) {
			fprintf(stderr, "xenapi-driver: bad count\n");
			return 2;
		}
		/* sched_get = get_by_name_label + get_record + get_VCPUs_params */
		t0 = clock_now_ns();
		c0 = clock_process_cpu_ns();
		for (uint64_t i = 0; i < n; i++)
			if (ops->sched_get(b, argv[2], &p, &live, &err))
				return fail(w, &err);
		t1 = clock_now_ns();
		c1 = clock_process_cpu_ns();
		json_kv_uint(w, "calls", n * 3);
		json_kv_double(w, "elapsed_s", ns_to_s(t1 - t0));
		json_kv_double(w, "calls_per_s", (double)n * 3 / ns_to_s(t1 - t0));
		json_kv_double(w, "client_cpu_us_per_call",
			       (double)(c1 - c0) / 1e3 / (double)(n * 3));
		json_kv_double(w, "wall_us_per_call", (double)(t1 - t0) / 1e3 / (double)(n * 3));
		return 0;
	}
	fprintf(stderr, "xenapi-driver: unknown command '%s'\n", cmd);
	return 2;
}

int main(int argc, char **argv)
{
	struct backend_config cfg = { .name = "xenapi" };
	const struct backend_ops *ops;
	struct backend_err err = { 0 };
	struct json_writer *w;
	struct backend *b;
	int c, rc;

	log_init("xenapi-driver", LOG_LVL_WARN);
	while ((c = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (c) {
		case 'b':
			cfg.name = optarg;
			break;
		case 'U':
			(void)backend_cfg_set(&cfg, "xenapi_url", optarg);
			break;
		case 'u':
			(void)backend_cfg_set(&cfg, "xenapi_user", optarg);
			break;
		case 'p':
			(void)backend_cfg_set(&cfg, "xenapi_password_file", optarg);
			break;
		case 'c':
			(void)backend_cfg_set(&cfg, "ca_file", optarg);
			break;
		case 'k':
			(void)backend_cfg_set(&cfg, "insecure", "1");
			break;
		case 'd':
			(void)backend_cfg_set(&cfg, "dom0", optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "xenapi-driver: missing command\n");
		return 2;
	}
	ops = strcmp(cfg.name, "xl") == 0 ? &backend_xl_ops : &backend_xenapi_ops;
	w = json_new(0);
	if (!w)
		return 1;
	json_obj_begin(w);
	json_kv_str(w, "backend", ops->name);
	rc = ops->open(&cfg, &b, &err);
	if (rc) {
		rc = fail(w, &err);
	} else {
		rc = run(ops, b, argc - optind, argv + optind, w);
		ops->close(b);
	}
	json_obj_end(w);
	(void)json_fput(w, stdout);
	json_free(w);
	return rc;
}
