// SPDX-License-Identifier: MIT
/*
 * isolab-probe http, native engine: plain HTTP/1.1 over epoll, for http://
 * URLs. libcurl costs about 20 us of CPU per request, three times wrk; a
 * probe that needs a core of its own to keep up with the server distorts
 * what it measures, so cleartext HTTP/1.1 (the common case, and what wrk
 * speaks) gets this small client. https:// and HTTP/2 go through libcurl
 * (http.c); --engine curl forces libcurl everywhere.
 *
 * One worker thread owns an epoll set and its share of the connections.
 * Each connection sends one request at a time (no pipelining) and is kept
 * alive when the server allows. A request costs one send() and, for an
 * answer that fits the buffer, one recv(); the epoll registration never
 * changes on a kept-alive connection. Responses are parsed just enough to
 * find their end (h1-parse.c); targets are prepared once (h1-target.c).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "clock.h"
#include "h1-parse.h"
#include "h1-target.h"
#include "h1.h"
#include "probe.h"

#define H1_BUF		 H1_HEAD_MAX /* a whole head fits */
#define H1_MAX_EVENTS	 256
#define POLL_CAP_MS	 100
#define DEADLINE_SCAN_NS (5 * NSEC_PER_MSEC)

/*
 * Waiting for answers. In a VM, a sleep in epoll_wait and the wakeup after
 * it cost more CPU than a request (the halt, the cross-CPU interrupt the
 * server's side sends, caches another task refilled): nginx pinned to one
 * vCPU, the probe at -c 16 on the other, the probe spent 10.7-11.6 us of CPU
 * per request sleeping 0.19-0.23 times per request, and 7.5-7.8 us polling
 * for up to 20 us first (0.01 sleeps per request; nginx's own cost fell from
 * 12-13 to 8.1 us per request, its throughput rose from 16-20 k to 32 k/s;
 * wrk: 8.4 us, 24 k/s). When answers come further apart (one connection, a
 * slow server, or a server that needs this very CPU to answer) polling only
 * burns CPU, so it is switched off while fewer than half the polls catch an
 * answer, for longer each time it fails again.
 */
#define SPIN_NS	     (20 * NSEC_PER_USEC)
#define SPIN_TRIAL   32	 /* polls judged together */
#define SPIN_OFF_MIN 256 /* waits without polling after a failed trial, doubling */
#define SPIN_OFF_MAX 65536

static struct h1_targets targets;

enum h1_conn_state {
	H1_IDLE,
	H1_CONNECTING,
	H1_WRITING,
	H1_READING,
};

struct h1_conn {
	int fd;
	unsigned addr;
	uint32_t events; /* registered with epoll */
	enum h1_conn_state st;
	bool reused;  /* the request went out on a kept-alive connection */
	bool retried; /* already resent once after a stale keep-alive */
	bool got_any; /* bytes of the response arrived */
	size_t target;
	size_t wpos;
	uint64_t intended_ns;
	uint64_t sent_ns;
	uint64_t deadline_ns;
	uint64_t resume_ns;
	unsigned consecutive_failures;
	struct h1_resp resp;
	size_t off, blen; /* unparsed bytes are buf[off, blen) */
	char *buf;
};

struct h1_worker {
	struct probe_worker *w;
	struct probe_run *run;
	const struct probe_config *cfg;
	int epfd;
	int timer_fd;
	struct h1_conn *conns;
	unsigned nconns;
	unsigned busy;
	unsigned *idle; /* indices of idle connections, a stack */
	unsigned nidle;
	unsigned *ready; /* scratch for issue() */
	uint64_t next_i;
	size_t next_target;
	uint64_t last_scan_ns;
	uint64_t completed; /* requests finished, to notice ones that failed at once */
	struct h1_spin {
		unsigned tried, caught; /* in the current trial */
		unsigned off_left;	/* waits left without polling */
		unsigned off_len;	/* the next pause */
	} spin;
};

bool h1_supported(const struct probe_config *cfg)
{
	for (size_t i = 0; i < cfg->n_urls; i++)
		if (!h1_url_supported(cfg->urls[i]))
			return false;
	return true;
}

