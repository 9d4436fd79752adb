// SPDX-License-Identifier: MIT
/*
 * The run loop (issue 4 §4): per round and phase — journal and apply the
 * priorities, start the bombs and wait until they are running, run the
 * probe through warmup and measurement, stop the bombs, collect every
 * tool's JSON, restore the priorities, cool down. Results go to
 * <results>/<run-id>/ as docs/results.md describes.
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend-table.h"
#include "clock.h"
#include "exec-table.h"
#include "exec.h"
#include "fileio.h"
#include "journal.h"
#include "live.h"
#include "log.h"
#include "parse.h"
#include "plan.h"
#include "proc.h"
#include "progress.h"
#include "report.h"
#include "run-priv.h"
#include "run-provision.h"
#include "run-verdict.h"
#include "scenario.h"
#include "sig.h"
#include "tool-json.h"

#define BOMB_READY_NS (15 * NSEC_PER_SEC)

/* What a replay of a dead run's journal undoes things with: the plugin tables. */
static const struct journal_env run_journal_env = {
	.find = backend_find,
	.find_exec = exec_find,
};

static int make_run_id(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	uint16_t rnd = 0;
	char stamp[32];

	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint16_t)(clock_now_ns() ^ (uint64_t)getpid());
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, len, "%s-%04x", stamp, rnd);
	return 0;
}

/* ---- one run (round x phase) ---- */

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

static int restore_prio(struct run *R)
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
static int run_one(struct run *R, size_t idx)
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
	if (restore_prio(R) < 0)
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

/* ---- the whole run ---- */

static int open_backend(struct run *R)
{
	struct backend_err err = { 0 };
	char names[256];
	int r;

	R->ops = backend_find(R->cfg.name);
	if (!R->ops) {
		log_error("unknown backend '%s' (expected %s)", R->cfg.name,
			  backend_names(names, sizeof(names), ", ", " or "));
		return -EINVAL;
	}
	r = R->ops->open(&R->cfg, &R->b, &err);
	if (r < 0) {
		log_error("backend %s: %s", R->ops->name, err.msg);
		R->host_unfit = err.usage;
		return r;
	}
	R->x.bops = R->ops;
	R->x.b = R->b;
	if (R->ops->caps && R->ops->caps(R->b, &R->caps, &err) == 0) {
		R->caps_ok = true;
		snprintf(R->scheduler, sizeof(R->scheduler), "%s",
			 R->caps.scheduler ? R->caps.scheduler : "");
		R->caps.scheduler = R->scheduler;
	}
	if (R->caps_ok && R->caps.notes[0])
		log_info("backend %s: %s", R->ops->name, R->caps.notes);
	return 0;
}

/* The backend makes the run's VMs, when it makes them itself. */
static int prepare_backend(struct run *R)
{
	struct backend_vm *spec;
	struct backend_err err = { 0 };
	const char *pp;
	int r;

	if (!R->ops->prepare)
		return 0;
	spec = calloc(R->s->n_vms, sizeof(*spec));
	if (!spec)
		return -ENOMEM;
	for (size_t i = 0; i < R->s->n_vms; i++) {
		const struct scn_vm *vm = &R->s->vms[i];

		spec[i].name = vm->ident;
		spec[i].role = vm->role == SCN_ROLE_VICTIM  ? BACKEND_ROLE_VICTIM
			       : vm->role == SCN_ROLE_PROBE ? BACKEND_ROLE_PROBE
							    : BACKEND_ROLE_NEIGHBOR;
		spec[i].memory_max = vm->memory_max;
		spec[i].pids_max = vm->pids_max;
	}
	r = R->ops->prepare(R->b, spec, R->s->n_vms, &err);
	free(spec);
	if (r < 0) {
		log_error("%s backend: preparing the VMs failed: %s", R->ops->name, err.msg);
		R->host_unfit = err.usage;
		return r;
	}
	pp = R->ops->protection ? R->ops->protection(R->b) : NULL;
	snprintf(R->probe_protection, sizeof(R->probe_protection), "%s", pp ? pp : "");
	return 0;
}

