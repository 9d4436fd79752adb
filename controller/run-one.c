// SPDX-License-Identifier: MIT
/*
 * One run of the loop (one round x phase): journal and apply the phase's
 * priorities, start the bombs and wait until they are running, run the
 * probe through warmup and measurement, stop the bombs, collect every
 * tool's JSON, restore the priorities. run.c drives the whole run around it.
 */
#include "run-one.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exec.h"
#include "fileio.h"
#include "journal.h"
#include "live.h"
#include "log.h"
#include "parse.h"
#include "plan.h"
#include "proc.h"
#include "progress.h"
#include "run-priv.h"
#include "run-verdict.h"
#include "scenario.h"
#include "sig.h"
#include "tool-json.h"

#define BOMB_READY_NS (15 * NSEC_PER_SEC)

static void apply_prio(struct run *R, const struct scn_phase *ph, struct run_rec *rec, bool *ok)
{
	struct backend_err err = { 0 };

	for (size_t i = 0; i < ph->n_prio; i++) {
		const struct scn_prio *p = &ph->prio[i];
		const char *id = run_vm_ident(R, p->vm);
		struct sched_params orig, want = { .weight = p->weight, .cap = p->cap };
		bool live;
		int r;

		r = R->ops->sched_get(R->b, id, &orig, &live, &err);
		if (r == 0)
			r = journal_sched(R->j, id, &orig); /* journal first, fsync'd */
		if (r == 0)
			r = R->ops->sched_set(R->b, id, &want, &err);
		if (r < 0) {
			log_error("phase %s: cannot set weight %d cap %d on %s: %s", ph->name,
				  p->weight, p->cap, p->vm, err.msg[0] ? err.msg : strerror(-r));
			validity_add(&rec->mech.validity,
				     "priority weight %d cap %d on %s could not be set: %s",
				     p->weight, p->cap, p->vm, err.msg[0] ? err.msg : strerror(-r));
			*ok = false;
		}
	}
}

int run_restore_prio(struct run *R)
{
	struct backend_err err = { 0 };
	int r;

	if (!R->j || !journal_pending(R->j))
		return 0;
	r = journal_restore_sched(R->j, R->ops, R->b, &err);
	if (r < 0)
		log_error("restoring scheduler settings failed: %s (run `isolab restore`)",
			  err.msg[0] ? err.msg : strerror(-r));
	return r;
}

/*
 * Writes a tool's stdout as its result file and returns it parsed (caller
 * frees); NULL (DNR) when it gave no JSON object or it could not be written.
 */
static struct tool_json *save_result(struct tool_proc *p, const char *path)
{
	struct tool_json *t = NULL;
	char status[32], e[256] = "";
	int r;

	if (p->out && !p->out_overflow)
		t = tool_json_parse(p->out, p->out_len);
	if (!t) {
		log_warn("%s did not report (no JSON result%s%s): DNR", p->label,
			 p->why[0] ? ": " : "", p->why);
		return NULL;
	}
	r = file_write_atomic(path, p->out, p->out_len, 0644);
	if (r < 0) {
		log_error("cannot write %s: %s", path, strerror(-r));
		tool_json_free(t);
		return NULL;
	}
	if (tool_json_str(t, "status", status, sizeof(status)) && strcmp(status, "failed") == 0) {
		(void)tool_json_str(t, "error", e, sizeof(e));
		log_warn("%s reported status failed: %s", p->label, e);
	}
	return t;
}

static void show_progress(struct run *R, size_t idx, const char *what)
{
	const struct plan_run *pr = &R->plan.runs[idx];
	uint64_t el = clock_now_ns() - R->started_mono;
	double per = idx ? ns_to_s(el) / (double)idx : R->est_per_run_s;
	double eta = per * (double)(R->plan.n - idx);
	char e1[32], e2[32], last[300] = "";

	fmt_duration(el, e1, sizeof(e1));
	fmt_duration((uint64_t)(eta * 1e9), e2, sizeof(e2));
	if (R->last_phase[0])
		snprintf(last, sizeof(last), "  last %s: %.1f %% good, p99 %.1f ms", R->last_phase,
			 R->last_good_pct, R->last_p99_ms);
	progress_update("[%zu/%zu] round %u/%u%s  %-24s %-10s elapsed %s  ETA %s%s", idx + 1,
			R->plan.n, pr->round, R->plan.rounds, R->s->design.rounds_auto ? "+" : "",
			R->s->phases[pr->phase].name, what, e1, e2, last);
}

