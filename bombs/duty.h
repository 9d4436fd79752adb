/* SPDX-License-Identifier: MIT */
/*
 * The --intensity duty cycle (as iBench does it): time is cut into periods
 * of DUTY_PERIOD_NS aligned on the start; in each period a worker runs for
 * pct % of it and sleeps for the rest. 100 never sleeps.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define DUTY_PERIOD_NS (10ULL * 1000 * 1000) /* 10 ms */

struct bomb_ctx;

struct duty {
	uint64_t start_ns;
	uint64_t period_ns;
	uint64_t on_ns;
	unsigned pct;
};

/* pct is clamped to 1..100; period_ns 0 means DUTY_PERIOD_NS. */
void duty_init(struct duty *d, unsigned pct, uint64_t period_ns, uint64_t start_ns);

/* Running time per period, in ns. */
uint64_t duty_on_ns(unsigned pct, uint64_t period_ns);

/* How long to sleep at time now: 0 inside the running part of a period,
 * else the time to the start of the next period. */
uint64_t duty_off_ns(const struct duty *d, uint64_t now_ns);

static inline bool duty_full(const struct duty *d)
{
	return d->pct >= 100;
}

/*
 * For workers: sleeps out the idle part of the current period, if any (never
 * past a stop request by more than one period). Returns true when it slept.
 */
bool duty_pause(const struct duty *d, const struct bomb_ctx *ctx);
