// SPDX-License-Identifier: MIT
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "sig.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int proc_wait_timeout(pid_t pid, uint64_t timeout_ns, int *status)
{
	uint64_t deadline = clock_now_ns() + timeout_ns;
	int st, pfd = -1;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		uint64_t now;

		if (r == pid) {
			if (pfd >= 0)
				close(pfd);
			if (status)
				*status = st;
			return 0;
		}
		if (r < 0 && errno != EINTR) {
			int e = -errno;

			if (pfd >= 0)
				close(pfd);
			return e;
		}
		now = clock_now_ns();
		if (now >= deadline) {
			if (pfd >= 0)
				close(pfd);
			return -ETIMEDOUT;
		}
		if (pfd < 0)
			pfd = pidfd_open_(pid);
		if (pfd >= 0) {
			struct pollfd p = { .fd = pfd, .events = POLLIN };
			uint64_t left_ms = (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;

			(void)poll(&p, 1, left_ms > 1000 ? 1000 : (int)left_ms);
		} else {
			clock_sleep(2 * NSEC_PER_MSEC);
		}
	}
}

int proc_stop(pid_t pid, bool group, uint64_t grace_ns, int *status)
{
	pid_t target = group ? -pid : pid;
	int r;

	if (pid <= 0)
		return -EINVAL;
	r = proc_wait_timeout(pid, 0, status);
	if (r != -ETIMEDOUT)
		return r;
	if (kill(target, SIGTERM) != 0 && errno != ESRCH)
		return -errno;
	r = proc_wait_timeout(pid, grace_ns, status);
	if (r != -ETIMEDOUT)
		goto out_kill_stragglers;
	(void)kill(target, SIGKILL);
	r = proc_wait_timeout(pid, 5 * NSEC_PER_SEC, status);
out_kill_stragglers:
	/* the leader is gone; members of its group that outlived it go too */
	if (group)
		(void)kill(target, SIGKILL);
	return r;
}

int proc_reap_children(void)
{
	int n = 0;

	while (waitpid(-1, NULL, WNOHANG) > 0)
		n++;
	return n;
}

bool proc_alive(pid_t pid)
{
	if (pid <= 0)
		return false;
	return kill(pid, 0) == 0 || errno == EPERM;
}

uint64_t proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may contain spaces and parentheses: count fields after the last ')' */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	while (*p >= '0' && *p <= '9')
		start = start * 10 + (unsigned long long)(*p++ - '0');
	return start;
}

/* ---- spawning ---- */

/* write(2) of a C string; nothing else is safe between fork and exec. */
static void child_say(const char *s)
{
	(void)!write(STDERR_FILENO, s, strlen(s));
}

static _Noreturn void child_fail(const char *what, int e)
{
	const char *desc = strerrordesc_np(e);

	child_say("isolab: ");
	child_say(what);
	child_say(": ");
	child_say(desc ? desc : "error");
	child_say("\n");
	_exit(127);
}

/* Puts fd (or /dev/null, or nothing) at target; fds were moved above 2 first. */
static int child_fd(int fd, int target, int flags)
{
	if (fd == PROC_FD_INHERIT)
		return 0;
	if (fd == PROC_FD_NULL) {
		fd = open("/dev/null", flags | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	return dup2(fd, target) < 0 ? -errno : 0;
}

/*
 * The child's side: its own process group, every signal back to its default
 * disposition and none blocked (an ignored SIGPIPE or a blocked SIGTERM would
 * survive exec and change how the tool stops), the parent-death signal, the
 * three standard fds, then the caller's hook and exec. Async-signal-safe only.
 */
static _Noreturn void child_setup(const struct proc_spawn *sp, pid_t parent)
{
	int fds[3] = { sp->fd_in, sp->fd_out, sp->fd_err };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	int r;

	(void)setpgid(0, 0);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (sp->parent_death_sig && sig_parent_death(sp->parent_death_sig, parent) < 0)
		_exit(127);
	/* above 2 first, so that one target never overwrites another's source */
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0 && fds[i] <= 2 && (fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3)) < 0)
			child_fail("dup", errno);
	if ((r = child_fd(fds[0], 0, O_RDONLY)) < 0 || (r = child_fd(fds[1], 1, O_WRONLY)) < 0 ||
	    (r = child_fd(fds[2], 2, O_WRONLY)) < 0)
		child_fail("dup2", -r);
	if (sp->in_child && (r = sp->in_child(sp->arg)) < 0)
		child_fail(sp->in_child_what ? sp->in_child_what : "setup", -r);
	if (sp->fn)
		_exit(sp->fn(sp->arg));
	if (sp->path)
		execv(sp->path, sp->argv);
	else
		execvp(sp->argv[0], sp->argv);
	child_fail(sp->path ? sp->path : sp->argv[0], errno);
}

pid_t proc_spawn(const struct proc_spawn *sp)
{
	pid_t parent = getpid(), pid;

	if (!sp || (!sp->fn && (!sp->argv || !sp->argv[0])))
		return -EINVAL;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_setup(sp, parent);
	(void)setpgid(pid, pid); /* both sides, so no race with an early signal */
	return pid;
}

