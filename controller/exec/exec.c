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
			p->remote_ns = clock_now_ns();
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

/* When p's ready budget ends: counted from when it runs on its machine. */
static uint64_t ready_deadline(const struct tool_proc *p, uint64_t budget_ns)
{
	if (p->remote_ns)
		return p->remote_ns + budget_ns;
	return p->started_ns + (p->ops ? p->ops->connect_ns : 0) + budget_ns;
}

void exec_wait_ready(struct tool_proc **procs, size_t n, uint64_t budget_ns)
{
	for (;;) {
		uint64_t now = clock_now_ns(), next = UINT64_MAX;

		for (size_t i = 0; i < n; i++) {
			struct tool_proc *p = procs[i];
			uint64_t d = ready_deadline(p, budget_ns);

			if (p->ready || p->ready_late || !tool_proc_active(p) || p->exited)
				continue;
			if (now >= d)
				p->ready_late = true;
			else if (d < next)
				next = d;
		}
		if (next == UINT64_MAX || sig_stop_requested())
			return;
		(void)exec_pump(procs, n, next - now);
	}
}

/* ---- stopping ---- */

enum stop_state {
	STOP_DONE,    /* nothing more to do: exited and read, or never started */
	STOP_SENDING, /* the signal is on its way (helper runs) */
	STOP_RETRY,   /* sending failed; again at .at */
	STOP_SENT,    /* delivered at .at: the tool has its grace from then */
	STOP_KILL,    /* its time is up: SIGKILL (why says why) */
};

struct stop {
	struct tool_proc *p;
	enum stop_state st;
	pid_t helper;
	uint64_t at;	  /* SENDING: since; RETRY: next try; SENT: delivered */
	uint64_t give_up; /* sending ends here */
};

#define STOP_RETRY_NS (NSEC_PER_SEC)

/*
 * How long SIGTERM may take to reach p: its executor's connection bound, or
 * three times what reaching its machine took when it was started, if longer
 * (the guest may be busier now: its own bomb runs).
 */
static uint64_t term_bound(const struct tool_proc *p)
{
	uint64_t b = p->ops ? p->ops->connect_ns : 0;

	if (p->remote_ns > p->started_ns && 3 * (p->remote_ns - p->started_ns) > b)
		b = 3 * (p->remote_ns - p->started_ns);
	return b;
}

static void term_begin(const struct exec_ctx *x, struct stop *s, uint64_t now)
{
	struct tool_proc *p = s->p;

	s->at = now;
	s->st = STOP_SENT; /* a tool already gone only has its output left to read */
	if (p->pid <= 0 || p->exited || !p->ops)
		return;
	if (p->ops->term_start && p->ops->term_start(x, p, &s->helper) == 0) {
		s->st = STOP_SENDING;
		return;
	}
	if (p->ops->term_start && p->remote_pgid > 1) {
		s->st = STOP_RETRY; /* could not even start ssh: again in a moment */
		s->at = now + STOP_RETRY_NS;
		return;
	}
	/* local, or no remote group known: the executor's own signal */
	(void)p->ops->signal(x, p, SIGTERM);
}

/* Reaps (or ends) the helper; its exit code, -1 when it still runs, -2 when ended here. */
static int helper_poll(struct stop *s, bool end)
{
	int st;
	pid_t r;

	if (s->helper <= 0)
		return -2;
	r = waitpid(s->helper, &st, WNOHANG);
	if (r == 0 && !end)
		return -1;
	if (r == 0) {
		(void)kill(-s->helper, SIGKILL);
		(void)kill(s->helper, SIGKILL);
		(void)waitpid(s->helper, &st, 0);
	}
	s->helper = -1;
	if (r == 0 || r < 0)
		return -2;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -2;
}

static void stop_give_up(struct stop *s)
{
	s->st = STOP_KILL;
	snprintf(s->p->why, sizeof(s->p->why),
		 "SIGTERM could not be delivered to its process group within %.0f s",
		 ns_to_s(term_bound(s->p)));
}

static void stop_step(const struct exec_ctx *x, struct stop *s, uint64_t now, uint64_t grace_ns)
{
	struct tool_proc *p = s->p;
	bool gone = !tool_proc_active(p);

	if (s->st == STOP_SENDING) {
		int code = helper_poll(s, gone || now >= s->give_up);

		if (code == 0 || code == 1) { /* delivered, or the group was gone already */
			s->st = STOP_SENT;
			s->at = now;
		} else if (code != -1 && !gone && now + STOP_RETRY_NS < s->give_up) {
			s->st = STOP_RETRY; /* the session failed (ssh's 255): again */
			s->at = now + STOP_RETRY_NS;
		} else if (code != -1 && !gone) {
			stop_give_up(s);
		}
	}
	if (s->st == STOP_RETRY && !gone) {
		if (now >= s->give_up)
			stop_give_up(s);
		else if (now >= s->at)
			term_begin(x, s, now);
	}
	if (gone) {
		s->st = STOP_DONE; /* its helper, if any, was reaped above */
	} else if (s->st == STOP_SENT && now >= s->at + grace_ns) {
		s->st = STOP_KILL;
		snprintf(p->why, sizeof(p->why), "it did not exit within %.1f s of SIGTERM",
			 ns_to_s(grace_ns));
	}
}

/* SIGKILL to the tools whose time is up, then what is left of their pipes goes. */
static void stop_kill(const struct exec_ctx *x, struct stop *st, size_t n, struct tool_proc **procs)
{
	uint64_t deadline;
	bool active = false;

	for (size_t i = 0; i < n; i++)
		if (st[i].st == STOP_KILL && st[i].p->pid > 0 && !st[i].p->exited) {
			log_warn("%s did not stop: %s; killing it", st[i].p->label, st[i].p->why);
			(void)st[i].p->ops->signal(x, st[i].p, SIGKILL);
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

#define STOP_CHUNK 32 /* exec_pump() reads the pipes of this many at once */

static void stop_chunk(const struct exec_ctx *x, struct tool_proc **procs, size_t n,
		       uint64_t grace_ns)
{
	struct stop st[STOP_CHUNK];
	uint64_t now = clock_now_ns();
	bool pending = true, kill_any = false;

	for (size_t i = 0; i < n; i++) {
		st[i] = (struct stop){ .p = procs[i], .helper = -1 };
		st[i].give_up = now + term_bound(procs[i]);
		term_begin(x, &st[i], now);
	}
	while (pending) {
		(void)exec_pump(procs, n, 100 * NSEC_PER_MSEC);
		now = clock_now_ns();
		pending = false;
		for (size_t i = 0; i < n; i++) {
			stop_step(x, &st[i], now, grace_ns);
			pending |= st[i].st != STOP_DONE && st[i].st != STOP_KILL;
		}
	}
	for (size_t i = 0; i < n; i++)
		kill_any |= st[i].st == STOP_KILL;
	if (kill_any)
		stop_kill(x, st, n, procs);
}

void exec_stop_all(const struct exec_ctx *x, struct tool_proc **procs, size_t n, uint64_t grace_ns)
{
	for (size_t off = 0; off < n; off += STOP_CHUNK)
		stop_chunk(x, procs + off, n - off < STOP_CHUNK ? n - off : STOP_CHUNK, grace_ns);
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
	p->started_ns = clock_now_ns();
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
