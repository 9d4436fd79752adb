// SPDX-License-Identifier: MIT
/* The mechanism (bombs' achieved load, the victim's CPU share) and run validity. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mechanism.h"
#include "validity.h"

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	assert_non_null(j);
	return j;
}

static void cpu_bomb_asks_threads_times_intensity(void **state)
{
	json_t *r = parse("{\"kind\":\"cpu\",\"status\":\"interrupted\",\"elapsed_s\":4.0,"
			  "\"options\":{\"threads\":2,\"intensity_pct\":50},"
			  "\"metrics\":{\"cpu_seconds\":2.0,\"cpu_share\":0.25}}");
	struct mech_load l;

	(void)state;
	assert_int_equal(mech_bomb_load("cpu", r, &l), 0);
	assert_string_equal(l.unit, "cpus");
	assert_true(fabs(l.requested - 1.0) < 1e-9); /* 2 threads at 50 % */
	assert_true(fabs(l.achieved - 0.5) < 1e-9);  /* 2 CPU-seconds in 4 s */
	assert_true(fabs(l.share_pct - 50.0) < 1e-9);
	json_decref(r);
}

static void each_kind_has_its_figure(void **state)
{
	static const struct {
		const char *kind, *json, *unit;
		double requested, achieved;
	} cases[] = {
		{ "mem", "{\"options\":{\"bytes\":1000},\"metrics\":{\"bytes_resident\":250}}",
		  "bytes", 1000, 250 },
		{ "fork", "{\"options\":{\"max_procs\":50},\"metrics\":{\"peak_procs\":40}}",
		  "procs", 50, 40 },
		{ "fork", "{\"options\":{\"max_procs\":0},\"metrics\":{\"peak_procs\":400}}",
		  "procs", NAN, 400 },
		{ "disk",
		  "{\"options\":{},\"metrics\":{\"write_bytes_per_s\":30,\"read_bytes_per_s\":12}}",
		  "bytes/s", NAN, 42 },
		{ "net-send", "{\"metrics\":{\"bits_per_s\":1e9}}", "bits/s", NAN, 1e9 },
		{ "net-recv", "{\"metrics\":{\"bits_per_s\":0}}", "bits/s", NAN, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *r = parse(cases[i].json);
		struct mech_load l;

		assert_int_equal(mech_bomb_load(cases[i].kind, r, &l), 0);
		assert_string_equal(l.unit, cases[i].unit);
		if (isnan(cases[i].requested)) {
			assert_true(isnan(l.requested));
			assert_true(isnan(l.share_pct));
		} else {
			assert_true(l.requested == cases[i].requested);
			assert_true(fabs(l.share_pct -
					 100 * cases[i].achieved / cases[i].requested) < 1e-9);
		}
		assert_true(l.achieved == cases[i].achieved);
		json_decref(r);
	}
}

static void missing_figures_and_unknown_kinds_are_errors(void **state)
{
	json_t *r = parse("{\"kind\":\"cpu\",\"metrics\":{}}");
	struct mech_load l;

	(void)state;
	assert_int_equal(mech_bomb_load("cpu", r, &l), -EINVAL);
	assert_true(isnan(l.achieved) && isnan(l.share_pct));
	assert_int_equal(mech_bomb_load("gpu", r, &l), -ENOENT);
	assert_int_equal(mech_bomb_load("mem", NULL, &l), -EINVAL);
	json_decref(r);
}

static void cpu_share_is_percent_of_one_cpu(void **state)
{
	(void)state;
	assert_true(fabs(mech_cpu_share_pct(1000, 1000 + 1500000000ULL, 1000000000ULL) - 150) <
		    1e-9);
	assert_true(mech_cpu_share_pct(5, 5, 10) == 0);
	assert_true(isnan(mech_cpu_share_pct(10, 5, 10)));
	assert_true(isnan(mech_cpu_share_pct(0, 5, 0)));
}

static void validity_names_every_reason_once(void **state)
{
	struct mech_load low = { .unit = "cpus", .requested = 2, .achieved = 0.1, .share_pct = 5 };
	struct mech_load ok = { .unit = "cpus", .requested = 2, .achieved = 1, .share_pct = 50 };
	struct mech_load none = {
		.unit = "bits/s", .requested = NAN, .achieved = 0, .share_pct = NAN
	};
	struct mech_load bytes = { .unit = "bytes",
				   .requested = 256.0 * 1048576,
				   .achieved = 10.0 * 1048576,
				   .share_pct = 100.0 * 10 / 256 };
	struct validity v;

	(void)state;
	validity_init(&v);
	assert_true(validity_ok(&v));
	validity_check_bomb(&v,
			    &(struct validity_bomb){ .name = "cpu",
						     .started = true,
						     .ready = true,
						     .reported = true,
						     .status = "interrupted",
						     .load = &ok },
			    10);
	assert_true(validity_ok(&v)); /* starved to half by the victim: still a bomb */

	validity_check_bomb(&v,
			    &(struct validity_bomb){ .name = "cpu",
						     .started = true,
						     .ready = true,
						     .reported = true,
						     .status = "interrupted",
						     .load = &low },
			    10);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.reasons[0], "bomb cpu achieved 5 % of its requested 2 cpus (0.10 "
					  "cpus; at least 10 %)");
	validity_check_bomb(&v, &(struct validity_bomb){ .name = "disk" }, 10);
	assert_string_equal(v.reasons[1], "bomb disk did not start");
	validity_check_bomb(&v, &(struct validity_bomb){ .name = "net", .started = true }, 10);
	assert_string_equal(v.reasons[2], "bomb net never became ready");
	assert_string_equal(v.reasons[3], "bomb net did not report (no JSON result)");
	validity_check_bomb(&v,
			    &(struct validity_bomb){ .name = "mem",
						     .started = true,
						     .ready = true,
						     .reported = true,
						     .status = "failed",
						     .error = "mmap failed:\nENOMEM" },
			    10);
	assert_string_equal(v.reasons[4], "bomb mem failed: mmap failed: ENOMEM");
	validity_check_bomb(&v,
			    &(struct validity_bomb){ .name = "sink",
						     .started = true,
						     .ready = true,
						     .reported = true,
						     .status = "interrupted",
						     .load = &none },
			    10);
	assert_string_equal(v.reasons[5], "bomb sink achieved nothing (0 bits/s)");
	validity_check_bomb(&v,
			    &(struct validity_bomb){ .name = "mem",
						     .started = true,
						     .ready = true,
						     .reported = true,
						     .status = "interrupted",
						     .load = &bytes },
			    10);
	assert_string_equal(v.reasons[6], "bomb mem achieved 3.91 % of its requested 256 MiB (10 "
					  "MiB; at least 10 %)");
	validity_add(&v, "interrupted");
	validity_add(&v, "one too many");
	assert_int_equal(v.n, VALIDITY_MAX);
	assert_int_equal(v.more, 1);
	assert_false(validity_ok(&v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_bomb_asks_threads_times_intensity),
		cmocka_unit_test(each_kind_has_its_figure),
		cmocka_unit_test(missing_figures_and_unknown_kinds_are_errors),
		cmocka_unit_test(cpu_share_is_percent_of_one_cpu),
		cmocka_unit_test(validity_names_every_reason_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
