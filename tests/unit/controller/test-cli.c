// SPDX-License-Identifier: MIT
/* The command line: bad input gives exit 2 and exactly one line on stderr, --help exit 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "fileio.h"
#include "proc.h"
#include "tool-json.h"

static const char *bin;

static int run(const char *const *args, char **out, int *exit_code)
{
	const char *argv[16];
	size_t n = 0;
	int st, r;

	argv[n++] = (char *)bin;
	for (; *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	r = proc_run(argv, NULL, false, 20 * NSEC_PER_SEC, 1 << 20, out, &st);
	if (r == 0)
		*exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

/* stderr only: run through sh so that stdout goes away and stderr is captured */
static int run_err(const char *const *args, char **err, int *exit_code)
{
	char cmd[2048];
	const char *sh[] = { "-c", cmd, NULL };
	const char *argv[4] = { (char *)"/bin/sh", (char *)"-c", cmd, NULL };
	int st, r;

	(void)sh;
	snprintf(cmd, sizeof(cmd), "exec 2>&1 >/dev/null '%s'", bin);
	for (; *args; args++) {
		strcat(cmd, " '");
		strcat(cmd, *args);
		strcat(cmd, "'");
	}
	r = proc_run(argv, NULL, false, 20 * NSEC_PER_SEC, 1 << 20, err, &st);
	if (r == 0)
		*exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

static char badfile[256];

static const char *const bad[][8] = {
	{ "frobnicate", NULL },
	{ "run", "--bogus", NULL },
	{ "run", "--results", NULL },
	{ "run", "a.ini", "b.ini", NULL },
	{ "run", "/nonexistent/scenario.ini", NULL },
	{ "run", "--phases", "nope", NULL },
	{ "run", "--print-default", "x.ini", NULL },
	{ "run", "--backend", "kvm", NULL },
	{ "run", "--dom0", "nohost", NULL },
	{ "run", "--seed", "x", NULL },
	{ "run", "--seed", "-1", NULL },
	{ "run", "--seed", "9007199254740992", NULL },
	{ "run", "--seed", "12abc", NULL },
	{ "run", "--seed", NULL },
	{ "check", NULL },
	{ "check", badfile, NULL },
	{ "check", "--what", "x", NULL },
	{ "vms", "extra", NULL },
	{ "vms", "--backend", NULL },
	{ "vms", "--backend", "local", "--url", "https://x", NULL },
	{ "sched", NULL },
	{ "sched", "frob", "web", NULL },
	{ "sched", "set", "web", NULL },
	{ "sched", "set", "web", "--weight", "0", NULL },
	{ "sched", "set", "web", "--weight", "65536", NULL },
	{ "sched", "set", "web", "--weight", "12abc", NULL },
	{ "sched", "set", "web", "--cap", "-1", NULL },
	{ "sched", "get", "web", "--weight", "5", NULL },
	{ "sched", "get", "web", "extra", NULL },
	{ "restore", "now", NULL },
	{ "restore", "--force", NULL },
	{ "deploy", NULL },
	{ "deploy", badfile, NULL },
};

static void cli_bad_input_exits_2_with_one_line(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		int code = -1;
		size_t lines = 0;

		assert_int_equal(run_err(bad[i], &err, &code), 0);
		for (char *p = err; p && *p; p++)
			lines += *p == '\n';
		if (code != 2 || lines != 1) {
			print_error("case %zu (%s %s): exit %d, stderr '%s'\n", i, bad[i][0],
				    bad[i][1] ? bad[i][1] : "", code, err ? err : "");
			fail();
		}
		free(err);
	}
}

static void cli_help_goes_to_stdout_with_exit_0(void **state)
{
	static const char *const cmds[][4] = {
		{ "--help", NULL },	      { "run", "--help", NULL },
		{ "check", "--help", NULL },  { "vms", "--help", NULL },
		{ "sched", "--help", NULL },  { "restore", "--help", NULL },
		{ "deploy", "--help", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char *out = NULL;
		int code = -1;

		assert_int_equal(run(cmds[i], &out, &code), 0);
		assert_int_equal(code, 0);
		assert_non_null(out);
		assert_non_null(strstr(out, "Usage: isolab"));
		free(out);
	}
}

static void cli_print_default_is_a_valid_scenario(void **state)
{
	static const char *const pd[] = { "run", "--print-default", NULL };
	char path[256], *out = NULL;
	int code = -1;

	(void)state;
	assert_int_equal(run(pd, &out, &code), 0);
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "[phase cpu+prio]"));
	snprintf(path, sizeof(path), "/tmp/isolab-test-cli-%d.ini", (int)getpid());
	assert_int_equal(file_write_atomic(path, out, strlen(out), 0644), 0);
	free(out);
	{
		static const char *ck[3] = { "check", NULL, NULL };
		char *err = NULL;

		ck[1] = path;
		/* the scenario part must pass; the backend part may not be available here */
		assert_int_equal(run_err(ck, &err, &code), 0);
		assert_null(err ? strstr(err, path) : NULL);
		free(err);
	}
	(void)unlink(path);
}

