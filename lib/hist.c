// SPDX-License-Identifier: MIT
/*
 * Log-linear histogram. Bucket b (b >= 0) holds values in
 * [1024 * 2^b, 2048 * 2^b) in 1024 sub-buckets of width 2^b; bucket 0 also
 * holds [0, 1024) at width 1. So a sub-bucket's width is at most 1/1024 of
 * its lowest value: quantiles are within 0.1 %.
 */
#include "hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define SUB_HALF_MAG 10
#define SUB_HALF     (1u << SUB_HALF_MAG) /* 1024 */
#define SUB_COUNT    (2u * SUB_HALF)	  /* 2048 */
#define SUB_MASK     ((uint64_t)SUB_COUNT - 1)
#define BUCKETS	     32 /* 2048 * 2^31 = 2^42 = HIST_MAX_NS */
#define COUNTS_LEN   ((BUCKETS + 1) * SUB_HALF)

struct hist {
	uint64_t total;
	uint64_t clamped;
	uint64_t min, max;
	long double sum, sum_sq;
	uint64_t counts[COUNTS_LEN];
};

struct hist *hist_new(void)
{
	struct hist *h = calloc(1, sizeof(*h));

	if (h)
		h->min = UINT64_MAX;
	return h;
}

void hist_free(struct hist *h)
{
	free(h);
}

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

size_t hist_memsize(void)
{
	return sizeof(struct hist);
}

static unsigned counts_index(uint64_t v)
{
	int pow2ceil = 64 - __builtin_clzll(v | SUB_MASK);
	int bucket = pow2ceil - (SUB_HALF_MAG + 1);
	uint64_t sub = v >> bucket;

	return (unsigned)(((unsigned)(bucket + 1) << SUB_HALF_MAG) + (sub - SUB_HALF));
}

/* lowest value of a counts index, and the width of its range */
static uint64_t index_lowest(unsigned idx, uint64_t *width)
{
	int bucket = (int)(idx >> SUB_HALF_MAG) - 1;
	uint64_t sub = (idx & (SUB_HALF - 1)) + SUB_HALF;

	if (bucket < 0) {
		sub -= SUB_HALF;
		bucket = 0;
	}
	*width = 1ULL << bucket;
	return sub << bucket;
}

void hist_record_n(struct hist *h, uint64_t v, uint64_t count)
{
	if (!count)
		return;
	if (v >= HIST_MAX_NS) {
		v = HIST_MAX_NS - 1;
		h->clamped += count;
	}
	h->counts[counts_index(v)] += count;
	h->total += count;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->sum += (long double)v * count;
	h->sum_sq += (long double)v * v * count;
}

void hist_record(struct hist *h, uint64_t v)
{
	hist_record_n(h, v, 1);
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->total)
		return;
	for (unsigned i = 0; i < COUNTS_LEN; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->clamped += src->clamped;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sum_sq += src->sum_sq;
}

uint64_t hist_count(const struct hist *h)
{
	return h->total;
}

uint64_t hist_clamped(const struct hist *h)
{
	return h->clamped;
}

uint64_t hist_min(const struct hist *h)
{
	return h->total ? h->min : 0;
}

uint64_t hist_max(const struct hist *h)
{
	return h->total ? h->max : 0;
}

double hist_mean(const struct hist *h)
{
	return h->total ? (double)(h->sum / h->total) : 0.0;
}

double hist_stdev(const struct hist *h)
{
	long double mean, var;

	if (!h->total)
		return 0.0;
	mean = h->sum / h->total;
	var = h->sum_sq / h->total - mean * mean;
	return var > 0 ? sqrt((double)var) : 0.0;
}

static uint64_t clamp_minmax(const struct hist *h, uint64_t v)
{
	if (v < h->min)
		return h->min;
	if (v > h->max)
		return h->max;
	return v;
}

uint64_t hist_percentile(const struct hist *h, double pct)
{
	uint64_t target, seen = 0;

	if (!h->total)
		return 0;
	if (!(pct > 0))
		return h->min;
	if (pct >= 100)
		return h->max;
	target = (uint64_t)ceil(pct / 100.0 * (double)h->total);
	if (target < 1)
		target = 1;
	if (target > h->total)
		target = h->total;
	for (unsigned i = 0; i < COUNTS_LEN; i++) {
		seen += h->counts[i];
		if (seen >= target) {
			uint64_t width, lo = index_lowest(i, &width);

			/* the middle of the sub-bucket halves the worst-case error */
			return clamp_minmax(h, lo + width / 2);
		}
	}
	return h->max;
}

int hist_foreach(const struct hist *h, int (*fn)(uint64_t value_ns, uint64_t count, void *arg),
		 void *arg)
{
	for (unsigned i = 0; i < COUNTS_LEN; i++) {
		uint64_t width, lo;
		int r;

		if (!h->counts[i])
			continue;
		lo = index_lowest(i, &width);
		r = fn(clamp_minmax(h, lo + width / 2), h->counts[i], arg);
		if (r)
			return r;
	}
	return 0;
}

static int bucket_to_json(uint64_t value_ns, uint64_t count, void *arg)
{
	struct json_writer *w = arg;

	json_arr_begin(w);
	json_uint(w, value_ns);
	json_uint(w, count);
	json_arr_end(w);
	return 0;
}

void hist_to_json(const struct hist *h, struct json_writer *w)
{
	json_obj_begin(w);
	json_kv_str(w, "unit", "ns");
	json_kv_uint(w, "count", h->total);
	json_kv_uint(w, "min", hist_min(h));
	json_kv_uint(w, "max", hist_max(h));
	json_kv_double(w, "sum", (double)h->sum);
	json_kv_double(w, "sum_sq", (double)h->sum_sq);
	json_kv_uint(w, "clamped", h->clamped);
	json_key(w, "buckets");
	json_arr_begin(w);
	hist_foreach(h, bucket_to_json, w);
	json_arr_end(w);
	json_obj_end(w);
}
