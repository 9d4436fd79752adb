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
 * alive when the server allows. Responses are parsed just enough to find
 * their end: status line, Content-Length, chunked transfer coding,
 * Connection: close, or end of stream.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "h1.h"
#include "probe.h"

#define H1_BUF		  16384 /* response headers must fit */
#define H1_MAX_EVENTS	  256
#define POLL_CAP_MS	  100
#define DEADLINE_SCAN_NS  (5 * NSEC_PER_MSEC)
#define MAX_REQUEST_BYTES 16384

struct h1_target {
	const char *url;
	char *req;
	size_t req_len;
	unsigned addr; /* index into addrs */
};

struct h1_addr {
	char hostport[300];
	struct sockaddr_storage sa;
	socklen_t len;
	int gai_error; /* resolving failed: every request fails with "connect" */
};

static struct h1_target *targets;
static size_t ntargets;
static struct h1_addr *addrs;
static size_t naddrs;

enum h1_state {
	H1_IDLE,
	H1_CONNECTING,
	H1_WRITING,
	H1_HEAD,
	H1_BODY_LEN,
	H1_CHUNK_SIZE,
	H1_CHUNK_DATA,
	H1_CHUNK_CRLF,
	H1_TRAILERS,
	H1_BODY_EOF,
};

struct h1_conn {
	int fd;
	unsigned addr;
	uint32_t events; /* registered with epoll */
	enum h1_state st;
	bool reused;	 /* the request went out on a kept-alive connection */
	bool retried;	 /* already resent once after a stale keep-alive */
	bool keep_alive; /* the response allows reuse */
	bool got_any;	 /* bytes of the response arrived */
	size_t target;
	size_t wpos;
	uint64_t intended_ns;
	uint64_t sent_ns;
	uint64_t deadline_ns;
	uint64_t resume_ns;
	unsigned consecutive_failures;
	uint64_t remaining;
	uint64_t bytes;
	long status;
	size_t blen;
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
	uint64_t next_i;
	size_t next_target;
	uint64_t last_scan_ns;
	uint64_t completed; /* requests finished, to notice ones that failed at once */
};

/* ---- URLs ---- */

/* Splits "http://host[:port]/path" into host (brackets removed), port and path. */
static int split_url(const char *url, char *host, size_t hostlen, char *port, size_t portlen,
		     const char **path)
{
	const char *auth = url + 7, *end, *colon, *h = auth;
	size_t n;

	if (strncasecmp(url, "http://", 7) != 0)
		return -EINVAL;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return -EINVAL; /* credentials: libcurl handles them */
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return -EINVAL;
		n = (size_t)(rb - h - 1);
		if (n == 0 || n >= hostlen)
			return -EINVAL;
		memcpy(host, h + 1, n);
		host[n] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon ? colon : end) - h);
		if (n == 0 || n >= hostlen)
			return -EINVAL;
		memcpy(host, h, n);
		host[n] = '\0';
	}
	if (colon) {
		n = (size_t)(end - colon - 1);
		if (n == 0 || n >= portlen || strspn(colon + 1, "0123456789") < n)
			return -EINVAL;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		snprintf(port, portlen, "80");
	}
	*path = end;
	return 0;
}

static int add_addr(const char *host, const char *port, unsigned *idx)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char hp[300];
	struct h1_addr *a, *grown;

	snprintf(hp, sizeof(hp), "%s|%s", host, port);
	for (size_t i = 0; i < naddrs; i++) {
		if (strcmp(addrs[i].hostport, hp) == 0) {
			*idx = (unsigned)i;
			return 0;
		}
	}
	grown = realloc(addrs, (naddrs + 1) * sizeof(*addrs));
	if (!grown)
		return -ENOMEM;
	addrs = grown;
	a = &addrs[naddrs];
	memset(a, 0, sizeof(*a));
	snprintf(a->hostport, sizeof(a->hostport), "%s", hp);
	a->gai_error = getaddrinfo(host, port, &hints, &res);
	if (a->gai_error == 0) {
		memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
		a->len = res->ai_addrlen;
		freeaddrinfo(res);
	} else if (a->gai_error == EAI_MEMORY) {
		return -ENOMEM;
	}
	*idx = (unsigned)naddrs++;
	return 0;
}

