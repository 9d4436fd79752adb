/* SPDX-License-Identifier: MIT */
/*
 * isolab-probe: what the http and sql probes share. A run has one or more
 * workers (threads); each records into its own stats (histograms of fixed
 * size), the run merges them at the end and renders one result. Memory does
 * not grow with the number of requests: only the per-second timeline grows,
 * by a few bytes per second of measurement.
 */
#pragma once

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hist;
struct json_writer;

enum probe_fail {
	PROBE_OK = 0,
	PROBE_FAIL_TIMEOUT,
	PROBE_FAIL_CONNECT,
	PROBE_FAIL_HTTP_STATUS,
	PROBE_FAIL_READ,
	PROBE_FAIL_OTHER,
	PROBE_FAIL_NR,
};

/* "ok", "timeout", "connect", "http_status", "read", "other" */
const char *probe_fail_name(enum probe_fail f);

struct probe_config {
	const char *kind;     /* "http" or "sql" */
	unsigned concurrency; /* connections */
	unsigned threads;     /* http: event-loop threads, 0 = min(cpus, concurrency) */
	double rate;	      /* requests/s in total; 0 = closed loop */
	uint64_t duration_ns; /* 0 with --requests */
	uint64_t requests;    /* 0 with --duration */
	uint64_t warmup_ns;
	uint64_t timeout_ns;
	uint64_t slo_ns; /* --slo: good = ok and latency <= slo; 0 = none (good = ok) */
	bool backoff;
	const char *log_path;
	bool json;
	bool quiet;
	int ready_fd; /* -1: none */
	/* http */
	char **urls; /* owned by the probe, freed with probe_config_done() */
	size_t n_urls;
	const char *urls_file;
	const char *base;
	bool insecure;
	const char *engine; /* --engine: "auto", "native" or "curl" */
	bool native;	    /* http: prepare chose the native HTTP/1.1 engine */
	/* sql */
	const char *conninfo;
	char **queries;
	size_t n_queries;
	const char *queries_file;
};

void probe_config_done(struct probe_config *cfg);

/* ---- URL and query lists (urls.c) ---- */

#define PROBE_LIST_MAX_LINE    8192
#define PROBE_LIST_MAX_ENTRIES (1u << 20)

/*
 * Parses a URL list: one URL or path per line; blank lines and lines starting
 * with '#' are skipped, surrounding whitespace and a trailing CR ignored.
 * Absolute URLs ("scheme://...") are kept, and with a base only when they
 * have base's origin (the same scheme://host[:port]); "/path" is joined to base's
 * origin (scheme://host[:port]); any other entry ("Main_Page") is appended to
 * base, with a '/' between them unless base ends with one. Returns 0 and
 * appends malloc'd strings to *list and *n (caller frees each and the array), or
 * -EINVAL with a message in err ("line 3: path 'x' needs --base URL").
 */
int probe_parse_urls(const char *text, size_t len, const char *base, char ***list, size_t *n,
		     char *err, size_t errlen);

/* Same rules for SQL: one statement per line, '#' and '--' lines skipped. */
int probe_parse_queries(const char *text, size_t len, char ***list, size_t *n, char *err,
			size_t errlen);

/* Appends a copy of s; 0 or -ENOMEM / -E2BIG. */
int probe_list_add(char ***list, size_t *n, const char *s, size_t len);
void probe_list_free(char **list, size_t n);

/* ---- open-loop schedule and backoff (sched.c), pure arithmetic ---- */

/*
 * Open loop: nstreams streams share the total rate; stream k sends its
 * request i at start + (i * nstreams + k) / rate seconds, so together they
 * send evenly spaced requests at exactly rate per second.
 */
uint64_t sched_intended_ns(uint64_t start_ns, double rate, unsigned nstreams, unsigned k,
			   uint64_t i);
