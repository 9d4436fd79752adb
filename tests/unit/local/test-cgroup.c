// SPDX-License-Identifier: MIT
/* cgroup.c on fake trees: detection (v2, v1, hybrid), names, knob writing, removal, scans. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "backend.h"
#include "cgroup-knob.h"
#include "cgroup-path.h"
#include "fake-cgroup.h"

static char *pj(const char *a, const char *b)
{
	static char buf[4][600];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", a, b);
	return buf[i];
}

static struct cg_sys *detect_ok(const char *root)
{
	struct cg_sys *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(cg_detect(root, s), 0);
	/* as the backend does: the io knob that works on the fake disk (io.cost: io.weight) */
	cg_choose_io(s, "/var/lib/isolab", false);
	return s;
}

static void detect_v2_finds_every_controller_on_one_hierarchy(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct cg_sys *s = detect_ok(root);

	assert_int_equal(s->mode, CG_MODE_V2);
	assert_int_equal(s->n_hier, 1);
	assert_int_equal(s->hier[0].version, 2);
	assert_string_equal(s->hier[0].base, root); /* runs at the root: no internal processes */
	for (int c = 0; c < CG_NR_CTRL; c++)
		assert_int_equal(s->ctrl_hier[c], 0);
	assert_true(s->has_cfs);
	assert_string_equal(s->io_knob, "io.weight");
	assert_string_equal(cg_ctrl_name(s, CG_IO), "io");
	assert_null(strstr(s->notes, "no "));
	free(s);
	fake_tree_free(root);
}

static void detect_v2_reports_controllers_not_enabled_for_children(void **state)
{
	struct fake_opts o = { .v2_avail = "cpu io memory pids", .v2_enabled = "cpu pids" };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct cg_sys *s = detect_ok(root);

	assert_true(cg_has(s, CG_CPU));
	assert_true(cg_has(s, CG_PIDS));
	assert_false(cg_has(s, CG_MEMORY));
	assert_false(cg_has(s, CG_IO));
	assert_non_null(strstr(s->notes, "memory controller available but not enabled"));
	assert_non_null(
		strstr(s->notes, "echo +memory > it to enable): memory limits unavailable"));
	assert_non_null(strstr(s->notes, "io controller available but not enabled"));
	assert_null(strstr(s->notes, "no memory controller")); /* said once, precisely */
	free(s);
	fake_tree_free(root);
}

static void detect_v1_uses_one_hierarchy_per_controller(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_sys *s = detect_ok(root);
	char p[600];

	assert_int_equal(s->mode, CG_MODE_V1);
	/* the empty v2 mount (tracking only) plus cpu, memory, blkio, pids */
	assert_int_equal(s->n_hier, 5);
	assert_int_equal(s->hier[0].version, 2);
	assert_int_equal(s->hier[0].ctrls, 0);
	snprintf(p, sizeof(p), "%s/cpu", root);
	assert_string_equal(s->hier[s->ctrl_hier[CG_CPU]].mount, p);
	snprintf(p, sizeof(p), "%s/blkio", root);
	assert_string_equal(s->hier[s->ctrl_hier[CG_IO]].mount, p);
	assert_int_equal(cg_ctrl_version(s, CG_MEMORY), 1);
	assert_string_equal(cg_ctrl_name(s, CG_IO), "blkio");
	assert_string_equal(s->io_knob, "blkio.weight");
	assert_true(s->has_cfs);
	assert_true(s->has_memsw);
	assert_string_equal(cg_mode_name(s->mode), "v1");
	free(s);
	fake_tree_free(root);
}

static void detect_v1_says_plainly_what_is_missing(void **state)
{
	struct fake_opts o = { .blkio_knob = "", .no_memsw = true, .no_cfs = true };
	char *root = fake_tree_new(FAKE_V1, &o);
	struct cg_sys *s = detect_ok(root);

	assert_false(cg_has(s, CG_IO));
	assert_false(s->has_cfs);
	assert_false(s->has_memsw);
	assert_non_null(strstr(s->notes, "neither blkio.weight nor blkio.bfq.weight"));
	assert_non_null(strstr(s->notes, "cap unavailable"));
	assert_non_null(strstr(s->notes, "swap accounting off"));
	free(s);
	fake_tree_free(root);
}

