// SPDX-License-Identifier: MIT
/* isolab-probe: measures a victim service (http or sql) and prints one result. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "clock.h"
#include "log.h"
#include "h1.h"
#include "optlist.h"
#include "parse.h"
#include "sig.h"
#include "probe.h"

#define MAX_CONCURRENCY 10000
#define MAX_THREADS	256

enum {
	OPT_URLS = 0x100,
	OPT_BASE,
	OPT_THREADS,
	OPT_RATE,
	OPT_WARMUP,
	OPT_TIMEOUT,
	OPT_BACKOFF,
	OPT_LOG,
	OPT_JSON,
	OPT_READY_FD,
	OPT_INSECURE,
	OPT_CONNINFO,
	OPT_QUERY,
	OPT_QUERIES,
	OPT_VERSION,
	OPT_ENGINE,
	OPT_SLO,
};

static const struct option options[] = {
	{ "url", required_argument, NULL, 'u' },
	{ "urls", required_argument, NULL, OPT_URLS },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "conninfo", required_argument, NULL, OPT_CONNINFO },
	{ "query", required_argument, NULL, OPT_QUERY },
	{ "queries", required_argument, NULL, OPT_QUERIES },
	{ "concurrency", required_argument, NULL, 'c' },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "duration", required_argument, NULL, 'd' },
	{ "requests", required_argument, NULL, 'n' },
	{ "warmup", required_argument, NULL, OPT_WARMUP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "slo", required_argument, NULL, OPT_SLO },
	{ "backoff", no_argument, NULL, OPT_BACKOFF },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "quiet", no_argument, NULL, 'q' },
	{ "ready-fd", required_argument, NULL, OPT_READY_FD },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ 0 },
};

static const char usage_text[] =
	"Usage: isolab-probe http (--url URL ... | --urls FILE|URL [--base URL]) [options]\n"
	"       isolab-probe sql --conninfo STR (--query SQL ... | --queries FILE) [options]\n"
	"\n"
	"Measures a service: latency, throughput and failures of its requests.\n"
	"\n"
	"http:\n"
	"  -u, --url URL          fetch URL (repeatable; fetched in turn)\n"
	"      --urls FILE|URL    one URL or path per line ('#' comments); an http(s) URL\n"
	"                         is fetched first (e.g. isolab-victim's /urls)\n"
	"      --base URL         resolve paths of --urls against URL (default: --urls' origin)\n"
	"      --insecure         do not verify TLS certificates\n"
	"      --engine E         auto (default): native HTTP/1.1 client for http:// URLs,\n"
	"                         libcurl for https:// and HTTP/2; native; curl (always)\n"
	"      --threads N        event-loop threads (default: min(CPUs, concurrency))\n"
	"sql (PostgreSQL):\n"
	"      --conninfo STR     libpq connection string or postgresql:// URI\n"
	"      --query SQL        run SQL as a prepared statement (repeatable)\n"
	"      --queries FILE     one statement per line ('#', '--' comments)\n"
	"loop:\n"
	"  -c, --concurrency N    connections (default 10)\n"
	"      --rate R           open loop: R requests/s in total, latency counted from\n"
	"                         each request's intended send time (default: closed loop)\n"
	"      --backoff          closed loop: pause 1 s after a failure, 1 s more after\n"
	"                         each consecutive failure, at most 15 s\n"
	"  -d, --duration T       measure for T (default 10s)\n"
	"  -n, --requests N       measure N requests instead\n"
	"      --warmup T         run T before measuring (default 0)\n"
	"      --timeout T        a request taking longer fails (default 25s)\n"
	"      --slo T            a response is good when it succeeds within T of its\n"
	"                         (intended) send time; reports good_pct of the offered\n"
	"                         requests. Open loop: waits at most T past the window\n"
	"                         for its answers; what is still unanswered counts as\n"
	"                         outstanding_at_end, what never went out as not_sent\n"
	"output:\n"
	"      --log FILE         every request as CSV\n"
	"      --json             print one JSON result on stdout\n"
	"  -q, --quiet            no human text on stderr\n"
	"      --ready-fd FD      write 'isolab-ready' to FD once the load runs\n"
	"  -h, --help             this text\n"
	"      --version          print the version\n"
	"Exit: 0 ok or interrupted, 1 the run failed, 2 bad usage.\n";

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	va_list ap;

	fputs("isolab-probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int number(int ret, const char *opt, const char *val, const char *hint)
{
	if (ret == -ERANGE)
		return bad("%s '%s': out of range (%s)", opt, val, hint);
	if (ret < 0)
		return bad("%s '%s': %s", opt, val, hint);
	return 0;
}

#define NOT_MINE (-1)

/* --url/--urls/--base/--insecure/--engine/--threads and the sql ones; NOT_MINE for others. */
static int target_opt(int c, struct probe_config *cfg)
{
	uint64_t u;
	int ret;

	switch (c) {
	case 'u':
		if (!strstr(optarg, "://"))
			return bad("--url '%s': not an absolute URL", optarg);
		if (probe_list_add(&cfg->urls, &cfg->n_urls, optarg, strlen(optarg)) < 0)
			return bad("--url: out of memory");
		return 0;
	case OPT_URLS:
		cfg->urls_file = optarg;
		return 0;
	case OPT_BASE:
		cfg->base = optarg;
		return 0;
	case OPT_INSECURE:
		cfg->insecure = true;
		return 0;
	case OPT_ENGINE:
		if (strcmp(optarg, "auto") && strcmp(optarg, "native") && strcmp(optarg, "curl"))
			return bad("--engine '%s': use auto, native or curl", optarg);
		cfg->engine = optarg;
		return 0;
	case OPT_THREADS:
		ret = parse_u64(optarg, 1, MAX_THREADS, &u);
		if (ret < 0)
			return number(ret, "--threads", optarg, "1-256");
		cfg->threads = (unsigned)u;
		return 0;
	case OPT_CONNINFO:
		cfg->conninfo = optarg;
		return 0;
	case OPT_QUERY:
		if (!*optarg)
			return bad("--query: empty");
		if (probe_list_add(&cfg->queries, &cfg->n_queries, optarg, strlen(optarg)) < 0)
			return bad("--query: out of memory");
		return 0;
	case OPT_QUERIES:
		cfg->queries_file = optarg;
		return 0;
	}
	return NOT_MINE;
}

