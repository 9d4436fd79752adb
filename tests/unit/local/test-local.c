// SPDX-License-Identifier: MIT
/* The local backend's ops and local.h API on fake cgroup trees (no namespaces there). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "json.h"
#include "local.h"
#include "fake-cgroup.h"

extern const struct backend_ops backend_local_ops;
static const struct backend_ops *ops = &backend_local_ops;

static const struct backend_vm three[] = {
	{ .name = "web", .role = BACKEND_ROLE_VICTIM },
	{ .name = "noisy",
	  .role = BACKEND_ROLE_NEIGHBOR,
	  .memory_max = 32 << 20,
	  .pids_max = 64,
	  .io_weight = 512,
	  .cpu_max_pct = 50 },
	{ .name = "client", .role = BACKEND_ROLE_PROBE },
};

/* The probe shares the VMs' CPUs (the behaviour on one CPU): its weight protects it. */
static struct backend *open_ok(const char *root, const char *run)
{
	struct backend_config cfg = { .name = "local",
				      .run_id = run,
				      .opts = { { "cgroup_root", root },
						{ "share_probe_cpu", "yes" } },
				      .n_opts = 2 };
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	if (ops->open(&cfg, &b, &err) != 0)
		fail_msg("open: %s: %s", err.code, err.msg);
	assert_non_null(b);
	return b;
}

static struct backend *prepared(const char *root, const char *run)
{
	struct backend *b = open_ok(root, run);
	struct backend_err err = { 0 };

	if (backend_local_prepare(b, three, 3, &err) != 0)
		fail_msg("prepare: %s: %s", err.code, err.msg);
	return b;
}

static void expect(const char *root, const char *rel, const char *want)
{
	char *v = fake_read(root, rel);

	if (!v)
		fail_msg("%s is missing", rel);
	if (strcmp(v, want) != 0)
		fail_msg("%s holds '%s', want '%s'", rel, v, want);
	free(v);
}

static int open_unprivileged(void)
{
	struct backend_config cfg = { .name = "local" };
	struct backend_err err = { 0 };
	struct backend *b = NULL;
	int r = ops->open(&cfg, &b, &err);

	return r == -EPERM && !b && strstr(err.msg, "needs root") ? 0 : 1;
}

