// SPDX-License-Identifier: MIT
/* Scenario parsing: every error path names FILE:LINE, sweeps expand, the default parses. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "clock.h"
#include "scenario.h"

#define HEAD                                                                                       \
	"[vm web]\nrole = victim\n[vm noisy]\nrole = neighbor\n[vm client]\nrole = probe\n"        \
	"[probe]\nvm = client\nkind = http\n[bomb cpu]\nvm = noisy\nkind = cpu\n"
/* HEAD is 12 lines; the next line is line 13 */
#define PROBE_HEAD "[vm web]\nrole = victim\n[vm client]\nrole = probe\n[probe]\nkind = http\n"
/* PROBE_HEAD is 6 lines; line 7 is still in [probe] */

static int parse(const char *text, struct scenario **s, char *err, size_t len)
{
	return scenario_parse("t.ini", text, strlen(text), s, err, len);
}

struct bad_case {
	const char *name;
	const char *text;
	const char *expect; /* substring of the error, which starts with "t.ini:LINE: " */
};

static const struct bad_case bad[] = {
	{ "unknown_section", "[globl]\n", "t.ini:1: unknown section [globl]" },
	{ "header_unclosed", "[vm web\n", "t.ini:1: malformed section header" },
	{ "header_trailing", "[vm web] x\n", "t.ini:1: malformed section header" },
	{ "vm_without_name", "[vm]\n", "t.ini:1: [vm] needs a name" },
	{ "global_with_name", "[global x]\n", "t.ini:1: [global] takes no name" },
	{ "bad_vm_name", "[vm a/b]\nrole = victim\n", "t.ini:1: invalid vm name 'a/b'" },
	{ "bad_phase_name", HEAD "[phase a[b]\n", "t.ini:13: invalid phase name 'a[b'" },
	{ "key_outside", "x = 1\n", "t.ini:1: key outside any section" },
	{ "no_equals", "[global]\nduration\n", "t.ini:2: expected KEY = VALUE" },
	{ "missing_key", "[global]\n= 3\n", "t.ini:2: missing key" },
	{ "missing_value", "[global]\nrounds =\n", "t.ini:2: rounds: missing value" },
	{ "duplicate_key", "[global]\nrounds = 1\nrounds = 2\n",
	  "t.ini:3: duplicate key 'rounds' (first at line 2)" },
	{ "duplicate_global", "[global]\n[global]\n", "t.ini:2: duplicate [global] section" },
	{ "duplicate_vm", "[vm a]\nrole = victim\n[vm a]\nrole = probe\n",
	  "t.ini:3: duplicate [vm a] (first at line 1)" },
	{ "duplicate_bomb", HEAD "[bomb cpu]\nvm = noisy\nkind = cpu\n",
	  "t.ini:13: duplicate [bomb cpu]" },
	{ "duplicate_phase", HEAD "[phase p]\n[phase p]\n", "t.ini:14: duplicate [phase p]" },
	{ "unknown_global_key", "[global]\nspeed = 3\n",
	  "t.ini:2: unknown key 'speed' in [global]" },
	{ "bad_backend", "[global]\nbackend = kvm\n", "t.ini:2: backend: unknown 'kvm'" },
	{ "bad_duration", "[global]\nduration = fast\n",
	  "t.ini:2: duration: 'fast' is not a duration" },
	{ "zero_duration", "[global]\nduration = 0\n", "t.ini:2: duration: '0' is not a duration" },
	{ "bad_warmup", "[global]\nwarmup = -1s\n", "t.ini:2: warmup" },
	{ "bad_rounds", "[global]\nrounds = 0\n",
	  "t.ini:2: rounds: '0' (expected 1-1000 or auto)" },
	{ "bad_rounds_word", "[global]\nrounds = automatic\n", "t.ini:2: rounds: 'automatic'" },
	{ "max_rounds_low", "[global]\nrounds = auto\nmax_rounds = 2\n",
	  "t.ini:3: max_rounds: '2' (expected 3-1000)" },
	{ "max_rounds_high", "[global]\nrounds = auto\nmax_rounds = 1001\n",
	  "t.ini:3: max_rounds: '1001'" },
	{ "max_rounds_fixed", "[global]\nrounds = 4\nmax_rounds = 5\n" PROBE_HEAD "[phase p]\n",
	  "t.ini:3: max_rounds: only with rounds = auto" },
	{ "max_time_short", "[global]\nrounds = auto\nmax_time = 10s\n",
	  "t.ini:3: max_time: '10s'" },
	{ "max_time_long", "[global]\nrounds = auto\nmax_time = 8d\n", "t.ini:3: max_time: '8d'" },
	{ "max_time_junk", "[global]\nrounds = auto\nmax_time = soon\n",
	  "t.ini:3: max_time: 'soon'" },
	{ "max_time_fixed", "[global]\nmax_time = 5m\n" PROBE_HEAD "[phase p]\n",
	  "t.ini:2: max_time: only with rounds = auto" },
	{ "min_effect_zero", "[global]\nmin_effect = 0%\n", "t.ini:2: min_effect: '0%'" },
	{ "min_effect_no_pct", "[global]\nmin_effect = 10\n", "t.ini:2: min_effect: '10'" },
	{ "min_effect_high", "[global]\nmin_effect = 150%\n", "t.ini:2: min_effect: '150%'" },
	{ "min_bomb_share_high", "[global]\nmin_bomb_share = 101%\n",
	  "t.ini:2: min_bomb_share: '101%'" },
	{ "bad_aa", "[global]\naa = maybe\n", "t.ini:2: aa: 'maybe' (expected yes or no)" },
	{ "load_no_pct", PROBE_HEAD "load = 50\n[phase p]\n",
	  "t.ini:7: load: '50' (expected a share of the calibrated capacity" },
	{ "load_zero", PROBE_HEAD "load = 0%\n[phase p]\n", "t.ini:7: load: '0%'" },
	{ "load_high", PROBE_HEAD "load = 101%\n[phase p]\n", "t.ini:7: load: '101%'" },
	{ "load_junk", PROBE_HEAD "load = half%\n[phase p]\n", "t.ini:7: load: 'half%'" },
	{ "rate_zero", PROBE_HEAD "rate = 0\n[phase p]\n",
	  "t.ini:7: rate: '0' (expected requests/s, 0.001-10000000)" },
	{ "rate_junk", PROBE_HEAD "rate = fast\n[phase p]\n", "t.ini:7: rate: 'fast'" },
	{ "rate_high", PROBE_HEAD "rate = 1e9\n[phase p]\n", "t.ini:7: rate: '1e9'" },
	{ "load_and_rate", PROBE_HEAD "load = 40%\nrate = 100\n[phase p]\n",
	  "t.ini:8: give load (a share of the calibrated capacity) or rate" },
	{ "bad_mode", PROBE_HEAD "mode = half\n[phase p]\n",
	  "t.ini:7: mode: 'half' (expected open or closed)" },
	{ "closed_with_load", PROBE_HEAD "mode = closed\nload = 40%\n[phase p]\n",
	  "t.ini:8: load: mode = closed (line 7)" },
	{ "closed_with_rate", PROBE_HEAD "rate = 10\nmode = closed\n[phase p]\n",
	  "t.ini:7: rate: mode = closed (line 8)" },
	{ "slo_zero", PROBE_HEAD "slo = 0\n[phase p]\n",
	  "t.ini:7: slo: '0' (expected the latency" },
	{ "slo_tiny", PROBE_HEAD "slo = 50us\n[phase p]\n", "t.ini:7: slo: '50us'" },
	{ "slo_huge", PROBE_HEAD "slo = 11m\n[phase p]\n", "t.ini:7: slo: '11m'" },
	{ "slo_junk", PROBE_HEAD "slo = p99<=20ms\n[phase p]\n", "t.ini:7: slo: 'p99<=20ms'" },
	{ "slo_over_timeout", PROBE_HEAD "timeout = 1s\nslo = 2s\n[phase p]\n",
	  "t.ini:8: slo: longer than the probe's timeout" },
	{ "slo_over_default_timeout", PROBE_HEAD "slo = 30s\n[phase p]\n",
	  "t.ini:7: slo: longer than the probe's timeout" },
	{ "phase_named_aa", PROBE_HEAD "[phase baseline]\n[phase x~aa]\n",
	  "t.ini:8: phase 'x~aa': names ending in ~aa are the built-in A/A twins" },
	{ "bad_rounds_junk", "[global]\nrounds = 3x\n", "t.ini:2: rounds: '3x'" },
	{ "bad_insecure", "[global]\ninsecure = maybe\n", "t.ini:2: insecure: 'maybe'" },
	{ "bad_dom0", "[global]\ndom0 = host\n", "t.ini:2: dom0: 'host' (expected user@host)" },
	{ "password_in_file", "[global]\nxenapi_password = x\n",
	  "t.ini:2: xenapi_password: passwords" },
	{ "bad_port", "[global]\nvictim_port = 70000\n", "t.ini:2: victim_port" },
	{ "bad_role", "[vm a]\nrole = boss\n", "t.ini:2: role: 'boss'" },
	{ "no_role", "[vm a]\nssh = u@h\n", "t.ini:1: [vm a] has no role" },
	{ "unknown_vm_key", "[vm a]\nrole = victim\ncolour = red\n",
	  "t.ini:3: unknown key 'colour'" },
	{ "bad_memory_max", "[vm a]\nrole = victim\nmemory_max = lots\n",
	  "t.ini:3: memory_max: 'lots'" },
	{ "tiny_memory_max", "[vm a]\nrole = victim\nmemory_max = 1K\n",
	  "t.ini:3: memory_max: '1K'" },
	{ "bad_pids_max", "[vm a]\nrole = victim\npids_max = 2\n", "t.ini:3: pids_max: '2'" },
	{ "bad_ssh", "[vm a]\nrole = victim\nssh = a b\n", "t.ini:3: ssh: 'a b'" },
	{ "ident_twice", "[vm a]\nrole = victim\nname = x\ncgroup = y\n",
	  "t.ini:4: cgroup: the VM's identity is already given" },
	{ "no_victim", "[vm a]\nrole = probe\n", "t.ini: no victim" },
	{ "two_victims", "[vm a]\nrole = victim\n[vm b]\nrole = victim\n",
	  "t.ini:4: second victim [vm b]" },
	{ "no_probe", "[vm a]\nrole = victim\n", "t.ini: no [probe] section" },
	{ "probe_bad_kind", "[vm a]\nrole = victim\n[probe]\nvm = a\nkind = ftp\n",
	  "t.ini:5: [probe] kind 'ftp'" },
	{ "probe_no_kind", "[vm a]\nrole = victim\n[probe]\nvm = a\n",
	  "t.ini:3: [probe] has no kind" },
	{ "probe_no_vm", "[vm a]\nrole = victim\n[probe]\nkind = http\n",
	  "t.ini:3: [probe] has no vm" },
	{ "probe_undefined_vm", "[vm a]\nrole = victim\n[probe]\nvm = zz\nkind = http\n",
	  "t.ini:4: vm: 'zz' names no [vm] section" },
	{ "probe_reserved_opt", "[vm a]\nrole = victim\n[probe]\nvm = a\nkind = http\njson = 1\n",
	  "t.ini:6: json: set by the controller" },
	{ "bomb_bad_kind", HEAD "[bomb x]\nvm = noisy\nkind = gpu\n",
	  "t.ini:15: [bomb x] kind 'gpu'" },
	{ "bomb_no_kind", HEAD "[bomb x]\nvm = noisy\n", "t.ini:13: [bomb x] has no kind" },
	{ "bomb_no_vm", HEAD "[bomb x]\nkind = cpu\n", "t.ini:13: [bomb x] has no vm" },
	{ "bomb_undefined_vm", HEAD "[bomb x]\nvm = ghost\nkind = cpu\n",
	  "t.ini:14: vm: 'ghost' names no [vm] or [group] section" },
	{ "bomb_duration_reserved", HEAD "[bomb x]\nvm = noisy\nkind = cpu\nduration = 5s\n",
	  "t.ini:16: duration: set by the controller" },
	{ "bomb_bad_option_name", HEAD "[bomb x]\nvm = noisy\nkind = cpu\n-x = 1\n",
	  "t.ini:16: invalid option name '-x'" },
	/* fuzz-scenario finding: '_' turns into '-', so "_x" reached the tool as "---x" */
	{ "bomb_underscore_option_name", HEAD "[bomb x]\nvm = noisy\nkind = cpu\n_x = 1\n",
	  "t.ini:16: invalid option name '_x'" },
	{ "bomb_bad_ref", HEAD "[bomb x]\nvm = noisy\nkind = net-send\nto = ${nowhere}:1\n",
	  "t.ini:16: to: ${nowhere} names no [vm] section" },
	{ "bomb_unterminated_ref", HEAD "[bomb x]\nvm = noisy\nkind = net-send\nto = ${web:1\n",
	  "t.ini:16: to: unterminated ${VM} reference" },
	{ "no_phases", HEAD, "t.ini: no phases" },
	{ "phase_unknown_key", HEAD "[phase p]\ncolour = 1\n",
	  "t.ini:14: unknown key 'colour' in [phase p]" },
	{ "phase_undefined_bomb", HEAD "[phase p]\nbombs = cpu, gpu\n",
	  "t.ini:14: bombs: 'gpu' names no [bomb] section" },
	{ "phase_bomb_twice", HEAD "[phase p]\nbombs = cpu, cpu\n",
	  "t.ini:14: bombs: 'cpu' listed twice" },
	{ "phase_empty_bomb", HEAD "[phase p]\nbombs = cpu,,\n", "t.ini:14: bombs: empty name" },
	{ "phase_weight_undefined_vm", HEAD "[phase p]\nweight.ghost = 512\n",
	  "t.ini:14: weight.ghost: 'ghost' names no [vm] or [group] section" },
	{ "phase_weight_zero", HEAD "[phase p]\nweight.web = 0\n",
	  "t.ini:14: weight.web: 0 out of range (expected 1-65535)" },
	{ "phase_weight_high", HEAD "[phase p]\nweight.web = 65536\n",
	  "t.ini:14: weight.web: 65536 out of range" },
	{ "phase_weight_junk", HEAD "[phase p]\nweight.web = heavy\n",
	  "t.ini:14: weight.web: 'heavy' is not a number" },
	{ "phase_cap_negative", HEAD "[phase p]\ncap.noisy = -5\n",
	  "t.ini:14: cap.noisy: -5 out of range" },
	{ "phase_cap_high", HEAD "[phase p]\ncap.noisy = 30000\n",
	  "t.ini:14: cap.noisy: 30000 out of range" },
	{ "sweep_bad_value", HEAD "[phase p]\nweight.web = 256, 0\n",
	  "t.ini:14: weight.web: 0 out of range" },
	{ "sweep_empty_value", HEAD "[phase p]\nweight.web = 256, \n", "t.ini:14: weight.web" },
	{ "sweep_two_keys", HEAD "[phase p]\nweight.web = 256, 512\ncap.noisy = 10, 20\n",
	  "t.ini:15: cap.noisy: only one key per phase may sweep (already weight.web at line 14)" },
	{ "twin_undefined", HEAD "[phase p]\ntwin = q\n",
	  "t.ini:14: twin: 'q' names no other [phase]" },
	{ "twin_self", HEAD "[phase p]\ntwin = p\n", "t.ini:14: twin: 'p' names no other [phase]" },
	/* errors point at the offending key, not at its section's header */
	{ "bomb_kind_line_not_header", HEAD "[bomb gpu]\n; a comment\nvm = noisy\n\nkind = gpu\n",
	  "t.ini:17: [bomb gpu] kind 'gpu'" },
	{ "twin_sweeps",
	  HEAD "[phase s]\nweight.web = 256, 512\n[phase p]\nbombs = cpu\ntwin = s\n",
	  "t.ini:17: twin: 's' sweeps (expected one phase, or one sweeping the same key" },
	{ "nul_byte", "[global]\0\n", "contains a NUL byte" },
};

