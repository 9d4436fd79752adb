// SPDX-License-Identifier: MIT
/* The reasons a run is not valid evidence, one line each. */
#include "validity.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mechanism.h"

void validity_init(struct validity *v)
{
	memset(v, 0, sizeof(*v));
}

void validity_add(struct validity *v, const char *fmt, ...)
{
	va_list ap;
	char *p;

	if (v->n == VALIDITY_MAX) {
		v->more++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->n], VALIDITY_REASON, fmt, ap);
	va_end(ap);
	/* one line, whatever a tool's error said */
	for (p = v->reasons[v->n]; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	v->n++;
}

bool validity_ok(const struct validity *v)
{
	return v->n == 0 && v->more == 0;
}

/* "2.00 cpus", "256 MiB" style figures for a reason. */
static void fmt_load(char *buf, size_t len, double x, const char *unit)
{
	if (strcmp(unit, "bytes") == 0 && x >= 1048576)
		snprintf(buf, len, "%.0f MiB", x / 1048576);
	else if (strcmp(unit, "bits/s") == 0 && x >= 1e6)
		snprintf(buf, len, "%.1f Mbit/s", x / 1e6);
	else if (strcmp(unit, "bytes/s") == 0 && x >= 1048576)
		snprintf(buf, len, "%.1f MiB/s", x / 1048576);
	else if (x == floor(x) && fabs(x) < 1e15)
		snprintf(buf, len, "%.0f %s", x, unit);
	else
		snprintf(buf, len, "%.2f %s", x, unit);
}

void validity_check_bomb(struct validity *v, const struct validity_bomb *b, double min_share_pct)
{
	const struct mech_load *l = b->load;
	char want[48], got[48];

	if (!b->started) {
		validity_add(v, "bomb %s did not start", b->name);
		return;
	}
	if (!b->ready)
		validity_add(v, "bomb %s never became ready", b->name);
	if (!b->reported) {
		validity_add(v, "bomb %s did not report (no JSON result%s%s)", b->name,
			     b->why && *b->why ? ": " : "", b->why ? b->why : "");
		return;
	}
	if (b->status && strcmp(b->status, "failed") == 0) {
		validity_add(v, "bomb %s failed: %s", b->name,
			     b->error && *b->error ? b->error : "no reason given");
		return;
	}
	if (!l || isnan(l->achieved)) {
		validity_add(v, "bomb %s reported no achieved load", b->name);
		return;
	}
	if (!isnan(l->share_pct) && l->share_pct < min_share_pct) {
		fmt_load(want, sizeof(want), l->requested, l->unit);
		fmt_load(got, sizeof(got), l->achieved, l->unit);
		validity_add(v,
			     "bomb %s achieved %.3g %% of its requested %s (%s; at least %g %%)",
			     b->name, l->share_pct, want, got, min_share_pct);
	} else if (isnan(l->share_pct) && l->achieved <= 0) {
		validity_add(v, "bomb %s achieved nothing (0 %s)", b->name, l->unit);
	}
}
