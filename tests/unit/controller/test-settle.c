// SPDX-License-Identifier: MIT
/* Cooldown until the host, then the victim, has settled (controller/settle.c), simulated. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "settle.h"

/* A host whose idle share is busy_idle until busy_until_ns, then calm_idle. */
struct sim {
	uint64_t now;
	double idle_ticks, total_ticks;
	uint64_t busy_until_ns;
	double busy_idle, calm_idle; /* fractions */
	unsigned samples;
	int fail_at; /* sample number that fails, 0 = never */
	bool stop;
};

static int sim_sample(void *ctx, struct cpu_sample *out)
{
	struct sim *s = ctx;

	if (++s->samples == (unsigned)s->fail_at)
		return -EIO;
	out->idle = (uint64_t)s->idle_ticks;
	out->total = (uint64_t)s->total_ticks;
	return 0;
}

static uint64_t sim_now(void *ctx)
{
	return ((struct sim *)ctx)->now;
}

static void sim_sleep(void *ctx, uint64_t ns)
{
	struct sim *s = ctx;

	/* 2 CPUs at 100 Hz: 200 ticks per second, in 1 ms steps */
	for (uint64_t t = 0; t < ns; t += NSEC_PER_MSEC) {
		double f = s->now < s->busy_until_ns ? s->busy_idle : s->calm_idle;

		s->total_ticks += 0.2;
		s->idle_ticks += 0.2 * f;
		s->now += NSEC_PER_MSEC;
	}
}

static bool sim_stop(void *ctx)
{
	return ((struct sim *)ctx)->stop;
}

#define OPS(s)                                                                                     \
	{                                                                                          \
		.sample = sim_sample, .now = sim_now, .sleep = sim_sleep, .stop = sim_stop,        \
		.ctx = (s)                                                                         \
	}

static void wait_ends_one_window_after_the_host_calms_down(void **state)
{
	struct sim s = { .busy_until_ns = 2 * NSEC_PER_SEC, .busy_idle = 0.1, .calm_idle = 0.9 };
	struct settle_ops ops = OPS(&s);
	struct settle_cfg cfg = { .rest_idle_pct = 88,
				  .tolerance_pct = 10,
				  .window_ns = NSEC_PER_SEC,
				  .max_ns = 10 * NSEC_PER_SEC };
	struct settle_result res;

	(void)state;
	assert_int_equal(settle_wait(&ops, &cfg, &res), 0);
	assert_true(res.settled);
	/* idle over the last second reaches 78 % once ~0.9 s of it were calm */
	assert_true(res.waited_ns >= 2750 * NSEC_PER_MSEC && res.waited_ns <= 3000 * NSEC_PER_MSEC);
	assert_true(res.idle_pct >= 78);
}

static void wait_on_a_calm_host_takes_one_window(void **state)
{
	struct sim s = { .busy_idle = 0.9, .calm_idle = 0.9 };
	struct settle_ops ops = OPS(&s);
	struct settle_cfg cfg = { .rest_idle_pct = 90,
				  .tolerance_pct = 10,
				  .window_ns = 300 * NSEC_PER_MSEC,
				  .max_ns = 10 * NSEC_PER_SEC };
	struct settle_result res;

	(void)state;
	assert_int_equal(settle_wait(&ops, &cfg, &res), 0);
	assert_true(res.settled);
	assert_int_equal(res.waited_ns, 300 * NSEC_PER_MSEC);
}

static void wait_is_bounded_and_stops_on_a_signal(void **state)
{
	struct sim s = { .busy_until_ns = UINT64_MAX, .busy_idle = 0.05 };
	struct settle_ops ops = OPS(&s);
	struct settle_cfg cfg = { .rest_idle_pct = 90,
				  .tolerance_pct = 10,
				  .window_ns = NSEC_PER_SEC,
				  .max_ns = 3 * NSEC_PER_SEC };
	struct settle_result res;

	(void)state;
	assert_int_equal(settle_wait(&ops, &cfg, &res), 0);
	assert_false(res.settled);
	assert_true(res.waited_ns >= 3 * NSEC_PER_SEC && res.waited_ns < 3300 * NSEC_PER_MSEC);
	assert_true(res.idle_pct < 10);

	s.stop = true;
	assert_int_equal(settle_wait(&ops, &cfg, &res), 0);
	assert_false(res.settled);
	assert_int_equal(res.waited_ns, 0);
}

