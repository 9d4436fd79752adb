// SPDX-License-Identifier: MIT
/* What every executor shares: reading tool output, readiness, stopping, finding tools. */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "journal.h"
#include "log.h"
#include "proc.h"
#include "sig.h"

void tool_proc_init(struct tool_proc *p, const char *label)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->pid = -1;
	p->out_fd = -1;
	p->err_fd = -1;
	p->err_file = -1;
}

void tool_proc_done(struct tool_proc *p)
{
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	if (p->err_file >= 0)
		close(p->err_file);
	p->out_fd = p->err_fd = p->err_file = -1;
	free(p->out);
	p->out = NULL;
	p->out_len = 0;
}

bool tool_proc_active(const struct tool_proc *p)
{
	return p->pid > 0 && (!p->exited || p->out_fd >= 0 || p->err_fd >= 0);
}

static void scan_line(struct tool_proc *p)
{
	p->line[p->line_len] = '\0';
	if (strcmp(p->line, "isolab-ready") == 0) {
		p->ready = true;
	} else if (strncmp(p->line, "isolab-pgid ", 12) == 0 && p->remote_pgid == 0) {
		char *end;
		long v = strtol(p->line + 12, &end, 10);

		if (*end == '\0' && v > 1) {
			p->remote_pgid = v;
			if (p->journal && p->target && p->ops && p->ops->kill_remote)
				(void)journal_remote(p->journal, p->ops->name, p->target, v);
		}
	}
	p->line_len = 0;
}

static void on_err_data(struct tool_proc *p, const char *buf, size_t n)
{
	if (p->err_file >= 0 && write(p->err_file, buf, n) < 0)
		log_debug("%s: stderr copy: %s", p->label, strerror(errno));
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			scan_line(p);
		} else if (p->line_len + 1 < sizeof(p->line)) {
			p->line[p->line_len++] = buf[i];
		}
	}
}

static void on_out_data(struct tool_proc *p, const char *buf, size_t n)
{
	char *nb;

	if (p->out_overflow)
		return;
	if (p->out_len + n > EXEC_MAX_OUT) {
		p->out_overflow = true;
		return;
	}
	nb = realloc(p->out, p->out_len + n + 1);
	if (!nb) {
		p->out_overflow = true;
		return;
	}
	memcpy(nb + p->out_len, buf, n);
	p->out = nb;
	p->out_len += n;
	p->out[p->out_len] = '\0';
}

