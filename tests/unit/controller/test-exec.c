// SPDX-License-Identifier: MIT
/*
 * exec_wait_ready() and exec_stop_all() against a remote-like executor whose
 * sessions are slow or fail: the tool is a shell that says "isolab-pgid" (late,
 * when asked) and prints a JSON result on SIGTERM; the signal travels through
 * a helper that sleeps first, or exits 255 as a dropped ssh session does.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "clock.h"
#include "exec.h"
#include "proc.h"

static double term_delay_s; /* the helper sleeps this long, then signals */
static int term_failures;   /* the first this many helpers exit 255 */
static int term_calls;	    /* helpers started */
static pid_t last_helper = -1;

static int fake_signal(const struct exec_ctx *x, struct tool_proc *p, int sig)
{
	(void)x;
	if (p->pid <= 0 || p->exited)
		return 0;
	return kill(-p->pid, sig) < 0 ? -errno : 0;
}

static int fake_term_start(const struct exec_ctx *x, struct tool_proc *p, pid_t *helper)
{
	char cmd[128];
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	struct proc_spawn sp = { .argv = argv,
				 .path = argv[0],
				 .fd_in = PROC_FD_NULL,
				 .fd_out = PROC_FD_NULL,
				 .fd_err = PROC_FD_NULL };
	pid_t pid;

	(void)x;
	if (term_calls++ < term_failures)
		snprintf(cmd, sizeof(cmd), "exit 255");
	else
		snprintf(cmd, sizeof(cmd), "sleep %.2f; kill -TERM -%ld", term_delay_s,
			 p->remote_pgid);
	pid = proc_spawn(&sp);
	if (pid < 0)
		return pid;
	*helper = last_helper = pid;
	return 0;
}

static struct exec_ops fake_ops = {
	.name = "fake",
	.remote = true,
	.signal = fake_signal,
	.term_start = fake_term_start,
};

/* A tool: after pgid_delay_s it says its pgid, then ready; on SIGTERM its result, 0.3 s late. */
static void start_tool(struct tool_proc *p, double pgid_delay_s, bool says_ready)
{
	char script[512];
	char *argv[] = { (char *)"/bin/sh", (char *)"-c", script, NULL };
	struct proc_spawn sp = { .argv = argv, .path = argv[0] };
	struct exec_ctx x = { 0 };

	snprintf(script, sizeof(script),
		 "trap 'sleep 0.3; echo \"{\\\"status\\\":\\\"interrupted\\\"}\"; exit 0' TERM; "
		 "sleep %.2f; echo isolab-pgid $$ >&2; %s"
		 "while :; do sleep 0.05; done",
		 pgid_delay_s, says_ready ? "echo isolab-ready >&2; " : "");
	tool_proc_init(p, "bomb test");
	assert_int_equal(exec_spawn(&x, &sp, NULL, p), 0);
	p->ops = &fake_ops;
	p->target = "me@guest";
}

static void reset(double delay_s, int failures, uint64_t connect_ns)
{
	term_delay_s = delay_s;
	term_failures = failures;
	term_calls = 0;
	last_helper = -1;
	fake_ops.connect_ns = connect_ns;
}

static void wait_pgid(struct tool_proc *p)
{
	uint64_t end = clock_now_ns() + 10 * NSEC_PER_SEC;

	while (!p->remote_pgid && clock_now_ns() < end)
		(void)exec_pump(&p, 1, 100 * NSEC_PER_MSEC);
	assert_true(p->remote_pgid > 1);
}

/* The signal takes 1.5 s to arrive, the grace is 1 s: counted from delivery, the result is read. */
static void stop_all_reads_the_result_after_a_slow_signal(void **state)
{
	struct tool_proc t, *pp = &t;
	uint64_t t0;

	(void)state;
	reset(1.5, 0, 5 * NSEC_PER_SEC);
	start_tool(&t, 0, true);
	wait_pgid(&t);
	t0 = clock_now_ns();
	exec_stop_all(NULL, &pp, 1, NSEC_PER_SEC);
	assert_true(clock_now_ns() - t0 >= 1500 * NSEC_PER_MSEC);
	assert_non_null(t.out);
	assert_non_null(strstr(t.out, "\"interrupted\""));
	assert_string_equal(t.why, "");
	assert_true(t.exited && WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0);
	assert_int_equal(term_calls, 1);
	tool_proc_done(&t);
}

/* Two dropped sessions (exit 255): tried again each second until one gets through. */
static void stop_all_retries_a_dropped_signal_session(void **state)
{
	struct tool_proc t, *pp = &t;

	(void)state;
	reset(0, 2, 10 * NSEC_PER_SEC);
	start_tool(&t, 0, true);
	wait_pgid(&t);
	exec_stop_all(NULL, &pp, 1, NSEC_PER_SEC);
	assert_int_equal(term_calls, 3);
	assert_non_null(t.out);
	assert_non_null(strstr(t.out, "\"interrupted\""));
	assert_string_equal(t.why, "");
	tool_proc_done(&t);
}

/* A signal that never arrives: bounded by connect_ns, then SIGKILL, DNR with the reason. */
static void stop_all_kills_with_a_reason_when_the_signal_never_arrives(void **state)
{
	struct tool_proc t, *pp = &t;
	uint64_t t0;

	(void)state;
	reset(100, 0, NSEC_PER_SEC);
	start_tool(&t, 0, true);
	wait_pgid(&t);
	t0 = clock_now_ns();
	exec_stop_all(NULL, &pp, 1, NSEC_PER_SEC);
	assert_true(clock_now_ns() - t0 < 6 * NSEC_PER_SEC);
	assert_true(t.exited && WIFSIGNALED(t.status) && WTERMSIG(t.status) == SIGKILL);
	assert_null(t.out);
	assert_string_equal(t.why,
			    "SIGTERM could not be delivered to its process group within 1 s");
	assert_true(last_helper > 0);
	assert_int_equal(kill(last_helper, 0), -1); /* the helper was ended and reaped */
	tool_proc_done(&t);
}

/* The ready budget counts from the "isolab-pgid" line (1.2 s late), not from the spawn. */
static void wait_ready_counts_from_when_the_tool_runs(void **state)
{
	struct tool_proc a, b, *pp[2] = { &a, &b };

	(void)state;
	reset(0, 0, 5 * NSEC_PER_SEC);
	start_tool(&a, 1.2, true);
	start_tool(&b, 0.2, false);
	exec_wait_ready(pp, 2, NSEC_PER_SEC);
	assert_true(a.ready);
	assert_false(a.ready_late);
	assert_false(b.ready);
	assert_true(b.ready_late); /* 1 s after its pgid line: given up on */
	exec_stop_all(NULL, pp, 2, NSEC_PER_SEC);
	assert_non_null(a.out);
	assert_non_null(b.out);
	tool_proc_done(&a);
	tool_proc_done(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stop_all_reads_the_result_after_a_slow_signal),
		cmocka_unit_test(stop_all_retries_a_dropped_signal_session),
		cmocka_unit_test(stop_all_kills_with_a_reason_when_the_signal_never_arrives),
		cmocka_unit_test(wait_ready_counts_from_when_the_tool_runs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
