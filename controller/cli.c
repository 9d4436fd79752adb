// SPDX-License-Identifier: MIT
/* The operator's commands: vms, sched get/set, deploy, and check's backend part. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "config.h"
#include "backend-table.h"
#include "exec-table.h"
#include "elfinfo.h"
#include "exec.h"
#include "json.h"
#include "log.h"
#include "optlist.h"
#include "parse.h"
#include "proc.h"
#include "run-provision.h"
#include "scenario.h"
#include "cli-hosts.h"

const struct option *cli_options(const struct option *own, struct option *out, size_t max)
{
	const struct backend_opt *o;
	size_t n = 0;

	for (; own && own->name && n + 3 < max; own++)
		out[n++] = *own;
	out[n++] = (struct option){ "backend", required_argument, NULL, CLI_OPT_BACKEND };
	for (size_t i = 0; (o = backend_opt_at(i)) && n + 2 < max; i++)
		if (o->cli)
			out[n++] = (struct option){ o->cli,
						    o->type == BOPT_BOOL ? no_argument
									 : required_argument,
						    NULL, CLI_OPT_BACKEND_OPTS + (int)i };
	out[n++] = (struct option){ "scenario", required_argument, NULL, 'f' };
	out[n] = (struct option){ NULL, 0, NULL, 0 };
	return out;
}

void cli_backend_help(FILE *f)
{
	const struct backend_opt *o;
	char names[256], left[64];

	fprintf(f, "Backend (default: the scenario's [global], else %s):\n",
		backend_default()->name);
	fprintf(f, "      --%-17s%s\n", "backend NAME",
		backend_names(names, sizeof(names), " | ", " | "));
	for (size_t i = 0; (o = backend_opt_at(i)); i++) {
		if (!o->cli)
			continue;
		snprintf(left, sizeof(left), "%s%s%s", o->cli, o->metavar ? " " : "",
			 o->metavar ? o->metavar : "");
		fprintf(f, "      --%-17s%s\n", left, o->help);
	}
	fprintf(f, "  -f, --scenario FILE    take the backend options from FILE's [global]\n");
}

int cli_backend_opt(struct cli_backend *cb, int c, const char *arg)
{
	const struct backend_opt *o;
	char why[256], names[256];

	if (c == 'f') {
		cb->scenario_file = arg;
		return 0;
	}
	if (c == CLI_OPT_BACKEND) {
		if (!backend_find(arg)) {
			fprintf(stderr, "isolab: --backend: unknown '%s' (expected %s)\n", arg,
				backend_names(names, sizeof(names), ", ", " or "));
			return -EINVAL;
		}
		cb->cfg.name = arg;
		cb->given = true;
		return 0;
	}
	if (c < CLI_OPT_BACKEND_OPTS || !(o = backend_opt_at((size_t)(c - CLI_OPT_BACKEND_OPTS))))
		return -ENOENT;
	if (o->type == BOPT_BOOL)
		arg = "1";
	if (backend_opt_check(o, arg, why, sizeof(why)) < 0) {
		fprintf(stderr, "isolab: --%s: '%s' (%s)\n", o->cli, arg, why);
		return -EINVAL;
	}
	if (backend_cfg_set(&cb->cfg, o->key, arg) < 0) {
		fprintf(stderr, "isolab: --%s: too many backend options\n", o->cli);
		return -EINVAL;
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
	const struct backend_ops *named = backend_find(cb->cfg.name);

	/* an option only one backend has, given with --backend naming another */
	for (size_t i = 0; named && i < cb->cfg.n_opts; i++) {
		const struct backend_opt *o = backend_opt_find(cb->cfg.opts[i].key);
		const struct backend_ops *owner = backend_opt_owner(cb->cfg.opts[i].key);

		if (o && (o->flags & BOPT_OWN) && !backend_has_opt(named, o->key)) {
			fprintf(stderr, "%s: --%s needs --backend %s\n", who, o->cli,
				owner ? owner->name : "?");
			return -EINVAL;
		}
	}
	return 0;
}