int h1_prepare(const struct probe_config *cfg)
{
	return h1_targets_build(&targets, cfg->urls, cfg->n_urls);
}

void h1_cleanup(void)
{
	h1_targets_free(&targets);
}

/* ---- connections ---- */

static int set_events(struct h1_worker *hw, struct h1_conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	if (epoll_ctl(hw->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return -errno;
	c->events = events;
	return 0;
}

static void conn_close(struct h1_conn *c)
{
	if (c->fd >= 0)
		close(c->fd); /* also leaves the epoll set */
	c->fd = -1;
	c->events = 0;
}

static void finish(struct h1_worker *hw, struct h1_conn *c, enum probe_fail fail, const char *error)
{
	struct probe_sample s = { 0 };
	uint64_t now = clock_now_ns();
	long status = c->resp.status;

	s.intended_ns = c->intended_ns;
	s.sent_ns = c->sent_ns;
	s.done_ns = now;
	s.raw_ns = now - c->sent_ns;
	s.latency_ns = now - c->intended_ns;
	s.status = status;
	s.bytes = c->resp.bytes;
	if (fail == PROBE_OK && !(status >= 200 && status < 400)) {
		fail = PROBE_FAIL_HTTP_STATUS;
		error = "HTTP status";
	}
	s.fail = fail;
	s.error = fail == PROBE_OK ? NULL : error;
	s.target = targets.t[c->target].url;
	probe_record(hw->run, &hw->w->st, &s);

	if ((fail != PROBE_OK && fail != PROBE_FAIL_HTTP_STATUS) || !c->resp.keep_alive)
		conn_close(c);
	c->st = H1_IDLE;
	hw->idle[hw->nidle++] = (unsigned)(c - hw->conns);
	hw->busy--;
	hw->completed++;
	if (fail == PROBE_OK) {
		c->consecutive_failures = 0;
	} else if (hw->cfg->backoff && hw->cfg->rate <= 0) {
		c->consecutive_failures++;
		c->resume_ns = now + sched_backoff_ns(c->consecutive_failures);
	}
}

static void connect_and_send(struct h1_worker *hw, struct h1_conn *c);

/*
 * A kept-alive connection died before any byte of the answer: the server
 * closed it while idle (a race every HTTP client meets). Resend once on a
 * fresh connection, as curl does; true when it did.
 */
static bool resend(struct h1_worker *hw, struct h1_conn *c)
{
	if (!c->reused || c->retried || c->got_any)
		return false;
	c->retried = true;
	conn_close(c);
	connect_and_send(hw, c);
	return true;
}

/* Writes as much of the request as the socket takes; then waits for the answer. */
static void do_write(struct h1_worker *hw, struct h1_conn *c)
{
	const struct h1_target *t = &targets.t[c->target];

	while (c->wpos < t->req_len) {
		ssize_t n = send(c->fd, t->req + c->wpos, t->req_len - c->wpos, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			c->st = H1_WRITING;
			if (set_events(hw, c, EPOLLOUT) < 0)
				finish(hw, c, PROBE_FAIL_OTHER, "epoll_ctl failed");
			return;
		}
		if (n < 0) {
			if (!resend(hw, c))
				finish(hw, c, PROBE_FAIL_READ, strerror(errno));
			return;
		}
		c->wpos += (size_t)n;
	}
	c->st = H1_READING;
	if (set_events(hw, c, EPOLLIN) < 0)
		finish(hw, c, PROBE_FAIL_OTHER, "epoll_ctl failed");
}

/* A fresh connection for c's target; the request goes out once it is up. */
static void conn_open(struct h1_worker *hw, struct h1_conn *c)
{
	const struct h1_addr *a = &targets.addrs[targets.t[c->target].addr];
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };
	int one = 1;

	conn_close(c);
	c->reused = false;
	if (a->gai_error) {
		finish(hw, c, PROBE_FAIL_CONNECT, gai_strerror(a->gai_error));
		return;
	}
	c->addr = targets.t[c->target].addr;
	c->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		finish(hw, c, PROBE_FAIL_CONNECT, strerror(errno));
		return;
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (epoll_ctl(hw->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		finish(hw, c, PROBE_FAIL_OTHER, strerror(errno));
		return;
	}
	c->events = EPOLLOUT;
	if (connect(c->fd, (const struct sockaddr *)&a->sa, a->len) == 0)
		do_write(hw, c);
	else if (errno == EINPROGRESS)
		c->st = H1_CONNECTING;
	else
		finish(hw, c, PROBE_FAIL_CONNECT, strerror(errno));
}

static void connect_and_send(struct h1_worker *hw, struct h1_conn *c)
{
	c->wpos = 0;
	c->off = c->blen = 0;
	c->got_any = false;
	h1_resp_init(&c->resp);
	if (c->fd >= 0 && c->addr == targets.t[c->target].addr) {
		c->reused = true;
		do_write(hw, c);
		return;
	}
	conn_open(hw, c);
}

static void start(struct h1_worker *hw, struct h1_conn *c, uint64_t intended_ns, uint64_t now)
{
	c->target = hw->next_target;
	if (++hw->next_target == targets.n)
		hw->next_target = 0;
	c->intended_ns = intended_ns;
	c->sent_ns = now;
	c->deadline_ns = now + hw->cfg->timeout_ns;
	c->retried = false;
	hw->busy++;
	connect_and_send(hw, c);
}

/* Hands the bytes that arrived to the parser; true when the request finished. */
static bool feed(struct h1_worker *hw, struct h1_conn *c)
{
	size_t used = 0;
	int ret = h1_parse(&c->resp, c->buf + c->off, c->blen - c->off, &used);

	c->off += used;
	if (c->off == c->blen)
		c->off = c->blen = 0;
	if (ret < 0) {
		finish(hw, c, PROBE_FAIL_READ,
		       ret == -E2BIG ? "response headers over 16 KiB" : "not an HTTP response");
		return true;
	}
	if (ret == H1_PARSE_MORE)
		return false;
	if (c->blen) /* bytes after the response: the stream is out of step */
		c->resp.keep_alive = false;
	finish(hw, c, PROBE_OK, NULL);
	return true;
}

static void do_read(struct h1_worker *hw, struct h1_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->blen == H1_BUF && c->off) { /* an incomplete line at the end: move it */
			memmove(c->buf, c->buf + c->off, c->blen - c->off);
			c->blen -= c->off;
			c->off = 0;
		}
		n = recv(c->fd, c->buf + c->blen, H1_BUF - c->blen, 0);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			const char *why =
				n < 0 ? strerror(errno) : "connection closed by the server";

			if (n == 0 && h1_parse_eof_ends(&c->resp))
				finish(hw, c, PROBE_OK, NULL);
			else if (!resend(hw, c))
				finish(hw, c, PROBE_FAIL_READ,
				       c->got_any ? "response cut short" : why);
			return;
		}
		c->got_any = true;
		c->blen += (size_t)n;
		if (feed(hw, c))
			return;
	}
}

