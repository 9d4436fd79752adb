/* SPDX-License-Identifier: MIT */
/* Process helpers: waiting with a timeout and stopping what we started. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Waits for pid to exit for at most timeout_ns (0 = poll once). Returns 0
 * and the wait status in *status, -ETIMEDOUT if still running, or -errno.
 */
int proc_wait_timeout(pid_t pid, uint64_t timeout_ns, int *status);

/*
 * Stops a child we started: SIGTERM to the process group pgid (or to pid
 * alone when group is false), waits up to grace_ns, then SIGKILL and reaps.
 * Returns 0 and the status, or -errno.
 */
int proc_stop(pid_t pid, bool group, uint64_t grace_ns, int *status);

/* Reaps every exited child without blocking; returns how many. */
int proc_reap_children(void);

/* true when pid exists (kill(pid, 0) succeeds or fails with EPERM). */
bool proc_alive(pid_t pid);

/* Process start time (field 22 of /proc/PID/stat, in clock ticks), 0 if gone.
 * With the pid it identifies a process across pid reuse (for journals). */
uint64_t proc_start_time(pid_t pid);

/*
 * Runs argv[0] (PATH search) with stdin from stdin_data (NULL = /dev/null),
 * capturing stdout (and stderr when merge_stderr) into a malloc'd
 * NUL-terminated *out, at most max_out bytes (more is an error, -EFBIG).
 * Kills the child's process group after timeout_ns (-ETIMEDOUT). Returns 0
 * and the wait status in *status once the child exited, or -errno.
 * *out is written whenever the child ran, also on error, and may be NULL.
 */
int proc_run(const char *const argv[], const char *stdin_data, bool merge_stderr,
	     uint64_t timeout_ns, size_t max_out, char **out, int *status);
