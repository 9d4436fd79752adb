/* SPDX-License-Identifier: MIT */
/*
 * The restore journal: before the controller changes anything on the host
 * (a scheduler setting, a process, a file) it appends what it needs to undo
 * it to <state-dir>/run-<run-id>.journal and fsyncs. A clean run removes the
 * journal at the end; after a crash, `isolab restore` or the next `isolab
 * run` replays the journal of every dead run and then removes it.
 *
 * One line per record, fields separated by spaces, each field
 * percent-encoded: "owner PID START", "backend KEY VALUE" (the backend's
 * name and every option it was opened with), "sched VM W C", "restored VM",
 * "proc PID START", "proc-done PID", "remote TARGET PGID EXEC" (a process
 * group an executor started elsewhere; EXEC defaults to ssh),
 * "remote-done TARGET PGID", "dir PATH", "make VM KEY VALUE", "unmade VM".
 * Never a password.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

struct journal;

struct exec_ops;

/*
 * What replay uses to undo a dead run: the backend and executor tables (the
 * journal itself knows none), tests inject fakes. A NULL owner_alive gets
 * the default (pid and start time still match); a NULL find or find_exec
 * fails a replay that needs it.
 */
struct journal_env {
	const struct backend_ops *(*find)(const char *name);
	const struct exec_ops *(*find_exec)(const char *name);
	bool (*owner_alive)(pid_t pid, uint64_t start_time);
};

/* $ISOLAB_STATE_DIR, else /var/lib/isolab. */
const char *journal_state_dir(void);

/*
 * Creates the journal for run_id (state dir made 0700 if needed) and records
 * the owner (this process) and the backend config. *out only on success.
 */
int journal_create(const char *state_dir, const char *run_id, const struct backend_config *cfg,
		   struct journal **out);
const char *journal_path(const struct journal *j);

/* The original setting of vm, before it is changed. Kept once until restored. */
int journal_sched(struct journal *j, const char *vm, const struct sched_params *orig);
/* Restores every setting journalled and not yet restored, through an open backend. */
int journal_restore_sched(struct journal *j, const struct backend_ops *ops, struct backend *b,
			  struct backend_err *err);
/* Number of settings journalled and not yet restored. */
size_t journal_pending(const struct journal *j);

int journal_proc(struct journal *j, pid_t pid, uint64_t start_time);
int journal_proc_done(struct journal *j, pid_t pid);
/* A process group executor exec started at target (its kill_remote undoes it). */
int journal_remote(struct journal *j, const char *exec, const char *target, long pgid);
int journal_remote_done(struct journal *j, const char *target, long pgid);
/* A directory the run created (inside the state dir) to remove on replay. */
int journal_dir(struct journal *j, const char *path);
/*
 * One fact of a VM the backend makes for the run ("make VM KEY VALUE"),
 * before the step that makes it true; replay hands every fact of a VM not
 * marked unmade to the backend's unprovision_noted().
 */
int journal_make(struct journal *j, const char *vm, const char *key, const char *value);
/* The VM is destroyed ("unmade VM"): nothing of it to undo any more. */
int journal_unmade(struct journal *j, const char *vm);

/* Clean end: removes the journal file and frees. */
void journal_finish(struct journal *j);
/* Frees, keeps the file (a crash, or restore failed). NULL is a no-op. */
void journal_abandon(struct journal *j);

/*
 * Replays one journal file: kills the recorded processes still alive (pid and
 * start time match), kills remote groups (the executor's kill_remote),
 * restores scheduler settings, removes the backend's leftovers (its
 * cleanup_run) and recorded dirs, then removes the file. With force, replays even when the owner still runs. Returns 1 when
 * replayed, 0 when skipped (owner alive), or -errno (the file is kept).
 */
int journal_replay_file(const char *path, const struct journal_env *env, bool force);
/* Replays every run-*.journal in state_dir; returns how many were replayed or -errno. */
int journal_replay_dir(const char *state_dir, const struct journal_env *env);