static void on_event(struct h1_worker *hw, struct h1_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	switch (c->st) {
	case H1_IDLE:
		/* a kept-alive connection the server closed, or bytes nobody asked for */
		conn_close(c);
		return;
	case H1_CONNECTING:
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			finish(hw, c, PROBE_FAIL_CONNECT, strerror(err));
			return;
		}
		do_write(hw, c);
		return;
	case H1_WRITING:
		do_write(hw, c);
		return;
	case H1_READING:
		do_read(hw, c);
		return;
	}
}

/* Fails every request past its deadline (checked every few ms). */
static void scan_deadlines(struct h1_worker *hw, uint64_t now)
{
	if (now - hw->last_scan_ns < DEADLINE_SCAN_NS)
		return;
	hw->last_scan_ns = now;
	for (unsigned i = 0; i < hw->nconns; i++) {
		struct h1_conn *c = &hw->conns[i];

		if (c->st != H1_IDLE && now >= c->deadline_ns) {
			c->resp.keep_alive = false;
			finish(hw, c, PROBE_FAIL_TIMEOUT, "timed out");
		}
	}
}

/* Open loop: requests at their intended times, each on an idle connection. */
static uint64_t issue_open(struct h1_worker *hw, uint64_t now)
{
	const struct probe_config *cfg = hw->cfg;
	struct probe_run *run = hw->run;

	for (;;) {
		uint64_t t = sched_intended_ns(run->start_ns, cfg->rate, hw->w->nworkers,
					       hw->w->idx, hw->next_i);

		if (t > now)
			return t;
		if (t >= run->end_ns) /* the window is over: wake when its backlog is */
			return run->send_until_ns > now ? run->send_until_ns : UINT64_MAX;
		if (hw->nidle == 0 || !probe_take_ticket(run, t))
			return UINT64_MAX;
		hw->next_i++;
		start(hw, &hw->conns[hw->idle[--hw->nidle]], t, now);
	}
}

