// SPDX-License-Identifier: MIT
/* Rounds as blocks, phases shuffled within each from a recorded seed. */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "scenario.h"

char *plan_slug(const char *name, char *buf, size_t len)
{
	size_t i;

	if (!len)
		return buf;
	for (i = 0; name[i] && i + 1 < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		buf[i] = (isalnum(ch) || ch == '.' || ch == '_' || ch == '+' || ch == '-')
				 ? (char)ch
				 : '_';
	}
	buf[i] = '\0';
	return buf;
}

uint64_t plan_random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = clock_now_ns() ^ ((uint64_t)getpid() << 32);
	return seed & PLAN_SEED_MAX;
}

/* splitmix64: a full-period generator whose every state is a good seed. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for n < 2^32). */
static size_t below(uint64_t *state, size_t n)
{
	return (size_t)(((unsigned __int128)next_random(state) * n) >> 64);
}

int plan_add_round(struct plan *p, const struct scenario *s)
{
	size_t n = s->n_phases;
	struct plan_run *runs, *round;
	unsigned r = p->rounds + 1;
	uint64_t state;

	if (n == 0)
		return -EINVAL;
	runs = realloc(p->runs, (p->n + n) * sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	p->runs = runs;
	round = runs + p->n;
	/* the round's own stream: seed and round number alone decide its order */
	state = p->seed ^ ((uint64_t)r * 0xd1b54a32d192ed03ULL);
	(void)next_random(&state);
	for (size_t i = 0; i < n; i++)
		round[i].phase = i;
	for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t k = below(&state, i + 1), t = round[i].phase;

		round[i].phase = round[k].phase;
		round[k].phase = t;
	}
	for (size_t i = 0; i < n; i++) {
		char slug[128];

		round[i].round = r;
		round[i].order = (unsigned)i + 1;
		snprintf(round[i].dir, sizeof(round[i].dir), "runs/%u-%s", r,
			 plan_slug(s->phases[round[i].phase].name, slug, sizeof(slug)));
	}
	p->n += n;
	p->rounds = r;
	return 0;
}

int plan_build(const struct scenario *s, struct plan *out)
{
	struct plan p = { .seed = s->design.seed_set ? s->design.seed : plan_random_seed() };

	if (s->n_phases == 0 || s->rounds == 0)
		return -EINVAL;
	for (unsigned r = 0; r < s->rounds; r++) {
		int ret = plan_add_round(&p, s);

		if (ret < 0) {
			plan_done(&p);
			return ret;
		}
	}
	*out = p;
	return 0;
}

void plan_done(struct plan *p)
{
	free(p->runs);
	p->runs = NULL;
	p->n = 0;
	p->rounds = 0;
}