/* -c, --rate, -d, -n, --warmup, --timeout, --slo, --backoff; NOT_MINE for others. */
static int loop_opt(int c, struct probe_config *cfg)
{
	uint64_t u;
	int ret = NOT_MINE;

	switch (c) {
	case 'c':
		ret = parse_u64(optarg, 1, MAX_CONCURRENCY, &u);
		if (ret < 0)
			return number(ret, "--concurrency", optarg, "1-10000");
		cfg->concurrency = (unsigned)u;
		return 0;
	case OPT_RATE:
		ret = parse_double(optarg, 0.001, 1e7, &cfg->rate);
		return ret < 0 ? number(ret, "--rate", optarg, "requests/s, 0.001-10000000") : 0;
	case 'd':
		ret = parse_duration(optarg, NSEC_PER_MSEC, 30 * 24 * 3600 * NSEC_PER_SEC,
				     &cfg->duration_ns);
		return ret < 0 ? number(ret, "--duration", optarg, parse_duration_hint()) : 0;
	case 'n':
		ret = parse_u64(optarg, 1, UINT64_MAX / 2, &cfg->requests);
		return ret < 0 ? number(ret, "--requests", optarg, "a positive integer") : 0;
	case OPT_WARMUP:
		ret = parse_duration(optarg, 0, 24 * 3600 * NSEC_PER_SEC, &cfg->warmup_ns);
		return ret < 0 ? number(ret, "--warmup", optarg, parse_duration_hint()) : 0;
	case OPT_TIMEOUT:
		ret = parse_duration(optarg, NSEC_PER_MSEC, 3600 * NSEC_PER_SEC, &cfg->timeout_ns);
		return ret < 0 ? number(ret, "--timeout", optarg, parse_duration_hint()) : 0;
	case OPT_SLO:
		ret = parse_duration(optarg, NSEC_PER_USEC, 3600 * NSEC_PER_SEC, &cfg->slo_ns);
		return ret < 0 ? number(ret, "--slo", optarg,
					"a duration from 1us to 1h, e.g. 20ms")
			       : 0;
	case OPT_BACKOFF:
		cfg->backoff = true;
		return 0;
	}
	return ret;
}

/* --log, --json, -q, --ready-fd; NOT_MINE for others. */
static int output_opt(int c, struct probe_config *cfg)
{
	uint64_t u;
	int ret;

	switch (c) {
	case OPT_LOG:
		cfg->log_path = optarg;
		return 0;
	case OPT_JSON:
		cfg->json = true;
		return 0;
	case 'q':
		cfg->quiet = true;
		return 0;
	case OPT_READY_FD:
		ret = parse_u64(optarg, 0, 1 << 20, &u);
		if (ret < 0)
			return number(ret, "--ready-fd", optarg, "a file descriptor");
		if (fcntl((int)u, F_GETFD) < 0)
			return bad("--ready-fd '%s': not an open descriptor", optarg);
		cfg->ready_fd = (int)u;
		return 0;
	}
	return NOT_MINE;
}

