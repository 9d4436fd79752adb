// SPDX-License-Identifier: MIT
/* Xen weight/cap <-> cgroup knob mappings: table-driven, both versions, boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "backend.h"
#include "cgroup-knob.h"
#include "io-weight.h"

struct w_case {
	int version;
	int xen;
	uint64_t cg;
};

static void weight_from_xen_maps_table(void **state)
{
	static const struct w_case cases[] = {
		/* v2: round(w*100/256), 1..10000 */
		{ 2, 256, 100 },
		{ 2, 512, 200 },
		{ 2, 1024, 400 },
		{ 2, 2048, 800 },
		{ 2, 128, 50 },
		{ 2, 384, 150 },
		{ 2, 257, 100 },
		{ 2, 1, 1 },
		{ 2, 2, 1 },
		{ 2, 3, 1 },
		{ 2, 25600, 10000 },
		{ 2, 25601, 10000 },
		{ 2, 65535, 10000 },
		{ 2, 0, 1 },
		{ 2, -5, 1 },
		{ 2, 65536, 10000 },
		/* v1: w*4, 2..262144 */
		{ 1, 256, 1024 },
		{ 1, 512, 2048 },
		{ 1, 1, 4 },
		{ 1, 65535, 262140 },
		{ 1, 0, 4 },
		{ 1, 70000, 262140 },
		{ 1, 100, 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = cg_weight_from_xen(cases[i].version, cases[i].xen);

		if (got != cases[i].cg)
			fail_msg("v%d xen %d: want %llu got %llu", cases[i].version, cases[i].xen,
				 (unsigned long long)cases[i].cg, (unsigned long long)got);
	}
}

struct back_case {
	int version;
	uint64_t cg;
	int xen;
	bool exact;
};