/*
 * Closed loop: every idle connection sends its next request now, except
 * those pausing after failures (--backoff). The idle stack is emptied first
 * because a request that fails at once comes back onto it.
 */
static uint64_t issue_closed(struct h1_worker *hw, uint64_t now)
{
	uint64_t next = UINT64_MAX;
	unsigned n = 0, keep = 0;
	bool tickets = true;

	for (unsigned i = 0; i < hw->nidle; i++) {
		struct h1_conn *c = &hw->conns[hw->idle[i]];

		if (c->resume_ns > now) {
			next = c->resume_ns < next ? c->resume_ns : next;
			hw->idle[keep++] = hw->idle[i];
		} else if (tickets && (tickets = probe_take_ticket(hw->run, now))) {
			hw->ready[n++] = hw->idle[i];
		} else {
			hw->idle[keep++] = hw->idle[i];
		}
	}
	hw->nidle = keep;
	for (unsigned i = 0; i < n; i++)
		start(hw, &hw->conns[hw->ready[i]], now, now);
	return next;
}

/* Starts whatever is due; returns when the next thing is due. */
static uint64_t issue(struct h1_worker *hw, uint64_t now)
{
	if (probe_stopping(hw->run, now))
		return UINT64_MAX;
	return hw->cfg->rate > 0 ? issue_open(hw, now) : issue_closed(hw, now);
}

static int worker_init(struct h1_worker *hw, struct probe_worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	hw->w = w;
	hw->run = w->run;
	hw->cfg = w->run->cfg;
	hw->nconns = sched_share(hw->cfg->concurrency, w->nworkers, w->idx);
	hw->next_target = (size_t)w->idx * targets.n / w->nworkers;
	hw->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hw->epfd < 0)
		return -errno;
	hw->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (hw->timer_fd < 0 || epoll_ctl(hw->epfd, EPOLL_CTL_ADD, hw->timer_fd, &ev) < 0)
		return -errno;
	hw->conns = calloc(hw->nconns, sizeof(*hw->conns));
	hw->idle = calloc(hw->nconns, sizeof(*hw->idle));
	hw->ready = calloc(hw->nconns, sizeof(*hw->ready));
	if (!hw->conns || !hw->idle || !hw->ready)
		return -ENOMEM;
	for (unsigned i = 0; i < hw->nconns; i++) {
		hw->conns[i].fd = -1;
		hw->conns[i].buf = malloc(H1_BUF);
		if (!hw->conns[i].buf)
			return -ENOMEM;
		/* the first connection on top, as a scan from 0 would pick it */
		hw->idle[i] = hw->nconns - 1 - i;
	}
	hw->nidle = hw->nconns;
	return 0;
}

static void worker_done(struct h1_worker *hw)
{
	for (unsigned i = 0; hw->conns && i < hw->nconns; i++) {
		/* abandoned in flight (a signal, or the cutoff): unanswered, never good */
		if (hw->conns[i].st != H1_IDLE)
			probe_outstanding(hw->run, &hw->w->st, hw->conns[i].intended_ns);
		conn_close(&hw->conns[i]);
		free(hw->conns[i].buf);
	}
	free(hw->conns);
	free(hw->idle);
	free(hw->ready);
	if (hw->timer_fd >= 0)
		close(hw->timer_fd);
	if (hw->epfd >= 0)
		close(hw->epfd);
}