static void parse_rejects_each_error_with_file_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scenario *s = NULL;
		char err[1024] = "";
		size_t len = strlen(bad[i].text);
		int r;

		if (strcmp(bad[i].name, "nul_byte") == 0)
			len = 10;
		r = scenario_parse("t.ini", bad[i].text, len, &s, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, bad[i].expect) || strchr(err, '\n')) {
			print_error("case %s: r=%d err='%s' expected '%s'\n", bad[i].name, r, err,
				    bad[i].expect);
			fail();
		}
		assert_null(s);
	}
}

static void parse_accepts_minimal_with_defaults(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse(HEAD "[phase base]\n", &s, err, sizeof(err)), 0);
	assert_string_equal(s->backend, "local");
	assert_int_equal(s->rounds, 3);
	assert_int_equal(s->duration_ns, 30 * NSEC_PER_SEC);
	assert_int_equal(s->n_vms, 3);
	assert_string_equal(scenario_victim(s)->name, "web");
	assert_string_equal(scenario_vm(s, "web")->ident, "web");
	assert_string_equal(s->probe_target, "victim");
	assert_int_equal(s->n_phases, 2); /* and its A/A twin */
	assert_int_equal(s->phases[0].n_bombs, 0);
	assert_null(s->phases[0].aa_of);
	assert_string_equal(s->phases[1].name, "base~aa");
	assert_string_equal(s->phases[1].aa_of, "base");
	assert_int_equal(s->phases[1].n_bombs, 0);
	assert_int_equal(s->phases[1].n_prio, 0);
	assert_null(s->phases[1].twin);
	/* the design's defaults */
	assert_int_equal(s->design.load_mode, SCN_LOAD_SHARE);
	assert_true(s->design.load_pct == 50.0);
	assert_int_equal(s->design.slo_ns, 0);
	assert_false(s->design.rounds_auto);
	assert_true(s->design.aa);
	assert_true(s->design.min_effect_pct == 10.0);
	scenario_free(s);
}

