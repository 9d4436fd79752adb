// SPDX-License-Identifier: MIT
/*
 * isolab-probe sql: PostgreSQL through libpq. One worker thread per
 * connection, asynchronous calls (PQsend*) so that --timeout and a stop
 * are honoured while the server is silent. Every query is prepared once
 * per connection; the first time a query runs on a connection, its
 * preparation is part of that request.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "probe.h"

#define QUERIES_MAX_BYTES (16u << 20)
#define SLICE_MS	  100

struct sql_worker {
	struct probe_worker *w;
	struct probe_run *run;
	const struct probe_config *cfg;
	PGconn *conn;
	bool *prepared;
	size_t next_query;
	uint64_t resume_ns;
	unsigned consecutive_failures;
	char sqlstate[6];
	char error[160];
};

static enum probe_fail classify_sqlstate(const char *code)
{
	if (strcmp(code, "57014") == 0) /* query_canceled: our timeout, statement_timeout */
		return PROBE_FAIL_TIMEOUT;
	if (strncmp(code, "08", 2) == 0) /* connection exception */
		return PROBE_FAIL_CONNECT;
	return PROBE_FAIL_OTHER;
}

static void set_error(struct sql_worker *sw, const char *msg)
{
	size_t n;

	snprintf(sw->error, sizeof(sw->error), "%s", msg ? msg : "");
	n = strlen(sw->error);
	while (n > 0 && (sw->error[n - 1] == '\n' || sw->error[n - 1] == ' '))
		sw->error[--n] = '\0';
	for (char *p = sw->error; *p; p++)
		if (*p == ',' || *p == '\n' || *p == '"')
			*p = ' ';
}

static void disconnect(struct sql_worker *sw)
{
	if (sw->conn)
		PQfinish(sw->conn);
	sw->conn = NULL;
	memset(sw->prepared, 0, sw->cfg->n_queries * sizeof(*sw->prepared));
}

/* Waits until the socket has something for us or the deadline; false on timeout/stop. */
static bool wait_socket(struct sql_worker *sw, short events, uint64_t deadline_ns)
{
	for (;;) {
		uint64_t now = clock_now_ns();
		struct pollfd pfd = { .fd = PQsocket(sw->conn), .events = events };
		int n;

		if (now >= deadline_ns || probe_abandoning(sw->run, now))
			return false;
		probe_stats_tick(sw->run, &sw->w->st, now);
		n = poll(&pfd, 1, (int)sched_wait_ms(now, deadline_ns, SLICE_MS));
		if (n > 0)
			return true;
		if (n < 0 && errno != EINTR)
			return false;
	}
}

/* Connects within the deadline (non-blocking); 0 or -errno with sw->error set. */
static int sql_connect(struct sql_worker *sw, uint64_t deadline_ns)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	sw->conn = PQconnectStart(sw->cfg->conninfo);
	if (!sw->conn) {
		set_error(sw, "out of memory");
		return -ENOMEM;
	}
	if (PQstatus(sw->conn) == CONNECTION_BAD)
		goto out_bad;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED)
			goto out_bad;
		if (!wait_socket(sw, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline_ns)) {
			set_error(sw, "connection timed out");
			disconnect(sw);
			return -ETIMEDOUT;
		}
		st = PQconnectPoll(sw->conn);
	}
	return 0;
out_bad:
	set_error(sw, PQerrorMessage(sw->conn));
	disconnect(sw);
	return -ECONNREFUSED;
}

static void cancel(struct sql_worker *sw)
{
	char buf[256];
	PGcancel *c = PQgetCancel(sw->conn);

	if (c) {
		(void)PQcancel(c, buf, sizeof(buf));
		PQfreeCancel(c);
	}
}

/*
 * Collects the results of the command just sent. Returns PROBE_OK or a
 * failure kind, with sw->sqlstate / sw->error set on failure.
 */
static enum probe_fail collect(struct sql_worker *sw, uint64_t deadline_ns)
{
	enum probe_fail fail = PROBE_OK;
	bool timed_out = false;
	PGresult *res;

