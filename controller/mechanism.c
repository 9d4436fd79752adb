// SPDX-License-Identifier: MIT
/* Bombs' achieved load from their results; the victim's CPU share. */
#include "mechanism.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

/* A number at "a.b" in an object, NAN when absent or not a number. */
static double num_at(const json_t *root, const char *section, const char *key)
{
	const json_t *v = json_object_get(json_object_get(root, section), key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double top_num(const json_t *root, const char *key)
{
	const json_t *v = json_object_get(root, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static void cpu_load(const json_t *r, struct mech_load *l)
{
	double threads = num_at(r, "options", "threads");
	double intensity = num_at(r, "options", "intensity_pct");
	double elapsed = top_num(r, "elapsed_s");
	double cpu_s = num_at(r, "metrics", "cpu_seconds");

	if (isnan(intensity))
		intensity = 100;
	l->unit = "cpus";
	l->requested = threads * intensity / 100.0;
	l->achieved = elapsed > 0 ? cpu_s / elapsed : NAN;
}

static void mem_load(const json_t *r, struct mech_load *l)
{
	l->unit = "bytes";
	l->requested = num_at(r, "options", "bytes");
	l->achieved = num_at(r, "metrics", "bytes_resident");
}

static void fork_load(const json_t *r, struct mech_load *l)
{
	double max = num_at(r, "options", "max_procs");

	l->unit = "procs";
	l->requested = max > 0 ? max : NAN; /* 0: unbounded, no target */
	l->achieved = num_at(r, "metrics", "peak_procs");
}

static void disk_load(const json_t *r, struct mech_load *l)
{
	l->unit = "bytes/s";
	l->achieved = num_at(r, "metrics", "write_bytes_per_s") +
		      num_at(r, "metrics", "read_bytes_per_s");
}

static void net_load(const json_t *r, struct mech_load *l)
{
	l->unit = "bits/s";
	l->achieved = num_at(r, "metrics", "bits_per_s");
}

static const struct {
	const char *kind;
	void (*fill)(const json_t *r, struct mech_load *l);
} kinds[] = {
	{ "cpu", cpu_load },   { "mem", mem_load },	 { "fork", fork_load },
	{ "disk", disk_load }, { "net-send", net_load }, { "net-recv", net_load },
};

int mech_bomb_load(const char *kind, const struct json_t *result, struct mech_load *out)
{
	struct mech_load l = { .unit = "", .requested = NAN, .achieved = NAN, .share_pct = NAN };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		if (json_is_object(result))
			kinds[i].fill(result, &l);
		if (isnan(l.requested) || l.requested <= 0)
			l.requested = NAN;
		if (!isnan(l.requested) && !isnan(l.achieved))
			l.share_pct = 100.0 * l.achieved / l.requested;
		*out = l;
		return isnan(l.achieved) ? -EINVAL : 0;
	}
	*out = l;
	return -ENOENT;
}

double mech_cpu_share_pct(uint64_t cpu_ns_before, uint64_t cpu_ns_after, uint64_t wall_ns)
{
	if (wall_ns == 0 || cpu_ns_after < cpu_ns_before)
		return NAN;
	return 100.0 * (double)(cpu_ns_after - cpu_ns_before) / (double)wall_ns;
}
