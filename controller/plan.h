/* SPDX-License-Identifier: MIT */
/*
 * The plan: every phase once per round, rounds one after the other so that
 * drift on the host hits every phase alike. Round 1 keeps the scenario's
 * order; each later round starts one phase further on (a rotation), so no
 * phase always runs right after the same neighbour.
 */
#pragma once

#include <stddef.h>

struct scenario;

struct plan_run {
	unsigned round; /* from 1 */
	size_t phase;	/* index into scenario.phases */
	char dir[160];	/* "runs/<round>-<phase-slug>" */
};

struct plan {
	struct plan_run *runs;
	size_t n;
};

/* Builds the plan; 0 or -ENOMEM. Free with plan_done(). */
int plan_build(const struct scenario *s, struct plan *out);
void plan_done(struct plan *p);

/* The phase name with every character outside [A-Za-z0-9._+-] replaced by '_'. */
char *plan_slug(const char *name, char *buf, size_t len);
