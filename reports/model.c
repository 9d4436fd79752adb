// SPDX-License-Identifier: MIT
/* Reading a results directory (docs/results.md) into struct model. */
#include "model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "io-share.h"
#include "model-priv.h"

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

/* "weight web=2048, cap noisy=50" from {"weight":{"web":2048},"cap":{"noisy":50}}. */
static int priority_text(const json_t *pr, char **out)
{
	char buf[512] = "";
	size_t used = 0;
	const char *k, *vm;
	json_t *v, *x;

	if (json_is_string(pr))
		return model_dup(out, json_string_value(pr));
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
	return model_dup(out, used ? buf : "custom");
}

static double vm_weight(const json_t *weights, const char *vm)
{
	double w;

	if (vm && model_num(weights, vm, &w) && w > 0)
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
	const char *name = model_str(jp, "name");
	char where[240];
	json_t *sw;
	int r;

	ph->twin_idx = SIZE_MAX;
	ph->weight_ratio = NAN;
	if (!name || !*name || strlen(name) > 200)
		return model_fail(l, "%s/manifest.json: a phase has no name", m->dir);
	r = model_dup(&ph->name, name);
	if (!r)
		r = model_strv(l, json_object_get(jp, "bombs"), "phase bombs", &ph->bombs,
			       &ph->n_bombs);
	if (!r)
		r = priority_text(json_object_get(jp, "priority"), &ph->priority);
	if (!r)
		r = model_dup(&ph->twin, model_str(jp, "twin"));
	if (!r)
		r = model_dup(&ph->aa_of, model_str(jp, "aa_of"));
	if (r)
		return r;
	sw = json_object_get(jp, "sweep");
	if (json_is_object(sw)) {
		ph->is_sweep = true;
		r = model_dup(&ph->sweep_key, model_str(sw, "key"));
		if (r)
			return r;
		ph->sweep_value = model_num_or_nan(sw, "value");
	}
	/* a swept priority is the phase's priority; a swept intensity or load is not */
	if (ph->is_sweep && !ph->priority && ph->sweep_key &&
	    strncmp(ph->sweep_key, "intensity.", 10) && strcmp(ph->sweep_key, "load")) {
		char buf[256];

		snprintf(buf, sizeof(buf), "%s=%g", ph->sweep_key, ph->sweep_value);
		if (model_dup(&ph->priority, buf))
			return -ENOMEM;
	}
	weight_ratio(m, ph, jp);
	snprintf(where, sizeof(where), "phases['%.200s']", ph->name);
	return model_load_phase_at(l, jp, where, ph);
}

