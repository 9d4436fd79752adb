// SPDX-License-Identifier: MIT
/* The local executor: fork, join the VM (cgroups + netns), exec the tool in its own group. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "journal.h"
#include "local.h"
#include "proc.h"
#include "sig.h"

static void child_fail(int fd, const char *what, int e)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "isolab: %s: %s\n", what, strerror(e));

	if (n > 0)
		(void)!write(fd, msg, (size_t)n);
	_exit(127);
}

static int local_start(const struct exec_ctx *x, const char *vm, const char *ssh,
		       char *const argv[], const char *stderr_path, struct tool_proc *p)
{
	char path[PATH_MAX];
	int outp[2], errp[2], devnull, r;
	pid_t parent = getpid(), pid;

	(void)ssh;
	r = exec_find_tool(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	if (pipe2(outp, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		goto out_close_out;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		r = -errno;
		goto out_close_err;
	}
	if (stderr_path) {
		p->err_file = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (p->err_file < 0) {
			r = -errno;
			goto out_close_null;
		}
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out_close_null;
	}
	if (pid == 0) {
		sigset_t none;

		(void)setpgid(0, 0);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)signal(SIGPIPE, SIG_DFL);
		(void)signal(SIGINT, SIG_DFL);
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGHUP, SIG_DFL);
		/* the tool cleans up on SIGTERM; it must not outlive a dead controller */
		if (sig_parent_death(SIGTERM, parent) < 0)
			_exit(127);
		if (x->local && vm) {
			r = backend_local_enter(x->local, vm);
			if (r < 0)
				child_fail(errp[1], "cannot enter the VM", -r);
		}
		if (dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
			child_fail(errp[1], "dup2", errno);
		execv(path, argv);
		child_fail(2, path, errno);
	}
	(void)setpgid(pid, pid); /* both sides, so no race with an early signal */
	close(devnull);
	close(outp[1]);
	close(errp[1]);
	p->pid = pid;
	p->out_fd = outp[0];
	p->err_fd = errp[0];
	p->journal = x->journal;
	p->ops = &exec_local_ops;
	if (x->journal)
		(void)journal_proc(x->journal, pid, proc_start_time(pid));
	return 0;
out_close_null:
	if (p->err_file >= 0) {
		close(p->err_file);
		p->err_file = -1;
	}
	close(devnull);
out_close_err:
	close(errp[0]);
	close(errp[1]);
out_close_out:
	close(outp[0]);
	close(outp[1]);
	return r;
}

static int local_signal(const struct exec_ctx *x, struct tool_proc *p, int sig)
{
	(void)x;
	if (p->pid <= 0 || p->exited)
		return 0;
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0)
		return -errno;
	return 0;
}

const struct exec_ops exec_local_ops = {
	.name = "local",
	.start = local_start,
	.signal = local_signal,
};
