/* SPDX-License-Identifier: MIT */
/*
 * The hidden --list-options of every tool: its getopt_long table printed one
 * long option per line ("--name"), so that the manual pages and the shell
 * completion are checked against the table itself and cannot drift from it.
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* Prints "--NAME\n" for each entry of the table (up to its NULL name). */
void optlist_print(const struct option *opts, FILE *f);

/*
 * True when argv is exactly { PROGRAM, "--list-options" }: the table has
 * then been printed to stdout and the caller exits 0.
 */
bool optlist_requested(int argc, char **argv, const struct option *opts);
