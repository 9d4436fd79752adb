/* SPDX-License-Identifier: MIT */
/* What the journal's writer (journal.c) and its replay (journal-replay.c) share. */
#pragma once

#include "backend.h"

#define JOURNAL_VERSION	 1 /* the "isolab-journal V RUN-ID" header this isolab writes */
#define JOURNAL_MAX_FILE (4 << 20)
#define JOURNAL_MAX_VMS	 256
#define FIELD_MAX	 1024

/* A scheduler setting to go back to. */
struct pending {
	char *vm;
	struct sched_params orig;
};
