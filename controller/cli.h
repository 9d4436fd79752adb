/* SPDX-License-Identifier: MIT */
/*
 * The operator's commands (vms, sched, deploy, check) and the backend options
 * every command shares. Those options come from the backends' option tables
 * (backend_opt rows): --backend, one long option per row that has one, and
 * -f/--scenario to take them from a scenario's [global].
 */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "backend.h"

struct scenario;

enum {
	CLI_OPT_BACKEND = 1000,
	CLI_OPT_BACKEND_OPTS, /* + the index of backend_opt_at() */
};

#define CLI_MAX_OPTIONS 64

/*
 * The getopt_long table of a command: its own options (own, ending with a
 * NULL name), then --backend, every backend option and -f/--scenario, then
 * the terminator, written into out (max entries). Returns out.
 */
const struct option *cli_options(const struct option *own, struct option *out, size_t max);

/* The "Backend (...)" block of a command's --help, from the option tables. */
void cli_backend_help(FILE *f);

struct cli_backend {
	struct backend_config cfg;
	const char *scenario_file;
	bool given; /* any backend option on the command line */
};

/* Handles one backend option: 0 taken, -ENOENT not a backend option, -EINVAL bad (printed). */
int cli_backend_opt(struct cli_backend *cb, int c, const char *arg);
/* Checks combinations; prints one line and returns -EINVAL when wrong. */
int cli_backend_validate(const struct cli_backend *cb, const char *who);

/* `isolab check`'s backend part: open, caps, every scenario VM known. Exit status. */
int cli_check_backend(const struct scenario *s, const struct backend_config *override);

/* One line for a getopt error (opterr = 0, optstring starting "+:"); returns 2. */
int cli_bad_option(const char *who, char **argv, int c);

int cli_cmd_vms(int argc, char **argv);
int cli_cmd_sched(int argc, char **argv);
int cli_cmd_deploy(int argc, char **argv);
int cli_cmd_hosts(int argc, char **argv);
