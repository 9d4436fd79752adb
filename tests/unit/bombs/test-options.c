// SPDX-License-Identifier: MIT
/* isolab-bomb's command line: every rejection path, and what is accepted. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bomb.h"
#include "clock.h"
#include "options.h"

#define MAX_ARGS 16

/* Splits a space-separated command line (no quoting) and parses it. */
static int parse_line(const char *line, struct bomb_config *cfg)
{
	char buf[512], *argv[MAX_ARGS + 1], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "isolab-bomb %s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < MAX_ARGS;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	bomb_config_init(cfg);
	return bomb_parse_args(argc, argv, cfg);
}

static void bomb_parse_args_rejects_bad_input(void **state)
{
	static const char *const bad[] = {
		"",
		"bogus",
		"cpu extra",
		"cpu --nope",
		"cpu --duration",
		"cpu --duration 5x",
		"cpu --duration -1",
		"cpu --duration 400d",
		"cpu --intensity 0",
		"cpu --intensity 101",
		"cpu --intensity abc",
		"cpu --intensity 50%%",
		"cpu --intensity 1e2",
		"cpu --engine foo",
		"cpu --threads 0",
		"cpu --threads 5000",
		"cpu --bytes 1M",
		"cpu --to 127.0.0.1:5000",
		"cpu --ready-fd 987",
		"cpu --ready-fd -1",
		"cpu --ready-fd 1 --json",
		"mem --bytes 12Q",
		"mem --bytes 100",
		"mem --bytes 2P",
		"mem --mode turbo",
		"mem --bytes 64M --max-procs 4",
		"fork --max-procs 1",
		"fork --max-procs x",
		"fork --max-procs 9999999",
		"disk --dir /nonexistent/isolab",
		"disk --dir /proc/self/status",
		"disk --dir /tmp --size 1M --block-size 2M",
		"disk --dir /tmp --size 1M --block-size 6000 --direct",
		"disk --dir /tmp --size 1M --block-size 100",
		"disk --dir /tmp --mode sideways",
		"net-send",
		"net-send --to 127.0.0.1",
		"net-send --to :5000",
		"net-send --to 127.0.0.1:0",
		"net-send --to 127.0.0.1:70000",
		"net-send --to 127.0.0.1:5000 --proto both",
		"net-send --to 127.0.0.1:5000 --proto sctp",
		"net-send --to 127.0.0.1:5000 --proto udp --msg-size 70000",
		"net-send --to 127.0.0.1:5000 --streams 0",
		"net-send --to 127.0.0.1:5000 --msg-size 0",
		"net-send --to 127.0.0.1:5000 --listen 5000",
		"net-recv",
		"net-recv --listen abc",
		"net-recv --listen 127.0.0.1:99999",
		"net-recv --listen 5000 --streams 2",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bomb_config cfg;
		int r = parse_line(bad[i], &cfg);

		if (r != -EINVAL)
			fail_msg("'%s' gave %d, want -EINVAL", bad[i], r);
	}
}

