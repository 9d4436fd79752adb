// SPDX-License-Identifier: MIT
/*
 * The plugin tables: a fake backend and a fake executor, registered through
 * backend_register() and exec_register() alone, run a whole scenario through
 * run_scenario(). The run loop must prepare, enter, address, prioritise,
 * restore and tear down through the tables, and the backend's option table
 * must drive the scenario's [global], the command line and the manifest.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <getopt.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>

#include "backend-table.h"
#include "backend.h"
#include "clock.h"
#include "cli.h"
#include "exec-table.h"
#include "exec.h"
#include "fileio.h"
#include "proc.h"
#include "run.h"
#include "scenario.h"

static char tmp[256];

/* ---- the fake backend: three VMs in memory ---- */

static struct {
	int opens, closes, prepares, teardowns;
	char zone[64];
	size_t n_vms;
	enum backend_role roles[8];
	int web_weights[16]; /* every weight set on web, in order */
	size_t n_web_weights;
	int web_weight;
	bool not_live; /* like XenAPI without dom0: settings stored, not applied now */
	bool backlog;  /* the victim's CPU use rises once its rest level was read */
	unsigned cpu_reads;
	uint64_t cpu_t, cpu_ns;
	char events[512]; /* the lifecycle calls, in order */
} fb;

static void event(const char *what, const char *vm)
{
	size_t n = strlen(fb.events);

	snprintf(fb.events + n, sizeof(fb.events) - n, "%s%s%s%s", n ? " " : "", what,
		 vm ? ":" : "", vm ? vm : "");
}

static const struct backend_opt fake_opts[] = {
	{ .key = "fake_zone",
	  .type = BOPT_STRING,
	  .cli = "fake-zone",
	  .metavar = "ZONE",
	  .help = "fake: the zone",
	  .manifest = "zone" },
	{ .key = NULL },
};

static int fake_open(const struct backend_config *cfg, struct backend **out,
		     struct backend_err *err)
{
	const char *zone = backend_cfg_get(cfg, "fake_zone");

	(void)err;
	fb.opens++;
	snprintf(fb.zone, sizeof(fb.zone), "%s", zone ? zone : "");
	*out = (struct backend *)&fb;
	return 0;
}

static void fake_close(struct backend *b)
{
	if (b)
		fb.closes++;
}

static int fake_get(struct backend *b, const char *vm, struct sched_params *out, bool *live,
		    struct backend_err *err)
{
	(void)b;
	if (strcmp(vm, "web") && strcmp(vm, "noisy") && strcmp(vm, "client")) {
		backend_errf(err, "ENOENT", "no vm %s", vm);
		return -ENOENT;
	}
	out->weight = strcmp(vm, "web") == 0 ? fb.web_weight : 256;
	out->cap = 0;
	*live = !fb.not_live;
	return 0;
}

/*
 * The victim's CPU time: half a CPU, by the clock. With fb.backlog, 90 % of
 * a CPU after its first two reads (the rest level): a victim that keeps
 * working off a backlog after every run.
 */
static int fake_cpu_time(struct backend *b, const char *vm, uint64_t *ns, const char **source,
			 struct backend_err *err)
{
	uint64_t now = clock_now_ns();

	(void)b;
	(void)err;
	if (strcmp(vm, "web") != 0)
		return -ENOENT;
	if (!fb.cpu_t)
		fb.cpu_t = now;
	fb.cpu_ns += (uint64_t)((double)(now - fb.cpu_t) *
				(fb.backlog && ++fb.cpu_reads > 2 ? 0.9 : 0.5));
	fb.cpu_t = now;
	*ns = fb.cpu_ns;
	*source = "fake clock";
	return 0;
}

static int fake_set(struct backend *b, const char *vm, const struct sched_params *p,
		    struct backend_err *err)
{
	(void)b;
	(void)err;
	if (strcmp(vm, "web") == 0 && p->weight >= 0) {
		fb.web_weight = p->weight;
		if (fb.n_web_weights < 16)
			fb.web_weights[fb.n_web_weights++] = p->weight;
	}
	return 0;
}

static int fake_prepare(struct backend *b, const struct backend_vm *vms, size_t n,
			struct backend_err *err)
{
	(void)b;
	(void)err;
	fb.prepares++;
	event("prepare", NULL);
	fb.n_vms = n;
	for (size_t i = 0; i < n && i < 8; i++)
		fb.roles[i] = vms[i].role;
	return 0;
}

