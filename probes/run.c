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

#define TICK_NS (20 * NSEC_PER_MSEC) /* the supervisor: timeline, stop, signals; exit */

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
	if (cfg->slo_ns)
		json_kv_double(w, "slo_ms", ns_to_ms(cfg->slo_ns));
	else
		json_kv_null(w, "slo_ms");
	json_kv_bool(w, "backoff", cfg->backoff);
	json_kv_str(w, "log", cfg->log_path);
	ops->options_json(w, cfg);
	json_obj_end(w);
}

static void summary(const struct probe_config *cfg, const struct probe_stats *t,
		    const struct probe_window *win)
{
	const struct hist *h = t->lat;
	uint64_t measured_ns = win->measured_ns;

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
	if (cfg->slo_ns || win->open_loop || t->outstanding)
		log_info("offered %llu, good %llu (%.2f %%%s%.3g ms); unanswered at the end %llu, "
			 "never sent %llu",
			 (unsigned long long)win->offered, (unsigned long long)t->good,
			 win->offered ? 100.0 * t->good / win->offered : 0.0,
			 cfg->slo_ns ? ", SLO " : "", cfg->slo_ns ? ns_to_ms(cfg->slo_ns) : 0.0,
			 (unsigned long long)t->outstanding, (unsigned long long)win->not_sent);
	log_info("latency%s ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f",
		 win->open_loop ? " (from intended send time)" : "",
		 ns_to_ms(hist_percentile(h, 50)), ns_to_ms(hist_percentile(h, 90)),
		 ns_to_ms(hist_percentile(h, 99)), ns_to_ms(hist_percentile(h, 99.9)),
		 ns_to_ms(hist_max(h)));
	if (win->open_loop) {
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

static void show_live(struct probe_run *run, uint64_t now)
{
	uint64_t r = atomic_load(&run->live_requests);
	uint64_t f = atomic_load(&run->live_failures);

	if (now < run->measure_ns)
		progress_update("warming up: %.0f s left", ns_to_s(run->measure_ns - now));
	else
		progress_update("%.0f s: %llu requests, %llu failed, %.0f/s",
				ns_to_s(now - run->measure_ns), (unsigned long long)r,
				(unsigned long long)f, r / ns_to_s(now - run->measure_ns + 1));
}

/*
 * Watches the clock and signals until every worker is done. Returns when a
 * signal interrupted the run (0: it was not).
 */
static uint64_t supervise(struct probe_run *run)
{
	uint64_t interrupted_ns = 0;

	while (atomic_load(&running) > 0) {
		uint64_t now;

		(void)clock_sleep(TICK_NS);
		now = clock_now_ns();
		if (sig_stop_requested() && !interrupted_ns) {
			interrupted_ns = now;
			atomic_store(&run->abort, true);
			atomic_store(&run->stop, true);
		}
		if (now >= run->end_ns && run->cfg->rate <= 0)
			atomic_store(&run->stop, true);
		/* workers hand over a second within ~100 ms of its end; close it after 1.5 s */
		if (now > run->measure_ns + 3 * NSEC_PER_SEC / 2)
			probe_timeline_close_before(&run->tl,
						    second_of(run, now - 3 * NSEC_PER_SEC / 2));
		if (progress_enabled())
			show_live(run, now);
	}
	progress_done();
	return interrupted_ns;
}

/* The workers and what they share; torn down by runner_done() whatever happened. */
struct runner {
	struct probe_run run;
	struct probe_worker *workers;
	unsigned n;
	struct probe_stats total;
	bool total_ok;
	bool timeline_ok;
};

static void runner_done(struct runner *rn)
{
	for (unsigned i = 0; i < rn->n && rn->workers; i++)
		probe_stats_done(&rn->workers[i].st);
	free(rn->workers);
	if (rn->run.log)
		fclose(rn->run.log);
	if (rn->total_ok)
		probe_stats_done(&rn->total);
	if (rn->timeline_ok)
		probe_timeline_done(&rn->run.tl);
}

/* Allocates everything the run needs; 0 or -errno (logged). */
static int runner_init(struct runner *rn, const struct probe_ops *ops,
		       const struct probe_config *cfg)
{
	rn->run.cfg = cfg;
	rn->n = ops->nworkers(cfg);
	pthread_mutex_init(&rn->run.log_lock, NULL);
	if (probe_timeline_init(&rn->run.tl) < 0)
		goto out_oom;
	rn->timeline_ok = true;
	if (probe_stats_init(&rn->total) < 0)
		goto out_oom;
	rn->total_ok = true;
	if (cfg->log_path) {
		rn->run.log = fopen(cfg->log_path, "we");
		if (!rn->run.log) {
			int err = errno;

			log_error("cannot open --log '%s': %s", cfg->log_path, strerror(err));
			return -err;
		}
		(void)setvbuf(rn->run.log, NULL, _IOFBF, 1 << 20);
		fputs("t_s,latency_ms,uncorrected_ms,status,bytes,result,error,target\n",
		      rn->run.log);
	}
	rn->workers = calloc(rn->n, sizeof(*rn->workers));
	if (!rn->workers)
		goto out_oom;
	for (unsigned i = 0; i < rn->n; i++) {
		rn->workers[i].run = &rn->run;
		rn->workers[i].idx = i;
		rn->workers[i].nworkers = rn->n;
		if (probe_stats_init(&rn->workers[i].st) < 0) {
			rn->n = i; /* only these have stats to free */
			goto out_oom;
		}
	}
	return 0;
out_oom:
	log_error("out of memory");
	return -ENOMEM;
}

/* Starts the workers with the stop signals blocked (the supervisor handles them). */
static int start_workers(struct runner *rn)
{
	sigset_t block, old;
	int ret = 0;

	rn->run.start_ns = clock_now_ns();
	rn->run.measure_ns = rn->run.start_ns + rn->run.cfg->warmup_ns;
	probe_window_init(&rn->run);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	atomic_store(&running, rn->n);
	for (unsigned i = 0; i < rn->n; i++) {
		int err = pthread_create(&rn->workers[i].tid, NULL, worker_main, &rn->workers[i]);

		if (err) {
			log_error("cannot start worker thread: %s", strerror(err));
			atomic_fetch_sub(&running, rn->n - i);
			atomic_store(&rn->run.abort, true);
			atomic_store(&rn->run.stop, true);
			ret = -err;
			break;
		}
		rn->workers[i].started = true;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* Joins the workers and merges their stats; the first worker error, if any. */
static const char *collect(struct runner *rn, uint64_t *finish_ns)
{
	const char *error = NULL;
	uint64_t measured_ns;

	for (unsigned i = 0; i < rn->n; i++)
		if (rn->workers[i].started)
			pthread_join(rn->workers[i].tid, NULL);
	*finish_ns = clock_now_ns();
	measured_ns = *finish_ns > rn->run.measure_ns ? *finish_ns - rn->run.measure_ns : 0;
	for (unsigned i = 0; i < rn->n; i++) {
		probe_stats_tick(&rn->run, &rn->workers[i].st, UINT64_MAX);
		probe_stats_merge(&rn->total, &rn->workers[i].st);
		if (rn->workers[i].error && !error)
			error = rn->workers[i].errmsg;
	}
	probe_timeline_close_before(&rn->run.tl, (measured_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
	if (rn->run.tl.oom)
		log_warn("timeline truncated: out of memory");
	return error;
}

/* Prints the JSON result on stdout; 0 or -errno (logged). */
static int render(const struct probe_ops *ops, struct runner *rn, enum result_status status,
		  const char *error, uint64_t wall, uint64_t finish_ns,
		  const struct probe_window *win)
{
	const struct probe_config *cfg = rn->run.cfg;
	struct json_writer *w = json_new(JSON_PRETTY);
	int ret = 0;

	if (!w) {
		log_error("out of memory");
		return -ENOMEM;
	}
	result_begin(w, "isolab-probe", ops->kind, cfg->native ? "native" : ops->engine, status,
		     error, wall, finish_ns - rn->run.start_ns);
	options_json(w, ops, cfg);
	probe_metrics_json(w, &rn->run, &rn->total, win);
	json_obj_end(w);
	if (json_error(w) || json_fput(w, stdout) < 0) {
		log_error("writing the JSON result failed: %s", strerror(-json_error(w)));
		ret = -EIO;
	}
	json_free(w);
	return ret;
}

int probe_run(const struct probe_ops *ops, const struct probe_config *cfg)
{
	struct runner rn = { 0 };
	struct probe_window win;
	uint64_t wall = clock_wall_ns(), finish_ns, interrupted_ns;
	enum result_status status = RESULT_OK;
	const char *error = NULL, *worker_error;
	int ret = 1;

	if (runner_init(&rn, ops, cfg) < 0)
		goto out;
	if (start_workers(&rn) < 0) {
		status = RESULT_FAILED;
		error = "cannot start worker threads";
	} else {
		signal_ready(cfg->ready_fd);
	}
	progress_init(!cfg->quiet);
	interrupted_ns = supervise(&rn.run);
	worker_error = collect(&rn, &finish_ns);
	if (worker_error && !error) {
		error = worker_error;
		status = RESULT_FAILED;
	}
	if (status == RESULT_OK && atomic_load(&rn.run.abort))
		status = RESULT_INTERRUPTED;
	probe_window_count(&rn.run, &rn.total, finish_ns, interrupted_ns, &win);

	if (!cfg->quiet)
		summary(cfg, &rn.total, &win);
	if (cfg->json && render(ops, &rn, status, error, wall, finish_ns, &win) < 0)
		goto out;
	if (rn.run.log && fflush(rn.run.log) != 0) {
		log_error("writing --log '%s' failed: %s", cfg->log_path, strerror(errno));
		goto out;
	}
	ret = status == RESULT_FAILED ? 1 : 0;
out:
	runner_done(&rn);
	return ret;
}
