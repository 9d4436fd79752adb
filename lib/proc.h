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

#define PROC_FD_INHERIT (-1) /* the child keeps this process's fd */
#define PROC_FD_NULL	(-2) /* the child gets /dev/null */

/* How to start a child (proc_spawn). */
struct proc_spawn {
	char *const *argv;
	const char *path; /* execv(path, argv) when set, else execvp(argv[0], argv) */
	/* Instead of exec (argv NULL): runs fn(arg) in the child, its return the exit status. */
	int (*fn)(void *arg);
	int fd_in; /* become the child's 0, 1, 2: an fd, PROC_FD_INHERIT or PROC_FD_NULL */
	int fd_out;
	int fd_err;
	int parent_death_sig; /* sent to the child when this process dies; 0 = none */
	/* Runs in the child just before exec (async-signal-safe code only); a
	 * negative errno fails the child with "isolab: <in_child_what>: <error>". */
	int (*in_child)(void *arg);
	void *arg;
	const char *in_child_what;
};

/*
 * The one way isolab starts a child. The child gets its own process group
 * (both sides call setpgid, so a signal right after the return reaches it),
 * every signal at its default disposition with none blocked, the requested
 * fds as 0, 1 and 2, optionally a parent-death signal and the caller's hook,
 * then exec (or fn). A child that cannot exec writes one line to its stderr
 * and exits 127. Returns the pid, or -errno when fork failed.
 */
pid_t proc_spawn(const struct proc_spawn *sp);

/* CPUs this process may run on (its affinity, which a cpuset or taskset narrows), >= 1. */
unsigned proc_cpus_allowed(void);
