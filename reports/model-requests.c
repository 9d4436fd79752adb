// SPDX-License-Identifier: MIT
/*
 * Per-request logs (runs/<round>-<phase>/probe-requests.csv, the probe's
 * --log), read only where time-to-protect needs them: the runs of phases
 * that change a setting during the measurement, and the baseline's (its
 * per-interval band). Columns: t_s (intended send time from the start of
 * the measurement), latency_ms (from that time), uncorrected_ms, status,
 * bytes, result ("ok" or a failure), error, target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "model-priv.h"
#include "parse.h"

#define MAX_LOG_BYTES (256u << 20)
#define MAX_ROWS      (8u << 20)

/* The n-th comma-separated field of line (no quotes in the first six), into buf. */
static bool field(const char *line, unsigned n, char *buf, size_t len)
{
	const char *p = line;
	size_t k;

	for (unsigned i = 0; i < n; i++) {
		p = strchr(p, ',');
		if (!p)
			return false;
		p++;
	}
	k = strcspn(p, ",\n");
	if (k >= len)
		return false;
	memcpy(buf, p, k);
	buf[k] = '\0';
	return true;
}

static int parse_row(struct model_requests *q, const char *line)
{
	char t[40], lat[40], res[40];

	if (!field(line, 0, t, sizeof(t)) || !field(line, 1, lat, sizeof(lat)) ||
	    !field(line, 5, res, sizeof(res)))
		return -EINVAL;
	if (parse_double(t, 0, 1e7, &q->t[q->n]) < 0 ||
	    parse_double(lat, 0, MODEL_MAX_MS, &q->lat[q->n]) < 0)
		return -EINVAL;
	q->ok[q->n++] = !strcmp(res, "ok");
	return 0;
}

static int grow(struct model_requests *q, size_t *cap)
{
	size_t c = *cap ? *cap * 2 : 4096;
	double *t, *lat;
	unsigned char *ok;

	if (c > MAX_ROWS)
		return -E2BIG;
	t = realloc(q->t, c * sizeof(*t));
	if (t)
		q->t = t;
	lat = realloc(q->lat, c * sizeof(*lat));
	if (lat)
		q->lat = lat;
	ok = realloc(q->ok, c * sizeof(*ok));
	if (ok)
		q->ok = ok;
	if (!t || !lat || !ok)
		return -ENOMEM;
	*cap = c;
	return 0;
}

/* 0 (present or absent), -EINVAL with the message, -ENOMEM. */
static int load_one(struct loader *l, struct model_run *run)
{
	char *path = NULL, *text = NULL, *line, *next;
	size_t len, cap = 0, lineno = 1;
	int r;

	if (asprintf(&path, "%s/%s/probe-requests.csv", l->m->dir, run->dir) < 0)
		return -ENOMEM;
	r = file_read_all(path, MAX_LOG_BYTES, &text, &len);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r) {
		r = model_fail(l, "%s: %s", path, strerror(-r));
		goto out;
	}
	run->req.present = true;
	line = strchr(text, '\n'); /* the header */
	for (line = line ? line + 1 : NULL; line && *line; line = next) {
		next = strchr(line, '\n');
		lineno++;
		if (!next)
			break; /* a last line cut short by a crash: not a measurement */
		next++;
		if (run->req.n == cap && (r = grow(&run->req, &cap)) < 0) {
			if (r == -E2BIG)
				r = model_fail(l, "%s: more than %u requests", path, MAX_ROWS);
			goto out;
		}
		if (parse_row(&run->req, line) < 0) {
			r = model_fail(l, "%s:%zu: malformed (expected t_s,latency_ms,...,result)",
				       path, lineno);
			goto out;
		}
	}
out:
	free(text);
	free(path);
	return r;
}

int model_load_requests(struct loader *l)
{
	struct model *m = l->m;
	bool any = false;
	int r = 0;

	for (size_t i = 0; i < m->n_phases && !any; i++)
		any = m->phases[i].n_at > 0;
	if (!any)
		return 0;
	for (size_t i = 0; i < m->n_runs && !r; i++) {
		struct model_run *run = &m->runs[i];

		if (run->dir && (m->phases[run->phase].n_at || run->phase == m->baseline))
			r = load_one(l, run);
	}
	return r;
}

void model_requests_done(struct model_requests *q)
{
	free(q->t);
	free(q->lat);
	free(q->ok);
}
