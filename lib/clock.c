// SPDX-License-Identifier: MIT
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static uint64_t clock_get(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t clock_now_ns(void)
{
	return clock_get(CLOCK_MONOTONIC);
}

uint64_t clock_wall_ns(void)
{
	return clock_get(CLOCK_REALTIME);
}

uint64_t clock_thread_cpu_ns(void)
{
	return clock_get(CLOCK_THREAD_CPUTIME_ID);
}

uint64_t clock_process_cpu_ns(void)
{
	return clock_get(CLOCK_PROCESS_CPUTIME_ID);
}

int clock_sleep_until(uint64_t abs_ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(abs_ns / NSEC_PER_SEC),
		.tv_nsec = (long)(abs_ns % NSEC_PER_SEC),
	};
	int r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);

	return r == 0 ? 0 : -r;
}

int clock_sleep(uint64_t ns)
{
	return clock_sleep_until(clock_now_ns() + ns);
}

char *clock_iso8601(uint64_t wall_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(wall_ns / NSEC_PER_SEC);
	unsigned ms = (unsigned)((wall_ns % NSEC_PER_SEC) / NSEC_PER_MSEC);
	struct tm tm;
	char date[32];

	if (!len)
		return buf;
	if (!gmtime_r(&secs, &tm) || !strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm)) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%s.%03uZ", date, ms);
	return buf;
}
