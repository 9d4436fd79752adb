// SPDX-License-Identifier: MIT
/* Each kind's accounting on tiny bounds, run through bomb_run(). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "bomb.h"
#include "clock.h"
#include "engine-stressng.h"
#include "json.h"
#include "options.h"
#include "run.h"

#define MAX_ARGS 24

struct run {
	struct bomb_config cfg;
	struct bomb_ctx ctx;
	struct bomb_outcome out;
	char metrics[2048];
};

static void parse_or_fail(const char *line, struct bomb_config *cfg)
{
	char buf[512], *argv[MAX_ARGS + 1], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "isolab-bomb %s", line);
	for (char *t = strtok_r(buf, " ", &save); t && argc < MAX_ARGS;
	     t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	argv[argc] = NULL;
	bomb_config_init(cfg);
	if (bomb_parse_args(argc, argv, cfg) != BOMB_ARGS_RUN)
		fail_msg("'%s' did not parse", line);
}

static void render(struct run *r)
{
	struct json_writer *w = json_new(0);

	assert_non_null(w);
	json_obj_begin(w);
	r->cfg.ops->metrics_json(&r->ctx, w);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	snprintf(r->metrics, sizeof(r->metrics), "%s", json_data(w, NULL));
	json_free(w);
}

/* Runs line to its end (its --duration) and renders the metrics. */
static void run_line(const char *line, struct run *r)
{
	memset(r, 0, sizeof(*r));
	parse_or_fail(line, &r->cfg);
	r->ctx.cfg = &r->cfg;
	bomb_run(&r->ctx, &r->out);
	render(r);
}

static void done(struct run *r)
{
	if (r->cfg.ops->free)
		r->cfg.ops->free(&r->ctx);
}

static double metric(const struct run *r, const char *key)
{
	char pat[80];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(r->metrics, pat);
	if (!p)
		fail_msg("no %s in %s", key, r->metrics);
	return strtod(p + strlen(pat), NULL);
}

static void cpu_accounts_ops_and_cpu_time(void **state)
{
	struct run r;

	run_line("cpu --threads 1 --duration 300ms", &r);
	assert_int_equal(r.out.status, RESULT_OK);
	assert_true(metric(&r, "ops") > 0);
	assert_true(metric(&r, "ops_per_s") > 0);
	assert_true(metric(&r, "cpu_seconds") > 0);
	/* one thread cannot use more than the elapsed time */
	assert_true(metric(&r, "cpu_seconds") <= ns_to_s(r.out.elapsed_ns) * 1.05 + 0.02);
	assert_true(r.out.elapsed_ns >= 300 * NSEC_PER_MSEC);
	assert_true(r.out.elapsed_ns < 600 * NSEC_PER_MSEC);
	done(&r);
}

static void cpu_intensity_limits_the_share(void **state)
{
	struct run r;

	run_line("cpu --threads 1 --intensity 20 --duration 500ms", &r);
	assert_true(metric(&r, "cpu_share") > 0); /* a busy machine may give it little */
	assert_true(metric(&r, "cpu_share") < 0.35);
	done(&r);
}

static void mem_fill_holds_exactly_bytes(void **state)
{
	struct run r;

	run_line("mem --bytes 4M --duration 300ms", &r);
	assert_int_equal(r.out.status, RESULT_OK);
	assert_int_equal((uint64_t)metric(&r, "bytes_resident"), 4ULL << 20);
	assert_true(metric(&r, "bytes_touched") >= (double)(4ULL << 20));
	assert_true(metric(&r, "rss_bytes") >= (double)(4ULL << 20));
	assert_int_equal((uint64_t)metric(&r, "alloc_failures"), 0);
	done(&r);
}

static void mem_bandwidth_touches_every_byte(void **state)
{
	struct run r;

	run_line("mem --bytes 8M --mode bandwidth --threads 2 --duration 500ms", &r);
	assert_int_equal((uint64_t)metric(&r, "bytes_resident"), 8ULL << 20);
	/* pre-fault plus at least one memset pass */
	assert_true(metric(&r, "bytes_touched") >= (double)(16ULL << 20));
	assert_true(metric(&r, "bytes_touched_per_s") > 0);
	done(&r);
}

