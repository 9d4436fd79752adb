// SPDX-License-Identifier: MIT
/* cgroup knobs (weight, cap, memory, pids, io) and the pure Xen <-> cgroup mappings. */
#include "cgroup-knob.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "io-weight.h"
#include "parse.h"

/* Reads the first number of a knob; "max" and "-1" read as *is_max = true. */
static int knob_read_u64(const char *dir, const char *knob, int word, uint64_t *out, bool *is_max,
			 struct backend_err *err)
{
	char *text = cg_knob_read(dir, knob);
	char *save = NULL, *tok;
	int r = -EINVAL;

	if (!text) {
		backend_errf(err, "ENOENT", "cgroup: cannot read %s/%s", dir, knob);
		return -ENOENT;
	}
	tok = strtok_r(text, " \n", &save);
	for (int i = 0; tok && i < word; i++)
		tok = strtok_r(NULL, " \n", &save);
	if (tok && (strcmp(tok, "max") == 0 || strcmp(tok, "-1") == 0)) {
		*is_max = true;
		*out = 0;
		r = 0;
	} else if (tok && parse_u64(tok, 0, UINT64_MAX, out) == 0) {
		*is_max = false;
		r = 0;
	}
	if (r < 0)
		backend_errf(err, "EINVAL", "cgroup: %s/%s holds no number", dir, knob);
	free(text);
	return r;
}

static const char *ctrl_dir(const struct cg_sys *s, const struct cg_group *g, enum cg_ctrl c,
			    int *version, struct backend_err *err)
{
	int h = s->ctrl_hier[c];

	if (h < 0) {
		backend_errf(err, "EOPNOTSUPP", "cgroup: no %s controller here: %s",
			     cg_ctrl_name(s, c), cg_ctrl_loss(c));
		return NULL;
	}
	if (!g->dir[h][0]) {
		backend_errf(err, "ENOENT", "cgroup: group has no %s directory",
			     cg_ctrl_name(s, c));
		return NULL;
	}
	*version = s->hier[h].version;
	return g->dir[h];
}

/* Writes a number, reads it back and compares (the kernel may clamp or reject silently). */
static int knob_set_verify(const char *dir, const char *knob, uint64_t v, struct backend_err *err)
{
	char val[32];
	uint64_t got;
	bool is_max;
	int r;

	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	r = cg_knob_write(dir, knob, val, err);
	if (r < 0)
		return r;
	r = knob_read_u64(dir, knob, 0, &got, &is_max, err);
	if (r < 0)
		return r;
	if (is_max || got != v) {
		backend_errf(err, "EIO", "cgroup: wrote %s to %s/%s but it reads back %llu", val,
			     dir, knob, (unsigned long long)got);
		return -EIO;
	}
	return 0;
}

int cg_set_cpu_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		      struct backend_err *err)
{
	int version;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	return knob_set_verify(dir, version == 2 ? "cpu.weight" : "cpu.shares",
			       cg_weight_from_xen(version, xen_weight), err);
}

int cg_set_cap(const struct cg_sys *s, const struct cg_group *g, int cap_pct,
	       struct backend_err *err)
{
	uint64_t quota = cg_cap_to_quota(cap_pct);
	char val[64];
	int version, r;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (!s->has_cfs) {
		backend_errf(err, "EOPNOTSUPP",
			     "cgroup: no CPU bandwidth control: cap unavailable");
		return -EOPNOTSUPP;
	}
	if (version == 2) {
		if (quota)
			snprintf(val, sizeof(val), "%llu %d", (unsigned long long)quota,
				 CG_CFS_PERIOD);
		else
			snprintf(val, sizeof(val), "max %d", CG_CFS_PERIOD);
		return cg_knob_write(dir, "cpu.max", val, err);
	}
	/* v1: lift the quota first so the period change is always accepted */
	r = cg_knob_write(dir, "cpu.cfs_quota_us", "-1", err);
	if (r == 0) {
		snprintf(val, sizeof(val), "%d", CG_CFS_PERIOD);
		r = cg_knob_write(dir, "cpu.cfs_period_us", val, err);
	}
	if (r == 0 && quota)
		r = knob_set_verify(dir, "cpu.cfs_quota_us", quota, err);
	return r;
}

