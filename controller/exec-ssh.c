// SPDX-License-Identifier: MIT
/*
 * The ssh executor: `ssh -o BatchMode=yes HOST sh -c ...` runs the tool under
 * `setsid -w` on the guest; the tool's shell prints "isolab-pgid N" on
 * stderr first, so the controller can stop the whole remote group with
 * `ssh HOST kill -SIG -- -N` (closing ssh alone would leave it running).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "journal.h"
#include "proc.h"
#include "sig.h"

#define SSH_CMD_MAX 16384

static int build_remote(const struct exec_ctx *x, char *const argv[], char *cmd, size_t len)
{
	int r;

	snprintf(cmd, len,
		 "PATH=\"$HOME/%s:$PATH\"; export PATH; exec setsid -w sh -c "
		 "'echo isolab-pgid $$ >&2; exec \"$0\" \"$@\"'",
		 x->remote_path ? x->remote_path : "isolab/bin");
	for (size_t i = 0; argv[i]; i++) {
		size_t o = strlen(cmd);

		if (o + 2 >= len)
			return -E2BIG;
		cmd[o] = ' ';
		cmd[o + 1] = '\0';
		r = exec_shell_quote(argv[i], cmd, len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ssh_start(const struct exec_ctx *x, const char *vm, const char *ssh, char *const argv[],
		     const char *stderr_path, struct tool_proc *p)
{
	char *cmd = malloc(SSH_CMD_MAX);
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, devnull = -1, r;
	pid_t parent = getpid(), pid;

	(void)vm;
	if (!cmd)
		return -ENOMEM;
	if (!ssh) {
		r = -EINVAL;
		goto out_free;
	}
	r = build_remote(x, argv, cmd, SSH_CMD_MAX);
	if (r < 0)
		goto out_free;
	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		r = -errno;
		goto out_close;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0) {
		r = -errno;
		goto out_close;
	}
	if (stderr_path) {
		p->err_file = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (p->err_file < 0) {
			r = -errno;
			goto out_close;
		}
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out_close;
	}
	if (pid == 0) {
		char *sargv[] = { (char *)"ssh", (char *)"-o", (char *)"BatchMode=yes",
				  (char *)"-T",	 (char *)"--", (char *)ssh,
				  cmd,		 NULL };
		sigset_t none;

		(void)setpgid(0, 0);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		(void)signal(SIGPIPE, SIG_DFL);
		(void)signal(SIGINT, SIG_DFL);
		(void)signal(SIGTERM, SIG_DFL);
		if (sig_parent_death(SIGTERM, parent) < 0)
			_exit(127);
		if (dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
			_exit(127);
		execvp("ssh", sargv);
		_exit(127);
	}
	(void)setpgid(pid, pid);
	close(outp[1]);
	close(errp[1]);
	close(devnull);
	free(cmd);
	p->pid = pid;
	p->out_fd = outp[0];
	p->err_fd = errp[0];
	p->ssh = ssh;
	p->journal = x->journal;
	p->ops = &exec_ssh_ops;
	if (x->journal)
		(void)journal_proc(x->journal, pid, proc_start_time(pid));
	return 0;
out_close:
	if (p->err_file >= 0) {
		close(p->err_file);
		p->err_file = -1;
	}
	if (devnull >= 0)
		close(devnull);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
out_free:
	free(cmd);
	return r;
}

static int ssh_signal(const struct exec_ctx *x, struct tool_proc *p, int sig)
{
	char cmd[96], *out = NULL;
	const char *argv[] = { (char *)"ssh", (char *)"-o", (char *)"BatchMode=yes",
			       (char *)"-T",  (char *)"--", (char *)p->ssh,
			       cmd,	      NULL };
	int st, r;

	(void)x;
	if (p->pid <= 0 || p->exited)
		return 0;
	if (p->remote_pgid > 1) {
		snprintf(cmd, sizeof(cmd), "kill -%s -%ld", sig == SIGKILL ? "KILL" : "TERM",
			 p->remote_pgid);
		r = proc_run(argv, NULL, true, 15 * 1000000000ULL, 65536, &out, &st);
		free(out);
		if (r == 0 && sig != SIGKILL)
			return 0;
	}
	/* no remote group known (or killing for good): end the local ssh client too */
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0)
		return -errno;
	return 0;
}

const struct exec_ops exec_ssh_ops = {
	.name = "ssh",
	.start = ssh_start,
	.signal = ssh_signal,
};
