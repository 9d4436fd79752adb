// SPDX-License-Identifier: MIT
/*
 * isolab-bench-delay: an HTTP/1.1 server that answers every request exactly
 * DELAY after it arrived, for measuring what a load generator adds to the
 * latency it reports (tests/bench/compare.py: the probe and wrk against it).
 *
 *   isolab-bench-delay PORT DELAY      e.g. 0 1ms (PORT 0: any free port)
 *
 * Prints the port on the first line of stdout once it listens; on SIGTERM or
 * SIGINT prints {"responses":N,"late_p50_us":..,"late_p99_us":..}: how late
 * after their due time the answers left (its own part of the added latency).
 * One thread, epoll, one timerfd armed for the earliest due answer; the delay
 * is the same for all, so answers are due in arrival order (a FIFO).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "hist.h"
#include "parse.h"

#define MAX_FDS	    4096
#define REQ_BUF	    8192
#define QUEUE_LEN   65536 /* answers waiting; more requests than this are refused */
#define TIMER_TAG   ((void *)1)
#define LISTEN_TAG  ((void *)2)
#define SIGNAL_STOP 1

static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct conn {
	unsigned gen; /* bumps when the fd is closed: queued answers for it are dropped */
	size_t len;
	char buf[REQ_BUF];
};

struct due {
	int fd;
	unsigned gen;
	uint64_t at_ns;
};

static struct conn *conns[MAX_FDS];
static struct due queue[QUEUE_LEN];
static size_t q_head, q_len;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = SIGNAL_STOP;
}

static void arm(int tfd)
{
	struct itimerspec its = { 0 };

	if (q_len) {
		uint64_t at = queue[q_head].at_ns;

		its.it_value.tv_sec = (time_t)(at / NSEC_PER_SEC);
		its.it_value.tv_nsec = (long)(at % NSEC_PER_SEC);
	}
	(void)timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void drop(int epfd, int fd)
{
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	conns[fd]->gen++;
	conns[fd]->len = 0;
}

/* Reads what arrived; queues an answer per complete request (up to the blank line). */
static void on_readable(int epfd, int tfd, int fd, uint64_t now)
{
	struct conn *c = conns[fd];

	for (;;) {
		ssize_t n = recv(fd, c->buf + c->len, REQ_BUF - c->len, MSG_DONTWAIT);
		char *end;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			drop(epfd, fd);
			return;
		}
		c->len += (size_t)n;
		while ((end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
			size_t used = (size_t)(end - c->buf) + 4;

			if (q_len == QUEUE_LEN) {
				drop(epfd, fd);
				return;
			}
			queue[(q_head + q_len++) % QUEUE_LEN] =
				(struct due){ .fd = fd, .gen = c->gen, .at_ns = now };
			if (q_len == 1)
				arm(tfd);
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
		}
		if (c->len == REQ_BUF) {
			drop(epfd, fd);
			return;
		}
	}
}

static void on_timer(int tfd, struct hist *late)
{
	uint64_t exp, now = clock_now_ns();

	if (read(tfd, &exp, sizeof(exp)) < 0)
		exp = 0;
	while (q_len && queue[q_head].at_ns <= now) {
		struct due d = queue[q_head];

		q_head = (q_head + 1) % QUEUE_LEN;
		q_len--;
		if (conns[d.fd] && conns[d.fd]->gen == d.gen &&
		    send(d.fd, answer, sizeof(answer) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) > 0)
			hist_record(late, clock_now_ns() - d.at_ns);
		now = clock_now_ns();
	}
	arm(tfd);
}

static void on_accept(int epfd, int lfd)
{
	int fd, one = 1;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct epoll_event ev = { .events = EPOLLIN };

		if (fd >= MAX_FDS || (!conns[fd] && !(conns[fd] = calloc(1, sizeof(**conns))))) {
			close(fd);
			continue;
		}
		conns[fd]->len = 0;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		ev.data.fd = fd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			close(fd);
	}
}

static int listen_on(uint64_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 512) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -1;
	}
	printf("%u\n", ntohs(a.sin_port));
	fflush(stdout);
	return fd;
}

static int serve(int lfd, uint64_t delay_ns, struct hist *late)
{
	struct epoll_event ev = { .events = EPOLLIN }, evs[256];
	int epfd = epoll_create1(EPOLL_CLOEXEC);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (epfd < 0 || tfd < 0)
		return -1;
	ev.data.ptr = TIMER_TAG;
	(void)epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	ev.data.ptr = LISTEN_TAG;
	(void)epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	while (!stop) {
		int n = epoll_wait(epfd, evs, 256, 200);
		uint64_t now = clock_now_ns();

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == TIMER_TAG)
				on_timer(tfd, late);
			else if (evs[i].data.ptr == LISTEN_TAG)
				on_accept(epfd, lfd);
			else
				on_readable(epfd, tfd, evs[i].data.fd, now + delay_ns);
		}
	}
	close(tfd);
	close(epfd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t port, delay_ns;
	struct hist *late = hist_new();
	int lfd;

	if (argc != 3 || parse_u64(argv[1], 0, 65535, &port) ||
	    parse_duration(argv[2], 1000, 10 * NSEC_PER_SEC, &delay_ns)) {
		fprintf(stderr, "usage: isolab-bench-delay PORT DELAY (e.g. 0 1ms)\n");
		return 2;
	}
	if (!late)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* no timer coalescing on our wakeups */
	lfd = listen_on(port);
	if (lfd < 0 || serve(lfd, delay_ns, late) < 0) {
		fprintf(stderr, "isolab-bench-delay: %s\n", strerror(errno));
		return 1;
	}
	printf("{\"responses\":%llu,\"late_p50_us\":%.1f,\"late_p99_us\":%.1f}\n",
	       (unsigned long long)hist_count(late), hist_percentile(late, 50) / 1e3,
	       hist_percentile(late, 99) / 1e3);
	for (int i = 0; i < MAX_FDS; i++)
		free(conns[i]);
	hist_free(late);
	close(lfd);
	return 0;
}
