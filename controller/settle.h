/* SPDX-License-Identifier: MIT */
/*
 * Cooldown that ends when the host has settled, not after a fixed time: the
 * host's CPU idle share, measured over a window, is back within a tolerance
 * of its level at rest (measured before the experiment), bounded by a
 * maximum. The lingering effects of a phase (page cache writeback after the
 * disk bomb, a fork bomb's reaping, softirqs after the network bombs) then
 * stay out of the next phase.
 *
 * The host is not the victim: a victim in its own VM can still be working off
 * requests the probe gave up on (timed out, connection closed) after an
 * overloaded phase, and the next phase would measure that backlog. So after
 * the host, the victim's own CPU use (% of one CPU, the backend's vm_cpu_time)
 * must be back near its level at rest too, bounded by the same maximum.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The host's aggregate CPU time from /proc/stat's "cpu" line, in clock ticks. */
struct cpu_sample {
	uint64_t idle; /* idle + iowait */
	uint64_t total;
};

/* Reads the "cpu" line of path (NULL: /proc/stat); 0 or -errno (-EINVAL: unreadable line). */
int settle_read(const char *path, struct cpu_sample *out);
/* Idle percent between two samples; NAN when no tick passed. */
double settle_idle_pct(const struct cpu_sample *a, const struct cpu_sample *b);

/* How the wait samples, sleeps and stops: the real clock and /proc/stat, or a test's. */
struct settle_ops {
	int (*sample)(void *ctx, struct cpu_sample *out);
	uint64_t (*now)(void *ctx);
	void (*sleep)(void *ctx, uint64_t ns);
	bool (*stop)(void *ctx); /* e.g. a signal: give up at once */
	void *ctx;
};

/* The real ones: /proc/stat, CLOCK_MONOTONIC, and a stop on SIGINT/SIGTERM/SIGHUP. */
extern const struct settle_ops settle_host_ops;

struct settle_cfg {
	double rest_idle_pct; /* the host's idle share at rest */
	double tolerance_pct; /* settled when idle >= rest - tolerance */
	uint64_t window_ns;   /* idle is measured over this span */
	uint64_t max_ns;      /* never wait longer */
};

struct settle_result {
	bool settled; /* false: max_ns passed (or a stop) first */
	uint64_t waited_ns;
	double idle_pct; /* over the last window */
};

/*
 * Measures the idle share for span_ns (the rest level before an experiment).
 * 0 or -errno.
 */
int settle_measure(const struct settle_ops *ops, uint64_t span_ns, double *idle_pct);

/* Waits until settled or max_ns; 0 or -errno (the host's counters could not be read). */
int settle_wait(const struct settle_ops *ops, const struct settle_cfg *cfg,
		struct settle_result *out);

/* The victim VM's CPU time (all its vCPUs/threads) and when it was read. */
struct settle_vm_mark {
	uint64_t cpu_ns;
	uint64_t t_ns;
};

/* How the victim's wait reads its CPU time, sleeps and stops: the backend's, or a test's. */
struct settle_vm_ops {
	int (*mark)(void *ctx, struct settle_vm_mark *out); /* 0 or -errno */
	uint64_t (*now)(void *ctx);
	void (*sleep)(void *ctx, uint64_t ns);
	bool (*stop)(void *ctx);
	void *ctx;
};

struct settle_vm_cfg {
	double rest_cpu_pct;  /* the victim's CPU use at rest, % of one CPU */
	double tolerance_pct; /* settled when its use <= rest + tolerance */
	uint64_t window_ns;   /* its use is measured over at least this span */
	uint64_t max_ns;      /* never wait longer (from the call) */
	uint64_t step_ns;     /* the counter's resolution (xl list: 0.1 s), allowed on top */
};

struct settle_vm_result {
	bool settled;	    /* false: max_ns passed (or a stop) first */
	uint64_t waited_ns; /* from the call */
	double cpu_pct;	    /* the victim's use over the last span, NAN: none measured */
};

/* The victim's CPU use between two marks, % of one CPU; NAN when no time passed. */
double settle_vm_pct(const struct settle_vm_mark *a, const struct settle_vm_mark *b);

/*
 * Waits until the victim's CPU use over at least one window, counted from
 * from (a mark taken before, e.g. when the host's wait began), is within
 * tolerance of its rest level (plus one step of its counter), or max_ns. A victim quiet all along settles
 * at the first mark: no wait beyond the host's. 0 or -errno (a mark failed).
 */
int settle_vm_wait(const struct settle_vm_ops *ops, const struct settle_vm_cfg *cfg,
		   const struct settle_vm_mark *from, struct settle_vm_result *out);
