// SPDX-License-Identifier: MIT
/* Cooldown until the host has settled (controller/settle.c), on a simulated host. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wait_ends_one_window_after_the_host_calms_down),
		cmocka_unit_test(wait_on_a_calm_host_takes_one_window),
		cmocka_unit_test(wait_is_bounded_and_stops_on_a_signal),
		cmocka_unit_test(wait_and_measure_report_unreadable_counters),
		cmocka_unit_test(read_takes_the_aggregate_cpu_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
