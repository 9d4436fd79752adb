/* SPDX-License-Identifier: MIT */
/* The operator's commands (vms, sched, deploy, check) and the backend options they share. */
#pragma once

#include <stdbool.h>

#include "backend.h"

struct scenario;

enum {
	CLI_OPT_BACKEND = 1000,
	CLI_OPT_URL,
	CLI_OPT_USER,
	CLI_OPT_PASSWORD_FILE,
	CLI_OPT_CA_FILE,
	CLI_OPT_INSECURE,
	CLI_OPT_DOM0,
	CLI_OPT_CGROUP_ROOT,
};

#define CLI_BACKEND_OPTIONS                                                                        \
	{ "backend", required_argument, NULL, CLI_OPT_BACKEND },                                   \
		{ "url", required_argument, NULL, CLI_OPT_URL },                                   \
		{ "user", required_argument, NULL, CLI_OPT_USER },                                 \
		{ "password-file", required_argument, NULL, CLI_OPT_PASSWORD_FILE },               \
		{ "ca-file", required_argument, NULL, CLI_OPT_CA_FILE },                           \
		{ "insecure", no_argument, NULL, CLI_OPT_INSECURE },                               \
		{ "dom0", required_argument, NULL, CLI_OPT_DOM0 },                                 \
		{ "cgroup-root", required_argument, NULL, CLI_OPT_CGROUP_ROOT },                   \
	{                                                                                          \
		"scenario", required_argument, NULL, 'f'                                           \
	}

#define CLI_BACKEND_HELP                                                                           \
	"Backend (default: the scenario's [global], else local):\n"                                \
	"      --backend NAME     local | xenapi | xl\n"                                           \
	"      --url URL          XenAPI pool, https://HOST\n"                                     \
	"      --user USER        XenAPI user\n"                                                   \
	"      --password-file F  XenAPI password (mode 0600; or $ISOLAB_XENAPI_PASSWORD)\n"       \
	"      --ca-file FILE     CA bundle for the pool's certificate\n"                          \
	"      --insecure         do not verify the certificate (warned on every run)\n"           \
	"      --dom0 USER@HOST   ssh to dom0 for xl and live XenAPI changes\n"                    \
	"      --cgroup-root DIR  local: cgroup mount to use (tests)\n"                            \
	"  -f, --scenario FILE    take the backend options from FILE's [global]\n"

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
