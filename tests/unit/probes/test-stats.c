// SPDX-License-Identifier: MIT
/* Recording, the per-second timeline and the metrics JSON (probes/stats.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "hist.h"
#include "json.h"
#include "probe.h"

#define T0 (1000 * NSEC_PER_SEC)

struct fixture {
	struct probe_config cfg;
	struct probe_run run;
	struct probe_stats st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->cfg.kind = "http";
	f->run.cfg = &f->cfg;
	f->run.start_ns = T0;
	f->run.measure_ns = T0 + 2 * NSEC_PER_SEC; /* 2 s warmup */
	f->run.end_ns = UINT64_MAX;
	f->run.send_until_ns = UINT64_MAX;
	f->run.cutoff_ns = UINT64_MAX;
	assert_int_equal(probe_timeline_init(&f->run.tl), 0);
	assert_int_equal(probe_stats_init(&f->st), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	probe_stats_done(&f->st);
	probe_timeline_done(&f->run.tl);
	free(f);
	return 0;
}

static void record(struct fixture *f, uint64_t intended, uint64_t delay, uint64_t lat,
		   enum probe_fail fail)
{
	struct probe_sample s = {
		.intended_ns = intended,
		.sent_ns = intended + delay,
		.done_ns = intended + delay + lat,
		.latency_ns = delay + lat,
		.raw_ns = lat,
		.fail = fail,
		.status = fail == PROBE_OK ? 200 : 503,
	};

	probe_record(&f->run, &f->st, &s);
}

static void record_ignores_requests_intended_during_warmup(void **state)
{
	struct fixture *f = *state;

	record(f, T0, 0, NSEC_PER_MSEC, PROBE_OK);
	record(f, f->run.measure_ns - 1, 0, NSEC_PER_MSEC, PROBE_OK);
	assert_int_equal(f->st.requests, 0);
	record(f, f->run.measure_ns, 0, NSEC_PER_MSEC, PROBE_OK);
	assert_int_equal(f->st.requests, 1);
	assert_int_equal(hist_count(f->st.lat), 1);
}

static void record_keeps_corrected_and_uncorrected_latency(void **state)
{
	struct fixture *f = *state;

	/* sent 500 ms late (the server was stalled), answered in 1 ms */
	record(f, f->run.measure_ns, 500 * NSEC_PER_MSEC, NSEC_PER_MSEC, PROBE_OK);
	assert_true(hist_max(f->st.lat) >= 500 * NSEC_PER_MSEC);
	assert_true(hist_max(f->st.raw) <= NSEC_PER_MSEC + NSEC_PER_MSEC / 100);
}

static void record_counts_failures_by_kind(void **state)
{
	struct fixture *f = *state;
	uint64_t t = f->run.measure_ns;

	record(f, t, 0, 1000, PROBE_OK);
	record(f, t, 0, 1000, PROBE_FAIL_TIMEOUT);
	record(f, t, 0, 1000, PROBE_FAIL_HTTP_STATUS);
	record(f, t, 0, 1000, PROBE_FAIL_HTTP_STATUS);
	record(f, t, 0, 1000, PROBE_FAIL_READ);
	assert_int_equal(f->st.requests, 5);
	assert_int_equal(f->st.ok, 1);
	assert_int_equal(f->st.failed_by[PROBE_FAIL_TIMEOUT], 1);
	assert_int_equal(f->st.failed_by[PROBE_FAIL_HTTP_STATUS], 2);
	assert_int_equal(f->st.failed_by[PROBE_FAIL_READ], 1);
	assert_int_equal(f->st.failed_by[PROBE_FAIL_CONNECT], 0);
}