bool h1_supported(const struct probe_config *cfg)
{
	char host[256], port[8];
	const char *path;

	for (size_t i = 0; i < cfg->n_urls; i++)
		if (split_url(cfg->urls[i], host, sizeof(host), port, sizeof(port), &path) < 0)
			return false;
	return true;
}

int h1_prepare(const struct probe_config *cfg)
{
	char host[256], port[8];
	const char *path;
	int ret;

	targets = calloc(cfg->n_urls, sizeof(*targets));
	if (!targets)
		return -ENOMEM;
	ntargets = cfg->n_urls;
	for (size_t i = 0; i < cfg->n_urls; i++) {
		struct h1_target *t = &targets[i];
		const char *p;
		size_t plen;
		bool v6;
		int n;

		if (split_url(cfg->urls[i], host, sizeof(host), port, sizeof(port), &path) < 0)
			return -EINVAL;
		ret = add_addr(host, port, &t->addr);
		if (ret < 0)
			return ret;
		p = *path == '/' ? path : "/";
		plen = *path == '/' ? strcspn(path, "#") : 1;
		if (*path == '?') { /* "http://h?q" means "/?q" */
			p = path;
			plen = strcspn(path, "#");
		}
		v6 = strchr(host, ':') != NULL;
		t->url = cfg->urls[i];
		t->req = malloc(MAX_REQUEST_BYTES);
		if (!t->req)
			return -ENOMEM;
		n = snprintf(t->req, MAX_REQUEST_BYTES,
			     "GET %s%.*s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
			     "User-Agent: isolab-probe/" ISOLAB_VERSION "\r\nAccept: */*\r\n\r\n",
			     *path == '?' ? "/" : "", (int)plen, p, v6 ? "[" : "", host,
			     v6 ? "]" : "", strcmp(port, "80") ? ":" : "",
			     strcmp(port, "80") ? port : "");
		if (n < 0 || n >= MAX_REQUEST_BYTES)
			return -EINVAL;
		t->req_len = (size_t)n;
	}
	return 0;
}

void h1_cleanup(void)
{
	for (size_t i = 0; targets && i < ntargets; i++)
		free(targets[i].req);
	free(targets);
	free(addrs);
	targets = NULL;
	addrs = NULL;
	ntargets = naddrs = 0;
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

	s.intended_ns = c->intended_ns;
	s.sent_ns = c->sent_ns;
	s.done_ns = now;
	s.raw_ns = now - c->sent_ns;
	s.latency_ns = now - c->intended_ns;
	s.status = c->status;
	s.bytes = c->bytes;
	if (fail == PROBE_OK && !(c->status >= 200 && c->status < 400)) {
		fail = PROBE_FAIL_HTTP_STATUS;
		error = "HTTP status";
	}
	s.fail = fail;
	s.error = fail == PROBE_OK ? NULL : error;
	s.target = targets[c->target].url;
	probe_record(hw->run, &hw->w->st, &s);

	if (fail != PROBE_OK && fail != PROBE_FAIL_HTTP_STATUS)
		c->keep_alive = false;
	if (!c->keep_alive)
		conn_close(c);
	c->st = H1_IDLE;
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
	const struct h1_target *t = &targets[c->target];

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
	c->st = H1_HEAD;
	if (set_events(hw, c, EPOLLIN) < 0)
		finish(hw, c, PROBE_FAIL_OTHER, "epoll_ctl failed");
}