int cg_get_sched(const struct cg_sys *s, const struct cg_group *g, int *xen_weight, int *cap_pct,
		 bool *exact, struct backend_err *err)
{
	uint64_t w, quota, period = CG_CFS_PERIOD;
	bool is_max, ex_w, ex_c = true;
	int version, r, weight, cap = 0;
	const char *dir = ctrl_dir(s, g, CG_CPU, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	r = knob_read_u64(dir, version == 2 ? "cpu.weight" : "cpu.shares", 0, &w, &is_max, err);
	if (r < 0)
		return r;
	weight = cg_weight_to_xen(version, w, &ex_w);
	if (s->has_cfs) {
		if (version == 2) {
			r = knob_read_u64(dir, "cpu.max", 0, &quota, &is_max, err);
			if (r == 0 && !is_max) {
				bool pmax;

				r = knob_read_u64(dir, "cpu.max", 1, &period, &pmax, err);
			}
		} else {
			r = knob_read_u64(dir, "cpu.cfs_quota_us", 0, &quota, &is_max, err);
			if (r == 0 && !is_max) {
				bool pmax;

				r = knob_read_u64(dir, "cpu.cfs_period_us", 0, &period, &pmax, err);
			}
		}
		if (r < 0)
			return r;
		cap = is_max ? 0 : cg_quota_to_cap(quota, period, &ex_c);
	}
	*xen_weight = weight;
	*cap_pct = cap;
	if (exact)
		*exact = ex_w && ex_c;
	return 0;
}

int cg_set_memory_max(const struct cg_sys *s, const struct cg_group *g, uint64_t bytes,
		      struct backend_err *err)
{
	char val[32];
	int version, r;
	const char *dir = ctrl_dir(s, g, CG_MEMORY, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (bytes)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)bytes);
	else
		snprintf(val, sizeof(val), "%s", version == 2 ? "max" : "-1");
	if (version == 2) {
		r = cg_knob_write(dir, "memory.max", val, err);
		/* no swap for a limited VM, so its bomb meets the limit rather than the disk */
		if (r == 0 && cg_knob_exists(dir, "memory.swap.max"))
			r = cg_knob_write(dir, "memory.swap.max", bytes ? "0" : "max", err);
		return r;
	}
	/* memsw must stay >= the limit: lift it first, then set both */
	if (s->has_memsw) {
		r = cg_knob_write(dir, "memory.memsw.limit_in_bytes", "-1", err);
		if (r < 0)
			return r;
	}
	r = cg_knob_write(dir, "memory.limit_in_bytes", val, err);
	if (r == 0 && bytes && s->has_memsw)
		r = cg_knob_write(dir, "memory.memsw.limit_in_bytes", val, err);
	return r;
}

int cg_set_pids_max(const struct cg_sys *s, const struct cg_group *g, uint64_t n,
		    struct backend_err *err)
{
	char val[32];
	int version;
	const char *dir = ctrl_dir(s, g, CG_PIDS, &version, err);

	if (!dir)
		return -EOPNOTSUPP;
	if (n)
		snprintf(val, sizeof(val), "%llu", (unsigned long long)n);
	else
		snprintf(val, sizeof(val), "max");
	return cg_knob_write(dir, "pids.max", val, err);
}

int cg_set_io_weight(const struct cg_sys *s, const struct cg_group *g, int xen_weight,
		     struct backend_err *err)
{
	const char *knob = s->io_knob;
	char val[32];
	int version;
	const char *dir = ctrl_dir(s, g, CG_IO, &version, err);

	if (!dir || !knob[0]) {
		if (dir)
			backend_errf(err, "EOPNOTSUPP", "cgroup: %s",
				     s->io_note[0] ? s->io_note : "no io weight knob");
		return -EOPNOTSUPP;
	}
	/* v2: detection picked the knob that works on the disk bombs' device (cgroup-io.h) */
	if (!cg_knob_exists(dir, knob)) {
		backend_errf(err, "EOPNOTSUPP", "cgroup: %s has no %s: io weight unavailable", dir,
			     knob);
		return -EOPNOTSUPP;
	}
	snprintf(val, sizeof(val), "%llu",
		 (unsigned long long)io_weight_from_xen(knob, xen_weight));
	return cg_knob_write(dir, knob, val, err);
}

/* --- pure mappings ---------------------------------------------------------------------- */

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static uint64_t xen_clamp(int xen)
{
	return (uint64_t)clamp_u64(xen < 0 ? 0 : (uint64_t)xen, XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);
}

/* round(xen * def / 256), clamped to [lo, hi]: 256 lands on def, ratios are kept */
static uint64_t scale_from_xen(int xen, uint64_t def, uint64_t lo, uint64_t hi)
{
	return clamp_u64((xen_clamp(xen) * def + XEN_WEIGHT_DEFAULT / 2) / XEN_WEIGHT_DEFAULT, lo,
			 hi);
}

uint64_t cg_weight_from_xen(int version, int xen)
{
	if (version == 2)
		return scale_from_xen(xen, 100, 1, 10000);
	return scale_from_xen(xen, 1024, 2, 262144);
}

int cg_weight_to_xen(int version, uint64_t w, bool *exact)
{
	uint64_t def = version == 2 ? 100 : 1024;
	uint64_t x = clamp_u64((clamp_u64(w, 0, 1u << 20) * XEN_WEIGHT_DEFAULT + def / 2) / def,
			       XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);

	/* exact: setting this Xen weight again gives back the very same cgroup value */
	if (exact)
		*exact = cg_weight_from_xen(version, (int)x) == w;
	return (int)x;
}

uint64_t cg_cap_to_quota(int cap_pct)
{
	if (cap_pct <= 0)
		return 0;
	return (uint64_t)cap_pct * (CG_CFS_PERIOD / 100);
}

int cg_quota_to_cap(uint64_t quota, uint64_t period, bool *exact)
{
	uint64_t pct;

	if (quota == 0 || period == 0) {
		if (exact)
			*exact = true;
		return 0;
	}
	if (quota / period >= XEN_CAP_MAX) {
		if (exact)
			*exact = (unsigned __int128)quota * 100 ==
				 (unsigned __int128)XEN_CAP_MAX * period;
		return XEN_CAP_MAX;
	}
	/* quota < 25601 periods here, so quota * 100 cannot overflow for any sane period */
	pct = (uint64_t)(((unsigned __int128)quota * 100 + period / 2) / period);
	if (exact)
		*exact = ((unsigned __int128)quota * 100) % period == 0 && pct >= 1;
	return (int)clamp_u64(pct, 1, XEN_CAP_MAX); /* any quota is a cap, however small */
}