static int wait_probe(struct run *R, size_t idx, struct tool_proc **all, size_t n,
		      struct tool_proc *probe, uint64_t deadline, struct live *lv,
		      struct run_marks *wm, struct run_at_state *at)
{
	bool termed = false;
	char what[128] = "measuring";

	while (tool_proc_active(probe)) {
		uint64_t now = clock_now_ns(), wait;

		run_marks_take(R, wm, now);
		if (!termed)
			run_at_due(R, at, now, wm->rec);
		if (sig_stop_requested() && !termed) {
			(void)probe->ops->signal(&R->x, probe, SIGTERM);
			termed = true;
			deadline = now + run_stop_grace_ns(R);
		}
		if (now >= deadline) {
			struct tool_proc *pp = probe;

			log_error("probe overran its time; killing it");
			(void)probe->ops->signal(&R->x, probe, SIGKILL);
			exec_stop_all(&R->x, &pp, 1, NSEC_PER_SEC);
			return -ETIMEDOUT;
		}
		wait = run_at_pump_ns(at, run_marks_pump_ns(wm, now), now);
		if (R->victim_started && n < 63) {
			/* keep reading the victim too: a full stderr pipe would stall it */
			all[n] = &R->victim;
			(void)exec_pump(all, n + 1, wait);
			all[n] = NULL;
		} else {
			(void)exec_pump(all, n, wait);
		}
		if (lv) {
			double p99, okp;
			uint64_t nreq;

			live_poll(lv);
			if (live_get(lv, &p99, &okp, &nreq))
				snprintf(what, sizeof(what),
					 "measuring: %llu req, p99 %.1f ms, %.1f %% ok",
					 (unsigned long long)nreq, p99, okp);
		}
		show_progress(R, idx, what);
	}
	/* a probe that ended early (it died): the window ends now */
	if (wm->have_start && !wm->have_end) {
		run_cpu_mark(R, &wm->end, wm->rec->mech.victim_cpu_source,
			     sizeof(wm->rec->mech.victim_cpu_source));
		wm->have_end = true;
	}
	return 0;
}

/* Starts the phase's bombs, receivers first (the senders need a peer), each waited for. */
static void start_bombs(struct run *R, const struct scn_phase *ph, const char *dir,
			struct tool_proc *bombs)
{
	uint64_t bomb_dur = R->s->warmup_ns + R->s->duration_ns + 60 * NSEC_PER_SEC +
			    2 * run_connect_ns(R) + BOMB_READY_NS; /* others', probe's starts */
	char path[RUN_PATH_MAX + 512];

	for (int pass = 0; pass < 2 && !sig_stop_requested(); pass++) {
		struct tool_proc *started[64];
		size_t ns = 0;

		for (size_t i = 0; i < ph->n_bombs; i++) {
			const struct scn_tool *t = scenario_bomb(R->s, ph->bombs[i]);
			const struct scn_vm *vm = scenario_vm(R->s, t->vm);
			struct run_args a = { 0 };
			char label[96];

			if ((strcmp(t->kind, "net-recv") == 0) != (pass == 0))
				continue;
			snprintf(label, sizeof(label), "bomb %s", t->name);
			tool_proc_init(&bombs[i], label);
			run_arg(&a, "isolab-bomb");
			run_arg(&a, t->kind);
			run_arg(&a, "--duration");
			run_argf(&a, "%llums", (unsigned long long)(bomb_dur / NSEC_PER_MSEC));
			run_arg(&a, "--json");
			run_arg(&a, "--quiet");
			run_arg(&a, "--ready-fd");
			run_arg(&a, "2");
			if (strcmp(t->kind, "disk") == 0 && !run_has_opt(t, "dir") &&
			    !run_vm_exec(vm)->remote) {
				char d[RUN_PATH_MAX + 128];

				snprintf(d, sizeof(d), "%s/disk-%s", R->state_sub, t->name);
				(void)file_mkdirs(d, 0700);
				run_arg(&a, "--dir");
				run_arg(&a, d);
			}
			run_tool_opts(R, &a, t);
			for (size_t k = 0; k < ph->n_intensity; k++)
				if (strcmp(ph->intensity[k].bomb, t->name) == 0) {
					run_arg(&a, "--intensity"); /* intensity.BOMB, last */
					run_argf(&a, "%d", ph->intensity[k].pct);
				}
			snprintf(path, sizeof(path), "%s/bomb-%s.stderr", dir, t->name);
			if (run_start_tool(R, vm, &a, path, &bombs[i]) == 0 && ns < 64)
				started[ns++] = &bombs[i];
			run_args_free(&a);
		}
		exec_wait_ready(started, ns, BOMB_READY_NS);
		for (size_t i = 0; i < ns; i++)
			if (started[i]->ready_late)
				log_warn("%s did not report ready in time", started[i]->label);
	}
}