static void timeline_has_a_point_per_second_including_silent_ones(void **state)
{
	struct fixture *f = *state;
	uint64_t m = f->run.measure_ns;

	/* second 0: 3 fast requests; seconds 1-2: nothing (a freeze); second 3: one slow */
	for (int i = 0; i < 3; i++)
		record(f, m + i * 100 * NSEC_PER_MSEC, 0, NSEC_PER_MSEC, PROBE_OK);
	record(f, m + 1500 * NSEC_PER_MSEC, 0, 2 * NSEC_PER_SEC, PROBE_FAIL_TIMEOUT);
	probe_stats_tick(&f->run, &f->st, UINT64_MAX);
	probe_timeline_close_before(&f->run.tl, 4);
	assert_int_equal(f->run.tl.n, 4);
	assert_int_equal(f->run.tl.points[0].requests, 3);
	assert_int_equal(f->run.tl.points[0].failures, 0);
	assert_true(f->run.tl.points[0].p50_ms > 0.99 && f->run.tl.points[0].p50_ms < 1.01);
	assert_int_equal(f->run.tl.points[1].requests, 0);
	assert_true(f->run.tl.points[1].p50_ms < 0);
	assert_int_equal(f->run.tl.points[2].requests, 0);
	assert_int_equal(f->run.tl.points[3].requests, 1);
	assert_int_equal(f->run.tl.points[3].failures, 1);
	assert_true(f->run.tl.points[3].p99_ms > 1999 && f->run.tl.points[3].p99_ms < 2001);
}

static void timeline_merges_workers_into_the_same_second(void **state)
{
	struct fixture *f = *state;
	struct probe_stats other;
	uint64_t m = f->run.measure_ns;

	assert_int_equal(probe_stats_init(&other), 0);
	record(f, m, 0, NSEC_PER_MSEC, PROBE_OK);
	struct probe_sample s = { .intended_ns = m,
				  .sent_ns = m,
				  .done_ns = m + 9 * NSEC_PER_MSEC,
				  .latency_ns = 9 * NSEC_PER_MSEC,
				  .raw_ns = 9 * NSEC_PER_MSEC };
	probe_record(&f->run, &other, &s);
	probe_stats_tick(&f->run, &f->st, UINT64_MAX);
	probe_stats_tick(&f->run, &other, UINT64_MAX);
	probe_timeline_close_before(&f->run.tl, 1);
	assert_int_equal(f->run.tl.n, 1);
	assert_int_equal(f->run.tl.points[0].requests, 2);
	assert_true(f->run.tl.points[0].p99_ms > 8.9);

	probe_stats_merge(&f->st, &other);
	assert_int_equal(f->st.requests, 2);
	assert_int_equal(hist_count(f->st.lat), 2);
	probe_stats_done(&other);
}

static void ticket_stops_the_run_after_n_measured_requests(void **state)
{
	struct fixture *f = *state;

	f->cfg.requests = 2;
	assert_true(probe_take_ticket(&f->run, T0)); /* warmup: free */
	assert_true(probe_take_ticket(&f->run, f->run.measure_ns));
	assert_false(atomic_load(&f->run.stop));
	assert_true(probe_take_ticket(&f->run, f->run.measure_ns));
	assert_true(atomic_load(&f->run.stop));
	assert_false(probe_take_ticket(&f->run, f->run.measure_ns));
	assert_true(probe_stopping(&f->run, f->run.measure_ns));
}

static void sqlstate_counts_codes_and_overflows(void **state)
{
	struct fixture *f = *state;
	char code[6];

	probe_count_sqlstate(&f->st, "42P01");
	probe_count_sqlstate(&f->st, "42P01");
	probe_count_sqlstate(&f->st, "57014");
	assert_int_equal(f->st.n_sqlstate, 2);
	assert_string_equal(f->st.sqlstate[0].code, "42P01");
	assert_int_equal(f->st.sqlstate[0].count, 2);
	for (int i = 0; i < PROBE_SQLSTATE_MAX + 5; i++) {
		snprintf(code, sizeof(code), "X%04d", i);
		probe_count_sqlstate(&f->st, code);
	}
	assert_int_equal(f->st.n_sqlstate, PROBE_SQLSTATE_MAX);
	assert_int_equal(f->st.sqlstate_overflow, 7);
}

