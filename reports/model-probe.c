// SPDX-License-Identifier: MIT
/* Tool results: a probe's figures (histogram, latency, timeline) and a bomb's rate. */
#include "model-priv.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hist.h"
#include "parse.h"

#define MAX_BUCKETS 2000000

static int cmp_bucket(const void *a, const void *b)
{
	const struct model_bucket *x = a, *y = b;

	return (x->value_ns > y->value_ns) - (x->value_ns < y->value_ns);
}

static void lat_from_hist(struct model_latency *lat, const struct hist *h);

/* Reads buckets into p (sorted, merged) and the latency figures they give. */
static int load_hist(struct loader *l, const char *path, const json_t *jh, struct model_probe *p)
{
	json_t *b = json_object_get(jh, "buckets");
	struct model_bucket *bk;
	struct hist *h;
	size_t i, n, k = 0;
	double total = 0;

	if (!json_is_array(b))
		return model_fail(l, "%s: metrics.histogram has no buckets array", path);
	n = json_array_size(b);
	if (n > MAX_BUCKETS)
		return model_fail(l, "%s: metrics.histogram has %zu buckets, too many", path, n);
	if (!n)
		return 0;
	bk = calloc(n, sizeof(*bk));
	if (!bk)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(b, i);
		json_t *jv = json_array_get(e, 0), *jc = json_array_get(e, 1);
		double v, c;

		if (!json_is_array(e) || json_array_size(e) != 2 || !json_is_number(jv) ||
		    !json_is_number(jc))
			goto out_bad;
		v = json_number_value(jv);
		c = json_number_value(jc);
		if (!(v >= 0 && v <= (double)HIST_MAX_NS && c >= 0 && c <= MODEL_MAX_COUNT) ||
		    c != floor(c))
			goto out_bad;
		total += c;
		if (total > MODEL_MAX_COUNT)
			goto out_bad;
		if (c > 0)
			bk[k++] = (struct model_bucket){ (uint64_t)v, (uint64_t)c };
	}
	qsort(bk, k, sizeof(*bk), cmp_bucket);
	for (i = 0, n = 0; i < k; i++) {
		if (n && bk[n - 1].value_ns == bk[i].value_ns)
			bk[n - 1].count += bk[i].count;
		else
			bk[n++] = bk[i];
	}
	if (!n) {
		free(bk);
		return 0;
	}
	h = hist_new();
	if (!h) {
		free(bk);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		hist_record_n(h, bk[i].value_ns, bk[i].count);
	lat_from_hist(&p->lat, h);
	hist_free(h);
	p->buckets = bk;
	p->n_buckets = n;
	p->hist_count = (uint64_t)total;
	return 0;

out_bad:
	free(bk);
	return model_fail(l, "%s: metrics.histogram bucket %zu is not [value_ns >= 0, count >= 0]",
			  path, i);
}

static void lat_from_hist(struct model_latency *lat, const struct hist *h)
{
	lat->present = true;
	lat->min = hist_min(h) / 1e6;
	lat->max = hist_max(h) / 1e6;
	lat->mean = hist_mean(h) / 1e6;
	lat->stdev = hist_stdev(h) / 1e6;
	lat->p50 = hist_percentile(h, 50) / 1e6;
	lat->p90 = hist_percentile(h, 90) / 1e6;
	lat->p99 = hist_percentile(h, 99) / 1e6;
	lat->p999 = hist_percentile(h, 99.9) / 1e6;
}

static int load_latency(struct loader *l, const char *path, const json_t *jl,
			struct model_latency *lat)
{
	static const char *const keys[] = { "min", "mean", "stdev", "p50",
					    "p90", "p99",  "p999",  "max" };
	double *fields[] = { &lat->min, &lat->mean, &lat->stdev, &lat->p50,
			     &lat->p90, &lat->p99,  &lat->p999,	 &lat->max };

	if (!json_is_object(jl))
		return 0;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		*fields[i] = model_num_or_nan(jl, keys[i]);
		if (*fields[i] < 0 || *fields[i] > MODEL_MAX_MS)
			return model_fail(l, "%s: metrics.latency_ms.%s = %g is absurd", path,
					  keys[i], *fields[i]);
	}
	lat->present = isfinite(lat->p50) || isfinite(lat->mean);
	return 0;
}

static int load_timeline(struct loader *l, const char *path, const json_t *jt,
			 struct model_probe *p)
{
	size_t n, i;

