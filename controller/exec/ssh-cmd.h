/* SPDX-License-Identifier: MIT */
/*
 * The one ssh command line isolab uses, for tools, short commands, dom0's xl
 * and the journal's kill after a crash alike:
 *
 *   $ISOLAB_SSH -o BatchMode=yes -o ConnectTimeout=20 -T -- TARGET COMMAND
 *
 * ($ISOLAB_SSH defaults to "ssh"; $ISOLAB_SCP to "scp" with the same -o
 * options). BatchMode: never ask for a password. ConnectTimeout: a host that
 * is down fails in 20 s (a starved emulated guest still answers within it).
 * -T: no terminal. "--" ends the options, so a target can never be one.
 * COMMAND is one shell command line: every value in it goes through
 * shell_quote() (lib/shell.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SSH_CMD_ARGV_MAX    16
#define SSH_CONNECT_TIMEOUT "ConnectTimeout=20"

struct ssh_cmd {
	const char *argv[SSH_CMD_ARGV_MAX + 1];
};

/* A target ssh would not take for an option, without blanks or shell characters. */
bool ssh_target_valid(const char *target);

/* Fills c->argv for running remote_cmd on target; -EINVAL for an invalid target. */
int ssh_cmd_argv(struct ssh_cmd *c, const char *target, const char *remote_cmd);

/*
 * Fills c->argv for copying the n files to dest ("target:dir/") with scp;
 * -E2BIG when there are too many files.
 */
int ssh_cmd_scp(struct ssh_cmd *c, const char *const files[], size_t n, const char *dest);

/*
 * Runs remote_cmd on target through ssh_cmd_argv(), stdin from stdin_data
 * (NULL = none), stdout and stderr merged into *out when out is given (caller
 * frees; up to 64 KiB). 0 when it exited 0, -EIO when it did not (*status
 * tells how, when given), -ETIMEDOUT, or -errno.
 */
int ssh_cmd_run(const char *target, const char *remote_cmd, const char *stdin_data,
		uint64_t timeout_ns, char **out, int *status);
