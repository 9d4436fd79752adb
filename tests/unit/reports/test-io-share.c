// SPDX-License-Identifier: MIT
/*
 * Unit tests for reports/io-share.c: what the report says beside a priority
 * disk phase about the io weight, from the victim's and the neighbours' disk
 * bombs. Each test copies the `verdicts` fixture (a v2 local run whose
 * disk+prio phase gives the victim weight 2048 against 256), gives it an io
 * weight that works and a disk bomb `vio` in the victim's VM with the bytes
 * per second given, and loads it.
 * Env: ISOLAB_SOURCE_ROOT (for the fixtures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io-share.h"
#include "model.h"
#include "render.h"
#include "sbuf.h"
#include "stats.h"

static char tmpdir[256];

static int setup(void **state)
{
	const char *root = getenv("ISOLAB_SOURCE_ROOT");
	char cmd[1024];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/isolab-test-io-share-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cmd, sizeof(cmd), "cp -r '%s/tests/integration/reports/fixtures/verdicts' '%s/r'",
		 root ? root : "..", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void add_achieved(json_t *run, const char *bomb, double bytes_per_s)
{
	json_t *a = json_object_get(run, "bombs_achieved");

	assert_non_null(a);
	assert_int_equal(
		json_object_set_new(a, bomb,
				    json_pack("{s:n,s:f,s:n,s:s}", "requested", "achieved",
					      bytes_per_s, "share_pct", "unit", "bytes_per_s")),
		0);
}

/*
 * Rewrites the copy's manifest: io weight effective through knob (or the fixture's "CPU
 * weight only" note when knob is NULL), the victim's disk bomb vio in both disk phases, and
 * per run of disk / disk+prio the victim's and the neighbour's bytes per second.
 */
static struct model *load_with(const char *knob, double eq_vio, double eq_disk, double pr_vio,
			       double pr_disk)
{
	char path[512], err[256] = "";
	struct model *m = NULL;
	json_error_t jerr;
	json_t *root, *v;
	size_t i;

	snprintf(path, sizeof(path), "%s/r/manifest.json", tmpdir);
	root = json_load_file(path, 0, &jerr);
	assert_non_null(root);
	if (knob)
		assert_int_equal(
			json_object_set_new(
				json_object_get(json_object_get(root, "backend"), "details"),
				"io_weight",
				json_pack("{s:b,s:s,s:s,s:s,s:n}", "effective", 1, "knob", knob,
					  "device", "vda", "scheduler", "bfq", "note")),
			0);
	json_array_append_new(json_object_get(root, "bombs"),
			      json_pack("{s:s,s:s,s:s,s:{}}", "name", "vio", "vm", "web", "kind",
					"disk", "options"));
	json_array_foreach(json_object_get(root, "phases"), i, v)
	{
		const char *name = json_string_value(json_object_get(v, "name"));

		if (!strcmp(name, "disk") || !strcmp(name, "disk+prio"))
			json_array_append_new(json_object_get(v, "bombs"), json_string("vio"));
	}
	json_array_foreach(json_object_get(root, "runs"), i, v)
	{
		const char *phase = json_string_value(json_object_get(v, "phase"));

		if (!strcmp(phase, "disk")) {
			add_achieved(v, "vio", eq_vio);
			add_achieved(v, "disk", eq_disk);
		} else if (!strcmp(phase, "disk+prio")) {
			add_achieved(v, "vio", pr_vio);
			add_achieved(v, "disk", pr_disk);
		}
	}
	assert_int_equal(json_dump_file(root, path, 0), 0);
	json_decref(root);
	snprintf(path, sizeof(path), "%s/r", tmpdir);
	assert_int_equal(model_load(path, &m, err, sizeof(err)), 0);
	return m;
}

static size_t phase_idx(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->n_phases; i++)
		if (!strcmp(m->phases[i].name, name))
			return i;
	fail_msg("no phase %s", name);
	return 0;
}

static void io_caveat_says_weight_did_not_take_effect_when_share_stays_even(void **state)
{
	/* as measured on the cgroup2 guest with BFQ: 50.6 % equal, 53.7 % at 2048 vs 256 */
	struct model *m = load_with("io.bfq.weight", 2.0e6, 1.95e6, 2.1e6, 1.81e6);
	const char *why = NULL, *c;
	size_t p = phase_idx(m, "disk+prio");

	(void)state;
	c = render_io_caveat(m, p, &why);
	assert_non_null(c);
	assert_string_equal(c, "I/O weight did not take effect: victim's disk share 54 % "
			       "(51 % at equal weights; its io weight gives 89 %)");
	assert_non_null(why);
	assert_non_null(strstr(why, "io.bfq.weight"));
	assert_true(fabs(m->phases[p].io_share_weights_pct - 800.0 / 900 * 100) < 1e-9);
	/* the equal-weight phase and a phase without a disk bomb in the victim say nothing */
	assert_null(render_io_caveat(m, phase_idx(m, "disk"), NULL));
	assert_null(render_io_caveat(m, phase_idx(m, "cpu+prio"), NULL));
	model_free(m);
}

