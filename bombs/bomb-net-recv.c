// SPDX-License-Identifier: MIT
/*
 * net-recv: listens on TCP and/or UDP at --listen and receives whatever
 * net-send peers flood it with. One thread accepts, one thread per TCP
 * connection (up to RECV_MAX_CONNS), one thread drains UDP.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bomb.h"
#include "clock.h"
#include "duty.h"
#include "json.h"
#include "log.h"
#include "net.h"

#define RECV_MAX_CONNS 256
#define RECV_BUF       (256U << 10)

struct recv_state;

struct recv_slot {
	struct bomb_ctx *ctx;
	struct recv_state *s;
	pthread_t tid;
	int fd;
	unsigned idx;
};

struct recv_state {
	int tcp_fd, udp_fd;
	pthread_t accept_tid, udp_tid;
	bool accept_started, udp_started;
	struct recv_slot slot[RECV_MAX_CONNS + 1]; /* the last one is UDP's */
	struct net_counter cnt[RECV_MAX_CONNS + 1];
	unsigned nconns;  /* slots in use (atomic) */
	uint64_t refused; /* connections beyond RECV_MAX_CONNS */
	struct net_totals tot;
	int err;
	char what[64];
};

static int recv_check(struct bomb_config *cfg)
{
	struct net_addr a;
	char why[160];

	if (net_resolve(cfg->host, cfg->port, SOCK_STREAM, true, &a, why, sizeof(why))) {
		log_error("--listen '%s:%u': %s", cfg->host, (unsigned)cfg->port, why);
		return -EINVAL;
	}
	return 0;
}

/* Waits up to NET_POLL_MS for fd to be readable; true when it is. */
static bool wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, NET_POLL_MS) > 0;
}

