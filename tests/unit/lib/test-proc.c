// SPDX-License-Identifier: MIT
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

#include "clock.h"
#include "fileio.h"
#include "proc.h"
#include "sig.h"

static void proc_run_captures_stdout_and_status(void **state)
{
	const char *argv[] = { "sh", "-c", "echo hello; echo err >&2; exit 3", NULL };
	char *out = NULL;
	int st = 0;

	assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 1024, &out, &st), 0);
	assert_string_equal(out, "hello\n");
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	free(out);
}

static void proc_run_merges_stderr_and_feeds_stdin(void **state)
{
	const char *argv[] = { "sh", "-c", "cat; echo e >&2", NULL };
	char *out = NULL;
	int st = 0;

	assert_int_equal(proc_run(argv, "fed\n", true, 5 * NSEC_PER_SEC, 1024, &out, &st), 0);
	assert_string_equal(out, "fed\ne\n");
	free(out);
}

static void proc_run_kills_on_timeout(void **state)
{
	const char *argv[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	uint64_t t0 = clock_now_ns();
	char *out = NULL;
	int st = 0;

	assert_int_equal(proc_run(argv, NULL, false, 200 * NSEC_PER_MSEC, 1024, &out, &st),
			 -ETIMEDOUT);
	assert_true(clock_now_ns() - t0 < 3 * NSEC_PER_SEC);
	free(out);
}

static void proc_run_caps_output(void **state)
{
	const char *argv[] = { "sh", "-c", "yes | head -c 100000", NULL };
	char *out = NULL;
	int st = 0;

	assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 1000, &out, &st), -EFBIG);
	free(out);
}

static void proc_run_reports_missing_program(void **state)
{
	const char *argv[] = { "/nonexistent/isolab-test", NULL };
	char *out = NULL;
	int st = 0;

	assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 1000, &out, &st), 0);
	assert_int_equal(WEXITSTATUS(st), 127);
	free(out);
}

