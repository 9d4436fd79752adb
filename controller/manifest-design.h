/* SPDX-License-Identifier: MIT */
/*
 * What the verdicts rest on, as the manifest records it (docs/results.md):
 * the design (seed, rounds, thresholds), the calibration and the load it
 * gave, and per run its validity and the mechanism (victim CPU share, the
 * scheduler read back, each bomb's achieved load). Plain data filled by the
 * run loop; these functions only render it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "mechanism.h"
#include "scenario-design.h"
#include "validity.h"

struct json_writer;
struct scenario;

struct calibration {
	bool ran;
	bool ok;
	double capacity_rps; /* ok requests / measured seconds */
	unsigned concurrency;
	double duration_s;
	double p50_ms, p99_ms;
	double victim_cpu_share_pct; /* over the calibration's measurement, NAN: unknown */
	char error[256];	     /* when not ok */
};

struct design_record {
	uint64_t seed;
	unsigned rounds_done;
	const char *stopped; /* why no more rounds came: see docs/results.md; NULL while running */
	double rest_idle_pct;
	struct settle_knobs {
		double tolerance_pct;
		double window_s, max_s;
		/* the victim's own CPU use at rest (% of one CPU), NAN: not measured */
		double victim_rest_cpu_pct;
		double victim_tolerance_pct;
		char victim_source[160]; /* "cgroup cpuacct.usage", ..., "unavailable: <why>" */
	} cooldown;
	struct calibration cal;
	bool load_ok; /* load resolved (scn_design_resolve) */
	struct scn_load load;
};

#define SCHED_SNAP_MAX 16

/* The scheduler as read back for the phase's VMs at one moment. */
struct sched_snap {
	bool taken;
	size_t n;
	struct {
		char vm[64];
		bool ok; /* read back; else error says why */
		int weight, cap;
		bool live;
		char error[128];
	} vm[SCHED_SNAP_MAX];
};

/* The cooldown after one run: the host's wait, then the victim's. */
struct cooldown_rec {
	bool taken; /* false: no cooldown (cooldown = 0, the last run, a stop) */
	bool host_settled;
	double host_waited_s, host_idle_pct; /* idle NAN: no rest level, the bound was waited */
	bool victim_checked; /* false: its CPU use cannot be read (design.cooldown says why) */
	bool victim_settled;
	double victim_waited_s, victim_cpu_pct;
};

/* Per run (round x phase): validity and the mechanism. */
struct run_mech {
	struct validity validity;
	double victim_cpu_share_pct; /* NAN: unavailable */
	char victim_cpu_source[160]; /* "cgroup cpuacct.usage", ..., "unavailable: <why>" */
	struct sched_snap start, end;
	const char *scheduler; /* the backend's scheduler name */
	bool has_details;      /* details read for the victim at the start */
	struct backend_sched_details details;
	size_t n_bombs;
	const char *const *bomb_names; /* the phase's, borrowed */
	struct mech_load *bombs;       /* n_bombs; NAN figures where a bomb did not report */
	struct cooldown_rec cooldown_after;
};

/* "design", "calibration" and "load" members of the manifest's top object. */
void manifest_design_json(struct json_writer *w, const struct scenario *s,
			  const struct design_record *d, unsigned rounds_planned);
/* The run's members: order, valid, invalid, victim_cpu_*, sched, bombs_achieved. */
void manifest_run_mech_json(struct json_writer *w, unsigned order, const struct run_mech *m);
