// SPDX-License-Identifier: MIT
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"

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

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int proc_run(const char *const argv[], const char *stdin_data, bool merge_stderr,
	     uint64_t timeout_ns, size_t max_out, char **out, int *status)
{
	int outp[2] = { -1, -1 }, inp[2] = { -1, -1 };
	size_t in_len = stdin_data ? strlen(stdin_data) : 0, in_off = 0;
	size_t cap = 1024, len = 0;
	uint64_t deadline = clock_now_ns() + timeout_ns;
	char *buf = NULL;
	pid_t pid;
	int r = 0, st = 0;

	if (out)
		*out = NULL;
	if (!argv || !argv[0])
		return -EINVAL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	if (pipe2(outp, O_CLOEXEC) != 0 || (stdin_data && pipe2(inp, O_CLOEXEC) != 0)) {
		r = -errno;
		goto out_close;
	}
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto out_close;
	}
	if (pid == 0) {
		int devnull;

		(void)setpgid(0, 0);
		if (stdin_data) {
			dup2(inp[0], STDIN_FILENO);
		} else {
			devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
			if (devnull >= 0)
				dup2(devnull, STDIN_FILENO);
		}
		dup2(outp[1], STDOUT_FILENO);
		if (merge_stderr)
			dup2(outp[1], STDERR_FILENO);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(outp[1]);
	outp[1] = -1;
	if (stdin_data) {
		close(inp[0]);
		inp[0] = -1;
		(void)set_nonblock(inp[1]);
		if (in_len == 0) {
			close(inp[1]);
			inp[1] = -1;
		}
	}
	for (;;) {
		struct pollfd pfd[2] = { { .fd = outp[0], .events = POLLIN },
					 { .fd = inp[1], .events = POLLOUT } };
		uint64_t now = clock_now_ns();
		int nfds = inp[1] >= 0 ? 2 : 1, pr;

		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		pr = poll(pfd, (nfds_t)nfds, (int)((deadline - now) / NSEC_PER_MSEC) + 1);
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (nfds == 2 && (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(inp[1], stdin_data + in_off, in_len - in_off);

			if (w > 0)
				in_off += (size_t)w;
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				in_off = in_len; /* child closed stdin: stop feeding */
			if (in_off >= in_len) {
				close(inp[1]);
				inp[1] = -1;
			}
		}
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n;

			if (len + 1 >= cap) {
				char *nb;

				cap *= 2;
				nb = realloc(buf, cap);
				if (!nb) {
					r = -ENOMEM;
					break;
				}
				buf = nb;
			}
			n = read(outp[0], buf + len, cap - len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* EOF: the child closed stdout (usually it exited) */
			len += (size_t)n;
			if (len > max_out) {
				r = -EFBIG;
				break;
			}
		}
	}
	if (r) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
	}
	{
		uint64_t now = clock_now_ns();
		uint64_t left = r == 0 && deadline > now ? deadline - now : 5 * NSEC_PER_SEC;
		int wr = proc_wait_timeout(pid, left, &st);

		if (wr == -ETIMEDOUT) {
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			(void)proc_wait_timeout(pid, 5 * NSEC_PER_SEC, &st);
			if (!r)
				r = -ETIMEDOUT;
		} else if (wr && !r) {
			r = wr;
		}
	}
	buf[len < cap ? len : cap - 1] = '\0';
	if (out) {
		*out = buf;
		buf = NULL;
	}
	if (!r && status)
		*status = st;
out_close:
	free(buf);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (inp[i] >= 0)
			close(inp[i]);
	}
	return r;
}
