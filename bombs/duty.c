// SPDX-License-Identifier: MIT
#include "duty.h"

#include "bomb.h"
#include "clock.h"

void duty_init(struct duty *d, unsigned pct, uint64_t period_ns, uint64_t start_ns)
{
	if (pct < 1)
		pct = 1;
	if (pct > 100)
		pct = 100;
	if (!period_ns)
		period_ns = DUTY_PERIOD_NS;
	d->start_ns = start_ns;
	d->period_ns = period_ns;
	d->pct = pct;
	d->on_ns = duty_on_ns(pct, period_ns);
}

uint64_t duty_on_ns(unsigned pct, uint64_t period_ns)
{
	if (pct >= 100)
		return period_ns;
	return period_ns / 100 * pct + period_ns % 100 * pct / 100;
}

uint64_t duty_off_ns(const struct duty *d, uint64_t now_ns)
{
	uint64_t in_period;

	if (d->pct >= 100 || now_ns < d->start_ns)
		return 0;
	in_period = (now_ns - d->start_ns) % d->period_ns;
	if (in_period < d->on_ns)
		return 0;
	return d->period_ns - in_period;
}

bool duty_pause(const struct duty *d, const struct bomb_ctx *ctx)
{
	uint64_t off;

	if (duty_full(d))
		return false;
	off = duty_off_ns(d, clock_now_ns());
	if (!off || bomb_should_stop(ctx))
		return false;
	(void)clock_sleep(off);
	return true;
}
