/* SPDX-License-Identifier: MIT */
/* The isolab-bomb command line: one static option table, help beside it. */
#pragma once

#include <stdio.h>

struct bomb_config;

enum {
	BOMB_ARGS_RUN = 0,  /* cfg is filled: run it */
	BOMB_ARGS_EXIT = 1, /* --help or --version was printed: exit 0 */
};

/* Sets every field of cfg to its default (kind defaults come later). */
void bomb_config_init(struct bomb_config *cfg);

/*
 * Parses argv into cfg (after bomb_config_init), then runs the kind's
 * check(). Returns BOMB_ARGS_RUN, BOMB_ARGS_EXIT, or -EINVAL after logging
 * one precise line (the caller exits 2). Re-entrant across calls (tests).
 */
int bomb_parse_args(int argc, char **argv, struct bomb_config *cfg);

void bomb_usage(FILE *f);