/* In the executor's child: leaves a mark that it entered vm. */
static int fake_enter(struct backend *b, const char *vm)
{
	char p[400];
	int fd;

	(void)b;
	snprintf(p, sizeof(p), "%s/entered-%s", tmp, vm);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static const char *fake_vm_addr(struct backend *b, const char *vm)
{
	(void)b;
	return strcmp(vm, "web") == 0 ? "10.9.0.1" : "10.9.0.2";
}

static int fake_teardown(struct backend *b, struct backend_err *err)
{
	(void)b;
	(void)err;
	fb.teardowns++;
	event("teardown", NULL);
	return 0;
}

/* Whether the run's journal (in $ISOLAB_STATE_DIR) holds line. */
static bool journal_has(const char *line)
{
	const char *dir = getenv("ISOLAB_STATE_DIR");
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		char p[600], *text = NULL;
		size_t len = 0;

		if (strncmp(e->d_name, "run-", 4) != 0 || !strstr(e->d_name, ".journal"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (file_read_all(p, 1 << 20, &text, &len) == 0)
			found = strstr(text, line) != NULL;
		free(text);
	}
	if (d)
		closedir(d);
	return found;
}

/* Like the local backend: every VM made by provision(), journalled before it is made. */
static int fake_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
			  struct backend_err *err)
{
	char line[128];

	(void)b;
	snprintf(id, len, "%s", m->ident);
	assert_int_equal(m->note(m->note_arg, m->name, "name", m->ident), 0);
	snprintf(line, sizeof(line), "make %s name %s\n", m->name, m->ident);
	if (!journal_has(line)) {
		backend_errf(err, "EIO", "not journalled before it was made: %s", line);
		return -EIO;
	}
	event("provision", m->ident);
	return 0;
}

static int fake_unprovision(struct backend *b, const char *id, struct backend_err *err)
{
	(void)b;
	(void)err;
	event("unprovision", id);
	return 0;
}

static const struct backend_ops fake_backend_ops = {
	.name = "fake",
	.summary = "a test double",
	.opts = fake_opts,
	.open = fake_open,
	.close = fake_close,
	.sched_get = fake_get,
	.sched_set = fake_set,
	.vm_cpu_time = fake_cpu_time,
	.prepare = fake_prepare,
	.enter = fake_enter,
	.vm_addr = fake_vm_addr,
	.teardown = fake_teardown,
	.provision_all = true,
	.provision = fake_provision,
	.unprovision = fake_unprovision,
};

/* ---- the fake executor: sh scripts that act as the tools ---- */

static char started[8][1024]; /* each start's argv, joined */
static size_t n_started;

static const struct exec_ops fake_exec_ops;

struct enter_arg {
	const struct exec_ctx *x;
	const char *vm;
};

static int enter_child(void *arg)
{
	const struct enter_arg *e = arg;

	return e->x->bops && e->x->bops->enter ? e->x->bops->enter(e->x->b, e->vm) : 0;
}

static int fake_start(const struct exec_ctx *x, const char *vm, const char *target,
		      char *const argv[], const char *stderr_path, struct tool_proc *p)
{
	static const char probe[] =
		"echo isolab-ready >&2; printf '%s' '{\"tool\":\"isolab-probe\",\"status\":\"ok\","
		"\"metrics\":{\"ok\":1000,\"measured_s\":1.0,\"good_pct\":100,"
		"\"latency_ms\":{\"p50\":1.0,\"p99\":2.5},\"success_pct\":100}}'";
	static const char bomb[] =
		"trap 'printf %s \"{\\\"tool\\\":\\\"isolab-bomb\\\",\\\"status\\\":"
		"\\\"interrupted\\\",\\\"elapsed_s\\\":2.0,\\\"options\\\":{\\\"threads\\\":1,"
		"\\\"intensity_pct\\\":100},\\\"metrics\\\":{\\\"cpu_seconds\\\":1.5}}\"; "
		"exit 0' TERM; echo isolab-ready >&2; while :; do sleep 0.05; done";
	char *const sh[] = { (char *)"/bin/sh", (char *)"-c",
			     (char *)(strcmp(argv[0], "isolab-probe") == 0 ? probe : bomb), NULL };
	struct enter_arg e = { .x = x, .vm = vm };
	struct proc_spawn sp = {
		.argv = sh, .path = "/bin/sh", .in_child = enter_child, .arg = &e
	};
	size_t o = 0;
	int r;

	(void)target;
	for (size_t i = 0; argv[i] && n_started < 8; i++)
		o += (size_t)snprintf(started[n_started] + o, sizeof(started[0]) - o, "%s%s",
				      i ? " " : "", argv[i]);
	n_started++;
	r = exec_spawn(x, &sp, stderr_path, p);
	if (r == 0)
		p->ops = &fake_exec_ops;
	return r;
}

static int fake_signal(const struct exec_ctx *x, struct tool_proc *p, int sig)
{
	(void)x;
	if (p->pid <= 0 || p->exited)
		return 0;
	return kill(-p->pid, sig) < 0 ? -errno : 0;
}

static const struct exec_ops fake_exec_ops = {
	.name = "fake",
	.stop_grace_ns = 5 * NSEC_PER_SEC,
	.start = fake_start,
	.signal = fake_signal,
};

/* ---- the test ---- */

static const char scenario_text[] = "[global]\n"
				    "backend = fake\n"
				    "fake_zone = z1\n"
				    "duration = 1s\n"
				    "warmup = 0\n"
				    "cooldown = 0\n"
				    "rounds = 1\n"
				    "[vm web]\nrole = victim\nexec = fake\n"
				    "[vm noisy]\nrole = neighbor\nexec = fake\n"
				    "[vm client]\nrole = probe\nexec = fake\n"
				    "[probe]\nkind = http\ntarget = http://${web}:8/\n"
				    "[bomb cpu]\nvm = noisy\nkind = cpu\n"
				    "[phase baseline]\n"
				    "[phase cpu]\nbombs = cpu\n"
				    "[phase cpu+prio]\nbombs = cpu\nweight.web = 1024\n";

/* The same with a cooldown: the run loop waits for the host, then for the victim. */
static const char *scenario_cooldown(void)
{
	static char text[sizeof(scenario_text) + 16];
	const char *at = strstr(scenario_text, "cooldown = 0\n");

	snprintf(text, sizeof(text), "%.*scooldown = 300ms\n%s", (int)(at - scenario_text),
		 scenario_text, at + strlen("cooldown = 0\n"));
	return text;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/isolab-test-plugins-%d", (int)getpid());
	if (file_mkdirs(tmp, 0700) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return file_remove_tree(tmp);
}

static json_t *load_json(const char *dir, const char *file)
{
	char p[1024];
	json_error_t e;
	json_t *j;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	j = json_load_file(p, 0, &e);
	if (!j)
		print_error("%s: %s\n", p, e.text);
	assert_non_null(j);
	return j;
}

/* The run directory: the only entry of the results root. */
static void run_dir(const char *root, char *out, size_t len)
{
	char cmd[600], *text = NULL;
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int st;

	snprintf(cmd, sizeof(cmd), "ls -d %s/*/", root);
	assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 4096, &text, &st), 0);
	text[strcspn(text, "\n")] = '\0';
	snprintf(out, len, "%s", text);
	free(text);
}