/* A host the local backend cannot use is bad input too: exit 2, one line saying what to do. */
static void cli_run_on_a_host_without_cgroups_exits_2(void **state)
{
	char dir[] = "/tmp/isolab-test-cli-host-XXXXXX", cg[64], res[64], st[64];
	const char *args[] = { "run", "--quick",   "--no-report", "--cgroup-root",
			       cg,    "--results", res,		  NULL };
	char *err = NULL, *nl;
	int code = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(cg, sizeof(cg), "%s/cg", dir); /* an empty directory: no cgroup mount */
	snprintf(res, sizeof(res), "%s/results", dir);
	snprintf(st, sizeof(st), "%s/state", dir);
	assert_int_equal(mkdir(cg, 0700), 0);
	setenv("ISOLAB_STATE_DIR", st, 1);
	assert_int_equal(run_err(args, &err, &code), 0);
	unsetenv("ISOLAB_STATE_DIR");
	assert_int_equal(code, 2);
	assert_non_null(err);
	nl = strchr(err, '\n');
	assert_true(nl && nl[1] == '\0');
	assert_non_null(strstr(err, "no cgroup filesystem mounted at "));
	assert_non_null(strstr(err, "mount -t cgroup2 none /sys/fs/cgroup"));
	free(err);
	assert_int_equal(file_remove_tree(dir), 0);
}

/* Is each text exactly one JSON object (the way the run reads a tool's result)? */
static bool is_object(const char *text)
{
	struct tool_json *t = tool_json_parse(text, strlen(text));

	tool_json_free(t);
	return t != NULL;
}

static void tool_json_accepts_objects_and_rejects_the_rest(void **state)
{
	static const char *const good[] = {
		"{}",
		" {\"a\":1,\"b\":[true,false,null,-1.5e3,\"x\\n\\u00e9\"],\"c\":{\"d\":{}}}\n",
	};
	static const char *const badj[] = {
		"",	 "[]",	  "{",		 "{\"a\":}",	    "{\"a\":1,}", "{\"a\":01x}",
		"{} {}", "{a:1}", "{\"a\":tru}", "{\"a\":\"\\q\"}", "{\"a\":1.}", "nul",
	};
	const char *obj = "{\"status\":\"interrupted\",\"metrics\":{\"latency_ms\":{\"p50\":1,"
			  "\"p99\":12.5},\"success_pct\":99.5}}";
	struct tool_json *t = tool_json_parse(obj, strlen(obj));
	char buf[32];
	double v;

	(void)state;
	for (size_t i = 0; i < 2; i++)
		assert_true(is_object(good[i]));
	for (size_t i = 0; i < sizeof(badj) / sizeof(badj[0]); i++)
		assert_false(is_object(badj[i]));
	assert_non_null(t);
	assert_true(tool_json_str(t, "status", buf, sizeof(buf)));
	assert_string_equal(buf, "interrupted");
	assert_true(tool_json_num(t, "metrics.latency_ms.p99", &v));
	assert_true(v == 12.5);
	assert_true(tool_json_num(t, "metrics.success_pct", &v));
	assert_false(tool_json_num(t, "metrics.nope", &v));
	assert_false(tool_json_str(t, "metrics", buf, sizeof(buf)));
	tool_json_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cli_bad_input_exits_2_with_one_line),
		cmocka_unit_test(cli_help_goes_to_stdout_with_exit_0),
		cmocka_unit_test(cli_print_default_is_a_valid_scenario),
		cmocka_unit_test(cli_run_on_a_host_without_cgroups_exits_2),
		cmocka_unit_test(tool_json_accepts_objects_and_rejects_the_rest),
	};

	bin = getenv("ISOLAB_BIN");
	if (!bin) {
		fprintf(stderr, "ISOLAB_BIN is not set\n");
		return 1;
	}
	snprintf(badfile, sizeof(badfile), "/tmp/isolab-test-cli-bad-%d.ini", (int)getpid());
	if (file_write_atomic(badfile, "[vm x]\nrole = king\n", 19, 0644) < 0)
		return 1;
	int r = cmocka_run_group_tests(tests, NULL, NULL);

	(void)unlink(badfile);
	return r;
}
