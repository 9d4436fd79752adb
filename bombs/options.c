// SPDX-License-Identifier: MIT
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bomb.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "parse.h"

#define MAX_DURATION_NS (366ULL * 24 * 3600 * NSEC_PER_SEC)

struct optspec {
	const char *name;
	int has_arg;
	enum bomb_opt id;
	const char *metavar;
	const char *help;
};

/* Common options first, then every kind option; kinds say which they take. */
static const struct optspec optspecs[] = {
	{ "duration", required_argument, BOPT_DURATION, "TIME",
	  "run for TIME (s/m/h/ms; default 60s; 0 = until SIGINT/SIGTERM)" },
	{ "intensity", required_argument, BOPT_INTENSITY, "PCT",
	  "1-100 (default 100): duty cycle over 10 ms periods" },
	{ "engine", required_argument, BOPT_ENGINE, "E",
	  "native (default) or stress-ng (its nearest stressor, same bounds)" },
	{ "json", no_argument, BOPT_JSON, NULL, "print one JSON result on stdout" },
	{ "quiet", no_argument, BOPT_QUIET, NULL, "no human text on stderr" },
	{ "ready-fd", required_argument, BOPT_READY_FD, "FD",
	  "write \"isolab-ready\\n\" to FD once the load runs" },
	{ "help", no_argument, BOPT_HELP, NULL, "this help (KIND --help: the kind's)" },
	{ "version", no_argument, BOPT_VERSION, NULL, "print the version" },
	{ "threads", required_argument, BOPT_THREADS, "N", NULL },
	{ "bytes", required_argument, BOPT_BYTES, "SIZE", NULL },
	{ "mode", required_argument, BOPT_MODE, "MODE", NULL },
	{ "max-procs", required_argument, BOPT_MAX_PROCS, "N", NULL },
	{ "dir", required_argument, BOPT_DIR, "PATH", NULL },
	{ "size", required_argument, BOPT_SIZE, "SIZE", NULL },
	{ "block-size", required_argument, BOPT_BLOCK_SIZE, "SIZE", NULL },
	{ "direct", no_argument, BOPT_DIRECT, NULL, NULL },
	{ "fsync", no_argument, BOPT_FSYNC, NULL, NULL },
	{ "to", required_argument, BOPT_TO, "HOST:PORT", NULL },
	{ "listen", required_argument, BOPT_LISTEN, "[ADDR:]PORT", NULL },
	{ "proto", required_argument, BOPT_PROTO, "P", NULL },
	{ "streams", required_argument, BOPT_STREAMS, "N", NULL },
	{ "msg-size", required_argument, BOPT_MSG_SIZE, "SIZE", NULL },
};

#define N_OPTS (sizeof(optspecs) / sizeof(optspecs[0]))

void bomb_config_init(struct bomb_config *cfg)
{
	*cfg = (struct bomb_config){
		.duration_ns = 60 * NSEC_PER_SEC,
		.intensity = 100,
		.engine = BOMB_ENGINE_NATIVE,
		.ready_fd = -1,
		.dir = "/var/tmp",
		.proto = BOMB_PROTO_TCP,
	};
}

static const struct optspec *spec_of(enum bomb_opt id)
{
	for (size_t i = 0; i < N_OPTS; i++)
		if (optspecs[i].id == id)
			return &optspecs[i];
	return NULL;
}

static bool kind_takes(const struct bomb_ops *ops, enum bomb_opt id)
{
	if (id < BOPT_THREADS)
		return true;
	for (const enum bomb_opt *o = ops->opts; o && *o; o++)
		if (*o == id)
			return true;
	return false;
}

void bomb_usage(FILE *f)
{
	fprintf(f, "usage: isolab-bomb KIND [options]\n\nkinds:\n");
	for (const struct bomb_ops *const *k = bomb_kinds; *k; k++)
		fprintf(f, "  %-9s %s\n", (*k)->name, (*k)->summary);
	fprintf(f, "\ncommon options:\n");
	for (size_t i = 0; i < N_OPTS && optspecs[i].help; i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", optspecs[i].name,
			 optspecs[i].metavar ? " " : "",
			 optspecs[i].metavar ? optspecs[i].metavar : "");
		fprintf(f, "  %-22s %s\n", left, optspecs[i].help);
	}
	fprintf(f,
		"\nisolab-bomb KIND --help lists the kind's own options. Sizes take K/M/G "
		"(binary), times s/m/h/ms.\nExit: 0 ok or interrupted, 1 failed, 2 bad usage.\n");
}