/* How many of stream k's requests are due at now (intended <= now). */
uint64_t sched_due(uint64_t start_ns, uint64_t now_ns, double rate, unsigned nstreams, unsigned k);
/* Splits total into n nearly equal shares; share k (the first total % n get one more). */
unsigned sched_share(unsigned total, unsigned n, unsigned k);
/* --backoff: pause after the nth consecutive failure: n seconds, at most 15 s; 0 for n = 0. */
uint64_t sched_backoff_ns(unsigned consecutive_failures);
/* Milliseconds to wait for a deadline, rounded up, within [0, cap_ms]. */
long sched_wait_ms(uint64_t now_ns, uint64_t deadline_ns, long cap_ms);
/* How many send times of the whole schedule (all streams) fall in [from_ns, to_ns). */
uint64_t sched_count(uint64_t start_ns, double rate, uint64_t from_ns, uint64_t to_ns);

/* ---- measurement (stats.c) ---- */

#define PROBE_SQLSTATE_MAX 32
#define PROBE_TL_RING	   4

struct probe_sqlstate {
	char code[6];
	uint64_t count;
};

struct probe_stats {
	struct hist *lat;  /* from the intended send time (corrected) */
	struct hist *raw;  /* from the actual send time (uncorrected) */
	uint64_t requests; /* measured requests that completed (ok or failed) */
	uint64_t ok;
	uint64_t good;	       /* ok within the SLO */
	uint64_t outstanding;  /* measured requests sent but abandoned unanswered at the cutoff */
	uint64_t last_done_ns; /* when the last measured request completed (0: none did) */
	uint64_t failed_by[PROBE_FAIL_NR];
	uint64_t bytes;
	struct probe_sqlstate sqlstate[PROBE_SQLSTATE_MAX];
	size_t n_sqlstate;
	uint64_t sqlstate_overflow; /* errors whose code did not fit the table */
	/* the second of the timeline this worker is filling */
	struct hist *sec_hist;
	uint64_t sec;
	uint64_t sec_requests;
	uint64_t sec_failures;
};

struct probe_tl_point {
	uint64_t requests;
	uint64_t failures;
	double p50_ms; /* < 0: no request completed in that second */
	double p99_ms;
};

struct probe_timeline {
	pthread_mutex_t lock;
	struct probe_tl_point *points; /* finished seconds 0 .. n-1 */
	size_t n;
	size_t cap;
	uint64_t base; /* second of ring[0] == n */
	struct hist *ring[PROBE_TL_RING];
	uint64_t ring_requests[PROBE_TL_RING];
	uint64_t ring_failures[PROBE_TL_RING];
	bool oom;
};

/* One request as a worker saw it. */
struct probe_sample {
	uint64_t intended_ns; /* when it should have been sent */
	uint64_t sent_ns;     /* when it was sent */
	uint64_t done_ns;     /* when it completed */
	uint64_t latency_ns;  /* done - intended */
	uint64_t raw_ns;      /* done - sent */
	enum probe_fail fail;
	long status;	    /* HTTP status, 0 if none */
	uint64_t bytes;	    /* body bytes received */
	const char *error;  /* curl error text / SQLSTATE, NULL when ok */
	const char *target; /* URL or query name, for the log */
};

/*
 * The measurement window is [measure_ns, end_ns) of intended send times. Open
 * loop, a request intended inside it that could not be sent yet (every
 * connection busy) may still go out until send_until_ns = end + SLO (with no
 * SLO: end); whatever is still unanswered at cutoff_ns (end + SLO; with no
 * SLO, end + timeout + 1 s) is abandoned and counted as outstanding. Past
 * end + SLO, no request of the window can be good any more, so the counts
 * are exact, not a truncation.
 */
struct probe_run {
	const struct probe_config *cfg;
	uint64_t start_ns;	/* the load starts (warmup included) */
	uint64_t measure_ns;	/* start + warmup: requests intended from here on count */
	uint64_t end_ns;	/* stop issuing; UINT64_MAX when bounded by --requests */
	uint64_t send_until_ns; /* open loop: the window's backlog may be sent until then */
	uint64_t cutoff_ns;	/* requests still in flight then are abandoned (outstanding) */
	atomic_bool stop;	/* stop issuing, let requests in flight finish */
	atomic_bool abort;	/* a signal: abandon requests in flight */
	atomic_uint_fast64_t tickets; /* measured requests handed out (--requests) */
	atomic_uint_fast64_t live_requests;
	atomic_uint_fast64_t live_failures;
	struct probe_timeline tl;
	FILE *log;
	pthread_mutex_t log_lock;
};

int probe_stats_init(struct probe_stats *st);
void probe_stats_done(struct probe_stats *st);

