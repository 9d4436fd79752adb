// SPDX-License-Identifier: MIT
/*
 * isolab-probe http: libcurl multi. Each worker thread runs one multi handle
 * with its share of the connections (one easy handle each, reused so the
 * connection is kept alive). Closed loop: a connection sends its next
 * request when the previous one ends. Open loop: requests have intended
 * send times at the given rate; a request waits for a free connection and
 * its latency counts from the intended time.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config.h"
#include "clock.h"
#include "fileio.h"
#include "h1.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "probe.h"

#define URLS_MAX_BYTES (64u << 20)
#define POLL_CAP_MS    100

struct http_conn {
	CURL *easy;
	bool busy;
	uint64_t intended_ns;
	uint64_t sent_ns;
	uint64_t resume_ns; /* --backoff: no request before this */
	unsigned consecutive_failures;
	uint64_t bytes;
	size_t target;
	char errbuf[CURL_ERROR_SIZE];
};

struct http_worker {
	struct probe_worker *w;
	struct probe_run *run;
	const struct probe_config *cfg;
	CURLM *multi;
	struct http_conn *conns;
	unsigned nconns;
	unsigned busy;
	int timer_fd;	 /* wakes the poll exactly at the next intended send time */
	uint64_t next_i; /* open loop: this stream's next request */
	size_t next_target;
};

static size_t discard(char *data, size_t size, size_t nmemb, void *arg)
{
	struct http_conn *c = arg;

	c->bytes += size * nmemb;
	return size * nmemb;
}

static enum probe_fail classify(CURLcode rc, long status)
{
	switch (rc) {
	case CURLE_OK:
		return status >= 200 && status < 400 ? PROBE_OK : PROBE_FAIL_HTTP_STATUS;
	case CURLE_OPERATION_TIMEDOUT:
		return PROBE_FAIL_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
		return PROBE_FAIL_CONNECT;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_READ_ERROR:
		return PROBE_FAIL_READ;
	default:
		return PROBE_FAIL_OTHER;
	}
}

static int conn_setup(struct http_worker *hw, struct http_conn *c)
{
	const struct probe_config *cfg = hw->cfg;
	long timeout_ms = (long)((cfg->timeout_ns + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	CURL *e = curl_easy_init();

	if (!e)
		return -ENOMEM;
	c->easy = e;
	if (curl_easy_setopt(e, CURLOPT_PRIVATE, c) || curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard) ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, c) ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf) ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) ||
	    curl_easy_setopt(e, CURLOPT_USERAGENT, "isolab-probe/" ISOLAB_VERSION) ||
	    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS) ||
	    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L) ||
	    /* no proxy from the environment: it would measure the proxy (and costs a
	       getenv() per request) */
	    curl_easy_setopt(e, CURLOPT_PROXY, "") ||
	    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L) ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L) ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L))
		return -EINVAL;
	return 0;
}

static int conn_send(struct http_worker *hw, struct http_conn *c, uint64_t intended_ns,
		     uint64_t now_ns)
{
	c->target = hw->next_target;
	hw->next_target = (hw->next_target + 1) % hw->cfg->n_urls;
	c->intended_ns = intended_ns;
	c->sent_ns = now_ns;
	c->bytes = 0;
	c->errbuf[0] = '\0';
	if (curl_easy_setopt(c->easy, CURLOPT_URL, hw->cfg->urls[c->target]) != CURLE_OK ||
	    curl_multi_add_handle(hw->multi, c->easy) != CURLM_OK)
		return -ENOMEM;
	c->busy = true;
	hw->busy++;
	return 0;
}

static struct http_conn *idle_conn(struct http_worker *hw, uint64_t now_ns)
{
	if (hw->busy == hw->nconns)
		return NULL;
	for (unsigned i = 0; i < hw->nconns; i++) {
		struct http_conn *c = &hw->conns[i];

		if (!c->busy && c->resume_ns <= now_ns)
			return c;
	}
	return NULL;
}