static void kind_usage(FILE *f, const struct bomb_ops *ops)
{
	fprintf(f, "usage: isolab-bomb %s [common options] [%s options]\n%s\n\n%s options:\n%s",
		ops->name, ops->name, ops->summary, ops->name, ops->help);
	fprintf(f, "\nisolab-bomb --help lists the common options.\n");
}

static int bad(const char *opt, const char *arg, const char *why)
{
	log_error("--%s '%s': %s", opt, arg, why);
	return -EINVAL;
}

static int num_err(int r, const char *opt, const char *arg, const char *range)
{
	char why[160];

	if (r == -ERANGE)
		snprintf(why, sizeof(why), "out of range (%s)", range);
	else
		snprintf(why, sizeof(why), "not a number (%s)", range);
	return bad(opt, arg, why);
}

static int size_opt(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	int r = parse_size(arg, min, max, out);
	char why[160], a[32], b[32];

	if (!r)
		return 0;
	if (r == -ERANGE)
		snprintf(why, sizeof(why), "out of range (%s to %s)", fmt_size(min, a, sizeof(a)),
			 fmt_size(max, b, sizeof(b)));
	else
		snprintf(why, sizeof(why), "%s", parse_size_hint());
	return bad(opt, arg, why);
}

static int apply(struct bomb_config *cfg, enum bomb_opt id, const char *arg)
{
	const char *name = spec_of(id)->name;
	uint64_t v;
	int r;

	switch (id) {
	case BOPT_DURATION:
		r = parse_duration(arg, 0, MAX_DURATION_NS, &cfg->duration_ns);
		if (r == -ERANGE)
			return bad(name, arg, "out of range (0 to 366 days)");
		if (r)
			return bad(name, arg, parse_duration_hint());
		return 0;
	case BOPT_INTENSITY: {
		char buf[16];
		size_t n = strlen(arg);

		/* "50" and "50%" both mean fifty percent. */
		if (n && n < sizeof(buf) && arg[n - 1] == '%') {
			memcpy(buf, arg, n - 1);
			buf[n - 1] = '\0';
		} else {
			snprintf(buf, sizeof(buf), "%s", n < sizeof(buf) ? arg : "x");
		}
		r = parse_u64(buf, 1, 100, &v);
		if (r)
			return num_err(r, name, arg, "1-100");
		cfg->intensity = (unsigned)v;
		return 0;
	}
	case BOPT_ENGINE:
		if (!strcmp(arg, "native"))
			cfg->engine = BOMB_ENGINE_NATIVE;
		else if (!strcmp(arg, "stress-ng"))
			cfg->engine = BOMB_ENGINE_STRESSNG;
		else
			return bad(name, arg, "unknown engine (native, stress-ng)");
		return 0;
	case BOPT_JSON:
		cfg->json = true;
		return 0;
	case BOPT_QUIET:
		cfg->quiet = true;
		return 0;
	case BOPT_READY_FD:
		r = parse_u64(arg, 0, INT32_MAX, &v);
		if (r)
			return num_err(r, name, arg, "a file descriptor number");
		if (fcntl((int)v, F_GETFD) < 0)
			return bad(name, arg, "not an open file descriptor");
		cfg->ready_fd = (int)v;
		return 0;
	case BOPT_THREADS:
		r = parse_u64(arg, 1, 4096, &v);
		if (r)
			return num_err(r, name, arg, "1-4096");
		cfg->threads = (unsigned)v;
		return 0;
	case BOPT_BYTES:
		return size_opt(name, arg, 4096, 1ULL << 50, &cfg->bytes);
	case BOPT_MODE: {
		char why[128] = "not one of";

		for (int i = 0; cfg->ops->modes[i]; i++) {
			if (!strcmp(arg, cfg->ops->modes[i])) {
				cfg->mode = i;
				return 0;
			}
			snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s %s",
				 i ? "," : "", cfg->ops->modes[i]);
		}
		return bad(name, arg, why);
	}
	case BOPT_MAX_PROCS:
		r = parse_u64(arg, 0, 4194304, &v);
		if (r)
			return num_err(r, name, arg, "0 = unbounded, or 2-4194304");
		if (v == 1)
			return bad(name, arg, "out of range (0 = unbounded, or 2-4194304)");
		cfg->max_procs = v;
		cfg->max_procs_set = true;
		return 0;
	case BOPT_DIR:
		if (!*arg || strlen(arg) >= sizeof(cfg->dir))
			return bad(name, arg, "empty or too long");
		snprintf(cfg->dir, sizeof(cfg->dir), "%s", arg);
		return 0;
	case BOPT_SIZE:
		return size_opt(name, arg, 4096, 1ULL << 50, &cfg->size);
	case BOPT_BLOCK_SIZE:
		return size_opt(name, arg, 512, 64ULL << 20, &cfg->block_size);
	case BOPT_DIRECT:
		cfg->direct = true;
		return 0;
	case BOPT_FSYNC:
		cfg->fsync = true;
		return 0;
	case BOPT_TO:
	case BOPT_LISTEN:
		r = parse_hostport(arg, id == BOPT_TO, false, cfg->host, sizeof(cfg->host),
				   &cfg->port);
		if (r)
			return bad(name, arg,
				   id == BOPT_TO ? "not HOST:PORT (port 1-65535)"
						 : "not [ADDR:]PORT (port 1-65535)");
		cfg->have_addr = true;
		return 0;
	case BOPT_PROTO:
		if (!strcmp(arg, "tcp"))
			cfg->proto = BOMB_PROTO_TCP;
		else if (!strcmp(arg, "udp"))
			cfg->proto = BOMB_PROTO_UDP;
		else if (!strcmp(arg, "both") && cfg->ops == &bomb_net_recv_ops)
			cfg->proto = BOMB_PROTO_BOTH;
		else
			return bad(name, arg,
				   cfg->ops == &bomb_net_recv_ops ? "not tcp, udp or both"
								  : "not tcp or udp");
		cfg->proto_set = true;
		return 0;
	case BOPT_STREAMS:
		r = parse_u64(arg, 1, 1024, &v);
		if (r)
			return num_err(r, name, arg, "1-1024");
		cfg->streams = (unsigned)v;
		return 0;
	case BOPT_MSG_SIZE:
		return size_opt(name, arg, 1, 16ULL << 20, &cfg->msg_size);
	default:
		return -EINVAL;
	}
}