static void detect_v1_prefers_bfq_weight(void **state)
{
	struct fake_opts o = { .blkio_knob = "blkio.bfq.weight" };
	char *root = fake_tree_new(FAKE_V1, &o);
	struct cg_sys *s = detect_ok(root);

	assert_string_equal(s->io_knob, "blkio.bfq.weight");
	free(s);
	fake_tree_free(root);
}

static void detect_v1_follows_a_combined_cpu_cpuacct_mount(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct backend_err err = { 0 };
	struct cg_group run, vm;
	struct cg_sys *s;
	char *v;

	/* as most v1 distros mount it: cpu,cpuacct with cpu and cpuacct as symlinks */
	assert_int_equal(rename(pj(root, "cpu"), pj(root, "cpu,cpuacct")), 0);
	assert_int_equal(symlink("cpu,cpuacct", pj(root, "cpu")), 0);
	s = detect_ok(root);
	assert_int_equal(cg_ctrl_version(s, CG_CPU), 1);
	assert_true(s->has_cfs);
	assert_int_equal(cg_run_group(s, "r1", &run), 0);
	assert_int_equal(cg_vm_group(s, "r1", "web", &vm), 0);
	assert_int_equal(cg_create_run(s, &run, &err), 0);
	assert_int_equal(cg_create_vm(s, &vm, &err), 0);
	assert_int_equal(cg_set_cpu_weight(s, &vm, 128, &err), 0);
	v = fake_read(root, "cpu,cpuacct/isolab-r1/isolab-r1-web/cpu.shares");
	assert_non_null(v);
	assert_string_equal(v, "512");
	free(v);
	assert_int_equal(cg_remove_tree(run.dir[s->ctrl_hier[CG_CPU]], NULL), 0);
	assert_false(fake_exists(root, "cpu,cpuacct/isolab-r1"));
	free(s);
	fake_tree_free(root);
}

static void detect_hybrid_splits_controllers(void **state)
{
	char *root = fake_tree_new(FAKE_HYBRID, NULL);
	struct cg_sys *s = detect_ok(root);

	assert_int_equal(s->mode, CG_MODE_HYBRID);
	assert_int_equal(cg_ctrl_version(s, CG_CPU), 2);
	assert_int_equal(cg_ctrl_version(s, CG_MEMORY), 2);
	assert_int_equal(cg_ctrl_version(s, CG_IO), 1);
	assert_int_equal(cg_ctrl_version(s, CG_PIDS), 1);
	assert_string_equal(cg_mode_name(s->mode), "hybrid");
	free(s);
	fake_tree_free(root);
}

static void detect_fails_without_any_cgroup_mount(void **state)
{
	char *root = fake_tree_new(FAKE_NONE, NULL);
	struct cg_sys s;

	assert_int_equal(cg_detect(root, &s), -ENOENT);
	assert_int_equal(cg_detect("/nonexistent/isolab", &s), -ENOENT);
	fake_tree_free(root);
}