	for (;;) {
		while (PQisBusy(sw->conn)) {
			if (!wait_socket(sw, POLLIN, deadline_ns)) {
				if (probe_abandoning(sw->run, clock_now_ns())) {
					/* past the cutoff: the server need not finish it either */
					if (!atomic_load(&sw->run->abort))
						cancel(sw);
					disconnect(sw);
					return PROBE_FAIL_OTHER;
				}
				if (!timed_out) {
					/* cancel, then give the server 1 s to say so */
					timed_out = true;
					cancel(sw);
					deadline_ns = clock_now_ns() + NSEC_PER_SEC;
					continue;
				}
				set_error(sw, "timeout; cancel unanswered");
				disconnect(sw);
				return PROBE_FAIL_TIMEOUT;
			}
			if (!PQconsumeInput(sw->conn)) {
				set_error(sw, PQerrorMessage(sw->conn));
				disconnect(sw);
				return timed_out ? PROBE_FAIL_TIMEOUT : PROBE_FAIL_READ;
			}
		}
		res = PQgetResult(sw->conn);
		if (!res)
			break;
		switch (PQresultStatus(res)) {
		case PGRES_COMMAND_OK:
		case PGRES_TUPLES_OK:
		case PGRES_SINGLE_TUPLE:
		case PGRES_EMPTY_QUERY:
			break;
		default:
			if (fail == PROBE_OK) {
				const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);

				snprintf(sw->sqlstate, sizeof(sw->sqlstate), "%s",
					 code ? code : "?????");
				set_error(sw, PQresultErrorMessage(res));
				fail = code ? classify_sqlstate(code) : PROBE_FAIL_READ;
			}
		}
		PQclear(res);
	}
	if (timed_out)
		return PROBE_FAIL_TIMEOUT;
	if (fail == PROBE_OK && PQstatus(sw->conn) == CONNECTION_BAD) {
		set_error(sw, PQerrorMessage(sw->conn));
		disconnect(sw);
		return PROBE_FAIL_READ;
	}
	return fail;
}

/* One request: (connect,) (prepare,) execute. */
static enum probe_fail roundtrip(struct sql_worker *sw, size_t q, uint64_t deadline_ns)
{
	char name[32];
	enum probe_fail fail;

	sw->sqlstate[0] = '\0';
	sw->error[0] = '\0';
	if (!sw->conn && sql_connect(sw, deadline_ns) < 0)
		return PROBE_FAIL_CONNECT;
	snprintf(name, sizeof(name), "isolab_q%zu", q);
	if (!sw->prepared[q]) {
		if (!PQsendPrepare(sw->conn, name, sw->cfg->queries[q], 0, NULL))
			goto out_send;
		fail = collect(sw, deadline_ns);
		if (fail != PROBE_OK)
			return fail;
		sw->prepared[q] = true;
	}
	if (!PQsendQueryPrepared(sw->conn, name, 0, NULL, NULL, NULL, 0))
		goto out_send;
	return collect(sw, deadline_ns);
out_send:
	set_error(sw, PQerrorMessage(sw->conn));
	disconnect(sw);
	return PROBE_FAIL_READ;
}

static void one_request(struct sql_worker *sw, uint64_t intended_ns)
{
	struct probe_sample s = { 0 };
	size_t q = sw->next_query;
	uint64_t now = clock_now_ns();

	sw->next_query = (q + 1) % sw->cfg->n_queries;
	s.intended_ns = intended_ns;
	s.sent_ns = now;
	s.fail = roundtrip(sw, q, now + sw->cfg->timeout_ns);
	if (s.fail != PROBE_OK && probe_abandoning(sw->run, clock_now_ns())) {
		/* given up unanswered (a signal, or the cutoff): outstanding, never good */
		probe_outstanding(sw->run, &sw->w->st, intended_ns);
		return;
	}
	s.done_ns = clock_now_ns();
	s.raw_ns = s.done_ns - s.sent_ns;
	s.latency_ns = s.done_ns - intended_ns;
	s.target = sw->cfg->queries[q];
	if (s.fail != PROBE_OK) {
		s.error = sw->sqlstate[0] ? sw->sqlstate : sw->error;
		if (sw->sqlstate[0] && intended_ns >= sw->run->measure_ns)
			probe_count_sqlstate(&sw->w->st, sw->sqlstate);
	}
	probe_record(sw->run, &sw->w->st, &s);
	if (s.fail == PROBE_OK) {
		sw->consecutive_failures = 0;
	} else if (sw->cfg->rate <= 0) {
		sw->consecutive_failures++;
		if (sw->cfg->backoff)
			sw->resume_ns = s.done_ns + sched_backoff_ns(sw->consecutive_failures);
		else if (!sw->conn)
			/* no server: don't spin on refused connections faster than 1000/s */
			sw->resume_ns = s.done_ns + NSEC_PER_MSEC;
	}
}

