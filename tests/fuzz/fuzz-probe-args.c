// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for isolab-probe's option parser (probes/main.c,
 * static there, so this file includes it with its main() renamed): the
 * arguments a scenario's [probe] section turns into "--key value".
 *
 * The input is argv: NUL-separated words; the first byte picks http or
 * sql. Whatever the parser accepts must be a configuration the probe can
 * run: a duration or a request count (not both), a concurrency of at
 * least 1, no option of the other kind, no --url with --urls, --base only
 * with --urls. Everything it allocated goes with probe_config_done().
 */
#include <stdint.h>
#include <stdlib.h>

#define main probe_main
int probe_main(int argc, char **argv);
#include "../../probes/main.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ARGS 64

static void check_config(const struct probe_config *cfg, bool is_sql)
{
	if (!cfg->duration_ns == !cfg->requests || cfg->concurrency < 1)
		abort();
	if (cfg->backoff && cfg->rate > 0)
		abort();
	if (is_sql && (cfg->n_urls || cfg->urls_file || cfg->base || cfg->insecure))
		abort();
	if (!is_sql && (cfg->conninfo || cfg->n_queries || cfg->queries_file))
		abort();
	if (!is_sql && cfg->urls_file && cfg->n_urls)
		abort();
	if (!is_sql && cfg->base && !cfg->urls_file)
		abort();
	for (size_t i = 0; i < cfg->n_urls; i++)
		if (!strstr(cfg->urls[i], "://"))
			abort();
	if (cfg->rate < 0 || (cfg->rate > 0 && cfg->rate < 0.001))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct probe_config cfg = {
		.concurrency = 10,
		.timeout_ns = 25 * NSEC_PER_SEC,
		.ready_fd = -1,
		.engine = "auto",
	};
	char *argv[MAX_ARGS + 2], *copy;
	size_t pos = 1;
	int argc = 1, ret;
	bool is_sql;

	if (size < 1)
		return 0;
	is_sql = data[0] & 1;
	cfg.kind = is_sql ? "sql" : "http";
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv[0] = (char *)cfg.kind;
	while (pos <= size && argc < MAX_ARGS) {
		argv[argc++] = copy + pos;
		pos += strlen(copy + pos) + 1;
	}
	argv[argc] = NULL;
	optind = 0; /* a full getopt reset for every input */
	opterr = 0;
	ret = parse_args(argc, argv, &cfg);
	if (ret != 0 && ret != 1 && ret != 2)
		abort();
	if (ret == 0)
		check_config(&cfg, is_sql);
	probe_config_done(&cfg);
	free(copy);
	return 0;
}