/* A run's validity and mechanism as the manifest records them, by phase name. */
static void check_runs(json_t *runs, bool prio_live)
{
	for (size_t i = 0; i < json_array_size(runs); i++) {
		json_t *r = json_array_get(runs, i);
		const char *ph = json_string_value(json_object_get(r, "phase"));
		json_t *invalid = json_object_get(r, "invalid");
		double share = json_number_value(json_object_get(r, "victim_cpu_share_pct"));
		bool prio = strcmp(ph, "cpu+prio") == 0;

		assert_true(share > 35 && share < 65); /* the fake counter runs at half a CPU */
		assert_string_equal(json_string_value(json_object_get(r, "victim_cpu_source")),
				    "fake clock");
		if (prio && !prio_live) {
			assert_true(json_is_false(json_object_get(r, "valid")));
			assert_non_null(strstr(json_string_value(json_array_get(invalid, 0)),
					       "priority of web is stored but not live"));
		} else {
			assert_true(json_is_true(json_object_get(r, "valid")));
			assert_int_equal(json_array_size(invalid), 0);
		}
		if (strncmp(ph, "cpu", 3) == 0) {
			json_t *cpu = json_object_get(json_object_get(r, "bombs_achieved"), "cpu");

			assert_true(json_number_value(json_object_get(cpu, "share_pct")) == 75);
		}
		if (prio)
			assert_true(
				json_integer_value(json_object_get(
					json_object_get(json_object_get(json_object_get(r, "sched"),
									"start"),
							"web"),
					"weight")) == 1024);
	}
}