static void connect_and_send(struct h1_worker *hw, struct h1_conn *c)
{
	const struct h1_addr *a = &addrs[targets[c->target].addr];
	struct epoll_event ev = { .events = EPOLLOUT };
	int one = 1;

	c->wpos = 0;
	c->blen = 0;
	c->got_any = false;
	c->keep_alive = true;
	if (c->fd >= 0 && c->addr == targets[c->target].addr) {
		c->reused = true;
		do_write(hw, c);
		return;
	}
	conn_close(c);
	c->reused = false;
	if (a->gai_error) {
		finish(hw, c, PROBE_FAIL_CONNECT, gai_strerror(a->gai_error));
		return;
	}
	c->addr = targets[c->target].addr;
	c->fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		finish(hw, c, PROBE_FAIL_CONNECT, strerror(errno));
		return;
	}
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.data.ptr = c;
	if (epoll_ctl(hw->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		finish(hw, c, PROBE_FAIL_OTHER, strerror(errno));
		return;
	}
	c->events = EPOLLOUT;
	if (connect(c->fd, (const struct sockaddr *)&a->sa, a->len) == 0) {
		do_write(hw, c);
	} else if (errno == EINPROGRESS) {
		c->st = H1_CONNECTING;
	} else {
		finish(hw, c, PROBE_FAIL_CONNECT, strerror(errno));
	}
}

static void start(struct h1_worker *hw, struct h1_conn *c, uint64_t intended_ns, uint64_t now)
{
	c->target = hw->next_target;
	hw->next_target = (hw->next_target + 1) % ntargets;
	c->intended_ns = intended_ns;
	c->sent_ns = now;
	c->deadline_ns = now + hw->cfg->timeout_ns;
	c->retried = false;
	c->status = 0;
	c->bytes = 0;
	hw->busy++;
	connect_and_send(hw, c);
}

static void consume(struct h1_conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->blen - n);
	c->blen -= n;
}

/* Case-insensitive "name:" match at the start of a header line; returns the value. */
static const char *header_value(const char *line, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - line) <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	return line;
}

static bool contains_token(const char *v, const char *end, const char *token)
{
	size_t n = strlen(token);

	for (; v + n <= end; v++)
		if (strncasecmp(v, token, n) == 0)
			return true;
	return false;
}

/* Parses the status line and headers in buf[0, head_len). 0 or -EPROTO. */
static int parse_head(struct h1_conn *c, size_t head_len, bool *chunked, bool *has_len)
{
	const char *p = c->buf, *end = c->buf + head_len, *eol;
	bool http10;

	if (head_len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || (p[7] != '0' && p[7] != '1') ||
	    p[8] != ' ' || p[9] < '1' || p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' ||
	    p[11] > '9')
		return -EPROTO;
	http10 = p[7] == '0';
	c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	c->keep_alive = !http10;
	*chunked = *has_len = false;
	for (p = memchr(p, '\n', head_len) + 1; p < end; p = eol + 1) {
		const char *v;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			break;
		if ((v = header_value(p, eol, "content-length"))) {
			uint64_t len = 0;

			if (v >= eol || *v < '0' || *v > '9')
				return -EPROTO;
			for (; v < eol && *v >= '0' && *v <= '9'; v++) {
				if (len > UINT64_MAX / 20)
					return -EPROTO;
				len = len * 10 + (uint64_t)(*v - '0');
			}
			c->remaining = len;
			*has_len = true;
		} else if ((v = header_value(p, eol, "transfer-encoding"))) {
			*chunked = contains_token(v, eol, "chunked");
		} else if ((v = header_value(p, eol, "connection"))) {
			if (contains_token(v, eol, "close"))
				c->keep_alive = false;
			else if (contains_token(v, eol, "keep-alive"))
				c->keep_alive = true;
		}
	}
	return 0;
}

/* Finds "\r\n" in buf from 0; its offset or -1. */
static long find_crlf(const struct h1_conn *c)
{
	const char *p = c->blen ? memchr(c->buf, '\n', c->blen) : NULL;

	if (!p)
		return -1;
	return (long)(p - c->buf);
}

/*
 * Runs the response parser over the buffer. 1: the response is complete,
 * 0: needs more bytes, -EPROTO: not HTTP, -E2BIG: headers too large.
 */
