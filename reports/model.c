// SPDX-License-Identifier: MIT
/* Reading a results directory (docs/results.md) into struct model. */
#include "model.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fileio.h"
#include "hist.h"
#include "parse.h"

#define MAX_COUNT   1e13 /* requests in one round; more is absurd */
#define MAX_MS	    1e10 /* latency in ms (~115 days); more is absurd */
#define MAX_BUCKETS 2000000

struct loader {
	struct model *m;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct loader *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Duplicates s into *out; -ENOMEM on failure. NULL s leaves *out NULL. */
static int set_str(char **out, const char *s)
{
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : -ENOMEM;
}

static const char *get_str(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool get_num(const json_t *o, const char *key, double *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return isfinite(*out);
}

static double num_or_nan(const json_t *o, const char *key)
{
	double d;

	return get_num(o, key, &d) ? d : NAN;
}

double model_parse_time(const char *s)
{
	struct tm tm = { 0 };
	int f[6] = { 0 };
	int widths[6] = { 4, 2, 2, 2, 2, 2 };
	const char seps[6] = { '-', '-', 'T', ':', ':', 0 };
	double frac = 0.0;
	const char *p = s;

	if (!s)
		return NAN;
	for (int i = 0; i < 6; i++) {
		for (int j = 0; j < widths[i]; j++, p++) {
			if (*p < '0' || *p > '9')
				return NAN;
			f[i] = f[i] * 10 + (*p - '0');
		}
		if (seps[i] && *p++ != seps[i] && !(i == 2 && p[-1] == ' '))
			return NAN;
	}
	if (*p == '.') {
		double scale = 0.1;

		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			frac += (*p - '0') * scale;
	}
	if (*p != 'Z' && *p != '\0')
		return NAN;
	if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return NAN;
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	return (double)timegm(&tm) + frac;
}

/* Loads a JSON object from path; -ENOENT when absent, -EINVAL when malformed. */
static int load_json(struct loader *l, const char *path, json_t **out)
{
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	json_t *root;
	int r;

	r = file_read_all(path, MODEL_MAX_JSON_BYTES, &buf, &len);
	if (r == -ENOENT)
		return r;
	if (r == -EFBIG)
		return fail(l, "%s: larger than %u MiB", path, MODEL_MAX_JSON_BYTES >> 20);
	if (r < 0)
		return fail(l, "%s: %s", path, strerror(-r));
	root = json_loadb(buf, len, 0, &jerr); /* duplicate keys: the last wins */
	free(buf);
	if (!root)
		return fail(l, "%s:%d: malformed JSON: %s", path, jerr.line, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return fail(l, "%s: not a JSON object", path);
	}
	*out = root;
	return 0;
}

/* A path inside the results dir: relative, no "..", not empty. */
static int join_safe(struct loader *l, const char *rel, char **out)
{
	const char *p;

	if (!rel || !*rel || rel[0] == '/' || strlen(rel) > 1024)
		return fail(l, "%s/manifest.json: bad path '%.64s'", l->m->dir, rel ? rel : "");
	for (p = rel; (p = strstr(p, "..")); p += 2)
		if ((p == rel || p[-1] == '/') && (p[2] == '/' || p[2] == '\0'))
			return fail(l, "%s/manifest.json: path '%.64s' leaves the run dir",
				    l->m->dir, rel);
	if (asprintf(out, "%s/%s", l->m->dir, rel) < 0)
		return -ENOMEM;
	return 0;
}

static int warn(struct model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int warn(struct model *m, const char *fmt, ...)
{
	char **w;
	char *s;
	va_list ap;
	int n;

	if (m->n_warnings >= 64)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	w = realloc(m->warnings, (m->n_warnings + 1) * sizeof(*w));
	if (!w) {
		free(s);
		return -ENOMEM;
	}
	m->warnings = w;
	m->warnings[m->n_warnings++] = s;
	return 0;
}

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
		return fail(l, "%s: metrics.histogram has no buckets array", path);
	n = json_array_size(b);
	if (n > MAX_BUCKETS)
		return fail(l, "%s: metrics.histogram has %zu buckets, too many", path, n);
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
		if (!(v >= 0 && v <= (double)HIST_MAX_NS && c >= 0 && c <= MAX_COUNT) ||
		    c != floor(c))
			goto out_bad;
		total += c;
		if (total > MAX_COUNT)
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
	return fail(l, "%s: metrics.histogram bucket %zu is not [value_ns >= 0, count >= 0]", path,
		    i);
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
		*fields[i] = num_or_nan(jl, keys[i]);
		if (*fields[i] < 0 || *fields[i] > MAX_MS)
			return fail(l, "%s: metrics.latency_ms.%s = %g is absurd", path, keys[i],
				    *fields[i]);
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
		return fail(l, "%s: metrics.timeline has %zu entries, too many", path, n);
	if (!n)
		return 0;
	p->timeline = calloc(n, sizeof(*p->timeline));
	if (!p->timeline)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(jt, i);
		struct model_tick *t = &p->timeline[p->n_timeline];

		if (!json_is_object(e))
			return fail(l, "%s: metrics.timeline[%zu] is not an object", path, i);
		t->t_s = num_or_nan(e, "t_s");
		t->requests = num_or_nan(e, "requests");
		t->failures = num_or_nan(e, "failures");
		t->p50_ms = num_or_nan(e, "p50_ms");
		t->p99_ms = num_or_nan(e, "p99_ms");
		if (!isfinite(t->t_s))
			t->t_s = (double)i;
		if (t->t_s < 0 || t->t_s > 1e7 || t->requests < 0 || t->failures < 0 ||
		    t->p50_ms < 0 || t->p99_ms < 0 || t->p99_ms > MAX_MS || t->p50_ms > MAX_MS ||
		    t->requests > MAX_COUNT || t->failures > MAX_COUNT)
			return fail(l, "%s: metrics.timeline[%zu] has absurd values", path, i);
		p->n_timeline++;
	}
	return 0;
}

static bool get_count(const json_t *o, const char *key, uint64_t *out, bool *absurd)
{
	double d;

	if (!get_num(o, key, &d))
		return false;
	if (d < 0 || d > MAX_COUNT || d != floor(d)) {
		*absurd = true;
		return false;
	}
	*out = (uint64_t)d;
	return true;
}

static double options_warmup(const json_t *opts)
{
	const char *s;
	double d;
	uint64_t ns;

	if (get_num(opts, "warmup_s", &d) && d >= 0)
		return d;
	if (get_num(opts, "warmup", &d) && d >= 0)
		return d;
	s = get_str(opts, "warmup");
	if (s && parse_duration(s, 0, 1000000ULL * 1000000000ULL, &ns) == 0)
		return ns / 1e9;
	return NAN;
}

static int load_probe(struct loader *l, const char *path, struct model_probe *p)
{
	json_t *root = NULL, *met, *jh;
	bool has_req, has_ok, has_failed, absurd = false;
	int r;

	r = load_json(l, path, &root);
	if (r == -ENOENT)
		return 0; /* DNR */
	if (r < 0)
		return r;
	p->present = true;
	r = set_str(&p->status, get_str(root, "status"));
	if (!r)
		r = set_str(&p->error, get_str(root, "error"));
	if (r)
		goto out;
	p->started_s = model_parse_time(get_str(root, "started"));
	p->elapsed_s = num_or_nan(root, "elapsed_s");
	p->warmup_s = options_warmup(json_object_get(root, "options"));
	if (p->elapsed_s < 0) {
		r = fail(l, "%s: elapsed_s is negative", path);
		goto out;
	}
	met = json_object_get(root, "metrics");
	if (!json_is_object(met)) {
		r = 0; /* a tool that failed early: no figures */
		goto out;
	}
	has_req = get_count(met, "requests", &p->requests, &absurd);
	has_ok = get_count(met, "ok", &p->ok, &absurd);
	has_failed = get_count(met, "failed", &p->failed, &absurd);
	if (absurd) {
		r = fail(l, "%s: metrics has a negative, fractional or huge count", path);
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
		r = fail(l, "%s: metrics.ok/failed exceed metrics.requests", path);
		goto out;
	}
	p->success_pct = p->requests ? 100.0 * p->ok / p->requests : NAN;
	p->throughput_rps = num_or_nan(met, "throughput_rps");
	if (p->throughput_rps < 0 || p->throughput_rps > MAX_COUNT) {
		r = fail(l, "%s: metrics.throughput_rps is absurd", path);
		goto out;
	}
	if (!isfinite(p->throughput_rps) && p->elapsed_s > 0)
		p->throughput_rps = p->requests / p->elapsed_s;
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

static int load_bomb(struct loader *l, const char *path, struct model_bomb_result *b)
{
	json_t *root = NULL, *met;
	const char *key;
	int r;

	r = load_json(l, path, &root);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	b->present = true;
	r = set_str(&b->status, get_str(root, "status"));
	if (r)
		goto out;
	b->started_s = model_parse_time(get_str(root, "started"));
	b->elapsed_s = num_or_nan(root, "elapsed_s");
	if (b->elapsed_s < 0) {
		r = fail(l, "%s: elapsed_s is negative", path);
		goto out;
	}
	met = json_object_get(root, "metrics");
	key = json_is_object(met) ? pick_rate_key(met) : NULL;
	if (key) {
		r = set_str(&b->rate_key, key);
		if (r)
			goto out;
		b->rate = num_or_nan(met, key);
		if (b->rate < 0) {
			r = fail(l, "%s: metrics.%s is negative", path, key);
			goto out;
		}
	}
out:
	json_decref(root);
	return r;
}

static int str_array(struct loader *l, const json_t *a, const char *what, char ***out, size_t *n)
{
	size_t i, cnt;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return fail(l, "%s/manifest.json: %s is not an array", l->m->dir, what);
	cnt = json_array_size(a);
	if (cnt > MODEL_MAX_BOMBS)
		return fail(l, "%s/manifest.json: %s has too many entries", l->m->dir, what);
	if (!cnt)
		return 0;
	*out = calloc(cnt, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (i = 0; i < cnt; i++) {
		json_t *e = json_array_get(a, i);

		if (!json_is_string(e))
			return fail(l, "%s/manifest.json: %s[%zu] is not a string", l->m->dir, what,
				    i);
		(*out)[i] = strdup(json_string_value(e));
		if (!(*out)[i])
			return -ENOMEM;
		(*n)++;
	}
	return 0;
}

/* "weight web=2048, cap noisy=50" from {"weight":{"web":2048},"cap":{"noisy":50}}. */
static int priority_text(const json_t *pr, char **out)
{
	char buf[512] = "";
	size_t used = 0;
	const char *k, *vm;
	json_t *v, *x;

	if (json_is_string(pr))
		return set_str(out, json_string_value(pr));
	if (!json_is_object(pr) || !json_object_size(pr))
		return 0;
	json_object_foreach((json_t *)pr, k, v)
	{
		if (json_is_object(v)) {
			json_object_foreach(v, vm, x)
			{
				if (used < sizeof(buf))
					used += snprintf(buf + used, sizeof(buf) - used,
							 "%s%s %s=%g", used ? ", " : "", k, vm,
							 json_is_number(x) ? json_number_value(x)
									   : 0.0);
			}
		} else if (json_is_number(v) && used < sizeof(buf)) {
			used += snprintf(buf + used, sizeof(buf) - used, "%s%s=%g",
					 used ? ", " : "", k, json_number_value(v));
		}
	}
	return set_str(out, used ? buf : "custom");
}

static double vm_weight(const json_t *weights, const char *vm)
{
	double w;

	if (vm && get_num(weights, vm, &w) && w > 0)
		return w;
	return 256.0; /* Xen's default weight */
}

static const char *bomb_vm(const struct model *m, const char *bomb)
{
	for (size_t i = 0; i < m->n_bomb_defs; i++)
		if (!strcmp(m->bomb_defs[i].name, bomb))
			return m->bomb_defs[i].vm;
	return NULL;
}

static void weight_ratio(struct model *m, struct model_phase *ph, const json_t *jp)
{
	json_t *pr = json_object_get(jp, "priority");
	json_t *w = json_object_get(pr, "weight");
	json_t *tmp = NULL;
	double victim, sum = 0;
	size_t n = 0;

	ph->weight_ratio = NAN;
	if (ph->is_sweep && ph->sweep_key && !strncmp(ph->sweep_key, "weight.", 7)) {
		tmp = json_object();
		if (!tmp)
			return;
		if (json_is_object(w))
			json_object_update(tmp, w);
		json_object_set_new(tmp, ph->sweep_key + 7, json_real(ph->sweep_value));
		w = tmp;
	}
	victim = vm_weight(w, m->victim_vm);
	for (size_t i = 0; i < ph->n_bombs; i++, n++)
		sum += vm_weight(w, bomb_vm(m, ph->bombs[i]));
	if (n && m->victim_vm)
		ph->weight_ratio = victim / (sum / n);
	else if (!n)
		ph->weight_ratio = 1.0;
	json_decref(tmp);
}

static int load_phase(struct loader *l, const json_t *jp, struct model_phase *ph)
{
	struct model *m = l->m;
	const char *name = get_str(jp, "name");
	json_t *sw;
	int r;

	ph->twin_idx = SIZE_MAX;
	ph->weight_ratio = NAN;
	if (!name || !*name || strlen(name) > 200)
		return fail(l, "%s/manifest.json: a phase has no name", m->dir);
	r = set_str(&ph->name, name);
	if (!r)
		r = str_array(l, json_object_get(jp, "bombs"), "phase bombs", &ph->bombs,
			      &ph->n_bombs);
	if (!r)
		r = priority_text(json_object_get(jp, "priority"), &ph->priority);
	if (!r)
		r = set_str(&ph->twin, get_str(jp, "twin"));
	if (r)
		return r;
	sw = json_object_get(jp, "sweep");
	if (json_is_object(sw)) {
		ph->is_sweep = true;
		r = set_str(&ph->sweep_key, get_str(sw, "key"));
		if (r)
			return r;
		ph->sweep_value = num_or_nan(sw, "value");
	}
	if (ph->is_sweep && !ph->priority && ph->sweep_key) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%s=%g", ph->sweep_key, ph->sweep_value);
		if (set_str(&ph->priority, buf))
			return -ENOMEM;
	}
	weight_ratio(m, ph, jp);
	return 0;
}

static int add_phase(struct loader *l, const json_t *jp)
{
	struct model *m = l->m;
	struct model_phase *p;

	if (m->n_phases >= MODEL_MAX_PHASES)
		return fail(l, "%s/manifest.json: more than %d phases", m->dir, MODEL_MAX_PHASES);
	p = realloc(m->phases, (m->n_phases + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	m->phases = p;
	memset(&p[m->n_phases], 0, sizeof(*p));
	m->n_phases++;
	return load_phase(l, jp, &p[m->n_phases - 1]);
}

size_t model_phase_index(const struct model *m, const char *name)
{
	for (size_t i = 0; name && i < m->n_phases; i++)
		if (!strcmp(m->phases[i].name, name))
			return i;
	return SIZE_MAX;
}

static int load_run_bombs(struct loader *l, const json_t *jr, struct model_run *run)
{
	const struct model_phase *ph = &l->m->phases[run->phase];
	json_t *jb = json_object_get(jr, "bombs");
	char *path = NULL, *rel = NULL;
	int r = 0;

	if (!ph->n_bombs)
		return 0;
	run->bombs = calloc(ph->n_bombs, sizeof(*run->bombs));
	if (!run->bombs)
		return -ENOMEM;
	for (size_t i = 0; i < ph->n_bombs; i++) {
		struct model_bomb_result *b = &run->bombs[i];
		const char *given = get_str(jb, ph->bombs[i]);

		run->n_bombs++;
		b->rate = b->started_s = b->elapsed_s = NAN;
		r = set_str(&b->name, ph->bombs[i]);
		if (r)
			return r;
		if (given) {
			r = join_safe(l, given, &path);
		} else if (json_is_object(jb)) {
			continue; /* listed results only: this bomb did not report */
		} else {
			if (asprintf(&rel, "%s/bomb-%s.json", run->dir, ph->bombs[i]) < 0)
				return -ENOMEM;
			r = join_safe(l, rel, &path);
			free(rel);
		}
		if (!r)
			r = load_bomb(l, path, b);
		free(path);
		path = NULL;
		if (r)
			return r;
	}
	return 0;
}

static int slug(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++) {
		char c = name[i];
		bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || strchr("._+-", c);

		out[i] = keep ? c : '_';
	}
	out[i] = '\0';
	return 0;
}

static int load_run(struct loader *l, const json_t *jr, size_t idx)
{
	struct model *m = l->m;
	struct model_run *run = &m->runs[idx];
	const char *pname = get_str(jr, "phase"), *dir = get_str(jr, "dir"), *probe;
	char *path = NULL, *rel = NULL, slugbuf[256];
	double round;
	int r;

	run->probe.started_s = run->probe.elapsed_s = run->probe.warmup_s = NAN;
	run->probe.success_pct = run->probe.throughput_rps = NAN;
	if (!get_num(jr, "round", &round) || round < 1 || round > 100000 || round != floor(round))
		return fail(l, "%s/manifest.json: runs[%zu].round is not a round number", m->dir,
			    idx);
	run->round = (unsigned)round;
	run->phase = model_phase_index(m, pname);
	if (run->phase == SIZE_MAX) {
		json_t *jp;

		if (!pname || !*pname)
			return fail(l, "%s/manifest.json: runs[%zu] has no phase", m->dir, idx);
		jp = json_pack("{s:s}", "name", pname); /* a phase the manifest forgot */
		if (!jp)
			return -ENOMEM;
		r = add_phase(l, jp);
		json_decref(jp);
		if (r)
			return r;
		run->phase = m->n_phases - 1;
	}
	if (!dir) {
		slug(m->phases[run->phase].name, slugbuf, sizeof(slugbuf));
		if (asprintf(&rel, "runs/%u-%s", run->round, slugbuf) < 0)
			return -ENOMEM;
		dir = rel;
	}
	r = set_str(&run->dir, dir);
	if (!r)
		r = set_str(&run->status, get_str(jr, "status"));
	if (!r)
		r = str_array(l, json_object_get(jr, "dnr"), "runs[].dnr", &run->dnr, &run->n_dnr);
	if (r)
		goto out;
	probe = get_str(jr, "probe");
	if (json_is_null(json_object_get(jr, "probe"))) {
		r = 0; /* the controller says it did not report: DNR, whatever is on disk */
	} else if (probe) {
		r = join_safe(l, probe, &path);
	} else {
		char *p2;

		if (asprintf(&p2, "%s/probe.json", run->dir) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = join_safe(l, p2, &path);
		free(p2);
	}
	if (!r && path)
		r = load_probe(l, path, &run->probe);
	if (!r)
		r = load_run_bombs(l, jr, run);
out:
	free(path);
	free(rel);
	return r;
}

static int cmp_runs(const void *a, const void *b)
{
	const struct model_run *x = a, *y = b;

	if (x->round != y->round)
		return x->round < y->round ? -1 : 1;
	return x->phase < y->phase ? -1 : x->phase > y->phase;
}

static int load_header(struct loader *l, const json_t *root)
{
	struct model *m = l->m;
	json_t *sc = json_object_get(root, "scenario"), *host = json_object_get(root, "host");
	json_t *be = json_object_get(root, "backend"), *pr = json_object_get(root, "probe");
	json_t *vms = json_object_get(root, "vms"), *bombs = json_object_get(root, "bombs");
	double d;
	size_t i;
	int r = 0;

	r |= set_str(&m->run_id, get_str(root, "run_id"));
	r |= set_str(&m->status, get_str(root, "status"));
	r |= set_str(&m->started, get_str(root, "started"));
	r |= set_str(&m->ended, get_str(root, "ended"));
	r |= set_str(&m->scenario_name, get_str(sc, "name"));
	r |= set_str(&m->hostname, get_str(host, "hostname"));
	r |= set_str(&m->kernel, get_str(host, "kernel"));
	r |= set_str(&m->backend, get_str(be, "name"));
	r |= set_str(&m->scheduler, get_str(be, "scheduler"));
	r |= set_str(&m->probe_kind, get_str(pr, "kind"));
	r |= set_str(&m->probe_protection, get_str(root, "probe_protection"));
	if (r)
		return -ENOMEM;
	m->duration_s = num_or_nan(sc, "duration_s");
	m->warmup_s = num_or_nan(sc, "warmup_s");
	if (get_num(sc, "rounds", &d)) {
		if (d < 0 || d > 100000 || d != floor(d))
			return fail(l, "%s/manifest.json: scenario.rounds = %g is absurd", m->dir,
				    d);
		m->rounds_planned = (unsigned)d;
	}
	if (get_num(host, "cpus", &d) && d >= 0 && d < 1e6)
		m->host_cpus = (unsigned)d;
	for (i = 0; json_is_array(vms) && i < json_array_size(vms); i++) {
		const char *role = get_str(json_array_get(vms, i), "role");

		if (role && !strcmp(role, "victim") && !m->victim_vm)
			if (set_str(&m->victim_vm, get_str(json_array_get(vms, i), "name")))
				return -ENOMEM;
	}
	if (json_is_array(bombs) && json_array_size(bombs)) {
		size_t n = json_array_size(bombs);

		if (n > MODEL_MAX_BOMBS)
			return fail(l, "%s/manifest.json: more than %d bombs", m->dir,
				    MODEL_MAX_BOMBS);
		m->bomb_defs = calloc(n, sizeof(*m->bomb_defs));
		if (!m->bomb_defs)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			json_t *b = json_array_get(bombs, i);
			struct model_bomb_def *bd = &m->bomb_defs[m->n_bomb_defs];

			if (!get_str(b, "name"))
				return fail(l, "%s/manifest.json: bombs[%zu] has no name", m->dir,
					    i);
			m->n_bomb_defs++;
			r |= set_str(&bd->name, get_str(b, "name"));
			r |= set_str(&bd->vm, get_str(b, "vm"));
			r |= set_str(&bd->kind, get_str(b, "kind"));
			if (r)
				return -ENOMEM;
		}
	}
	return 0;
}

static void link_phases(struct model *m)
{
	m->baseline = model_phase_index(m, "baseline");
	for (size_t i = 0; i < m->n_phases; i++) {
		struct model_phase *ph = &m->phases[i];
		size_t t = model_phase_index(m, ph->twin);

		if (ph->twin && t != i)
			ph->twin_idx = t;
		if (m->baseline == SIZE_MAX && !ph->n_bombs && !ph->priority)
			m->baseline = i;
	}
	if (m->baseline != SIZE_MAX)
		m->phases[m->baseline].is_baseline = true;
}

static int load_manifest(struct loader *l)
{
	struct model *m = l->m;
	json_t *root = NULL, *phases, *runs;
	char *path;
	size_t i, n;
	int r;

	if (asprintf(&path, "%s/manifest.json", m->dir) < 0)
		return -ENOMEM;
	r = load_json(l, path, &root);
	if (r == -ENOENT) {
		snprintf(l->err, l->errlen, "%s: not a results directory (no manifest.json)",
			 m->dir);
		r = -ENOTDIR;
	}
	free(path);
	if (r)
		return r;
	r = load_header(l, root);
	if (r)
		goto out;
	phases = json_object_get(root, "phases");
	if (phases && !json_is_array(phases)) {
		r = fail(l, "%s/manifest.json: phases is not an array", m->dir);
		goto out;
	}
	for (i = 0; phases && i < json_array_size(phases); i++) {
		json_t *jp = json_array_get(phases, i);

		if (!json_is_object(jp)) {
			r = fail(l, "%s/manifest.json: phases[%zu] is not an object", m->dir, i);
			goto out;
		}
		if (model_phase_index(m, get_str(jp, "name")) != SIZE_MAX) {
			r = fail(l, "%s/manifest.json: phase '%.64s' is listed twice", m->dir,
				 get_str(jp, "name"));
			goto out;
		}
		r = add_phase(l, jp);
		if (r)
			goto out;
	}
	runs = json_object_get(root, "runs");
	if (runs && !json_is_array(runs)) {
		r = fail(l, "%s/manifest.json: runs is not an array", m->dir);
		goto out;
	}
	n = runs ? json_array_size(runs) : 0;
	if (n > MODEL_MAX_RUNS) {
		r = fail(l, "%s/manifest.json: more than %d runs", m->dir, MODEL_MAX_RUNS);
		goto out;
	}
	if (n) {
		m->runs = calloc(n, sizeof(*m->runs));
		if (!m->runs) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		json_t *jr = json_array_get(runs, i);

		if (!json_is_object(jr)) {
			r = fail(l, "%s/manifest.json: runs[%zu] is not an object", m->dir, i);
			goto out;
		}
		m->n_runs++;
		r = load_run(l, jr, i);
		if (r)
			goto out;
	}
	if (m->n_runs)
		qsort(m->runs, m->n_runs, sizeof(*m->runs), cmp_runs);
	link_phases(m);
out:
	json_decref(root);
	return r;
}

static int check_partial(struct model *m)
{
	size_t expect = (size_t)m->rounds_planned * m->n_phases;

	m->partial = (m->status && strcmp(m->status, "complete") != 0) || !m->n_runs;
	if (!m->n_runs)
		return warn(m, "no run has finished yet");
	if (m->rounds_planned && m->n_runs < expect) {
		m->partial = true;
		return warn(m, "only %zu of %zu planned runs are in the results", m->n_runs,
			    expect);
	}
	if (!m->status)
		return warn(m, "manifest.json has no status");
	return 0;
}

int model_load(const char *dir, struct model **out, char *err, size_t errlen)
{
	struct loader l = { .err = err, .errlen = errlen };
	struct model *m;
	struct stat st;
	int r;

	if (stat(dir, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return r;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->baseline = SIZE_MAX;
	m->duration_s = m->warmup_s = NAN;
	l.m = m;
	m->dir = strdup(dir);
	if (!m->dir) {
		r = -ENOMEM;
		goto out_free;
	}
	r = load_manifest(&l);
	if (!r)
		r = check_partial(m);
	if (r)
		goto out_free;
	*out = m;
	return 0;

out_free:
	if (r == -ENOMEM)
		snprintf(err, errlen, "%s: out of memory", dir);
	model_free(m);
	return r;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void model_free(struct model *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->n_runs; i++) {
		struct model_run *r = &m->runs[i];

		free(r->status);
		free(r->dir);
		free(r->probe.status);
		free(r->probe.error);
		free(r->probe.buckets);
		free(r->probe.timeline);
		for (j = 0; j < r->n_bombs; j++) {
			free(r->bombs[j].name);
			free(r->bombs[j].status);
			free(r->bombs[j].rate_key);
		}
		free(r->bombs);
		free_strv(r->dnr, r->n_dnr);
	}
	free(m->runs);
	for (i = 0; i < m->n_phases; i++) {
		struct model_phase *p = &m->phases[i];

		free(p->name);
		free_strv(p->bombs, p->n_bombs);
		free(p->priority);
		free(p->twin);
		free(p->sweep_key);
	}
	free(m->phases);
	for (i = 0; i < m->n_bomb_defs; i++) {
		free(m->bomb_defs[i].name);
		free(m->bomb_defs[i].vm);
		free(m->bomb_defs[i].kind);
	}
	free(m->bomb_defs);
	free_strv(m->warnings, m->n_warnings);
	char **strs[] = { &m->dir,	&m->run_id,    &m->status,     &m->scenario_name,
			  &m->started,	&m->ended,     &m->hostname,   &m->kernel,
			  &m->backend,	&m->scheduler, &m->probe_kind, &m->probe_protection,
			  &m->victim_vm };
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	free(m);
}
