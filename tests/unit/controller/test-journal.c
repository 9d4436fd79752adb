// SPDX-License-Identifier: MIT
/*
 * The restore journal: a simulated crash after each step of a run, then a
 * replay through a fake backend ops table must leave every scheduler
 * setting as it was, no process of the run alive, no directory, no journal.
 */
#include <errno.h>
#include <fcntl.h>
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

#include "fileio.h"
#include "journal.h"
#include "proc.h"

/* ---- a fake backend: three VMs, weights and caps in memory ---- */

struct fake_vm {
	const char *name;
	struct sched_params p;
};

static struct fake_vm fake_vms[] = {
	{ "web", { 256, 0 } },
	{ "noisy", { 256, 0 } },
	{ "client", { 512, 0 } },
};
static bool fake_fail_set;
static int fake_opens;
static int cleanups;
static char cleanup_run_id[64];

static void fake_reset(void)
{
	fake_vms[0].p = (struct sched_params){ 256, 0 };
	fake_vms[1].p = (struct sched_params){ 256, 0 };
	fake_vms[2].p = (struct sched_params){ 512, 0 };
	fake_fail_set = false;
	fake_opens = 0;
	cleanups = 0;
	cleanup_run_id[0] = '\0';
}

static struct fake_vm *fake_find_vm(const char *name)
{
	for (size_t i = 0; i < 3; i++)
		if (strcmp(fake_vms[i].name, name) == 0)
			return &fake_vms[i];
	return NULL;
}

static int fake_open(const struct backend_config *cfg, struct backend **out,
		     struct backend_err *err)
{
	(void)cfg;
	(void)err;
	fake_opens++;
	*out = (struct backend *)fake_vms;
	return 0;
}

static void fake_close(struct backend *b)
{
	(void)b;
}

static int fake_get(struct backend *b, const char *vm, struct sched_params *out, bool *live,
		    struct backend_err *err)
{
	struct fake_vm *v = fake_find_vm(vm);

	(void)b;
	if (!v) {
		backend_errf(err, "ENOENT", "no vm %s", vm);
		return -ENOENT;
	}
	*out = v->p;
	*live = true;
	return 0;
}

static int fake_set(struct backend *b, const char *vm, const struct sched_params *p,
		    struct backend_err *err)
{
	struct fake_vm *v = fake_find_vm(vm);

	(void)b;
	if (!v || fake_fail_set) {
		backend_errf(err, "EIO", "cannot set %s", vm);
		return -EIO;
	}
	if (p->weight >= 0)
		v->p.weight = p->weight;
	if (p->cap >= 0)
		v->p.cap = p->cap;
	return 0;
}

static const struct backend_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.sched_get = fake_get,
	.sched_set = fake_set,
};

static int fake_cleanup(const struct backend_config *cfg, const char *run_id,
			struct backend_err *err)
{
	(void)cfg;
	(void)err;
	cleanups++;
	snprintf(cleanup_run_id, sizeof(cleanup_run_id), "%s", run_id);
	return 0;
}

/* a backend that makes its own VMs, as the local one: replay cleans them up by run id */
static const struct backend_ops fake_local_ops = {
	.name = "local",
	.open = fake_open,
	.close = fake_close,
	.sched_get = fake_get,
	.sched_set = fake_set,
	.cleanup_run = fake_cleanup,
};

static const struct backend_ops *fake_backend_find(const char *name)
{
	if (name && strcmp(name, "fake") == 0)
		return &fake_ops;
	return name && strcmp(name, "local") == 0 ? &fake_local_ops : NULL;
}

static bool owner_dead(pid_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return false;
}

static const struct journal_env env = {
	.find = fake_backend_find,
	.owner_alive = owner_dead,
};

static char state[256];

static int setup(void **st)
{
	(void)st;
	snprintf(state, sizeof(state), "/tmp/isolab-test-journal-%d", (int)getpid());
	fake_reset();
	return file_mkdirs(state, 0700);
}

static int teardown(void **st)
{
	char cmd[300];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	return system(cmd) == 0 ? 0 : -1;
}

static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		(void)setpgid(0, 0);
		for (;;)
			pause();
	}
	(void)setpgid(pid, pid);
	/* wait until the child is really there (its start time readable) */
	while (proc_start_time(pid) == 0)
		usleep(1000);
	return pid;
}

