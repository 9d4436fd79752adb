/* SPDX-License-Identifier: MIT */
/*
 * When an answer arrived, from the kernel (h1-rx.c). The native engine times
 * an answer by the kernel's receive time of its last segment (SO_TIMESTAMPNS)
 * instead of the moment the worker got round to read it, so how the worker
 * waits (a blocking epoll_wait, a nap, a busy batch) does not show in the
 * latencies it reports. The kernel stamps in CLOCK_REALTIME, the probe
 * measures in CLOCK_MONOTONIC (lib/clock.h): struct h1_rx_clock converts.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * CLOCK_REALTIME minus CLOCK_MONOTONIC. The two run at the same rate (NTP
 * slews both); the difference moves only when the wall clock is set or
 * stepped, so it is read again every H1_RX_SYNC_NS.
 */
struct h1_rx_clock {
	int64_t real_minus_mono;
	uint64_t next_sync_ns; /* monotonic */
};

#define H1_RX_SYNC_NS (5 * 1000 * 1000ULL)

/* Asks the kernel for receive times on fd; negative errno when it refuses. */
int h1_rx_enable(int fd);

/*
 * recv() that also returns the kernel's receive time (CLOCK_REALTIME ns) of
 * the last segment it read in *rx_real_ns, or 0 when the kernel gave none.
 */
ssize_t h1_rx_recv(int fd, void *buf, size_t len, uint64_t *rx_real_ns);

/* Reads the offset now (the best of a few bracketed reads). */
void h1_rx_clock_sync(struct h1_rx_clock *rc, uint64_t now_ns);

/* Syncs when H1_RX_SYNC_NS have passed since the last sync. */
static inline void h1_rx_clock_tick(struct h1_rx_clock *rc, uint64_t now_ns)
{
	if (now_ns >= rc->next_sync_ns)
		h1_rx_clock_sync(rc, now_ns);
}

/*
 * The monotonic time of a kernel receive time, if it lies in [lo, hi] (the
 * request's send and now: an answer cannot come before its request nor after
 * it is read); otherwise (no receive time, or the wall clock stepped since
 * the last sync) hi, the time of the read.
 */
uint64_t h1_rx_mono(const struct h1_rx_clock *rc, uint64_t rx_real_ns, uint64_t lo, uint64_t hi);
