// SPDX-License-Identifier: MIT
/* The manifest's design, calibration, load and per-run mechanism (controller/manifest-design.c). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "manifest-design.h"
#include "scenario.h"

/* Renders fn's members into one compact object; the caller frees. */
static char *render(void (*fn)(struct json_writer *w, const void *arg), const void *arg)
{
	struct json_writer *w = json_new(0);
	char *text;

	assert_non_null(w);
	json_obj_begin(w);
	fn(w, arg);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	text = strdup(json_data(w, NULL));
	json_free(w);
	assert_non_null(text);
	return text;
}

static void has(const char *text, const char *want)
{
	if (!text || !strstr(text, want)) {
		print_error("'%s' not in %s\n", want, text ? text : "nothing");
		fail();
	}
}

struct design_arg {
	const struct scenario *s;
	const struct design_record *d;
};

static void render_design(struct json_writer *w, const void *arg)
{
	const struct design_arg *a = arg;

	manifest_design_json(w, a->s, a->d, 5);
}

static void manifest_records_design_calibration_and_load(void **state)
{
	static const char text[] = "[global]\nrounds = auto\nmax_rounds = 6\n[vm w]\nrole = "
				   "victim\n[vm c]\nrole = probe\n[probe]\nkind = http\n"
				   "[phase baseline]\n";
	struct design_record d = { .seed = 9007199254740991ULL,
				   .rounds_done = 4,
				   .stopped = "decided",
				   .rest_idle_pct = 93.5,
				   .cooldown = { .tolerance_pct = 10,
						 .window_s = 1,
						 .max_s = 5,
						 .victim_rest_cpu_pct = 1.5,
						 .victim_tolerance_pct = 5,
						 .victim_source = "xl list" },
				   .cal = { .ran = true,
					    .ok = true,
					    .capacity_rps = 8000,
					    .concurrency = 32,
					    .duration_s = 3,
					    .p50_ms = 3.9,
					    .p99_ms = NAN,
					    .victim_cpu_share_pct = 151.5 },
				   .load_ok = true };
	struct scenario *s = NULL;
	char err[256], *j;

	(void)state;
	assert_int_equal(scenario_parse("t.ini", text, strlen(text), &s, err, sizeof(err)), 0);
	assert_int_equal(scn_design_resolve(&s->design, 8000, 3.9, &d.load, err, sizeof(err)), 0);
	j = render(render_design, &(struct design_arg){ .s = s, .d = &d });
	has(j, "\"design\":{\"seed\":9007199254740991,\"order\":\"shuffled\",\"rounds_mode\":"
	       "\"auto\",\"rounds_planned\":5,\"rounds_done\":4,\"stopped\":\"decided\","
	       "\"max_rounds\":6,\"max_time_s\":540,\"min_effect_pct\":10,\"aa\":true,"
	       "\"min_valid_rounds\":3,\"min_bomb_share_pct\":2,");
	has(j, "\"cooldown\":{\"rest_idle_pct\":93.5,\"tolerance_pct\":10,\"window_s\":1,"
	       "\"max_s\":5,\"victim\":{\"rest_cpu_pct\":1.5,\"tolerance_pct\":5,"
	       "\"source\":\"xl list\"}}");
	has(j, "\"calibration\":{\"status\":\"ok\",\"capacity_rps\":8000,\"concurrency\":32,"
	       "\"duration_s\":3,\"p50_ms\":3.9,\"p99_ms\":null,\"victim_cpu_share_pct\":151.5,"
	       "\"result\":"
	       "\"calibration/probe.json\"}");
	has(j, "\"load\":{\"mode\":\"open\",\"share_pct\":50,\"rate_rps\":4000,\"slo_ms\":10,"
	       "\"slo_source\":\"derived: ");
	free(j);

	/* a failed calibration says why; a load that could not be resolved is null */
	d.cooldown.victim_rest_cpu_pct = NAN;
	snprintf(d.cooldown.victim_source, sizeof(d.cooldown.victim_source),
		 "unavailable: the fake backend cannot tell a VM's CPU time");
	d.cal.ok = false;
	snprintf(d.cal.error, sizeof(d.cal.error), "the probe did not report");
	d.load_ok = false;
	j = render(render_design, &(struct design_arg){ .s = s, .d = &d });
	has(j, "\"calibration\":{\"status\":\"failed\",\"error\":\"the probe did not report\"");
	has(j, "\"load\":null");
	has(j, "\"victim\":{\"rest_cpu_pct\":null,\"tolerance_pct\":5,\"source\":"
	       "\"unavailable: the fake backend cannot tell a VM's CPU time\"}");
	free(j);
	scenario_free(s);
}