static void design_keys_are_read(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse("[global]\nrounds = auto\nmax_rounds = 12\nmax_time = 20m\n"
			       "min_effect = 5 %\nmin_bomb_share = 30%\naa = no\n" PROBE_HEAD
			       "load = 25.5%\nslo = 15ms\nconcurrency = 16\n"
			       "[phase baseline]\n[phase b]\n",
			       &s, err, sizeof(err)),
			 0);
	assert_true(s->design.rounds_auto);
	assert_int_equal(s->rounds, 3); /* auto starts with the 3 a verdict needs */
	assert_int_equal(s->design.max_rounds, 12);
	assert_int_equal(s->design.max_time_ns, 1200 * NSEC_PER_SEC);
	assert_true(s->design.min_effect_pct == 5.0);
	assert_true(s->design.min_bomb_share == 30.0);
	assert_false(s->design.aa);
	assert_int_equal(s->n_phases, 2); /* aa = no: no twin */
	assert_int_equal(s->design.load_mode, SCN_LOAD_SHARE);
	assert_true(s->design.load_pct == 25.5);
	assert_int_equal(s->design.slo_ns, 15 * NSEC_PER_MSEC);
	/* design keys are the controller's, not passed through to the probe */
	assert_int_equal(s->probe.n_opts, 1);
	assert_string_equal(s->probe.opts[0].key, "concurrency");
	scenario_free(s);

	assert_int_equal(
		parse(PROBE_HEAD "rate = 250\n[phase b]\nbombs = none\n", &s, err, sizeof(err)), 0);
	assert_int_equal(s->design.load_mode, SCN_LOAD_RATE);
	assert_true(s->design.rate_rps == 250.0);
	assert_int_equal(s->probe.n_opts, 0);
	scenario_free(s);

	assert_int_equal(parse(PROBE_HEAD "mode = closed\n[phase b]\n", &s, err, sizeof(err)), 0);
	assert_int_equal(s->design.load_mode, SCN_LOAD_CLOSED);
	assert_string_equal(scn_load_mode_name(s->design.load_mode), "closed");
	scenario_free(s);
}

