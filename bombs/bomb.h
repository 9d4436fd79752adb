/* SPDX-License-Identifier: MIT */
/*
 * isolab-bomb: the kinds are data. Each kind is one const struct bomb_ops
 * (bomb-<kind>.c) with its own option table (struct bomb_option), listed in
 * bomb_kinds[] (kinds.c, built from lib/bomb-kinds.h). options.c parses the
 * command line over those tables into a struct bomb_config, run.c drives a
 * kind through check -> start -> (monitor) -> finish and renders the result.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bomb-kinds.h"
#include "sig.h"

struct json_writer;
struct bomb_ops;

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
	int mode;	  /* index into the kind's --mode choices */
	uint64_t max_procs;
	bool max_procs_set; /* --max-procs was given */
	char dir[PATH_MAX];
	uint64_t size; /* disk; 0: default */
	uint64_t block_size;
	bool direct;
	bool fsync;
	char host[BOMB_HOST_MAX];
	uint16_t port;
	enum bomb_proto proto;
	unsigned streams;
	uint64_t msg_size; /* 0: default for the protocol */
};

/* How an option's value is read; every number goes through lib/parse.c. */
enum bomb_opt_type {
	BOMB_OPT_FLAG,	   /* no value: sets a bool */
	BOMB_OPT_UINT,	   /* decimal integer in [min, max] */
	BOMB_OPT_SIZE,	   /* parse_size() in [min, max] bytes */
	BOMB_OPT_DURATION, /* parse_duration() in [min, max] ns */
	BOMB_OPT_PERCENT,  /* "50" or "50%" in [min, max] */
	BOMB_OPT_CHOICE,   /* one of choices[]: stores its index (an int or enum) */
	BOMB_OPT_PATH,	   /* a non-empty string that fits the field */
	BOMB_OPT_HOSTPORT, /* parse_hostport(): host into the field, port into off2 */
	BOMB_OPT_FD,	   /* an open file descriptor number */
	BOMB_OPT_ACTION,   /* --help, --version, --list-*: handled by the parser */
};

enum {
	BOMB_OF_REQUIRED = 1 << 0,  /* the kind cannot run without it */
	BOMB_OF_NEED_HOST = 1 << 1, /* HOSTPORT: HOST:PORT, not just PORT */
};

/*
 * One option, declared by its owner: the common options in options.c,
 * each kind's in its own file (ops->options). The generic parser, --help,
 * --list-options and the result's "options" object all come from here.
 */
struct bomb_option {
	const char *name; /* long option, without "--" */
	char short_name;  /* 0: none */
	enum bomb_opt_type type;
	const char *metavar; /* "N", "SIZE"; NULL for flags and choices ("a|b" in --help) */
	const char *help;    /* what it does, for --help */
	const char *unit;    /* of counts, after the range in --help: "threads", "%" */
	uint64_t min, max;   /* numbers: the accepted range */
	const char *zero;    /* non-NULL: 0 is accepted besides [min, max] and means this */
	/*
	 * The default, parsed like a command-line value before the command
	 * line is (so --help cannot show another one). NULL: none, or
	 * computed by the kind's check(), described by def_text.
	 */
	const char *def;
	const char *def_text;
	const char *const *choices; /* CHOICE: the values, NULL-terminated */
	unsigned flags;		    /* BOMB_OF_* */
	size_t off, size;	    /* the field in struct bomb_config */
	size_t off2;		    /* HOSTPORT: the uint16_t port */
	size_t set_off;		    /* non-zero: a bool set when given on the command line */
	const char *json;	    /* key in the result's "options"; NULL: not there */
};

/* off and size of a struct bomb_config field, for struct bomb_option. */
#define BOMB_FIELD(f)                                                                              \
	.off = offsetof(struct bomb_config, f), .size = sizeof(((struct bomb_config *)0)->f)

/* --threads, the same range for every kind: its default as a value or in words. */
#define BOMB_OPT_THREADS(what, default_value, default_text)                                        \
	{                                                                                          \
		.name = "threads", .type = BOMB_OPT_UINT, .metavar = "N", .help = what,            \
		.unit = "threads", .min = 1, .max = 4096, .def = default_value,                    \
		.def_text = default_text, BOMB_FIELD(threads), .json = "threads"                   \
	}

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
	const struct bomb_option *options; /* the kind's own, ending with { 0 } */
	const char *notes; /* after the options in KIND --help: metrics, stress-ng */
	/*
	 * Computes the defaults the table cannot state (from the CPUs, memory,
	 * limits), validates across options; logs one line and returns -EINVAL
	 * on bad input.
	 */
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
	/*
	 * The figures finish() computed, as members of the result's "metrics"
	 * object. w renders JSON or human text (JSON_TEXT): the same calls
	 * give both.
	 */
	void (*metrics_json)(const struct bomb_ctx *ctx, struct json_writer *w);
	/* Frees ctx->priv; safe after a failed start. */
	void (*free)(struct bomb_ctx *ctx);

	/*
	 * --engine stress-ng: the stressor's arguments, one per line, into buf
	 * (the engine adds timeout and metrics options). NULL: unsupported.
	 */
	int (*sng_args)(const struct bomb_config *cfg, char *buf, size_t len);
	/* The stressor takes --intensity itself (cpu: --cpu-load); otherwise the
	 * engine pauses and resumes its processes over the duty cycle. */
	bool sng_own_intensity;
	void (*sng_metrics_json)(const struct bomb_config *cfg, const struct sng_metrics *m,
				 double elapsed_s, struct json_writer *w);
};

/* bomb_cpu_ops, bomb_mem_ops, ...: one per row of lib/bomb-kinds.h. */
#define BOMB_KIND_EXTERN_(id, name) extern const struct bomb_ops bomb_##id##_ops;
BOMB_KIND_LIST(BOMB_KIND_EXTERN_)
#undef BOMB_KIND_EXTERN_

/* Every kind, in lib/bomb-kinds.h order, NULL-terminated. */
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
