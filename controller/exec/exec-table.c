// SPDX-License-Identifier: MIT
/* The table of executors. Adding one is a file and a row here. */
#include "exec-table.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"

#define EXEC_MAX_REGISTERED 8

/*
 * The built-in executors, one row each: X(the executor's ops table). The
 * first row is the default. A new executor is its file and a row here.
 */
#define EXEC_LIST(X)                                                                               \
	X(exec_local_ops)                                                                          \
	X(exec_ssh_ops)

#define EXEC_EXTERN(ops) extern const struct exec_ops ops;
#define EXEC_ROW(ops)	 &ops,
EXEC_LIST(EXEC_EXTERN)
static const struct exec_ops *const exec_table[] = { EXEC_LIST(EXEC_ROW) };
#define N_BUILTIN (sizeof(exec_table) / sizeof(exec_table[0]))

static const struct exec_ops *registered[EXEC_MAX_REGISTERED];
static size_t n_registered;

const struct exec_ops *exec_at(size_t i)
{
	if (i < N_BUILTIN)
		return exec_table[i];
	i -= N_BUILTIN;
	return i < n_registered ? registered[i] : NULL;
}

const struct exec_ops *exec_find(const char *name)
{
	const struct exec_ops *e;

	for (size_t i = 0; name && (e = exec_at(i)); i++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

const struct exec_ops *exec_default(void)
{
	return exec_table[0];
}

int exec_register(const struct exec_ops *ops)
{
	if (!ops || !ops->name || !ops->start || !ops->signal)
		return -EINVAL;
	if (exec_find(ops->name))
		return -EEXIST;
	if (n_registered == EXEC_MAX_REGISTERED)
		return -E2BIG;
	registered[n_registered++] = ops;
	return 0;
}

const char *exec_names(char *buf, size_t len)
{
	const struct exec_ops *e;
	size_t n = 0, o = 0;

	while (exec_at(n))
		n++;
	buf[0] = '\0';
	for (size_t i = 0; (e = exec_at(i)) && o < len; i++) {
		const char *before = i == 0 ? "" : ", ";

		if (i > 0 && i + 1 == n)
			before = " or ";
		o += (size_t)snprintf(buf + o, len - o, "%s%s", before, e->name);
	}
	return buf;
}