static void design_resolves_rate_and_slo_from_the_capacity(void **state)
{
	struct scn_design d;
	struct scn_load l;
	char err[256] = "";

	(void)state;
	scn_design_defaults(&d);
	/* 50 % of 8000 req/s; 25 requests take 3.1 ms there: the 10 ms floor */
	assert_int_equal(scn_design_resolve(&d, 8000, NAN, &l, err, sizeof(err)), 0);
	assert_true(l.open);
	assert_true(l.rate_rps == 4000);
	assert_int_equal(l.slo_ns, 10 * NSEC_PER_MSEC);
	assert_non_null(strstr(l.slo_source, "derived: the larger of the time to serve 25 "));
	/* a victim whose own p99 when saturated is 37.2 ms: that is the SLO */
	assert_int_equal(scn_design_resolve(&d, 8000, 37.2, &l, err, sizeof(err)), 0);
	assert_int_equal(l.slo_ns, 37200 * NSEC_PER_USEC);
	assert_non_null(strstr(l.slo_source, "the calibration's p99 (37.2 ms)"));
	/* a slow victim: 25 / 200 req/s = 125 ms */
	d.load_pct = 25;
	assert_int_equal(scn_design_resolve(&d, 200, NAN, &l, err, sizeof(err)), 0);
	assert_true(l.rate_rps == 50);
	assert_int_equal(l.slo_ns, 125 * NSEC_PER_MSEC);
	/* rounded up to whole microseconds */
	assert_int_equal(scn_design_resolve(&d, 3, NAN, &l, err, sizeof(err)), 0);
	assert_int_equal(l.slo_ns, 8333334000ULL);
	/* the scenario's SLO wins */
	d.slo_ns = 20 * NSEC_PER_MSEC;
	assert_int_equal(scn_design_resolve(&d, 200, NAN, &l, err, sizeof(err)), 0);
	assert_int_equal(l.slo_ns, 20 * NSEC_PER_MSEC);
	assert_string_equal(l.slo_source, "scenario");
	/* no capacity: a share has no rate */
	assert_int_equal(scn_design_resolve(&d, NAN, NAN, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "give rate = N"));
	/* a rate with a given SLO needs no calibration */
	d.load_mode = SCN_LOAD_RATE;
	d.rate_rps = 123;
	assert_int_equal(scn_design_resolve(&d, NAN, NAN, &l, err, sizeof(err)), 0);
	assert_true(l.rate_rps == 123);
	/* ... but a derived SLO does */
	d.slo_ns = 0;
	assert_int_equal(scn_design_resolve(&d, 0, NAN, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "give slo = DURATION"));
	/* closed loop: no rate */
	d.load_mode = SCN_LOAD_CLOSED;
	assert_int_equal(scn_design_resolve(&d, 1000, NAN, &l, err, sizeof(err)), 0);
	assert_false(l.open);
	assert_true(l.rate_rps == 0);
}