static void *conn_thread(void *arg)
{
	struct recv_slot *sl = arg;
	struct net_counter *c = &sl->s->cnt[sl->idx];
	bool udp = sl->fd == sl->s->udp_fd;
	struct timeval tv = { .tv_sec = 0, .tv_usec = NET_POLL_MS * 1000 };
	int lowat = NET_TCP_RCVLOWAT;
	char *buf = malloc(RECV_BUF);
	struct duty d;

	if (!buf)
		return NULL;
	/* blocking reads that wake up every NET_POLL_MS to see a stop */
	(void)setsockopt(sl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	/* TCP: wake up for a batch, not for every segment (the timeout still returns less) */
	if (!udp)
		(void)setsockopt(sl->fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
	duty_init(&d, sl->ctx->cfg->intensity, 0, clock_now_ns());
	while (!bomb_should_stop(sl->ctx)) {
		ssize_t n = recv(sl->fd, buf, RECV_BUF, 0);

		if (n > 0) {
			net_count(c, (uint64_t)n);
		} else if (n == 0 && !udp) {
			break; /* the sender closed */
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			if (!udp)
				break;
		}
		(void)duty_pause(&d, sl->ctx);
	}
	free(buf);
	return NULL;
}

static void *accept_thread(void *arg)
{
	struct recv_state *s = arg;
	struct bomb_ctx *ctx = s->slot[RECV_MAX_CONNS].ctx;

	while (!bomb_should_stop(ctx)) {
		unsigned n = s->nconns;
		int fd;

		if (!wait_readable(s->tcp_fd))
			continue;
		fd = accept4(s->tcp_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (n >= RECV_MAX_CONNS) {
			s->refused++;
			close(fd);
			continue;
		}
		s->slot[n] = (struct recv_slot){ .ctx = ctx, .s = s, .fd = fd, .idx = n };
		if (pthread_create(&s->slot[n].tid, NULL, conn_thread, &s->slot[n])) {
			close(fd);
			continue;
		}
		__atomic_store_n(&s->nconns, n + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int open_listener(struct bomb_ctx *ctx, int socktype, int *out)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct net_addr a;
	char why[160];
	int fd, one = 1, zero = 0, rcv = 4 << 20;

	if (net_resolve(cfg->host, cfg->port, socktype, true, &a, why, sizeof(why)))
		return bomb_fail(ctx, -EINVAL, "bomb-net-recv: %s", why);
	fd = socket(a.ss.ss_family, socktype | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return bomb_fail(ctx, -errno, "bomb-net-recv: socket failed: %s", strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a.ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (socktype == SOCK_DGRAM)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (bind(fd, (struct sockaddr *)&a.ss, a.len) ||
	    (socktype == SOCK_STREAM && listen(fd, 128))) {
		int e = errno;

		close(fd);
		return bomb_fail(ctx, -e, "bomb-net-recv: listening on %s port %u (%s) failed: %s",
				 *cfg->host ? cfg->host : "any address", (unsigned)cfg->port,
				 socktype == SOCK_STREAM ? "tcp" : "udp", strerror(e));
	}
	*out = fd;
	return 0;
}

static int recv_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct recv_state *s = bomb_zalloc(1, sizeof(*s));
	struct recv_slot *u;
	int r;

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	s->tcp_fd = s->udp_fd = -1;
	u = &s->slot[RECV_MAX_CONNS];
	*u = (struct recv_slot){ .ctx = ctx, .s = s, .fd = -1, .idx = RECV_MAX_CONNS };
	if (cfg->proto != BOMB_PROTO_UDP) {
		r = open_listener(ctx, SOCK_STREAM, &s->tcp_fd);
		if (r)
			return r;
	}
	if (cfg->proto != BOMB_PROTO_TCP) {
		r = open_listener(ctx, SOCK_DGRAM, &s->udp_fd);
		if (r)
			return r;
		u->fd = s->udp_fd;
		r = pthread_create(&s->udp_tid, NULL, conn_thread, u);
		if (r)
			return bomb_fail(ctx, -r, "bomb-net-recv: thread: %s", strerror(r));
		s->udp_started = true;
	}
	if (s->tcp_fd >= 0) {
		r = pthread_create(&s->accept_tid, NULL, accept_thread, s);
		if (r)
			return bomb_fail(ctx, -r, "bomb-net-recv: thread: %s", strerror(r));
		s->accept_started = true;
	}
	return 0;
}

static void recv_sum(struct recv_state *s)
{
	unsigned n = __atomic_load_n(&s->nconns, __ATOMIC_ACQUIRE);
	struct net_totals udp;

	net_sum(s->cnt, n, &s->tot);
	net_sum(&s->cnt[RECV_MAX_CONNS], 1, &udp);
	s->tot.bytes += udp.bytes;
	s->tot.packets += udp.packets;
	s->tot.errors += udp.errors;
	if (udp.first_ns && (!s->tot.first_ns || udp.first_ns < s->tot.first_ns))
		s->tot.first_ns = udp.first_ns;
	if (udp.last_ns > s->tot.last_ns)
		s->tot.last_ns = udp.last_ns;
}

static void recv_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct recv_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char r[32];

	recv_sum(s);
	snprintf(buf, len, "%u senders, %sbit/s", __atomic_load_n(&s->nconns, __ATOMIC_RELAXED),
		 bomb_fmt_rate(el > 0 ? (double)s->tot.bytes * 8 / el : 0, r, sizeof(r)));
}

static int recv_finish(struct bomb_ctx *ctx)
{
	struct recv_state *s = ctx->priv;

	if (!s)
		return 0;
	if (s->accept_started)
		(void)pthread_join(s->accept_tid, NULL);
	if (s->udp_started)
		(void)pthread_join(s->udp_tid, NULL);
	for (unsigned i = 0; i < s->nconns; i++) {
		(void)pthread_join(s->slot[i].tid, NULL);
		close(s->slot[i].fd);
	}
	if (s->tcp_fd >= 0)
		close(s->tcp_fd);
	if (s->udp_fd >= 0)
		close(s->udp_fd);
	recv_sum(s);
	return 0;
}

static void recv_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct recv_state *s = ctx->priv;
	struct net_totals t = { 0 };

	if (s)
		t = s->tot;
	net_metrics_json(&t, bomb_elapsed_s(ctx), "bytes_received", "packets_received", w);
	json_kv_uint(w, "connections", s ? s->nconns : 0);
	json_kv_uint(w, "udp_datagrams", s ? s->cnt[RECV_MAX_CONNS].packets : 0);
	json_kv_uint(w, "refused_connections", s ? s->refused : 0);
}

static void recv_free(struct bomb_ctx *ctx)
{
	free(ctx->priv);
	ctx->priv = NULL;
}

static const char *const recv_protos[] = {
	[BOMB_PROTO_TCP] = "tcp", [BOMB_PROTO_UDP] = "udp", [BOMB_PROTO_BOTH] = "both", NULL
};

static const struct bomb_option recv_options[] = {
	{ .name = "listen",
	  .type = BOMB_OPT_HOSTPORT,
	  .metavar = "[ADDR:]PORT",
	  .help = "where to listen (no ADDR: every address)",
	  .flags = BOMB_OF_REQUIRED,
	  BOMB_FIELD(host),
	  .off2 = offsetof(struct bomb_config, port),
	  .json = "listen" },
	{ .name = "proto",
	  .type = BOMB_OPT_CHOICE,
	  .help = "both: TCP and UDP on the same port",
	  .choices = recv_protos,
	  .def = "both",
	  BOMB_FIELD(proto),
	  .json = "proto" },
	{ 0 },
};

const struct bomb_ops bomb_net_recv_ops = {
	.name = "net-recv",
	.summary = "receives a flood from one or more net-send peers",
	.options = recv_options,
	.notes = "metrics: bytes_received, packets_received (recv calls / datagrams), bits_per_s,\n"
		 "         packets_per_s (over first to last byte, active_s), connections,\n"
		 "         udp_datagrams, refused_connections, errors\n"
		 "stress-ng: not supported (its sock/udp stressors run both ends; use net-send)\n",
	.check = recv_check,
	.start = recv_start,
	.status = recv_status,
	.finish = recv_finish,
	.metrics_json = recv_metrics_json,
	.free = recv_free,
};
