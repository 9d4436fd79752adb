/* SPDX-License-Identifier: MIT */
/*
 * Xen-unit weights (1..65535, 256 the default) on the cgroup io weight knobs,
 * for the local backend that writes them and the report that judges what
 * they should give.
 */
#pragma once

#include <stdint.h>

/*
 * The value knob ("io.weight", "io.bfq.weight", "blkio.bfq.weight",
 * "blkio.weight") takes for Xen weight xen: round(xen * default / 256), xen
 * clamped to 1..65535 first, the result to the knob's range (io.weight
 * 1..10000 around 100, the BFQ knobs 1..1000 around 100, blkio.weight
 * 10..1000 around 500). 0 for a knob it does not know.
 */
uint64_t io_weight_from_xen(const char *knob, long xen);
