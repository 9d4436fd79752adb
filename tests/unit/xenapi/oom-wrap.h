/* SPDX-License-Identifier: MIT */
/*
 * Allocation failure injection for the OOM tests (oom-wrap.c): link the test
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup and
 * every such call counts; the k-th one after oom_arm(k) returns NULL.
 */
#pragma once

#include <stdbool.h>

/* Counts from 0 again; allocation k (0-based) fails. */
void oom_arm(long k);
/* No more failures. */
void oom_disarm(void);
/* Whether the armed allocation was reached (and failed). */
bool oom_failed(void);
