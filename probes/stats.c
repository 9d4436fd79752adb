// SPDX-License-Identifier: MIT
/* Recording requests: per-worker histograms, the per-second timeline, the CSV log. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hist.h"
#include "json.h"
#include "probe.h"

static const char *const fail_names[PROBE_FAIL_NR] = {
	[PROBE_OK] = "ok",
	[PROBE_FAIL_TIMEOUT] = "timeout",
	[PROBE_FAIL_CONNECT] = "connect",
	[PROBE_FAIL_HTTP_STATUS] = "http_status",
	[PROBE_FAIL_READ] = "read",
	[PROBE_FAIL_OTHER] = "other",
};

const char *probe_fail_name(enum probe_fail f)
{
	return (unsigned)f < PROBE_FAIL_NR ? fail_names[f] : "other";
}

int probe_stats_init(struct probe_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->lat = hist_new();
	st->raw = hist_new();
	st->sec_hist = hist_new();
	if (!st->lat || !st->raw || !st->sec_hist) {
		probe_stats_done(st);
		return -ENOMEM;
	}
	/* touch every page now: resident memory is the same at the first request and the last */
	hist_reset(st->lat);
	hist_reset(st->raw);
	hist_reset(st->sec_hist);
	return 0;
}

void probe_stats_done(struct probe_stats *st)
{
	hist_free(st->lat);
	hist_free(st->raw);
	hist_free(st->sec_hist);
	st->lat = st->raw = st->sec_hist = NULL;
}

bool probe_stopping(struct probe_run *run, uint64_t now_ns)
{
	uint64_t until = run->cfg->rate > 0 ? run->send_until_ns : run->end_ns;

	return atomic_load_explicit(&run->stop, memory_order_relaxed) || now_ns >= until;
}

bool probe_abandoning(struct probe_run *run, uint64_t now_ns)
{
	return atomic_load_explicit(&run->abort, memory_order_relaxed) || now_ns >= run->cutoff_ns;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void probe_window_init(struct probe_run *run)
{
	const struct probe_config *cfg = run->cfg;

	run->end_ns = cfg->duration_ns ? run->measure_ns + cfg->duration_ns : UINT64_MAX;
	run->send_until_ns = sat_add(run->end_ns, cfg->slo_ns);
	run->cutoff_ns = sat_add(run->end_ns, cfg->slo_ns ? cfg->slo_ns
							  : sat_add(cfg->timeout_ns, NSEC_PER_SEC));
}

void probe_outstanding(struct probe_run *run, struct probe_stats *st, uint64_t intended_ns)
{
	if (intended_ns >= run->measure_ns)
		st->outstanding++;
}

bool probe_take_ticket(struct probe_run *run, uint64_t intended_ns)
{
	uint64_t t;

	if (intended_ns < run->measure_ns || run->cfg->requests == 0)
		return true;
	t = atomic_fetch_add(&run->tickets, 1);
	if (t >= run->cfg->requests) {
		atomic_store(&run->stop, true);
		return false;
	}
	if (t + 1 == run->cfg->requests)
		atomic_store(&run->stop, true);
	return true;
}

void probe_count_sqlstate(struct probe_stats *st, const char *code)
{
	size_t i;

	if (!code || !*code)
		code = "?????";
	for (i = 0; i < st->n_sqlstate; i++) {
		if (strncmp(st->sqlstate[i].code, code, 5) == 0) {
			st->sqlstate[i].count++;
			return;
		}
	}
	if (st->n_sqlstate == PROBE_SQLSTATE_MAX) {
		st->sqlstate_overflow++;
		return;
	}
	snprintf(st->sqlstate[i].code, sizeof(st->sqlstate[i].code), "%.5s", code);
	st->sqlstate[i].count = 1;
	st->n_sqlstate++;
}

/* ---- timeline ---- */

int probe_timeline_init(struct probe_timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
	for (int i = 0; i < PROBE_TL_RING; i++) {
		tl->ring[i] = hist_new();
		if (!tl->ring[i]) {
			probe_timeline_done(tl);
			return -ENOMEM;
		}
		hist_reset(tl->ring[i]);
	}
	pthread_mutex_init(&tl->lock, NULL);
	return 0;
}

void probe_timeline_done(struct probe_timeline *tl)
{
	for (int i = 0; i < PROBE_TL_RING; i++)
		hist_free(tl->ring[i]);
	free(tl->points);
	memset(tl, 0, sizeof(*tl));
}

/* Moves ring slot 0 (second tl->base) into points. Caller holds the lock. */
static void close_one(struct probe_timeline *tl)
{
	struct probe_tl_point *p;
	struct hist *h = tl->ring[0];

	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 256;
		struct probe_tl_point *grown = realloc(tl->points, cap * sizeof(*grown));

		if (!grown) {
			tl->oom = true;
			goto out_shift;
		}
		tl->points = grown;
		tl->cap = cap;
	}
	p = &tl->points[tl->n++];
	p->requests = tl->ring_requests[0];
	p->failures = tl->ring_failures[0];
	if (hist_count(h) > 0) {
		p->p50_ms = ns_to_ms(hist_percentile(h, 50));
		p->p99_ms = ns_to_ms(hist_percentile(h, 99));
	} else {
		p->p50_ms = p->p99_ms = -1;
	}
out_shift:
	hist_reset(h);
	memmove(&tl->ring[0], &tl->ring[1], (PROBE_TL_RING - 1) * sizeof(tl->ring[0]));
	memmove(&tl->ring_requests[0], &tl->ring_requests[1],
		(PROBE_TL_RING - 1) * sizeof(tl->ring_requests[0]));
	memmove(&tl->ring_failures[0], &tl->ring_failures[1],
		(PROBE_TL_RING - 1) * sizeof(tl->ring_failures[0]));
	tl->ring[PROBE_TL_RING - 1] = h;
	tl->ring_requests[PROBE_TL_RING - 1] = 0;
	tl->ring_failures[PROBE_TL_RING - 1] = 0;
	tl->base++;
}