static void fake_backend_and_executor_run_a_scenario_through_the_tables(void **state)
{
	char err[512], root[400], state_dir[400], dir[1024], mark[600];
	struct scenario *s = NULL;
	struct run_opts ro = { .no_report = true };
	json_t *m, *runs, *bomb;

	(void)state;
	fb.web_weight = 256;
	fb.events[0] = '\0';
	snprintf(root, sizeof(root), "%s/results", tmp);
	snprintf(state_dir, sizeof(state_dir), "%s/state", tmp);
	setenv("ISOLAB_STATE_DIR", state_dir, 1);
	assert_int_equal(scenario_parse("fake.ini", scenario_text, strlen(scenario_text), &s, err,
					sizeof(err)),
			 0);
	ro.results_root = root;
	assert_int_equal(run_scenario(s, scenario_text, &ro), 0);

	/* the backend's lifecycle, through its ops */
	assert_int_equal(fb.opens, 1);
	assert_int_equal(fb.closes, 1);
	assert_int_equal(fb.prepares, 1);
	assert_int_equal(fb.teardowns, 1);
	/* the plan, each VM made (journalled first), each destroyed in reverse, then teardown */
	assert_string_equal(fb.events, "prepare provision:web provision:noisy provision:client "
				       "unprovision:client unprovision:noisy unprovision:web "
				       "teardown");
	assert_string_equal(fb.zone, "z1"); /* [global] fake_zone, by the option table */
	assert_int_equal(fb.n_vms, 3);
	assert_int_equal(fb.roles[0], BACKEND_ROLE_VICTIM);
	assert_int_equal(fb.roles[1], BACKEND_ROLE_NEIGHBOR);
	assert_int_equal(fb.roles[2], BACKEND_ROLE_PROBE);
	/* cpu+prio set web to 1024, the journal put 256 back */
	assert_int_equal(fb.n_web_weights, 2);
	assert_int_equal(fb.web_weights[0], 1024);
	assert_int_equal(fb.web_weights[1], 256);
	assert_int_equal(fb.web_weight, 256);

	/* the executor: started every tool, inside its VM, with ${web} from vm_addr() */
	assert_int_equal(n_started, 7); /* the calibration, 4 phases (baseline~aa too), 2 bombs */
	for (size_t i = 0; i < n_started; i++)
		if (strncmp(started[i], "isolab-probe", 12) == 0)
			assert_non_null(strstr(started[i], "--url http://10.9.0.1:8/"));
	/* the calibration closed loop; every phase at 50 % of its 1000 req/s, SLO 25 / 1000 s */
	assert_null(strstr(started[0], "--rate"));
	for (size_t i = 1; i < n_started; i++)
		if (strncmp(started[i], "isolab-probe", 12) == 0)
			assert_non_null(strstr(started[i], "--rate 500.000 --slo 25000us"));
	snprintf(mark, sizeof(mark), "%s/entered-client", tmp);
	assert_int_equal(access(mark, F_OK), 0);
	snprintf(mark, sizeof(mark), "%s/entered-noisy", tmp);
	assert_int_equal(access(mark, F_OK), 0);

	/* the results, and the manifest driven by the option table */
	run_dir(root, dir, sizeof(dir));
	m = load_json(dir, "manifest.json");
	assert_string_equal(json_string_value(json_object_get(m, "status")), "complete");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(m, "backend"), "zone")), "z1");
	runs = json_object_get(m, "runs");
	assert_int_equal(json_array_size(runs), 4);
	check_runs(runs, true);
	{
		json_t *made = json_object_get(m, "made");

		assert_int_equal(json_array_size(made), 3);
		for (size_t i = 0; i < 3; i++)
			assert_true(json_is_true(
				json_object_get(json_array_get(made, i), "destroyed")));
	}
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(
			json_string_value(json_object_get(json_array_get(runs, i), "status")),
			"ok");
		/* cooldown = 0: none */
		assert_true(
			json_is_null(json_object_get(json_array_get(runs, i), "cooldown_after")));
	}
	{
		json_t *v = json_object_get(
			json_object_get(json_object_get(m, "design"), "cooldown"), "victim");
		double rest = json_number_value(json_object_get(v, "rest_cpu_pct"));

		assert_true(rest > 35 && rest < 65); /* read around the host's rest level */
		assert_string_equal(json_string_value(json_object_get(v, "source")), "fake clock");
	}
	json_decref(m);
	bomb = load_json(dir, "runs/1-cpu/bomb-cpu.json");
	assert_string_equal(json_string_value(json_object_get(bomb, "status")), "interrupted");
	json_decref(bomb);

	/* nothing left: no journal, no scratch directory */
	{
		char cmd[600], *out = NULL;
		const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
		int st;

		snprintf(cmd, sizeof(cmd), "ls -A %s", state_dir);
		assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 4096, &out, &st), 0);
		assert_string_equal(out, "");
		free(out);
	}
	scenario_free(s);
}

