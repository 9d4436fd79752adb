/* SPDX-License-Identifier: MIT */
/*
 * Whether one run (round x phase) is valid evidence (docs/results.md,
 * runs[].valid / invalid): a bomb failed, did not report, never became ready
 * or achieved less than design.min_bomb_share of its requested load; a
 * priority could not be set, or was stored but not live; the run was
 * interrupted. A probe that did not report is *not* a reason: a victim that
 * died is the worst result (0 % good), not a missing one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct mech_load;

#define VALIDITY_MAX	8
#define VALIDITY_REASON 200

struct validity {
	char reasons[VALIDITY_MAX][VALIDITY_REASON]; /* one line each */
	size_t n;
	size_t more; /* reasons past VALIDITY_MAX, counted only */
};

/* What the run loop knows about one bomb of the phase. */
struct validity_bomb {
	const char *name;
	bool started;		      /* the executor started it */
	bool ready;		      /* it said isolab-ready in time */
	bool reported;		      /* it printed a JSON result */
	const char *why;	      /* when not: what may have lost it ("" or NULL: unknown) */
	const char *status;	      /* the result's status: ok, interrupted, failed */
	const char *error;	      /* the result's error, when failed */
	const struct mech_load *load; /* from mech_bomb_load(); NULL when not reported */
};

void validity_init(struct validity *v);
/* Adds a one-line reason (printf). */
void validity_add(struct validity *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool validity_ok(const struct validity *v);

/* Adds what makes this bomb's run invalid, if anything; min_share_pct from the design. */
void validity_check_bomb(struct validity *v, const struct validity_bomb *b, double min_share_pct);