static void aa_twins_the_first_phase_without_bomb_or_priority(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	/* no phase named baseline: the first one with neither bomb nor priority */
	assert_int_equal(parse(HEAD "[phase hot]\nbombs = cpu\n[phase w]\nweight.web = 512\n"
				    "[phase quiet]\n[phase still]\n",
			       &s, err, sizeof(err)),
			 0);
	assert_int_equal(s->n_phases, 5);
	assert_string_equal(s->phases[4].name, "quiet~aa");
	assert_string_equal(s->phases[4].aa_of, "quiet");
	scenario_free(s);
	/* every phase has a bomb: no baseline, no twin, and the design says so */
	assert_int_equal(parse(HEAD "[phase hot]\nbombs = cpu\n", &s, err, sizeof(err)), 0);
	assert_int_equal(s->n_phases, 1);
	assert_false(s->design.aa);
	scenario_free(s);
}

static void parse_reads_keys_comments_and_options(void **state)
{
	struct scenario *s = NULL;
	char err[512];
	const char *text =
		"; comment\n[global]\nbackend = xenapi ; inline\nduration = 1.5m\n"
		"rounds = 2\nwarmup = 0\nxenapi_url = https://pool\nxenapi_user = root\n"
		"xenapi_password_file = /etc/pw\ndom0 = root@pool\ninsecure = yes\n"
		"# hash comment\n"
		"[vm web]\nrole = victim\nname = Web VM\nmemory_max = 1G\npids_max = 100\n"
		"[vm client]\nrole = probe\nssh = me@client\n"
		"[vm noisy]\nrole = neighbour\ncgroup = n1\n"
		"[probe]\nkind = http\nconcurrency = 8\nmax_conn = 2\n"
		"[bomb net]\nvm = noisy\nkind = net-send\nto = ${web}:5201\n"
		"[phase cpu]\nbombs = net\n[phase cpu+prio]\nbombs = all\n"
		"weight.web = 2048\ncap.noisy = 50\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_string_equal(s->backend, "xenapi");
	assert_int_equal(s->duration_ns, 90 * NSEC_PER_SEC);
	assert_int_equal(s->warmup_ns, 0);
	struct backend_config cfg = { 0 };

	assert_int_equal(scenario_backend_config(s, &cfg), 0);
	assert_true(backend_cfg_flag(&cfg, "insecure"));
	assert_string_equal(backend_cfg_get(&cfg, "dom0"), "root@pool");
	assert_string_equal(scenario_vm(s, "web")->ident, "Web VM");
	assert_int_equal(scenario_vm(s, "web")->memory_max, 1ULL << 30);
	assert_int_equal(scenario_vm(s, "web")->pids_max, 100);
	assert_string_equal(scenario_vm(s, "noisy")->ident, "n1");
	assert_int_equal(scenario_vm(s, "noisy")->role, SCN_ROLE_NEIGHBOR);
	assert_string_equal(s->probe.vm, "client"); /* defaults to the probe-role VM */
	assert_int_equal(s->probe.n_opts, 2);
	assert_string_equal(s->probe.opts[1].key, "max-conn"); /* '_' becomes '-' */
	assert_string_equal(s->bombs[0].opts[0].value, "${web}:5201");
	assert_int_equal(s->n_phases, 2);
	assert_string_equal(s->phases[1].twin, "cpu");
	assert_null(s->phases[0].twin);
	assert_int_equal(s->phases[1].n_prio, 2);
	assert_int_equal(s->phases[1].prio[0].weight, 2048);
	assert_int_equal(s->phases[1].prio[0].cap, -1);
	assert_int_equal(s->phases[1].prio[1].cap, 50);

	assert_string_equal(cfg.name, "xenapi");
	assert_string_equal(backend_cfg_get(&cfg, "xenapi_password_file"), "/etc/pw");
	scenario_free(s);
}