static void a_priority_stored_but_not_live_makes_its_runs_invalid(void **state)
{
	char err[512], root[400], dir[1024];
	struct scenario *s = NULL;
	struct run_opts ro = { .no_report = true };
	json_t *m;

	(void)state;
	fb.web_weight = 256;
	fb.not_live = true;
	n_started = 0;
	snprintf(root, sizeof(root), "%s/results-stored", tmp);
	assert_int_equal(scenario_parse("fake.ini", scenario_text, strlen(scenario_text), &s, err,
					sizeof(err)),
			 0);
	ro.results_root = root;
	assert_int_equal(run_scenario(s, scenario_text, &ro), 0);
	run_dir(root, dir, sizeof(dir));
	m = load_json(dir, "manifest.json");
	check_runs(json_object_get(m, "runs"), false);
	json_decref(m);
	scenario_free(s);
	fb.not_live = false;
}

static void a_victim_still_busy_after_a_run_is_waited_for_up_to_the_cooldown(void **state)
{
	char err[512], root[400], dir[1024];
	const char *text = scenario_cooldown();
	struct scenario *s = NULL;
	struct run_opts ro = { .no_report = true };
	json_t *m, *runs, *v;
	double rest;

	(void)state;
	fb.web_weight = 256;
	fb.backlog = true;
	fb.cpu_reads = 0;
	n_started = 0;
	snprintf(root, sizeof(root), "%s/results-backlog", tmp);
	assert_int_equal(scenario_parse("fake.ini", text, strlen(text), &s, err, sizeof(err)), 0);
	ro.results_root = root;
	assert_int_equal(run_scenario(s, text, &ro), 0);
	run_dir(root, dir, sizeof(dir));
	m = load_json(dir, "manifest.json");
	v = json_object_get(json_object_get(json_object_get(m, "design"), "cooldown"), "victim");
	rest = json_number_value(json_object_get(v, "rest_cpu_pct"));
	assert_true(rest > 35 && rest < 65);
	assert_true(json_number_value(json_object_get(v, "tolerance_pct")) == 5);
	runs = json_object_get(m, "runs");
	assert_int_equal(json_array_size(runs), 4);
	for (size_t i = 0; i < 4; i++) {
		json_t *c = json_object_get(json_array_get(runs, i), "cooldown_after");
		double waited = json_number_value(json_object_get(c, "victim_waited_s"));
		double pct = json_number_value(json_object_get(c, "victim_cpu_pct"));

		assert_true(json_is_object(c));
		/* 90 % against 50 % at rest: never settled, waited the whole bound, no more */
		assert_true(json_is_false(json_object_get(c, "victim_settled")));
		assert_true(waited >= 0.3 && waited < 0.45);
		assert_true(pct > 80 && pct < 95);
		assert_true(json_number_value(json_object_get(c, "host_waited_s")) <= 0.45);
	}
	json_decref(m);
	scenario_free(s);
	fb.backlog = false;
}

static void tables_name_registered_plugins_in_messages_and_options(void **state)
{
	char err[512], names[256];
	struct scenario *s = NULL;
	struct option opts[CLI_MAX_OPTIONS];
	bool found = false;

	(void)state;
	assert_string_equal(backend_names(names, sizeof(names), ", ", " or "),
			    "local, xenapi, xl or fake");
	assert_string_equal(exec_names(names, sizeof(names)), "local, ssh or fake");
	assert_int_equal(backend_register(&fake_backend_ops), -EEXIST);
	assert_int_equal(exec_register(&fake_exec_ops), -EEXIST);
	assert_true(scenario_parse("t.ini", "[vm a]\nrole = victim\nexec = nosuch\n", 35, &s, err,
				   sizeof(err)) < 0);
	assert_non_null(strstr(err, "exec: unknown 'nosuch' (expected local, ssh or fake)"));
	assert_true(scenario_parse("t.ini", "[global]\nbackend = kvm\n", 23, &s, err, sizeof(err)) <
		    0);
	assert_non_null(strstr(err, "expected local, xenapi, xl or fake"));
	/* the fake backend's option is a command-line option too */
	cli_options(NULL, opts, CLI_MAX_OPTIONS);
	for (size_t i = 0; opts[i].name; i++)
		found |= strcmp(opts[i].name, "fake-zone") == 0;
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fake_backend_and_executor_run_a_scenario_through_the_tables),
		cmocka_unit_test(a_priority_stored_but_not_live_makes_its_runs_invalid),
		cmocka_unit_test(a_victim_still_busy_after_a_run_is_waited_for_up_to_the_cooldown),
		cmocka_unit_test(tables_name_registered_plugins_in_messages_and_options),
	};

	if (backend_register(&fake_backend_ops) < 0 || exec_register(&fake_exec_ops) < 0) {
		fprintf(stderr, "cannot register the fakes\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