/* Starts the probe once the bombs run, follows it to its end, then stops the bombs. */
static int measure(struct run *R, size_t idx, const char *dir, struct tool_proc *bombs,
		   const struct scn_phase *ph, struct tool_proc *probe, struct tool_proc **all,
		   struct run_rec *rec, bool *ok)
{
	const struct scn_vm *pvm = scenario_vm(R->s, R->s->probe.vm);
	struct run_marks wm = { .rec = rec };
	struct run_at_state at;
	char path[RUN_PATH_MAX + 512];
	size_t k = 0, n_bombs = ph->n_bombs;
	int r = 0;

	if (!sig_stop_requested() &&
	    run_start_probe(R, dir, false, R->s->duration_ns, R->s->warmup_ns, probe) < 0)
		*ok = false;
	run_at_wait_probe(ph, probe); /* the window as the probe counts it, for at.TIME */
	wm.start_at = clock_now_ns() + R->s->warmup_ns;
	wm.end_at = wm.start_at + R->s->duration_ns;
	run_at_init(&at, ph, wm.start_at);
	for (size_t i = 0; i < n_bombs; i++)
		if (bombs[i].pid > 0)
			all[k++] = &bombs[i];
	all[k++] = probe;
	if (probe->pid > 0) {
		struct live *lv = NULL;

		if (progress_enabled() && !run_vm_exec(pvm)->remote) {
			snprintf(path, sizeof(path), "%s/probe-requests.csv", dir);
			lv = live_new(path);
		}
		r = wait_probe(R, idx, all, k, probe,
			       clock_now_ns() + run_vm_exec(pvm)->connect_ns + R->s->warmup_ns +
				       R->s->duration_ns + 60 * NSEC_PER_SEC,
			       lv, &wm, &at);
		live_free(lv);
	}
	rec->mech.victim_cpu_share_pct = run_cpu_share(&wm.start, &wm.end);
	run_sched_read(R, ph, &rec->mech.end); /* before the bombs go */
	/* stop the bombs; "interrupted" with metrics is their normal result */
	show_progress(R, idx, "stopping");
	if (k > 1)
		exec_stop_all(&R->x, all, k - 1, run_stop_grace_ns(R));
	return r;
}

/* Saves every tool's JSON result of the run; fills rec's probe and bomb figures. */
static void collect(struct run *R, const struct scn_phase *ph, const char *dir,
		    struct tool_proc *bombs, struct tool_proc *probe, struct run_rec *rec)
{
	char path[RUN_PATH_MAX + 512];
	struct tool_json *t = NULL;

	snprintf(path, sizeof(path), "%s/probe.json", dir);
	if (probe->pid > 0)
		t = save_result(probe, path);
	rec->probe_ok = t != NULL;
	(void)tool_json_num(t, "metrics.latency_ms.p99", &rec->p99_ms);
	(void)tool_json_num(t, "metrics.success_pct", &rec->success_pct);
	(void)tool_json_num(t, "metrics.good_pct", &rec->good_pct);
	tool_json_free(t);
	for (size_t i = 0; i < ph->n_bombs; i++) {
		snprintf(path, sizeof(path), "%s/bomb-%s.json", dir,
			 scenario_bomb(R->s, ph->bombs[i])->name);
		t = bombs[i].pid > 0 ? save_result(&bombs[i], path) : NULL;
		rec->bomb_ok[i] = t != NULL;
		tool_json_free(t);
	}
}