static void sweep_expands_one_phase_per_value(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse(HEAD "[phase cpu]\nbombs = cpu\n[phase cpu+prio]\nbombs = cpu\n"
				    "weight.web = 256, 512,1024 ,4096\ncap.noisy = 50\n",
			       &s, err, sizeof(err)),
			 0);
	assert_int_equal(s->n_phases, 5);
	assert_string_equal(s->phases[0].name, "cpu");
	assert_string_equal(s->phases[2].name, "cpu+prio[weight.web=512]");
	assert_string_equal(s->phases[4].name, "cpu+prio[weight.web=4096]");
	for (size_t i = 1; i < 5; i++) {
		assert_string_equal(s->phases[i].sweep_key, "weight.web");
		assert_string_equal(s->phases[i].twin, "cpu");
		assert_int_equal(s->phases[i].n_bombs, 1);
		assert_int_equal(s->phases[i].prio[0].cap, -1);
		assert_int_equal(s->phases[i].prio[1].cap, 50);
	}
	assert_int_equal(s->phases[1].prio[0].weight, 256);
	assert_int_equal(s->phases[3].prio[0].weight, 1024);
	assert_int_equal(s->phases[3].sweep_value, 1024);
	scenario_free(s);
}

static void sweep_on_cap_names_the_cap(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse(HEAD "[phase capped]\nbombs = cpu\ncap.noisy = 0, 25\n", &s, err,
			       sizeof(err)),
			 0);
	assert_int_equal(s->n_phases, 2);
	assert_string_equal(s->phases[1].name, "capped[cap.noisy=25]");
	assert_int_equal(s->phases[1].prio[0].cap, 25);
	assert_int_equal(s->phases[1].prio[0].weight, -1);
	scenario_free(s);
}

