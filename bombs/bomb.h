/* SPDX-License-Identifier: MIT */
/*
 * isolab-bomb: the kinds are data. Each kind is one const struct bomb_ops
 * (bomb-<kind>.c) listed in bomb_kinds[] (kinds.c). main.c parses the
 * command line into a struct bomb_config, run.c drives a kind through
 * check -> start -> (monitor) -> finish and renders the result.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sig.h"

struct json_writer;
struct bomb_ops;

/* Option ids (getopt_long values). Kinds list the ids they accept. */
enum bomb_opt {
	BOPT_NONE = 0,
	BOPT_HELP = 'h',
	BOPT_VERSION = 'V',
	BOPT_DURATION = 256,
	BOPT_INTENSITY,
	BOPT_ENGINE,
	BOPT_JSON,
	BOPT_QUIET,
	BOPT_READY_FD,
	BOPT_THREADS,
	BOPT_BYTES,
	BOPT_MODE,
	BOPT_MAX_PROCS,
	BOPT_DIR,
	BOPT_SIZE,
	BOPT_BLOCK_SIZE,
	BOPT_DIRECT,
	BOPT_FSYNC,
	BOPT_TO,
	BOPT_LISTEN,
	BOPT_PROTO,
	BOPT_STREAMS,
	BOPT_MSG_SIZE,
};

enum bomb_engine {
	BOMB_ENGINE_NATIVE,
	BOMB_ENGINE_STRESSNG,
};

enum bomb_proto {
	BOMB_PROTO_TCP,
	BOMB_PROTO_UDP,
	BOMB_PROTO_BOTH, /* net-recv only */
};

#define BOMB_HOST_MAX 256

/* Everything the command line says; kinds fill in defaults in ops->check(). */
struct bomb_config {
	const struct bomb_ops *ops;
	uint64_t duration_ns; /* 0: until signalled */
	unsigned intensity;   /* 1..100 */
	enum bomb_engine engine;
	bool json;
	bool quiet;
	int ready_fd; /* -1: none */

	unsigned threads; /* 0: the kind's default */
	uint64_t bytes;	  /* mem; 0: default */
	int mode;	  /* index into ops->modes */
	uint64_t max_procs;
	bool max_procs_set;
	char dir[PATH_MAX];
	uint64_t size; /* disk; 0: default */
	uint64_t block_size;
	bool direct;
	bool fsync;
	char host[BOMB_HOST_MAX];
	uint16_t port;
	bool have_addr;
	enum bomb_proto proto;
	bool proto_set;
	unsigned streams;
	uint64_t msg_size; /* 0: default for the protocol */
};

/* State shared by the monitor (main thread) and a kind's workers. */
struct bomb_ctx {
	const struct bomb_config *cfg;
	int stop;	   /* set with bomb_set_stop(), read with bomb_should_stop() */
	uint64_t start_ns; /* CLOCK_MONOTONIC when the load started */
	uint64_t end_ns;   /* when finish() returned */
	void *priv;	   /* the kind's state, owned by the kind */
	char error[256];   /* why start()/finish() failed */
};

/* Figures parsed from a stress-ng --yaml metrics block ("key: value" lines). */
struct sng_metrics {
	unsigned n;
	struct {
		char key[64];
		double value;
	} kv[64];
};

bool sng_get(const struct sng_metrics *m, const char *key, double *out);

struct bomb_ops {
	const char *name;
	const char *summary;
	const char *help;	   /* the kind's options, for --help */
	const enum bomb_opt *opts; /* accepted kind options, BOPT_NONE-terminated */
	const char *const *modes;  /* values of --mode, NULL-terminated; NULL: no --mode */
	/* Fills defaults, validates; logs one line and returns -EINVAL on bad input. */
	int (*check)(struct bomb_config *cfg);
	/* Starts the load (workers running when it returns); -errno + ctx->error. */
	int (*start)(struct bomb_ctx *ctx);
	/* Optional: true once the load really runs (net-send: connected), for
	 * --ready-fd; without it, the load runs when start() returns. */
	bool (*running)(struct bomb_ctx *ctx);
	/* A short live status ("1.2 Gops/s"), for the progress line. */
	void (*status)(struct bomb_ctx *ctx, char *buf, size_t len);
	/* Stops every worker, reaps, removes files; computes the figures. */
	int (*finish)(struct bomb_ctx *ctx);
	void (*options_json)(const struct bomb_config *cfg, struct json_writer *w);
	void (*metrics_json)(const struct bomb_ctx *ctx, struct json_writer *w);
	/* Frees ctx->priv; safe after a failed start. */
	void (*free)(struct bomb_ctx *ctx);

	/*
	 * --engine stress-ng: the stressor's arguments, one per line, into buf
	 * (the engine adds timeout and metrics options). NULL: unsupported.
	 */
	int (*sng_args)(const struct bomb_config *cfg, char *buf, size_t len);
	void (*sng_metrics_json)(const struct bomb_config *cfg, const struct sng_metrics *m,
				 double elapsed_s, struct json_writer *w);
};

extern const struct bomb_ops bomb_cpu_ops;
extern const struct bomb_ops bomb_mem_ops;
extern const struct bomb_ops bomb_fork_ops;
extern const struct bomb_ops bomb_disk_ops;
extern const struct bomb_ops bomb_net_send_ops;
extern const struct bomb_ops bomb_net_recv_ops;

/* Every kind, NULL-terminated. */
extern const struct bomb_ops *const bomb_kinds[];
const struct bomb_ops *bomb_find(const char *name);

static inline bool bomb_should_stop(const struct bomb_ctx *ctx)
{
	return __atomic_load_n(&ctx->stop, __ATOMIC_RELAXED) != 0 || sig_stop_requested();
}

static inline void bomb_set_stop(struct bomb_ctx *ctx)
{
	__atomic_store_n(&ctx->stop, 1, __ATOMIC_RELAXED);
}

/* Seconds the load has run (end_ns once finished, else now). */
double bomb_elapsed_s(const struct bomb_ctx *ctx);

/* Sets ctx->error (printf-style) and returns err (a negative errno). */
int bomb_fail(struct bomb_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* n zeroed elements of size bytes, 64-byte aligned (per-thread counters); free(). */
void *bomb_zalloc(size_t n, size_t size);

/* CPUs this process may run on (sched_getaffinity), at least 1. */
unsigned bomb_cpus(void);

/* Rate formatting for status lines: "12.3 M" style with SI prefixes. */
char *bomb_fmt_rate(double v, char *buf, size_t len);
