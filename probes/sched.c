// SPDX-License-Identifier: MIT
/* Open-loop schedule and backoff arithmetic (pure functions, unit-tested). */
#include <math.h>
#include <stdint.h>

#include "clock.h"
#include "probe.h"

uint64_t sched_intended_ns(uint64_t start_ns, double rate, unsigned nstreams, unsigned k,
			   uint64_t i)
{
	long double slot = (long double)i * nstreams + k;

	return start_ns + (uint64_t)llroundl(slot * 1e9L / rate);
}

uint64_t sched_due(uint64_t start_ns, uint64_t now_ns, double rate, unsigned nstreams, unsigned k)
{
	long double slots;
	uint64_t n;

	if (now_ns < start_ns || nstreams == 0)
		return 0;
	/* slots whose intended time is <= now: floor(elapsed * rate) + 1 */
	slots = floorl((long double)(now_ns - start_ns) * rate / 1e9L) + 1;
	n = slots <= k ? 0 : (uint64_t)((slots - k + nstreams - 1) / nstreams);
	/* rounding in the division above must never promise a request not yet due */
	while (n > 0 && sched_intended_ns(start_ns, rate, nstreams, k, n - 1) > now_ns)
		n--;
	while (sched_intended_ns(start_ns, rate, nstreams, k, n) <= now_ns)
		n++;
	return n;
}

unsigned sched_share(unsigned total, unsigned n, unsigned k)
{
	if (n == 0 || k >= n)
		return 0;
	return total / n + (k < total % n ? 1 : 0);
}

uint64_t sched_backoff_ns(unsigned consecutive_failures)
{
	unsigned s = consecutive_failures < 15 ? consecutive_failures : 15;

	return (uint64_t)s * NSEC_PER_SEC;
}

long sched_wait_ms(uint64_t now_ns, uint64_t deadline_ns, long cap_ms)
{
	uint64_t d;

	if (deadline_ns <= now_ns)
		return 0;
	d = (deadline_ns - now_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
	return d > (uint64_t)cap_ms ? cap_ms : (long)d;
}

uint64_t sched_count(uint64_t start_ns, double rate, uint64_t from_ns, uint64_t to_ns)
{
	uint64_t before_from, before_to;

	if (to_ns <= from_ns || rate <= 0)
		return 0;
	/* sched_due counts the send times <= now; "< t" is "<= t - 1" */
	before_from = from_ns > start_ns ? sched_due(start_ns, from_ns - 1, rate, 1, 0) : 0;
	before_to = to_ns > start_ns ? sched_due(start_ns, to_ns - 1, rate, 1, 0) : 0;
	return before_to - before_from;
}
