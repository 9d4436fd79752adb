// SPDX-License-Identifier: MIT
/* The one ssh command line (ssh-cmd.h). */
#include "ssh-cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "proc.h"

#define SSH_OUT_MAX 65536

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

bool ssh_target_valid(const char *target)
{
	if (!target || !*target || target[0] == '-' || strlen(target) > 255)
		return false;
	for (const char *p = target; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("'\";`$&|<>()\\", *p))
			return false;
	return true;
}

/* The options every ssh and scp of isolab gets. */
static size_t common_opts(const char **v, size_t n)
{
	v[n++] = "-o";
	v[n++] = "BatchMode=yes";
	v[n++] = "-o";
	v[n++] = SSH_CONNECT_TIMEOUT;
	return n;
}

int ssh_cmd_argv(struct ssh_cmd *c, const char *target, const char *remote_cmd)
{
	size_t n = 0;

	if (!ssh_target_valid(target) || !remote_cmd)
		return -EINVAL;
	c->argv[n++] = env_or("ISOLAB_SSH", "ssh");
	n = common_opts(c->argv, n);
	c->argv[n++] = "-T";
	c->argv[n++] = "--";
	c->argv[n++] = target;
	c->argv[n++] = remote_cmd;
	c->argv[n] = NULL;
	return 0;
}

int ssh_cmd_scp(struct ssh_cmd *c, const char *const files[], size_t n_files, const char *dest)
{
	size_t n = 0;

	if (n_files + 8 > SSH_CMD_ARGV_MAX)
		return -E2BIG;
	c->argv[n++] = env_or("ISOLAB_SCP", "scp");
	c->argv[n++] = "-q";
	n = common_opts(c->argv, n);
	c->argv[n++] = "--";
	for (size_t i = 0; i < n_files; i++)
		c->argv[n++] = files[i];
	c->argv[n++] = dest;
	c->argv[n] = NULL;
	return 0;
}

int ssh_cmd_run(const char *target, const char *remote_cmd, const char *stdin_data,
		uint64_t timeout_ns, char **out, int *status)
{
	struct ssh_cmd c;
	char *text = NULL;
	int st = 0, r;

	if (out)
		*out = NULL;
	r = ssh_cmd_argv(&c, target, remote_cmd);
	if (r < 0)
		return r;
	r = proc_run(c.argv, stdin_data, true, timeout_ns, SSH_OUT_MAX, &text, &st);
	if (r == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		r = -EIO;
	if (status)
		*status = st;
	if (out)
		*out = text;
	else
		free(text);
	return r;
}