static void default_scenarios_parse_and_fit_their_budget(void **state)
{
	(void)state;
	for (int quick = 0; quick < 2; quick++) {
		const char *t = scenario_default_text(quick);
		struct scenario *s = NULL;
		char err[512];

		assert_int_equal(scenario_parse("<default>", t, strlen(t), &s, err, sizeof(err)),
				 0);
		assert_int_equal(s->n_phases, 16);
		assert_string_equal(s->phases[0].name, "baseline");
		assert_string_equal(s->phases[15].name, "baseline~aa");
		assert_non_null(scenario_bomb(s, "net-send"));
		/* every bomb phase has its prioritised twin */
		for (size_t i = 1; i < s->n_phases; i++)
			if (strstr(s->phases[i].name, "+prio"))
				assert_non_null(s->phases[i].twin);
		if (quick) {
			/* 3 rounds of short phases in 2 minutes, up to 6 while a verdict is
			   undecided, none ending past 2 minutes */
			assert_true(s->design.rounds_auto);
			assert_int_equal(s->rounds, 3);
			assert_int_equal(s->design.max_rounds, 6);
			assert_true(s->design.max_time_ns == 120 * NSEC_PER_SEC);
			assert_true(scenario_estimate_s(s) <= 120.0);
		} else {
			/* rounds = auto: 3 rounds at least, no round starts that would end
			   past max_time, and that leaves room for the report within 10 min */
			assert_true(s->design.rounds_auto);
			assert_true(scenario_estimate_s(s) <= s->design.max_time_ns / 1e9);
			assert_true(s->design.max_time_ns <= 540 * NSEC_PER_SEC);
		}
		assert_int_equal(s->design.load_mode, SCN_LOAD_SHARE);
		assert_true(s->design.load_pct == 70.0);
		assert_int_equal(s->design.slo_ns, 0); /* derived from the calibration */
		scenario_free(s);
	}
}

