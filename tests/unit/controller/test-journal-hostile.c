// SPDX-License-Identifier: MIT
/*
 * A corrupted or foreign journal is never executed blindly (issue 14): what
 * does not parse, names a process it cannot prove is the run's, or a path
 * outside the state directory is reported and skipped; everything else is
 * still undone; a file that is not ours, or not a journal of its run, runs
 * nothing at all.
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

#include "exec-table.h"
#include "fileio.h"
#include "journal.h"
#include "proc.h"

/* ---- a fake backend: two VMs in memory ---- */

static struct {
	const char *name;
	struct sched_params p;
} vms[] = { { "web", { 256, 0 } }, { "noisy", { 256, 0 } } };
static int cleanups;

static int fake_open(const struct backend_config *cfg, struct backend **out,
		     struct backend_err *err)
{
	(void)cfg;
	(void)err;
	*out = NULL;
	return 0;
}

static void fake_close(struct backend *b)
{
	(void)b;
}

static int fake_set(struct backend *b, const char *vm, const struct sched_params *p,
		    struct backend_err *err)
{
	(void)b;
	for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++)
		if (strcmp(vms[i].name, vm) == 0) {
			vms[i].p = *p;
			return 0;
		}
	backend_errf(err, "ENOENT", "no VM %s", vm);
	return -ENOENT;
}

static int fake_cleanup(const struct backend_config *cfg, const char *run_id,
			struct backend_err *err)
{
	(void)cfg;
	(void)run_id;
	(void)err;
	cleanups++;
	return 0;
}

static const struct backend_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.sched_set = fake_set,
	.cleanup_run = fake_cleanup,
};

static const struct backend_ops *find(const char *name)
{
	return name && strcmp(name, "fake") == 0 ? &fake_ops : NULL;
}

static bool owner_dead(pid_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return false;
}

static const struct journal_env env = { .find = find, .owner_alive = owner_dead };

static char state[256], outside[300];

static int setup(void **st)
{
	(void)st;
	snprintf(state, sizeof(state), "/tmp/isolab-test-jhostile-%d", (int)getpid());
	snprintf(outside, sizeof(outside), "%s-outside", state);
	vms[0].p = (struct sched_params){ 999, 50 };
	vms[1].p = (struct sched_params){ 999, 50 };
	cleanups = 0;
	if (file_mkdirs(state, 0700) || file_mkdirs(outside, 0700))
		return -1;
	return file_write_atomic("/tmp/isolab-test-jhostile-keep", "keep", 4, 0600);
}

static int teardown(void **st)
{
	char cmd[700];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s' /tmp/isolab-test-jhostile-keep", state,
		 outside);
	return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

/* Writes state/run-ID.journal with text, mode 0600; its path into path. */
static void put(const char *id, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/run-%s.journal", state, id);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0600), 0);
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
	while (proc_start_time(pid) == 0)
		usleep(1000);
	return pid;
}

static bool alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

static void reap(pid_t pid)
{
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, NULL, 0);
}

/* Damaged lines are skipped, the rest undone, the journal set aside as .bad. */
static void replay_skips_what_does_not_parse_and_undoes_the_rest(void **st)
{
	char path[512], text[2048], bad[600], dir[400];

	(void)st;
	snprintf(dir, sizeof(dir), "%s/run-j1.d", state);
	assert_int_equal(file_mkdirs(dir, 0700), 0);
	snprintf(text, sizeof(text),
		 "isolab-journal 1 j1\nowner 1 1\nbackend name fake\n"
		 "sched web 256 0\n"
		 "sched noisy lots 0\n"	     /* does not parse */
		 "xyzzy plugh\n"	     /* unknown record */
		 "\x1b[2Jproc 1 2 3 4 5 6\n" /* garbage with an escape */
		 "proc 12345\n"		     /* too short */
		 "dir %s\n"
		 "sched noisy 512 10\n",
		 dir);
	put("j1", text, path, sizeof(path));
	assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
	assert_int_equal(vms[0].p.weight, 256); /* before and after the damage: undone */
	assert_int_equal(vms[1].p.weight, 512);
	assert_int_equal(cleanups, 1);
	assert_false(exists(dir));
	assert_false(exists(path)); /* not replayed again and again... */
	snprintf(bad, sizeof(bad), "%s.bad", path);
	assert_true(exists(bad)); /* ...but kept for whoever looks */
	assert_int_equal(journal_replay_dir(state, &env), 0);
}