static bool file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static int write_in(const char *dir)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/victim.db", dir);
	return file_write_atomic(p, "x", 1, 0600);
}

/* The run's steps; a crash is simulated after `steps` of them. */
static void simulate(int steps, const char *backend, pid_t *child, char *dir, size_t dirlen,
		     char *jpath, size_t jlen)
{
	struct backend_config cfg = { .name = backend,
				      .opts = { { "xenapi_url", "https://pool" } },
				      .n_opts = 1 };
	struct backend_err err = { 0 };
	struct sched_params want = { .weight = 2048, .cap = -1 }, orig;
	struct journal *j = NULL;
	bool live;
	int step = 0;

	*child = -1;
	snprintf(dir, dirlen, "%s/run-r1.d", state);
	assert_int_equal(journal_create(state, "r1", &cfg, &j), 0);
	snprintf(jpath, jlen, "%s", journal_path(j));
#define STEP(x)                                                                                    \
	do {                                                                                       \
		if (step++ == steps) {                                                             \
			journal_abandon(j);                                                        \
			return;                                                                    \
		}                                                                                  \
		x;                                                                                 \
	} while (0)
	STEP(assert_int_equal(journal_dir(j, dir), 0); assert_int_equal(file_mkdirs(dir, 0700), 0);
	     assert_int_equal(write_in(dir), 0));
	STEP(assert_int_equal(fake_get(NULL, "web", &orig, &live, &err), 0);
	     assert_int_equal(journal_sched(j, "web", &orig), 0));
	STEP(assert_int_equal(fake_set(NULL, "web", &want, &err), 0));
	STEP(*child = spawn_sleeper();
	     assert_int_equal(journal_proc(j, *child, proc_start_time(*child)), 0));
	STEP(assert_int_equal(fake_get(NULL, "noisy", &orig, &live, &err), 0);
	     assert_int_equal(journal_sched(j, "noisy", &orig), 0);
	     assert_int_equal(fake_set(NULL, "noisy",
				       &(struct sched_params){ .weight = -1, .cap = 50 }, &err),
			      0));
	STEP(assert_int_equal(journal_restore_sched(j, &fake_ops, NULL, &err), 0);
	     assert_int_equal(journal_pending(j), 0));
	STEP(assert_int_equal(fake_get(NULL, "web", &orig, &live, &err), 0);
	     assert_int_equal(journal_sched(j, "web", &orig), 0);
	     assert_int_equal(fake_set(NULL, "web", &want, &err), 0));
#undef STEP
	journal_abandon(j); /* a crash at the very end, before journal_finish */
}

static void replay_after_crash_at_each_step_restores_everything(void **st)
{
	(void)st;
	for (int steps = 0; steps <= 8; steps++) {
		char dir[512], jpath[512];
		pid_t child;
		int status, r;

		fake_reset();
		simulate(steps, "fake", &child, dir, sizeof(dir), jpath, sizeof(jpath));
		r = journal_replay_file(jpath, &env, false);
		if (r != 1) {
			print_error("crash after %d steps: replay returned %d\n", steps, r);
			fail();
		}
		assert_int_equal(fake_vms[0].p.weight, 256);
		assert_int_equal(fake_vms[0].p.cap, 0);
		assert_int_equal(fake_vms[1].p.cap, 0);
		assert_int_equal(fake_vms[2].p.weight, 512);
		assert_false(file_exists(jpath));
		assert_false(file_exists(dir));
		if (child > 0) {
			assert_int_equal(waitpid(child, &status, 0), child);
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGKILL);
		}
		assert_int_equal(cleanups, 0); /* not the local backend */
	}
}

static void replay_of_local_run_cleans_its_cgroups_by_run_id(void **st)
{
	char dir[512], jpath[512];
	pid_t child;
	int status;

	(void)st;
	simulate(4, "local", &child, dir, sizeof(dir), jpath, sizeof(jpath));
	assert_int_equal(journal_replay_file(jpath, &env, false), 1);
	assert_int_equal(cleanups, 1);
	assert_string_equal(cleanup_run_id, "r1");
	assert_int_equal(fake_vms[0].p.weight, 256);
	assert_int_equal(waitpid(child, &status, 0), child);
}