static int parse(struct h1_conn *c)
{
	for (;;) {
		switch (c->st) {
		case H1_HEAD: {
			char *end = c->blen >= 4 ? memmem(c->buf, c->blen, "\r\n\r\n", 4) : NULL;
			bool chunked, has_len;
			size_t head_len;

			if (!end) {
				/* not even the start of a status line: not HTTP */
				if (c->blen >= 5 && memcmp(c->buf, "HTTP/", 5) != 0)
					return -EPROTO;
				return c->blen == H1_BUF ? -E2BIG : 0;
			}
			head_len = (size_t)(end - c->buf) + 4;
			if (parse_head(c, head_len, &chunked, &has_len) < 0)
				return -EPROTO;
			consume(c, head_len);
			if (c->status < 200) /* 1xx: an interim answer, the real one follows */
				continue;
			if (c->status == 204 || c->status == 304)
				return 1;
			if (chunked)
				c->st = H1_CHUNK_SIZE;
			else if (has_len)
				c->st = H1_BODY_LEN;
			else {
				c->st = H1_BODY_EOF;
				c->keep_alive = false;
			}
			if (c->st == H1_BODY_LEN && c->remaining == 0)
				return 1;
			continue;
		}
		case H1_BODY_LEN:
		case H1_CHUNK_DATA: {
			size_t take = c->remaining < c->blen ? (size_t)c->remaining : c->blen;

			c->bytes += take;
			c->remaining -= take;
			consume(c, take);
			if (c->remaining > 0)
				return 0;
			if (c->st == H1_BODY_LEN)
				return 1;
			c->st = H1_CHUNK_CRLF;
			continue;
		}
		case H1_CHUNK_CRLF:
			if (c->blen < 2)
				return 0;
			if (c->buf[0] != '\r' || c->buf[1] != '\n')
				return -EPROTO;
			consume(c, 2);
			c->st = H1_CHUNK_SIZE;
			continue;
		case H1_CHUNK_SIZE: {
			long eol = find_crlf(c);
			uint64_t size = 0;
			long i;

			if (eol < 0)
				return c->blen > 1024 ? -EPROTO : 0;
			for (i = 0; i < eol; i++) {
				char ch = c->buf[i];
				int d = ch >= '0' && ch <= '9'	 ? ch - '0'
					: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
					: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
								 : -1;

				if (d < 0)
					break;
				if (size > (UINT64_MAX >> 5))
					return -EPROTO;
				size = size * 16 + (uint64_t)d;
			}
			if (i == 0)
				return -EPROTO;
			consume(c, (size_t)eol + 1);
			c->remaining = size;
			c->st = size ? H1_CHUNK_DATA : H1_TRAILERS;
			continue;
		}
		case H1_TRAILERS: {
			long eol = find_crlf(c);
			bool empty;

			if (eol < 0)
				return c->blen > 8192 ? -EPROTO : 0;
			empty = eol == 0 || (eol == 1 && c->buf[0] == '\r');
			consume(c, (size_t)eol + 1);
			if (empty)
				return 1;
			continue;
		}
		case H1_BODY_EOF:
			c->bytes += c->blen;
			c->blen = 0;
			return 0;
		default:
			return -EPROTO;
		}
	}
}

static void do_read(struct h1_worker *hw, struct h1_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->blen, H1_BUF - c->blen, 0);
		int ret;

		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0 || n == 0) {
			const char *why =
				n < 0 ? strerror(errno) : "connection closed by the server";

			if (c->st == H1_BODY_EOF) {
				c->keep_alive = false;
				finish(hw, c, PROBE_OK, NULL);
			} else if (!resend(hw, c)) {
				finish(hw, c, PROBE_FAIL_READ,
				       c->got_any ? "response cut short" : why);
			}
			return;
		}
		c->got_any = true;
		c->blen += (size_t)n;
		ret = parse(c);
		if (ret < 0) {
			finish(hw, c, PROBE_FAIL_READ,
			       ret == -E2BIG ? "response headers over 16 KiB"
					     : "not an HTTP response");
			return;
		}
		if (ret == 1) {
			if (c->blen) /* bytes after the response: the stream is out of step */
				c->keep_alive = false;
			finish(hw, c, PROBE_OK, NULL);
			return;
		}
	}
}