static void read_fd(struct tool_proc *p, bool is_out)
{
	char buf[16384];
	int *fd = is_out ? &p->out_fd : &p->err_fd;
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n > 0) {
		if (is_out)
			on_out_data(p, buf, (size_t)n);
		else
			on_err_data(p, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (!is_out && p->line_len)
		scan_line(p);
	close(*fd);
	*fd = -1;
}

static void reap(struct tool_proc *p)
{
	int st;
	pid_t r;

	if (p->pid <= 0 || p->exited)
		return;
	r = waitpid(p->pid, &st, WNOHANG);
	if (r == p->pid) {
		p->exited = true;
		p->status = st;
		if (p->journal)
			(void)journal_proc_done(p->journal, p->pid);
		if (p->journal && p->target && p->remote_pgid)
			(void)journal_remote_done(p->journal, p->target, p->remote_pgid);
	}
}

int exec_pump(struct tool_proc **procs, size_t n, uint64_t timeout_ns)
{
	struct pollfd pfd[64];
	struct tool_proc *owner[64];
	bool is_out[64];
	size_t k = 0;
	int r, ms;

	for (size_t i = 0; i < n && k + 2 <= 64; i++) {
		if (procs[i]->out_fd >= 0) {
			pfd[k] = (struct pollfd){ .fd = procs[i]->out_fd, .events = POLLIN };
			owner[k] = procs[i];
			is_out[k++] = true;
		}
		if (procs[i]->err_fd >= 0) {
			pfd[k] = (struct pollfd){ .fd = procs[i]->err_fd, .events = POLLIN };
			owner[k] = procs[i];
			is_out[k++] = false;
		}
	}
	ms = (int)((timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	if (ms > 250)
		ms = 250; /* reap exited children at least this often */
	r = poll(pfd, k, ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	for (size_t i = 0; r > 0 && i < k; i++)
		if (pfd[i].revents)
			read_fd(owner[i], is_out[i]);
	for (size_t i = 0; i < n; i++)
		reap(procs[i]);
	return r < 0 ? -EINTR : 0;
}

void exec_wait_ready(struct tool_proc **procs, size_t n, uint64_t deadline_ns)
{
	for (;;) {
		bool waiting = false;
		uint64_t now = clock_now_ns();

		for (size_t i = 0; i < n; i++)
			if (!procs[i]->ready && tool_proc_active(procs[i]) && !procs[i]->exited)
				waiting = true;
		if (!waiting || now >= deadline_ns || sig_stop_requested())
			return;
		(void)exec_pump(procs, n, deadline_ns - now);
	}
}

void exec_stop_all(const struct exec_ctx *x, struct tool_proc **procs, size_t n, uint64_t grace_ns)
{
	uint64_t deadline = clock_now_ns() + grace_ns;
	bool active = false;

	for (size_t i = 0; i < n; i++)
		if (procs[i]->pid > 0 && !procs[i]->exited && procs[i]->ops)
			(void)procs[i]->ops->signal(x, procs[i], SIGTERM);
	for (;;) {
		active = false;
		for (size_t i = 0; i < n; i++)
			active |= tool_proc_active(procs[i]);
		if (!active || clock_now_ns() >= deadline)
			break;
		(void)exec_pump(procs, n, deadline - clock_now_ns());
	}
	if (!active)
		return;
	for (size_t i = 0; i < n; i++)
		if (procs[i]->pid > 0 && !procs[i]->exited && procs[i]->ops) {
			log_warn("%s did not stop within %.1f s; killing it", procs[i]->label,
				 ns_to_s(grace_ns));
			(void)procs[i]->ops->signal(x, procs[i], SIGKILL);
		}
	deadline = clock_now_ns() + 3 * NSEC_PER_SEC;
	for (;;) {
		active = false;
		for (size_t i = 0; i < n; i++)
			active |= procs[i]->pid > 0 && !procs[i]->exited;
		if (!active || clock_now_ns() >= deadline)
			break;
		(void)exec_pump(procs, n, 100 * NSEC_PER_MSEC);
	}
	/* a pipe kept open by a grandchild must not hold us: close what is left */
	for (size_t i = 0; i < n; i++) {
		if (procs[i]->out_fd >= 0) {
			close(procs[i]->out_fd);
			procs[i]->out_fd = -1;
		}
		if (procs[i]->err_fd >= 0) {
			close(procs[i]->err_fd);
			procs[i]->err_fd = -1;
		}
	}
}

static bool is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int exec_find_tool(const char *name, char *buf, size_t len)
{
	static const char *const rel[] = { "", "/../bombs", "/../probes", "/../probes/victim",
					   NULL };
	char self[PATH_MAX];
	const char *env = getenv("ISOLAB_TOOL_DIR"), *path;
	ssize_t n;

	if (env && *env) {
		snprintf(buf, len, "%s/%s", env, name);
		if (is_exec(buf))
			return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; rel[i]; i++) {
			snprintf(buf, len, "%s%s/%s", self, rel[i], name);
			if (is_exec(buf))
				return 0;
		}
	}
	/* where meson installed them with isolab: a copy of isolab elsewhere finds them too */
	snprintf(buf, len, "%s/%s", ISOLAB_BINDIR, name);
	if (is_exec(buf))
		return 0;
	path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t seg = strcspn(path, ":");

		snprintf(buf, len, "%.*s/%s", (int)seg, path, name);
		if (seg && is_exec(buf))
			return 0;
		path += seg;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

int exec_spawn(const struct exec_ctx *x, struct proc_spawn *sp, const char *stderr_path,
	       struct tool_proc *p)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, r;
	pid_t pid;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
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
	sp->fd_in = PROC_FD_NULL;
	sp->fd_out = outp[1];
	sp->fd_err = errp[1];
	pid = proc_spawn(sp);
	if (pid < 0) {
		r = pid;
		goto out_close_file;
	}
	close(outp[1]);
	close(errp[1]);
	p->pid = pid;
	p->out_fd = outp[0];
	p->err_fd = errp[0];
	p->journal = x->journal;
	if (x->journal)
		(void)journal_proc(x->journal, pid, proc_start_time(pid));
	return 0;
out_close_file:
	if (p->err_file >= 0) {
		close(p->err_file);
		p->err_file = -1;
	}
out_close:
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return r;
}