/* An option of the other kind ("--url" with sql): its name, else NULL. */
static const char *wrong_kind(int c, bool is_sql)
{
	bool http_only = c == 'u' || c == OPT_URLS || c == OPT_BASE || c == OPT_INSECURE ||
			 c == OPT_THREADS || c == OPT_ENGINE;
	bool sql_only = c == OPT_CONNINFO || c == OPT_QUERY || c == OPT_QUERIES;

	if (!(is_sql ? http_only : sql_only))
		return NULL;
	for (const struct option *o = options; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* What no single option can check: combinations and defaults. 0 or 2 (printed). */
static int check_args(struct probe_config *cfg, bool is_sql)
{
	if (cfg->duration_ns && cfg->requests)
		return bad("--duration and --requests exclude each other");
	if (!cfg->duration_ns && !cfg->requests)
		cfg->duration_ns = 10 * NSEC_PER_SEC;
	if (cfg->backoff && cfg->rate > 0)
		return bad("--backoff is for the closed loop, not with --rate");
	if (cfg->slo_ns && cfg->slo_ns > cfg->timeout_ns)
		return bad("--slo is longer than --timeout: no request could be good past its "
			   "timeout");
	if (!is_sql && cfg->urls_file && cfg->n_urls)
		return bad("give --url or --urls, not both");
	if (is_sql && cfg->queries_file && cfg->n_queries)
		return bad("give --query or --queries, not both");
	if (!is_sql && cfg->base && !cfg->urls_file)
		return bad("--base needs --urls");
	return 0;
}

/* Parses argv into cfg; 0, 1 (--help/--version printed) or 2 (error printed). */
static int parse_args(int argc, char **argv, struct probe_config *cfg)
{
	bool is_sql = strcmp(cfg->kind, "sql") == 0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "u:c:d:n:qh", options, NULL)) != -1) {
		const char *other = wrong_kind(c, is_sql);

		if (other)
			return bad("--%s is for '%s', not '%s'", other, is_sql ? "http" : "sql",
				   cfg->kind);
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 1;
		}
		if (c == OPT_VERSION) {
			printf("isolab-probe %s\n", ISOLAB_VERSION);
			return 1;
		}
		ret = target_opt(c, cfg);
		if (ret == NOT_MINE)
			ret = loop_opt(c, cfg);
		if (ret == NOT_MINE)
			ret = output_opt(c, cfg);
		if (ret == NOT_MINE)
			return 2; /* getopt printed the reason */
		if (ret)
			return ret;
	}
	if (optind < argc)
		return bad("unexpected argument '%s'", argv[optind]);
	return check_args(cfg, is_sql);
}

int main(int argc, char **argv)
{
	struct probe_config cfg = {
		.concurrency = 10,
		.timeout_ns = 25 * NSEC_PER_SEC,
		.ready_fd = -1,
		.engine = "auto",
	};
	const struct probe_ops *ops;
	int ret;

	log_init("isolab-probe", LOG_LVL_INFO);
	if (optlist_requested(argc, argv, options))
		return 0;
	if (argc < 2) {
		fputs("isolab-probe: missing kind: http or sql (see --help)\n", stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("isolab-probe %s\n", ISOLAB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "http") == 0) {
		ops = &probe_http_ops;
	} else if (strcmp(argv[1], "sql") == 0) {
		ops = &probe_sql_ops;
	} else {
		fprintf(stderr, "isolab-probe: unknown kind '%s': use http or sql\n", argv[1]);
		return 2;
	}
	cfg.kind = ops->kind;
	ret = parse_args(argc - 1, argv + 1, &cfg);
	if (ret) {
		probe_config_done(&cfg);
		return ret == 1 ? 0 : 2;
	}
	if (cfg.quiet)
		log_set_level(LOG_LVL_ERROR);
	if (sig_install_stop() < 0) {
		log_error("cannot install signal handlers");
		probe_config_done(&cfg);
		return 1;
	}
	ret = ops->prepare(&cfg);
	if (ret == 0)
		ret = probe_run(ops, &cfg);
	else
		ret = ret == -EINVAL ? 2 : 1;
	if (ops == &probe_http_ops) {
		h1_cleanup();
		curl_global_cleanup();
	}
	probe_config_done(&cfg);
	return ret;
}