/* Every VM a phase prioritises must be known to the backend before anything starts. */
static int preflight(struct run *R)
{
	struct backend_err err = { 0 };
	unsigned warned = 0;

	for (size_t i = 0; i < R->s->n_phases; i++)
		for (size_t k = 0; k < R->s->phases[i].n_prio; k++) {
			const struct scn_vm *vm = scenario_vm(R->s, R->s->phases[i].prio[k].vm);
			struct sched_params p;
			bool live;
			int r = R->ops->sched_get(R->b, vm->ident, &p, &live, &err);

			if (r < 0) {
				log_error("%s:%d: vm %s ('%s') on backend %s: %s", R->s->file,
					  vm->line, vm->name, vm->ident, R->ops->name,
					  err.msg[0] ? err.msg : strerror(-r));
				return r;
			}
			if (!live && !warned++)
				log_warn(
					"backend %s: priority changes apply when a VM next starts, "
					"not now (see `isolab check`)",
					R->ops->name);
		}
	return 0;
}

static void print_summary(const struct run *R)
{
	size_t dnr = 0, ok = 0;

	for (size_t i = 0; i < R->n_recs; i++) {
		ok += R->recs[i].status && strcmp(R->recs[i].status, "ok") == 0;
		dnr += R->recs[i].status && strcmp(R->recs[i].status, "dnr") == 0;
	}
	if (R->o->json)
		printf("{\"run_id\":\"%s\",\"dir\":\"%s\",\"status\":\"%s\",\"runs\":%zu,"
		       "\"ok\":%zu,\"dnr\":%zu,\"planned\":%zu}\n",
		       R->run_id, R->dir, R->status, R->n_recs, ok, dnr, R->plan.n);
	printf("%s\n", R->dir);
	fflush(stdout);
}

/* Leftovers of dead runs first (the host must be as it was), then a results directory. */
static int begin(struct run *R, const char *text)
{
	const char *root = R->o->results_root ? R->o->results_root
			   : R->s->results    ? R->s->results
					      : "results";
	const char *state = journal_state_dir();
	char rel[PATH_MAX], real[PATH_MAX], path[RUN_PATH_MAX + 32];
	int r;

	if (sig_install_stop() < 0)
		return -EINVAL;
	progress_init(true);
	r = journal_replay_dir(state, &run_journal_env);
	if (r > 0)
		log_info("restored the leftovers of %d earlier run(s)", r);
	else if (r < 0)
		log_warn("could not restore every earlier run (%s); see `isolab restore`",
			 r == -EPROTO || r == -EAGAIN || r == -EPERM ? "listed above" : strerror(-r));
	make_run_id(R->run_id, sizeof(R->run_id));
	snprintf(rel, sizeof(rel), "%s/%s", root, R->run_id);
	r = file_mkdirs(rel, 0755);
	if (r < 0 || !realpath(rel, real)) {
		log_error("cannot create the results directory '%s': %s", rel,
			  strerror(r < 0 ? -r : errno));
		return -EIO;
	}
	if (strlen(real) >= sizeof(R->dir) - 256 || strlen(state) >= sizeof(R->state_sub) - 64) {
		log_error("the results or state directory path is too long");
		return -ENAMETOOLONG;
	}
	snprintf(R->dir, sizeof(R->dir), "%s", real);
	snprintf(path, sizeof(path), "%s/scenario.ini", R->dir);
	if (file_write_atomic(path, text, strlen(text), 0644) < 0)
		log_warn("cannot write %s", path);
	return 0;
}

/* The backend's options: the scenario's [global], the command line over it, then the environment. */
static int make_config(struct run *R)
{
	int r = scenario_backend_config(R->s, &R->cfg);

	if (r == 0)
		r = backend_cfg_merge(&R->cfg, R->o->override);
	if (r == 0)
		r = backend_cfg_env(&R->cfg);
	R->cfg.run_id = R->run_id;
	if (r < 0)
		log_error("too many backend options");
	return r;
}