/* Sends whatever is due; returns when the next thing is due (UINT64_MAX: nothing). */
static uint64_t issue(struct http_worker *hw, uint64_t now_ns)
{
	const struct probe_config *cfg = hw->cfg;
	struct probe_run *run = hw->run;
	struct http_conn *c;
	uint64_t next = UINT64_MAX;

	if (probe_stopping(run, now_ns))
		return UINT64_MAX;
	if (cfg->rate > 0) {
		for (;;) {
			uint64_t t = sched_intended_ns(run->start_ns, cfg->rate, hw->w->nworkers,
						       hw->w->idx, hw->next_i);

			if (t > now_ns)
				return t;
			if (t >= run->end_ns) /* the window is over: wake when its backlog is */
				return run->send_until_ns > now_ns ? run->send_until_ns
								   : UINT64_MAX;
			c = idle_conn(hw, now_ns);
			if (!c)
				return UINT64_MAX; /* a completion frees a connection */
			if (!probe_take_ticket(run, t))
				return UINT64_MAX;
			hw->next_i++;
			if (conn_send(hw, c, t, now_ns) < 0)
				return UINT64_MAX;
		}
	}
	for (unsigned i = 0; i < hw->nconns; i++) {
		c = &hw->conns[i];
		if (c->busy)
			continue;
		if (c->resume_ns > now_ns) {
			if (c->resume_ns < next)
				next = c->resume_ns;
			continue;
		}
		if (!probe_take_ticket(run, now_ns) || conn_send(hw, c, now_ns, now_ns) < 0)
			break;
	}
	return next;
}

static void complete(struct http_worker *hw, CURLMsg *msg, uint64_t now_ns)
{
	struct http_conn *c = NULL;
	struct probe_sample s = { 0 };
	curl_off_t total_us = 0;
	long status = 0;

	(void)curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
	(void)curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_getinfo(c->easy, CURLINFO_TOTAL_TIME_T, &total_us);
	curl_multi_remove_handle(hw->multi, c->easy);
	c->busy = false;
	hw->busy--;

	s.intended_ns = c->intended_ns;
	s.sent_ns = c->sent_ns;
	s.raw_ns = total_us > 0 ? (uint64_t)total_us * NSEC_PER_USEC : now_ns - c->sent_ns;
	s.done_ns = c->sent_ns + s.raw_ns;
	s.latency_ns = s.done_ns - c->intended_ns;
	s.status = status;
	s.bytes = c->bytes;
	s.fail = classify(msg->data.result, status);
	if (s.fail != PROBE_OK)
		s.error = c->errbuf[0] ? c->errbuf : curl_easy_strerror(msg->data.result);
	if (s.fail == PROBE_FAIL_HTTP_STATUS)
		s.error = "HTTP status";
	s.target = hw->cfg->urls[c->target];
	probe_record(hw->run, &hw->w->st, &s);

	if (s.fail == PROBE_OK) {
		c->consecutive_failures = 0;
	} else if (hw->cfg->backoff && hw->cfg->rate <= 0) {
		c->consecutive_failures++;
		c->resume_ns = now_ns + sched_backoff_ns(c->consecutive_failures);
	}
}

static int worker_init(struct http_worker *hw, struct probe_worker *w)
{
	const struct probe_config *cfg = w->run->cfg;

	hw->w = w;
	hw->run = w->run;
	hw->cfg = cfg;
	hw->nconns = sched_share(cfg->concurrency, w->nworkers, w->idx);
	hw->next_target = (size_t)w->idx * cfg->n_urls / w->nworkers;
	hw->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (hw->timer_fd < 0)
		return -errno;
	hw->multi = curl_multi_init();
	hw->conns = calloc(hw->nconns, sizeof(*hw->conns));
	if (!hw->multi || !hw->conns)
		return -ENOMEM;
	if (curl_multi_setopt(hw->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)hw->nconns) ||
	    curl_multi_setopt(hw->multi, CURLMOPT_MAXCONNECTS, (long)hw->nconns))
		return -EINVAL;
	for (unsigned i = 0; i < hw->nconns; i++)
		if (conn_setup(hw, &hw->conns[i]) < 0)
			return -ENOMEM;
	return 0;
}

