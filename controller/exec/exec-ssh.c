// SPDX-License-Identifier: MIT
/*
 * The ssh executor: `ssh ... -- HOST COMMAND` (ssh-cmd.h) runs the tool under
 * `setsid -w` on the guest; the tool's shell prints "isolab-pgid N" on
 * stderr first, so the controller can stop the whole remote group with
 * `kill -SIG -N` over ssh (closing ssh alone would leave it running).
 * `isolab deploy` copies the tools to ~/isolab/bin, which is put first in
 * the remote PATH.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "exec.h"
#include "shell.h"
#include "ssh-cmd.h"
#include "proc.h"

#define SSH_CMD_MAX    16384
#define SSH_REMOTE_BIN "isolab/bin" /* under the remote $HOME */

extern const struct exec_ops exec_ssh_ops;

/* The remote command line: PATH with ~/isolab/bin, setsid, the pgid line, then argv. */
static int build_remote(char *const argv[], char *cmd, size_t len)
{
	int n = snprintf(cmd, len,
			 "PATH=\"$HOME/%s:$PATH\"; export PATH; exec setsid -w sh -c "
			 "'echo isolab-pgid $$ >&2; exec \"$0\" \"$@\"'",
			 SSH_REMOTE_BIN);

	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return shell_join(cmd, len, (const char *const *)argv);
}

static int ssh_start(const struct exec_ctx *x, const char *vm, const char *target,
		     char *const argv[], const char *stderr_path, struct tool_proc *p)
{
	char *cmd = malloc(SSH_CMD_MAX);
	struct proc_spawn sp = { .parent_death_sig = SIGTERM };
	struct ssh_cmd c;
	int r;

	(void)vm;
	if (!cmd)
		return -ENOMEM;
	r = build_remote(argv, cmd, SSH_CMD_MAX);
	if (r == 0)
		r = ssh_cmd_argv(&c, target, cmd);
	if (r < 0)
		goto out_free;
	sp.argv = (char *const *)c.argv; /* execvp: $ISOLAB_SSH or ssh on PATH */
	r = exec_spawn(x, &sp, stderr_path, p);
	if (r < 0)
		goto out_free;
	p->ops = &exec_ssh_ops;
	p->target = target;
out_free:
	free(cmd);
	return r;
}

static int ssh_oneshot(const struct exec_ctx *x, const char *vm, const char *target,
		       const char *cmd, const char *stdin_data, uint64_t timeout_ns)
{
	(void)x;
	(void)vm;
	return ssh_cmd_run(target, cmd, stdin_data, timeout_ns, NULL, NULL);
}

static int ssh_signal(const struct exec_ctx *x, struct tool_proc *p, int sig)
{
	char cmd[96];

	(void)x;
	if (p->pid <= 0 || p->exited)
		return 0;
	if (p->remote_pgid > 1) {
		int r;

		snprintf(cmd, sizeof(cmd), "kill -%s -%ld", sig == SIGKILL ? "KILL" : "TERM",
			 p->remote_pgid);
		r = ssh_cmd_run(p->target, cmd, NULL, 15 * NSEC_PER_SEC, NULL, NULL);
		/*
		 * The one-off path (a stop requested while the probe runs):
		 * whatever ssh exited with, the tool gets its grace period to
		 * print its result; killing the local client now would lose it
		 * and leave the remote group running. exec_stop_all() uses
		 * term_start(), which tells a delivered signal from a session
		 * that failed before the kill ran (seen in the Xen lab).
		 */
		if ((r == 0 || r == -EIO) && sig != SIGKILL)
			return 0;
	}
	/* no remote group known (or killing for good): end the local ssh client too */
	if (kill(-p->pid, sig) < 0 && kill(p->pid, sig) < 0)
		return -errno;
	return 0;
}

/*
 * SIGTERM over its own ssh session, not waited for: on a starved guest the
 * login alone takes seconds, and several tools are stopped at once. The
 * remote kill exits 1 when the group is gone already; ssh itself 255 when it
 * could not get through (exec_stop_all() tries again).
 */
static int ssh_term_start(const struct exec_ctx *x, struct tool_proc *p, pid_t *helper)
{
	struct proc_spawn sp = {
		.fd_in = PROC_FD_NULL,
		.fd_out = PROC_FD_NULL,
		.fd_err = PROC_FD_NULL,
		.parent_death_sig = SIGKILL,
	};
	struct ssh_cmd c;
	char cmd[64];
	pid_t pid;
	int r;

	(void)x;
	if (p->remote_pgid <= 1)
		return -ESRCH;
	snprintf(cmd, sizeof(cmd), "kill -TERM -%ld", p->remote_pgid);
	r = ssh_cmd_argv(&c, p->target, cmd);
	if (r < 0)
		return r;
	sp.argv = (char *const *)c.argv;
	pid = proc_spawn(&sp);
	if (pid < 0)
		return pid;
	*helper = pid;
	return 0;
}

static int ssh_kill_remote(const char *target, long pgid)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "kill -KILL -%ld 2>/dev/null; true", pgid);
	return ssh_cmd_run(target, cmd, NULL, 20 * NSEC_PER_SEC, NULL, NULL);
}

/* "user@host" -> "host" */
static const char *ssh_target_host(const char *target, char *buf, size_t len)
{
	const char *at = strchr(target, '@');

	snprintf(buf, len, "%s", at ? at + 1 : target);
	return buf;
}

/* Copies output text into why as one line. */
static void first_line(const char *out, int r, char *why, size_t len)
{
	size_t n = out ? strcspn(out, "\n") : 0;

	if (n)
		snprintf(why, len, "%.*s", (int)n, out);
	else
		snprintf(why, len, "%s", strerror(-r));
}

static int ssh_deploy(const char *target, const char *const paths[], size_t n, char *why,
		      size_t len)
{
	char dest[600], *out = NULL;
	struct ssh_cmd c;
	int st, r;

	r = ssh_cmd_run(target, "mkdir -p " SSH_REMOTE_BIN, NULL, 300 * NSEC_PER_SEC, &out, NULL);
	if (r < 0)
		goto out_why;
	free(out);
	out = NULL;
	snprintf(dest, sizeof(dest), "%s:%s/", target, SSH_REMOTE_BIN);
	r = ssh_cmd_scp(&c, paths, n, dest);
	if (r < 0)
		goto out_why;
	r = proc_run(c.argv, NULL, true, 300 * NSEC_PER_SEC, 1 << 20, &out, &st);
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = -EIO;
	if (r == 0)
		goto out_free;
out_why:
	first_line(out, r, why, len);
out_free:
	free(out);
	return r;
}

const struct exec_ops exec_ssh_ops = {
	.name = "ssh",
	.target_key = "ssh",
	.target_hint = "[user@]host",
	.remote = true,
	/*
	 * A guest its neighbour starves (a fifth of an emulated CPU in the Xen
	 * lab) may take seconds just to accept the ssh that delivers SIGTERM.
	 */
	.stop_grace_ns = 30 * NSEC_PER_SEC,
	/*
	 * ConnectTimeout (20 s) bounds the TCP connection and the banner only;
	 * the key exchange and login follow on the same starved CPU: in the Xen
	 * lab a tool started over ssh said "isolab-pgid" up to 22 s later.
	 */
	.connect_ns = 60 * NSEC_PER_SEC,
	.target_valid = ssh_target_valid,
	.target_host = ssh_target_host,
	.start = ssh_start,
	.oneshot = ssh_oneshot,
	.signal = ssh_signal,
	.term_start = ssh_term_start,
	.kill_remote = ssh_kill_remote,
	.deploy = ssh_deploy,
};