	if (!json_is_array(jt))
		return 0;
	n = json_array_size(jt);
	if (n > MODEL_MAX_TIMELINE)
		return model_fail(l, "%s: metrics.timeline has %zu entries, too many", path, n);
	if (!n)
		return 0;
	p->timeline = calloc(n, sizeof(*p->timeline));
	if (!p->timeline)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(jt, i);
		struct model_tick *t = &p->timeline[p->n_timeline];

		if (!json_is_object(e))
			return model_fail(l, "%s: metrics.timeline[%zu] is not an object", path, i);
		t->t_s = model_num_or_nan(e, "t_s");
		t->requests = model_num_or_nan(e, "requests");
		t->failures = model_num_or_nan(e, "failures");
		t->p50_ms = model_num_or_nan(e, "p50_ms");
		t->p99_ms = model_num_or_nan(e, "p99_ms");
		if (!isfinite(t->t_s))
			t->t_s = (double)i;
		if (t->t_s < 0 || t->t_s > 1e7 || t->requests < 0 || t->failures < 0 ||
		    t->p50_ms < 0 || t->p99_ms < 0 || t->p99_ms > MODEL_MAX_MS ||
		    t->p50_ms > MODEL_MAX_MS || t->requests > MODEL_MAX_COUNT ||
		    t->failures > MODEL_MAX_COUNT)
			return model_fail(l, "%s: metrics.timeline[%zu] has absurd values", path,
					  i);
		p->n_timeline++;
	}
	return 0;
}

static double options_warmup(const json_t *opts)
{
	const char *s;
	double d;
	uint64_t ns;

	if (model_num(opts, "warmup_s", &d) && d >= 0)
		return d;
	if (model_num(opts, "warmup", &d) && d >= 0)
		return d;
	s = model_str(opts, "warmup");
	if (s && parse_duration(s, 0, 1000000ULL * 1000000000ULL, &ns) == 0)
		return ns / 1e9;
	return NAN;
}

static int check_range(struct loader *l, const char *path, const char *key, double v, double max)
{
	if (isnan(v) || (v >= 0 && v <= max))
		return 0;
	return model_fail(l, "%s: metrics.%s = %g is out of range (0-%g)", path, key, v, max);
}

/* The figures against the SLO (contract of issue 11); all optional. */
static int load_slo(struct loader *l, const char *path, const json_t *met, struct model_probe *p)
{
	const char *mode = model_str(met, "mode");
	bool has_off, has_good, absurd = false;
	double pct = model_num_or_nan(met, "good_pct");
	int r;

	if (mode && strcmp(mode, "open") && strcmp(mode, "closed"))
		return model_fail(l, "%s: metrics.mode '%.32s' is neither open nor closed", path,
				  mode);
	r = model_dup(&p->mode, mode);
	if (r)
		return r;
	p->slo_ms = model_num_or_nan(met, "slo_ms");
	p->rate_rps = model_num_or_nan(met, "rate_rps");
	p->measured_s = model_num_or_nan(met, "measured_s");
	has_off = model_count(met, "offered", &p->offered, &absurd);
	has_good = model_count(met, "good", &p->good, &absurd);
	(void)model_count(met, "outstanding_at_end", &p->outstanding_at_end, &absurd);
	(void)model_count(met, "not_sent", &p->not_sent, &absurd);
	if (absurd)
		return model_fail(l, "%s: metrics has a negative, fractional or huge count", path);
	if (p->good > p->offered || p->outstanding_at_end > p->offered || p->not_sent > p->offered)
		return model_fail(l,
				  "%s: metrics.good/outstanding_at_end/not_sent exceed "
				  "metrics.offered",
				  path);
	r = check_range(l, path, "good_pct", pct, 100);
	if (!r)
		r = check_range(l, path, "slo_ms", p->slo_ms, MODEL_MAX_MS);
	if (!r)
		r = check_range(l, path, "rate_rps", p->rate_rps, MODEL_MAX_COUNT);
	if (!r)
		r = check_range(l, path, "measured_s", p->measured_s, 1e9);
	if (r)
		return r;
	if (has_off && has_good) {
		double want = p->offered ? 100.0 * (double)p->good / (double)p->offered : 0;

		if (isfinite(pct) && fabs(pct - want) > 0.01)
			return model_fail(l,
					  "%s: metrics.good_pct = %g disagrees with good/offered "
					  "(%g)",
					  path, pct, want);
		pct = want;
	}
	p->has_good = isfinite(pct);
	p->good_pct = pct;
	return 0;
}