static void on_event(struct h1_worker *hw, struct h1_conn *c, uint32_t events)
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
	default:
		do_read(hw, c);
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
			c->keep_alive = false;
			finish(hw, c, PROBE_FAIL_TIMEOUT, "timed out");
		}
	}
}

static struct h1_conn *idle_conn(struct h1_worker *hw, uint64_t now)
{
	if (hw->busy == hw->nconns)
		return NULL;
	for (unsigned i = 0; i < hw->nconns; i++)
		if (hw->conns[i].st == H1_IDLE && hw->conns[i].resume_ns <= now)
			return &hw->conns[i];
	return NULL;
}

/* Starts whatever is due; returns when the next thing is due. */
static uint64_t issue(struct h1_worker *hw, uint64_t now)
{
	const struct probe_config *cfg = hw->cfg;
	struct probe_run *run = hw->run;
	uint64_t next = UINT64_MAX;
	struct h1_conn *c;

	if (probe_stopping(run, now))
		return UINT64_MAX;
	if (cfg->rate > 0) {
		for (;;) {
			uint64_t t = sched_intended_ns(run->start_ns, cfg->rate, hw->w->nworkers,
						       hw->w->idx, hw->next_i);

			if (t > now)
				return t;
			if (t >= run->end_ns) /* the window is over: wake when its backlog is */
				return run->send_until_ns > now ? run->send_until_ns : UINT64_MAX;
			c = idle_conn(hw, now);
			if (!c || !probe_take_ticket(run, t))
				return UINT64_MAX;
			hw->next_i++;
			start(hw, c, t, now);
		}
	}
	for (unsigned i = 0; i < hw->nconns; i++) {
		c = &hw->conns[i];
		if (c->st != H1_IDLE)
			continue;
		if (c->resume_ns > now) {
			next = c->resume_ns < next ? c->resume_ns : next;
			continue;
		}
		if (!probe_take_ticket(run, now))
			break;
		start(hw, c, now, now);
	}
	return next;
}

static int worker_init(struct h1_worker *hw, struct probe_worker *w)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	hw->w = w;
	hw->run = w->run;
	hw->cfg = w->run->cfg;
	hw->nconns = sched_share(hw->cfg->concurrency, w->nworkers, w->idx);
	hw->next_target = (size_t)w->idx * ntargets / w->nworkers;
	hw->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hw->epfd < 0)
		return -errno;
	hw->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (hw->timer_fd < 0 || epoll_ctl(hw->epfd, EPOLL_CTL_ADD, hw->timer_fd, &ev) < 0)
		return -errno;
	hw->conns = calloc(hw->nconns, sizeof(*hw->conns));
	if (!hw->conns)
		return -ENOMEM;
	for (unsigned i = 0; i < hw->nconns; i++) {
		hw->conns[i].fd = -1;
		hw->conns[i].buf = malloc(H1_BUF);
		if (!hw->conns[i].buf)
			return -ENOMEM;
	}
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

void h1_work(struct probe_worker *w)
{
	struct h1_worker hw = { .epfd = -1, .timer_fd = -1 };
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
		n = epoll_wait(hw.epfd, evs, H1_MAX_EVENTS, ms);
		for (int i = 0; i < n; i++) {
			if (!evs[i].data.ptr) {
				uint64_t expirations;

				if (read(hw.timer_fd, &expirations, sizeof(expirations)) < 0)
					expirations = 0;
				continue;
			}
			on_event(&hw, evs[i].data.ptr, evs[i].events);
		}
		now = clock_now_ns();
		scan_deadlines(&hw, now);
		probe_stats_tick(run, &w->st, now);
	}
out:
	worker_done(&hw);
}
