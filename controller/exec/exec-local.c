// SPDX-License-Identifier: MIT
/* The local executor: fork, join the VM through the backend's enter(), exec the tool. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "exec.h"
#include "proc.h"

extern const struct exec_ops exec_local_ops;

struct enter_arg {
	const struct exec_ctx *x;
	const char *vm;
};

/* In the child: into the VM's cgroups and namespaces (nothing when the backend has no enter). */
static int enter_vm(void *arg)
{
	const struct enter_arg *e = arg;

	if (!e->vm || !e->x->bops || !e->x->bops->enter)
		return 0;
	return e->x->bops->enter(e->x->b, e->vm);
}

static int local_start(const struct exec_ctx *x, const char *vm, const char *target,
		       char *const argv[], const char *stderr_path, struct tool_proc *p)
{
	char path[PATH_MAX];
	struct enter_arg e = { .x = x, .vm = vm };
	struct proc_spawn sp = {
		.argv = argv,
		.path = path,
		/* the tool cleans up on SIGTERM; it must not outlive a dead controller */
		.parent_death_sig = SIGTERM,
		.in_child = enter_vm,
		.arg = &e,
		.in_child_what = "cannot enter the VM",
	};
	int r;

	(void)target;
	r = exec_find_tool(argv[0], path, sizeof(path));
	if (r < 0)
		return r;
	r = exec_spawn(x, &sp, stderr_path, p);
	if (r < 0)
		return r;
	p->ops = &exec_local_ops;
	p->target = NULL;
	return 0;
}

static int local_oneshot(const struct exec_ctx *x, const char *vm, const char *target,
			 const char *cmd, const char *stdin_data, uint64_t timeout_ns)
{
	char *const argv[] = { (char *)"/bin/sh", (char *)"-c", (char *)cmd, NULL };
	struct enter_arg e = { .x = x, .vm = vm };
	struct proc_spawn sp = {
		.argv = argv,
		.path = argv[0],
		.fd_in = PROC_FD_NULL,
		.fd_out = PROC_FD_NULL,
		.fd_err = PROC_FD_NULL,
		.in_child = enter_vm,
		.arg = &e,
		.in_child_what = "cannot enter the VM",
	};
	pid_t pid;
	int st, r;

	(void)target;
	if (stdin_data)
		return -EOPNOTSUPP; /* local files are written directly */
	pid = proc_spawn(&sp);
	if (pid < 0)
		return pid;
	r = proc_wait_timeout(pid, timeout_ns, &st);
	if (r == -ETIMEDOUT) {
		(void)kill(-pid, SIGKILL);
		(void)proc_wait_timeout(pid, NSEC_PER_SEC, &st);
	}
	if (r < 0)
		return r;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
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
	.stop_grace_ns = 5 * NSEC_PER_SEC,
	.start = local_start,
	.oneshot = local_oneshot,
	.signal = local_signal,
};
