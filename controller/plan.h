/* SPDX-License-Identifier: MIT */
/*
 * The plan: rounds are blocks, each runs every phase once, in a fresh random
 * order drawn from the run's seed (recorded in the manifest; `isolab run
 * --seed N` replays the same orders). Round r's order depends on the seed and
 * r alone, so a run that adds rounds (rounds = auto) replays just as well.
 * Drift on the host hits every phase alike, and no phase always follows the
 * same neighbour (X+prio after X, say).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct scenario;

struct plan_run {
	unsigned round; /* from 1 */
	unsigned order; /* position within its round, from 1 */
	size_t phase;	/* index into scenario.phases */
	char dir[160];	/* "runs/<round>-<phase-slug>" */
};

struct plan {
	struct plan_run *runs;
	size_t n;
	unsigned rounds; /* rounds planned so far */
	uint64_t seed;
};

/*
 * Builds s->rounds rounds from s->design.seed when seed_set (--seed), else from
 * plan_random_seed(); the seed used is p->seed. 0, -EINVAL (no phase) or
 * -ENOMEM. Free with plan_done().
 */
int plan_build(const struct scenario *s, struct plan *out);
/* Appends one more round (rounds = auto); 0 or -ENOMEM (the plan is unchanged then). */
int plan_add_round(struct plan *p, const struct scenario *s);
void plan_done(struct plan *p);

/* Seeds stay below 2^53 so that every JSON reader reads them back exactly. */
#define PLAN_SEED_MAX ((1ULL << 53) - 1)

/* A seed from the kernel's random source (the clock if that fails), <= PLAN_SEED_MAX. */
uint64_t plan_random_seed(void);

/* The phase name with every character outside [A-Za-z0-9._+-] replaced by '_'. */
char *plan_slug(const char *name, char *buf, size_t len);
