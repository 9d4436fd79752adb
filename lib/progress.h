/* SPDX-License-Identifier: MIT */
/*
 * A live one-line status on stderr when stderr is a terminal; nothing
 * otherwise. progress_update() rewrites the line at most every 200 ms.
 */
#pragma once

#include <stdbool.h>

void progress_init(bool enabled); /* enabled && isatty(2) */
bool progress_enabled(void);
void progress_update(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_done(void); /* clears the line */
