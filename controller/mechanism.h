/* SPDX-License-Identifier: MIT */
/*
 * The mechanism shown beside each verdict (docs/results.md, runs[]): what
 * each bomb achieved of the load it was asked for, and the victim's CPU
 * share over the measurement. A bomb that fell short did not load the host
 * as the phase says, so its run is not valid evidence (validity.h).
 */
#pragma once

#include <stdint.h>

struct json_t;

/* One bomb's load: NAN where the kind or the result has no figure. */
struct mech_load {
	const char *unit; /* "cpus", "bytes", "procs", "bytes/s", "bits/s" */
	double requested; /* what its options ask for (NAN: the kind has no target) */
	double achieved;  /* what it reports */
	double share_pct; /* 100 x achieved / requested */
};

/*
 * Reads a bomb's --json result (docs/bombs.md): cpu asks threads x intensity
 * CPUs and achieves cpu_seconds / elapsed_s; mem asks its bytes and achieves
 * bytes_resident; fork asks max_procs (0 = unbounded: no target) and achieves
 * peak_procs; disk achieves its read + write bytes/s, net-send and net-recv
 * their bits/s, with no target. 0, or -EINVAL when the result lacks the
 * figure the kind achieves (out is then all NAN), -ENOENT for an unknown kind.
 */
int mech_bomb_load(const char *kind, const struct json_t *result, struct mech_load *out);

/*
 * The victim's CPU share in percent of one CPU: CPU time used over a wall
 * span (both ns). NAN when the span is 0 or the counter went backwards.
 */
double mech_cpu_share_pct(uint64_t cpu_ns_before, uint64_t cpu_ns_after, uint64_t wall_ns);
