/* SPDX-License-Identifier: MIT */
/* What the bombs may use: cgroup limits, memory, pids, free space. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * A cgroup limit file value: "max" or a v1 "no limit" figure (>= 2^62) is
 * -ENOENT (no limit); a number is written to *out.
 */
int sys_parse_limit(const char *text, uint64_t *out);

/* The tightest memory limit of our cgroup and its ancestors (v2 memory.max
 * or v1 memory.limit_in_bytes); -ENOENT when none applies. */
int sys_mem_limit(uint64_t *out);
/* /proc/meminfo fields in bytes ("MemAvailable", "MemTotal"). */
int sys_meminfo(const char *field, uint64_t *out);
/* Room left under the pids limit (pids.max - pids.current); -ENOENT: no limit. */
int sys_pids_room(uint64_t *out);
/* Bytes an unprivileged user may still write under dir (statvfs f_bavail). */
int sys_free_bytes(const char *dir, uint64_t *out);