/* A pid is the run's only with its start time: otherwise it is left alone. */
static void replay_kills_only_processes_it_can_prove_are_the_runs(void **st)
{
	pid_t ours = spawn_sleeper(), other = spawn_sleeper(), zero = spawn_sleeper();
	char path[512], text[512];

	(void)st;
	snprintf(text, sizeof(text),
		 "isolab-journal 1 j2\nowner 1 1\nproc %d %llu\nproc %d %llu\nproc %d 0\n",
		 (int)ours, (unsigned long long)proc_start_time(ours), (int)other,
		 (unsigned long long)proc_start_time(other) + 1, (int)zero);
	put("j2", text, path, sizeof(path));
	/* no start time: cannot be told from another process: reported */
	assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
	usleep(100000);
	assert_false(alive(ours));
	assert_true(alive(other)); /* the start time does not match: another process */
	assert_true(alive(zero));
	reap(ours);
	reap(other);
	reap(zero);
}

/* Only a plain directory right inside the state dir is removed. */
static void replay_never_removes_outside_the_state_dir(void **st)
{
	static const char *const leaves[] = { "..", ".", "run-x.d/../..", "a/b", "" };
	char path[512], text[4096], link[400], victim[400];
	size_t o;

	(void)st;
	snprintf(victim, sizeof(victim), "%s/precious", outside);
	assert_int_equal(file_write_atomic(victim, "x", 1, 0600), 0);
	snprintf(link, sizeof(link), "%s/run-link.d", state);
	assert_int_equal(symlink(outside, link), 0);
	o = (size_t)snprintf(text, sizeof(text), "isolab-journal 1 j3\nowner 1 1\n");
	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "dir %s/%s\n", state, leaves[i]);
	o += (size_t)snprintf(text + o, sizeof(text) - o, "dir %s\ndir %s\ndir /\ndir %s-\n",
			      outside, link, state);
	put("j3", text, path, sizeof(path));
	assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
	assert_true(exists(victim));
	assert_true(exists(link)); /* a symlink is not a directory the run made */
	assert_true(exists("/tmp/isolab-test-jhostile-keep"));
	(void)unlink(link);
}

/* A journal that is not ours runs nothing: others could have written it. */
static void replay_refuses_files_others_can_write(void **st)
{
	char path[512], link[512];

	(void)st;
	put("j4", "isolab-journal 1 j4\nowner 1 1\nbackend name fake\nsched web 256 0\n", path,
	    sizeof(path));
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(journal_replay_file(path, &env, false), -EPERM);
	assert_int_equal(vms[0].p.weight, 999);
	assert_true(exists(path));
	assert_int_equal(chmod(path, 0600), 0);
	if (geteuid() == 0) {
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(journal_replay_file(path, &env, false), -EPERM);
		assert_int_equal(vms[0].p.weight, 999);
		assert_int_equal(chown(path, 0, 0), 0);
	}
	/* a symlink to a journal elsewhere */
	snprintf(link, sizeof(link), "%s/run-j5.journal", state);
	assert_int_equal(rename(path, "/tmp/isolab-test-jhostile-keep"), 0);
	assert_int_equal(symlink("/tmp/isolab-test-jhostile-keep", link), 0);
	assert_int_equal(journal_replay_file(link, &env, false), -EPERM);
	assert_int_equal(vms[0].p.weight, 999);
	(void)unlink(link);
	/* a state dir anyone can write: none of its journals runs */
	put("j4", "isolab-journal 1 j4\nowner 1 1\nbackend name fake\nsched web 256 0\n", path,
	    sizeof(path));
	assert_int_equal(chmod(state, 0777), 0);
	assert_int_equal(journal_replay_dir(state, &env), -EPERM);
	assert_int_equal(vms[0].p.weight, 999);
	assert_int_equal(chmod(state, 0700), 0);
	assert_int_equal(journal_replay_dir(state, &env), 1);
	assert_int_equal(vms[0].p.weight, 256);
}

/* Without its header, or with another run's id, a file is not this run's journal. */
static void replay_runs_nothing_of_a_file_without_its_header(void **st)
{
	static const char *const texts[] = {
		"owner 1 1\nbackend name fake\nsched web 256 0\n",
		"isolab-journal 1 other\nbackend name fake\nsched web 256 0\n",
		"isolab-journal x j6\nbackend name fake\nsched web 256 0\n",
		"isolab-journal 1 \nbackend name fake\nsched web 256 0\n",
		"",
	};
	static const char nul_first[] =
		"\0isolab-journal 1 j6\nbackend name fake\nsched web 256 0\n";
	char path[512], bad[600];

	(void)st;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		put("j6", texts[i], path, sizeof(path));
		assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
		assert_int_equal(vms[0].p.weight, 999);
		assert_int_equal(cleanups, 0);
		snprintf(bad, sizeof(bad), "%s.bad", path);
		assert_true(exists(bad));
		(void)unlink(bad);
	}
	assert_int_equal(file_write_atomic(path, nul_first, sizeof(nul_first) - 1, 0600), 0);
	assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
	assert_int_equal(vms[0].p.weight, 999);
}