static void metrics_json_has_the_contract_keys(void **state)
{
	struct fixture *f = *state;
	struct json_writer *w = json_new(0);
	const char *text;
	static const char *const keys[] = {
		"\"requests\":",       "\"ok\":",
		"\"failed\":",	       "\"failed_by\":",
		"\"timeout\":",	       "\"connect\":",
		"\"http_status\":",    "\"read\":",
		"\"other\":",	       "\"success_pct\":",
		"\"throughput_rps\":", "\"latency_ms\":",
		"\"p999\":",	       "\"stdev\":",
		"\"timeline\":",       "\"latency_uncorrected_ms\":",
		"\"histogram\":",      "\"t_s\":",
		"\"p99_ms\":",
	};

	assert_non_null(w);
	record(f, f->run.measure_ns, 0, NSEC_PER_MSEC, PROBE_OK);
	record(f, f->run.measure_ns, 0, NSEC_PER_MSEC, PROBE_FAIL_CONNECT);
	probe_stats_tick(&f->run, &f->st, UINT64_MAX);
	probe_timeline_close_before(&f->run.tl, 1);
	json_obj_begin(w);
	{
		struct probe_window win;

		probe_window_count(&f->run, &f->st, f->run.measure_ns + 2 * NSEC_PER_SEC, 0, &win);
		win.open_loop = true;
		probe_metrics_json(w, &f->run, &f->st, &win);
	}
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	text = json_data(w, NULL);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_non_null(strstr(text, keys[i]));
	assert_non_null(strstr(text, "\"success_pct\":50"));
	assert_non_null(strstr(text, "\"throughput_rps\":1"));
	json_free(w);
}

static void good_counts_successes_within_the_slo_from_the_intended_time(void **state)
{
	struct fixture *f = *state;
	uint64_t m = f->run.measure_ns;

	f->cfg.slo_ns = 20 * NSEC_PER_MSEC;
	record(f, m, 0, 5 * NSEC_PER_MSEC, PROBE_OK);		       /* good */
	record(f, m, 0, 20 * NSEC_PER_MSEC, PROBE_OK);		       /* good: at the SLO */
	record(f, m, 0, 20 * NSEC_PER_MSEC + 1, PROBE_OK);	       /* late */
	record(f, m, 19 * NSEC_PER_MSEC, 2 * NSEC_PER_MSEC, PROBE_OK); /* sent late: late */
	record(f, m, 0, NSEC_PER_MSEC, PROBE_FAIL_HTTP_STATUS);	       /* fast but failed */
	record(f, T0, 0, NSEC_PER_MSEC, PROBE_OK);		       /* warmup */
	assert_int_equal(f->st.requests, 5);
	assert_int_equal(f->st.ok, 4);
	assert_int_equal(f->st.good, 2);
}

static void good_is_ok_without_an_slo(void **state)
{
	struct fixture *f = *state;

	record(f, f->run.measure_ns, 0, 30 * NSEC_PER_SEC, PROBE_OK);
	record(f, f->run.measure_ns, 0, NSEC_PER_MSEC, PROBE_FAIL_READ);
	assert_int_equal(f->st.good, 1);
}

static void outstanding_counts_only_measured_requests_and_merges(void **state)
{
	struct fixture *f = *state;
	struct probe_stats other;

	assert_int_equal(probe_stats_init(&other), 0);
	probe_outstanding(&f->run, &f->st, T0); /* intended in the warmup */
	probe_outstanding(&f->run, &f->st, f->run.measure_ns);
	probe_outstanding(&f->run, &other, f->run.measure_ns + 1);
	probe_outstanding(&f->run, &other, f->run.measure_ns + 2);
	assert_int_equal(f->st.outstanding, 1);
	probe_stats_merge(&f->st, &other);
	assert_int_equal(f->st.outstanding, 3);
	assert_int_equal(f->st.requests, 0); /* never in the latency figures */
	assert_int_equal(hist_count(f->st.lat), 0);
	probe_stats_done(&other);
}