static void worker_done(struct http_worker *hw)
{
	for (unsigned i = 0; hw->conns && i < hw->nconns; i++) {
		if (!hw->conns[i].easy)
			continue;
		if (hw->conns[i].busy) {
			probe_outstanding(hw->run, &hw->w->st, hw->conns[i].intended_ns);
			curl_multi_remove_handle(hw->multi, hw->conns[i].easy);
		}
		curl_easy_cleanup(hw->conns[i].easy);
	}
	free(hw->conns);
	if (hw->timer_fd >= 0)
		close(hw->timer_fd);
	if (hw->multi)
		curl_multi_cleanup(hw->multi);
}

/*
 * Sleeps in curl_multi_poll until curl has work or next is due. Poll's
 * timeout has millisecond steps; a timerfd wakes it on time for open-loop
 * sends (otherwise requests would leave up to 1 ms late, in bursts).
 */
static void wait_next(struct http_worker *hw, uint64_t now, uint64_t next)
{
	struct curl_waitfd extra = { .fd = hw->timer_fd, .events = CURL_WAIT_POLLIN };
	uint64_t expirations;
	unsigned nextra = 0;

	if (next != UINT64_MAX && next > now && next - now < POLL_CAP_MS * NSEC_PER_MSEC) {
		struct itimerspec its = {
			.it_value = { .tv_sec = (time_t)(next / NSEC_PER_SEC),
				      .tv_nsec = (long)(next % NSEC_PER_SEC) },
		};

		if (timerfd_settime(hw->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
			nextra = 1;
	}
	(void)curl_multi_poll(hw->multi, nextra ? &extra : NULL, nextra,
			      nextra ? POLL_CAP_MS : (int)sched_wait_ms(now, next, POLL_CAP_MS),
			      NULL);
	if (nextra && read(hw->timer_fd, &expirations, sizeof(expirations)) < 0)
		expirations = 0;
}

static void http_work(struct probe_worker *w)
{
	struct http_worker hw = { .timer_fd = -1 };
	struct probe_run *run = w->run;
	int ret, running;

	if (run->cfg->native) {
		h1_work(w);
		return;
	}

	ret = worker_init(&hw, w);
	if (ret < 0) {
		w->error = ret;
		snprintf(w->errmsg, sizeof(w->errmsg), "http worker setup failed: %s",
			 strerror(-ret));
		goto out;
	}
	while (!probe_abandoning(run, clock_now_ns())) {
		uint64_t now = clock_now_ns(), next;
		CURLMsg *msg;
		int left;

		next = issue(&hw, now);
		if (hw.busy == 0 && probe_stopping(run, now))
			break;
		if (curl_multi_perform(hw.multi, &running) != CURLM_OK)
			break;
		now = clock_now_ns();
		while ((msg = curl_multi_info_read(hw.multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				complete(&hw, msg, now);
		probe_stats_tick(run, &w->st, now);
		next = issue(&hw, now);
		if (hw.busy == 0 && probe_stopping(run, now))
			break;
		wait_next(&hw, now, next);
	}
out:
	worker_done(&hw);
}

/* --urls http://host/urls: fetch the list (e.g. isolab-victim's GET /urls). */
struct fetch_buf {
	char *data;
	size_t len;
	bool too_big;
};

static size_t fetch_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct fetch_buf *b = arg;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > URLS_MAX_BYTES) {
		b->too_big = true;
		return 0;
	}
	grown = realloc(b->data, b->len + n + 1);
	if (!grown)
		return 0;
	memcpy(grown + b->len, data, n);
	b->data = grown;
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

static int fetch_list(const struct probe_config *cfg, char **out, size_t *len)
{
	struct fetch_buf b = { 0 };
	long status = 0;
	CURLcode rc;
	CURL *e = curl_easy_init();

	if (!e)
		return -ENOMEM;
	curl_easy_setopt(e, CURLOPT_URL, cfg->urls_file);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(cfg->timeout_ns / NSEC_PER_MSEC));
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, cfg->insecure ? 0L : 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, cfg->insecure ? 0L : 2L);
	rc = curl_easy_perform(e);
	(void)curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	if (rc != CURLE_OK || status != 200) {
		log_error("fetching --urls '%s' failed: %s", cfg->urls_file,
			  b.too_big ? "larger than 64 MiB"
			  : rc	    ? curl_easy_strerror(rc)
				    : "HTTP status not 200");
		free(b.data);
		return -EIO;
	}
	*out = b.data ? b.data : strdup("");
	*len = b.len;
	return *out ? 0 : -ENOMEM;
}

/* The origin of url ("http://host:port"), malloc'd. */
static char *origin_of(const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;

	return slash ? strndup(url, (size_t)(slash - url)) : strdup(url);
}

static int http_prepare(struct probe_config *cfg)
{
	char err[256] = "";
	char *text = NULL, *base = NULL;
	size_t len = 0;
	int ret;

	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
		log_error("curl_global_init failed");
		return -EIO;
	}
	if (cfg->urls_file) {
		bool remote = strncmp(cfg->urls_file, "http://", 7) == 0 ||
			      strncmp(cfg->urls_file, "https://", 8) == 0;

		if (remote) {
			ret = fetch_list(cfg, &text, &len);
			if (ret < 0)
				return ret;
			if (!cfg->base) {
				base = origin_of(cfg->urls_file);
				if (!base) {
					free(text);
					return -ENOMEM;
				}
			}
		} else {
			ret = file_read_all(cfg->urls_file, URLS_MAX_BYTES, &text, &len);
			if (ret < 0) {
				log_error("cannot read --urls '%s': %s", cfg->urls_file,
					  strerror(-ret));
				return -EINVAL;
			}
		}
		ret = probe_parse_urls(text, len, cfg->base ? cfg->base : base, &cfg->urls,
				       &cfg->n_urls, err, sizeof(err));
		free(text);
		free(base);
		if (ret < 0) {
			log_error("--urls '%s': %s", cfg->urls_file, err);
			return ret == -ENOMEM ? ret : -EINVAL;
		}
	}
	if (cfg->n_urls == 0) {
		log_error("no URL to fetch: give --url URL or --urls FILE");
		return -EINVAL;
	}
	if (strcmp(cfg->engine, "curl") != 0 && h1_supported(cfg)) {
		ret = h1_prepare(cfg);
		if (ret < 0) {
			log_error("preparing the requests failed: %s", strerror(-ret));
			return ret == -EINVAL ? ret : -EIO;
		}
		cfg->native = true;
	} else if (strcmp(cfg->engine, "native") == 0) {
		log_error("--engine native fetches plain http:// URLs only; use --engine curl");
		return -EINVAL;
	}
	return 0;
}

static unsigned http_nworkers(const struct probe_config *cfg)
{
	unsigned n = cfg->threads;

	if (n == 0) /* the CPUs it may use: a pinned probe gets one thread per CPU it has */
		n = proc_cpus_allowed();
	return n < cfg->concurrency ? n : cfg->concurrency;
}

static void http_options_json(struct json_writer *w, const struct probe_config *cfg)
{
	json_kv_uint(w, "threads", http_nworkers(cfg));
	json_kv_str(w, "urls_file", cfg->urls_file);
	json_kv_uint(w, "urls", cfg->n_urls);
	json_kv_str(w, "first_url", cfg->n_urls ? cfg->urls[0] : NULL);
	json_kv_bool(w, "insecure", cfg->insecure);
	json_kv_str(w, "engine", cfg->engine);
}

const struct probe_ops probe_http_ops = {
	.kind = "http",
	.engine = "libcurl",
	.prepare = http_prepare,
	.nworkers = http_nworkers,
	.work = http_work,
	.options_json = http_options_json,
};