/* The field of /proc/self/status named key ("SigIgn:") in text, NULL when absent. */
static const char *status_field(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = strstr(text, key);

	if (!p)
		return NULL;
	p += strlen(key);
	p += strspn(p, " \t");
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

static void proc_spawn_gives_every_child_default_signals(void **state)
{
	const char *argv[] = { "/bin/cat", "/proc/self/status", NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe, old_hup;
	sigset_t block, old_mask;
	char *out = NULL, buf[64];
	int st = 0;

	/* what a controller does to itself: ignore SIGPIPE and SIGHUP, block SIGTERM */
	assert_int_equal(sigaction(SIGPIPE, &ign, &old_pipe), 0);
	assert_int_equal(sigaction(SIGHUP, &ign, &old_hup), 0);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
	assert_int_equal(proc_run(argv, NULL, false, 5 * NSEC_PER_SEC, 65536, &out, &st), 0);
	(void)sigprocmask(SIG_SETMASK, &old_mask, NULL);
	(void)sigaction(SIGPIPE, &old_pipe, NULL);
	(void)sigaction(SIGHUP, &old_hup, NULL);
	assert_string_equal(status_field(out, "SigIgn:", buf, sizeof(buf)), "0000000000000000");
	assert_string_equal(status_field(out, "SigBlk:", buf, sizeof(buf)), "0000000000000000");
	free(out);
}

static int child_fn(void *arg)
{
	/* its own process group, and what the hook did is visible here */
	return getpgrp() == getpid() && *(int *)arg == 42 ? 7 : 1;
}

static int hook_sets(void *arg)
{
	*(int *)arg = 42;
	return 0;
}

static int hook_fails(void *arg)
{
	(void)arg;
	return -EACCES;
}

static void proc_spawn_runs_a_function_or_fails_in_the_hook(void **state)
{
	int value = 0, st = 0;
	struct proc_spawn sp = { .fn = child_fn,
				 .arg = &value,
				 .in_child = hook_sets,
				 .fd_in = PROC_FD_NULL,
				 .fd_out = PROC_FD_NULL,
				 .fd_err = PROC_FD_NULL };
	pid_t pid = proc_spawn(&sp);

	assert_true(pid > 0);
	assert_int_equal(proc_wait_timeout(pid, 5 * NSEC_PER_SEC, &st), 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 7);
	assert_int_equal(value, 0); /* the child's copy, not ours */

	sp.in_child = hook_fails;
	pid = proc_spawn(&sp);
	assert_true(pid > 0);
	assert_int_equal(proc_wait_timeout(pid, 5 * NSEC_PER_SEC, &st), 0);
	assert_int_equal(WEXITSTATUS(st), 127);
	sp.fn = NULL;
	assert_int_equal(proc_spawn(&sp), -EINVAL); /* neither argv nor fn */
}

static void proc_stop_terminates_a_group(void **state)
{
	pid_t pid = fork();
	int st = 0;

	assert_true(pid >= 0);
	if (pid == 0) {
		setpgid(0, 0);
		execlp("sh", "sh", "-c", "sleep 30 & sleep 30", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	clock_sleep(100 * NSEC_PER_MSEC);
	assert_int_equal(proc_wait_timeout(pid, 10 * NSEC_PER_MSEC, &st), -ETIMEDOUT);
	assert_int_equal(proc_stop(pid, true, NSEC_PER_SEC, &st), 0);
	assert_true(WIFSIGNALED(st));
	/* the whole group is gone (orphaned members are reaped by init: allow it time) */
	for (int i = 0; i < 100 && kill(-pid, 0) == 0; i++)
		clock_sleep(20 * NSEC_PER_MSEC);
	assert_int_equal(kill(-pid, 0), -1);
	assert_false(proc_alive(pid));
}

static void proc_start_time_identifies_processes(void **state)
{
	assert_true(proc_start_time(getpid()) > 0);
	assert_int_equal(proc_start_time(0x7ffffff0), 0);
	assert_true(proc_alive(getpid()));
}

static void fileio_roundtrip_and_limits(void **state)
{
	char dir[] = "/tmp/isolab-test-fileio-XXXXXX", path[256], *back = NULL;
	size_t len = 0;
	struct stat st;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(file_mkdirs(path, 0755), 0);
	assert_int_equal(file_mkdirs(path, 0755), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/a/f", dir);
	assert_int_equal(file_write_atomic(path, "12345", 5, 0600), 0);
	assert_int_equal(file_read_all(path, 100, &back, &len), 0);
	assert_int_equal(len, 5);
	assert_string_equal(back, "12345");
	free(back);
	assert_int_equal(file_read_all(path, 3, &back, &len), -EFBIG);
	assert_int_equal(file_write_str(path, "x"), 0);
	assert_int_equal(file_read_all("/nonexistent/x", 3, &back, &len), -ENOENT);
	assert_int_equal(file_write_atomic("/nonexistent/dir/f", "1", 1, 0600), -ENOENT);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static int order[4], norder;

static void note(void *arg)
{
	order[norder++] = (int)(intptr_t)arg;
}

static void cleanup_runs_in_reverse_once(void **state)
{
	norder = 0;
	cleanup_push(note, (void *)1);
	cleanup_push(note, (void *)2);
	cleanup_push(note, (void *)3);
	cleanup_forget(note, (void *)2);
	cleanup_run();
	cleanup_run();
	assert_int_equal(norder, 2);
	assert_int_equal(order[0], 3);
	assert_int_equal(order[1], 1);
}

static void sig_stop_flag_is_set_by_sigterm(void **state)
{
	sig_reset();
	assert_int_equal(sig_install_stop(), 0);
	assert_false(sig_stop_requested());
	raise(SIGTERM);
	assert_true(sig_stop_requested());
	assert_int_equal(sig_stop_signal(), SIGTERM);
	sig_reset();
	sig_request_stop(0);
	assert_true(sig_stop_requested());
	sig_reset();
}

static void sig_parent_death_detects_orphan(void **state)
{
	assert_int_equal(sig_parent_death(SIGTERM, getppid()), 0);
	assert_int_equal(sig_parent_death(SIGTERM, 0x7ffffff0), -ESRCH);
	assert_int_equal(sig_parent_death(0, getppid()), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proc_run_captures_stdout_and_status),
		cmocka_unit_test(proc_run_merges_stderr_and_feeds_stdin),
		cmocka_unit_test(proc_run_kills_on_timeout),
		cmocka_unit_test(proc_run_caps_output),
		cmocka_unit_test(proc_run_reports_missing_program),
		cmocka_unit_test(proc_spawn_gives_every_child_default_signals),
		cmocka_unit_test(proc_spawn_runs_a_function_or_fails_in_the_hook),
		cmocka_unit_test(proc_stop_terminates_a_group),
		cmocka_unit_test(proc_start_time_identifies_processes),
		cmocka_unit_test(fileio_roundtrip_and_limits),
		cmocka_unit_test(cleanup_runs_in_reverse_once),
		cmocka_unit_test(sig_stop_flag_is_set_by_sigterm),
		cmocka_unit_test(sig_parent_death_detects_orphan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