static void window_waits_the_slo_past_the_end_then_abandons(void **state)
{
	struct fixture *f = *state;
	uint64_t end = f->run.measure_ns + 10 * NSEC_PER_SEC;

	f->cfg.duration_ns = 10 * NSEC_PER_SEC;
	f->cfg.timeout_ns = 5 * NSEC_PER_SEC;
	f->cfg.rate = 100;
	f->cfg.slo_ns = 50 * NSEC_PER_MSEC;
	probe_window_init(&f->run);
	assert_int_equal(f->run.end_ns, end);
	assert_int_equal(f->run.send_until_ns, end + 50 * NSEC_PER_MSEC);
	assert_int_equal(f->run.cutoff_ns, end + 50 * NSEC_PER_MSEC);
	/* open loop: the window's backlog may still go out until end + SLO */
	assert_false(probe_stopping(&f->run, end));
	assert_true(probe_stopping(&f->run, end + 50 * NSEC_PER_MSEC));
	assert_false(probe_abandoning(&f->run, end + 49 * NSEC_PER_MSEC));
	assert_true(probe_abandoning(&f->run, end + 50 * NSEC_PER_MSEC));
	/* closed loop: no new request from the end on */
	f->cfg.rate = 0;
	assert_true(probe_stopping(&f->run, end));
	/* no SLO: nothing is sent late, requests in flight get their timeout and 1 s */
	f->cfg.slo_ns = 0;
	probe_window_init(&f->run);
	assert_int_equal(f->run.send_until_ns, end);
	assert_int_equal(f->run.cutoff_ns, end + 6 * NSEC_PER_SEC);
	/* --requests: no time bound at all */
	f->cfg.duration_ns = 0;
	probe_window_init(&f->run);
	assert_int_equal(f->run.end_ns, UINT64_MAX);
	assert_int_equal(f->run.cutoff_ns, UINT64_MAX);
	/* a signal abandons at once */
	atomic_store(&f->run.abort, true);
	assert_true(probe_abandoning(&f->run, f->run.measure_ns));
}

static void window_counts_offered_as_the_schedule_and_the_rest_as_not_sent(void **state)
{
	struct fixture *f = *state;
	struct probe_window win;

	f->cfg.duration_ns = 2 * NSEC_PER_SEC;
	f->cfg.rate = 50; /* 100 send times in the window, 100 in the 2 s warmup */
	probe_window_init(&f->run);
	for (int i = 0; i < 60; i++)
		record(f, f->run.measure_ns + (uint64_t)i * 20 * NSEC_PER_MSEC, 0, NSEC_PER_MSEC,
		       PROBE_OK);
	for (int i = 0; i < 15; i++)
		probe_outstanding(&f->run, &f->st, f->run.measure_ns + NSEC_PER_SEC);
	probe_window_count(&f->run, &f->st, f->run.end_ns + NSEC_PER_SEC, 0, &win);
	assert_true(win.open_loop);
	assert_int_equal(win.offered, 100);
	assert_int_equal(win.not_sent, 100 - 60 - 15);
	/* the window, not the workers' join a second after it (a loaded host's drain) */
	assert_int_equal(win.measured_ns, 2 * NSEC_PER_SEC);
	/* interrupted after 1 s of measurement: only that second was offered and measured */
	probe_window_count(&f->run, &f->st, f->run.measure_ns + 3 * NSEC_PER_SEC / 2,
			   f->run.measure_ns + NSEC_PER_SEC, &win);
	assert_int_equal(win.offered, 75); /* never fewer than were sent */
	assert_int_equal(win.not_sent, 0);
	assert_int_equal(win.measured_ns, NSEC_PER_SEC);
	/* every worker gone 0.5 s into the window (an error): that is where it ended */
	probe_window_count(&f->run, &f->st, f->run.measure_ns + NSEC_PER_SEC / 2, 0, &win);
	assert_int_equal(win.measured_ns, NSEC_PER_SEC / 2);
	/* closed loop: offered is what was sent */
	f->cfg.rate = 0;
	probe_window_count(&f->run, &f->st, f->run.end_ns, 0, &win);
	assert_false(win.open_loop);
	assert_int_equal(win.offered, 75);
	assert_int_equal(win.not_sent, 0);
}