/* ---- proc_run ---- */

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

/* What proc_run moves between the child and its caller. */
struct run_io {
	int out_fd; /* the child's stdout (and stderr), -1 at EOF */
	int in_fd;  /* the child's stdin, -1 once everything is written */
	const char *in;
	size_t in_len, in_off;
	char *buf;
	size_t len, cap, max;
};

static void feed_stdin(struct run_io *io)
{
	ssize_t w = write(io->in_fd, io->in + io->in_off, io->in_len - io->in_off);

	if (w > 0)
		io->in_off += (size_t)w;
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		io->in_off = io->in_len; /* the child closed stdin: stop feeding */
	if (io->in_off >= io->in_len) {
		close(io->in_fd);
		io->in_fd = -1;
	}
}

/* 1 more to read, 0 at EOF, or -errno. */
static int read_stdout(struct run_io *io)
{
	ssize_t n;

	if (io->len + 1 >= io->cap) {
		char *nb = realloc(io->buf, io->cap * 2);

		if (!nb)
			return -ENOMEM;
		io->buf = nb;
		io->cap *= 2;
	}
	n = read(io->out_fd, io->buf + io->len, io->cap - io->len - 1);
	if (n < 0 && errno == EINTR)
		return 1;
	if (n <= 0)
		return 0; /* EOF: the child closed stdout (usually it exited) */
	io->len += (size_t)n;
	return io->len > io->max ? -EFBIG : 1;
}

/* Moves data until the child's stdout closes or the deadline; 0 or -errno. */
static int pump(struct run_io *io, uint64_t deadline)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = io->out_fd, .events = POLLIN },
					 { .fd = io->in_fd, .events = POLLOUT } };
		uint64_t now = clock_now_ns();
		int nfds = io->in_fd >= 0 ? 2 : 1, pr, r;

		if (now >= deadline)
			return -ETIMEDOUT;
		pr = poll(pfd, (nfds_t)nfds, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (nfds == 2 && (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)))
			feed_stdin(io);
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			r = read_stdout(io);
			if (r <= 0)
				return r;
		}
	}
}

/* Waits for the child, killing its group when the run failed or it will not exit. */
static int reap(pid_t pid, int r, uint64_t deadline, int *st)
{
	uint64_t now = clock_now_ns();
	uint64_t left = r == 0 && deadline > now ? deadline - now : 5 * NSEC_PER_SEC;
	int wr;

	if (r) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
	}
	wr = proc_wait_timeout(pid, left, st);
	if (wr == -ETIMEDOUT) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		(void)proc_wait_timeout(pid, 5 * NSEC_PER_SEC, st);
		return r ? r : -ETIMEDOUT;
	}
	return r ? r : wr;
}

int proc_run(const char *const argv[], const char *stdin_data, bool merge_stderr,
	     uint64_t timeout_ns, size_t max_out, char **out, int *status)
{
	int outp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	struct run_io io = {
		.out_fd = -1, .in_fd = -1, .in = stdin_data, .cap = 1024, .max = max_out
	};
	/* a short command the caller waits for: it dies with the caller (kill -9 too) */
	struct proc_spawn sp = { .argv = (char *const *)argv,
				 .fd_in = PROC_FD_NULL,
				 .fd_err = PROC_FD_INHERIT,
				 .parent_death_sig = SIGKILL };
	uint64_t deadline = clock_now_ns() + timeout_ns;
	pid_t pid;
	int r, st = 0;

	if (out)
		*out = NULL;
	if (!argv || !argv[0])
		return -EINVAL;
	io.buf = malloc(io.cap);
	if (!io.buf)
		return -ENOMEM;
	if (pipe2(outp, O_CLOEXEC) != 0 || (stdin_data && pipe2(inp, O_CLOEXEC) != 0)) {
		r = -errno;
		goto out_close;
	}
	sp.fd_out = outp[1];
	if (merge_stderr)
		sp.fd_err = outp[1];
	if (stdin_data)
		sp.fd_in = inp[0];
	pid = proc_spawn(&sp);
	if (pid < 0) {
		r = pid;
		goto out_close;
	}
	close(outp[1]);
	outp[1] = -1;
	io.out_fd = outp[0];
	if (stdin_data) {
		close(inp[0]);
		inp[0] = -1;
		io.in_len = strlen(stdin_data);
		(void)set_nonblock(inp[1]);
		io.in_fd = inp[1];
		inp[1] = -1;
		if (io.in_len == 0) {
			close(io.in_fd);
			io.in_fd = -1;
		}
	}
	r = pump(&io, deadline);
	if (io.in_fd >= 0) {
		close(io.in_fd); /* a child still reading stdin sees its end */
		io.in_fd = -1;
	}
	r = reap(pid, r, deadline, &st);
	io.buf[io.len < io.cap ? io.len : io.cap - 1] = '\0';
	if (out) {
		*out = io.buf;
		io.buf = NULL;
	}
	if (!r && status)
		*status = st;
out_close:
	free(io.buf);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (inp[i] >= 0)
			close(inp[i]);
	}
	return r;
}

unsigned proc_cpus_allowed(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? (unsigned)n : 1;
}
