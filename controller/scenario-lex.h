/* SPDX-License-Identifier: MIT */
/*
 * The scenario parser's first pass (scenario-lex.c): sections and entries with
 * their line numbers, and the error helpers scenario.c and scenario-phase.c share.
 */
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
	SECT_GROUP,
	SECT_NR,
};

extern const char *const scn_sect_names[SECT_NR];

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

/* Records the first error as "FILE:LINE: ..." and returns -EINVAL. */
int scn_fail(struct pctx *c, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
char *scn_strip(char *p);
int scn_dup_into(char **dst, const char *v);
/* Letters, digits, '-', '_', '.' (and '+' when allow_plus), 1..SCN_MAX_NAME-1 characters. */
bool scn_valid_name(const char *s, bool allow_plus);
/* Frees what a bomb or the probe owns (the struct itself is the caller's). */
void scn_tool_done(struct scn_tool *t);
/* The entry of sec with this key, NULL when none. */
const struct entry *scn_entry_find(const struct section *sec, const char *key);
/* The line of key in sec (errors point at it), else the section header's line. */
int scn_key_line(const struct section *sec, const char *key);
/* Splits text into c->sect; the first error goes to c->err. */
int scn_tokenise(struct pctx *c, const char *text, size_t len);
void scn_sections_free(struct pctx *c);
