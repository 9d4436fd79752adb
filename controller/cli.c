// SPDX-License-Identifier: MIT
/* The operator's commands: vms, sched get/set, deploy, and check's backend part. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "exec.h"
#include "json.h"
#include "log.h"
#include "optlist.h"
#include "parse.h"
#include "proc.h"
#include "scenario.h"

int cli_backend_opt(struct cli_backend *cb, int c, const char *arg)
{
	switch (c) {
	case CLI_OPT_BACKEND:
		if (!backend_find(arg)) {
			fprintf(stderr,
				"isolab: --backend: unknown '%s' (expected local, xenapi or xl)\n",
				arg);
			return -EINVAL;
		}
		cb->cfg.name = arg;
		break;
	case CLI_OPT_URL:
		cb->cfg.xenapi_url = arg;
		break;
	case CLI_OPT_USER:
		cb->cfg.xenapi_user = arg;
		break;
	case CLI_OPT_PASSWORD_FILE:
		cb->cfg.xenapi_password_file = arg;
		break;
	case CLI_OPT_CA_FILE:
		cb->cfg.ca_file = arg;
		break;
	case CLI_OPT_INSECURE:
		cb->cfg.insecure = true;
		break;
	case CLI_OPT_DOM0:
		if (!strchr(arg, '@') || arg[0] == '-') {
			fprintf(stderr, "isolab: --dom0: '%s' (expected user@host)\n", arg);
			return -EINVAL;
		}
		cb->cfg.dom0 = arg;
		break;
	case CLI_OPT_CGROUP_ROOT:
		cb->cfg.cgroup_root = arg;
		break;
	case 'f':
		cb->scenario_file = arg;
		return 0;
	default:
		return -ENOENT;
	}
	cb->given = true;
	return 0;
}

int cli_bad_option(const char *who, char **argv, int c)
{
	const char *opt = argv[optind - 1];

	if (c == ':')
		fprintf(stderr, "%s: option '%s' needs a value\n", who, opt);
	else
		fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", who, opt, who);
	return 2;
}

int cli_backend_validate(const struct cli_backend *cb, const char *who)
{
	const char *name = cb->cfg.name;

	if (cb->cfg.xenapi_url && strncmp(cb->cfg.xenapi_url, "https://", 8) != 0 &&
	    strncmp(cb->cfg.xenapi_url, "http://", 7) != 0) {
		fprintf(stderr, "%s: --url: '%s' (expected https://HOST)\n", who,
			cb->cfg.xenapi_url);
		return -EINVAL;
	}
	if (name && strcmp(name, "xenapi") != 0 &&
	    (cb->cfg.xenapi_url || cb->cfg.xenapi_user || cb->cfg.xenapi_password_file)) {
		fprintf(stderr, "%s: --url/--user/--password-file need --backend xenapi\n", who);
		return -EINVAL;
	}
	return 0;
}

/* Merges scenario [global] (if -f) and command line into cfg; s is kept for its strings. */
static int resolve_cfg(const struct cli_backend *cb, const char *who, struct backend_config *cfg,
		       struct scenario **s)
{
	char err[1024];