static void quick_shortens_any_scenario(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse("[global]\nduration = 1m\nrounds = 5\n" HEAD "[phase a]\n", &s, err,
			       sizeof(err)),
			 0);
	scenario_make_quick(s);
	assert_int_equal(s->rounds, 3); /* short phases, not fewer rounds */
	assert_false(s->design.rounds_auto);
	assert_int_equal(s->duration_ns, NSEC_PER_SEC);
	assert_int_equal(s->warmup_ns, 300 * NSEC_PER_MSEC);
	scenario_free(s);
	/* rounds = auto stays auto, within --quick's 6 rounds and 2 minutes */
	assert_int_equal(parse("[global]\nrounds = auto\nmax_rounds = 12\nmax_time = 1h\n" HEAD
			       "[phase a]\n",
			       &s, err, sizeof(err)),
			 0);
	scenario_make_quick(s);
	assert_true(s->design.rounds_auto);
	assert_int_equal(s->rounds, 3);
	assert_int_equal(s->design.max_rounds, 6);
	assert_true(s->design.max_time_ns == 120 * NSEC_PER_SEC);
	scenario_free(s);
	/* and never raises a lower bound */
	assert_int_equal(parse("[global]\nrounds = auto\nmax_rounds = 4\nmax_time = 1m\n" HEAD
			       "[phase a]\n",
			       &s, err, sizeof(err)),
			 0);
	scenario_make_quick(s);
	assert_int_equal(s->design.max_rounds, 4);
	assert_true(s->design.max_time_ns == 60 * NSEC_PER_SEC);
	scenario_free(s);
}

static void select_phases_keeps_named_and_drops_lost_twins(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse(HEAD "[phase baseline]\n[phase cpu]\nbombs = cpu\n[phase cpu+prio]\n"
				    "bombs = cpu\nweight.web = 512, 1024\n",
			       &s, err, sizeof(err)),
			 0);
	assert_int_equal(scenario_select_phases(s, "baseline,cpu+prio", err, sizeof(err)), 0);
	assert_int_equal(s->n_phases, 4); /* baseline + both sweep members + the A/A twin */
	assert_string_equal(s->phases[3].name, "baseline~aa");
	assert_null(s->phases[1].twin); /* cpu is gone */
	assert_int_equal(scenario_select_phases(s, "nope", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "no phase 'nope'"));
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_rejects_each_error_with_file_line),
		cmocka_unit_test(parse_accepts_minimal_with_defaults),
		cmocka_unit_test(design_keys_are_read),
		cmocka_unit_test(design_resolves_rate_and_slo_from_the_capacity),
		cmocka_unit_test(aa_twins_the_first_phase_without_bomb_or_priority),
		cmocka_unit_test(parse_reads_keys_comments_and_options),
		cmocka_unit_test(sweep_expands_one_phase_per_value),
		cmocka_unit_test(sweep_on_cap_names_the_cap),
		cmocka_unit_test(default_scenarios_parse_and_fit_their_budget),
		cmocka_unit_test(quick_shortens_any_scenario),
		cmocka_unit_test(select_phases_keeps_named_and_drops_lost_twins),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
