/* SPDX-License-Identifier: MIT */
/* The state of one `isolab run`, shared by run.c and manifest.c. */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend.h"
#include "exec.h"
#include "manifest-design.h"
#include "plan.h"
#include "run-at.h"

struct scenario;
struct run_opts;

#define RUN_PATH_MAX 2048 /* the run and state dirs; longer is refused */

/* One VM the backend made for the run (run-provision.c). */
struct run_made {
	size_t vm;		 /* index into the scenario's VMs */
	char id[BACKEND_ID_MAX]; /* its identity on the backend, "" before provision() */
	bool made;		 /* provision() was called: something may exist */
	bool gone;		 /* destroyed */
	double provision_s;	 /* wall time of provision() */
	double ready_s;		 /* then until up, addressed and the tools copied */
	double destroy_s;
};

/* One executed (round, phase). */
struct run_rec {
	size_t idx; /* into plan.runs */
	const char *status;
	char started[32];
	char ended[32];
	bool probe_ok;
	bool *bomb_ok; /* per phase bomb */
	double p99_ms;
	double success_pct;
	double good_pct;
	struct run_mech mech;		   /* validity and mechanism (manifest-design.h) */
	struct mech_load *loads;	   /* per phase bomb, owned */
	struct run_at_done at[RUN_AT_MAX]; /* the phase's at.TIME changes as applied */
	size_t n_at;
};

struct run {
	struct scenario *s;
	const struct run_opts *o;
	char run_id[40];
	char dir[RUN_PATH_MAX];
	char state_sub[RUN_PATH_MAX]; /* <state>/run-<id>.d: victim db, urls, disk bomb files */
	struct backend_config cfg;
	const struct backend_ops *ops;
	struct backend *b;
	struct backend_caps caps;
	bool caps_ok;
	bool host_unfit; /* the backend refused this host or scenario (exit 2, not 1) */
	struct journal *j;
	struct exec_ctx x;
	struct tool_proc victim;
	bool victim_started;
	char victim_url[300];
	char urls_file[RUN_PATH_MAX + 64];
	struct plan plan;
	struct run_rec *recs;
	size_t n_recs;
	size_t recs_cap;
	struct design_record design; /* seed, calibration, load, why the rounds ended */
	uint64_t rounds_mono;	     /* when round 1 started */
	uint64_t started_wall;
	uint64_t started_mono;
	double est_per_run_s;
	char last_phase[200]; /* the last finished run, for the progress line */
	double last_p99_ms;
	double last_success_pct;
	double last_good_pct;
	const char *status;	     /* complete / partial / failed */
	char probe_protection[1024]; /* copied: the backend's string dies with it */
	char scheduler[64];
	const struct scn_phase *phase; /* the phase running now (its load, intensities) */
	struct run_made *made;	       /* VMs made for the run, in the order made */
	size_t n_made;
};

/* A growing argv whose strings it owns. */
struct run_args {
	char *v[128];
	size_t n;
	bool oom;
};

/* run-tools.c: VMs, argv, starting tools, the victim service */
struct scn_vm;
struct scn_tool;
const char *run_vm_ident(const struct run *R, const char *name);
const char *run_vm_addr(const struct run *R, const struct scn_vm *vm);
const struct exec_ops *run_vm_exec(const struct scn_vm *vm);
char *run_subst(const struct run *R, const char *v); /* ${VM} -> address; caller frees */
/* How long tools get to stop after SIGTERM: the longest any VM's executor asks for. */
uint64_t run_stop_grace_ns(const struct run *R);
/* The longest an executor of the run may take to reach its machine (exec_ops.connect_ns). */
uint64_t run_connect_ns(const struct run *R);

void run_arg(struct run_args *a, const char *s);
void run_arg_own(struct run_args *a, char *s);
void run_argf(struct run_args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void run_args_free(struct run_args *a);
void run_tool_opts(const struct run *R, struct run_args *a, const struct scn_tool *t);
bool run_has_opt(const struct scn_tool *t, const char *key);
int run_start_tool(struct run *R, const struct scn_vm *vm, struct run_args *a,
		   const char *stderr_path, struct tool_proc *p);
int run_start_victim(struct run *R);
/*
 * Starts the probe against the scenario's target with its options: a phase's
 * (the load's --rate and --slo, the scenario's duration and warmup, --log in
 * dir) or, with calibrate, the closed-loop calibration (duration_ns,
 * warmup_ns). 0 or -EIO (logged).
 */
int run_start_probe(struct run *R, const char *dir, bool calibrate, uint64_t duration_ns,
		    uint64_t warmup_ns, struct tool_proc *probe);
void run_stop_victim(struct run *R);

/* Writes manifest.json atomically; 0 or -errno. */
int manifest_write(const struct run *R, bool final);