/*
 * Open loop: whether a request intended at intended_ns may be sent (takes a
 * ticket when it counts and --requests is set; sets run->stop when they are
 * spent). Closed loop calls it with intended = now.
 */
bool probe_take_ticket(struct probe_run *run, uint64_t intended_ns);
/*
 * true once no new request may be issued at now (closed loop: from end_ns;
 * open loop: from send_until_ns, and never one intended at or after end_ns).
 */
bool probe_stopping(struct probe_run *run, uint64_t now_ns);
/* true once requests in flight are to be abandoned: a signal, or the cutoff passed. */
bool probe_abandoning(struct probe_run *run, uint64_t now_ns);
/* Sets end_ns, send_until_ns and cutoff_ns from start_ns, measure_ns and the config. */
void probe_window_init(struct probe_run *run);
/* Counts a request in flight that the worker abandons (ignored when intended in warmup). */
void probe_outstanding(struct probe_run *run, struct probe_stats *st, uint64_t intended_ns);

/* Records one request (ignored when intended before the measurement start). */
void probe_record(struct probe_run *run, struct probe_stats *st, const struct probe_sample *s);
/* Counts an SQL error code into st (used with probe_record). */
void probe_count_sqlstate(struct probe_stats *st, const char *code);
/* Hands the worker's finished seconds to the run's timeline; call every ~100 ms. */
void probe_stats_tick(struct probe_run *run, struct probe_stats *st, uint64_t now_ns);

int probe_timeline_init(struct probe_timeline *tl);
void probe_timeline_done(struct probe_timeline *tl);
/* Closes every second before sec (the main thread calls it as time passes). */
void probe_timeline_close_before(struct probe_timeline *tl, uint64_t sec);

/* Merges src into dst (counters, histograms, SQL states). */
void probe_stats_merge(struct probe_stats *dst, const struct probe_stats *src);

/* What the run offered the victim, beside what the workers recorded. */
struct probe_window {
	uint64_t measured_ns; /* the measurement window's length (see probe_window_count) */
	uint64_t offered;     /* requests the schedule intended inside the window */
	uint64_t not_sent;    /* of those, never sent (no free connection in time) */
	bool open_loop;
};

/*
 * Fills win for the merged total. Open loop with --duration: offered is the
 * schedule's count of intended send times in [measure, end) (end = when the
 * run was interrupted, if it was); otherwise offered = requests + outstanding.
 * not_sent = offered - requests - outstanding.
 * measured_ns is the window itself, from measure to the earliest of: end, the
 * interruption, the last completion once --requests were all handed out, and
 * finish_ns (every worker gone). Never the join time after the window: the
 * requests still answered after the window's end are those intended inside
 * it, and what stays unanswered is outstanding, so the drain adds no time.
 */
void probe_window_count(const struct probe_run *run, const struct probe_stats *total,
			uint64_t finish_ns, uint64_t interrupted_ns, struct probe_window *win);

/* Writes the "metrics" member (key and object) of the result. */
void probe_metrics_json(struct json_writer *w, const struct probe_run *run,
			const struct probe_stats *total, const struct probe_window *win);

/* ---- workers (http.c, sql.c) and the runner (run.c) ---- */

struct probe_worker {
	struct probe_run *run;
	unsigned idx;
	unsigned nworkers;
	struct probe_stats st;
	pthread_t tid;
	bool started;
	int error; /* 0 or -errno when the worker could not run at all */
	char errmsg[256];
};

struct probe_ops {
	const char *kind;
	const char *engine;
	/* Loads targets, checks them; 0, -EINVAL (bad input, exit 2) or -errno (run failed). */
	int (*prepare)(struct probe_config *cfg);
	unsigned (*nworkers)(const struct probe_config *cfg);
	/* Runs one worker until run->stop and nothing in flight, or run->abort. */
	void (*work)(struct probe_worker *w);
	void (*options_json)(struct json_writer *w, const struct probe_config *cfg);
};

extern const struct probe_ops probe_http_ops;
extern const struct probe_ops probe_sql_ops;

/* Runs the load and prints the result; returns the exit status (0, 1). */
int probe_run(const struct probe_ops *ops, const struct probe_config *cfg);