static void wait_and_measure_report_unreadable_counters(void **state)
{
	struct sim s = { .calm_idle = 0.5, .fail_at = 3 };
	struct settle_ops ops = OPS(&s);
	struct settle_cfg cfg = { .window_ns = NSEC_PER_SEC, .max_ns = 5 * NSEC_PER_SEC };
	struct settle_result res;
	double idle;

	(void)state;
	assert_int_equal(settle_wait(&ops, &cfg, &res), -EIO);
	s.samples = 0;
	s.fail_at = 0;
	assert_int_equal(settle_measure(&ops, NSEC_PER_SEC, &idle), 0);
	assert_true(fabs(idle - 50) < 1);
	/* no tick passed: no figure */
	assert_int_equal(settle_measure(&ops, 0, &idle), -EAGAIN);
}

static void read_takes_the_aggregate_cpu_line(void **state)
{
	char path[] = "/tmp/isolab-test-stat-XXXXXX";
	int fd = mkstemp(path);
	struct cpu_sample s;
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("cpu  100 5 50 800 40 0 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n", f);
	fclose(f);
	assert_int_equal(settle_read(path, &s), 0);
	assert_int_equal(s.idle, 840);
	assert_int_equal(s.total, 1000);
	f = fopen(path, "w");
	fputs("intr 1 2 3\n", f);
	fclose(f);
	assert_int_equal(settle_read(path, &s), -EINVAL);
	f = fopen(path, "w");
	fputs("cpu  1 2\n", f);
	fclose(f);
	assert_int_equal(settle_read(path, &s), -EINVAL);
	unlink(path);
	assert_int_equal(settle_read(path, &s), -ENOENT);
	/* the real one */
	assert_int_equal(settle_read(NULL, &s), 0);
	assert_true(s.total > 0 && s.idle <= s.total);
}

/*
 * A victim VM whose CPU use is busy (a fraction of one CPU) until busy_until_ns,
 * working off a backlog the probe gave up on, then calm; reading its counter
 * takes mark_cost_ns (an ssh round trip to dom0), read half-way.
 */
struct vsim {
	uint64_t now;
	double cpu_ns;
	uint64_t busy_until_ns;
	double busy, calm;
	uint64_t mark_cost_ns;
	unsigned marks;
	int fail_at;	     /* mark number that fails, 0 = never */
	bool restart_at2;    /* the 2nd mark reads a counter that started again at 0 */
	uint64_t quantum_ns; /* the counter's resolution (xl list: 0.1 s), 0 = ns */
	uint64_t slept_ns;
	bool stop;
};

static void vsim_run(struct vsim *s, uint64_t ns)
{
	for (uint64_t t = 0; t < ns; t += NSEC_PER_MSEC) {
		s->cpu_ns += (s->now < s->busy_until_ns ? s->busy : s->calm) * NSEC_PER_MSEC;
		s->now += NSEC_PER_MSEC;
	}
}

static int vsim_mark(void *ctx, struct settle_vm_mark *out)
{
	struct vsim *s = ctx;

	if (++s->marks == (unsigned)s->fail_at)
		return -EIO;
	vsim_run(s, s->mark_cost_ns / 2);
	out->cpu_ns = (uint64_t)s->cpu_ns;
	if (s->quantum_ns)
		out->cpu_ns -= out->cpu_ns % s->quantum_ns;
	out->t_ns = s->now;
	if (s->restart_at2 && s->marks == 2)
		s->cpu_ns = out->cpu_ns = 0;
	vsim_run(s, s->mark_cost_ns - s->mark_cost_ns / 2);
	return 0;
}

static uint64_t vsim_now(void *ctx)
{
	return ((struct vsim *)ctx)->now;
}

