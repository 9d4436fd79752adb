/* SPDX-License-Identifier: MIT */
/*
 * isolab-bomb's --help, --list-kinds and --list-options, generated from the
 * option tables (options.h, each kind's ops->options), so they cannot drift
 * from what the parser accepts.
 */
#pragma once

#include <stdio.h>

#include "bomb.h"

/* The general help: usage, the kinds, the common options. */
void bomb_usage(FILE *f, const struct bomb_ops *const *kinds);
/* KIND --help: the kind's own options and notes. */
void bomb_kind_usage(FILE *f, const struct bomb_ops *ops);
/* One kind name per line. */
void bomb_list_kinds(FILE *f, const struct bomb_ops *const *kinds);
/* One long option per line ("--name") of table (ending with { 0 }). */
void bomb_list_options(FILE *f, const struct bomb_option *table);