void probe_timeline_close_before(struct probe_timeline *tl, uint64_t sec)
{
	pthread_mutex_lock(&tl->lock);
	while (tl->base < sec)
		close_one(tl);
	pthread_mutex_unlock(&tl->lock);
}

/* Adds a worker's second into the timeline. */
static void timeline_add(struct probe_timeline *tl, struct probe_stats *st)
{
	pthread_mutex_lock(&tl->lock);
	while (st->sec >= tl->base + PROBE_TL_RING)
		close_one(tl);
	if (st->sec >= tl->base) {
		size_t i = st->sec - tl->base;

		hist_merge(tl->ring[i], st->sec_hist);
		tl->ring_requests[i] += st->sec_requests;
		tl->ring_failures[i] += st->sec_failures;
	} else if (st->sec < tl->n) {
		/* a late worker: its counts still count, its latencies miss the percentiles */
		tl->points[st->sec].requests += st->sec_requests;
		tl->points[st->sec].failures += st->sec_failures;
	}
	pthread_mutex_unlock(&tl->lock);
	hist_reset(st->sec_hist);
	st->sec_requests = st->sec_failures = 0;
}

static uint64_t second_of(const struct probe_run *run, uint64_t t_ns)
{
	return t_ns <= run->measure_ns ? 0 : (t_ns - run->measure_ns) / NSEC_PER_SEC;
}