static void window_of_a_requests_run_ends_with_its_last_answer(void **state)
{
	struct fixture *f = *state;
	struct probe_window win;

	f->cfg.duration_ns = 0;
	f->cfg.requests = 3;
	probe_window_init(&f->run);
	for (int i = 0; i < 3; i++) {
		assert_true(probe_take_ticket(&f->run, f->run.measure_ns + (uint64_t)i));
		record(f, f->run.measure_ns + (uint64_t)i * 100 * NSEC_PER_MSEC, 0, NSEC_PER_MSEC,
		       PROBE_OK);
	}
	/* the last answer 201 ms in; the join came a second later */
	probe_window_count(&f->run, &f->st, f->run.measure_ns + 5 * NSEC_PER_SEC / 4, 0, &win);
	assert_int_equal(win.measured_ns, 201 * NSEC_PER_MSEC);
	/* tickets left (a worker failed): the window ran until the workers were gone */
	f->cfg.requests = 4;
	probe_window_count(&f->run, &f->st, f->run.measure_ns + 5 * NSEC_PER_SEC / 4, 0, &win);
	assert_int_equal(win.measured_ns, 5 * NSEC_PER_SEC / 4);
}

static void metrics_json_has_the_verdict_fields(void **state)
{
	struct fixture *f = *state;
	struct json_writer *w = json_new(0);
	struct probe_window win;
	const char *text;

	assert_non_null(w);
	f->cfg.duration_ns = NSEC_PER_SEC;
	f->cfg.rate = 4;
	f->cfg.slo_ns = 10 * NSEC_PER_MSEC;
	probe_window_init(&f->run);
	record(f, f->run.measure_ns, 0, NSEC_PER_MSEC, PROBE_OK);
	record(f, f->run.measure_ns + 250 * NSEC_PER_MSEC, 0, 11 * NSEC_PER_MSEC, PROBE_OK);
	probe_outstanding(&f->run, &f->st, f->run.measure_ns + 500 * NSEC_PER_MSEC);
	probe_window_count(&f->run, &f->st, f->run.end_ns, 0, &win);
	json_obj_begin(w);
	probe_metrics_json(w, &f->run, &f->st, &win);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	text = json_data(w, NULL);
	assert_non_null(strstr(text, "\"mode\":\"open\""));
	assert_non_null(strstr(text, "\"rate_rps\":4"));
	assert_non_null(strstr(text, "\"slo_ms\":10"));
	assert_non_null(strstr(text, "\"offered\":4"));
	assert_non_null(strstr(text, "\"good\":1"));
	assert_non_null(strstr(text, "\"good_pct\":25"));
	assert_non_null(strstr(text, "\"outstanding_at_end\":1"));
	assert_non_null(strstr(text, "\"not_sent\":1"));
	json_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(record_ignores_requests_intended_during_warmup,
						setup, teardown),
		cmocka_unit_test_setup_teardown(record_keeps_corrected_and_uncorrected_latency,
						setup, teardown),
		cmocka_unit_test_setup_teardown(record_counts_failures_by_kind, setup, teardown),
		cmocka_unit_test_setup_teardown(
			timeline_has_a_point_per_second_including_silent_ones, setup, teardown),
		cmocka_unit_test_setup_teardown(timeline_merges_workers_into_the_same_second, setup,
						teardown),
		cmocka_unit_test_setup_teardown(ticket_stops_the_run_after_n_measured_requests,
						setup, teardown),
		cmocka_unit_test_setup_teardown(sqlstate_counts_codes_and_overflows, setup,
						teardown),
		cmocka_unit_test_setup_teardown(metrics_json_has_the_contract_keys, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			good_counts_successes_within_the_slo_from_the_intended_time, setup,
			teardown),
		cmocka_unit_test_setup_teardown(good_is_ok_without_an_slo, setup, teardown),
		cmocka_unit_test_setup_teardown(
			outstanding_counts_only_measured_requests_and_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(window_waits_the_slo_past_the_end_then_abandons,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			window_counts_offered_as_the_schedule_and_the_rest_as_not_sent, setup,
			teardown),
		cmocka_unit_test_setup_teardown(window_of_a_requests_run_ends_with_its_last_answer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(metrics_json_has_the_verdict_fields, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
