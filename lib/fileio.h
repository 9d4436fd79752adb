/* SPDX-License-Identifier: MIT */
/* Whole-file helpers. Every fd is O_CLOEXEC. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/*
 * Writes buf to path atomically: PATH.tmp.PID, fsync, rename, fsync of the
 * directory. Returns 0 or -errno; on failure the old file is untouched.
 */
int file_write_atomic(const char *path, const void *buf, size_t len, mode_t mode);

/*
 * Reads a whole file into a NUL-terminated malloc'd buffer (caller frees).
 * Fails with -EFBIG when the file is larger than max bytes.
 */
int file_read_all(const char *path, size_t max, char **out, size_t *len);

/* Writes a short string to a file that exists (sysfs/cgroupfs knobs). */
int file_write_str(const char *path, const char *s);

/* mkdir -p with mode; 0 when it exists already. */
int file_mkdirs(const char *path, mode_t mode);

/*
 * Removes path and everything below it (like rm -rf, without a shell or a
 * child): files and links are unlinked, never followed, directories removed
 * depth first. 0 when path does not exist; -errno of the first failure.
 */
int file_remove_tree(const char *path);