static void render_mech(struct json_writer *w, const void *arg)
{
	manifest_run_mech_json(w, 3, arg);
}

static void manifest_records_each_runs_validity_and_mechanism(void **state)
{
	static const char *const names[] = { "cpu", "sink" };
	struct mech_load loads[2] = {
		{ .unit = "cpus", .requested = 2, .achieved = 0.1, .share_pct = 5 },
		{ .unit = "bits/s", .requested = NAN, .achieved = NAN, .share_pct = NAN },
	};
	struct run_mech m = { .victim_cpu_share_pct = 87.5,
			      .victim_cpu_source = "cgroup cpuacct.usage",
			      .scheduler = "cgroup-v1",
			      .n_bombs = 2,
			      .bomb_names = names,
			      .bombs = loads };
	char *j;

	(void)state;
	validity_init(&m.validity);
	validity_add(&m.validity, "interrupted");
	m.start.taken = true;
	m.start.n = 2;
	snprintf(m.start.vm[0].vm, sizeof(m.start.vm[0].vm), "web");
	m.start.vm[0].ok = true;
	m.start.vm[0].weight = 2048;
	m.start.vm[0].live = true;
	snprintf(m.start.vm[1].vm, sizeof(m.start.vm[1].vm), "noisy");
	snprintf(m.start.vm[1].error, sizeof(m.start.vm[1].error), "no such VM");
	m.has_details = true;
	m.details = (struct backend_sched_details){ .cpupool = "p1",
						    .tslice_ms = 30,
						    .ratelimit_us = -1 };
	j = render(render_mech, &m);
	has(j, "\"details\":{\"cpupool\":\"p1\",\"tslice_ms\":30}");
	has(j, "{\"order\":3,\"valid\":false,\"invalid\":[\"interrupted\"],"
	       "\"victim_cpu_share_pct\":87.5,\"victim_cpu_source\":\"cgroup cpuacct.usage\",");
	has(j, "\"sched\":{\"start\":{\"web\":{\"weight\":2048,\"cap\":0,\"live\":true},"
	       "\"noisy\":{\"error\":\"no such VM\"}},\"end\":null,\"scheduler\":\"cgroup-v1\"");
	has(j, "\"bombs_achieved\":{\"cpu\":{\"requested\":2,\"achieved\":0.1,\"share_pct\":5,"
	       "\"unit\":\"cpus\"},\"sink\":{\"requested\":null,\"achieved\":null,\"share_pct\":"
	       "null,\"unit\":\"bits/s\"}},\"cooldown_after\":null");
	free(j);

	/* the cooldown after it: the host settled, the victim did not */
	m.cooldown_after = (struct cooldown_rec){ .taken = true,
						  .host_settled = true,
						  .host_waited_s = 0.25,
						  .host_idle_pct = 88,
						  .victim_checked = true,
						  .victim_waited_s = 2,
						  .victim_cpu_pct = 41 };
	j = render(render_mech, &m);
	has(j, "\"cooldown_after\":{\"host_settled\":true,\"host_waited_s\":0.25,"
	       "\"host_idle_pct\":88,\"victim_settled\":false,\"victim_waited_s\":2,"
	       "\"victim_cpu_pct\":41}");
	free(j);
	/* a victim whose CPU time cannot be read: null, not "settled" */
	m.cooldown_after.victim_checked = false;
	j = render(render_mech, &m);
	has(j, "\"host_idle_pct\":88,\"victim_settled\":null,\"victim_waited_s\":null,"
	       "\"victim_cpu_pct\":null}");
	free(j);
	m.cooldown_after.taken = false;

	/* valid, and the CPU share unavailable with its reason */
	validity_init(&m.validity);
	m.victim_cpu_share_pct = NAN;
	snprintf(m.victim_cpu_source, sizeof(m.victim_cpu_source),
		 "unavailable: xapi has no dom0 to ask");
	j = render(render_mech, &m);
	has(j, "\"valid\":true,\"invalid\":[],\"victim_cpu_share_pct\":null,"
	       "\"victim_cpu_source\":\"unavailable: xapi has no dom0 to ask\"");
	free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(manifest_records_design_calibration_and_load),
		cmocka_unit_test(manifest_records_each_runs_validity_and_mechanism),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