	memset(cfg, 0, sizeof(*cfg));
	*s = NULL;
	if (cb->scenario_file) {
		if (scenario_load(cb->scenario_file, s, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", who, err);
			return -EINVAL;
		}
		scenario_backend_config(*s, cfg);
	}
#define OV(f)                                                                                      \
	if (cb->cfg.f)                                                                             \
	cfg->f = cb->cfg.f
	OV(name);
	OV(xenapi_url);
	OV(xenapi_user);
	OV(xenapi_password_file);
	OV(ca_file);
	OV(dom0);
	OV(cgroup_root);
#undef OV
	cfg->insecure |= cb->cfg.insecure;
	if (!cfg->name)
		cfg->name = "local";
	if (!cfg->cgroup_root)
		cfg->cgroup_root = getenv("ISOLAB_CGROUP_ROOT");
	return 0;
}

/* Does any phase change this VM's weight or cap? */
static bool vm_prioritised(const struct scenario *s, const char *vm)
{
	for (size_t i = 0; i < s->n_phases; i++)
		for (size_t k = 0; k < s->phases[i].n_prio; k++)
			if (strcmp(s->phases[i].prio[k].vm, vm) == 0)
				return true;
	return false;
}

static int open_cfg(const struct backend_config *cfg, const char *who,
		    const struct backend_ops **ops, struct backend **b)
{
	struct backend_err err = { 0 };
	int r;

	*ops = backend_find(cfg->name);
	if (!*ops) {
		fprintf(stderr, "%s: unknown backend '%s'\n", who, cfg->name);
		return -EINVAL;
	}
	r = (*ops)->open(cfg, b, &err);
	if (r < 0) {
		fprintf(stderr, "%s: backend %s: %s\n", who, cfg->name, err.msg);
		return r;
	}
	return 0;
}

/* ---- isolab vms ---- */

static const char vms_help[] =
	"Usage: isolab vms [--json] [backend options]\n"
	"Lists the VMs (not templates nor control domains) with their "
	"weight and cap.\n"
	"      --json             one JSON array on stdout\n" CLI_BACKEND_HELP "  -h, --help\n";

int cli_cmd_vms(int argc, char **argv)
{
	enum {
		OPT_JSON = 256
	};
	static const struct option opts[] = {
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		CLI_BACKEND_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_backend cb = { 0 };
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b = NULL;
	struct backend_err err = { 0 };
	struct scenario *s = NULL;
	struct vm_info *vms = NULL;
	size_t n = 0;
	bool json = false;
	int c, r, ret = 1;

	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":hf:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(vms_help, stdout);
			return 0;
		}
		if (c == OPT_JSON) {
			json = true;
			continue;
		}
		r = cli_backend_opt(&cb, c, optarg);
		if (r == -ENOENT)
			return cli_bad_option("isolab vms", argv, c);
		if (r < 0)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "isolab vms: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (cli_backend_validate(&cb, "isolab vms") < 0 ||
	    resolve_cfg(&cb, "isolab vms", &cfg, &s) < 0)
		return 2;
	if (open_cfg(&cfg, "isolab vms", &ops, &b) < 0)
		goto out;
	r = ops->list_vms ? ops->list_vms(b, &vms, &n, &err) : -ENOSYS;
	if (r < 0) {
		fprintf(stderr, "isolab vms: %s\n", err.msg[0] ? err.msg : strerror(-r));
		goto out_close;
	}
	if (json) {
		struct json_writer *w = json_new(0);

		if (!w)
			goto out_free;
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
		r = json_fput(w, stdout);
		json_free(w);
		if (r < 0)
			goto out_free;
	} else {
		printf("%-32s %-10s %5s %-16s %6s %5s\n", "NAME", "STATE", "VCPUS", "HOST",
		       "WEIGHT", "CAP");
		for (size_t i = 0; i < n; i++)
			printf("%-32s %-10s %5d %-16s %6d %5d\n", vms[i].name ? vms[i].name : "-",
			       vms[i].power_state ? vms[i].power_state : "-", vms[i].vcpus,
			       vms[i].host ? vms[i].host : "-", vms[i].sched.weight,
			       vms[i].sched.cap);
	}
	ret = 0;
out_free:
	vm_info_array_free(vms, n);
out_close:
	ops->close(b);
out:
	scenario_free(s);
	return ret;
}

/* ---- isolab sched ---- */

static const char sched_help[] =
	"Usage: isolab sched get VM [--json] [backend options]\n"
	"       isolab sched set VM [--weight W] [--cap C] [backend options]\n"
	"  -w, --weight W         Xen credit weight 1-65535 (256 = default)\n"
	"  -c, --cap C            percent of one CPU, 0 = no cap\n"
	"      --json             get: {\"vm\",\"backend\",\"weight\",\"cap\",\"live\"}\n" CLI_BACKEND_HELP
	"  -h, --help\n";

