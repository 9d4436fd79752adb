// SPDX-License-Identifier: MIT
/* Phases x rounds, interleaved. */
#include "plan.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int plan_build(const struct scenario *s, struct plan *out)
{
	size_t n = s->n_phases * s->rounds, k = 0;
	struct plan_run *runs;

	if (n == 0)
		return -EINVAL;
	runs = calloc(n, sizeof(*runs));
	if (!runs)
		return -ENOMEM;
	for (unsigned r = 1; r <= s->rounds; r++)
		for (size_t i = 0; i < s->n_phases; i++, k++) {
			char slug[128];

			runs[k].round = r;
			runs[k].phase = (i + r - 1) % s->n_phases;
			snprintf(runs[k].dir, sizeof(runs[k].dir), "runs/%u-%s", r,
				 plan_slug(s->phases[runs[k].phase].name, slug, sizeof(slug)));
		}
	out->runs = runs;
	out->n = n;
	return 0;
}

void plan_done(struct plan *p)
{
	free(p->runs);
	p->runs = NULL;
	p->n = 0;
}
