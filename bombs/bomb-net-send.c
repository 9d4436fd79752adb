// SPDX-License-Identifier: MIT
/*
 * net-send: --streams threads flood a net-recv peer over TCP or UDP with
 * --msg-size messages. A TCP stream that loses its peer reconnects; a stream
 * that cannot connect within NET_CONNECT_WINDOW_NS fails the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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

#define NET_CONNECT_WINDOW_NS (5 * NSEC_PER_SEC) /* the receiver may start a bit later */
#define NET_RETRY_NS	      (100 * NSEC_PER_MSEC)

struct send_stream {
	struct bomb_ctx *ctx;
	struct send_state *s;
	pthread_t tid;
	bool connected_once;
	int err; /* -errno when it never connected */
};

struct send_state {
	struct net_addr addr;
	unsigned nstreams;
	struct send_stream *st;
	struct net_counter *cnt;
	unsigned connections; /* atomic */
	unsigned failed;      /* atomic: streams that gave up */
	struct net_totals tot;
};

static int send_check(struct bomb_config *cfg)
{
	struct net_addr a;
	char why[160];

	if (!cfg->msg_size)
		cfg->msg_size =
			cfg->proto == BOMB_PROTO_UDP ? NET_UDP_MSG_DEFAULT : NET_TCP_MSG_DEFAULT;
	if (cfg->proto == BOMB_PROTO_UDP && cfg->msg_size > NET_UDP_MSG_MAX) {
		log_error("--msg-size %llu: a UDP datagram holds at most %u bytes",
			  (unsigned long long)cfg->msg_size, NET_UDP_MSG_MAX);
		return -EINVAL;
	}
	if (net_resolve(cfg->host, cfg->port,
			cfg->proto == BOMB_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, false, &a, why,
			sizeof(why))) {
		log_error("--to '%s:%u': %s", cfg->host, (unsigned)cfg->port, why);
		return -EINVAL;
	}
	return 0;
}

/* Non-blocking connect, polled so that a stop is seen; 0 or -errno. */
static int stream_connect(struct send_stream *st, int *out)
{
	const struct bomb_config *cfg = st->ctx->cfg;
	bool udp = cfg->proto == BOMB_PROTO_UDP;
	const struct net_addr *a = &st->s->addr;
	struct timeval tv = { .tv_sec = 0, .tv_usec = NET_POLL_MS * 1000 };
	int fd, r, one = 1, bufsz = 4 << 20;

	fd = socket(a->ss.ss_family,
		    (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (udp)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	else
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	r = connect(fd, (const struct sockaddr *)&a->ss, a->len);
	if (r && errno == EINPROGRESS) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		socklen_t len = sizeof(r);

		do {
			r = poll(&p, 1, NET_POLL_MS);
		} while (r == 0 && !bomb_should_stop(st->ctx));
		if (r > 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &r, &len))
			errno = r;
		else if (r == 0)
			errno = EINTR;
		r = errno ? -1 : 0;
	}
	if (r) {
		r = -errno;
		close(fd);
		return r;
	}
	/* blocking from here on, but never for longer than NET_POLL_MS */
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	*out = fd;
	return 0;
}

static void *send_thread(void *arg)
{
	struct send_stream *st = arg;
	struct send_state *s = st->s;
	const struct bomb_config *cfg = st->ctx->cfg;
	struct net_counter *c = &s->cnt[st - s->st];
	bool udp = cfg->proto == BOMB_PROTO_UDP;
	uint64_t give_up = clock_now_ns() + NET_CONNECT_WINDOW_NS;
	char *buf = malloc((size_t)cfg->msg_size);
	struct duty d;
	int fd = -1;

	if (!buf) {
		st->err = -ENOMEM;
		goto out_failed;
	}
	memset(buf, 0x5a, (size_t)cfg->msg_size);
	duty_init(&d, cfg->intensity, 0, clock_now_ns());
	while (!bomb_should_stop(st->ctx)) {
		ssize_t n;

		if (fd < 0) {
			int r = stream_connect(st, &fd);

			if (r) {
				if (bomb_should_stop(st->ctx))
					break;
				if (!st->connected_once && clock_now_ns() > give_up) {
					st->err = r;
					goto out_failed;
				}
				(void)clock_sleep(NET_RETRY_NS);
				continue;
			}
			st->connected_once = true;
			__atomic_fetch_add(&s->connections, 1, __ATOMIC_RELAXED);
		}
		n = send(fd, buf, (size_t)cfg->msg_size, MSG_NOSIGNAL);
		if (n > 0) {
			net_count(c, (uint64_t)n);
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)) {
			/* a full buffer or a signal: try again */
		} else if (udp) {
			/* ICMP port unreachable: the receiver is not there (yet) */
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			(void)clock_sleep(10 * NSEC_PER_MSEC);
		} else {
			__atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
			close(fd);
			fd = -1;
			(void)clock_sleep(NET_RETRY_NS);
		}
		(void)duty_pause(&d, st->ctx);
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;

out_failed:
	free(buf);
	/* every stream gone: nothing left to measure */
	if (__atomic_add_fetch(&s->failed, 1, __ATOMIC_RELAXED) == s->nstreams)
		bomb_set_stop(st->ctx);
	return NULL;
}

