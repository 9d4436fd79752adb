/* SPDX-License-Identifier: MIT */
/*
 * The bomb kinds, listed once. isolab-bomb builds its table of kinds from
 * this list (bombs/kinds.c: bomb_kinds[]) and the controller checks
 * scenario files against it (controller/scenario.c), so adding a kind is
 * one row here plus its file. A row is X(id, "name"): the kind's
 * `const struct bomb_ops bomb_<id>_ops` lives in bombs/bomb-<name>.c.
 * Header only: the controller does not link the bombs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define BOMB_KIND_LIST(X)                                                                          \
	X(cpu, "cpu")                                                                              \
	X(mem, "mem")                                                                              \
	X(fork, "fork")                                                                            \
	X(disk, "disk")                                                                            \
	X(net_send, "net-send")                                                                    \
	X(net_recv, "net-recv")

/* The i-th kind's name, in list order; NULL past the end. */
static inline const char *bomb_kind_name(size_t i)
{
#define BOMB_KIND_NAME_(id, name) name,
	static const char *const names[] = { BOMB_KIND_LIST(BOMB_KIND_NAME_) };
#undef BOMB_KIND_NAME_

	return i < sizeof(names) / sizeof(names[0]) ? names[i] : NULL;
}

static inline bool bomb_kind_known(const char *name)
{
	for (size_t i = 0; bomb_kind_name(i); i++)
		if (!strcmp(bomb_kind_name(i), name))
			return true;
	return false;
}

/* "cpu, mem, fork, disk, net-send or net-recv" into buf (truncated to len). */
static inline const char *bomb_kind_names(char *buf, size_t len)
{
	size_t n = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; bomb_kind_name(i) && n < len; i++) {
		const char *sep = !i ? "" : bomb_kind_name(i + 1) ? ", " : " or ";
		int w = snprintf(buf + n, len - n, "%s%s", sep, bomb_kind_name(i));

		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}
