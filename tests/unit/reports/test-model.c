// SPDX-License-Identifier: MIT
/*
 * Unit tests for reports/model.c and the renderers: loading, bad and hostile
 * input, escaping, and a light mutation fuzz of a real results directory.
 * Env: ISOLAB_SOURCE_ROOT (for the fixtures).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "model.h"
#include "render.h"
#include "sbuf.h"
#include "stats.h"

static char tmpdir[256];

static void fixture(const char *name, char *buf, size_t len)
{
	const char *root = getenv("ISOLAB_SOURCE_ROOT");

	snprintf(buf, len, "%s/tests/integration/reports/fixtures/%s", root ? root : "..", name);
}

static void put(const char *rel, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644), 0);
}

static int setup(void **state)
{
	char d[512];

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/isolab-test-model-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(d, sizeof(d), "%s/runs/1-baseline", tmpdir);
	return file_mkdirs(d, 0755);
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void parse_time_accepts_iso8601_and_rejects_junk(void **state)
{
	(void)state;
	assert_true(model_parse_time("1970-01-01T00:00:00Z") == 0);
	assert_true(fabs(model_parse_time("2026-11-22T10:15:00.250Z") - 1795342500.25) < 1e-6);
	assert_true(isnan(model_parse_time(NULL)));
	assert_true(isnan(model_parse_time("")));
	assert_true(isnan(model_parse_time("2026-13-01T00:00:00Z")));
	assert_true(isnan(model_parse_time("2026-11-22X10:15:00Z")));
	assert_true(isnan(model_parse_time("2026-11-22T10:15:00+01")));
}

static void load_reads_the_basic_fixture(void **state)
{
	struct model *m = NULL;
	char dir[512], err[256] = "";

	(void)state;
	fixture("basic", dir, sizeof(dir));
	assert_int_equal(model_load(dir, &m, err, sizeof(err)), 0);
	assert_false(m->partial);
	assert_int_equal(m->n_phases, 12);
	assert_int_equal(m->n_runs, 36);
	assert_int_equal(m->rounds_planned, 3);
	assert_string_equal(m->victim_vm, "web");
	assert_int_equal(m->baseline, 0);
	assert_int_equal(m->phases[2].twin_idx, 1);
	assert_true(fabs(m->phases[2].weight_ratio - 8.0) < 1e-9);
	assert_true(m->phases[9].is_sweep);
	assert_true(fabs(m->phases[9].weight_ratio - 2.0) < 1e-9);
	assert_string_equal(m->phases[9].priority, "weight.web=512");
	assert_true(m->runs[0].probe.present);
	assert_int_equal(m->runs[0].probe.requests, 1000);
	assert_int_equal(m->runs[0].probe.n_timeline, 10);
	assert_string_equal(m->runs[1].bombs[0].rate_key, "ops_per_s");
	assert_true(m->runs[1].bombs[0].rate == 125000);
	model_free(m);
}

struct bad_case {
	const char *manifest;
	const char *probe; /* runs/1-baseline/probe.json, NULL = absent */
	const char *needle;
};

#define RUN1 "\"runs\":[{\"round\":1,\"phase\":\"baseline\",\"dir\":\"runs/1-baseline\"}]"

