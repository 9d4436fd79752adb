// SPDX-License-Identifier: MIT
/* Calibration, load, rounds until decided, settling, and each run's mechanism and validity. */
#include "run-verdict.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "mechanism.h"
#include "parse.h"
#include "progress.h"
#include "report.h"
#include "run.h"
#include "scenario.h"
#include "settle.h"
#include "sig.h"

#define REST_NS		    NSEC_PER_SEC /* the host's idle share at rest: at most this long */
#define SETTLE_TOLERANCE    10.0	 /* settled: idle within this many points of rest */
#define VICTIM_TOLERANCE    5.0		 /* settled: the victim's CPU use within 5 points of rest */
#define PROBE_DEFAULT_CONNS 10		 /* isolab-probe's own default --concurrency */
#define READBACK_SLACK_PCT  2.0 /* a weight read back within 2 % is the one set (cgroup mapping) */

static uint64_t clamp_ns(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static unsigned probe_concurrency(const struct scenario *s)
{
	uint64_t v;

	for (size_t i = 0; i < s->probe.n_opts; i++)
		if (strcmp(s->probe.opts[i].key, "concurrency") == 0 &&
		    parse_u64(s->probe.opts[i].value, 1, 1000000, &v) == 0)
			return (unsigned)v;
	return PROBE_DEFAULT_CONNS;
}

/* The settle window: a sixth of a measurement, between 150 ms and 1 s. */
static uint64_t settle_window_ns(const struct scenario *s)
{
	return clamp_ns(s->duration_ns / 6, 150 * NSEC_PER_MSEC, NSEC_PER_SEC);
}

/* A number at a dotted path of a parsed result, NAN when absent. */
static double num_at(const json_t *root, const char *a, const char *b, const char *c)
{
	const json_t *v = json_object_get(root, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/*
 * Follows the calibration probe to its end (or the deadline, or a stop),
 * reading the victim's CPU time when its measurement starts and ends.
 */
static void wait_calibration(struct run *R, struct tool_proc *probe, uint64_t warm, uint64_t dur)
{
	struct tool_proc *all[2] = { probe, &R->victim };
	size_t n = R->victim_started ? 2 : 1;
	uint64_t t0 = clock_now_ns() + warm, deadline = t0 + dur + 60 * NSEC_PER_SEC;
	struct cpu_mark a = { 0 }, b = { 0 };
	char why[160] = "";
	bool termed = false, have_a = false, have_b = false;

	while (tool_proc_active(probe)) {
		uint64_t now = clock_now_ns();

		if (!have_a && now >= t0) {
			run_cpu_mark(R, &a, why, sizeof(why));
			have_a = true;
		} else if (have_a && !have_b && now >= t0 + dur) {
			run_cpu_mark(R, &b, why, sizeof(why));
			have_b = true;
		}
		if ((sig_stop_requested() || now >= deadline) && !termed) {
			struct tool_proc *p = probe;

			exec_stop_all(&R->x, &p, 1, run_stop_grace_ns(R));
			termed = true;
			continue;
		}
		(void)exec_pump(all, n, 50 * NSEC_PER_MSEC);
	}
	R->design.cal.victim_cpu_share_pct = run_cpu_share(&a, &b);
}

/* Reads the calibration probe's result into cal; saves it as calibration/probe.json. */
static void read_calibration(struct run *R, struct tool_proc *probe, const char *dir)
{
	struct calibration *cal = &R->design.cal;
	char path[RUN_PATH_MAX + 64];
	json_error_t jerr;
	json_t *j = probe->out ? json_loadb(probe->out, probe->out_len, 0, &jerr) : NULL;
	double ok, measured;

	if (!json_is_object(j)) {
		snprintf(cal->error, sizeof(cal->error), "the probe did not report (see %s/%s)",
			 "calibration", "probe.stderr");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/probe.json", dir);
	if (file_write_atomic(path, probe->out, probe->out_len, 0644) < 0)
		log_warn("cannot write %s", path);
	ok = num_at(j, "metrics", "ok", NULL);
	measured = num_at(j, "metrics", "measured_s", NULL);
	cal->p50_ms = num_at(j, "metrics", "latency_ms", "p50");
	cal->p99_ms = num_at(j, "metrics", "latency_ms", "p99");
	if (!(ok > 0) || !(measured > 0)) {
		const char *e = json_string_value(json_object_get(j, "error"));

		snprintf(cal->error, sizeof(cal->error), "no successful request (%s)",
			 e ? e : "the victim answered none");
		goto out;
	}
	cal->capacity_rps = ok / measured;
	cal->ok = true;
out:
	json_decref(j);
}

/*
 * The host's idle share at rest and, over the same span, the victim's own CPU
 * use (the levels the cooldown waits for). The victim's cannot be read on
 * every backend: then the manifest and one line say so, and the cooldown
 * waits for the host only.
 */
static void measure_rest(struct run *R)
{
	struct design_record *d = &R->design;
	struct cpu_mark a = { 0 }, b = { 0 };
	char *src = d->cooldown.victim_source;
	size_t len = sizeof(d->cooldown.victim_source);

	d->cooldown.victim_tolerance_pct = VICTIM_TOLERANCE;
	run_cpu_mark(R, &a, src, len);
	if (settle_measure(&settle_host_ops,
			   clamp_ns(R->s->duration_ns / 2, NSEC_PER_SEC / 2, REST_NS),
			   &d->rest_idle_pct) < 0)
		d->rest_idle_pct = NAN;
	if (a.ok)
		run_cpu_mark(R, &b, src, len);
	d->cooldown.victim_rest_cpu_pct = run_cpu_share(&a, &b);
	if (isnan(d->cooldown.victim_rest_cpu_pct) && strncmp(src, "unavailable", 11) != 0)
		snprintf(src, len, "unavailable: the victim's CPU time did not advance at rest");
	if (isnan(d->cooldown.victim_rest_cpu_pct) && R->s->cooldown_ns)
		log_info("cooldown: waits for the host only; the victim's own CPU use is %s", src);
}

int run_calibrate(struct run *R)
{
	const struct scenario *s = R->s;
	struct design_record *d = &R->design;
	uint64_t dur = clamp_ns(s->duration_ns, 2 * NSEC_PER_SEC, 3 * NSEC_PER_SEC);
	uint64_t warm = clamp_ns(s->warmup_ns, NSEC_PER_SEC / 2, NSEC_PER_SEC);
	uint64_t timeout = scn_probe_timeout_ns(s);
	char dir[RUN_PATH_MAX + 32], err[256];
	struct tool_proc probe;
	int r;

	d->cooldown.tolerance_pct = SETTLE_TOLERANCE;
	d->cooldown.window_s = ns_to_s(settle_window_ns(s));
	d->cooldown.max_s = ns_to_s(s->cooldown_ns);
	progress_update("measuring the host at rest");
	measure_rest(R);
	d->cal.ran = true;
	d->cal.capacity_rps = d->cal.p50_ms = d->cal.p99_ms = d->cal.victim_cpu_share_pct = NAN;
	d->cal.duration_s = ns_to_s(dur);
	d->cal.concurrency = probe_concurrency(s);
	snprintf(dir, sizeof(dir), "%s/calibration", R->dir);
	(void)file_mkdirs(dir, 0755);
	progress_update("calibrating: the victim's capacity, closed loop at %u connections, %.0f s",
			d->cal.concurrency, ns_to_s(dur));
	tool_proc_init(&probe, "calibration probe");
	if (run_start_probe(R, dir, true, dur, warm, &probe) == 0) {
		wait_calibration(R, &probe, warm, dur);
		read_calibration(R, &probe, dir);
	} else {
		snprintf(d->cal.error, sizeof(d->cal.error), "the probe could not start");
	}
	tool_proc_done(&probe);
	progress_done();
	if (sig_stop_requested())
		return -EINTR;
	if (d->cal.ok)
		log_info("calibration: capacity %.0f req/s at %u connections (p50 %.2f ms, p99 "
			 "%.2f ms; victim CPU %.0f %%)",
			 d->cal.capacity_rps, d->cal.concurrency, d->cal.p50_ms, d->cal.p99_ms,
			 d->cal.victim_cpu_share_pct);
	else
		log_warn("calibration failed: %s", d->cal.error);
	r = scn_design_resolve(&s->design, d->cal.ok ? d->cal.capacity_rps : NAN,
			       d->cal.ok ? d->cal.p99_ms : NAN, &d->load, err, sizeof(err));
	if (r < 0) {
		log_error("%s", err);
		return r;
	}
	if (d->load.slo_ns > timeout) { /* the probe refuses an SLO past its timeout */
		d->load.slo_ns = timeout;
		snprintf(d->load.slo_source + strlen(d->load.slo_source),
			 sizeof(d->load.slo_source) - strlen(d->load.slo_source),
			 ", capped at the probe's timeout");
	}
	d->load_ok = true;
	if (d->load.open)
		log_info("load: open loop at %.1f req/s; a response is good within %.3g ms (%s)",
			 d->load.rate_rps, ns_to_ms(d->load.slo_ns), d->load.slo_source);
	else
		log_info("load: closed loop (judged on throughput); SLO %.3g ms (%s)",
			 ns_to_ms(d->load.slo_ns), d->load.slo_source);
	return 0;
}

/* Room for one more round's records. */
static int grow_recs(struct run *R, size_t n)
{
	struct run_rec *nr;

	if (n <= R->recs_cap)
		return 0;
	nr = realloc(R->recs, n * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	memset(nr + R->recs_cap, 0, (n - R->recs_cap) * sizeof(*nr));
	R->recs = nr;
	R->recs_cap = n;
	return 0;
}

/* Whether the verdicts are all decided, per reports/; false when it cannot tell. */
static bool decided(struct run *R)
{
	bool all = false;
	unsigned undecided = 0;
	int r;

	(void)manifest_write(R, false); /* the reader reads what is on disk */
	r = report_verdicts_decided(R->dir, NULL, &all, &undecided);
	if (r < 0) {
		log_warn("cannot tell whether the verdicts are decided (%s): another round",
			 strerror(-r));
		return false;
	}
	if (!all)
		log_info("after %u rounds: %u verdict(s) still undecided", R->plan.rounds,
			 undecided);
	return all;
}

bool run_more_rounds(struct run *R)
{
	const struct scn_design *d = &R->s->design;
	uint64_t now = clock_now_ns(), per_round, ends;

	R->design.rounds_done = R->plan.rounds;
	if (sig_stop_requested()) {
		R->design.stopped = "interrupted";
		return false;
	}
	if (!d->rounds_auto) {
		R->design.stopped = "fixed";
		return false;
	}
	if (R->plan.rounds >= SCN_MIN_VALID_ROUNDS && decided(R)) {
		R->design.stopped = "decided";
		return false;
	}
	if (R->plan.rounds >= d->max_rounds) {
		R->design.stopped = "max_rounds";
		return false;
	}
	per_round = (now - R->rounds_mono) / (R->plan.rounds ? R->plan.rounds : 1);
	ends = now - R->started_mono + per_round;
	if (ends > d->max_time_ns) {
		log_info("another round would end %.0f s into the run, past max_time (%.0f s)",
			 ns_to_s(ends), ns_to_s(d->max_time_ns));
		R->design.stopped = "max_time";
		return false;
	}
	if (grow_recs(R, R->plan.n + R->s->n_phases + 1) < 0 ||
	    plan_add_round(&R->plan, R->s) < 0) {
		log_error("out of memory: no further round");
		R->design.stopped = "failed";
		return false;
	}
	return true;
}

/* Waits until the host's CPU idle share is back at rest, at most the scenario's cooldown. */
static void settle_host(struct run *R, struct cooldown_rec *c)
{
	struct settle_cfg cfg = {
		.rest_idle_pct = R->design.rest_idle_pct,
		.tolerance_pct = SETTLE_TOLERANCE,
		.window_ns = settle_window_ns(R->s),
		.max_ns = R->s->cooldown_ns,
	};
	struct settle_result res;

	if (isnan(cfg.rest_idle_pct)) {
		/* no rest level: wait the whole bound */
		uint64_t until = clock_now_ns() + R->s->cooldown_ns;

		while (!sig_stop_requested() && clock_now_ns() < until)
			(void)clock_sleep_until(until);
		return;
	}
	if (settle_wait(&settle_host_ops, &cfg, &res) < 0)
		return;
	c->host_settled = res.settled;
	c->host_idle_pct = res.idle_pct;
	if (!res.settled && !sig_stop_requested())
		log_debug("cooldown: the host did not settle in %.1f s (idle %.0f %%, at rest "
			  "%.0f %%)",
			  ns_to_s(res.waited_ns), res.idle_pct, cfg.rest_idle_pct);
}

/*
 * The resolution of the victim's CPU counter, by its source: xl list prints
 * Time(s) to 0.1 s (over a 1 s span that is 10 points of a CPU), /proc/PID/stat
 * counts clock ticks, cgroup counters are in ns or us.
 */
static uint64_t counter_step_ns(const char *source)
{
	long hz;

	if (strncmp(source, "xl list", 7) == 0)
		return 100 * NSEC_PER_MSEC;
	if (strstr(source, "/proc/PID/stat")) {
		hz = sysconf(_SC_CLK_TCK);
		return hz > 0 ? NSEC_PER_SEC / (uint64_t)hz : 10 * NSEC_PER_MSEC;
	}
	return 0;
}

/* The victim's CPU time for settle_vm_wait(); ctx is the run. */
static int victim_mark(void *ctx, struct settle_vm_mark *out)
{
	struct run *R = ctx;
	struct cpu_mark m = { 0 };
	char why[160] = "";

	run_cpu_mark(R, &m, why, sizeof(why));
	if (!m.ok)
		return -EIO;
	out->cpu_ns = m.cpu_ns;
	out->t_ns = m.t_ns;
	return 0;
}

/* Then until the victim's own CPU use is back near its rest level, at most the cooldown. */
static void settle_victim(struct run *R, const struct cpu_mark *from, struct cooldown_rec *c)
{
	struct settle_vm_ops ops = {
		.mark = victim_mark,
		.now = settle_host_ops.now,
		.sleep = settle_host_ops.sleep,
		.stop = settle_host_ops.stop,
		.ctx = R,
	};
	struct settle_vm_cfg cfg = {
		.rest_cpu_pct = R->design.cooldown.victim_rest_cpu_pct,
		.tolerance_pct = VICTIM_TOLERANCE,
		.window_ns = settle_window_ns(R->s),
		.max_ns = R->s->cooldown_ns,
		.step_ns = counter_step_ns(R->design.cooldown.victim_source),
	};
	struct settle_vm_mark m = { .cpu_ns = from->cpu_ns, .t_ns = from->t_ns };
	struct settle_vm_result res;

	if (settle_vm_wait(&ops, &cfg, &m, &res) < 0) {
		log_debug("cooldown: the victim's CPU time could not be read: not waited for");
		return;
	}
	c->victim_checked = true;
	c->victim_settled = res.settled;
	c->victim_waited_s = ns_to_s(res.waited_ns);
	c->victim_cpu_pct = res.cpu_pct;
	if (!res.settled && !sig_stop_requested())
		log_warn("cooldown: the victim still used %.0f %% of a CPU after %.1f s (at rest "
			 "%.0f %%): the next run may measure this one's backlog",
			 res.cpu_pct, ns_to_s(res.waited_ns), cfg.rest_cpu_pct);
}

void run_settle(struct run *R)
{
	struct run_rec *rec = R->n_recs ? &R->recs[R->n_recs - 1] : NULL;
	struct cooldown_rec c = { .taken = true, .host_idle_pct = NAN, .victim_cpu_pct = NAN };
	struct cpu_mark from = { 0 };
	char why[160] = "";
	uint64_t t0;

	if (!R->s->cooldown_ns || sig_stop_requested())
		return;
	/* the victim's span starts with the host's wait: a quiet victim adds no time */
	if (!isnan(R->design.cooldown.victim_rest_cpu_pct))
		run_cpu_mark(R, &from, why, sizeof(why));
	t0 = clock_now_ns();
	settle_host(R, &c);
	c.host_waited_s = ns_to_s(clock_now_ns() - t0);
	if (from.ok && !sig_stop_requested())
		settle_victim(R, &from, &c);
	if (rec)
		rec->mech.cooldown_after = c;
}

/* Adds vm (a scenario VM name) to snap once. */
static void snap_vm(struct run *R, struct sched_snap *snap, const char *vm)
{
	struct backend_err err = { 0 };
	struct sched_params p;
	bool live = false;
	int r;

	for (size_t i = 0; i < snap->n; i++)
		if (strcmp(snap->vm[i].vm, vm) == 0)
			return;
	if (snap->n == SCHED_SNAP_MAX)
		return;
	snprintf(snap->vm[snap->n].vm, sizeof(snap->vm[0].vm), "%s", vm);
	r = R->ops->sched_get(R->b, run_vm_ident(R, vm), &p, &live, &err);
	if (r == 0) {
		snap->vm[snap->n].ok = true;
		snap->vm[snap->n].weight = p.weight;
		snap->vm[snap->n].cap = p.cap;
		snap->vm[snap->n].live = live;
	} else {
		snprintf(snap->vm[snap->n].error, sizeof(snap->vm[0].error), "%.120s",
			 err.msg[0] ? err.msg : strerror(-r));
	}
	snap->n++;
}

void run_sched_read(struct run *R, const struct scn_phase *ph, struct sched_snap *snap)
{
	const struct scn_vm *victim = scenario_victim(R->s);

	memset(snap, 0, sizeof(*snap));
	snap->taken = true;
	if (victim)
		snap_vm(R, snap, victim->name);
	for (size_t i = 0; i < ph->n_prio; i++)
		snap_vm(R, snap, ph->prio[i].vm);
	for (size_t i = 0; i < ph->n_bombs; i++) {
		const struct scn_tool *t = scenario_bomb(R->s, ph->bombs[i]);

		if (t)
			snap_vm(R, snap, t->vm);
	}
}

void run_sched_details(struct run *R, struct run_rec *rec)
{
	const struct scn_vm *victim = scenario_victim(R->s);
	struct backend_err err = { 0 };

	if (!R->ops->sched_details || !victim)
		return;
	rec->mech.has_details = R->ops->sched_details(R->b, run_vm_ident(R, victim->name),
						      &rec->mech.details, &err) == 0;
}

static bool near(int got, int want)
{
	double slack = want * READBACK_SLACK_PCT / 100.0;

	return fabs((double)(got - want)) <= (slack > 1 ? slack : 1);
}

void run_check_prio(const struct scn_phase *ph, const struct run *R, struct run_rec *rec)
{
	const struct sched_snap *snap = &rec->mech.start;

	(void)R;
	for (size_t i = 0; i < ph->n_prio; i++) {
		const struct scn_prio *p = &ph->prio[i];

		for (size_t k = 0; k < snap->n; k++) {
			if (strcmp(snap->vm[k].vm, p->vm) != 0)
				continue;
			if (!snap->vm[k].ok)
				validity_add(&rec->mech.validity,
					     "priority of %s could not be read back: %s", p->vm,
					     snap->vm[k].error);
			else if (!snap->vm[k].live)
				validity_add(&rec->mech.validity,
					     "priority of %s is stored but not live (it applies "
					     "when the VM next starts; a dom0 makes it live)",
					     p->vm);
			else if ((p->weight >= 0 && !near(snap->vm[k].weight, p->weight)) ||
				 (p->cap >= 0 && !near(snap->vm[k].cap, p->cap)))
				validity_add(&rec->mech.validity,
					     "priority of %s reads back weight %d cap %d, not "
					     "weight %d cap %d",
					     p->vm, snap->vm[k].weight, snap->vm[k].cap, p->weight,
					     p->cap);
		}
	}
}

void run_cpu_mark(struct run *R, struct cpu_mark *m, char *source_buf, size_t len)
{
	const struct scn_vm *victim = scenario_victim(R->s);
	struct backend_err err = { 0 };
	const char *source = NULL;
	uint64_t before = clock_now_ns();
	int r;

	m->ok = false;
	if (!R->ops->vm_cpu_time || !victim) {
		snprintf(source_buf, len, "unavailable: the %s backend cannot tell a VM's CPU time",
			 R->ops->name);
		return;
	}
	r = R->ops->vm_cpu_time(R->b, run_vm_ident(R, victim->name), &m->cpu_ns, &source, &err);
	if (r < 0) {
		if (strncmp(source_buf, "unavailable", 11) != 0)
			snprintf(source_buf, len, "unavailable: %.140s",
				 err.msg[0] ? err.msg : strerror(-r));
		return;
	}
	/* the counter was read somewhere in between (an ssh round trip for xl in dom0) */
	m->t_ns = before + (clock_now_ns() - before) / 2;
	m->ok = true;
	snprintf(source_buf, len, "%s", source);
}

double run_cpu_share(const struct cpu_mark *a, const struct cpu_mark *b)
{
	if (a->ok && b->ok && b->t_ns > a->t_ns)
		return mech_cpu_share_pct(a->cpu_ns, b->cpu_ns, b->t_ns - a->t_ns);
	return NAN;
}

/* A phase that caps the bomb's VM asks for no more than the cap (% of one CPU). */
static void cap_request(const struct scn_phase *ph, const char *vm, struct mech_load *l)
{
	for (size_t i = 0; i < ph->n_prio; i++)
		if (strcmp(ph->prio[i].vm, vm) == 0 && ph->prio[i].cap > 0 &&
		    ph->prio[i].cap / 100.0 < l->requested) {
			l->requested = ph->prio[i].cap / 100.0;
			l->share_pct = 100.0 * l->achieved / l->requested;
		}
}

void run_marks_take(struct run *R, struct run_marks *wm, uint64_t now)
{
	if (!wm->have_start && now >= wm->start_at) {
		run_cpu_mark(R, &wm->start, wm->rec->mech.victim_cpu_source,
			     sizeof(wm->rec->mech.victim_cpu_source));
		wm->have_start = true;
	}
	if (wm->have_start && !wm->have_end && now >= wm->end_at) {
		run_cpu_mark(R, &wm->end, wm->rec->mech.victim_cpu_source,
			     sizeof(wm->rec->mech.victim_cpu_source));
		wm->have_end = true;
	}
}

uint64_t run_marks_pump_ns(const struct run_marks *wm, uint64_t now)
{
	uint64_t next = !wm->have_start ? wm->start_at : !wm->have_end ? wm->end_at : UINT64_MAX;

	if (next <= now)
		return 0;
	return next - now < 200 * NSEC_PER_MSEC ? next - now : 200 * NSEC_PER_MSEC;
}

void run_judge_bombs(const struct run *R, const struct scn_phase *ph, struct run_rec *rec,
		     const struct tool_proc *bombs)
{
	rec->mech.n_bombs = ph->n_bombs;
	rec->mech.bomb_names = (const char *const *)ph->bombs;
	rec->mech.bombs = rec->loads;
	for (size_t i = 0; i < ph->n_bombs; i++) {
		const struct scn_tool *t = scenario_bomb(R->s, ph->bombs[i]);
		struct validity_bomb vb = {
			.name = ph->bombs[i],
			.started = bombs[i].pid > 0,
			.ready = bombs[i].ready && !bombs[i].ready_late,
			.reported = rec->bomb_ok[i],
			.why = bombs[i].why,
		};
		json_error_t jerr;
		json_t *j = NULL;

		rec->loads[i] = (struct mech_load){ .unit = "", NAN, NAN, NAN };
		if (vb.reported)
			j = json_loadb(bombs[i].out, bombs[i].out_len, 0, &jerr);
		if (j) {
			vb.status = json_string_value(json_object_get(j, "status"));
			vb.error = json_string_value(json_object_get(j, "error"));
			(void)mech_bomb_load(t ? t->kind : "", j, &rec->loads[i]);
			if (t && strcmp(t->kind, "cpu") == 0)
				cap_request(ph, t->vm, &rec->loads[i]);
			vb.load = &rec->loads[i];
		}
		validity_check_bomb(&rec->mech.validity, &vb, R->s->design.min_bomb_share);
		json_decref(j);
	}
}

void run_print_verdicts(const struct run *R)
{
	if (R->o->no_report || !R->n_recs)
		return;
	fflush(stdout);
	if (report_print_verdicts(stdout, R->dir, NULL) < 0)
		log_warn("the verdict table could not be printed (isolab report %s)", R->dir);
	fflush(stdout);
}
