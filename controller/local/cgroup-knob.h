/* SPDX-License-Identifier: MIT */
/*
 * The knobs the local backend turns (weight, cap, memory, pids, io) and the
 * pure Xen <-> cgroup mappings. Weights are given in Xen credit units
 * (1-65535, 256 = default) and caps in percent of one CPU (0 = none).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"

struct backend_err;

/* Weights in Xen units, cap in percent of one CPU (0 = none), 0 bytes/pids = max. */
int cg_set_cpu_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		      struct backend_err *err);
int cg_set_cap(const struct cg_sys *s, const struct cg_group *g, int cap_pct,
	       struct backend_err *err);
int cg_set_memory_max(const struct cg_sys *s, const struct cg_group *g, uint64_t bytes,
		      struct backend_err *err);
int cg_set_pids_max(const struct cg_sys *s, const struct cg_group *g, uint64_t n,
		    struct backend_err *err);
int cg_set_io_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		     struct backend_err *err);
/* Reads back weight and cap in Xen units; exact is false when a value set outside isolab
 * has no exact Xen equivalent. */
int cg_get_sched(const struct cg_sys *s, const struct cg_group *g, int *xen_weight, int *cap_pct,
		 bool *exact, struct backend_err *err);

/* Pure mappings (exported for tests). version is 1 or 2. */
uint64_t cg_weight_from_xen(int version, int xen);
int cg_weight_to_xen(int version, uint64_t w, bool *exact);
/* io weights: io_weight_from_xen() in lib/io-weight.h (the report uses it too). */
/* cap percent -> quota in us for period CG_CFS_PERIOD; 0 -> 0 (meaning "max"). */
uint64_t cg_cap_to_quota(int cap_pct);
/* quota/period (us) -> percent, rounded; quota 0 = none -> 0. exact false when rounded. */
int cg_quota_to_cap(uint64_t quota, uint64_t period, bool *exact);
