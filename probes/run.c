// SPDX-License-Identifier: MIT
/* The runner: starts the workers, watches time and signals, merges and prints. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "hist.h"
#include "json.h"
#include "log.h"
#include "progress.h"
#include "result.h"
#include "sig.h"
#include "probe.h"

#define TICK_NS (100 * NSEC_PER_MSEC)

static atomic_uint running;

void probe_config_done(struct probe_config *cfg)
{
	probe_list_free(cfg->urls, cfg->n_urls);
	probe_list_free(cfg->queries, cfg->n_queries);
	cfg->urls = cfg->queries = NULL;
	cfg->n_urls = cfg->n_queries = 0;
}

static void *worker_main(void *arg)
{
	struct probe_worker *w = arg;
	const struct probe_ops *ops =
		w->run->cfg->kind[0] == 's' ? &probe_sql_ops : &probe_http_ops;

	ops->work(w);
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static uint64_t second_of(const struct probe_run *run, uint64_t t_ns)
{
	return t_ns <= run->measure_ns ? 0 : (t_ns - run->measure_ns) / NSEC_PER_SEC;
}

static void options_json(struct json_writer *w, const struct probe_ops *ops,
			 const struct probe_config *cfg)
{
	json_key(w, "options");
	json_obj_begin(w);
	json_kv_uint(w, "concurrency", cfg->concurrency);
	if (cfg->rate > 0)
		json_kv_double(w, "rate_rps", cfg->rate);
	else
		json_kv_null(w, "rate_rps");
	if (cfg->duration_ns)
		json_kv_double(w, "duration_s", ns_to_s(cfg->duration_ns));
	else
		json_kv_null(w, "duration_s");
	if (cfg->requests)
		json_kv_uint(w, "requests", cfg->requests);
	else
		json_kv_null(w, "requests");
	json_kv_double(w, "warmup_s", ns_to_s(cfg->warmup_ns));
	json_kv_double(w, "timeout_s", ns_to_s(cfg->timeout_ns));
	json_kv_bool(w, "backoff", cfg->backoff);
	json_kv_str(w, "log", cfg->log_path);
	ops->options_json(w, cfg);
	json_obj_end(w);
}

static void summary(const struct probe_stats *t, uint64_t measured_ns, bool open_loop)
{
	const struct hist *h = t->lat;

	log_info("%llu requests in %.1f s, %.1f/s; ok %llu, failed %llu (timeout %llu, connect "
		 "%llu, http_status %llu, read %llu, other %llu)",
		 (unsigned long long)t->requests, ns_to_s(measured_ns),
		 measured_ns ? t->requests / ns_to_s(measured_ns) : 0.0, (unsigned long long)t->ok,
		 (unsigned long long)(t->requests - t->ok),
		 (unsigned long long)t->failed_by[PROBE_FAIL_TIMEOUT],
		 (unsigned long long)t->failed_by[PROBE_FAIL_CONNECT],
		 (unsigned long long)t->failed_by[PROBE_FAIL_HTTP_STATUS],
		 (unsigned long long)t->failed_by[PROBE_FAIL_READ],
		 (unsigned long long)t->failed_by[PROBE_FAIL_OTHER]);
	log_info("latency%s ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f",
		 open_loop ? " (from intended send time)" : "", ns_to_ms(hist_percentile(h, 50)),
		 ns_to_ms(hist_percentile(h, 90)), ns_to_ms(hist_percentile(h, 99)),
		 ns_to_ms(hist_percentile(h, 99.9)), ns_to_ms(hist_max(h)));
	if (open_loop) {
		h = t->raw;
		log_info("latency (uncorrected) ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max "
			 "%.3f",
			 ns_to_ms(hist_percentile(h, 50)), ns_to_ms(hist_percentile(h, 90)),
			 ns_to_ms(hist_percentile(h, 99)), ns_to_ms(hist_percentile(h, 99.9)),
			 ns_to_ms(hist_max(h)));
	}
}

static void signal_ready(int fd)
{
	static const char line[] = "isolab-ready\n";

	if (fd < 0)
		return;
	if (write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1))
		log_warn("writing to --ready-fd %d failed: %s", fd, strerror(errno));
}

/* Watches the clock and signals until every worker is done. */
static void supervise(struct probe_run *run, const struct probe_config *cfg)
{
	while (atomic_load(&running) > 0) {
		uint64_t now;

		(void)clock_sleep(TICK_NS);
		now = clock_now_ns();
		if (sig_stop_requested()) {
			atomic_store(&run->abort, true);
			atomic_store(&run->stop, true);
		}
		if (now >= run->end_ns)
			atomic_store(&run->stop, true);
		/* workers hand over a second within ~100 ms of its end; close it after 1.5 s */
		if (now > run->measure_ns + 3 * NSEC_PER_SEC / 2)
			probe_timeline_close_before(&run->tl,
						    second_of(run, now - 3 * NSEC_PER_SEC / 2));
		if (progress_enabled()) {
			uint64_t r = atomic_load(&run->live_requests);
			uint64_t f = atomic_load(&run->live_failures);

			if (now < run->measure_ns)
				progress_update("warming up: %.0f s left",
						ns_to_s(run->measure_ns - now));
			else
				progress_update("%.0f s: %llu requests, %llu failed, %.0f/s",
						ns_to_s(now - run->measure_ns),
						(unsigned long long)r, (unsigned long long)f,
						r / ns_to_s(now - run->measure_ns + 1));
		}
	}
	progress_done();
}