static void io_caveat_says_weight_took_effect_when_share_follows_it(void **state)
{
	/* the bare dd readers on the same disk: 47.6 % equal, 84.4 % at 800:100 */
	struct model *m = load_with("io.bfq.weight", 1.9e6, 2.1e6, 3.3e6, 0.6e6);
	const char *c = render_io_caveat(m, phase_idx(m, "disk+prio"), NULL);

	(void)state;
	assert_non_null(c);
	assert_string_equal(c, "I/O weight took effect: victim's disk share 85 % (48 % at equal "
			       "weights; its io weight gives 89 %)");
	model_free(m);
}

static void io_caveat_keeps_cpu_weight_only_where_no_io_weight_works(void **state)
{
	struct model *m = load_with(NULL, 2.0e6, 2.0e6, 2.0e6, 2.0e6);
	const char *why = NULL;

	(void)state;
	assert_string_equal(render_io_caveat(m, phase_idx(m, "disk+prio"), &why),
			    "CPU weight only: no I/O weight on this host");
	assert_non_null(strstr(why, "uses mq-deadline without io.cost"));
	model_free(m);
}

/* The document's text, rendered by fn from m; the caller frees it. */
static char *rendered(const struct model *m,
		      int (*fn)(const struct model *, const struct stats *, struct sbuf *))
{
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct stats *s = NULL;
	struct sbuf b;
	char *text;

	assert_int_equal(stats_compute(m, &cfg, &s), 0);
	sbuf_init(&b);
	assert_int_equal(fn(m, s, &b), 0);
	text = strdup(b.buf);
	assert_non_null(text);
	sbuf_done(&b);
	stats_free(s);
	return text;
}

/*
 * A disk bomb has no requested rate, so no share of one: the bombs' load is what it moved,
 * in its unit, in every document (summary.md printed "vio nan % (min nan %)" before).
 */
static void bombs_load_of_a_disk_bomb_is_its_rate_not_nan(void **state)
{
	struct model *m = load_with("io.bfq.weight", 2.0e6, 1.95e6, 2.1e6, 1.81e6);
	/* summary.md's table shows the prioritised phase, the others the equal one */
	int (*fns[])(const struct model *, const struct stats *,
		     struct sbuf *) = { render_md, render_html, render_term };
	const char *want[][2] = {
		{ "disk at 1.81e+06 bytes_per_s, vio at 2.1e+06 bytes_per_s",
		  "cpu at 96 % of requested (lowest round 96 %)" },
		{ "bomb disk at 1.95e+06 bytes_per_s, bomb vio at 2e+06 bytes_per_s",
		  "bomb cpu at 96 % of requested (lowest round 96 %)" },
		{ "bomb disk at 1.95e+06 bytes_per_s; bomb vio at 2e+06 bytes_per_s",
		  "bomb cpu at 96 % of requested" },
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char *t = rendered(m, fns[i]);

		assert_null(strstr(t, "nan"));
		assert_non_null(strstr(t, want[i][0]));
		assert_non_null(strstr(t, want[i][1]));
		free(t);
	}
	model_free(m);
}

static void io_share_maps_weights_as_the_local_backend_does(void **state)
{
	(void)state;
	/* 2048 -> 800, clamped at the knob's top: 25600 -> 1000 on BFQ, 10000 with io.cost */
	assert_true(io_share_knob_weight("io.bfq.weight", 2048) == 800);
	assert_true(io_share_knob_weight("io.bfq.weight", 25600) == 1000);
	assert_true(io_share_knob_weight("io.weight", 25600) == 10000);
	assert_true(io_share_knob_weight("blkio.weight", 256) == 500);
	assert_true(io_share_knob_weight("blkio.weight", 1) == 10);
	assert_true(isnan(io_share_knob_weight("cpu.weight", 256)));
	assert_true(isnan(io_share_knob_weight(NULL, 256)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			io_caveat_says_weight_did_not_take_effect_when_share_stays_even, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			io_caveat_says_weight_took_effect_when_share_follows_it, setup, teardown),
		cmocka_unit_test_setup_teardown(
			io_caveat_keeps_cpu_weight_only_where_no_io_weight_works, setup, teardown),
		cmocka_unit_test_setup_teardown(bombs_load_of_a_disk_bomb_is_its_rate_not_nan,
						setup, teardown),
		cmocka_unit_test(io_share_maps_weights_as_the_local_backend_does),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