static void bomb_parse_args_fills_common_options(void **state)
{
	struct bomb_config cfg;

	assert_int_equal(
		parse_line("cpu --duration 2.5s --intensity 50% --threads 3 --json --quiet", &cfg),
		BOMB_ARGS_RUN);
	assert_ptr_equal(cfg.ops, &bomb_cpu_ops);
	assert_int_equal(cfg.duration_ns, 2500 * NSEC_PER_MSEC);
	assert_int_equal(cfg.intensity, 50);
	assert_int_equal(cfg.threads, 3);
	assert_true(cfg.json);
	assert_true(cfg.quiet);
	assert_int_equal(cfg.ready_fd, -1);
	assert_int_equal(cfg.engine, BOMB_ENGINE_NATIVE);

	/* defaults: 60 s, 100 %, threads = the CPUs we may use */
	assert_int_equal(parse_line("cpu", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.duration_ns, 60 * NSEC_PER_SEC);
	assert_int_equal(cfg.intensity, 100);
	assert_int_equal(cfg.threads, bomb_cpus());

	assert_int_equal(parse_line("cpu --duration 0 --ready-fd 2 --engine stress-ng", &cfg),
			 BOMB_ARGS_RUN);
	assert_int_equal(cfg.duration_ns, 0);
	assert_int_equal(cfg.ready_fd, 2);
	assert_int_equal(cfg.engine, BOMB_ENGINE_STRESSNG);
}

static void bomb_parse_args_takes_options_before_the_kind(void **state)
{
	struct bomb_config cfg;

	assert_int_equal(parse_line("--duration 1m mem --bytes 64M --mode bandwidth", &cfg),
			 BOMB_ARGS_RUN);
	assert_ptr_equal(cfg.ops, &bomb_mem_ops);
	assert_int_equal(cfg.duration_ns, 60 * NSEC_PER_SEC);
	assert_int_equal(cfg.bytes, 64ULL << 20);
	assert_int_equal(cfg.mode, 1);
	assert_int_equal(cfg.threads, bomb_cpus()); /* bandwidth: every CPU */
}

static void bomb_parse_args_fills_kind_defaults(void **state)
{
	struct bomb_config cfg;

	assert_int_equal(parse_line("mem --bytes 64M", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.mode, 0); /* fill */
	assert_int_equal(cfg.threads, 1);
	assert_int_equal(parse_line("mem", &cfg), BOMB_ARGS_RUN);
	assert_true(cfg.bytes >= 4096); /* 90 % of what may be used */

	assert_int_equal(parse_line("fork --max-procs 0", &cfg), BOMB_ARGS_RUN);
	assert_true(cfg.max_procs_set);
	assert_int_equal(cfg.max_procs, 0);
	assert_int_equal(parse_line("fork", &cfg), BOMB_ARGS_RUN);
	assert_true(cfg.max_procs >= 2 && cfg.max_procs <= 4096);
	/* each forker needs itself and one child under the bound */
	assert_int_equal(parse_line("fork --max-procs 4 --threads 8", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.threads, 2);

	assert_int_equal(parse_line("disk --dir /tmp --size 1M --block-size 64K --direct", &cfg),
			 BOMB_ARGS_RUN);
	assert_string_equal(cfg.dir, "/tmp");
	assert_int_equal(cfg.size, 1 << 20);
	assert_int_equal(cfg.block_size, 64 << 10);
	assert_true(cfg.direct);
	assert_int_equal(parse_line("disk --dir /tmp", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.block_size, 1 << 20);
	assert_true(cfg.size >= cfg.block_size);

	assert_int_equal(parse_line("net-send --to 127.0.0.1:5000", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.proto, BOMB_PROTO_TCP);
	assert_int_equal(cfg.streams, 1);
	assert_int_equal(cfg.msg_size, 512 << 10);
	assert_string_equal(cfg.host, "127.0.0.1");
	assert_int_equal(cfg.port, 5000);
	assert_int_equal(parse_line("net-send --to [::1]:5000 --proto udp --streams 4", &cfg),
			 BOMB_ARGS_RUN);
	assert_int_equal(cfg.msg_size, 1472);
	assert_int_equal(cfg.streams, 4);
	assert_string_equal(cfg.host, "::1");

	assert_int_equal(parse_line("net-recv --listen 5000", &cfg), BOMB_ARGS_RUN);
	assert_int_equal(cfg.proto, BOMB_PROTO_BOTH);
	assert_string_equal(cfg.host, "");
	assert_int_equal(parse_line("net-recv --listen 127.0.0.1:5000 --proto tcp", &cfg),
			 BOMB_ARGS_RUN);
	assert_int_equal(cfg.proto, BOMB_PROTO_TCP);
}

static void bomb_parse_args_help_and_version_exit(void **state)
{
	struct bomb_config cfg;

	assert_int_equal(parse_line("--help", &cfg), BOMB_ARGS_EXIT);
	assert_int_equal(parse_line("disk --help", &cfg), BOMB_ARGS_EXIT);
	assert_int_equal(parse_line("--version", &cfg), BOMB_ARGS_EXIT);
}

static void bomb_find_knows_every_kind(void **state)
{
	static const char *const names[] = { "cpu", "mem", "fork", "disk", "net-send", "net-recv" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct bomb_ops *ops = bomb_find(names[i]);

		assert_non_null(ops);
		assert_string_equal(ops->name, names[i]);
		assert_non_null(ops->check);
		assert_non_null(ops->start);
		assert_non_null(ops->finish);
		assert_non_null(ops->metrics_json);
	}
	assert_null(bomb_find("gpu"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bomb_parse_args_rejects_bad_input),
		cmocka_unit_test(bomb_parse_args_fills_common_options),
		cmocka_unit_test(bomb_parse_args_takes_options_before_the_kind),
		cmocka_unit_test(bomb_parse_args_fills_kind_defaults),
		cmocka_unit_test(bomb_parse_args_help_and_version_exit),
		cmocka_unit_test(bomb_find_knows_every_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