/* Milliseconds for epoll_wait; arms the timerfd for an exact open-loop wakeup. */
static int wait_ms(struct h1_worker *hw, uint64_t now, uint64_t next)
{
	long ms = POLL_CAP_MS;

	if (next != UINT64_MAX && next > now && next - now < POLL_CAP_MS * NSEC_PER_MSEC) {
		struct itimerspec its = {
			.it_value = { .tv_sec = (time_t)(next / NSEC_PER_SEC),
				      .tv_nsec = (long)(next % NSEC_PER_SEC) },
		};

		if (timerfd_settime(hw->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
			ms = sched_wait_ms(now, next, POLL_CAP_MS);
	} else if (next <= now) {
		ms = 0;
	}
	/* requests in flight: wake up for their deadlines */
	if (hw->busy && ms > (long)(DEADLINE_SCAN_NS / NSEC_PER_MSEC))
		ms = (long)(DEADLINE_SCAN_NS / NSEC_PER_MSEC);
	return (int)ms;
}

/* After a poll: judges a trial of SPIN_TRIAL polls; a failed one pauses polling. */
static void spin_judge(struct h1_spin *sp, bool caught)
{
	sp->tried++;
	sp->caught += caught;
	if (sp->tried < SPIN_TRIAL)
		return;
	if (sp->caught * 2 < sp->tried) {
		sp->off_left = sp->off_len;
		sp->off_len = sp->off_len < SPIN_OFF_MAX ? sp->off_len * 2 : SPIN_OFF_MAX;
	} else {
		sp->off_len = SPIN_OFF_MIN;
	}
	sp->tried = sp->caught = 0;
}

/* epoll_wait, polling for up to SPIN_NS first while that pays (see SPIN_NS). */
static int wait_events(struct h1_worker *hw, struct epoll_event *evs, int ms)
{
	struct h1_spin *sp = &hw->spin;
	uint64_t until;
	int n;

	if (ms == 0 || hw->busy == 0)
		return epoll_wait(hw->epfd, evs, H1_MAX_EVENTS, ms);
	if (sp->off_left) {
		sp->off_left--;
		return epoll_wait(hw->epfd, evs, H1_MAX_EVENTS, ms);
	}
	until = clock_now_ns() + SPIN_NS;
	do
		n = epoll_wait(hw->epfd, evs, H1_MAX_EVENTS, 0);
	while (n == 0 && clock_now_ns() < until);
	spin_judge(sp, n != 0);
	return n ? n : epoll_wait(hw->epfd, evs, H1_MAX_EVENTS, ms);
}

void h1_work(struct probe_worker *w)
{
	struct h1_worker hw = { .epfd = -1, .timer_fd = -1, .spin.off_len = SPIN_OFF_MIN };
	struct epoll_event evs[H1_MAX_EVENTS];
	struct probe_run *run = w->run;
	int ret;

	ret = worker_init(&hw, w);
	if (ret < 0) {
		w->error = ret;
		snprintf(w->errmsg, sizeof(w->errmsg), "http worker setup failed: %s",
			 strerror(-ret));
		goto out;
	}
	while (!probe_abandoning(run, clock_now_ns())) {
		uint64_t now = clock_now_ns(), next, before = hw.completed;
		int n, ms;

		next = issue(&hw, now);
		if (hw.busy == 0 && probe_stopping(run, now))
			break;
		ms = wait_ms(&hw, now, next);
		/* requests that failed at once (refused, unresolvable): their connections
		   are free again now, not after a poll timeout */
		if (hw.completed != before)
			ms = 0;
		n = wait_events(&hw, evs, ms);
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				uint64_t expirations;

				if (read(hw.timer_fd, &expirations, sizeof(expirations)) < 0)
					expirations = 0;
				continue;
			}
			on_event(&hw, evs[i].data.ptr);
		}
		now = clock_now_ns();
		scan_deadlines(&hw, now);
		probe_stats_tick(run, &w->st, now);
	}
out:
	worker_done(&hw);
}
