/* SPDX-License-Identifier: MIT */
/*
 * The isolab-bomb command line: a generic parser over option tables (struct
 * bomb_option, bomb.h). The common options are declared here
 * (bomb_common_options); each kind declares its own in its file.
 */
#pragma once

#include <stddef.h>

#include "bomb.h"

struct json_writer;

enum {
	BOMB_ARGS_RUN = 0,  /* cfg is filled: run it */
	BOMB_ARGS_EXIT = 1, /* --help, --version or --list-* was printed: exit 0 */
};

/* The options every kind takes, ending with { 0 }. */
extern const struct bomb_option bomb_common_options[];

/* Sets every field of cfg to its default (the kinds' come with the kind). */
void bomb_config_init(struct bomb_config *cfg);

/*
 * Parses argv into cfg (after bomb_config_init): the kind's defaults, then
 * the options in command-line order, then the kind's check(). Returns
 * BOMB_ARGS_RUN, BOMB_ARGS_EXIT, or -EINVAL after logging one precise line
 * (the caller exits 2). Re-entrant across calls (tests).
 */
int bomb_parse_args(int argc, char **argv, struct bomb_config *cfg);
/* The same over another table of kinds (NULL-terminated), for tests. */
int bomb_parse_args_from(const struct bomb_ops *const *kinds, int argc, char **argv,
			 struct bomb_config *cfg);

/* The option called name in table (ending with { 0 }), or NULL. */
const struct bomb_option *bomb_option_find(const struct bomb_option *table, const char *name);

/*
 * Reads arg into o's field of cfg, range-checked; logs one line and returns
 * -EINVAL when it does not parse. Does not touch o->set_off.
 */
int bomb_option_parse(const struct bomb_option *o, const char *arg, struct bomb_config *cfg);

/* The accepted values in words ("1-4096", "4.0 KiB to 1.0 PiB") into buf; "" if none. */
const char *bomb_option_range(const struct bomb_option *o, char *buf, size_t len);

/* Every option of table that has a json key, as members of the current object. */
void bomb_options_json(const struct bomb_option *table, const struct bomb_config *cfg,
		       struct json_writer *w);
