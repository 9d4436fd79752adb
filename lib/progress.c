// SPDX-License-Identifier: MIT
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "clock.h"

static bool progress_on;
static uint64_t progress_last_ns;
static bool progress_shown;

void progress_init(bool enabled)
{
	progress_on = enabled && isatty(STDERR_FILENO);
	progress_last_ns = 0;
	progress_shown = false;
}

bool progress_enabled(void)
{
	return progress_on;
}

void progress_update(const char *fmt, ...)
{
	char line[256];
	uint64_t now;
	va_list ap;

	if (!progress_on)
		return;
	now = clock_now_ns();
	if (progress_shown && now - progress_last_ns < 200 * NSEC_PER_MSEC)
		return;
	progress_last_ns = now;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* \r, the text, then clear to end of line */
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	progress_shown = true;
}

void progress_done(void)
{
	if (!progress_on || !progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	progress_shown = false;
}
