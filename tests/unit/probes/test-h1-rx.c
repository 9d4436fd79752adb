// SPDX-License-Identifier: MIT
/*
 * The native engine's answer times (probes/h1-rx.c): an answer read late is
 * timed when it arrived, by its last segment, in the probe's clock; without a
 * receive time (or one that cannot be right) it is timed when read.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "h1-rx.h"

#define LATE_NS (20 * NSEC_PER_MSEC) /* how long an answer waits to be read */

struct pair {
	int client, server;
};

/* A TCP connection over loopback: client (receive times on when asked) and server. */
static void pair_open(struct pair *p, bool stamps)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &len), 0);
	p->client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(p->client >= 0);
	if (stamps)
		assert_int_equal(h1_rx_enable(p->client), 0);
	assert_int_equal(connect(p->client, (struct sockaddr *)&a, sizeof(a)), 0);
	p->server = accept(l, NULL, NULL);
	assert_true(p->server >= 0);
	assert_int_equal(setsockopt(p->server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
	close(l);
}

static void pair_close(struct pair *p)
{
	close(p->client);
	close(p->server);
}

static void test_late_read_is_timed_at_arrival(void **state)
{
	struct h1_rx_clock rc;
	struct pair p;
	uint64_t t0, t1, rx, at;
	char buf[16];

	(void)state;
	pair_open(&p, true);
	h1_rx_clock_sync(&rc, clock_now_ns());
	t0 = clock_now_ns();
	assert_int_equal(send(p.server, "HTTP", 4, 0), 4);
	assert_int_equal(clock_sleep(LATE_NS), 0);
	t1 = clock_now_ns();
	assert_int_equal(h1_rx_recv(p.client, buf, sizeof(buf), &rx), 4);
	assert_memory_equal(buf, "HTTP", 4);
	assert_true(rx != 0);
	at = h1_rx_mono(&rc, rx, t0, t1);
	assert_true(at >= t0);
	assert_true(at + LATE_NS / 2 <= t1); /* not the time of the read */
	pair_close(&p);
}

static void test_last_segment_counts(void **state)
{
	struct h1_rx_clock rc;
	struct pair p;
	uint64_t t0, t_last, t1, rx, at;
	char buf[16];

	(void)state;
	pair_open(&p, true);
	h1_rx_clock_sync(&rc, clock_now_ns());
	t0 = clock_now_ns();
	assert_int_equal(send(p.server, "HT", 2, 0), 2);
	assert_int_equal(clock_sleep(LATE_NS), 0);
	t_last = clock_now_ns();
	assert_int_equal(send(p.server, "TP", 2, 0), 2);
	assert_int_equal(clock_sleep(LATE_NS), 0);
	t1 = clock_now_ns();
	/* both segments in one read: the answer was complete when the second came */
	assert_int_equal(h1_rx_recv(p.client, buf, sizeof(buf), &rx), 4);
	assert_memory_equal(buf, "HTTP", 4);
	at = h1_rx_mono(&rc, rx, t0, t1);
	assert_true(at >= t_last);
	assert_true(at + LATE_NS / 2 <= t1);
	pair_close(&p);
}

static void test_without_stamps_read_time(void **state)
{
	struct h1_rx_clock rc;
	struct pair p;
	uint64_t rx = 1;
	char buf[16];

	(void)state;
	pair_open(&p, false);
	h1_rx_clock_sync(&rc, clock_now_ns());
	assert_int_equal(send(p.server, "HTTP", 4, 0), 4);
	assert_int_equal(clock_sleep(NSEC_PER_MSEC), 0);
	assert_int_equal(h1_rx_recv(p.client, buf, sizeof(buf), &rx), 4);
	assert_true(rx == 0);
	assert_true(h1_rx_mono(&rc, rx, 100, 200) == 200);
	/* the server closed: 0 bytes, no time */
	close(p.server);
	rx = 1;
	assert_int_equal(h1_rx_recv(p.client, buf, sizeof(buf), &rx), 0);
	assert_true(rx == 0);
	close(p.client);
}

/* The conversion, on a clock whose offset is known. */
static void test_conversion_and_its_bounds(void **state)
{
	struct h1_rx_clock rc = { .real_minus_mono = 1000000 };

	(void)state;
	assert_true(h1_rx_mono(&rc, 1000150, 100, 200) == 150);
	assert_true(h1_rx_mono(&rc, 1000100, 100, 200) == 100);
	assert_true(h1_rx_mono(&rc, 1000200, 100, 200) == 200);
	/* before the request was sent, or after it was read: the wall clock stepped */
	assert_true(h1_rx_mono(&rc, 1000099, 100, 200) == 200);
	assert_true(h1_rx_mono(&rc, 1000201, 100, 200) == 200);
	assert_true(h1_rx_mono(&rc, 5, 100, 200) == 200);
	assert_true(h1_rx_mono(&rc, 0, 100, 200) == 200);
}

static void test_sync_reads_the_offset(void **state)
{
	struct h1_rx_clock rc = { 0 };
	uint64_t now = clock_now_ns();
	int64_t off, d;

	(void)state;
	h1_rx_clock_sync(&rc, now);
	off = (int64_t)(clock_wall_ns() - clock_now_ns());
	d = rc.real_minus_mono - off;
	assert_true(d > -(int64_t)NSEC_PER_MSEC && d < (int64_t)NSEC_PER_MSEC);
	assert_true(rc.next_sync_ns == now + H1_RX_SYNC_NS);
	/* a tick before the next sync leaves it alone, one after it syncs */
	rc.real_minus_mono = 7;
	h1_rx_clock_tick(&rc, now + H1_RX_SYNC_NS - 1);
	assert_true(rc.real_minus_mono == 7);
	h1_rx_clock_tick(&rc, now + H1_RX_SYNC_NS);
	assert_true(rc.real_minus_mono != 7);
	assert_true(rc.next_sync_ns == now + 2 * H1_RX_SYNC_NS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_late_read_is_timed_at_arrival),
		cmocka_unit_test(test_last_segment_counts),
		cmocka_unit_test(test_without_stamps_read_time),
		cmocka_unit_test(test_conversion_and_its_bounds),
		cmocka_unit_test(test_sync_reads_the_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