int bomb_parse_args(int argc, char **argv, struct bomb_config *cfg)
{
	struct option longopts[N_OPTS + 1];
	struct {
		enum bomb_opt id;
		const char *arg;
	} * seen;
	size_t nseen = 0;
	const char *kind = NULL;
	bool help = false;
	int r = -EINVAL, c;

	for (size_t i = 0; i < N_OPTS; i++)
		longopts[i] = (struct option){ optspecs[i].name, optspecs[i].has_arg, NULL,
					       optspecs[i].id };
	longopts[N_OPTS] = (struct option){ 0 };

	seen = calloc((size_t)argc + 1, sizeof(*seen));
	if (!seen) {
		log_error("out of memory");
		return -ENOMEM;
	}
	optind = 0; /* full re-initialisation, so tests can parse again */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", longopts, NULL)) != -1 || optind < argc) {
		if (c == -1) {
			/* a non-option: the kind (once), then options may follow */
			if (kind) {
				log_error("unexpected argument '%s'", argv[optind]);
				goto out;
			}
			kind = argv[optind++];
			continue;
		}
		if (c == '?' || c == ':') {
			const char *o = argv[optind - 1];

			if (c == ':' || (optopt && spec_of(optopt) && spec_of(optopt)->has_arg))
				log_error("option '%s' needs a value", o);
			else
				log_error("unknown option '%s'", o);
			goto out;
		}
		if (c == BOPT_VERSION) {
			printf("isolab-bomb %s\n", ISOLAB_VERSION);
			r = BOMB_ARGS_EXIT;
			goto out;
		}
		if (c == BOPT_HELP) {
			help = true;
			continue;
		}
		seen[nseen].id = (enum bomb_opt)c;
		seen[nseen].arg = optarg;
		nseen++;
	}

	if (!kind) {
		if (help) {
			bomb_usage(stdout);
			r = BOMB_ARGS_EXIT;
			goto out;
		}
		log_error("no KIND given (cpu, mem, fork, disk, net-send, net-recv; see --help)");
		goto out;
	}
	cfg->ops = bomb_find(kind);
	if (!cfg->ops) {
		log_error("unknown kind '%s' (cpu, mem, fork, disk, net-send, net-recv)", kind);
		goto out;
	}
	if (help) {
		kind_usage(stdout, cfg->ops);
		r = BOMB_ARGS_EXIT;
		goto out;
	}
	for (size_t i = 0; i < nseen; i++) {
		if (!kind_takes(cfg->ops, seen[i].id)) {
			log_error("option '--%s' does not apply to kind %s",
				  spec_of(seen[i].id)->name, cfg->ops->name);
			goto out;
		}
		if (apply(cfg, seen[i].id, seen[i].arg ? seen[i].arg : ""))
			goto out;
	}
	if (cfg->json && cfg->ready_fd == 1) {
		log_error(
			"--ready-fd 1: stdout carries the --json result; use 2 (stderr) or a pipe");
		goto out;
	}
	r = cfg->ops->check(cfg);
	if (r)
		r = -EINVAL;
out:
	free(seen);
	return r;
}