/* The journal before anything on the host changes, and the run's scratch directory. */
static int open_journal(struct run *R)
{
	const char *state = journal_state_dir();
	int r = journal_create(state, R->run_id, &R->cfg, &R->j);

	if (r < 0) {
		log_error("cannot create the restore journal in %s: %s (set ISOLAB_STATE_DIR)",
			  state, strerror(-r));
		return r;
	}
	R->x.journal = R->j;
	snprintf(R->state_sub, sizeof(R->state_sub), "%s/run-%s.d", state, R->run_id);
	if (journal_dir(R->j, R->state_sub) < 0 || file_mkdirs(R->state_sub, 0700) < 0) {
		log_error("cannot create %s", R->state_sub);
		return -EIO;
	}
	return 0;
}

/* The plan's runs, one after the other, until done, interrupted or the victim dies. */
static void run_all(struct run *R)
{
	(void)manifest_write(R, false);
	if (R->s->design.rounds_auto)
		log_info("run %s: %zu phases x %u rounds and more until the verdicts are decided "
			 "(at most %u rounds, %.0f s), seed %llu; results in %s",
			 R->run_id, R->s->n_phases, R->s->rounds, R->s->design.max_rounds,
			 ns_to_s(R->s->design.max_time_ns), (unsigned long long)R->plan.seed,
			 R->dir);
	else
		log_info("run %s: %zu phases x %u rounds, about %.0f s, seed %llu; results in %s",
			 R->run_id, R->s->n_phases, R->s->rounds, scenario_estimate_s(R->s),
			 (unsigned long long)R->plan.seed, R->dir);
	if (strcmp(R->s->probe.kind, "http") == 0 && R->s->probe_target &&
	    strcmp(R->s->probe_target, "victim") == 0 && run_start_victim(R) < 0)
		return;
	if (run_calibrate(R) < 0) {
		R->design.stopped = sig_stop_requested() ? "interrupted" : "failed";
		R->status = "failed";
		return;
	}
	(void)manifest_write(R, false);
	R->rounds_mono = clock_now_ns();
	for (size_t i = 0; !sig_stop_requested(); i++) {
		if (i == R->plan.n && !run_more_rounds(R))
			break;
		if (R->victim_started && R->victim.exited) {
			log_error(
				"isolab-victim exited (status %d) - see %s/victim.stderr; stopping",
				R->victim.status, R->dir);
			R->design.stopped = "failed";
			break;
		}
		if (run_one(R, i) < 0)
			break;
		(void)manifest_write(R, false);
		run_settle(R);
	}
	if (sig_stop_requested())
		R->design.stopped = "interrupted";
	R->design.rounds_done = R->plan.rounds;
	progress_done();
	if (R->n_recs == R->plan.n && !sig_stop_requested()) {
		bool all_failed = true;

		for (size_t i = 0; i < R->n_recs; i++)
			all_failed &= strcmp(R->recs[i].status, "failed") == 0;
		R->status = all_failed ? "failed" : "complete";
	} else {
		R->status = R->n_recs ? "partial" : "failed";
	}
	if (sig_stop_requested())
		log_warn("interrupted by signal %d: keeping what was measured (partial)",
			 sig_stop_signal());
}

/* Undoes what the run did on the host; false when something could not be undone. */
static bool undo_host(struct run *R)
{
	struct backend_err err = { 0 };
	bool ok = true;

	progress_done();
	run_stop_victim(R);
	if (restore_prio(R) < 0)
		ok = false;
	if (R->b && R->ops->teardown && R->ops->teardown(R->b, &err) < 0) {
		log_error("%s backend teardown: %s", R->ops->name, err.msg);
		ok = false;
	}
	if (R->b && !run_unprovision(R))
		ok = false;
	return ok;
}