int probe_run(const struct probe_ops *ops, const struct probe_config *cfg)
{
	struct probe_run run = { .cfg = cfg };
	unsigned n = ops->nworkers(cfg), started = 0;
	struct probe_worker *workers = NULL;
	struct probe_stats total;
	struct json_writer *w = NULL;
	uint64_t wall = clock_wall_ns(), finish_ns, measured_ns = 0;
	enum result_status status = RESULT_OK;
	const char *error = NULL;
	sigset_t block, old;
	int ret = 1;

	if (probe_timeline_init(&run.tl) < 0)
		goto out_oom;
	if (probe_stats_init(&total) < 0) {
		log_error("out of memory");
		goto out_timeline;
	}
	pthread_mutex_init(&run.log_lock, NULL);
	if (cfg->log_path) {
		run.log = fopen(cfg->log_path, "we");
		if (!run.log) {
			log_error("cannot open --log '%s': %s", cfg->log_path, strerror(errno));
			goto out_total;
		}
		(void)setvbuf(run.log, NULL, _IOFBF, 1 << 20);
		fputs("t_s,latency_ms,uncorrected_ms,status,bytes,result,error,target\n", run.log);
	}
	workers = calloc(n, sizeof(*workers));
	if (!workers) {
		log_error("out of memory");
		goto out_log;
	}
	for (unsigned i = 0; i < n; i++) {
		workers[i].run = &run;
		workers[i].idx = i;
		workers[i].nworkers = n;
		if (probe_stats_init(&workers[i].st) < 0) {
			log_error("out of memory");
			goto out_workers;
		}
	}

	run.start_ns = clock_now_ns();
	run.measure_ns = run.start_ns + cfg->warmup_ns;
	run.end_ns = cfg->duration_ns ? run.measure_ns + cfg->duration_ns : UINT64_MAX;
	/* workers never see the stop signals; the supervisor does */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	atomic_store(&running, n);
	for (unsigned i = 0; i < n; i++) {
		int err = pthread_create(&workers[i].tid, NULL, worker_main, &workers[i]);

		if (err) {
			log_error("cannot start worker thread: %s", strerror(err));
			atomic_fetch_sub(&running, n - i);
			atomic_store(&run.abort, true);
			atomic_store(&run.stop, true);
			status = RESULT_FAILED;
			error = "cannot start worker threads";
			break;
		}
		workers[i].started = true;
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == n)
		signal_ready(cfg->ready_fd);
	progress_init(!cfg->quiet);
	supervise(&run, cfg);
	for (unsigned i = 0; i < n; i++)
		if (workers[i].started)
			pthread_join(workers[i].tid, NULL);
	finish_ns = clock_now_ns();
	if (finish_ns > run.measure_ns)
		measured_ns = finish_ns - run.measure_ns;

	for (unsigned i = 0; i < n; i++) {
		probe_stats_tick(&run, &workers[i].st, UINT64_MAX);
		probe_stats_merge(&total, &workers[i].st);
		if (workers[i].error && !error) {
			error = workers[i].errmsg;
			status = RESULT_FAILED;
		}
	}
	probe_timeline_close_before(&run.tl, (measured_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
	if (status == RESULT_OK && atomic_load(&run.abort))
		status = RESULT_INTERRUPTED;
	if (run.tl.oom)
		log_warn("timeline truncated: out of memory");

	if (!cfg->quiet)
		summary(&total, measured_ns, cfg->rate > 0);
	if (cfg->json) {
		w = json_new(JSON_PRETTY);
		if (!w) {
			log_error("out of memory");
			goto out_workers;
		}
		result_begin(w, "isolab-probe", ops->kind, cfg->native ? "native" : ops->engine,
			     status, error, wall, finish_ns - run.start_ns);
		options_json(w, ops, cfg);
		probe_metrics_json(w, &run, &total, measured_ns, cfg->rate > 0);
		json_obj_end(w);
		if (json_error(w) || json_fput(w, stdout) < 0) {
			log_error("writing the JSON result failed: %s", strerror(-json_error(w)));
			goto out_json;
		}
	}
	if (run.log && fflush(run.log) != 0) {
		log_error("writing --log '%s' failed: %s", cfg->log_path, strerror(errno));
		goto out_json;
	}
	ret = status == RESULT_FAILED ? 1 : 0;
out_json:
	json_free(w);
out_workers:
	for (unsigned i = 0; i < n && workers; i++)
		probe_stats_done(&workers[i].st);
	free(workers);
out_log:
	if (run.log)
		fclose(run.log);
out_total:
	probe_stats_done(&total);
out_timeline:
	probe_timeline_done(&run.tl);
	return ret;
out_oom:
	log_error("out of memory");
	return 1;
}
