/* SPDX-License-Identifier: MIT */
/*
 * The table of executors (exec.h): the built-in ones in exec-table.c, plus any
 * registered at run time (tests, out-of-tree executors). Adding an executor
 * is one file with a `const struct exec_ops` and one row in exec-table.c.
 */
#pragma once

#include <stddef.h>

struct exec_ops;

/* The executor named name, NULL when unknown. */
const struct exec_ops *exec_find(const char *name);
/* The default executor for a VM with no `exec =` and no target key: "local". */
const struct exec_ops *exec_default(void);
/* The i-th executor (built-in first, then registered), NULL past the end. */
const struct exec_ops *exec_at(size_t i);
/* Adds ops after the built-in ones: 0, -EEXIST (name taken) or -E2BIG. */
int exec_register(const struct exec_ops *ops);
/* "local or ssh": every name, for messages. */
const char *exec_names(char *buf, size_t len);
