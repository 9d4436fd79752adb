/* SPDX-License-Identifier: MIT */
/*
 * The hogs curve (issue 13): how many members of a group may run their bomb
 * at once before the victim is hurt, with equal weights and prioritised.
 * Built from a scenario's hogs.GROUP sweep (phases NAME[hogs.G=k] and their
 * +prio twins), judged by the same paired statistics and verdicts as every
 * phase (stats.h): the victim tolerates k hogs when the phases with 1..k hogs
 * all read "unaffected" (or better) against the baseline.
 *
 * One computed struct, rendered for the terminal, Markdown, HTML and JSON.
 */
#pragma once

#include <stddef.h>

#include "model.h"
#include "sbuf.h"
#include "stats.h"

struct json_writer;

struct hogs_point {
	unsigned hogs;
	size_t equal; /* phase index, SIZE_MAX when absent */
	size_t prio;  /* its prioritised twin, SIZE_MAX when absent */
};

struct hogs_curve {
	const char *key; /* "hogs.noisy" (the model's string) */
	struct hogs_point *p;
	size_t n;
	/* the largest count tolerated, 0 = not even one; -1 = undecided from the first count */
	int tolerated_equal, tolerated_prio;
	unsigned undecided_equal, undecided_prio; /* the first count with no decision, 0 none */
};

struct hogs {
	struct hogs_curve *c;
	size_t n;
};

/* 0 or -ENOMEM; out->n is 0 when the results hold no hogs sweep. Free with hogs_done(). */
int hogs_compute(const struct model *m, const struct stats *s, struct hogs *out);
void hogs_done(struct hogs *h);

void hogs_render_term(struct sbuf *o, const struct model *m, const struct stats *s,
		      const struct hogs *h);
void hogs_render_md(struct sbuf *o, const struct model *m, const struct stats *s,
		    const struct hogs *h);
void hogs_render_html(struct sbuf *o, const struct model *m, const struct stats *s,
		      const struct hogs *h, unsigned *chart_id);
void hogs_render_json(struct json_writer *w, const struct model *m, const struct stats *s,
		      const struct hogs *h);