static void open_without_root_needs_root(void **state)
{
	pid_t pid;
	int st;

	if (geteuid() != 0) {
		assert_int_equal(open_unprivileged(), 0);
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(setuid(65534) == 0 ? open_unprivileged() : 3);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void open_rejects_bad_run_id_and_missing_cgroupfs(void **state)
{
	struct backend_config cfg = {
		.name = "local", .run_id = "a/b", .opts = { { "cgroup_root", "/tmp" } }, .n_opts = 1
	};
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	assert_int_equal(ops->open(&cfg, &b, &err), -EINVAL);
	assert_null(b);
	assert_non_null(strstr(err.msg, "run id 'a/b'"));
	cfg.run_id = "ok";
	cfg.opts[0].value = "/nonexistent/isolab";
	assert_int_equal(ops->open(&cfg, &b, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no cgroup filesystem mounted at /nonexistent/isolab"));
	assert_null(b);
	ops->close(NULL);
}

static void caps_v1_say_scheduler_mapping_and_what_is_missing(void **state)
{
	struct fake_opts o = { .blkio_knob = "" };
	char *root = fake_tree_new(FAKE_V1, &o);
	struct backend *b = open_ok(root, NULL);
	struct backend_caps caps;
	struct backend_err err = { 0 };

	assert_int_equal(ops->caps(b, &caps, &err), 0);
	assert_string_equal(caps.scheduler, "cgroup-v1");
	assert_true(caps.weight);
	assert_true(caps.cap);
	assert_true(caps.live);
	assert_non_null(strstr(caps.notes, "cgroup v1 at"));
	assert_non_null(strstr(caps.notes, "cpu.shares w*4"));
	assert_non_null(strstr(caps.notes, "has no controllers: used only to track processes"));
	assert_non_null(strstr(caps.notes, "neither blkio.weight nor blkio.bfq.weight"));
	assert_null(strstr(caps.notes, "no io controller:")); /* said once, precisely */
	ops->close(b);
	fake_tree_free(root);
}

static void caps_v2_without_cpu_controller_offer_no_weight(void **state)
{
	struct fake_opts o = { .v2_avail = "cpu memory pids", .v2_enabled = "memory pids" };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct backend *b = open_ok(root, NULL);
	struct backend_caps caps;

	assert_int_equal(ops->caps(b, &caps, NULL), 0);
	assert_false(caps.weight);
	assert_false(caps.cap);
	assert_string_equal(caps.scheduler, "cgroup-none");
	assert_non_null(strstr(caps.notes, "cpu controller available but not enabled"));
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_v2_creates_vms_with_limits_and_probe_priority(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = prepared(root, "r1");

	expect(root, "isolab-r1/cgroup.subtree_control", "+cpu +memory +io +pids");
	expect(root, "isolab-r1/isolab-r1-web/cpu.weight", "100\n"); /* untouched default */
	expect(root, "isolab-r1/isolab-r1-noisy/memory.max", "33554432");
	expect(root, "isolab-r1/isolab-r1-noisy/memory.swap.max", "0");
	expect(root, "isolab-r1/isolab-r1-noisy/pids.max", "64");
	expect(root, "isolab-r1/isolab-r1-noisy/io.weight", "200");
	expect(root, "isolab-r1/isolab-r1-noisy/cpu.max", "50000 100000");
	expect(root, "isolab-r1/isolab-r1-client/cpu.weight", "10000");
	expect(root, "isolab-r1/isolab-r1-client/io.weight", "10000");
	expect(root, "isolab-r1/isolab-r1-client/memory.max", "max\n"); /* no pressure */
	assert_non_null(strstr(backend_local_probe_protection(b), "isolab-r1-client"));
	assert_non_null(strstr(backend_local_probe_protection(b), "cpu.weight=10000"));
	assert_non_null(strstr(backend_local_probe_protection(b), "oom_score_adj -500"));
	assert_null(backend_local_vm_addr(b, "web")); /* fake tree: no network */
	ops->close(b);
	assert_false(fake_exists(root, "isolab-r1")); /* close tore the run down */
	fake_tree_free(root);
}

/*
 * With 2+ CPUs and no share_probe_cpu the probe has the last CPU to itself: it keeps a
 * default VM's CPU weight (the top one would draw the run parent's weight off the VMs'
 * CPUs) and the top io weight; the manifest's sentence says where each runs.
 */
static void prepare_pinned_probe_keeps_a_default_cpu_weight(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend_config cfg = {
		.name = "local", .run_id = "r1", .opts = { { "cgroup_root", root } }, .n_opts = 1
	};
	struct backend_err err = { 0 };
	struct backend *b = NULL;
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || CPU_COUNT(&set) < 2) {
		fake_tree_free(root);
		skip(); /* one CPU: nothing to pin */
	}
	assert_int_equal(ops->open(&cfg, &b, &err), 0);
	assert_int_equal(backend_local_prepare(b, three, 3, &err), 0);
	expect(root, "isolab-r1/isolab-r1-client/cpu.weight", "100\n"); /* untouched default */
	expect(root, "isolab-r1/isolab-r1-client/io.weight", "10000");
	assert_non_null(strstr(backend_local_probe_protection(b), " on CPU "));
	assert_non_null(
		strstr(backend_local_probe_protection(b), "cpu.weight=100, a default VM's"));
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_v1_writes_every_hierarchy(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct backend *b = prepared(root, "r1");
	struct backend_err err = { 0 };

	expect(root, "cpu/isolab-r1/isolab-r1-client/cpu.shares", "262140");
	expect(root, "cpu/isolab-r1/isolab-r1-noisy/cpu.cfs_quota_us", "50000");
	expect(root, "memory/isolab-r1/isolab-r1-noisy/memory.limit_in_bytes", "33554432");
	expect(root, "memory/isolab-r1/isolab-r1-noisy/memory.memsw.limit_in_bytes", "33554432");
	expect(root, "pids/isolab-r1/isolab-r1-noisy/pids.max", "64");
	expect(root, "blkio/isolab-r1/isolab-r1-noisy/blkio.weight", "1000");
	expect(root, "blkio/isolab-r1/isolab-r1-client/blkio.weight", "1000");
	assert_true(fake_exists(root, "unified/isolab-r1/isolab-r1-web"));
	assert_int_equal(backend_local_teardown(b, &err), 0);
	assert_int_equal(backend_local_teardown(b, &err), 0); /* idempotent */
	assert_false(fake_exists(root, "cpu/isolab-r1"));
	assert_false(fake_exists(root, "memory/isolab-r1"));
	assert_false(fake_exists(root, "unified/isolab-r1"));
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_rejects_bad_specs_and_creates_nothing(void **state)
{
	static const struct {
		struct backend_vm v[2];
		size_t n;
		int ret;
	} cases[] = {
		{ { { .name = "a" }, { .name = "a" } }, 2, -EINVAL },
		{ { { .name = "sw" } }, 1, -EINVAL },
		{ { { .name = "isolab-x" } }, 1, -EINVAL },
		{ { { .name = "" } }, 1, -EINVAL },
		{ { { .name = NULL } }, 1, -EINVAL },
		{ { { .name = "a b" } }, 1, -EINVAL },
		{ { { .name = "a" } }, 0, -EINVAL },
		{ { { .name = "a", .cpu_max_pct = XEN_CAP_MAX + 1 } }, 1, -ERANGE },
		{ { { .name = "a", .io_weight = 70000 } }, 1, -ERANGE },
		{ { { .name = "a", .role = (enum backend_role)9 } }, 1, -EINVAL },
	};
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = open_ok(root, "r1");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct backend_err err = { 0 };
		int r = backend_local_prepare(b, cases[i].v, cases[i].n, &err);

		if (r != cases[i].ret)
			fail_msg("case %zu: want %d got %d (%s)", i, cases[i].ret, r, err.msg);
		assert_true(err.msg[0] != '\0');
		assert_false(fake_exists(root, "isolab-r1"));
	}
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_refuses_memory_limit_without_memory_controller(void **state)
{
	struct fake_opts o = { .v2_avail = "cpu pids" };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct backend *b = open_ok(root, "r1");
	struct backend_err err = { 0 };

	assert_int_equal(backend_local_prepare(b, three, 3, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "memory bombs cannot be bounded"));
	assert_false(fake_exists(root, "isolab-r1")); /* what was made is gone again */
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_without_io_weight_goes_on_and_says_so(void **state)
{
	struct fake_opts o = { .blkio_knob = "" };
	char *root = fake_tree_new(FAKE_V1, &o);
	struct backend *b = prepared(root, "r1");
	struct backend_caps caps;

	assert_int_equal(ops->caps(b, &caps, NULL), 0);
	assert_non_null(strstr(caps.notes, "io weight of VM noisy not set: no io controller"));
	ops->close(b);
	fake_tree_free(root);
}

static void prepare_twice_or_over_leftovers_fails(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = prepared(root, "r1");
	struct backend *b2 = open_ok(root, "r1");
	struct backend *b3 = open_ok(root, NULL);
	struct backend_err err = { 0 };

	assert_int_equal(backend_local_prepare(b, three, 3, &err), -EALREADY);
	assert_int_equal(backend_local_prepare(b2, three, 3, &err), -EEXIST);
	assert_non_null(strstr(err.msg, "isolab restore"));
	assert_int_equal(backend_local_prepare(b3, three, 3, &err), -EINVAL); /* no run id */
	ops->close(b2);
	assert_true(fake_exists(root, "isolab-r1/isolab-r1-web")); /* b2 took nothing of b's */
	ops->close(b3);
	ops->close(b);
	fake_tree_free(root);
}

static void sched_set_get_by_vm_name_and_full_cgroup_name(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = prepared(root, "r1");
	struct backend *op = open_ok(root, NULL); /* the operator's `isolab sched` */
	struct sched_params p = { .weight = 2048, .cap = 25 }, got = { -1, -1 };
	struct backend_err err = { 0 };
	bool live = false, exact = false;

	assert_int_equal(ops->sched_set(b, "web", &p, &err), 0);
	expect(root, "isolab-r1/isolab-r1-web/cpu.weight", "800");
	expect(root, "isolab-r1/isolab-r1-web/cpu.max", "25000 100000");
	assert_int_equal(ops->sched_get(op, "isolab-r1-web", &got, &live, &err), 0);
	assert_int_equal(got.weight, 2048);
	assert_int_equal(got.cap, 25);
	assert_true(live);
	p = (struct sched_params){ .weight = -1, .cap = 0 }; /* leave weight, lift cap */
	assert_int_equal(ops->sched_set(op, "isolab-r1-web", &p, &err), 0);
	assert_int_equal(backend_local_sched_get_exact(b, "web", &got, &exact, &err), 0);
	assert_int_equal(got.weight, 2048);
	assert_int_equal(got.cap, 0);
	assert_true(exact);
	fake_write(root, "isolab-r1/isolab-r1-web/cpu.weight", "151\n");
	assert_int_equal(backend_local_sched_get_exact(b, "web", &got, &exact, &err), 0);
	assert_int_equal(got.weight, 387);
	ops->close(op);
	ops->close(b);
	fake_tree_free(root);
}

static void vm_cpu_time_reads_the_cgroup_else_its_processes(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = prepared(root, "r1");
	struct backend_err err = { 0 };
	const char *src = NULL;
	char pid[32];
	uint64_t ns = 0;

	/* v2: cpu.stat's usage_usec */
	fake_write(root, "isolab-r1/isolab-r1-web/cpu.stat",
		   "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n");
	assert_int_equal(ops->vm_cpu_time(b, "web", &ns, &src, &err), 0);
	assert_int_equal(ns, 1500000000ULL);
	assert_string_equal(src, "cgroup cpu.stat");
	/* v1 with cpuacct beside cpu: cpuacct.usage in ns */
	fake_write(root, "isolab-r1/isolab-r1-web/cpuacct.usage", "2500000123\n");
	assert_int_equal(ops->vm_cpu_time(b, "web", &ns, &src, &err), 0);
	assert_int_equal(ns, 2500000123ULL);
	assert_string_equal(src, "cgroup cpuacct.usage");
	fake_write(root, "isolab-r1/isolab-r1-web/cpuacct.usage", "lots\n");
	assert_int_equal(ops->vm_cpu_time(b, "web", &ns, &src, &err), -EINVAL);
	/* neither (v1 with cpuacct mounted apart): the processes' own times, here ours */
	fake_write(root, "isolab-r1/isolab-r1-noisy/cpu.stat", "nr_periods 0\n");
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fake_write(root, "isolab-r1/isolab-r1-noisy/cgroup.procs", pid);
	for (volatile unsigned long i = 0; i < 50000000UL; i++)
		; /* burn some CPU for the counter to show */
	assert_int_equal(ops->vm_cpu_time(b, "noisy", &ns, &src, &err), 0);
	assert_true(ns >= 10000000ULL); /* at least one 10 ms tick */
	assert_string_equal(src, "the VM's processes (/proc/PID/stat)");
	assert_int_equal(ops->vm_cpu_time(b, "nosuch", &ns, &src, &err), -ENOENT);
	ops->close(b);
	fake_tree_free(root);
}

static void sched_errors_are_precise(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct backend *b = prepared(root, "r1");
	struct backend *op = open_ok(root, NULL);
	struct sched_params got, p = { .weight = 0, .cap = -1 };
	struct backend_err err = { 0 };

	assert_int_equal(ops->sched_set(b, "web", &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "weight 0 out of range 1-65535"));
	p = (struct sched_params){ .weight = 65536, .cap = -1 };
	assert_int_equal(ops->sched_set(b, "web", &p, &err), -EINVAL);
	p = (struct sched_params){ .weight = -1, .cap = XEN_CAP_MAX + 1 };
	assert_int_equal(ops->sched_set(b, "web", &p, &err), -EINVAL);
	assert_int_equal(ops->sched_get(b, "nosuch", &got, NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no VM 'nosuch' in run r1"));
	assert_int_equal(ops->sched_get(op, "web", &got, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "isolab-<run>-<vm>"));
	assert_int_equal(ops->sched_get(op, "isolab-r9-web", &got, NULL, &err), -ENOENT);
	assert_int_equal(ops->sched_get(op, "", &got, NULL, &err), -EINVAL);
	assert_int_equal(ops->sched_get(b, "../x", &got, NULL, &err), -EINVAL);
	ops->close(op);
	ops->close(b);
	fake_tree_free(root);
}

static void list_vms_lists_every_run_with_mapped_weights(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *a = prepared(root, "r1");
	struct backend *b = open_ok(root, "r2");
	struct backend *op = open_ok(root, NULL);
	static const struct backend_vm one[] = { { .name = "solo" } };
	struct backend_err err = { 0 };
	struct vm_info *vms = NULL;
	size_t n = 0, seen = 0;

	assert_int_equal(backend_local_prepare(b, one, 1, &err), 0);
	fake_write(root, "isolab-r2/isolab-r2-solo/cgroup.procs", "1\n");
	assert_int_equal(ops->list_vms(op, &vms, &n, &err), 0);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(vms[i].name, "isolab-r1-client") == 0) {
			assert_int_equal(vms[i].sched.weight, 25600); /* cpu.weight 10000 */
			assert_string_equal(vms[i].power_state, "Halted");
			seen++;
		} else if (strcmp(vms[i].name, "isolab-r1-noisy") == 0) {
			assert_int_equal(vms[i].sched.weight, 256);
			assert_int_equal(vms[i].sched.cap, 50);
			assert_non_null(strstr(vms[i].id, "isolab-r1/isolab-r1-noisy"));
			seen++;
		} else if (strcmp(vms[i].name, "isolab-r2-solo") == 0) {
			assert_string_equal(vms[i].power_state, "Running");
			seen++;
		}
	}
	assert_int_equal(seen, 3);
	vm_info_array_free(vms, n);
	fake_write(root, "isolab-r2/isolab-r2-solo/cgroup.procs", "");
	ops->close(op);
	ops->close(b);
	ops->close(a);
	fake_tree_free(root);
}

static void describe_writes_cgroup_facts(void **state)
{
	char *root = fake_tree_new(FAKE_HYBRID, NULL);
	struct backend *b = prepared(root, "r1");
	struct json_writer *w = json_new(0);
	const char *text;

	assert_non_null(w);
	json_obj_begin(w);
	ops->describe(b, w);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	text = json_data(w, NULL);
	assert_non_null(strstr(text, "\"cgroup_mode\":\"hybrid\""));
	assert_non_null(strstr(text, "\"controllers\":{\"cpu\":\"v2\",\"memory\":\"v2\","
				     "\"io\":\"v1\",\"pids\":\"v1\"}"));
	assert_non_null(strstr(text, "\"cpu_weight_knob\":\"cpu.weight\""));
	assert_non_null(strstr(text, "\"io_weight_knob\":\"blkio.weight\""));
	assert_non_null(strstr(text, "\"run_id\":\"r1\""));
	assert_non_null(strstr(text, "\"probe_protection\":\"the probe runs in its own cgroup"));
	json_free(w);
	ops->close(b);
	fake_tree_free(root);
}

static void enter_in_child_joins_every_cgroup(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct backend *b = prepared(root, "r1");
	int st;
	pid_t pid = fork();
	char *v;

	if (pid == 0)
		_exit(backend_local_enter(b, "noisy") == 0 ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	for (int i = 0; i < 5; i++) {
		static const char *const h[] = { "unified", "cpu", "memory", "blkio", "pids" };
		char rel[128];

		snprintf(rel, sizeof(rel), "%s/isolab-r1/isolab-r1-noisy/cgroup.procs", h[i]);
		v = fake_read(root, rel);
		assert_non_null(v);
		assert_string_equal(v, "0");
		free(v);
		fake_write(root, rel, "");
	}
	v = fake_read(root, "cpu/isolab-r1/isolab-r1-web/cgroup.procs");
	assert_string_equal(v, "");
	free(v);
	assert_int_equal(backend_local_enter(b, "nosuch"), -ENOENT);
	assert_int_equal(backend_local_enter(NULL, "web"), -EINVAL);
	ops->close(b);
	fake_tree_free(root);
}

static void cleanup_run_removes_a_crashed_run_by_name(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct backend *other = prepared(root, "r2");
	struct backend_err err = { 0 };
	int st, n;
	pid_t pid = fork();

	if (pid == 0) {
		struct backend *b = prepared(root, "r1");

		(void)b;
		_exit(0); /* "crash": no teardown, no close */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(fake_exists(root, "cpu/isolab-r1/isolab-r1-web"));

	n = backend_local_cleanup_run("r1", root, &err);
	assert_int_equal(n, 4 * 5); /* run parent + 3 VMs in each of 5 hierarchies */
	assert_false(fake_exists(root, "cpu/isolab-r1"));
	assert_false(fake_exists(root, "memory/isolab-r1"));
	assert_true(fake_exists(root, "cpu/isolab-r2/isolab-r2-web")); /* another run: kept */
	assert_int_equal(backend_local_cleanup_run("r1", root, &err), 0);
	assert_int_equal(backend_local_cleanup_run("a/b", root, &err), -EINVAL);
	assert_int_equal(backend_local_cleanup_run(NULL, root, &err), 20);
	assert_false(fake_exists(root, "cpu/isolab-r2"));
	ops->close(other);
	fake_tree_free(root);
}

static void close_in_a_forked_child_leaves_the_run(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = prepared(root, "r1");
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		ops->close(b); /* e.g. a cleanup stack run in a child by mistake */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(fake_exists(root, "isolab-r1/isolab-r1-web"));
	ops->close(b);
	assert_false(fake_exists(root, "isolab-r1"));
	fake_tree_free(root);
}

/* What a run's journal would hold: each fact, and whether its object existed when noted. */
struct noted {
	char key[16][16];
	char val[16][512];
	size_t n;
	size_t existed;
};

static int note_fact(void *arg, const char *vm, const char *key, const char *value)
{
	struct noted *j = arg;

	(void)vm;
	assert_true(j->n < 16);
	snprintf(j->key[j->n], sizeof(j->key[0]), "%s", key);
	snprintf(j->val[j->n], sizeof(j->val[0]), "%s", value);
	j->n++;
	if (strcmp(key, "cgroup") == 0 && access(value, F_OK) == 0)
		j->existed++;
	return 0;
}

static void provision_vm(struct backend *b, const char *vm, struct noted *j)
{
	struct backend_make m = { .name = vm, .ident = vm, .run_id = "r1" };
	struct backend_err err = { 0 };
	char id[BACKEND_ID_MAX];

	m.note = note_fact;
	m.note_arg = j;
	if (ops->provision(b, &m, id, sizeof(id), &err) != 0)
		fail_msg("provision %s: %s: %s", vm, err.code, err.msg);
	assert_string_equal(id, vm);
	assert_int_equal(ops->wait_ready(b, id, 0, &err), 0);
}

static void provision_journals_each_vm_before_making_it(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = open_ok(root, "r1");
	struct backend_err err = { 0 };
	struct noted j = { 0 };

	assert_int_equal(ops->prepare(b, three, 3, &err), 0);
	/* the plan makes the run's parent only: each VM is provision()'s */
	assert_true(fake_exists(root, "isolab-r1"));
	assert_false(fake_exists(root, "isolab-r1/isolab-r1-noisy"));
	assert_int_equal(ops->wait_ready(b, "noisy", 0, &err), -ENOENT);
	assert_int_equal(ops->enter(b, "noisy"), -ENOENT);
	provision_vm(b, "noisy", &j);
	assert_int_equal(j.n, 2);
	assert_string_equal(j.key[0], "name");
	assert_string_equal(j.val[0], "noisy");
	assert_string_equal(j.key[1], "cgroup");
	assert_int_equal(j.existed, 0); /* noted before it was made */
	assert_int_equal(access(j.val[1], F_OK), 0);
	assert_non_null(strstr(j.val[1], "/isolab-r1/isolab-r1-noisy"));
	expect(root, "isolab-r1/isolab-r1-noisy/memory.max", "33554432");
	expect(root, "isolab-r1/isolab-r1-noisy/pids.max", "64");
	provision_vm(b, "web", &j);
	provision_vm(b, "client", &j);
	assert_int_equal(ops->provision(b, &(struct backend_make){ .name = "web", .ident = "web" },
					j.val[0], sizeof(j.val[0]), &err),
			 -EALREADY);
	/* one VM goes, the others stay */
	assert_int_equal(ops->unprovision(b, "noisy", &err), 0);
	assert_false(fake_exists(root, "isolab-r1/isolab-r1-noisy"));
	assert_true(fake_exists(root, "isolab-r1/isolab-r1-web"));
	assert_int_equal(ops->wait_ready(b, "noisy", 0, &err), -ENOENT);
	assert_int_equal(ops->unprovision(b, "noisy", &err), 0); /* gone already: done */
	assert_int_equal(ops->teardown(b, &err), 0);
	assert_false(fake_exists(root, "isolab-r1"));
	ops->close(b);
	fake_tree_free(root);
}

static void unprovision_noted_removes_only_the_runs_tagged_objects(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct backend *b = open_ok(root, "r1"), *other = prepared(root, "r2");
	struct backend_config cfg = { .name = "local" };
	struct backend_err err = { 0 };
	struct noted j = { 0 };
	char path[600], dotdot[700];
	struct backend_kv facts[1];

	assert_int_equal(ops->prepare(b, three, 3, &err), 0);
	provision_vm(b, "web", &j);
	/* a restore after a crash: the run's own noted objects go */
	facts[0] = (struct backend_kv){ j.key[1], j.val[1] };
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), 0);
	assert_false(fake_exists(root, "isolab-r1/isolab-r1-web"));
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), 0); /* idempotent */
	/* another run's, or a path that only looks like ours: left alone, said so */
	snprintf(path, sizeof(path), "%s/isolab-r2/isolab-r2-web", root);
	snprintf(dotdot, sizeof(dotdot), "%s/isolab-r1/../isolab-r2/isolab-r2-web", root);
	facts[0] = (struct backend_kv){ "cgroup", path };
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), -EPERM);
	assert_non_null(strstr(err.msg, "left alone"));
	facts[0] = (struct backend_kv){ "cgroup", dotdot };
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), -EPERM);
	facts[0] = (struct backend_kv){ "netns", "isolab-r2-web" };
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), -EPERM);
	facts[0] = (struct backend_kv){ "cgroup", "isolab-r1/isolab-r1-web" }; /* relative */
	assert_int_equal(ops->unprovision_noted(&cfg, "r1", facts, 1, &err), -EPERM);
	assert_true(fake_exists(root, "isolab-r2/isolab-r2-web"));
	ops->close(b);
	ops->close(other);
	fake_tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_without_root_needs_root),
		cmocka_unit_test(open_rejects_bad_run_id_and_missing_cgroupfs),
		cmocka_unit_test(caps_v1_say_scheduler_mapping_and_what_is_missing),
		cmocka_unit_test(caps_v2_without_cpu_controller_offer_no_weight),
		cmocka_unit_test(prepare_v2_creates_vms_with_limits_and_probe_priority),
		cmocka_unit_test(prepare_pinned_probe_keeps_a_default_cpu_weight),
		cmocka_unit_test(prepare_v1_writes_every_hierarchy),
		cmocka_unit_test(prepare_rejects_bad_specs_and_creates_nothing),
		cmocka_unit_test(prepare_refuses_memory_limit_without_memory_controller),
		cmocka_unit_test(prepare_without_io_weight_goes_on_and_says_so),
		cmocka_unit_test(prepare_twice_or_over_leftovers_fails),
		cmocka_unit_test(sched_set_get_by_vm_name_and_full_cgroup_name),
		cmocka_unit_test(sched_errors_are_precise),
		cmocka_unit_test(vm_cpu_time_reads_the_cgroup_else_its_processes),
		cmocka_unit_test(list_vms_lists_every_run_with_mapped_weights),
		cmocka_unit_test(describe_writes_cgroup_facts),
		cmocka_unit_test(enter_in_child_joins_every_cgroup),
		cmocka_unit_test(cleanup_run_removes_a_crashed_run_by_name),
		cmocka_unit_test(close_in_a_forked_child_leaves_the_run),
		cmocka_unit_test(provision_journals_each_vm_before_making_it),
		cmocka_unit_test(unprovision_noted_removes_only_the_runs_tagged_objects),
	};

	return cmocka_run_group_tests(tests, NULL, fake_cleanup_all);
}