static void parse_proc_cgroup_finds_v1_and_v2_lines(void **state)
{
	const char *text = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/ab12\n"
			   "2:cpu,cpuacct:/user.slice\n0::/init.scope\n";
	char buf[64];

	assert_int_equal(cgroup_path_parse(text, "memory", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/process_api/ab12");
	assert_int_equal(cgroup_path_parse(text, "cpu", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/user.slice");
	assert_int_equal(cgroup_path_parse(text, "cpuacct", buf, sizeof(buf)), 0);
	assert_int_equal(cgroup_path_parse(text, NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/init.scope");
	assert_int_equal(cgroup_path_parse(text, "blkio", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_path_parse(text, "memory", buf, 8), -ENAMETOOLONG);
	assert_int_equal(cgroup_path_parse("garbage", "cpu", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_path_parse("", NULL, buf, sizeof(buf)), -ENOENT);
}

static void name_valid_accepts_run_ids_and_rejects_paths(void **state)
{
	static const char *const good[] = { "20261122-101500-ab12", "web", "a.b_c-d", "x" };
	static const char *const bad[] = {
		"",    ".",
		"..",  "a/b",
		"a b", "web\n",
		"é",   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(cg_name_valid(good[i]));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(cg_name_valid(bad[i]));
	assert_false(cg_name_valid(NULL));
}

/* Creates run r1 and vm web on a fresh tree. */
static struct cg_sys *make_vm(char *root, struct cg_group *run, struct cg_group *vm)
{
	struct cg_sys *s = detect_ok(root);
	struct backend_err err = { 0 };

	assert_int_equal(cg_run_group(s, "r1", run), 0);
	assert_int_equal(cg_vm_group(s, "r1", "web", vm), 0);
	assert_int_equal(cg_create_run(s, run, &err), 0);
	assert_int_equal(cg_create_vm(s, vm, &err), 0);
	return s;
}

static void create_run_enables_controllers_for_children_on_v2(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	char *sc = fake_read(root, "isolab-r1/cgroup.subtree_control");

	assert_string_equal(sc, "+cpu +memory +io +pids");
	assert_true(fake_exists(root, "isolab-r1/isolab-r1-web/cpu.weight"));
	assert_true(fake_exists(root, "isolab-r1/isolab-r1-web/memory.max"));
	free(sc);
	free(s);
	fake_tree_free(root);
}

static void create_run_twice_is_eexist(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };

	assert_int_equal(cg_create_run(s, &run, &err), -EEXIST);
	assert_string_equal(err.code, "EEXIST");
	assert_non_null(strstr(err.msg, "isolab restore"));
	free(s);
	fake_tree_free(root);
}

static void knobs_v2_write_weight_cap_memory_pids_io(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };
	const char *d = "isolab-r1/isolab-r1-web/";
	char rel[128];
	char *v;
	int w, cap;
	bool exact;

#define KNOB(name, want)                                                                           \
	do {                                                                                       \
		snprintf(rel, sizeof(rel), "%s%s", d, name);                                       \
		v = fake_read(root, rel);                                                          \
		assert_non_null(v);                                                                \
		assert_string_equal(v, want);                                                      \
		free(v);                                                                           \
	} while (0)

	assert_int_equal(cg_set_cpu_weight(s, &vm, 2048, &err), 0);
	KNOB("cpu.weight", "800");
	assert_int_equal(cg_set_cap(s, &vm, 50, &err), 0);
	KNOB("cpu.max", "50000 100000");
	assert_int_equal(cg_get_sched(s, &vm, &w, &cap, &exact, &err), 0);
	assert_int_equal(w, 2048);
	assert_int_equal(cap, 50);
	assert_true(exact);
	assert_int_equal(cg_set_cap(s, &vm, 0, &err), 0);
	KNOB("cpu.max", "max 100000");
	assert_int_equal(cg_set_memory_max(s, &vm, 32 << 20, &err), 0);
	KNOB("memory.max", "33554432");
	KNOB("memory.swap.max", "0");
	assert_int_equal(cg_set_pids_max(s, &vm, 64, &err), 0);
	KNOB("pids.max", "64");
	assert_int_equal(cg_set_pids_max(s, &vm, 0, &err), 0);
	KNOB("pids.max", "max");
	assert_int_equal(cg_set_io_weight(s, &vm, 512, &err), 0);
	KNOB("io.weight", "200");
	/* a value set by hand with no exact Xen equivalent is read back as inexact */
	snprintf(rel, sizeof(rel), "%scpu.max", d);
	fake_write(root, rel, "33333 100000\n");
	assert_int_equal(cg_get_sched(s, &vm, &w, &cap, &exact, &err), 0);
	assert_int_equal(cap, 33);
	assert_false(exact);
	free(s);
	fake_tree_free(root);
}

static void knobs_v1_write_shares_quota_limits(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };
	char rel[128];
	char *v;
	int w, cap;
	bool exact;
	const char *d;

	d = "cpu/isolab-r1/isolab-r1-web/";
	assert_int_equal(cg_set_cpu_weight(s, &vm, 512, &err), 0);
	KNOB("cpu.shares", "2048");
	assert_int_equal(cg_set_cap(s, &vm, 150, &err), 0);
	KNOB("cpu.cfs_quota_us", "150000");
	KNOB("cpu.cfs_period_us", "100000");
	assert_int_equal(cg_get_sched(s, &vm, &w, &cap, &exact, &err), 0);
	assert_int_equal(w, 512);
	assert_int_equal(cap, 150);
	assert_true(exact);
	assert_int_equal(cg_set_cap(s, &vm, 0, &err), 0);
	KNOB("cpu.cfs_quota_us", "-1");
	assert_int_equal(cg_get_sched(s, &vm, &w, &cap, &exact, &err), 0);
	assert_int_equal(cap, 0);
	/* cpu.shares 1000 set by hand: Xen 250 gives it back exactly; 1001 cannot be */
	snprintf(rel, sizeof(rel), "%scpu.shares", d);
	fake_write(root, rel, "1001\n");
	assert_int_equal(cg_get_sched(s, &vm, &w, &cap, &exact, &err), 0);
	assert_int_equal(w, 250);
	assert_false(exact);

	d = "memory/isolab-r1/isolab-r1-web/";
	assert_int_equal(cg_set_memory_max(s, &vm, 32 << 20, &err), 0);
	KNOB("memory.limit_in_bytes", "33554432");
	KNOB("memory.memsw.limit_in_bytes", "33554432");
	assert_int_equal(cg_set_memory_max(s, &vm, 0, &err), 0);
	KNOB("memory.limit_in_bytes", "-1");
	KNOB("memory.memsw.limit_in_bytes", "-1");
	d = "pids/isolab-r1/isolab-r1-web/";
	assert_int_equal(cg_set_pids_max(s, &vm, 100, &err), 0);
	KNOB("pids.max", "100");
	d = "blkio/isolab-r1/isolab-r1-web/";
	assert_int_equal(cg_set_io_weight(s, &vm, 128, &err), 0);
	KNOB("blkio.weight", "250");
	free(s);
	fake_tree_free(root);
}

static void knob_missing_is_an_error_naming_the_path(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };

	assert_int_equal(unlink(pj(vm.dir[s->ctrl_hier[CG_CPU]], "cpu.shares")), 0);
	assert_int_equal(cg_set_cpu_weight(s, &vm, 512, &err), -ENOENT);
	assert_string_equal(err.code, "ENOENT");
	assert_non_null(strstr(err.msg, "cpu.shares"));
	assert_int_equal(cg_get_sched(s, &vm, &(int){ 0 }, &(int){ 0 }, NULL, &err), -ENOENT);
	free(s);
	fake_tree_free(root);
}

static void knobs_without_controller_are_eopnotsupp(void **state)
{
	struct fake_opts o = { .v2_avail = "cpu", .v2_enabled = "cpu" };
	char *root = fake_tree_new(FAKE_V2, &o);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };

	assert_int_equal(cg_set_memory_max(s, &vm, 1 << 20, &err), -EOPNOTSUPP);
	assert_non_null(strstr(err.msg, "memory bombs cannot be bounded"));
	assert_int_equal(cg_set_pids_max(s, &vm, 10, &err), -EOPNOTSUPP);
	assert_int_equal(cg_set_io_weight(s, &vm, 10, &err), -EOPNOTSUPP);
	assert_int_equal(cg_set_cpu_weight(s, &vm, 300, &err), 0);
	free(s);
	fake_tree_free(root);
}

static void enter_fds_write_self_into_cgroup_procs(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	int fds[CG_MAX_HIER];
	char *v;

	assert_int_equal(cg_open_procs(s, &vm, fds), 0);
	for (size_t h = 0; h < s->n_hier; h++)
		assert_true(fds[h] >= 0);
	for (size_t h = s->n_hier; h < CG_MAX_HIER; h++)
		assert_int_equal(fds[h], -1);
	assert_int_equal(cg_enter_fds(fds), 0);
	v = fake_read(root, "pids/isolab-r1/isolab-r1-web/cgroup.procs");
	assert_string_equal(v, "0"); /* the kernel reads "0" as "the writer" */
	free(v);
	v = fake_read(root, "unified/isolab-r1/isolab-r1-web/cgroup.procs");
	assert_string_equal(v, "0");
	free(v);
	for (size_t h = 0; h < s->n_hier; h++)
		close(fds[h]);
	free(s);
	fake_tree_free(root);
}

static void *reaper(void *arg)
{
	static int st;
	pid_t pid = *(pid_t *)arg;

	if (waitpid(pid, &st, 0) != pid)
		st = -1;
	return &st;
}

static void remove_tree_kills_listed_processes_and_removes_children_first(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct cg_group run, vm, vm2;
	struct cg_sys *s = make_vm(root, &run, &vm);
	struct backend_err err = { 0 };
	char pidbuf[32];
	int removed = 0, *st;
	pthread_t th;
	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	assert_true(pid > 0);
	/* reaps concurrently, as the kernel drops a dead task from a real cgroup.procs */
	assert_int_equal(pthread_create(&th, NULL, reaper, &pid), 0);
	assert_int_equal(cg_vm_group(s, "r1", "db", &vm2), 0);
	assert_int_equal(cg_create_vm(s, &vm2, &err), 0);
	snprintf(pidbuf, sizeof(pidbuf), "%d\n", (int)pid);
	fake_write(root, "isolab-r1/isolab-r1-db/cgroup.procs", pidbuf);
	assert_true(cg_populated(run.dir[0]));
	assert_false(cg_populated(vm.dir[0]));

	assert_int_equal(cg_remove_tree(run.dir[0], &removed), 0);
	assert_int_equal(pthread_join(th, (void **)&st), 0);
	assert_true(WIFSIGNALED(*st));
	assert_int_equal(WTERMSIG(*st), SIGKILL);
	assert_int_equal(removed, 4); /* one process, two VMs, the run parent */
	assert_false(fake_exists(root, "isolab-r1"));
	free(s);
	fake_tree_free(root);
}

static void remove_tree_is_idempotent(void **state)
{
	char *root = fake_tree_new(FAKE_V1, NULL);
	struct cg_group run, vm;
	struct cg_sys *s = make_vm(root, &run, &vm);
	int removed = 0;

	for (size_t h = 0; h < s->n_hier; h++)
		assert_int_equal(cg_remove_tree(run.dir[h], &removed), 0);
	assert_int_equal(removed, 2 * (int)s->n_hier); /* run parent + vm, per hierarchy */
	assert_false(fake_exists(root, "cpu/isolab-r1"));
	assert_false(fake_exists(root, "unified/isolab-r1"));
	for (size_t h = 0; h < s->n_hier; h++)
		assert_int_equal(cg_remove_tree(run.dir[h], &removed), 0);
	assert_int_equal(removed, 2 * (int)s->n_hier);
	free(s);
	fake_tree_free(root);
}

static int count_run(const char *dir, const char *run, void *arg)
{
	int *n = arg;

	(*n)++;
	return 0;
}

static void scan_runs_finds_runs_by_name_at_any_depth(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	struct cg_sys *s = detect_ok(root);
	int n = 0;

	/* runs at the root, in a slice, and an unrelated directory */
	assert_int_equal(mkdir(pj(root, "isolab-a"), 0755), 0);
	assert_int_equal(mkdir(pj(root, "isolab-a/isolab-a-web"), 0755), 0);
	assert_int_equal(mkdir(pj(root, "user.slice"), 0755), 0);
	assert_int_equal(mkdir(pj(root, "user.slice/isolab-b"), 0755), 0);
	assert_int_equal(mkdir(pj(root, "other"), 0755), 0);

	assert_int_equal(cg_scan_runs(s, 0, NULL, count_run, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(cg_scan_runs(s, 0, "b", count_run, &n), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(cg_scan_runs(s, 0, "a-web", count_run, &n), 0);
	assert_int_equal(n, 0); /* a VM directory is never taken for a run */
	assert_int_equal(cg_scan_runs(s, 7, NULL, count_run, &n), -EINVAL);
	free(s);
	fake_tree_free(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detect_v2_finds_every_controller_on_one_hierarchy),
		cmocka_unit_test(detect_v2_reports_controllers_not_enabled_for_children),
		cmocka_unit_test(detect_v1_uses_one_hierarchy_per_controller),
		cmocka_unit_test(detect_v1_says_plainly_what_is_missing),
		cmocka_unit_test(detect_v1_prefers_bfq_weight),
		cmocka_unit_test(detect_v1_follows_a_combined_cpu_cpuacct_mount),
		cmocka_unit_test(detect_hybrid_splits_controllers),
		cmocka_unit_test(detect_fails_without_any_cgroup_mount),
		cmocka_unit_test(parse_proc_cgroup_finds_v1_and_v2_lines),
		cmocka_unit_test(name_valid_accepts_run_ids_and_rejects_paths),
		cmocka_unit_test(create_run_enables_controllers_for_children_on_v2),
		cmocka_unit_test(create_run_twice_is_eexist),
		cmocka_unit_test(knobs_v2_write_weight_cap_memory_pids_io),
		cmocka_unit_test(knobs_v1_write_shares_quota_limits),
		cmocka_unit_test(knob_missing_is_an_error_naming_the_path),
		cmocka_unit_test(knobs_without_controller_are_eopnotsupp),
		cmocka_unit_test(enter_fds_write_self_into_cgroup_procs),
		cmocka_unit_test(remove_tree_kills_listed_processes_and_removes_children_first),
		cmocka_unit_test(remove_tree_is_idempotent),
		cmocka_unit_test(scan_runs_finds_runs_by_name_at_any_depth),
	};

	return cmocka_run_group_tests(tests, NULL, fake_cleanup_all);
}
