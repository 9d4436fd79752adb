/* SPDX-License-Identifier: MIT */
/* Inside the scenario parser: what scenario.c and scenario-phase.c share. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenario.h"

#define SCN_MAX_FILE	 (1 << 20)
#define SCN_MAX_ENTRIES	 4096
#define SCN_MAX_SWEEP	 64
#define SCN_MAX_PHASES	 1024
#define SCN_MAX_ROUNDS	 1000
#define SCN_MAX_DURATION (24ULL * 3600 * 1000000000ULL)

enum sect_type {
	SECT_GLOBAL,
	SECT_VM,
	SECT_PROBE,
	SECT_BOMB,
	SECT_PHASE,
};

struct entry {
	char *key;
	char *value;
	int line;
};

struct section {
	enum sect_type type;
	char *name;
	int line;
	struct entry *e;
	size_t n;
};

struct pctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	struct section *sect;
	size_t n_sect;
	size_t n_entries;
	struct scenario *s;
};

/* The unexpanded phase: base values plus at most one sweep list. */
struct raw_phase {
	struct scn_phase ph;
	const struct entry *sweep;
	int twin_line; /* where twin = is, for errors */
	int values[SCN_MAX_SWEEP];
	size_t n_values;
};

/* Records the first error as "FILE:LINE: ..." and returns -EINVAL. */
int scn_fail(struct pctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *scn_strip(char *p);
int scn_dup_into(char **dst, const char *v);

int scn_do_phase(struct pctx *c, const struct section *sec, struct raw_phase *rp);
/* Resolves twins, then expands sweeps into the scenario's phase list. */
int scn_expand_phases(struct pctx *c, struct raw_phase *rps, size_t n);
void scn_phase_done(struct scn_phase *ph);
