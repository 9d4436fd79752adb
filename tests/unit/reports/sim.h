/* SPDX-License-Identifier: MIT */
/*
 * Simulated measurements for the tests of the statistics (test-verdict.c,
 * test-compare.c, test-curves.c): a small deterministic generator and the
 * round-to-round noise model of docs/reports.md "How the rules were checked".
 */
#pragma once

#include <math.h>
#include <stdint.h>

/* ---- a small deterministic generator (xoshiro256**, splitmix64 seeding) ---- */

struct rng {
	uint64_t s[4];
};

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

static inline double uniform(struct rng *r)
{
	uint64_t *s = r->s, out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return ((out >> 11) + 0.5) * 0x1.0p-53;
}

static inline double normal(struct rng *r)
{
	return sqrt(-2 * log(uniform(r))) * cos(2 * M_PI * uniform(r));
}

/* Student t with 3 df, scaled to unit standard deviation: heavy tails. */
static inline double t3(struct rng *r)
{
	double z = normal(r), a = normal(r), b = normal(r), c = normal(r);

	return z / sqrt((a * a + b * b + c * c) / 3) / sqrt(3.0);
}

/* ---- the noise model ---- */

struct noise {
	double sd;     /* per-run scatter, points (t3) */
	double drift;  /* sd of the shift shared by a round's phases, points */
	double hiccup; /* probability that a run loses 10-60 points */
};

/* One run's good %: level + shared drift + own scatter, hiccups, clamped to 0-100. */
static inline double run_good(struct rng *r, double level, double drift, const struct noise *n)
{
	double g = level + drift + n->sd * t3(r);

	if (uniform(r) < n->hiccup)
		g -= 10 + 50 * uniform(r);
	return g < 0 ? 0 : g > 100 ? 100 : g;
}