static void vsim_sleep(void *ctx, uint64_t ns)
{
	((struct vsim *)ctx)->slept_ns += ns;
	vsim_run(ctx, ns);
}

static bool vsim_stop(void *ctx)
{
	return ((struct vsim *)ctx)->stop;
}

#define VOPS(s)                                                                                    \
	{                                                                                          \
		.mark = vsim_mark, .now = vsim_now, .sleep = vsim_sleep, .stop = vsim_stop,        \
		.ctx = (s)                                                                         \
	}

/* The mark the run loop takes before the host's wait, then the host's wait (host_ns). */
static struct settle_vm_mark vsim_before(struct vsim *s, uint64_t host_ns)
{
	struct settle_vm_mark m;

	assert_int_equal(vsim_mark(s, &m), 0);
	vsim_run(s, host_ns);
	return m;
}

static const struct settle_vm_cfg vcfg = { .rest_cpu_pct = 2,
					   .tolerance_pct = 5,
					   .window_ns = NSEC_PER_SEC,
					   .max_ns = 10 * NSEC_PER_SEC };

static void victim_quiet_through_the_host_wait_adds_no_time(void **state)
{
	struct vsim s = { .busy = 0.02, .calm = 0.02 };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_mark from = vsim_before(&s, 1200 * NSEC_PER_MSEC);
	struct settle_vm_result res;

	(void)state;
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), 0);
	assert_true(res.settled);
	assert_int_equal(res.waited_ns, 0);
	assert_int_equal(s.slept_ns, 0);
	assert_true(fabs(res.cpu_pct - 2) < 0.1);
}

static void victim_working_off_a_backlog_is_waited_for(void **state)
{
	/* the host settled after 1 s; the victim drains at 80 % of a CPU until 3.5 s */
	struct vsim s = { .busy_until_ns = 3500 * NSEC_PER_MSEC, .busy = 0.8, .calm = 0.01 };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_mark from = vsim_before(&s, NSEC_PER_SEC);
	struct settle_vm_result res;

	(void)state;
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), 0);
	assert_true(res.settled);
	/* spans 0-1, 1-2, 2-3 busy, 3-4 half busy (40.5 %), 4-5 calm */
	assert_int_equal(res.waited_ns, 4 * NSEC_PER_SEC);
	assert_true(s.now >= s.busy_until_ns);
	assert_true(res.cpu_pct <= 7 && res.cpu_pct > 0.9);
}

static void victim_wait_takes_the_rest_of_a_short_span(void **state)
{
	/* the host's wait was shorter than a window: only the remainder is slept */
	struct vsim s = { .busy = 0.01, .calm = 0.01 };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_mark from = vsim_before(&s, 300 * NSEC_PER_MSEC);
	struct settle_vm_result res;

	(void)state;
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), 0);
	assert_true(res.settled);
	assert_int_equal(s.slept_ns, 700 * NSEC_PER_MSEC);
	assert_int_equal(res.waited_ns, 700 * NSEC_PER_MSEC);
}

static void victim_wait_is_bounded_and_stops_on_a_signal(void **state)
{
	struct vsim s = { .busy_until_ns = UINT64_MAX, .busy = 0.41 };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_cfg cfg = vcfg;
	struct settle_vm_mark from = vsim_before(&s, 200 * NSEC_PER_MSEC);
	struct settle_vm_result res;

	(void)state;
	cfg.max_ns = 2500 * NSEC_PER_MSEC;
	assert_int_equal(settle_vm_wait(&ops, &cfg, &from, &res), 0);
	assert_false(res.settled);
	assert_int_equal(res.waited_ns, 2500 * NSEC_PER_MSEC); /* never past the bound */
	assert_true(fabs(res.cpu_pct - 41) < 0.5);

	s.stop = true;
	from = vsim_before(&s, 0);
	assert_int_equal(settle_vm_wait(&ops, &cfg, &from, &res), 0);
	assert_false(res.settled);
	assert_int_equal(res.waited_ns, 0);
}

