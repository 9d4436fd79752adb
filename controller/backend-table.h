/* SPDX-License-Identifier: MIT */
/*
 * The table of backends (backend.h): the built-in ones in backend-table.c,
 * plus any registered at run time (tests, out-of-tree backends). Adding a
 * backend is one file with a `const struct backend_ops` and one row here.
 * The options of every backend together make the scenario's [global]
 * backend keys and the command line's backend options.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct backend_config;
struct backend_ops;
struct backend_opt;

/* The backend named name, NULL when unknown. */
const struct backend_ops *backend_find(const char *name);
/* The embedded default ("local"): the table's first row. */
const struct backend_ops *backend_default(void);
/* The i-th backend (built-in first, then registered), NULL past the end. */
const struct backend_ops *backend_at(size_t i);
/* Adds ops after the built-in ones: 0, -EINVAL, -EEXIST (name taken) or -E2BIG. */
int backend_register(const struct backend_ops *ops);

/* Every backend's name joined: backend_names(buf, len, ", ", " or ") = "local, xenapi or xl". */
const char *backend_names(char *buf, size_t len, const char *sep, const char *last_sep);

/*
 * The i-th distinct option over every backend (by key, first row wins, in
 * table order), NULL past the end.
 */
const struct backend_opt *backend_opt_at(size_t i);
/* The option with this key over every backend, NULL when none has it. */
const struct backend_opt *backend_opt_find(const char *key);
/* Whether ops declares an option with this key. */
bool backend_has_opt(const struct backend_ops *ops, const char *key);
/* The first backend declaring key (for "--url needs --backend xenapi"), NULL when none. */
const struct backend_ops *backend_opt_owner(const char *key);

/*
 * For every option of cfg->name's backend that cfg does not set and whose
 * row names an environment variable that is set: takes the value from there
 * (e.g. cgroup_root from $ISOLAB_CGROUP_ROOT). 0 or -E2BIG.
 */
int backend_cfg_env(struct backend_config *cfg);
