// SPDX-License-Identifier: MIT
/*
 * Kernel receive times for the native engine (see h1-rx.h).
 *
 * Which segment counts: the last one of the answer. A request's latency is
 * the time until its answer is complete (docs/probe.md: a timeout is "no
 * complete answer"; wrk also stops its clock when the response is complete),
 * and the read that completes the answer reports the receive time of the last
 * segment it consumed (tcp_recvmsg keeps the stamp of every segment it copies
 * from, so the last one's is what the cmsg carries). An answer that needs
 * several reads keeps the stamp of the last read that had one.
 */
#include "h1-rx.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"

int h1_rx_enable(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

ssize_t h1_rx_recv(int fd, void *buf, size_t len, uint64_t *rx_real_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct timespec))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n = recvmsg(fd, &msg, 0);

	*rx_real_ns = 0;
	if (n <= 0)
		return n;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		struct timespec ts;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SO_TIMESTAMPNS ||
		    cm->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(cm), sizeof(ts));
		if (ts.tv_sec > 0)
			*rx_real_ns = (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
	}
	return n;
}

/*
 * The wall clock read between two monotonic reads is taken at their middle;
 * the error is at most half the bracket, so the narrowest of a few counts
 * (tens of ns through the vDSO; a preemption widens one bracket, not all).
 */
void h1_rx_clock_sync(struct h1_rx_clock *rc, uint64_t now_ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 3; i++) {
		uint64_t m1 = clock_now_ns(), r = clock_wall_ns(), m2 = clock_now_ns();

		if (m2 - m1 < best) {
			best = m2 - m1;
			rc->real_minus_mono = (int64_t)(r - m1 - (m2 - m1) / 2);
		}
	}
	rc->next_sync_ns = now_ns + H1_RX_SYNC_NS;
}

uint64_t h1_rx_mono(const struct h1_rx_clock *rc, uint64_t rx_real_ns, uint64_t lo, uint64_t hi)
{
	uint64_t mono;

	if (!rx_real_ns)
		return hi;
	mono = rx_real_ns - (uint64_t)rc->real_minus_mono;
	return mono >= lo && mono <= hi ? mono : hi;
}