int cli_cmd_sched(int argc, char **argv)
{
	enum {
		OPT_JSON = 256
	};
	static const struct option opts[] = {
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "help", no_argument, NULL, 'h' },
		CLI_BACKEND_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_backend cb = { 0 };
	struct sched_params p = { .weight = -1, .cap = -1 };
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b = NULL;
	struct backend_err err = { 0 };
	struct scenario *s = NULL;
	const char *verb, *vm;
	bool json = false, live = false, set;
	int64_t v;
	int c, r, ret = 1;

	if (optlist_requested(argc, argv, opts))
		return 0;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(sched_help, stdout);
		return 0;
	}
	if (argc < 3 || (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "set") != 0)) {
		fprintf(stderr,
			"isolab sched: expected 'get VM' or 'set VM --weight W [--cap C]'\n");
		return 2;
	}
	verb = argv[1];
	vm = argv[2];
	set = strcmp(verb, "set") == 0;
	argc -= 2;
	argv += 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":w:c:hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(sched_help, stdout);
			return 0;
		case 'w':
		case 'c':
			r = parse_i64(optarg, c == 'w' ? XEN_WEIGHT_MIN : 0,
				      c == 'w' ? XEN_WEIGHT_MAX : XEN_CAP_MAX, &v);
			if (r < 0) {
				fprintf(stderr, "isolab sched: --%s: '%s' (expected %s)\n",
					c == 'w' ? "weight" : "cap", optarg,
					c == 'w' ? "1-65535" : "0-25600, percent of one CPU");
				return 2;
			}
			*(c == 'w' ? &p.weight : &p.cap) = (int)v;
			break;
		case OPT_JSON:
			json = true;
			break;
		default:
			r = cli_backend_opt(&cb, c, optarg);
			if (r == -ENOENT)
				return cli_bad_option("isolab sched", argv, c);
			if (r < 0)
				return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "isolab sched: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (set && p.weight < 0 && p.cap < 0) {
		fprintf(stderr, "isolab sched set: expected --weight W and/or --cap C\n");
		return 2;
	}
	if (!set && (p.weight >= 0 || p.cap >= 0)) {
		fprintf(stderr, "isolab sched get: --weight/--cap belong to 'sched set'\n");
		return 2;
	}
	if (cli_backend_validate(&cb, "isolab sched") < 0 ||
	    resolve_cfg(&cb, "isolab sched", &cfg, &s) < 0)
		return 2;
	if (s && scenario_vm(s, vm))
		vm = scenario_vm(s, vm)->ident; /* a scenario's VM name maps to its identity */
	if (open_cfg(&cfg, "isolab sched", &ops, &b) < 0)
		goto out;
	if (set) {
		r = ops->sched_set(b, vm, &p, &err);
		if (r < 0) {
			fprintf(stderr, "isolab sched set: %s: %s\n", vm,
				err.msg[0] ? err.msg : strerror(-r));
			goto out_close;
		}
	}
	r = ops->sched_get(b, vm, &p, &live, &err);
	if (r < 0) {
		fprintf(stderr, "isolab sched get: %s: %s\n", vm,
			err.msg[0] ? err.msg : strerror(-r));
		goto out_close;
	}
	if (json) {
		struct json_writer *w = json_new(0);

		if (!w)
			goto out_close;
		json_obj_begin(w);
		json_kv_str(w, "vm", vm);
		json_kv_str(w, "backend", ops->name);
		json_kv_int(w, "weight", p.weight);
		json_kv_int(w, "cap", p.cap);
		json_kv_bool(w, "live", live);
		json_obj_end(w);
		r = json_fput(w, stdout);
		json_free(w);
		if (r < 0)
			goto out_close;
	} else {
		printf("%s: weight %d cap %d (%s)\n", vm, p.weight, p.cap,
		       live ? "in effect now" : "applies when the VM next starts");
	}
	ret = 0;
out_close:
	ops->close(b);
out:
	scenario_free(s);
	return ret;
}

/* ---- isolab deploy ---- */

static const char deploy_help[] =
	"Usage: isolab deploy SCENARIO\n"
	"Copies isolab-bomb, isolab-probe and isolab-victim (static builds recommended) to\n"
	"~/isolab/bin on every VM of the scenario that has an ssh = user@host key.\n"
	"  -h, --help\n";

static int run_cmd(const char *const argv[], const char *what)
{
	char *out = NULL;
	int st, r = proc_run(argv, NULL, true, 300 * NSEC_PER_SEC, 1 << 20, &out, &st);

	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = -EIO;
	if (r < 0)
		fprintf(stderr, "isolab deploy: %s failed: %s%s", what, out ? out : strerror(-r),
			out && *out && out[strlen(out) - 1] == '\n' ? "" : "\n");
	free(out);
	return r;
}