void probe_stats_tick(struct probe_run *run, struct probe_stats *st, uint64_t now_ns)
{
	uint64_t sec = second_of(run, now_ns);

	if (sec <= st->sec)
		return;
	if (st->sec_requests > 0)
		timeline_add(&run->tl, st);
	st->sec = sec;
}

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static void log_sample(struct probe_run *run, const struct probe_sample *s)
{
	pthread_mutex_lock(&run->log_lock);
	fprintf(run->log, "%.6f,%.3f,%.3f,%ld,%" PRIu64 ",%s,",
		ns_to_s(s->intended_ns - run->measure_ns), ns_to_ms(s->latency_ns),
		ns_to_ms(s->raw_ns), s->status, s->bytes, probe_fail_name(s->fail));
	csv_field(run->log, s->error);
	fputc(',', run->log);
	csv_field(run->log, s->target);
	fputc('\n', run->log);
	pthread_mutex_unlock(&run->log_lock);
}

void probe_record(struct probe_run *run, struct probe_stats *st, const struct probe_sample *s)
{
	if (s->intended_ns < run->measure_ns)
		return;
	probe_stats_tick(run, st, s->done_ns);
	st->requests++;
	st->sec_requests++;
	if (s->done_ns > st->last_done_ns)
		st->last_done_ns = s->done_ns;
	st->bytes += s->bytes;
	if (s->fail == PROBE_OK) {
		st->ok++;
		if (!run->cfg->slo_ns || s->latency_ns <= run->cfg->slo_ns)
			st->good++;
	} else {
		st->failed_by[s->fail < PROBE_FAIL_NR ? s->fail : PROBE_FAIL_OTHER]++;
		st->sec_failures++;
		atomic_fetch_add_explicit(&run->live_failures, 1, memory_order_relaxed);
	}
	atomic_fetch_add_explicit(&run->live_requests, 1, memory_order_relaxed);
	/* failures are timed too: a timeout that took 25 s is part of the user's wait */
	hist_record(st->lat, s->latency_ns);
	hist_record(st->raw, s->raw_ns);
	hist_record(st->sec_hist, s->latency_ns);
	if (run->log)
		log_sample(run, s);
}

void probe_stats_merge(struct probe_stats *dst, const struct probe_stats *src)
{
	hist_merge(dst->lat, src->lat);
	hist_merge(dst->raw, src->raw);
	dst->requests += src->requests;
	dst->ok += src->ok;
	dst->good += src->good;
	dst->outstanding += src->outstanding;
	if (src->last_done_ns > dst->last_done_ns)
		dst->last_done_ns = src->last_done_ns;
	dst->bytes += src->bytes;
	for (int i = 0; i < PROBE_FAIL_NR; i++)
		dst->failed_by[i] += src->failed_by[i];
	for (size_t i = 0; i < src->n_sqlstate; i++)
		for (uint64_t c = 0; c < src->sqlstate[i].count; c++)
			probe_count_sqlstate(dst, src->sqlstate[i].code);
	dst->sqlstate_overflow += src->sqlstate_overflow;
}

/* ---- rendering ---- */

static void latency_json(struct json_writer *w, const char *key, const struct hist *h)
{
	json_key(w, key);
	json_obj_begin(w);
	json_kv_double(w, "min", ns_to_ms(hist_min(h)));
	json_kv_double(w, "mean", hist_mean(h) / 1e6);
	json_kv_double(w, "stdev", hist_stdev(h) / 1e6);
	json_kv_double(w, "p50", ns_to_ms(hist_percentile(h, 50)));
	json_kv_double(w, "p90", ns_to_ms(hist_percentile(h, 90)));
	json_kv_double(w, "p99", ns_to_ms(hist_percentile(h, 99)));
	json_kv_double(w, "p999", ns_to_ms(hist_percentile(h, 99.9)));
	json_kv_double(w, "max", ns_to_ms(hist_max(h)));
	json_obj_end(w);
}