static void victim_wait_with_slow_marks_and_unreadable_or_restarted_counters(void **state)
{
	struct vsim s = { .calm = 0.03, .mark_cost_ns = 300 * NSEC_PER_MSEC };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_mark from = vsim_before(&s, NSEC_PER_SEC);
	struct settle_vm_result res;

	(void)state;
	/* an ssh round trip per mark: the span is measured between the reads */
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), 0);
	assert_true(res.settled);
	assert_int_equal(res.waited_ns, 300 * NSEC_PER_MSEC);
	assert_true(fabs(res.cpu_pct - 3) < 0.1);

	/* a counter that went backwards says nothing: the next whole span is judged */
	s = (struct vsim){ .cpu_ns = 5e9, .calm = 0.01, .restart_at2 = true };
	from = vsim_before(&s, NSEC_PER_SEC);
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), 0);
	assert_true(res.settled);
	assert_int_equal(res.waited_ns, NSEC_PER_SEC);

	s = (struct vsim){ .calm = 0.01, .fail_at = 2 };
	from = vsim_before(&s, NSEC_PER_SEC);
	assert_int_equal(settle_vm_wait(&ops, &vcfg, &from, &res), -EIO);

	/* no time between two marks: no figure */
	assert_true(isnan(settle_vm_pct(&from, &from)));
}

static void victim_counter_resolution_is_allowed_for(void **state)
{
	/* 3 % of a CPU read through a 0.1 s counter: 0.095 s -> 0.125 s reads 0 -> 0.1 s */
	struct vsim s = { .cpu_ns = 95e6, .calm = 0.03, .quantum_ns = 100 * NSEC_PER_MSEC };
	struct settle_vm_ops ops = VOPS(&s);
	struct settle_vm_cfg cfg = vcfg;
	struct settle_vm_mark from = vsim_before(&s, NSEC_PER_SEC);
	struct settle_vm_result res;

	(void)state;
	cfg.max_ns = 0;
	assert_int_equal(settle_vm_wait(&ops, &cfg, &from, &res), 0);
	assert_false(res.settled); /* 10 % read, 7 % allowed */
	assert_true(fabs(res.cpu_pct - 10) < 0.01);

	s = (struct vsim){ .cpu_ns = 95e6, .calm = 0.03, .quantum_ns = 100 * NSEC_PER_MSEC };
	from = vsim_before(&s, NSEC_PER_SEC);
	cfg.step_ns = 100 * NSEC_PER_MSEC; /* one step on top: 17 % over 1 s */
	assert_int_equal(settle_vm_wait(&ops, &cfg, &from, &res), 0);
	assert_true(res.settled);
	assert_int_equal(res.waited_ns, 0);

	/* a backlog still shows through the allowance */
	s = (struct vsim){ .busy_until_ns = UINT64_MAX,
			   .busy = 0.9,
			   .quantum_ns = 100 * NSEC_PER_MSEC };
	from = vsim_before(&s, NSEC_PER_SEC);
	cfg.max_ns = 3 * NSEC_PER_SEC;
	assert_int_equal(settle_vm_wait(&ops, &cfg, &from, &res), 0);
	assert_false(res.settled);
	assert_int_equal(res.waited_ns, 3 * NSEC_PER_SEC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wait_ends_one_window_after_the_host_calms_down),
		cmocka_unit_test(wait_on_a_calm_host_takes_one_window),
		cmocka_unit_test(wait_is_bounded_and_stops_on_a_signal),
		cmocka_unit_test(wait_and_measure_report_unreadable_counters),
		cmocka_unit_test(read_takes_the_aggregate_cpu_line),
		cmocka_unit_test(victim_quiet_through_the_host_wait_adds_no_time),
		cmocka_unit_test(victim_working_off_a_backlog_is_waited_for),
		cmocka_unit_test(victim_wait_takes_the_rest_of_a_short_span),
		cmocka_unit_test(victim_wait_is_bounded_and_stops_on_a_signal),
		cmocka_unit_test(victim_wait_with_slow_marks_and_unreadable_or_restarted_counters),
		cmocka_unit_test(victim_counter_resolution_is_allowed_for),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