static const struct bad_case bad_cases[] = {
	{ "", NULL, "malformed JSON" },
	{ "[]", NULL, "not a JSON object" },
	{ "{\"runs\":{}}", NULL, "runs is not an array" },
	{ "{\"phases\":[1]}", NULL, "phases[0] is not an object" },
	{ "{\"phases\":[{\"name\":\"a\"},{\"name\":\"a\"}]}", NULL, "listed twice" },
	{ "{\"phases\":[{}]}", NULL, "has no name" },
	{ "{\"phases\":[{\"name\":\"a\",\"bombs\":[1]}]}", NULL, "is not a string" },
	{ "{\"scenario\":{\"rounds\":-1}}", NULL, "absurd" },
	{ "{\"runs\":[{\"round\":0,\"phase\":\"x\"}]}", NULL, "round" },
	{ "{\"runs\":[{\"round\":1.5,\"phase\":\"x\"}]}", NULL, "round" },
	{ "{\"runs\":[{\"round\":1}]}", NULL, "has no phase" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"x\",\"dir\":\"/etc\"}]}", NULL, "bad path" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"x\",\"dir\":\"a/../../b\"}]}", NULL, "leaves" },
	{ "{\"a\":1e999}", NULL, "malformed JSON" },
	{ "{\"a\":\"\\u0000\"}", NULL, "malformed JSON" },
	{ "{" RUN1 "}", "{\"metrics\":{\"requests\":-1}}", "count" },
	{ "{" RUN1 "}", "{\"metrics\":{\"requests\":1e30}}", "count" },
	{ "{" RUN1 "}", "{\"metrics\":{\"requests\":2,\"ok\":3}}", "exceed" },
	{ "{" RUN1 "}", "{\"elapsed_s\":-3}", "negative" },
	{ "{" RUN1 "}", "{\"metrics\":{\"latency_ms\":{\"p99\":-2}}}", "absurd" },
	{ "{" RUN1 "}", "{\"metrics\":{\"histogram\":{\"buckets\":[[1]]}}}", "bucket 0" },
	{ "{" RUN1 "}", "{\"metrics\":{\"histogram\":{\"buckets\":[[1e20,1]]}}}", "bucket 0" },
	{ "{" RUN1 "}", "{\"metrics\":{\"histogram\":{\"buckets\":[[5,0.5]]}}}", "bucket 0" },
	{ "{" RUN1 "}", "{\"metrics\":{\"histogram\":{}}}", "no buckets" },
	{ "{" RUN1 "}", "{\"metrics\":{\"timeline\":[1]}}", "timeline[0]" },
	{ "{" RUN1 "}", "{\"metrics\":{\"timeline\":[{\"t_s\":-1}]}}", "absurd" },
	{ "{" RUN1 "}", "{\"metrics\":{\"throughput_rps\":-1}}", "throughput" },
	{ "{" RUN1 "}", "\"just a string\"", "malformed JSON" },
	/* the verdict fields (issue 11) */
	{ "{\"design\":5}", NULL, "design is not an object" },
	{ "{\"design\":{\"min_effect_pct\":\"5\"}}", NULL,
	  "design.min_effect_pct is not a number" },
	{ "{\"design\":{\"min_effect_pct\":101}}", NULL, "out of range" },
	{ "{\"design\":{\"max_rounds\":2.5}}", NULL, "not a whole number" },
	{ "{\"design\":{\"seed\":-1}}", NULL, "design.seed" },
	{ "{\"design\":{\"aa\":1}}", NULL, "design.aa" },
	{ "{\"load\":{\"mode\":\"half\"}}", NULL, "load.mode 'half' is not one of open, closed" },
	{ "{\"calibration\":{\"status\":5}}", NULL, "calibration.status is not a string" },
	{ "{\"calibration\":{\"capacity_rps\":-1}}", NULL, "calibration.capacity_rps" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"b\",\"valid\":1}]}", NULL, "runs[0].valid" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"b\",\"invalid\":[3]}]}", NULL, "invalid" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"b\",\"order\":0}]}", NULL, "runs[0].order" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"b\",\"sched\":{\"start\":{\"web\":1}}}]}", NULL,
	  "runs[0].sched.start.web is not an object" },
	{ "{\"runs\":[{\"round\":1,\"phase\":\"b\",\"bombs_achieved\":{\"c\":{\"share_pct\":-5}}}]}",
	  NULL, "bombs_achieved.c.share_pct" },
	{ "{" RUN1 "}", "{\"metrics\":{\"good_pct\":101}}", "good_pct = 101" },
	{ "{" RUN1 "}", "{\"metrics\":{\"offered\":10,\"good\":11}}", "exceed" },
	{ "{" RUN1 "}", "{\"metrics\":{\"offered\":10,\"good\":5,\"good_pct\":60}}", "disagrees" },
	{ "{" RUN1 "}", "{\"metrics\":{\"slo_ms\":-1}}", "slo_ms" },
	{ "{" RUN1 "}", "{\"metrics\":{\"mode\":\"ajar\"}}", "metrics.mode" },
};

static void load_reads_the_verdict_fields(void **state)
{
	struct model *m = NULL;
	const struct model_run *r = NULL;
	char dir[512], err[256] = "";

	(void)state;
	fixture("verdicts", dir, sizeof(dir));
	assert_int_equal(model_load(dir, &m, err, sizeof(err)), 0);
	assert_false(m->precalibration);
	assert_false(m->closed_loop);
	assert_true(m->design.present && m->design.has_seed);
	assert_true(m->design.seed == 1234567890123ULL);
	assert_true(m->design.min_effect_pct == 5);
	assert_int_equal(m->design.min_valid_rounds, 3);
	assert_string_equal(m->design.rounds_mode, "fixed");
	assert_true(m->cal.capacity_rps == 400);
	assert_true(m->load.slo_ms == 20);
	assert_string_equal(m->phases[m->aa].name, "baseline~aa");
	for (size_t i = 0; i < m->n_runs; i++)
		if (m->runs[i].round == 3 && !strcmp(m->phases[m->runs[i].phase].name, "mem"))
			r = &m->runs[i];
	assert_non_null(r);
	assert_false(r->valid);
	assert_int_equal(r->n_invalid, 1);
	assert_non_null(strstr(r->invalid[0], "30 %"));
	assert_true(r->probe.has_good && r->probe.good_pct == 95);
	assert_int_equal(r->probe.offered, 2000);
	assert_true(r->sched.present && r->sched.n_start == 2);
	assert_int_equal(r->n_achieved, 1);
	assert_true(r->achieved[0].share_pct == 30);
	assert_true(isfinite(r->victim_cpu_pct));
	model_free(m);
	/* results before issue 11: judged from what they show */
	fixture("dnr", dir, sizeof(dir));
	assert_int_equal(model_load(dir, &m, err, sizeof(err)), 0);
	assert_true(m->precalibration && m->closed_loop);
	for (size_t i = 0; i < m->n_runs; i++)
		if (!strcmp(m->phases[m->runs[i].phase].name, "fork")) {
			assert_false(m->runs[i].valid);
			assert_string_equal(m->runs[i].invalid[0],
					    "derived: bomb fork did not report");
		}
	model_free(m);
}