static void weight_to_xen_maps_back_and_flags_exactness(void **state)
{
	static const struct back_case cases[] = {
		{ 2, 100, 256, true },	    { 2, 1, 3, true },		 { 2, 150, 384, true },
		{ 2, 151, 387, true },	    { 2, 10000, 25600, true },	 { 2, 800, 2048, true },
		{ 2, 20000, 51200, false }, /* beyond the v2 range: cannot be written back */
		{ 1, 1024, 256, true },	    { 1, 2, 1, false },		 { 1, 1000, 250, true },
		{ 1, 1001, 250, false },    { 1, 262144, 65535, false }, { 1, 262140, 65535, true },
		{ 1, 0, 1, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool exact = !cases[i].exact;
		int got = cg_weight_to_xen(cases[i].version, cases[i].cg, &exact);

		if (got != cases[i].xen || exact != cases[i].exact)
			fail_msg("v%d cg %llu: want %d/%d got %d/%d", cases[i].version,
				 (unsigned long long)cases[i].cg, cases[i].xen, cases[i].exact, got,
				 exact);
	}
}

static void weight_v2_every_cgroup_value_survives_a_round_trip(void **state)
{
	for (uint64_t w = 1; w <= 10000; w++) {
		bool exact = false;
		int x = cg_weight_to_xen(2, w, &exact);

		if (cg_weight_from_xen(2, x) != w || !exact)
			fail_msg("cpu.weight %llu -> xen %d -> %llu", (unsigned long long)w, x,
				 (unsigned long long)cg_weight_from_xen(2, x));
	}
}

static void weight_mapping_keeps_ratios(void **state)
{
	/* doubling a Xen weight doubles the cgroup weight, within one unit of rounding */
	for (int x = 1; x <= 12800; x++) {
		int64_t a = (int64_t)cg_weight_from_xen(2, x),
			b = (int64_t)cg_weight_from_xen(2, 2 * x);
		int64_t c = (int64_t)cg_weight_from_xen(1, x),
			d = (int64_t)cg_weight_from_xen(1, 2 * x);

		if (a > 1 && (b - 2 * a > 1 || 2 * a - b > 1))
			fail_msg("v2: xen %d -> %lld, %d -> %lld", x, (long long)a, 2 * x,
				 (long long)b);
		if (d != 2 * c)
			fail_msg("v1: xen %d -> %lld, %d -> %lld", x, (long long)c, 2 * x,
				 (long long)d);
	}
	/* and the default neighbour sits at the kernel's own default on both versions */
	assert_int_equal(cg_weight_from_xen(2, XEN_WEIGHT_DEFAULT), 100);
	assert_int_equal(cg_weight_from_xen(1, XEN_WEIGHT_DEFAULT), 1024);
}

struct io_case {
	const char *knob;
	int xen;
	uint64_t cg;
};

static void io_weight_from_xen_maps_each_knob(void **state)
{
	static const struct io_case cases[] = {
		{ "io.weight", 256, 100 },
		{ "io.weight", 65535, 10000 },
		{ "io.weight", 1, 1 },
		{ "io.weight", 512, 200 },
		{ "blkio.weight", 256, 500 },
		{ "blkio.weight", 512, 1000 },
		{ "blkio.weight", 128, 250 },
		{ "blkio.weight", 1, 10 },
		{ "blkio.weight", 65535, 1000 },
		{ "blkio.bfq.weight", 256, 100 },
		{ "blkio.bfq.weight", 65535, 1000 },
		{ "io.bfq.weight", 2560, 1000 },
		{ "io.bfq.weight", 1, 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = io_weight_from_xen(cases[i].knob, cases[i].xen);

		if (got != cases[i].cg)
			fail_msg("%s xen %d: want %llu got %llu", cases[i].knob, cases[i].xen,
				 (unsigned long long)cases[i].cg, (unsigned long long)got);
	}
}

static void cap_to_quota_maps_percent_of_one_cpu(void **state)
{
	static const struct {
		int cap;
		uint64_t quota;
	} cases[] = {
		{ 0, 0 },	 { -1, 0 },	  { 1, 1000 },	       { 50, 50000 },
		{ 100, 100000 }, { 250, 250000 }, { 25600, 25600000 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(cg_cap_to_quota(cases[i].cap), cases[i].quota);
	assert_int_equal(CG_CFS_PERIOD, 100000);
}

static void quota_to_cap_rounds_and_flags_exactness(void **state)
{
	static const struct {
		uint64_t quota, period;
		int cap;
		bool exact;
	} cases[] = {
		{ 0, 100000, 0, true },
		{ 50000, 100000, 50, true },
		{ 100000, 100000, 100, true },
		{ 1000, 100000, 1, true },
		{ 1500, 100000, 2, false },
		{ 100, 100000, 1, false }, /* a tiny quota stays a cap */
		{ 25000, 50000, 50, true },
		{ 33333, 100000, 33, false },
		{ 300000, 100000, 300, true },
		{ 1ULL << 62, 1000, XEN_CAP_MAX, false },
		{ 5000, 0, 0, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool exact = !cases[i].exact;
		int got = cg_quota_to_cap(cases[i].quota, cases[i].period, &exact);

		if (got != cases[i].cap || exact != cases[i].exact)
			fail_msg("%llu/%llu: want %d/%d got %d/%d",
				 (unsigned long long)cases[i].quota,
				 (unsigned long long)cases[i].period, cases[i].cap, cases[i].exact,
				 got, exact);
	}
}

static void cap_round_trips_through_quota(void **state)
{
	for (int cap = 1; cap <= XEN_CAP_MAX; cap++) {
		bool exact = false;

		if (cg_quota_to_cap(cg_cap_to_quota(cap), CG_CFS_PERIOD, &exact) != cap || !exact)
			fail_msg("cap %d does not round-trip", cap);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weight_from_xen_maps_table),
		cmocka_unit_test(weight_to_xen_maps_back_and_flags_exactness),
		cmocka_unit_test(weight_v2_every_cgroup_value_survives_a_round_trip),
		cmocka_unit_test(weight_mapping_keeps_ratios),
		cmocka_unit_test(io_weight_from_xen_maps_each_knob),
		cmocka_unit_test(cap_to_quota_maps_percent_of_one_cpu),
		cmocka_unit_test(quota_to_cap_rounds_and_flags_exactness),
		cmocka_unit_test(cap_round_trips_through_quota),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