/* A clean end removes the scratch dir and the journal; otherwise the journal stays for restore. */
static void close_journal(struct run *R, bool undone)
{
	if (undone) {
		int r = R->state_sub[0] ? file_remove_tree(R->state_sub) : 0;

		if (r < 0)
			log_warn("cannot remove %s: %s", R->state_sub, strerror(-r));
		journal_finish(R->j);
	} else {
		log_error("the host may still carry changes of run %s: run `isolab restore`",
			  R->run_id);
		journal_abandon(R->j);
	}
	R->j = NULL;
	R->x.journal = NULL;
}

int run_scenario(struct scenario *s, const char *text, const struct run_opts *o)
{
	struct run R = { .s = s, .o = o, .status = "failed" };
	bool undone = true;
	int ret = 1, r;

	R.started_wall = clock_wall_ns();
	R.started_mono = clock_now_ns();
	R.est_per_run_s = scenario_estimate_s(s) / (double)(s->n_phases * s->rounds);
	tool_proc_init(&R.victim, "victim");
	if (begin(&R, text) < 0 || plan_build(s, &R.plan) < 0)
		return 1;
	R.recs = calloc(R.plan.n + 1, sizeof(*R.recs));
	if (!R.recs)
		goto out_plan;
	R.recs_cap = R.plan.n + 1;
	R.design.seed = R.plan.seed;
	R.design.rest_idle_pct = NAN;
	R.design.cooldown.victim_rest_cpu_pct = NAN;
	if (make_config(&R) < 0 || open_journal(&R) < 0)
		goto out_journal;
	if (open_backend(&R) < 0) {
		ret = R.host_unfit ? 2 : 1;
		goto out_manifest;
	}
	r = run_provision(&R);
	if (r < 0) {
		ret = r == -EINVAL ? 2 : 1;
		goto out_undo;
	}
	if (prepare_backend(&R) < 0) {
		ret = R.host_unfit ? 2 : 1;
		goto out_undo;
	}
	if (preflight(&R) < 0) {
		ret = 2;
		goto out_undo;
	}
	run_all(&R);
out_undo:
	undone = undo_host(&R);
out_manifest:
	/* the final manifest while the backend can still describe itself */
	if (manifest_write(&R, true) < 0)
		log_error("cannot write %s/manifest.json", R.dir);
	if (R.b)
		R.ops->close(R.b);
	R.b = NULL;
out_journal:
	if (R.j)
		close_journal(&R, undone);
	if (R.n_recs && !o->no_report && report_render_dir(R.dir, NULL, REPORT_ALL) < 0)
		log_warn("the report could not be rendered (isolab report %s)", R.dir);
	if (strcmp(R.status, "complete") == 0)
		ret = 0;
	else if (ret != 2)
		ret = 1;
	if (!undone && ret == 0)
		ret = 1; /* measured, but the host still carries changes: `isolab restore` */
	if (o->dir_out && o->dir_out_len)
		snprintf(o->dir_out, o->dir_out_len, "%s", R.dir);
	if (!o->quiet) {
		run_print_verdicts(&R);
		print_summary(&R);
	}
	for (size_t i = 0; i < R.n_recs; i++) {
		free(R.recs[i].bomb_ok);
		free(R.recs[i].loads);
	}
	free(R.recs);
	free(R.made);
out_plan:
	plan_done(&R.plan);
	return ret;
}

int run_restore(bool verbose)
{
	const char *state = journal_state_dir();
	int r;

	(void)verbose;
	r = journal_replay_dir(state, &run_journal_env);
	if (r == -EPROTO || r == -EAGAIN || r == -EPERM) {
		log_error("restore: not everything could be undone: listed above");
		return 1;
	}
	if (r < 0) {
		log_error("restore: %s: %s", state, strerror(-r));
		return 1;
	}
	log_info("restore: %d run(s) restored from %s", r, state);
	return 0;
}