static void replay_skips_a_run_whose_owner_lives(void **st)
{
	struct backend_config cfg = { .name = "fake" };
	struct journal *j;
	char jpath[512];

	(void)st;
	assert_int_equal(journal_create(state, "alive", &cfg, &j), 0);
	snprintf(jpath, sizeof(jpath), "%s", journal_path(j));
	assert_int_equal(journal_sched(j, "web", &(struct sched_params){ 256, 0 }), 0);
	/* default liveness check: this very process owns it */
	assert_int_equal(journal_replay_file(jpath, NULL, false), 0);
	assert_true(file_exists(jpath));
	assert_int_equal(journal_replay_dir(state, NULL), 0);
	journal_finish(j);
	assert_false(file_exists(jpath));
}

static void replay_keeps_the_journal_when_restore_fails(void **st)
{
	char dir[512], jpath[512];
	pid_t child;
	int status;

	(void)st;
	simulate(3, "fake", &child, dir, sizeof(dir), jpath, sizeof(jpath));
	fake_fail_set = true;
	assert_true(journal_replay_file(jpath, &env, false) < 0);
	assert_true(file_exists(jpath)); /* kept: `isolab restore` can try again */
	if (child > 0)
		(void)waitpid(child, &status, 0);
	fake_fail_set = false;
	assert_int_equal(journal_replay_file(jpath, &env, false), 1);
	assert_int_equal(fake_vms[0].p.weight, 256);
}

static void replay_ignores_a_torn_last_line_and_odd_names(void **st)
{
	struct backend_config cfg = { .name = "fake" };
	struct journal *j;
	char jpath[512];
	int fd;

	(void)st;
	fake_vms[1].p.weight = 999; /* "noisy" changed by the dead run */
	assert_int_equal(journal_create(state, "torn", &cfg, &j), 0);
	snprintf(jpath, sizeof(jpath), "%s", journal_path(j));
	assert_int_equal(journal_sched(j, "noisy", &(struct sched_params){ 256, 0 }), 0);
	journal_abandon(j);
	fd = open(jpath, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sched we", 8), 8); /* crash mid-write */
	close(fd);
	assert_int_equal(journal_replay_dir(state, &env), 1);
	assert_int_equal(fake_vms[1].p.weight, 256);
	assert_false(file_exists(jpath));
}

static void journal_refuses_dirs_outside_the_state_dir(void **st)
{
	struct backend_config cfg = { .name = "fake" };
	struct journal *j;
	char jpath[512], outside[512];

	(void)st;
	snprintf(outside, sizeof(outside), "%s-outside", state);
	assert_int_equal(file_mkdirs(outside, 0700), 0);
	assert_int_equal(journal_create(state, "evil", &cfg, &j), 0);
	snprintf(jpath, sizeof(jpath), "%s", journal_path(j));
	assert_int_equal(journal_dir(j, outside), 0);
	journal_abandon(j);
	assert_true(journal_replay_file(jpath, &env, false) < 0);
	assert_true(file_exists(outside));
	(void)rmdir(outside);
	(void)unlink(jpath);
}

static void vm_names_with_spaces_survive_the_journal(void **st)
{
	struct backend_config cfg = { .name = "fake" };
	struct journal *j;
	char jpath[512];
	static struct fake_vm save;

	(void)st;
	save = fake_vms[2];
	fake_vms[2].name = "client VM %1";
	fake_vms[2].p.weight = 7;
	assert_int_equal(journal_create(state, "spaces", &cfg, &j), 0);
	snprintf(jpath, sizeof(jpath), "%s", journal_path(j));
	assert_int_equal(journal_sched(j, "client VM %1", &(struct sched_params){ 512, 0 }), 0);
	journal_abandon(j);
	assert_int_equal(journal_replay_file(jpath, &env, false), 1);
	assert_int_equal(fake_vms[2].p.weight, 512);
	fake_vms[2] = save;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(replay_after_crash_at_each_step_restores_everything,
						setup, teardown),
		cmocka_unit_test_setup_teardown(replay_of_local_run_cleans_its_cgroups_by_run_id,
						setup, teardown),
		cmocka_unit_test_setup_teardown(replay_skips_a_run_whose_owner_lives, setup,
						teardown),
		cmocka_unit_test_setup_teardown(replay_keeps_the_journal_when_restore_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(replay_ignores_a_torn_last_line_and_odd_names,
						setup, teardown),
		cmocka_unit_test_setup_teardown(journal_refuses_dirs_outside_the_state_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(vm_names_with_spaces_survive_the_journal, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
