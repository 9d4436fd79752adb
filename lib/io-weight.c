// SPDX-License-Identifier: MIT
/* Xen-unit weights on the cgroup io weight knobs (io-weight.h). */
#include "io-weight.h"

#include <string.h>

#define XEN_MIN	    1
#define XEN_DEFAULT 256
#define XEN_MAX	    65535

/* round(xen * def / 256), clamped to [lo, hi]: 256 lands on def, ratios are kept */
static uint64_t scale(long xen, uint64_t def, uint64_t lo, uint64_t hi)
{
	uint64_t x = xen < XEN_MIN ? XEN_MIN : xen > XEN_MAX ? XEN_MAX : (uint64_t)xen;
	uint64_t v = (x * def + XEN_DEFAULT / 2) / XEN_DEFAULT;

	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t io_weight_from_xen(const char *knob, long xen)
{
	if (!knob)
		return 0;
	if (strcmp(knob, "io.weight") == 0)
		return scale(xen, 100, 1, 10000);
	if (strcmp(knob, "blkio.weight") == 0)
		return scale(xen, 500, 10, 1000);
	if (strcmp(knob, "io.bfq.weight") == 0 || strcmp(knob, "blkio.bfq.weight") == 0)
		return scale(xen, 100, 1, 1000);
	return 0;
}