static void load_rejects_bad_input_with_one_precise_message(void **state)
{
	char probe[600];

	(void)state;
	snprintf(probe, sizeof(probe), "%s/runs/1-baseline/probe.json", tmpdir);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct model *m = NULL;
		char err[512] = "";
		int r;

		put("manifest.json", c->manifest);
		(void)unlink(probe);
		if (c->probe)
			put("runs/1-baseline/probe.json", c->probe);
		r = model_load(tmpdir, &m, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, c->needle) || strchr(err, '\n'))
			fail_msg("case %zu: r=%d err='%s' (want '%s')", i, r, err, c->needle);
		assert_null(m);
	}
	(void)unlink(probe);
}

static void load_tolerates_missing_fields_and_extra_ones(void **state)
{
	struct model *m = NULL;
	char err[256] = "";

	(void)state;
	put("manifest.json", "{\"future\":{\"x\":[1,2]}," RUN1 "}");
	put("runs/1-baseline/probe.json",
	    "{\"status\":\"ok\",\"metrics\":{\"requests\":10,\"ok\":9,\"new_metric\":3}}");
	assert_int_equal(model_load(tmpdir, &m, err, sizeof(err)), 0);
	assert_int_equal(m->n_phases, 1); /* the phase the manifest forgot */
	assert_int_equal(m->runs[0].probe.failed, 1);
	assert_false(m->runs[0].probe.lat.present);
	assert_int_equal(m->baseline, 0);
	model_free(m);
	assert_int_equal(model_load("/nonexistent/dir", &m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/dir"));
}

static void probe_null_in_manifest_means_dnr(void **state)
{
	struct model *m = NULL;
	char err[256] = "";

	(void)state;
	put("manifest.json", "{\"runs\":[{\"round\":1,\"phase\":\"baseline\",\"dir\":\"runs/"
			     "1-baseline\",\"probe\":null,\"status\":\"dnr\"}]}");
	put("runs/1-baseline/probe.json", "{ broken");
	assert_int_equal(model_load(tmpdir, &m, err, sizeof(err)), 0);
	assert_false(m->runs[0].probe.present);
	model_free(m);
}

static void xml_escaping_covers_markup_and_control_bytes(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	sbuf_xml(&b, "<a href=\"x\">&'\x01</a>");
	assert_string_equal(b.buf, "&lt;a href=&quot;x&quot;&gt;&amp;&#39; &lt;/a&gt;");
	sbuf_done(&b);
}

static void csv_fields_quote_commas_quotes_and_line_breaks(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	sbuf_csv(&b, "plain");
	sbuf_csv(&b, NULL);
	sbuf_puts(&b, ",");
	sbuf_csv(&b, "a,b \"c\"\r\nd");
	sbuf_csv_num(&b, 1.5e-7);
	sbuf_csv_num(&b, NAN);
	sbuf_csv_num(&b, 12345678);
	assert_string_equal(b.buf, "plain,\"a,b \"\"c\"\"\r\nd\",1.5e-07,,1.23457e+07");
	sbuf_done(&b);
}

static void md_cells_escape_pipes_and_flatten_line_breaks(void **state)
{
	struct sbuf b;

	(void)state;
	sbuf_init(&b);
	sbuf_puts(&b, "|");
	sbuf_md_cell(&b, "a|b\nc\rd");
	sbuf_md_cell(&b, NULL);
	assert_string_equal(b.buf, "| a\\|b c d |  |");
	sbuf_done(&b);
}

/* Renders every format of m into buffers; returns the first error. */
static int render_all(const struct model *m)
{
	int (*fns[])(const struct model *, const struct stats *,
		     struct sbuf *) = { render_csv, render_json, render_md, render_html };
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct stats *s = NULL;
	int r;

	r = stats_compute(m, &cfg, &s);
	for (size_t i = 0; !r && i < 4; i++) {
		struct sbuf b;

		sbuf_init(&b);
		r = fns[i](m, s, &b);
		sbuf_done(&b);
	}
	stats_free(s);
	return r;
}

static void csv_quotes_hostile_phase_names(void **state)
{
	struct model *m = NULL;
	struct stats *s = NULL;
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct sbuf b;
	char err[256] = "";

	(void)state;
	put("manifest.json", "{\"runs\":[{\"round\":1,\"phase\":\"a,\\\"b\\\"\\n<c>|d\","
			     "\"dir\":\"runs/1-baseline\"}]}");
	put("runs/1-baseline/probe.json", "{\"metrics\":{\"requests\":1,\"ok\":1}}");
	assert_int_equal(model_load(tmpdir, &m, err, sizeof(err)), 0);
	assert_int_equal(stats_compute(m, &cfg, &s), 0);
	sbuf_init(&b);
	assert_int_equal(render_csv(m, s, &b), 0);
	assert_non_null(strstr(b.buf, "\r\n\"a,\"\"b\"\"\n<c>|d\",1,"));
	sbuf_done(&b);
	sbuf_init(&b);
	assert_int_equal(render_html(m, s, &b), 0);
	assert_null(strstr(b.buf, "<c>"));
	sbuf_done(&b);
	sbuf_init(&b);
	assert_int_equal(render_md(m, s, &b), 0);
	assert_non_null(strstr(b.buf, "<c>\\|d"));
	sbuf_done(&b);
	stats_free(s);
	model_free(m);
}

/* Copies one fixture file, flips bytes or truncates it, loads and renders. */
static void mutate_fixture(const char *name, const char *const *files, int n_files, int iters)
{
	char src[512], cmd[1200];
	unsigned seed = 12345;

	fixture(name, src, sizeof(src));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -r '%s' '%s'", tmpdir, src, tmpdir);
	assert_int_equal(system(cmd), 0);
	for (int iter = 0; iter < iters; iter++) {
		const char *f = files[iter % n_files];
		char path[700], *orig = NULL, *buf, err[512];
		size_t len = 0, olen;
		struct model *m = NULL;
		int r;

		snprintf(path, sizeof(path), "%s/%s", tmpdir, f);
		assert_int_equal(file_read_all(path, 1 << 24, &orig, &olen), 0);
		buf = malloc(olen + 1);
		assert_non_null(buf);
		memcpy(buf, orig, olen);
		len = olen;
		for (int k = 0; k < 1 + iter % 5 && len; k++) {
			size_t at = (seed = seed * 1103515245 + 12345) % len;
			static const char junk[] = "{}[]\",:-0919e.xnul\\";

			if (iter % 7 == 0)
				len = at; /* truncate */
			else
				buf[at] = junk[(seed >> 8) % (sizeof(junk) - 1)];
		}
		assert_int_equal(file_write_atomic(path, buf, len, 0644), 0);
		free(buf);
		r = model_load(tmpdir, &m, err, sizeof(err));
		if (r == 0) {
			assert_int_equal(render_all(m), 0);
			model_free(m);
		} else {
			assert_true(r == -EINVAL || r == -ENOTDIR);
			assert_non_null(strstr(err, tmpdir));
		}
		assert_int_equal(file_write_atomic(path, orig, olen, 0644), 0);
		free(orig);
	}
}

static void mutated_results_never_crash(void **state)
{
	static const char *const old[] = { "manifest.json", "runs/1-cpu/probe.json",
					   "runs/1-cpu/bomb-cpu.json",
					   "runs/1-baseline/probe.json" };
	/* with the verdict fields: design, validity, sched, bombs_achieved, good_pct */
	static const char *const v2[] = { "manifest.json", "runs/2-baseline_aa/probe.json",
					  "runs/1-cpu/probe.json" };

	(void)state;
	mutate_fixture("partial", old, 4, 200);
	mutate_fixture("noisy", v2, 3, 90);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_time_accepts_iso8601_and_rejects_junk),
		cmocka_unit_test(load_reads_the_basic_fixture),
		cmocka_unit_test(load_reads_the_verdict_fields),
		cmocka_unit_test(load_rejects_bad_input_with_one_precise_message),
		cmocka_unit_test(load_tolerates_missing_fields_and_extra_ones),
		cmocka_unit_test(probe_null_in_manifest_means_dnr),
		cmocka_unit_test(xml_escaping_covers_markup_and_control_bytes),
		cmocka_unit_test(csv_fields_quote_commas_quotes_and_line_breaks),
		cmocka_unit_test(md_cells_escape_pipes_and_flatten_line_breaks),
		cmocka_unit_test(csv_quotes_hostile_phase_names),
		cmocka_unit_test(mutated_results_never_crash),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
