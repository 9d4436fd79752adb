/* SPDX-License-Identifier: MIT */
/* Rendering a comparison of runs (compare-render.c, compare-html.c). 0 or a negative errno. */
#pragma once

#include <stddef.h>

#include "compare-stats.h"
#include "sbuf.h"

int cmp_render_csv(const struct cmp *c, struct sbuf *out);
int cmp_render_json(const struct cmp *c, struct sbuf *out);
int cmp_render_md(const struct cmp *c, struct sbuf *out);
int cmp_render_html(const struct cmp *c, struct sbuf *out);
/* The verdicts for the terminal, plain ASCII. */
int cmp_render_term(const struct cmp *c, struct sbuf *out);

/* Shared text (compare-render.c). */

/* "open loop at 50 % of capacity (200 req/s)", "closed loop". */
void cmp_load_text(const struct model *m, char *buf, size_t len);
/* "+12.3 pt [+8.1, +16.5]" or "1.52x [1.21, 1.90]"; "-" when none. */
void cmp_diff_text(const struct cmp *c, enum cmp_measure k, const struct cmp_diff *d, char *buf,
		   size_t len);
/* "33.4 [28.1, 38.7]" (the run's mean over rounds and its interval); "-" when none. */
void cmp_value_text(const struct cmp_sample *v, char *buf, size_t len);
/* What decided, for a difference that is inconclusive/indicative: ", needs ~8 rounds each". */
void cmp_needs_text(const struct cmp_diff *d, char *buf, size_t len);
/* The rule in one sentence. */
void cmp_rule_text(const struct cmp *c, char *buf, size_t len);
