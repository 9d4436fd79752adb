// SPDX-License-Identifier: MIT
/*
 * The run (issue 4 §4): restore the leftovers of dead runs, make the results
 * directory, the journal and the backend (provisioning, preflight), calibrate,
 * then round after round each phase through run_one() (run-one.c) with a
 * cooldown between; at the end undo everything on the host, write the final
 * manifest and render the report. Results go to <results>/<run-id>/ as
 * docs/results.md describes.
 */
#include "run.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "backend-table.h"
#include "clock.h"
#include "exec-table.h"
#include "exec.h"
#include "fileio.h"
#include "journal.h"
#include "log.h"
#include "plan.h"
#include "progress.h"
#include "report.h"
#include "run-one.h"
#include "run-priv.h"
#include "run-provision.h"
#include "run-verdict.h"
#include "scenario.h"
#include "sig.h"

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
			 r == -EPROTO || r == -EAGAIN || r == -EPERM ? "listed above"
								     : strerror(-r));
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
	if (run_restore_prio(R) < 0)
		ok = false;
	/* each VM the run made, then what prepare() made around them */
	if (R->b && !run_unprovision(R))
		ok = false;
	if (R->b && R->ops->teardown && R->ops->teardown(R->b, &err) < 0) {
		log_error("%s backend teardown: %s", R->ops->name, err.msg);
		ok = false;
	}
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
	/* the plan first (local: the run's parent group), then each VM through provision */
	if (prepare_backend(&R) < 0) {
		ret = R.host_unfit ? 2 : 1;
		goto out_undo;
	}
	r = run_provision(&R);
	if (r < 0) {
		ret = r == -EINVAL ? 2 : 1;
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