/* A newer isolab's journal: what this one knows is undone, the rest listed. */
static void replay_of_a_newer_journal_undoes_what_it_knows(void **st)
{
	char path[512];

	(void)st;
	put("j7",
	    "isolab-journal 2 j7 extra\nowner 1 1 1\nbackend name fake\nbackend weird 1\n"
	    "sched web 256 0\nfreeze web 3\nsched noisy 100 0 future\n",
	    path, sizeof(path));
	assert_int_equal(journal_replay_file(path, &env, false), -EPROTO);
	assert_int_equal(vms[0].p.weight, 256);
	assert_int_equal(vms[1].p.weight, 999); /* its record did not parse */
}

/* Remote groups go through the executor, which refuses a hostile target before any ssh. */
static void replay_kills_no_remote_group_on_a_hostile_target(void **st)
{
	const struct journal_env xenv = { .find = find,
					  .find_exec = exec_find,
					  .owner_alive = owner_dead };
	char path[512], ssh[400], canary[400], text[1024];

	(void)st;
	snprintf(canary, sizeof(canary), "%s/ssh-ran", outside);
	snprintf(ssh, sizeof(ssh), "%s/ssh", outside);
	snprintf(text, sizeof(text), "#!/bin/sh\n: > %s\n", canary);
	assert_int_equal(file_write_atomic(ssh, text, strlen(text), 0755), 0);
	assert_int_equal(setenv("ISOLAB_SSH", ssh, 1), 0);
	put("j8",
	    "isolab-journal 1 j8\nowner 1 1\n"
	    "remote -oProxyCommand=touch%20/tmp/x 1234 ssh\n"
	    "remote me@h;reboot 1234 ssh\n"
	    "remote me@h%0Areboot 1234\n"
	    "remote me@$(reboot) 1234 ssh\n"
	    "remote me@h 1 ssh\n" /* a group id of 1 is init's: does not parse */
	    "remote me@h 1234 teleport\n",
	    path, sizeof(path));
	assert_int_equal(journal_replay_file(path, &xenv, false), -EPROTO);
	assert_false(exists(canary));
	(void)unsetenv("ISOLAB_SSH");
}

/* `isolab restore` does everything else and exits 1 listing what it could not undo. */
static void restore_command_lists_what_it_could_not_undo(void **st)
{
	const char *bin = getenv("ISOLAB_BIN");
	char path[512], text[1024], inside[400], cmd[1400], *out = NULL;
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	int status;

	(void)st;
	if (!bin)
		skip();
	snprintf(inside, sizeof(inside), "%s/run-j9.d", state);
	assert_int_equal(file_mkdirs(inside, 0700), 0);
	snprintf(text, sizeof(text), "isolab-journal 1 j9\nowner 1 1\nsched web\ndir %s\ndir %s\n",
		 inside, outside);
	put("j9", text, path, sizeof(path));
	snprintf(cmd, sizeof(cmd), "ISOLAB_STATE_DIR='%s' '%s' restore 2>&1", state, bin);
	assert_int_equal(proc_run(argv, NULL, false, 20000000000ULL, 65536, &out, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
	assert_non_null(strstr(out, "run-j9.journal: line 3: 'sched web': does not parse"));
	assert_non_null(strstr(out, "is not inside the state directory"));
	assert_non_null(strstr(out, "restore: not everything could be undone: listed above"));
	assert_false(exists(inside)); /* everything else was done */
	assert_true(exists(outside));
	free(out);
	out = NULL;
	assert_int_equal(proc_run(argv, NULL, false, 20000000000ULL, 65536, &out, &status), 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_non_null(strstr(out, "0 run(s) restored"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			replay_skips_what_does_not_parse_and_undoes_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(
			replay_kills_only_processes_it_can_prove_are_the_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(replay_never_removes_outside_the_state_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(replay_refuses_files_others_can_write, setup,
						teardown),
		cmocka_unit_test_setup_teardown(replay_runs_nothing_of_a_file_without_its_header,
						setup, teardown),
		cmocka_unit_test_setup_teardown(replay_of_a_newer_journal_undoes_what_it_knows,
						setup, teardown),
		cmocka_unit_test_setup_teardown(replay_kills_no_remote_group_on_a_hostile_target,
						setup, teardown),
		cmocka_unit_test_setup_teardown(restore_command_lists_what_it_could_not_undo, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
