// SPDX-License-Identifier: MIT
/* cpu: integer and floating-point work on every thread, duty-cycled. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bomb.h"
#include "clock.h"
#include "duty.h"
#include "json.h"
#include "log.h"

/* One batch is a few microseconds of work: the clock is read once per batch. */
#define CPU_BATCH 256

struct cpu_worker {
	struct bomb_ctx *ctx;
	pthread_t tid;
	uint64_t ops;	 /* batches of work done (atomic) */
	uint64_t cpu_ns; /* thread CPU time, written when the thread ends */
	double sink;
} __attribute__((aligned(64)));

struct cpu_state {
	unsigned nthreads; /* threads started */
	struct cpu_worker *w;
	uint64_t ops;
	uint64_t cpu_ns;
};

/*
 * One unit of work: an xorshift step, an integer multiply-divide and a few
 * floating-point operations whose results feed the next step, so nothing
 * can be optimised away or run ahead.
 */
static inline uint64_t cpu_unit(uint64_t x, double *f)
{
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	x += (x * 2654435761ULL) / ((x & 0xffff) | 1);
	*f = *f * 0.999999 + (double)(x & 0xff) * 1e-3;
	*f = sqrt(*f * *f + 1.0);
	return x;
}

static void *cpu_thread(void *arg)
{
	struct cpu_worker *w = arg;
	struct bomb_ctx *ctx = w->ctx;
	struct duty d;
	uint64_t x = 88172645463325252ULL ^ (uint64_t)(uintptr_t)w;
	double f = 1.0;

	duty_init(&d, ctx->cfg->intensity, 0, clock_now_ns());
	while (!bomb_should_stop(ctx)) {
		for (int i = 0; i < CPU_BATCH; i++)
			x = cpu_unit(x, &f);
		__atomic_fetch_add(&w->ops, CPU_BATCH, __ATOMIC_RELAXED);
		(void)duty_pause(&d, ctx);
	}
	w->sink = f + (double)(x & 1);
	w->cpu_ns = clock_thread_cpu_ns();
	return NULL;
}

static int cpu_check(struct bomb_config *cfg)
{
	if (!cfg->threads)
		cfg->threads = bomb_cpus();
	return 0;
}

static int cpu_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct cpu_state *s = calloc(1, sizeof(*s));

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	s->w = bomb_zalloc(cfg->threads, sizeof(*s->w));
	if (!s->w)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < cfg->threads; i++) {
		int r;

		s->w[i].ctx = ctx;
		r = pthread_create(&s->w[i].tid, NULL, cpu_thread, &s->w[i]);
		if (r)
			return bomb_fail(ctx, -r, "bomb-cpu: starting thread %u failed: %s", i,
					 strerror(r));
		s->nthreads++;
	}
	return 0;
}

static uint64_t cpu_ops_now(const struct cpu_state *s)
{
	uint64_t ops = 0;

	for (unsigned i = 0; i < s->nthreads; i++)
		ops += __atomic_load_n(&s->w[i].ops, __ATOMIC_RELAXED);
	return ops;
}

static void cpu_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct cpu_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char r[32];

	snprintf(buf, len, "%u threads, %sops/s", s->nthreads,
		 bomb_fmt_rate(el > 0 ? (double)cpu_ops_now(s) / el : 0, r, sizeof(r)));
}

static int cpu_finish(struct bomb_ctx *ctx)
{
	struct cpu_state *s = ctx->priv;

	if (!s)
		return 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		(void)pthread_join(s->w[i].tid, NULL);
		s->cpu_ns += s->w[i].cpu_ns;
	}
	s->ops = cpu_ops_now(s);
	return 0;
}

static void cpu_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct cpu_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	double cpu_s = s ? ns_to_s(s->cpu_ns) : 0;
	unsigned n = ctx->cfg->threads;

	json_kv_uint(w, "ops", s ? s->ops : 0);
	json_kv_double(w, "ops_per_s", el > 0 && s ? (double)s->ops / el : 0);
	json_kv_double(w, "cpu_seconds", cpu_s);
	/* CPU time over the time the given threads could have used */
	json_kv_double(w, "cpu_share", el > 0 ? cpu_s / (el * n) : 0);
}

static void cpu_free(struct bomb_ctx *ctx)
{
	struct cpu_state *s = ctx->priv;

	if (s)
		free(s->w);
	free(s);
	ctx->priv = NULL;
}

static int cpu_sng_args(const struct bomb_config *cfg, char *buf, size_t len)
{
	int n = snprintf(buf, len, "--cpu\n%u\n--cpu-load\n%u", cfg->threads, cfg->intensity);

	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static void cpu_sng_metrics(const struct bomb_config *cfg, const struct sng_metrics *m, double el,
			    struct json_writer *w)
{
	double ops = 0, usr = 0, sys = 0;

	(void)sng_get(m, "bogo-ops", &ops);
	(void)sng_get(m, "user-time", &usr);
	(void)sng_get(m, "system-time", &sys);
	json_kv_uint(w, "ops", (uint64_t)ops);
	json_kv_double(w, "ops_per_s", el > 0 ? ops / el : 0);
	json_kv_double(w, "cpu_seconds", usr + sys);
	json_kv_double(w, "cpu_share", el > 0 ? (usr + sys) / (el * cfg->threads) : 0);
}

static const struct bomb_option cpu_options[] = {
	BOMB_OPT_THREADS("worker threads", NULL, "the CPUs we may run on"),
	{ 0 },
};

const struct bomb_ops bomb_cpu_ops = {
	.name = "cpu",
	.summary = "integer and floating-point work on every thread",
	.options = cpu_options,
	.notes =
		"metrics: ops, ops_per_s, cpu_seconds, cpu_share (cpu_seconds / (elapsed * threads))\n"
		"stress-ng: --cpu N --cpu-load PCT\n",
	.check = cpu_check,
	.start = cpu_start,
	.status = cpu_status,
	.finish = cpu_finish,
	.metrics_json = cpu_metrics_json,
	.free = cpu_free,
	.sng_args = cpu_sng_args,
	.sng_own_intensity = true, /* --cpu-load */
	.sng_metrics_json = cpu_sng_metrics,
};
