// SPDX-License-Identifier: MIT
/* Cooldown until the host's CPU idle share, then the victim's CPU use, is back at rest. */
#include "settle.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fileio.h"
#include "sig.h"

#define STEP_DIVISOR 4 /* samples per window */
#define RING	     (STEP_DIVISOR + 1)

int settle_read(const char *path, struct cpu_sample *out)
{
	uint64_t v[8] = { 0 }, total = 0;
	char *text = NULL, *p, *end;
	size_t len;
	int r = file_read_all(path ? path : "/proc/stat", 1 << 20, &text, &len);

	if (r < 0)
		return r;
	if (strncmp(text, "cpu ", 4) != 0) {
		free(text);
		return -EINVAL;
	}
	/* user nice system idle iowait irq softirq steal (guest time is inside user) */
	p = text + 4;
	for (int i = 0; i < 8; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (end == p || errno) {
			if (i < 4) {
				free(text);
				return -EINVAL;
			}
			break; /* old kernels have fewer fields */
		}
		total += v[i];
		p = end;
	}
	free(text);
	out->idle = v[3] + v[4];
	out->total = total;
	return 0;
}

double settle_idle_pct(const struct cpu_sample *a, const struct cpu_sample *b)
{
	if (b->total <= a->total || b->idle < a->idle)
		return NAN;
	return 100.0 * (double)(b->idle - a->idle) / (double)(b->total - a->total);
}

static int host_sample(void *ctx, struct cpu_sample *out)
{
	(void)ctx;
	return settle_read(NULL, out);
}

static uint64_t host_now(void *ctx)
{
	(void)ctx;
	return clock_now_ns();
}

static void host_sleep(void *ctx, uint64_t ns)
{
	(void)ctx;
	(void)clock_sleep(ns);
}

static bool host_stop(void *ctx)
{
	(void)ctx;
	return sig_stop_requested();
}

const struct settle_ops settle_host_ops = {
	.sample = host_sample,
	.now = host_now,
	.sleep = host_sleep,
	.stop = host_stop,
};

int settle_measure(const struct settle_ops *ops, uint64_t span_ns, double *idle_pct)
{
	struct cpu_sample a, b;
	int r = ops->sample(ops->ctx, &a);

	if (r < 0)
		return r;
	ops->sleep(ops->ctx, span_ns);
	r = ops->sample(ops->ctx, &b);
	if (r < 0)
		return r;
	*idle_pct = settle_idle_pct(&a, &b);
	return isnan(*idle_pct) ? -EAGAIN : 0;
}

int settle_wait(const struct settle_ops *ops, const struct settle_cfg *cfg,
		struct settle_result *out)
{
	struct cpu_sample ring[RING];
	uint64_t step = cfg->window_ns / STEP_DIVISOR, start = ops->now(ops->ctx);
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	out->idle_pct = NAN;
	if (step == 0)
		step = 1;
	r = ops->sample(ops->ctx, &ring[0]);
	if (r < 0)
		return r;
	n = 1;
	for (;;) {
		uint64_t now = ops->now(ops->ctx);

		out->waited_ns = now - start;
		if (out->waited_ns >= cfg->max_ns || ops->stop(ops->ctx))
			return 0;
		ops->sleep(ops->ctx, step);
		r = ops->sample(ops->ctx, &ring[n % RING]);
		if (r < 0)
			return r;
		n++;
		if (n < RING)
			continue; /* not a whole window yet */
		/* the oldest sample in the ring is one window ago */
		out->idle_pct = settle_idle_pct(&ring[n % RING], &ring[(n - 1) % RING]);
		if (!isnan(out->idle_pct) &&
		    out->idle_pct >= cfg->rest_idle_pct - cfg->tolerance_pct) {
			out->settled = true;
			out->waited_ns = ops->now(ops->ctx) - start;
			return 0;
		}
	}
}

double settle_vm_pct(const struct settle_vm_mark *a, const struct settle_vm_mark *b)
{
	if (b->t_ns <= a->t_ns || b->cpu_ns < a->cpu_ns)
		return NAN;
	return 100.0 * (double)(b->cpu_ns - a->cpu_ns) / (double)(b->t_ns - a->t_ns);
}

int settle_vm_wait(const struct settle_vm_ops *ops, const struct settle_vm_cfg *cfg,
		   const struct settle_vm_mark *from, struct settle_vm_result *out)
{
	struct settle_vm_mark a = *from, b;
	uint64_t start = ops->now(ops->ctx), span;
	int r;

	memset(out, 0, sizeof(*out));
	out->cpu_pct = NAN;
	for (;;) {
		r = ops->mark(ops->ctx, &b);
		if (r < 0)
			return r;
		span = b.t_ns > a.t_ns ? b.t_ns - a.t_ns : 0;
		out->waited_ns = ops->now(ops->ctx) - start;
		if (span >= cfg->window_ns) {
			double limit = cfg->rest_cpu_pct + cfg->tolerance_pct +
				       100.0 * (double)cfg->step_ns / (double)span;

			out->cpu_pct = settle_vm_pct(&a, &b);
			/* a counter that went backwards (a restarted VM) says nothing: next span */
			if (!isnan(out->cpu_pct) && out->cpu_pct <= limit) {
				out->settled = true;
				return 0;
			}
			a = b; /* still busy: judge a fresh span */
			span = 0;
		}
		if (out->waited_ns >= cfg->max_ns || ops->stop(ops->ctx))
			return 0;
		/* the last span ends at the bound, so that the wait never passes it */
		ops->sleep(ops->ctx, cfg->window_ns - span < cfg->max_ns - out->waited_ns
					     ? cfg->window_ns - span
					     : cfg->max_ns - out->waited_ns);
	}
}
