/* SPDX-License-Identifier: MIT */
/*
 * Signals and cleanup shared by every binary. Handlers only set a flag.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Installs handlers for SIGINT, SIGTERM and SIGHUP that record the signal
 * (sig_stop_requested() turns true) and ignores SIGPIPE. Handlers are
 * installed without SA_RESTART so blocking calls return EINTR.
 */
int sig_install_stop(void);
bool sig_stop_requested(void);
/* The signal that requested the stop, 0 if none. */
int sig_stop_signal(void);
/* Sets the stop flag from code (e.g. a duration elapsed); async-signal-safe. */
void sig_request_stop(int signo);
/* Clears the flag (tests). */
void sig_reset(void);

/*
 * In a child after fork(): ask for signo when the parent dies, then check
 * that the parent is still the expected one (it may have died before the
 * prctl). Returns 0, or -ESRCH when the parent is already gone.
 */
int sig_parent_death(int signo, pid_t expected_parent);

/*
 * Cleanup stack: functions run in reverse order of registration by
 * cleanup_run(), at most once each. Not for signal handlers: call
 * cleanup_run() from main once sig_stop_requested() is seen.
 */
int cleanup_push(void (*fn)(void *arg), void *arg);
/* Removes the most recent entry with this fn/arg without running it. */
void cleanup_forget(void (*fn)(void *arg), void *arg);
void cleanup_run(void);
