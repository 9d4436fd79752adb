/* SPDX-License-Identifier: MIT */
/*
 * The experiment design a scenario asks for (docs/controller.md "Load, SLO
 * and rounds"): how the probe loads the victim ([probe] load, rate, mode,
 * slo), how many rounds ([global] rounds = auto, max_rounds, max_time),
 * what counts as an effect (min_effect), the built-in A/A baseline (aa) and
 * when a bomb fell short (min_bomb_share). The parser hands these keys to
 * scn_design_key(); everything else about a scenario stays in scenario.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scn_load_mode {
	SCN_LOAD_SHARE,	 /* open loop at load_pct of the calibrated capacity (default) */
	SCN_LOAD_RATE,	 /* open loop at rate_rps */
	SCN_LOAD_CLOSED, /* closed loop, as before calibration existed; judged on throughput */
};

#define SCN_DEFAULT_LOAD_PCT	   50.0
#define SCN_DEFAULT_MAX_ROUNDS	   8
#define SCN_DEFAULT_MAX_TIME_NS	   (540ULL * 1000000000ULL) /* 9 min: the full default <= 10 */
#define SCN_DEFAULT_MIN_EFFECT_PCT 10.0
#define SCN_DEFAULT_MIN_BOMB_SHARE 2.0 /* below it a bomb did not load the host at all */
#define SCN_MIN_VALID_ROUNDS	   3   /* no verdict from fewer */
#define SCN_PROBE_DEFAULT_TIMEOUT  (25ULL * 1000000000ULL)
/* --quick: 3 rounds of phases at most this long */
#define SCN_QUICK_DURATION_NS (1000ULL * 1000000ULL)
#define SCN_QUICK_WARMUP_NS   (300ULL * 1000000ULL)
#define SCN_QUICK_COOLDOWN_NS (500ULL * 1000000ULL)
/* --quick on rounds = auto: at most this many rounds, none ending past this time */
#define SCN_QUICK_MAX_ROUNDS  6
#define SCN_QUICK_MAX_TIME_NS (120ULL * 1000000000ULL)

struct scn_design {
	enum scn_load_mode load_mode;
	double load_pct; /* SCN_LOAD_SHARE */
	double rate_rps; /* SCN_LOAD_RATE */
	uint64_t slo_ns; /* 0: derived from the calibration */
	bool rounds_auto;
	unsigned max_rounds;   /* rounds = auto: at most this many */
	uint64_t max_time_ns;  /* rounds = auto: no round starts that would end after this */
	double min_effect_pct; /* smaller differences count as "no effect" */
	bool aa;	       /* measure the baseline twice per round */
	double min_bomb_share; /* % of its requested load a bomb must achieve */
	uint64_t seed;	       /* isolab run --seed: the phase orders to replay */
	bool seed_set;
	int line_load, line_rate, line_mode, line_slo, line_max_rounds, line_max_time;
};

void scn_design_defaults(struct scn_design *d);

/*
 * The derived SLO (no slo key): the largest of the time the victim needs for
 * SCN_SLO_QUEUE requests at its calibrated capacity, its own p99 latency when
 * saturated alone in the calibration (slower than that is degraded service by
 * the victim's own standard; it also carries the host's jitter), and a floor
 * (below it timer and scheduler granularity decide, not the victim).
 */
#define SCN_SLO_QUEUE	 25
#define SCN_SLO_FLOOR_NS (10ULL * 1000000ULL)

/* What every phase's probe is asked to do, once the calibration is known. */
struct scn_load {
	bool open;	      /* open loop at rate_rps; else closed loop */
	double rate_rps;      /* open loop */
	uint64_t slo_ns;      /* --slo */
	char slo_source[160]; /* "scenario" or "derived: <rule in words>" */
};

/*
 * Resolves the design against the calibrated capacity (NAN: the calibration
 * failed) and the calibration's p99 (NAN: unknown). 0, or -EINVAL with a
 * one-line reason in err when the design needs a capacity it does not have
 * (load = P% or a derived SLO).
 */
int scn_design_resolve(const struct scn_design *d, double capacity_rps, double sat_p99_ms,
		       struct scn_load *out, char *err, size_t errlen);

/* "open" or "closed". */
const char *scn_load_mode_name(enum scn_load_mode m);

struct scenario;
/* The probe's --timeout as the scenario passes it through, else the probe's default. */
uint64_t scn_probe_timeout_ns(const struct scenario *s);

/* For the parser (scenario.c): */
struct pctx;
struct entry;
/* A design key of [probe] or [global]: 1 when handled, 0 when not one, -EINVAL (reported). */
int scn_design_key(struct pctx *c, bool probe_section, const struct entry *e);
/* Checks the design keys against each other and adds the A/A twin; 0 or -EINVAL. */
int scn_design_check(struct pctx *c);
