/* SPDX-License-Identifier: MIT */
/*
 * Log-linear latency histogram (HdrHistogram's design, our own code).
 * Values are nanoseconds from 0 to HIST_MAX_NS (~73 minutes); values above
 * are clamped and counted in hist_clamped(). Values below 2048 ns are kept
 * exactly; above, each bucket is 1/1024 of its value's power of two wide,
 * so any reported quantile is within 0.1 % of the true value. The size is
 * fixed (about 270 KiB) whatever the number of values recorded.
 * Not thread-safe: one histogram per thread, then hist_merge().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_MAX_NS (1ULL << 42) /* ~4398 s */

struct hist;
struct json_writer;

/* NULL on allocation failure. Free with hist_free(); hist_free(NULL) is a no-op. */
struct hist *hist_new(void);
void hist_free(struct hist *h);
void hist_reset(struct hist *h);

void hist_record(struct hist *h, uint64_t value_ns);
void hist_record_n(struct hist *h, uint64_t value_ns, uint64_t count);
/* Adds every value of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
uint64_t hist_clamped(const struct hist *h);
uint64_t hist_min(const struct hist *h); /* 0 when empty */
uint64_t hist_max(const struct hist *h); /* 0 when empty */
double hist_mean(const struct hist *h);	 /* exact (from the recorded values), 0 when empty */
double hist_stdev(const struct hist *h); /* population stdev, exact, 0 when empty */
/* pct in [0, 100]; the value at or below which pct % of values lie. 0 when empty. */
uint64_t hist_percentile(const struct hist *h, double pct);

/*
 * Calls fn for every non-empty bucket in increasing order with the bucket's
 * representative value (clamped to [min, max]) and count. Stops and returns
 * fn's value when it is non-zero.
 */
int hist_foreach(const struct hist *h, int (*fn)(uint64_t value_ns, uint64_t count, void *arg),
		 void *arg);

/*
 * Writes {"unit":"ns","count":N,"min":..,"max":..,"sum":..,"sum_sq":..,
 * "buckets":[[value_ns,count],...]} so a reader can rebuild the histogram.
 */
void hist_to_json(const struct hist *h, struct json_writer *w);

/* Size in bytes of one histogram, for memory accounting. */
size_t hist_memsize(void);
