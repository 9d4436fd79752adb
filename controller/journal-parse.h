/* SPDX-License-Identifier: MIT */
/*
 * A dead run's journal as read (journal-parse.c), before its replay
 * (journal-replay.c) undoes it; and the replay's messages, which quote the
 * journal with its control bytes shown as '?'.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "journal-make.h"
#include "journal-priv.h"
#include "log.h"

struct rec_proc {
	long pid;
	uint64_t start;
	bool done;
};

struct rec_remote {
	char *target;
	char *exec;
	long pgid;
	bool done;
};

struct replay {
	char name[128]; /* the journal's file name, for messages (cleaned) */
	size_t lineno;
	char run_id[FIELD_MAX];
	long version;
	long owner_pid;
	uint64_t owner_start;
	struct backend_config cfg;
	char *cfg_store[2 * BACKEND_MAX_OPTS + 1]; /* the strings cfg points to */
	size_t n_store;
	struct pending sched[JOURNAL_MAX_VMS];
	size_t n_sched;
	struct rec_proc *procs;
	size_t n_procs;
	struct rec_remote *remotes;
	size_t n_remotes;
	char **dirs;
	size_t n_dirs;
	struct made_set made; /* VMs the backend made for the run */
	unsigned problems;    /* what could not be undone, each logged */
	bool retry;	      /* some of it may work next time: keep the journal */
};

/* Control bytes of a journal's string shown as '?', in place: a message stays one line. */
void replay_clean(char *s);
/* log_msg() of a message that quotes the journal, cleaned. */
void replay_say(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Logs one thing of rp that could not be undone and counts it; retry: it may work next time. */
void replay_problem(struct replay *rp, bool retry, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Splits text (len bytes, changed in place) into lines, a torn last one
 * ignored, and fills rp from its records (rp->name set, the rest zeroed
 * before). 0; -EBADMSG when the header is missing or wrong; -ENOMEM.
 */
int replay_parse(struct replay *rp, char *text, size_t len);
/* Frees what rp holds (not rp). */
void replay_done(struct replay *rp);
