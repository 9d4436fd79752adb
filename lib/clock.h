/* SPDX-License-Identifier: MIT */
/* Time: CLOCK_MONOTONIC nanoseconds for measuring, wall clock only for stamps. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC  1000000000ULL

uint64_t clock_now_ns(void);	     /* CLOCK_MONOTONIC */
uint64_t clock_wall_ns(void);	     /* CLOCK_REALTIME, for timestamps only */
uint64_t clock_thread_cpu_ns(void);  /* CLOCK_THREAD_CPUTIME_ID */
uint64_t clock_process_cpu_ns(void); /* CLOCK_PROCESS_CPUTIME_ID */

/* Sleeps until the monotonic time abs_ns; returns early (-EINTR) on a signal. */
int clock_sleep_until(uint64_t abs_ns);
int clock_sleep(uint64_t ns);

/* "2026-11-22T00:18:12.123Z" (UTC, milliseconds). Returns buf. */
char *clock_iso8601(uint64_t wall_ns, char *buf, size_t len);

static inline double ns_to_s(uint64_t ns)
{
	return (double)ns / 1e9;
}

static inline double ns_to_ms(uint64_t ns)
{
	return (double)ns / 1e6;
}