static int add_phase(struct loader *l, const json_t *jp)
{
	struct model *m = l->m;
	struct model_phase *p;

	if (m->n_phases >= MODEL_MAX_PHASES)
		return model_fail(l, "%s/manifest.json: more than %d phases", m->dir,
				  MODEL_MAX_PHASES);
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
		const char *given = model_str(jb, ph->bombs[i]);

		run->n_bombs++;
		b->rate = b->started_s = b->elapsed_s = NAN;
		r = model_dup(&b->name, ph->bombs[i]);
		if (r)
			return r;
		if (given) {
			r = model_join(l, given, &path);
		} else if (json_is_object(jb)) {
			continue; /* listed results only: this bomb did not report */
		} else {
			if (asprintf(&rel, "%s/bomb-%s.json", run->dir, ph->bombs[i]) < 0)
				return -ENOMEM;
			r = model_join(l, rel, &path);
			free(rel);
		}
		if (!r)
			r = model_load_bomb(l, path, b);
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
	const char *pname = model_str(jr, "phase"), *dir = model_str(jr, "dir"), *probe;
	char *path = NULL, *rel = NULL, slugbuf[256];
	double round;
	int r;

	run->probe.started_s = run->probe.elapsed_s = run->probe.warmup_s = NAN;
	run->probe.success_pct = run->probe.throughput_rps = NAN;
	run->probe.good_pct = run->probe.slo_ms = run->probe.rate_rps = NAN;
	run->probe.measured_s = NAN;
	if (!model_num(jr, "round", &round) || round < 1 || round > 100000 || round != floor(round))
		return model_fail(l, "%s/manifest.json: runs[%zu].round is not a round number",
				  m->dir, idx);
	run->round = (unsigned)round;
	run->phase = model_phase_index(m, pname);
	if (run->phase == SIZE_MAX) {
		json_t *jp;

		if (!pname || !*pname)
			return model_fail(l, "%s/manifest.json: runs[%zu] has no phase", m->dir,
					  idx);
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
	r = model_dup(&run->dir, dir);
	if (!r)
		r = model_dup(&run->status, model_str(jr, "status"));
	if (!r)
		r = model_strv(l, json_object_get(jr, "dnr"), "runs[].dnr", &run->dnr, &run->n_dnr);
	if (r)
		goto out;
	probe = model_str(jr, "probe");
	if (json_is_null(json_object_get(jr, "probe"))) {
		r = 0; /* the controller says it did not report: DNR, whatever is on disk */
	} else if (probe) {
		r = model_join(l, probe, &path);
	} else {
		char *p2;

		if (asprintf(&p2, "%s/probe.json", run->dir) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = model_join(l, p2, &path);
		free(p2);
	}
	if (!r && path)
		r = model_load_probe(l, path, &run->probe);
	if (!r)
		r = load_run_bombs(l, jr, run);
	if (!r)
		r = model_load_run_extras(l, jr, idx, run);
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
	json_t *be = json_object_get(root, "backend"), *pr = json_object_get(root, "probe"), *iw;
	json_t *vms = json_object_get(root, "vms"), *bombs = json_object_get(root, "bombs");
	double d;
	size_t i;
	int r = 0;

	r |= model_dup(&m->run_id, model_str(root, "run_id"));
	r |= model_dup(&m->status, model_str(root, "status"));
	r |= model_dup(&m->started, model_str(root, "started"));
	r |= model_dup(&m->ended, model_str(root, "ended"));
	r |= model_dup(&m->scenario_name, model_str(sc, "name"));
	r |= model_dup(&m->hostname, model_str(host, "hostname"));
	r |= model_dup(&m->kernel, model_str(host, "kernel"));
	r |= model_dup(&m->backend, model_str(be, "name"));
	r |= model_dup(&m->scheduler, model_str(be, "scheduler"));
	r |= model_dup(&m->probe_kind, model_str(pr, "kind"));
	r |= model_dup(&m->probe_protection, model_str(root, "probe_protection"));
	iw = json_object_get(json_object_get(be, "details"), "io_weight");
	if (json_is_false(json_object_get(iw, "effective")))
		r |= model_dup(&m->io_weight_note, model_str(iw, "note"));
	else if (json_is_true(json_object_get(iw, "effective")))
		r |= model_dup(&m->io_weight_knob, model_str(iw, "knob"));
	if (r)
		return -ENOMEM;
	m->duration_s = model_num_or_nan(sc, "duration_s");
	m->warmup_s = model_num_or_nan(sc, "warmup_s");
	if (model_num(sc, "rounds", &d)) {
		if (d < 0 || d > 100000 || d != floor(d))
			return model_fail(l, "%s/manifest.json: scenario.rounds = %g is absurd",
					  m->dir, d);
		m->rounds_planned = (unsigned)d;
	}
	if (model_num(host, "cpus", &d) && d >= 0 && d < 1e6)
		m->host_cpus = (unsigned)d;
	for (i = 0; json_is_array(vms) && i < json_array_size(vms); i++) {
		const char *role = model_str(json_array_get(vms, i), "role");

		if (role && !strcmp(role, "victim") && !m->victim_vm)
			if (model_dup(&m->victim_vm, model_str(json_array_get(vms, i), "name")))
				return -ENOMEM;
	}
	if (json_is_array(bombs) && json_array_size(bombs)) {
		size_t n = json_array_size(bombs);

		if (n > MODEL_MAX_BOMBS)
			return model_fail(l, "%s/manifest.json: more than %d bombs", m->dir,
					  MODEL_MAX_BOMBS);
		m->bomb_defs = calloc(n, sizeof(*m->bomb_defs));
		if (!m->bomb_defs)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			json_t *b = json_array_get(bombs, i);
			struct model_bomb_def *bd = &m->bomb_defs[m->n_bomb_defs];

			if (!model_str(b, "name"))
				return model_fail(l, "%s/manifest.json: bombs[%zu] has no name",
						  m->dir, i);
			m->n_bomb_defs++;
			r |= model_dup(&bd->name, model_str(b, "name"));
			r |= model_dup(&bd->vm, model_str(b, "vm"));
			r |= model_dup(&bd->kind, model_str(b, "kind"));
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
		if (m->baseline == SIZE_MAX && !ph->n_bombs && !ph->priority && !ph->aa_of)
			m->baseline = i;
	}
	if (m->baseline == SIZE_MAX)
		return;
	m->phases[m->baseline].is_baseline = true;
	for (size_t i = 0; i < m->n_phases; i++)
		if (i != m->baseline && m->phases[i].aa_of &&
		    !strcmp(m->phases[i].aa_of, m->phases[m->baseline].name) && m->aa == SIZE_MAX)
			m->aa = i;
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
	r = model_load_json(l, path, &root);
	if (r == -ENOENT) {
		snprintf(l->err, l->errlen, "%s: not a results directory (no manifest.json)",
			 m->dir);
		r = -ENOTDIR;
	}
	free(path);
	if (r)
		return r;
	r = load_header(l, root);
	if (!r)
		r = model_load_design(l, root);
	if (r)
		goto out;
	phases = json_object_get(root, "phases");
	if (phases && !json_is_array(phases)) {
		r = model_fail(l, "%s/manifest.json: phases is not an array", m->dir);
		goto out;
	}
	for (i = 0; phases && i < json_array_size(phases); i++) {
		json_t *jp = json_array_get(phases, i);

		if (!json_is_object(jp)) {
			r = model_fail(l, "%s/manifest.json: phases[%zu] is not an object", m->dir,
				       i);
			goto out;
		}
		if (model_phase_index(m, model_str(jp, "name")) != SIZE_MAX) {
			r = model_fail(l, "%s/manifest.json: phase '%.64s' is listed twice", m->dir,
				       model_str(jp, "name"));
			goto out;
		}
		r = add_phase(l, jp);
		if (r)
			goto out;
	}
	runs = json_object_get(root, "runs");
	if (runs && !json_is_array(runs)) {
		r = model_fail(l, "%s/manifest.json: runs is not an array", m->dir);
		goto out;
	}
	n = runs ? json_array_size(runs) : 0;
	if (n > MODEL_MAX_RUNS) {
		r = model_fail(l, "%s/manifest.json: more than %d runs", m->dir, MODEL_MAX_RUNS);
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
			r = model_fail(l, "%s/manifest.json: runs[%zu] is not an object", m->dir,
				       i);
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

/* Warnings about how the verdicts can be read. */
static int check_measure(struct model *m)
{
	size_t lacking = 0;
	int r = 0;

	if (m->precalibration)
		r = model_warn(m, "measured before calibration: verdicts indicative");
	else if (m->cal.status && !strcmp(m->cal.status, "failed"))
		r = model_warn(m, "the calibration failed: verdicts indicative");
	for (size_t i = 0; !m->closed_loop && i < m->n_runs; i++)
		lacking += m->runs[i].probe.present && !m->runs[i].probe.has_good &&
			   m->runs[i].probe.requests;
	if (!r && lacking)
		r = model_warn(m,
			       "%zu open-loop probe result(s) have no good_pct: those runs are "
			       "left out of the comparisons",
			       lacking);
	return r;
}

static int check_partial(struct model *m)
{
	size_t expect = (size_t)m->rounds_planned * m->n_phases;
	bool is_auto = m->design.rounds_mode && !strcmp(m->design.rounds_mode, "auto");
	int r;

	m->partial = (m->status && strcmp(m->status, "complete") != 0) || !m->n_runs;
	if (!m->n_runs)
		return model_warn(m, "no run has finished yet");
	r = check_measure(m);
	if (r)
		return r;
	/* rounds = auto stops when every verdict is decided: fewer rounds are not partial */
	if (m->rounds_planned && m->n_runs < expect && !is_auto) {
		m->partial = true;
		return model_warn(m, "only %zu of %zu planned runs are in the results", m->n_runs,
				  expect);
	}
	if (!m->status)
		return model_warn(m, "manifest.json has no status");
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
	m->baseline = m->aa = SIZE_MAX;
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
	if (!r)
		r = io_share_judge(m);
	if (!r)
		r = model_load_requests(&l);
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

void model_free(struct model *m)
{
	size_t i, j;

	if (!m)
		return;
	for (i = 0; i < m->n_runs; i++) {
		struct model_run *r = &m->runs[i];

		free(r->status);
		free(r->dir);
		model_probe_done(&r->probe);
		model_run_extras_done(r);
		for (j = 0; j < r->n_bombs; j++) {
			free(r->bombs[j].name);
			free(r->bombs[j].status);
			free(r->bombs[j].rate_key);
		}
		free(r->bombs);
		model_free_strv(r->dnr, r->n_dnr);
	}
	free(m->runs);
	for (i = 0; i < m->n_phases; i++) {
		struct model_phase *p = &m->phases[i];

		free(p->name);
		model_free_strv(p->bombs, p->n_bombs);
		free(p->priority);
		free(p->twin);
		free(p->aa_of);
		free(p->sweep_key);
		free(p->io_caveat);
		free(p->io_caveat_why);
		model_phase_at_done(p);
	}
	free(m->phases);
	for (i = 0; i < m->n_bomb_defs; i++) {
		free(m->bomb_defs[i].name);
		free(m->bomb_defs[i].vm);
		free(m->bomb_defs[i].kind);
	}
	free(m->bomb_defs);
	model_free_strv(m->warnings, m->n_warnings);
	model_design_done(m);
	char **strs[] = { &m->dir,	     &m->run_id,	 &m->status,
			  &m->scenario_name, &m->started,	 &m->ended,
			  &m->hostname,	     &m->kernel,	 &m->backend,
			  &m->scheduler,     &m->probe_kind,	 &m->probe_protection,
			  &m->victim_vm,     &m->io_weight_note, &m->io_weight_knob };
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free(*strs[i]);
	free(m);
}