void probe_window_count(const struct probe_run *run, const struct probe_stats *total,
			uint64_t finish_ns, uint64_t interrupted_ns, struct probe_window *win)
{
	const struct probe_config *cfg = run->cfg;
	uint64_t sent = total->requests + total->outstanding;
	uint64_t end = run->end_ns;

	uint64_t win_end;

	memset(win, 0, sizeof(*win));
	win->open_loop = cfg->rate > 0;
	if (interrupted_ns && interrupted_ns < end)
		end = interrupted_ns;
	win_end = end < finish_ns ? end : finish_ns;
	/* --requests all handed out: the window closed with the last answer */
	if (cfg->requests && atomic_load(&run->tickets) >= cfg->requests && total->last_done_ns &&
	    total->last_done_ns < win_end)
		win_end = total->last_done_ns;
	win->measured_ns = win_end > run->measure_ns ? win_end - run->measure_ns : 0;
	if (win->open_loop && cfg->duration_ns)
		win->offered = sched_count(run->start_ns, cfg->rate, run->measure_ns, end);
	/* never fewer offered than sent: --requests, or a run stopped inside its warmup */
	if (win->offered < sent)
		win->offered = sent;
	win->not_sent = win->offered - sent;
}

void probe_metrics_json(struct json_writer *w, const struct probe_run *run,
			const struct probe_stats *t, const struct probe_window *win)
{
	uint64_t failed = t->requests - t->ok;
	const struct probe_timeline *tl = &run->tl;
	const struct probe_config *cfg = run->cfg;

	json_key(w, "metrics");
	json_obj_begin(w);
	json_kv_str(w, "mode", win->open_loop ? "open" : "closed");
	if (win->open_loop)
		json_kv_double(w, "rate_rps", cfg->rate);
	if (cfg->slo_ns)
		json_kv_double(w, "slo_ms", ns_to_ms(cfg->slo_ns));
	json_kv_uint(w, "offered", win->offered);
	json_kv_uint(w, "good", t->good);
	json_kv_double(w, "good_pct", win->offered ? 100.0 * t->good / win->offered : 0);
	json_kv_uint(w, "outstanding_at_end", t->outstanding);
	json_kv_uint(w, "not_sent", win->not_sent);
	json_kv_uint(w, "requests", t->requests);
	json_kv_uint(w, "ok", t->ok);
	json_kv_uint(w, "failed", failed);
	json_key(w, "failed_by");
	json_obj_begin(w);
	for (int i = PROBE_FAIL_TIMEOUT; i < PROBE_FAIL_NR; i++)
		json_kv_uint(w, fail_names[i], t->failed_by[i]);
	if (strcmp(run->cfg->kind, "sql") == 0) {
		json_key(w, "sqlstate");
		json_obj_begin(w);
		for (size_t i = 0; i < t->n_sqlstate; i++)
			json_kv_uint(w, t->sqlstate[i].code, t->sqlstate[i].count);
		if (t->sqlstate_overflow)
			json_kv_uint(w, "more", t->sqlstate_overflow);
		json_obj_end(w);
	}
	json_obj_end(w);
	json_kv_double(w, "success_pct", t->requests ? 100.0 * t->ok / t->requests : 0);
	json_kv_double(w, "throughput_rps",
		       win->measured_ns ? t->requests / ns_to_s(win->measured_ns) : 0);
	json_kv_double(w, "measured_s", ns_to_s(win->measured_ns));
	json_kv_uint(w, "bytes", t->bytes);
	latency_json(w, "latency_ms", t->lat);
	if (win->open_loop)
		latency_json(w, "latency_uncorrected_ms", t->raw);
	json_key(w, "timeline");
	json_arr_begin(w);
	for (size_t i = 0; i < tl->n; i++) {
		const struct probe_tl_point *p = &tl->points[i];

		json_obj_begin(w);
		json_kv_uint(w, "t_s", i);
		json_kv_uint(w, "requests", p->requests);
		json_kv_uint(w, "failures", p->failures);
		if (p->p50_ms >= 0) {
			json_kv_double(w, "p50_ms", p->p50_ms);
			json_kv_double(w, "p99_ms", p->p99_ms);
		} else {
			json_kv_null(w, "p50_ms");
			json_kv_null(w, "p99_ms");
		}
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "histogram");
	hist_to_json(t->lat, w);
	json_obj_end(w);
}
