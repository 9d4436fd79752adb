// SPDX-License-Identifier: MIT
/*
 * The local backend under systemd (a fake systemd on a fake v2 tree: the run in a
 * delegated scope) and the environments it refuses with one line of what to do.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "cgroup.h"
#include "fake-cgroup.h"
#include "json.h"
#include "local.h"

extern const struct backend_ops backend_local_ops;
static const struct backend_ops *ops = &backend_local_ops;

static const struct backend_vm three[] = {
	{ .name = "web", .role = BACKEND_ROLE_VICTIM },
	{ .name = "noisy", .role = BACKEND_ROLE_NEIGHBOR, .memory_max = 32 << 20, .pids_max = 64 },
	{ .name = "client", .role = BACKEND_ROLE_PROBE },
};

#define SCOPE  "system.slice/isolab-r1.scope"
#define RUNDIR SCOPE "/isolab-r1"
/* what systemd's root enables by itself on a fresh Debian 12 */
static const struct fake_opts systemd_root = { .v2_enabled = "memory pids" };

static struct backend *open_ok(const char *root, const char *run)
{
	/* the probe shares the VMs' CPUs: the top weight is what protects it (test-local.c
	 * checks the pinned probe) */
	struct backend_config cfg = { .name = "local",
				      .run_id = run,
				      .opts = { { "cgroup_root", root },
						{ "share_probe_cpu", "yes" } },
				      .n_opts = 2 };
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	if (ops->open(&cfg, &b, &err) != 0)
		fail_msg("open: %s: %s", err.code, err.msg);
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

static bool alive(pid_t pid)
{
	return pid > 0 && kill(pid, 0) == 0;
}

static char *describe(struct backend *b)
{
	struct json_writer *w = json_new(0);
	char *out;

	assert_non_null(w);
	json_obj_begin(w);
	ops->describe(b, w);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	out = strdup(json_data(w, NULL));
	json_free(w);
	return out;
}

static void systemd_host_builds_the_run_inside_a_delegated_scope(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct backend_caps caps;
	struct backend_err err = { 0 };
	struct backend *b;
	pid_t keeper;
	char *d, want[32];

	fake_systemd_install(NULL);
	b = open_ok(root, "r1");
	assert_int_equal(ops->caps(b, &caps, &err), 0);
	/* systemd's root enables no cpu; the scope will: weights are available */
	assert_true(caps.weight);
	assert_non_null(strstr(caps.notes, "transient scope isolab-<run>.scope with Delegate=yes"));
	if (backend_local_prepare(b, three, 3, &err) != 0)
		fail_msg("prepare: %s: %s", err.code, err.msg);
	assert_int_equal(fake_systemd_stats()->started, 1);
	assert_string_equal(fake_systemd_stats()->last_unit, "isolab-r1.scope");
	/* the keeper left the scope's own group for a leaf; the scope enables the controllers */
	keeper = fake_systemd_stats()->last_pid;
	assert_true(alive(keeper));
	snprintf(want, sizeof(want), "%d", (int)keeper);
	expect(root, SCOPE "/keeper/cgroup.procs", want);
	expect(root, SCOPE "/cgroup.subtree_control", "+cpu +memory +io +pids");
	expect(root, RUNDIR "/cgroup.subtree_control", "+cpu +memory +io +pids");
	expect(root, RUNDIR "/isolab-r1-client/cpu.weight", "10000");
	expect(root, RUNDIR "/isolab-r1-noisy/memory.max", "33554432");
	assert_false(fake_exists(root, "isolab-r1"));
	d = describe(b);
	assert_non_null(strstr(d, "\"cgroup_placement\":\"systemd-scope\""));
	assert_non_null(strstr(d, "\"systemd_scope\":\"isolab-r1.scope\""));
	free(d);

	assert_int_equal(backend_local_teardown(b, &err), 0);
	assert_false(fake_exists(root, SCOPE));
	assert_int_equal(fake_systemd_stats()->stopped, 1);
	assert_false(alive(keeper));
	/* the manifest still says where the run was */
	d = describe(b);
	assert_non_null(strstr(d, "\"systemd_scope\":\"isolab-r1.scope\""));
	free(d);
	ops->close(b);
	fake_tree_free(root);
}

static void systemd_not_delegating_cpu_refuses_the_run(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct fake_systemd_opts o = { .delegate = "memory pids" };
	struct backend_err err = { 0 };
	struct backend *b;
	pid_t keeper;

	fake_systemd_install(&o);
	b = open_ok(root, "r1");
	assert_int_equal(backend_local_prepare(b, three, 3, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "systemd did not delegate the cpu io controllers to "
					"isolab-r1.scope (it got 'memory pids')"));
	assert_null(strchr(err.msg, '\n'));
	/* what was made is gone again: the scope and its keeper */
	keeper = fake_systemd_stats()->last_pid;
	assert_false(fake_exists(root, SCOPE));
	assert_false(alive(keeper));
	ops->close(b);
	fake_tree_free(root);
}

static void systemd_refusing_the_scope_says_so(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct fake_systemd_opts o = { .refuse = "org.freedesktop.DBus.Error.AccessDenied" };
	struct backend_err err = { 0 };
	struct backend *b;

	fake_systemd_install(&o);
	b = open_ok(root, "r1");
	assert_int_equal(backend_local_prepare(b, three, 3, &err), -EPERM);
	assert_string_equal(err.code, "org.freedesktop.DBus.Error.AccessDenied");
	assert_non_null(strstr(err.msg, "local backend: systemd refused to start isolab-r1.scope"));
	assert_non_null(strstr(err.msg, "journalctl -b -u isolab-r1.scope"));
	assert_false(alive(fake_systemd_stats()->last_pid));
	ops->close(b);
	fake_tree_free(root);
}

static void leftover_scope_asks_for_restore(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct backend_err err = { 0 };
	struct backend *b;

	fake_systemd_install(NULL);
	b = open_ok(root, "r1");
	assert_int_equal(backend_local_prepare(b, three, 3, &err), 0);
	/* a second run with the same id while the first one's scope is loaded */
	{
		struct backend *b2 = open_ok(root, "r1");
		struct backend_err e2 = { 0 };

		assert_int_equal(backend_local_prepare(b2, three, 3, &e2), -EEXIST);
		assert_non_null(strstr(e2.msg, "isolab-r1.scope is still loaded"));
		assert_non_null(strstr(e2.msg, "isolab restore"));
		ops->close(b2);
	}
	assert_true(fake_exists(root, RUNDIR "/isolab-r1-web"));
	ops->close(b);
	assert_false(fake_exists(root, SCOPE));
	fake_tree_free(root);
}

static void cleanup_after_a_crash_stops_the_scope(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct backend_err err = { 0 };
	int st, removed;
	pid_t pid;

	fake_systemd_install(NULL);
	pid = fork();
	if (pid == 0) {
		struct backend *b = open_ok(root, "r1");

		/* prepared, then gone without teardown: its keeper dies with it */
		_exit(backend_local_prepare(b, three, 3, NULL) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(fake_exists(root, RUNDIR "/isolab-r1-web"));
	removed = backend_local_cleanup_run("r1", root, &err);
	if (removed < 0)
		fail_msg("cleanup: %s", err.msg);
	/* run parent + 3 VMs + the scope */
	assert_int_equal(removed, 5);
	assert_false(fake_exists(root, SCOPE));
	assert_int_equal(backend_local_cleanup_run("r1", root, &err), 0);
	fake_tree_free(root);
}

static void direct_v2_without_cpu_enabled_says_how(void **state)
{
	char *root = fake_tree_new(FAKE_V2, &systemd_root);
	struct backend_err err = { 0 };
	struct backend *b = open_ok(root, "r1");

	assert_int_equal(backend_local_prepare(b, three, 3, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "controllers not delegated: "));
	assert_non_null(strstr(err.msg, "does not enable cpu for child groups"));
	assert_non_null(strstr(err.msg, "echo '+cpu' > "));
	assert_false(fake_exists(root, "isolab-r1"));
	ops->close(b);
	/* a container's root (a child group: it has cgroup.events) holding processes */
	assert_int_equal(fake_write(root, "cgroup.events", "populated 1\n"), 0);
	b = open_ok(root, "r1");
	assert_int_equal(backend_local_prepare(b, three, 3, &err), -ENOTSUP);
	assert_non_null(strstr(err.msg, "cannot (no internal processes): move its processes"));
	ops->close(b);
	fake_tree_free(root);
}

static void no_cgroup_mount_says_how_to_mount_one(void **state)
{
	char *root = fake_tree_new(FAKE_NONE, NULL);
	struct backend_config cfg = {
		.name = "local", .run_id = "r1", .opts = { { "cgroup_root", root } }, .n_opts = 1
	};
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	assert_int_equal(ops->open(&cfg, &b, &err), -ENOENT);
	assert_null(b);
	assert_non_null(strstr(err.msg, "no cgroup filesystem mounted at "));
	assert_non_null(strstr(err.msg, "mount -t cgroup2 none /sys/fs/cgroup"));
	fake_tree_free(root);
}

/* In a child with its own mount namespace: the tree mounted read-only, as in a container. */
static int open_read_only(const char *root)
{
	struct backend_config cfg = {
		.name = "local", .run_id = "r1", .opts = { { "cgroup_root", root } }, .n_opts = 1
	};
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(root, root, NULL, MS_BIND, NULL) < 0 ||
	    mount(NULL, root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
		return 77;
	if (ops->open(&cfg, &b, &err) != -EROFS || b)
		return 1;
	return strstr(err.msg, "is mounted read-only (a container?): give isolab a writable "
			       "cgroup2 mount")
		       ? 0
		       : 2;
}

static void read_only_cgroup_mount_says_what_to_do(void **state)
{
	char *root = fake_tree_new(FAKE_V2, NULL);
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(open_read_only(root));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	fake_tree_free(root);
	if (WEXITSTATUS(st) == 77) {
		if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
			fail_msg("CI: cannot make a read-only bind mount (needs root)");
		skip();
	}
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(systemd_host_builds_the_run_inside_a_delegated_scope),
		cmocka_unit_test(systemd_not_delegating_cpu_refuses_the_run),
		cmocka_unit_test(systemd_refusing_the_scope_says_so),
		cmocka_unit_test(leftover_scope_asks_for_restore),
		cmocka_unit_test(cleanup_after_a_crash_stops_the_scope),
		cmocka_unit_test(direct_v2_without_cpu_enabled_says_how),
		cmocka_unit_test(no_cgroup_mount_says_how_to_mount_one),
		cmocka_unit_test(read_only_cgroup_mount_says_what_to_do),
	};

	return cmocka_run_group_tests(tests, NULL, fake_cleanup_all);
}