/* The scenario's [global] (if given), the command line over it, then the environment. */
static int merge_cfg(const struct scenario *s, const struct backend_config *over,
		     struct backend_config *cfg)
{
	int r = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (s)
		r = scenario_backend_config(s, cfg);
	if (r == 0)
		r = backend_cfg_merge(cfg, over);
	if (!cfg->name)
		cfg->name = backend_default()->name;
	if (r == 0)
		r = backend_cfg_env(cfg);
	return r;
}

/* Merges scenario [global] (if -f) and command line into cfg; s is kept for its strings. */
static int resolve_cfg(const struct cli_backend *cb, const char *who, struct backend_config *cfg,
		       struct scenario **s)
{
	char err[1024];

	*s = NULL;
	if (cb->scenario_file && scenario_load(cb->scenario_file, s, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", who, err);
		return -EINVAL;
	}
	if (merge_cfg(*s, &cb->cfg, cfg) < 0) {
		fprintf(stderr, "%s: too many backend options\n", who);
		return -EINVAL;
	}
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

/* Parses a command's backend options (and its own through own_opt); 0, or the exit status. */
static int parse_backend_args(int argc, char **argv, const char *who, const char *optstring,
			      const struct option *own, struct cli_backend *cb,
			      int (*own_opt)(int c, const char *arg, void *arg2), void *arg2)
{
	struct option opts[CLI_MAX_OPTIONS];
	int c, r;

	cli_options(own, opts, CLI_MAX_OPTIONS);
	if (optlist_requested(argc, argv, opts))
		return -1; /* exit 0 */
	while ((c = getopt_long(argc, argv, optstring, opts, NULL)) != -1) {
		r = own_opt ? own_opt(c, optarg, arg2) : -ENOENT;
		if (r == 1)
			return -1; /* --help printed: exit 0 */
		if (r == 0)
			continue;
		if (r != -ENOENT)
			return 2;
		r = cli_backend_opt(cb, c, optarg);
		if (r == -ENOENT)
			return cli_bad_option(who, argv, c);
		if (r < 0)
			return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", who, argv[optind]);
		return 2;
	}
	return cli_backend_validate(cb, who) < 0 ? 2 : 0;
}

/* ---- isolab vms ---- */

static const char vms_help[] = "Usage: isolab vms [--json] [backend options]\n"
			       "Lists the VMs (not templates nor control domains) with their "
			       "weight and cap.\n"
			       "      --json             one JSON array on stdout\n";

/* One column of `isolab vms`: the human table's heading and width, the JSON key. */
struct vm_col {
	const char *head; /* NULL: JSON only */
	int width;	  /* printf width, negative = left-aligned */
	const char *key;
	bool num;
	size_t off; /* offsetof(struct vm_info, ...) */
};

static const struct vm_col vm_cols[] = {
	{ "NAME", -32, "name", false, offsetof(struct vm_info, name) },
	{ NULL, 0, "id", false, offsetof(struct vm_info, id) },
	{ "STATE", -10, "power_state", false, offsetof(struct vm_info, power_state) },
	{ "VCPUS", 5, "vcpus", true, offsetof(struct vm_info, vcpus) },
	{ "HOST", -16, "host", false, offsetof(struct vm_info, host) },
	{ "WEIGHT", 6, "weight", true, offsetof(struct vm_info, sched.weight) },
	{ "CAP", 5, "cap", true, offsetof(struct vm_info, sched.cap) },
};
#define N_VM_COLS (sizeof(vm_cols) / sizeof(vm_cols[0]))

/* One cell: into the JSON object when w is given, else as a column of the table. */
static void vm_cell(struct json_writer *w, const struct vm_col *c, const struct vm_info *vm,
		    bool first)
{
	const char *str = c->num ? NULL : *(char *const *)((const char *)vm + c->off);
	int num = c->num ? *(const int *)((const char *)vm + c->off) : 0;

	if (w) {
		if (c->num)
			json_kv_int(w, c->key, num);
		else
			json_kv_str(w, c->key, str);
	} else if (c->head) {
		if (c->num)
			printf("%s%*d", first ? "" : " ", c->width, num);
		else
			printf("%s%*s", first ? "" : " ", c->width, str ? str : "-");
	}
}

/* Prints the VMs as a table or (json) one JSON array, from the same columns. */
static int print_vms(const struct vm_info *vms, size_t n, bool json)
{
	struct json_writer *w = json ? json_new(0) : NULL;
	int r = 0;

	if (json && !w)
		return -ENOMEM;
	if (w)
		json_arr_begin(w);
	else
		for (size_t k = 0; k < N_VM_COLS; k++)
			if (vm_cols[k].head)
				printf("%s%*s", k ? " " : "", vm_cols[k].width, vm_cols[k].head);
	if (!w)
		printf("\n");
	for (size_t i = 0; i < n; i++) {
		if (w)
			json_obj_begin(w);
		for (size_t k = 0; k < N_VM_COLS; k++)
			vm_cell(w, &vm_cols[k], &vms[i], k == 0);
		if (w)
			json_obj_end(w);
		else
			printf("\n");
	}
	if (w) {
		json_arr_end(w);
		r = json_fput(w, stdout);
		json_free(w);
	}
	return r;
}

/* The options of a listing command (vms, hosts): --json, and --help with its text. */
struct list_opts {
	const char *help;
	bool json;
};

static int list_opt(int c, const char *arg, void *data)
{
	struct list_opts *o = data;

	(void)arg;
	if (c == 'h') {
		fputs(o->help, stdout);
		cli_backend_help(stdout);
		fputs("  -h, --help\n", stdout);
		return 1;
	}
	if (c != 256)
		return -ENOENT;
	o->json = true;
	return 0;
}

/* A listing command's backend: its options, its scenario (with -f) and the open backend. */
struct listing {
	struct list_opts lo;
	struct cli_backend cb;
	struct backend_config cfg;
	struct scenario *s;
	const struct backend_ops *ops;
	struct backend *b;
};

/*
 * Parses a listing command's options (--json, --help, backend options) and
 * opens its backend: true, list_close() after; false with the exit status in
 * *status (0 after --help; the error is printed).
 */
static bool list_open(int argc, char **argv, const char *who, const char *help, struct listing *l,
		      int *status)
{
	static const struct option own[] = {
		{ "json", no_argument, NULL, 256 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int r;

	memset(l, 0, sizeof(*l));
	l->lo.help = help;
	r = parse_backend_args(argc, argv, who, ":hf:", own, &l->cb, list_opt, &l->lo);
	if (r) {
		*status = r < 0 ? 0 : r;
		return false;
	}
	if (resolve_cfg(&l->cb, who, &l->cfg, &l->s) < 0) {
		*status = 2;
		return false;
	}
	if (open_cfg(&l->cfg, who, &l->ops, &l->b) < 0) {
		scenario_free(l->s);
		*status = 1;
		return false;
	}
	return true;
}

static void list_close(struct listing *l)
{
	l->ops->close(l->b);
	scenario_free(l->s);
}

int cli_cmd_vms(int argc, char **argv)
{
	struct listing l;
	struct backend_err err = { 0 };
	struct vm_info *vms = NULL;
	size_t n = 0;
	int r, ret = 1;

	if (!list_open(argc, argv, "isolab vms", vms_help, &l, &ret))
		return ret;
	r = l.ops->list_vms ? l.ops->list_vms(l.b, &vms, &n, &err) : -ENOSYS;
	if (r < 0) {
		fprintf(stderr, "isolab vms: %s\n", err.msg[0] ? err.msg : strerror(-r));
		goto out_close;
	}
	if (print_vms(vms, n, l.lo.json) == 0)
		ret = 0;
	vm_info_array_free(vms, n);
out_close:
	list_close(&l);
	return ret;
}

/* ---- isolab hosts ---- */

static const char hosts_help[] =
	"Usage: isolab hosts [--json] [backend options]\n"
	"The backend's hosts: name, address, scheduler, CPUs, free and total memory, the\n"
	"guests resident on each.\n"
	"      --json             one object {\"backend\", \"hosts\": [...]}\n";

int cli_cmd_hosts(int argc, char **argv)
{
	struct listing l;
	struct backend_err err = { 0 };
	struct backend_host *h = NULL;
	size_t n = 0;
	int r, ret = 1;

	if (!list_open(argc, argv, "isolab hosts", hosts_help, &l, &ret))
		return ret;
	if (!l.ops->hosts) {
		fprintf(stderr, "isolab hosts: backend %s has no pool of hosts (it runs on one)\n",
			l.ops->name);
		ret = 2;
		goto out_close;
	}
	r = l.ops->hosts(l.b, &h, &n, &err);
	if (r < 0) {
		fprintf(stderr, "isolab hosts: %s [%s]\n", err.msg[0] ? err.msg : strerror(-r),
			err.code);
		goto out_close;
	}
	if (cli_hosts_print(stdout, l.ops->name, h, n, l.lo.json) == 0)
		ret = 0;
	backend_hosts_free(h, n);
out_close:
	list_close(&l);
	return ret;
}

/* ---- isolab sched ---- */

static const char sched_help[] =
	"Usage: isolab sched get VM [--json] [backend options]\n"
	"       isolab sched set VM [--weight W] [--cap C] [backend options]\n"
	"  -w, --weight W         Xen credit weight 1-65535 (256 = default)\n"
	"  -c, --cap C            percent of one CPU, 0 = no cap\n"
	"      --json             get: {\"vm\",\"backend\",\"weight\",\"cap\",\"live\"}\n";

struct sched_args {
	struct sched_params p;
	bool json;
};

static int sched_opt(int c, const char *arg, void *arg2)
{
	struct sched_args *a = arg2;
	int64_t v;

	switch (c) {
	case 'h':
		fputs(sched_help, stdout);
		cli_backend_help(stdout);
		fputs("  -h, --help\n", stdout);
		return 1;
	case 'w':
	case 'c':
		if (parse_i64(arg, c == 'w' ? XEN_WEIGHT_MIN : 0,
			      c == 'w' ? XEN_WEIGHT_MAX : XEN_CAP_MAX, &v) < 0) {
			fprintf(stderr, "isolab sched: --%s: '%s' (expected %s)\n",
				c == 'w' ? "weight" : "cap", arg,
				c == 'w' ? "1-65535" : "0-25600, percent of one CPU");
			return -EINVAL;
		}
		*(c == 'w' ? &a->p.weight : &a->p.cap) = (int)v;
		return 0;
	case 256:
		a->json = true;
		return 0;
	default:
		return -ENOENT;
	}
}

static int sched_print(const char *vm, const char *backend, const struct sched_params *p, bool live,
		       bool json)
{
	struct json_writer *w;
	int r;

	if (!json) {
		printf("%s: weight %d cap %d (%s)\n", vm, p->weight, p->cap,
		       live ? "in effect now" : "applies when the VM next starts");
		return 0;
	}
	w = json_new(0);
	if (!w)
		return -ENOMEM;
	json_obj_begin(w);
	json_kv_str(w, "vm", vm);
	json_kv_str(w, "backend", backend);
	json_kv_int(w, "weight", p->weight);
	json_kv_int(w, "cap", p->cap);
	json_kv_bool(w, "live", live);
	json_obj_end(w);
	r = json_fput(w, stdout);
	json_free(w);
	return r;
}

/* Sets (when set) then reads back vm's weight and cap; 0 or 1. */
static int sched_do(const struct backend_config *cfg, const char *vm, bool set,
		    struct sched_args *a)
{
	const struct backend_ops *ops;
	struct backend *b = NULL;
	struct backend_err err = { 0 };
	bool live = false;
	int r, ret = 1;

	if (open_cfg(cfg, "isolab sched", &ops, &b) < 0)
		return 1;
	if (set) {
		r = ops->sched_set(b, vm, &a->p, &err);
		if (r < 0) {
			fprintf(stderr, "isolab sched set: %s: %s\n", vm,
				err.msg[0] ? err.msg : strerror(-r));
			goto out_close;
		}
	}
	r = ops->sched_get(b, vm, &a->p, &live, &err);
	if (r < 0) {
		fprintf(stderr, "isolab sched get: %s: %s\n", vm,
			err.msg[0] ? err.msg : strerror(-r));
		goto out_close;
	}
	if (sched_print(vm, ops->name, &a->p, live, a->json) == 0)
		ret = 0;
out_close:
	ops->close(b);
	return ret;
}

int cli_cmd_sched(int argc, char **argv)
{
	static const struct option own[] = {
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 256 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sched_args a = { .p = { .weight = -1, .cap = -1 } };
	struct cli_backend cb = { 0 };
	struct backend_config cfg;
	struct scenario *s = NULL;
	const char *vm;
	struct option opts[CLI_MAX_OPTIONS];
	bool set;
	int r;

	cli_options(own, opts, CLI_MAX_OPTIONS);
	if (optlist_requested(argc, argv, opts))
		return 0;
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return sched_opt('h', NULL, &a) == 1 ? 0 : 2;
	if (argc < 3 || (strcmp(argv[1], "get") != 0 && strcmp(argv[1], "set") != 0)) {
		fprintf(stderr,
			"isolab sched: expected 'get VM' or 'set VM --weight W [--cap C]'\n");
		return 2;
	}
	vm = argv[2];
	set = strcmp(argv[1], "set") == 0;
	optind = 1;
	r = parse_backend_args(argc - 2, argv + 2, "isolab sched", ":w:c:hf:", own, &cb, sched_opt,
			       &a);
	if (r)
		return r < 0 ? 0 : r;
	if (set && a.p.weight < 0 && a.p.cap < 0) {
		fprintf(stderr, "isolab sched set: expected --weight W and/or --cap C\n");
		return 2;
	}
	if (!set && (a.p.weight >= 0 || a.p.cap >= 0)) {
		fprintf(stderr, "isolab sched get: --weight/--cap belong to 'sched set'\n");
		return 2;
	}
	if (resolve_cfg(&cb, "isolab sched", &cfg, &s) < 0)
		return 2;
	if (s && scenario_vm(s, vm))
		vm = scenario_vm(s, vm)->ident; /* a scenario's VM name maps to its identity */
	r = sched_do(&cfg, vm, set, &a);
	scenario_free(s);
	return r;
}

/* ---- isolab deploy ---- */

static const char deploy_help[] =
	"Usage: isolab deploy SCENARIO\n"
	"Copies isolab-bomb, isolab-probe and isolab-victim (static builds recommended) to\n"
	"every VM of the scenario whose executor takes copies (ssh: ~/isolab/bin on the\n"
	"ssh = user@host of the VM). The bomb is a statically linked one when there is\n"
	"one: the one found, else isolab-bomb-static's (" ISOLAB_LIBEXECDIR "/isolab-bomb).\n"
	"  -h, --help\n";

/* Guests may have another C library: a statically linked bomb when there is one. */
static void deploy_pick_bomb(char *path, size_t len)
{
	static const char packaged[] = ISOLAB_LIBEXECDIR "/isolab-bomb";

	if (elfinfo_is_static(path))
		return;
	if (elfinfo_is_static(packaged)) {
		printf("isolab-bomb: %s (statically linked, instead of %s)\n", packaged, path);
		snprintf(path, len, "%s", packaged);
		return;
	}
	fprintf(stderr,
		"isolab deploy: warning: %s is linked dynamically: it runs only in guests with a "
		"compatible C library (install isolab-bomb-static, or build with "
		"-Dstatic_bombs=true)\n",
		path);
}

/* Copies the tools to every distinct target of an executor that deploys; 0 or 1. */
static int deploy_all(const struct scenario *s, const char *const paths[], size_t n_paths,
		      const char *file)
{
	char why[512];
	int ret = 0, n_hosts = 0;

	for (size_t i = 0; i < s->n_vms; i++) {
		const struct scn_vm *vm = &s->vms[i];
		const struct exec_ops *x = exec_find(vm->exec);
		bool seen = false;

		if (!x || !x->deploy || !vm->target)
			continue;
		for (size_t k = 0; k < i; k++)
			seen |= s->vms[k].target && strcmp(s->vms[k].target, vm->target) == 0 &&
				strcmp(s->vms[k].exec, vm->exec) == 0;
		if (seen)
			continue;
		n_hosts++;
		if (x->deploy(vm->target, paths, n_paths, why, sizeof(why)) < 0) {
			fprintf(stderr, "isolab deploy: %s failed: %s\n", vm->target, why);
			ret = 1;
			continue;
		}
		printf("%s: isolab-bomb, isolab-probe, isolab-victim copied to ~/isolab/bin\n",
		       vm->target);
	}
	if (!n_hosts)
		printf("no VM in %s has ssh = user@host; nothing to deploy\n", file);
	return ret;
}

int cli_cmd_deploy(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const tools[] = { "isolab-bomb", "isolab-probe", "isolab-victim" };
	const char *paths[3];
	struct scenario *s;
	char err[1024], buf[3][PATH_MAX];
	int c, ret;

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
	for (size_t t = 0; t < 3; t++) {
		if (exec_find_tool(tools[t], buf[t], sizeof(buf[t])) < 0) {
			fprintf(stderr, "isolab deploy: %s not found (build it first)\n", tools[t]);
			scenario_free(s);
			return 1;
		}
		paths[t] = buf[t];
	}
	deploy_pick_bomb(buf[0], sizeof(buf[0]));
	ret = deploy_all(s, paths, 3, argv[optind]);
	scenario_free(s);
	return ret;
}

/* ---- isolab check's backend part ---- */

/* Each scenario VM must exist on a backend that does not make its VMs itself. 0 or 2. */
static int check_vms_exist(const struct scenario *s, const struct backend_ops *ops,
			   struct backend *b)
{
	struct backend_err err = { 0 };
	struct vm_info *vms = NULL;
	size_t n = 0;
	int ret = 0;

	if (ops->prepare)
		return 0; /* it creates the run's VMs itself */
	if (ops->list_vms(b, &vms, &n, &err) < 0) {
		fprintf(stderr, "isolab check: listing VMs: %s\n", err.msg);
		return 2;
	}
	for (size_t i = 0; i < s->n_vms && ret == 0; i++) {
		bool found = false;

		if (s->vms[i].n_make)
			continue; /* the run makes it */
		for (size_t k = 0; k < n; k++)
			found |= vms[k].name && strcmp(vms[k].name, s->vms[i].ident) == 0;
		if (found)
			continue;
		/* as `isolab run` does: only a VM whose priority changes must be a domain */
		if (vm_prioritised(s, s->vms[i].name)) {
			fprintf(stderr, "isolab check: %s:%d: vm '%s' (%s) not found on %s\n",
				s->file, s->vms[i].line, s->vms[i].name, s->vms[i].ident,
				ops->name);
			ret = 2;
			continue;
		}
		printf("note: vm '%s' (%s) is not a VM on %s; fine for a machine that "
		       "only runs tools (the controller's host, or one reached by ssh)\n",
		       s->vms[i].name, s->vms[i].ident, ops->name);
	}
	vm_info_array_free(vms, n);
	return ret;
}

int cli_check_backend(const struct scenario *s, const struct backend_config *ov)
{
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b = NULL;
	struct backend_caps caps = { 0 };
	struct backend_err err = { 0 };
	int ret;

	if (merge_cfg(s, ov, &cfg) < 0 || open_cfg(&cfg, "isolab check", &ops, &b) < 0)
		return 2;
	if (ops->caps && ops->caps(b, &caps, &err) == 0)
		printf("backend %s: scheduler %s, weight %s, cap %s, live %s%s%s\n", ops->name,
		       caps.scheduler ? caps.scheduler : "?", caps.weight ? "yes" : "no",
		       caps.cap ? "yes" : "no", caps.live ? "yes" : "no", caps.notes[0] ? "; " : "",
		       caps.notes);
	ret = check_vms_exist(s, ops, b);
	if (ret == 0)
		ret = run_make_check(s, ops, b, stdout, stderr);
	if (ret == 0)
		printf("%s: OK: %zu VMs, %zu bombs, %zu phases x %u rounds = %zu runs, about %.0f "
		       "s\n",
		       s->file, s->n_vms, s->n_bombs, s->n_phases, s->rounds,
		       s->n_phases * s->rounds, scenario_estimate_s(s));
	ops->close(b);
	return ret;
}