static void fork_stays_under_max_procs_and_reaps(void **state)
{
	struct run r;

	run_line("fork --max-procs 6 --threads 2 --duration 300ms", &r);
	assert_int_equal(r.out.status, RESULT_OK);
	assert_true(metric(&r, "forks") > 0);
	assert_true(metric(&r, "peak_procs") >= 3);
	assert_true(metric(&r, "peak_procs") <= 6);
	/* nothing left to reap: every forker was waited for */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	done(&r);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void disk_writes_reads_and_leaves_nothing(void **state)
{
	char dir[] = "/tmp/isolab-unit-disk-XXXXXX", line[256];
	struct run r;

	assert_non_null(mkdtemp(dir));
	snprintf(line, sizeof(line), "disk --dir %s --size 256K --block-size 64K --duration 300ms",
		 dir);
	run_line(line, &r);
	assert_int_equal(r.out.status, RESULT_OK);
	assert_true(metric(&r, "bytes_written") >= 256 << 10);
	assert_true(metric(&r, "bytes_read") > 0);
	assert_true(metric(&r, "iops") > 0);
	assert_int_equal(count_entries(dir), 0);
	done(&r);
	assert_int_equal(rmdir(dir), 0);
}

static void net_send_to_recv_counts_the_same_bytes(void **state)
{
	unsigned port = 20000 + (unsigned)getpid() % 20000;
	struct run recv, send;
	char line[128];

	memset(&recv, 0, sizeof(recv));
	snprintf(line, sizeof(line), "net-recv --listen 127.0.0.1:%u --duration 0", port);
	parse_or_fail(line, &recv.cfg);
	recv.ctx.cfg = &recv.cfg;
	recv.ctx.start_ns = clock_now_ns();
	assert_int_equal(recv.cfg.ops->start(&recv.ctx), 0);

	snprintf(line, sizeof(line), "net-send --to 127.0.0.1:%u --streams 2 --duration 300ms",
		 port);
	run_line(line, &send);
	assert_int_equal(send.out.status, RESULT_OK);
	assert_int_equal((uint64_t)metric(&send, "connections"), 2);
	(void)clock_sleep(200 * NSEC_PER_MSEC); /* let the receiver drain */

	bomb_set_stop(&recv.ctx);
	recv.ctx.end_ns = clock_now_ns();
	assert_int_equal(recv.cfg.ops->finish(&recv.ctx), 0);
	render(&recv);
	assert_true(metric(&send, "bytes_sent") > 0);
	assert_true(metric(&recv, "bytes_received") == metric(&send, "bytes_sent"));
	assert_int_equal((uint64_t)metric(&recv, "connections"), 2);
	assert_true(metric(&recv, "bits_per_s") > 0);
	done(&send);
	done(&recv);
}

static void net_udp_datagrams_arrive(void **state)
{
	unsigned port = 20000 + ((unsigned)getpid() + 7) % 20000;
	struct run recv, send;
	char line[128];

	memset(&recv, 0, sizeof(recv));
	snprintf(line, sizeof(line), "net-recv --listen 127.0.0.1:%u --proto udp", port);
	parse_or_fail(line, &recv.cfg);
	recv.ctx.cfg = &recv.cfg;
	assert_int_equal(recv.cfg.ops->start(&recv.ctx), 0);
	snprintf(line, sizeof(line),
		 "net-send --to 127.0.0.1:%u --proto udp --msg-size 1000 --duration 200ms "
		 "--intensity 10",
		 port);
	run_line(line, &send);
	(void)clock_sleep(100 * NSEC_PER_MSEC);
	bomb_set_stop(&recv.ctx);
	assert_int_equal(recv.cfg.ops->finish(&recv.ctx), 0);
	render(&recv);
	assert_true(metric(&recv, "udp_datagrams") > 0);
	/* datagrams are whole: bytes are 1000 per packet */
	assert_true(metric(&recv, "bytes_received") == metric(&recv, "packets_received") * 1000);
	assert_true(metric(&recv, "packets_received") <= metric(&send, "packets_sent"));
	done(&send);
	done(&recv);
}

static void sng_parse_yaml_reads_the_first_stressor(void **state)
{
	static const char yaml[] = "---\n"
				   "system-info:\n"
				   "      cpus: 2\n"
				   "\n"
				   "metrics:\n"
				   "    - stressor: memrate\n"
				   "      bogo-ops: 9\n"
				   "      wall-clock-time: 2.008865\n"
				   "      memset-mb-per-sec: 9449.789872\n"
				   "      note: text\n"
				   "    - stressor: cpu\n"
				   "      bogo-ops: 5\n"
				   "...\n";
	struct sng_metrics m;
	double v;

	assert_int_equal(sng_parse_yaml(yaml, &m), 0);
	assert_int_equal(m.n, 3);
	assert_true(sng_get(&m, "bogo-ops", &v));
	assert_true(v == 9);
	assert_true(sng_get(&m, "memset-mb-per-sec", &v));
	assert_true(v > 9449.78 && v < 9449.8);
	assert_false(sng_get(&m, "note", &v));
	assert_false(sng_get(&m, "cpus", &v));
	assert_int_equal(sng_parse_yaml("---\nsystem-info:\n", &m), -ENOENT);
	assert_int_equal(m.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cpu_accounts_ops_and_cpu_time),
		cmocka_unit_test(cpu_intensity_limits_the_share),
		cmocka_unit_test(mem_fill_holds_exactly_bytes),
		cmocka_unit_test(mem_bandwidth_touches_every_byte),
		cmocka_unit_test(fork_stays_under_max_procs_and_reaps),
		cmocka_unit_test(disk_writes_reads_and_leaves_nothing),
		cmocka_unit_test(net_send_to_recv_counts_the_same_bytes),
		cmocka_unit_test(net_udp_datagrams_arrive),
		cmocka_unit_test(sng_parse_yaml_reads_the_first_stressor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