int model_load_probe(struct loader *l, const char *path, struct model_probe *p)
{
	json_t *root = NULL, *met, *jh;
	bool has_req, has_ok, has_failed, absurd = false;
	int r;

	r = model_load_json(l, path, &root);
	if (r == -ENOENT)
		return 0; /* DNR */
	if (r < 0)
		return r;
	p->present = true;
	r = model_dup(&p->status, model_str(root, "status"));
	if (!r)
		r = model_dup(&p->error, model_str(root, "error"));
	if (r)
		goto out;
	p->started_s = model_parse_time(model_str(root, "started"));
	p->elapsed_s = model_num_or_nan(root, "elapsed_s");
	p->warmup_s = options_warmup(json_object_get(root, "options"));
	if (p->elapsed_s < 0) {
		r = model_fail(l, "%s: elapsed_s is negative", path);
		goto out;
	}
	met = json_object_get(root, "metrics");
	if (!json_is_object(met)) {
		r = 0; /* a tool that failed early: no figures */
		goto out;
	}
	has_req = model_count(met, "requests", &p->requests, &absurd);
	has_ok = model_count(met, "ok", &p->ok, &absurd);
	has_failed = model_count(met, "failed", &p->failed, &absurd);
	if (absurd) {
		r = model_fail(l, "%s: metrics has a negative, fractional or huge count", path);
		goto out;
	}
	jh = json_object_get(met, "histogram");
	if (json_is_object(jh)) {
		r = load_hist(l, path, jh, p);
		if (r)
			goto out;
	}
	if (!has_ok && p->n_buckets)
		p->ok = p->hist_count, has_ok = true;
	if (!has_req)
		p->requests = p->ok + p->failed;
	if (!has_failed && p->requests >= p->ok)
		p->failed = p->requests - p->ok;
	if (p->ok > p->requests || p->failed > p->requests) {
		r = model_fail(l, "%s: metrics.ok/failed exceed metrics.requests", path);
		goto out;
	}
	p->success_pct = p->requests ? 100.0 * p->ok / p->requests : NAN;
	p->throughput_rps = model_num_or_nan(met, "throughput_rps");
	if (p->throughput_rps < 0 || p->throughput_rps > MODEL_MAX_COUNT) {
		r = model_fail(l, "%s: metrics.throughput_rps is absurd", path);
		goto out;
	}
	if (!isfinite(p->throughput_rps) && p->elapsed_s > 0)
		p->throughput_rps = p->requests / p->elapsed_s;
	r = load_slo(l, path, met, p);
	if (r)
		goto out;
	if (!p->n_buckets) /* the histogram's figures win when there is one */
		r = load_latency(l, path, json_object_get(met, "latency_ms"), &p->lat);
	if (r)
		goto out;
	r = load_timeline(l, path, json_object_get(met, "timeline"), p);
out:
	json_decref(root);
	return r;
}

/* The metric that says how hard a bomb loaded its resource. */
static const char *pick_rate_key(const json_t *met)
{
	static const char *const pref[] = {
		"ops_per_s",	     "bogo_ops_per_s", "forks_per_s",	"write_bytes_per_s",
		"read_bytes_per_s",  "bytes_per_s",    "bits_per_s",	"packets_per_s",
		"touch_bytes_per_s", "bytes_resident", "bytes_written", "ops",
	};
	const char *key;
	json_t *v;

	for (size_t i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
		if (json_is_number(json_object_get(met, pref[i])))
			return pref[i];
	json_object_foreach((json_t *)met, key, v)
	{
		size_t n = strlen(key);

		if (json_is_number(v) && n > 6 && !strcmp(key + n - 6, "_per_s"))
			return key;
	}
	return NULL;
}

int model_load_bomb(struct loader *l, const char *path, struct model_bomb_result *b)
{
	json_t *root = NULL, *met;
	const char *key;
	int r;

	r = model_load_json(l, path, &root);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	b->present = true;
	r = model_dup(&b->status, model_str(root, "status"));
	if (r)
		goto out;
	b->started_s = model_parse_time(model_str(root, "started"));
	b->elapsed_s = model_num_or_nan(root, "elapsed_s");
	if (b->elapsed_s < 0) {
		r = model_fail(l, "%s: elapsed_s is negative", path);
		goto out;
	}
	met = json_object_get(root, "metrics");
	key = json_is_object(met) ? pick_rate_key(met) : NULL;
	if (key) {
		r = model_dup(&b->rate_key, key);
		if (r)
			goto out;
		b->rate = model_num_or_nan(met, key);
		if (b->rate < 0) {
			r = model_fail(l, "%s: metrics.%s is negative", path, key);
			goto out;
		}
	}
out:
	json_decref(root);
	return r;
}

void model_probe_done(struct model_probe *p)
{
	free(p->status);
	free(p->error);
	free(p->buckets);
	free(p->timeline);
	free(p->mode);
}