int cli_cmd_deploy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tools[] = { "isolab-bomb", "isolab-probe", "isolab-victim" };
	struct scenario *s;
	char err[1024], paths[3][PATH_MAX], dest[600];
	int c, ret = 0, n_hosts = 0;

	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(deploy_help, stdout);
			return 0;
		}
		return cli_bad_option("isolab deploy", argv, c);
	}
	if (argc - optind != 1) {
		fprintf(stderr, "isolab deploy: expected exactly one SCENARIO file\n");
		return 2;
	}
	if (scenario_load(argv[optind], &s, err, sizeof(err)) < 0) {
		fprintf(stderr, "isolab deploy: %s\n", err);
		return 2;
	}
	for (size_t t = 0; t < 3; t++)
		if (exec_find_tool(tools[t], paths[t], sizeof(paths[t])) < 0) {
			fprintf(stderr, "isolab deploy: %s not found (build it first)\n", tools[t]);
			scenario_free(s);
			return 1;
		}
	for (size_t i = 0; i < s->n_vms; i++) {
		const char *host = s->vms[i].ssh;
		bool seen = false;

		if (!host)
			continue;
		for (size_t k = 0; k < i; k++)
			seen |= s->vms[k].ssh && strcmp(s->vms[k].ssh, host) == 0;
		if (seen)
			continue;
		n_hosts++;
		{
			const char *mk[] = {
				(char *)"ssh", (char *)"-o", (char *)"BatchMode=yes",
				(char *)"--",  (char *)host, (char *)"mkdir -p isolab/bin",
				NULL
			};
			const char *cp[] = { (char *)"scp", (char *)"-q",
					     (char *)"-o",  (char *)"BatchMode=yes",
					     paths[0],	    paths[1],
					     paths[2],	    dest,
					     NULL };

			snprintf(dest, sizeof(dest), "%s:isolab/bin/", host);
			if (run_cmd(mk, host) < 0 || run_cmd(cp, host) < 0) {
				ret = 1;
				continue;
			}
			printf("%s: isolab-bomb, isolab-probe, isolab-victim copied to ~/isolab/bin\n",
			       host);
		}
	}
	if (!n_hosts)
		printf("no VM in %s has ssh = user@host; nothing to deploy\n", argv[optind]);
	scenario_free(s);
	return ret;
}

/* ---- isolab check's backend part ---- */

int cli_check_backend(const struct scenario *s, const struct backend_config *ov)
{
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b = NULL;
	struct backend_caps caps = { 0 };
	struct backend_err err = { 0 };
	struct vm_info *vms = NULL;
	size_t n = 0;
	int ret = 2;

	memset(&cfg, 0, sizeof(cfg));
	scenario_backend_config(s, &cfg);
	if (ov) {
		cfg.name = ov->name ? ov->name : cfg.name;
		cfg.xenapi_url = ov->xenapi_url ? ov->xenapi_url : cfg.xenapi_url;
		cfg.xenapi_user = ov->xenapi_user ? ov->xenapi_user : cfg.xenapi_user;
		cfg.xenapi_password_file = ov->xenapi_password_file ? ov->xenapi_password_file
								    : cfg.xenapi_password_file;
		cfg.ca_file = ov->ca_file ? ov->ca_file : cfg.ca_file;
		cfg.dom0 = ov->dom0 ? ov->dom0 : cfg.dom0;
		cfg.insecure |= ov->insecure;
		cfg.cgroup_root = ov->cgroup_root;
	}
	if (!cfg.cgroup_root)
		cfg.cgroup_root = getenv("ISOLAB_CGROUP_ROOT");
	if (open_cfg(&cfg, "isolab check", &ops, &b) < 0)
		return 2;
	if (ops->caps && ops->caps(b, &caps, &err) == 0)
		printf("backend %s: scheduler %s, weight %s, cap %s, live %s%s%s\n", ops->name,
		       caps.scheduler ? caps.scheduler : "?", caps.weight ? "yes" : "no",
		       caps.cap ? "yes" : "no", caps.live ? "yes" : "no", caps.notes[0] ? "; " : "",
		       caps.notes);
	if (strcmp(ops->name, "local") != 0) {
		/* the VMs must exist on a hypervisor; the local backend creates its own */
		if (ops->list_vms(b, &vms, &n, &err) < 0) {
			fprintf(stderr, "isolab check: listing VMs: %s\n", err.msg);
			goto out;
		}
		for (size_t i = 0; i < s->n_vms; i++) {
			bool found = false;

			for (size_t k = 0; k < n; k++)
				found |= vms[k].name && strcmp(vms[k].name, s->vms[i].ident) == 0;
			if (found)
				continue;
			/* as `isolab run` does: only a VM whose priority changes must be a domain */
			if (vm_prioritised(s, s->vms[i].name)) {
				fprintf(stderr,
					"isolab check: %s:%d: vm '%s' (%s) not found on %s\n",
					s->file, s->vms[i].line, s->vms[i].name, s->vms[i].ident,
					ops->name);
				goto out;
			}
			printf("note: vm '%s' (%s) is not a VM on %s; fine for a machine that "
			       "only runs tools (the controller's host, or one reached by ssh)\n",
			       s->vms[i].name, s->vms[i].ident, ops->name);
		}
	}
	printf("%s: OK: %zu VMs, %zu bombs, %zu phases x %u rounds = %zu runs, about %.0f s\n",
	       s->file, s->n_vms, s->n_bombs, s->n_phases, s->rounds, s->n_phases * s->rounds,
	       scenario_estimate_s(s));
	ret = 0;
out:
	vm_info_array_free(vms, n);
	ops->close(b);
	return ret;
}