/* Sleeps until t in slices, false when stopped meanwhile. */
static bool wait_until(struct sql_worker *sw, uint64_t t)
{
	for (;;) {
		uint64_t now = clock_now_ns();

		if (atomic_load(&sw->run->abort) || probe_stopping(sw->run, now))
			return false;
		if (now >= t)
			return true;
		probe_stats_tick(sw->run, &sw->w->st, now);
		(void)clock_sleep(t - now < SLICE_MS * NSEC_PER_MSEC ? t - now
								     : SLICE_MS * NSEC_PER_MSEC);
	}
}

static void sql_work(struct probe_worker *w)
{
	struct sql_worker sw = { .w = w, .run = w->run, .cfg = w->run->cfg };
	const struct probe_config *cfg = sw.cfg;
	uint64_t i = 0;

	sw.prepared = calloc(cfg->n_queries, sizeof(*sw.prepared));
	if (!sw.prepared) {
		w->error = -ENOMEM;
		snprintf(w->errmsg, sizeof(w->errmsg), "out of memory");
		return;
	}
	sw.next_query = (size_t)w->idx % cfg->n_queries;
	for (;;) {
		uint64_t t;

		if (cfg->rate > 0)
			t = sched_intended_ns(sw.run->start_ns, cfg->rate, w->nworkers, w->idx,
					      i++);
		else
			t = sw.resume_ns;
		if (t >= sw.run->end_ns || !wait_until(&sw, t))
			break;
		if (cfg->rate <= 0)
			t = clock_now_ns();
		if (!probe_take_ticket(sw.run, t))
			break;
		one_request(&sw, t);
	}
	disconnect(&sw);
	free(sw.prepared);
}

static int sql_prepare(struct probe_config *cfg)
{
	char err[256] = "";
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (!cfg->conninfo) {
		log_error("sql needs --conninfo STR");
		return -EINVAL;
	}
	if (cfg->queries_file) {
		ret = file_read_all(cfg->queries_file, QUERIES_MAX_BYTES, &text, &len);
		if (ret < 0) {
			log_error("cannot read --queries '%s': %s", cfg->queries_file,
				  strerror(-ret));
			return -EINVAL;
		}
		ret = probe_parse_queries(text, len, &cfg->queries, &cfg->n_queries, err,
					  sizeof(err));
		free(text);
		if (ret < 0) {
			log_error("--queries '%s': %s", cfg->queries_file, err);
			return ret == -ENOMEM ? ret : -EINVAL;
		}
	}
	if (cfg->n_queries == 0) {
		log_error("no query to run: give --query SQL or --queries FILE");
		return -EINVAL;
	}
	return 0;
}

static unsigned sql_nworkers(const struct probe_config *cfg)
{
	return cfg->concurrency;
}

static void sql_options_json(struct json_writer *w, const struct probe_config *cfg)
{
	json_kv_str(w, "queries_file", cfg->queries_file);
	json_kv_uint(w, "queries", cfg->n_queries);
	json_kv_str(w, "first_query", cfg->n_queries ? cfg->queries[0] : NULL);
}

const struct probe_ops probe_sql_ops = {
	.kind = "sql",
	.engine = "libpq",
	.prepare = sql_prepare,
	.nworkers = sql_nworkers,
	.work = sql_work,
	.options_json = sql_options_json,
};