static const char *rec_status(const struct run_rec *rec, size_t n_bombs, bool ok)
{
	if (sig_stop_requested())
		return "interrupted";
	if (!ok)
		return "failed";
	if (!rec->probe_ok)
		return "dnr";
	for (size_t i = 0; i < n_bombs; i++)
		if (!rec->bomb_ok[i])
			return "dnr";
	return "ok";
}

/* A new record for run idx, or NULL when out of memory. */
static struct run_rec *begin_rec(struct run *R, size_t idx, size_t n_bombs)
{
	struct run_rec *rec = &R->recs[R->n_recs];

	memset(rec, 0, sizeof(*rec));
	rec->idx = idx;
	rec->bomb_ok = calloc(n_bombs + 1, sizeof(*rec->bomb_ok));
	rec->loads = calloc(n_bombs + 1, sizeof(*rec->loads));
	if (!rec->bomb_ok || !rec->loads) {
		free(rec->bomb_ok);
		free(rec->loads);
		return NULL;
	}
	validity_init(&rec->mech.validity);
	rec->mech.victim_cpu_share_pct = NAN;
	rec->mech.scheduler = R->scheduler[0] ? R->scheduler : NULL;
	R->n_recs++;
	clock_iso8601(clock_wall_ns(), rec->started, sizeof(rec->started));
	return rec;
}

/* One (round, phase): priorities, bombs, probe, results, restore. */
int run_one(struct run *R, size_t idx)
{
	const struct plan_run *pr = &R->plan.runs[idx];
	const struct scn_phase *ph = &R->s->phases[pr->phase];
	struct tool_proc *bombs = calloc(ph->n_bombs + 1, sizeof(*bombs));
	struct tool_proc **all = calloc(ph->n_bombs + 3, sizeof(*all)); /* + probe + victim */
	struct tool_proc probe;
	struct run_rec *rec;
	char dir[RUN_PATH_MAX + 256];
	bool ok = true;
	int r;

	if (!bombs || !all || !(rec = begin_rec(R, idx, ph->n_bombs))) {
		free(bombs);
		free(all);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ph->n_bombs; i++)
		tool_proc_init(&bombs[i], ph->bombs[i]); /* every one, started or not */
	tool_proc_init(&probe, "probe");
	snprintf(dir, sizeof(dir), "%s/%s", R->dir, pr->dir);
	(void)file_mkdirs(dir, 0755);
	if (!progress_enabled())
		log_info("[%zu/%zu] round %u/%u phase %s", idx + 1, R->plan.n, pr->round,
			 R->plan.rounds, ph->name);
	show_progress(R, idx, "starting");

	R->phase = ph;
	apply_prio(R, ph, rec, &ok); /* journal first */
	start_bombs(R, ph, dir, bombs);
	run_sched_read(R, ph, &rec->mech.start);
	run_sched_details(R, rec);
	run_check_prio(ph, R, rec);
	r = measure(R, idx, dir, bombs, ph, &probe, all, rec, &ok);
	collect(R, ph, dir, bombs, &probe, rec);
	run_judge_bombs(R, ph, rec, bombs);
	if (sig_stop_requested())
		validity_add(&rec->mech.validity, "interrupted");
	for (size_t i = 0; i < ph->n_bombs; i++)
		tool_proc_done(&bombs[i]);
	tool_proc_done(&probe);
	if (run_restore_prio(R) < 0)
		ok = false;

	clock_iso8601(clock_wall_ns(), rec->ended, sizeof(rec->ended));
	rec->status = rec_status(rec, ph->n_bombs, ok && r >= 0);
	snprintf(R->last_phase, sizeof(R->last_phase), "%s", ph->name);
	R->last_p99_ms = rec->p99_ms;
	R->last_success_pct = rec->success_pct;
	R->last_good_pct = rec->good_pct;
	if (!progress_enabled())
		log_info("[%zu/%zu] %s: %s%s, %.1f %% good, p99 %.2f ms", idx + 1, R->plan.n,
			 ph->name, rec->status,
			 validity_ok(&rec->mech.validity) ? "" : " (invalid)", rec->good_pct,
			 rec->p99_ms);
	for (size_t i = 0; i < rec->mech.validity.n; i++)
		log_warn("%s, round %u: invalid: %s", ph->name, pr->round,
			 rec->mech.validity.reasons[i]);
	free(bombs);
	free(all);
	return 0;
}
