// SPDX-License-Identifier: MIT
/* The table of kinds, from the one list in lib/bomb-kinds.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bomb.h"
#include "clock.h"
#include "proc.h"

#define BOMB_KIND_ROW_(id, name) &bomb_##id##_ops,
const struct bomb_ops *const bomb_kinds[] = { BOMB_KIND_LIST(BOMB_KIND_ROW_) NULL };
#undef BOMB_KIND_ROW_

const struct bomb_ops *bomb_find(const char *name)
{
	for (const struct bomb_ops *const *k = bomb_kinds; *k; k++)
		if (!strcmp((*k)->name, name))
			return *k;
	return NULL;
}

double bomb_elapsed_s(const struct bomb_ctx *ctx)
{
	uint64_t end = ctx->end_ns ? ctx->end_ns : clock_now_ns();

	return end > ctx->start_ns ? ns_to_s(end - ctx->start_ns) : 0.0;
}

int bomb_fail(struct bomb_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->error, sizeof(ctx->error), fmt, ap);
	va_end(ap);
	return err;
}

void *bomb_zalloc(size_t n, size_t size)
{
	void *p = NULL;

	if (n && size > SIZE_MAX / n)
		return NULL;
	size_t len = n * size;

	if (posix_memalign(&p, 64, len > 0 ? len : 64))
		return NULL;
	memset(p, 0, len);
	return p;
}

unsigned bomb_cpus(void)
{
	return proc_cpus_allowed();
}

char *bomb_fmt_rate(double v, char *buf, size_t len)
{
	static const char prefix[] = " kMGTP";
	int i = 0;

	while (v >= 1000.0 && i < 5) {
		v /= 1000.0;
		i++;
	}
	if (i)
		snprintf(buf, len, "%.2f %c", v, prefix[i]);
	else
		snprintf(buf, len, "%.2f ", v);
	return buf;
}

bool sng_get(const struct sng_metrics *m, const char *key, double *out)
{
	for (unsigned i = 0; i < m->n; i++) {
		if (!strcmp(m->kv[i].key, key)) {
			*out = m->kv[i].value;
			return true;
		}
	}
	return false;
}