static int send_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct send_state *s = calloc(1, sizeof(*s));
	char why[160];
	int r;

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	r = net_resolve(cfg->host, cfg->port,
			cfg->proto == BOMB_PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM, false, &s->addr,
			why, sizeof(why));
	if (r)
		return bomb_fail(ctx, r, "bomb-net-send: %s", why);
	s->st = calloc(cfg->streams, sizeof(*s->st));
	s->cnt = bomb_zalloc(cfg->streams, sizeof(*s->cnt));
	if (!s->st || !s->cnt)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < cfg->streams; i++) {
		s->st[i].ctx = ctx;
		s->st[i].s = s;
	}
	/* nstreams first: a stream that fails at once compares against it */
	s->nstreams = cfg->streams;
	for (unsigned i = 0; i < cfg->streams; i++) {
		r = pthread_create(&s->st[i].tid, NULL, send_thread, &s->st[i]);
		if (r) {
			s->nstreams = i;
			bomb_set_stop(ctx);
			return bomb_fail(ctx, -r, "bomb-net-send: starting stream %u failed: %s", i,
					 strerror(r));
		}
	}
	return 0;
}

static bool send_running(struct bomb_ctx *ctx)
{
	struct send_state *s = ctx->priv;

	return __atomic_load_n(&s->connections, __ATOMIC_RELAXED) > 0;
}

static void send_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct send_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char r[32];

	net_sum(s->cnt, s->nstreams, &s->tot);
	snprintf(buf, len, "%u streams, %sbit/s", s->nstreams,
		 bomb_fmt_rate(el > 0 ? (double)s->tot.bytes * 8 / el : 0, r, sizeof(r)));
}

static int send_finish(struct bomb_ctx *ctx)
{
	struct send_state *s = ctx->priv;
	int err = 0;

	if (!s)
		return 0;
	for (unsigned i = 0; i < s->nstreams; i++) {
		(void)pthread_join(s->st[i].tid, NULL);
		if (s->st[i].err && !err)
			err = bomb_fail(
				ctx, s->st[i].err, "bomb-net-send: connecting to %s:%u failed: %s",
				ctx->cfg->host, (unsigned)ctx->cfg->port, strerror(-s->st[i].err));
	}
	if (s->cnt)
		net_sum(s->cnt, s->nstreams, &s->tot);
	return err;
}

static void send_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct send_state *s = ctx->priv;
	struct net_totals t = { 0 };

	if (s)
		t = s->tot;
	net_metrics_json(&t, bomb_elapsed_s(ctx), "bytes_sent", "packets_sent", w);
	json_kv_uint(w, "connections", s ? s->connections : 0);
}

static void send_free(struct bomb_ctx *ctx)
{
	struct send_state *s = ctx->priv;

	if (s) {
		free(s->st);
		free(s->cnt);
	}
	free(s);
	ctx->priv = NULL;
}

/* stress-ng's sock/udp stressors run both ends here, on the port of --to. */
static int send_sng_args(const struct bomb_config *cfg, char *buf, size_t len)
{
	const char *k = cfg->proto == BOMB_PROTO_UDP ? "udp" : "sock";
	int n = snprintf(buf, len, "--%s\n%u\n--%s-port\n%u", k, cfg->streams, k,
			 (unsigned)cfg->port);

	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static void send_sng_metrics(const struct bomb_config *cfg, const struct sng_metrics *m, double el,
			     struct json_writer *w)
{
	double ops = 0;

	(void)sng_get(m, "bogo-ops", &ops);
	/* stress-ng counts messages (bogo ops), not bytes */
	json_kv_null(w, "bits_per_s");
	json_kv_double(w, "packets_per_s", el > 0 ? ops / el : 0);
	json_kv_uint(w, "bogo_ops", (uint64_t)ops);
}

static const char *const send_protos[] = {
	[BOMB_PROTO_TCP] = "tcp", [BOMB_PROTO_UDP] = "udp", NULL
};

static const struct bomb_option send_options[] = {
	{ .name = "to",
	  .type = BOMB_OPT_HOSTPORT,
	  .metavar = "HOST:PORT",
	  .help = "the net-recv peer",
	  .flags = BOMB_OF_REQUIRED | BOMB_OF_NEED_HOST,
	  BOMB_FIELD(host),
	  .off2 = offsetof(struct bomb_config, port),
	  .json = "to" },
	{ .name = "proto",
	  .type = BOMB_OPT_CHOICE,
	  .help = "the protocol",
	  .choices = send_protos,
	  .def = "tcp",
	  BOMB_FIELD(proto),
	  .json = "proto" },
	{ .name = "streams",
	  .type = BOMB_OPT_UINT,
	  .metavar = "N",
	  .help = "parallel connections",
	  .unit = "streams",
	  .min = 1,
	  .max = 1024,
	  .def = "1",
	  BOMB_FIELD(streams),
	  .json = "streams" },
	{ .name = "msg-size",
	  .type = BOMB_OPT_SIZE,
	  .metavar = "SIZE",
	  .help = "bytes per send",
	  .min = 1,
	  .max = 16ULL << 20,
	  .def_text = "512K for TCP, 1472 for UDP (at most 65507)",
	  BOMB_FIELD(msg_size),
	  .json = "msg_size_bytes" },
	{ 0 },
};

const struct bomb_ops bomb_net_send_ops = {
	.name = "net-send",
	.summary = "floods a net-recv peer over TCP or UDP",
	.options = send_options,
	.notes = "metrics: bytes_sent, packets_sent (sends), bits_per_s, packets_per_s, active_s,\n"
		 "         errors, connections\n"
		 "stress-ng: --sock N / --udp N on the port of --to (it runs both ends itself)\n",
	.check = send_check,
	.start = send_start,
	.running = send_running,
	.status = send_status,
	.finish = send_finish,
	.metrics_json = send_metrics_json,
	.free = send_free,
	.sng_args = send_sng_args,
	.sng_metrics_json = send_sng_metrics,
};
