/* SPDX-License-Identifier: MIT */
/*
 * Renderers: each turns the model and its statistics into one document in
 * a text buffer (compute first, then render). 0 or a negative errno.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "sbuf.h"
#include "stats.h"

int render_csv(const struct model *m, const struct stats *s, struct sbuf *out);
int render_json(const struct model *m, const struct stats *s, struct sbuf *out);
int render_md(const struct model *m, const struct stats *s, struct sbuf *out);
int render_html(const struct model *m, const struct stats *s, struct sbuf *out);
/* The style sheet every isolab HTML page shares (render-html.c). */
extern const char render_css[];
/* report.html's verdict section and its Method (render-verdicts.c). */
void render_html_verdicts(struct sbuf *o, const struct model *m, const struct stats *s);
void render_html_method(struct sbuf *o, const struct stats *s);
/* A verdict badge: symbol and word, "(indicative)" when the run is. */
void render_badge(struct sbuf *o, const struct stats *s, enum stats_verdict v);
/* The verdict table for the terminal (render-term.c). */
int render_term(const struct model *m, const struct stats *s, struct sbuf *out);

/* Shared helpers (render-common.c). */

/* The CSV/JSON column name of a bomb's achieved rate, e.g. "bomb_cpu_ops_per_s". */
void render_bomb_column(const struct model *m, const char *bomb, char *buf, size_t len);
/* The rate key a bomb reported in any run, NULL if none. */
const char *render_bomb_rate_key(const struct model *m, const char *bomb);
/* Every bomb name, from the manifest's bombs or else the phases; *n set. */
size_t render_bomb_names(const struct model *m, const char **names, size_t max);
/* Phase bombs joined with "+", "none" when empty. */
void render_phase_bombs(const struct model_phase *ph, char *buf, size_t len);
/* "12.3" with sensible precision, or dash (when NaN). */
const char *render_num(double v, char *buf, size_t len, const char *dash);
/* Appends render_num(v), an en dash when NaN. */
void render_put_num(struct sbuf *o, double v);
/*
 * How the victim was prioritised in phase: its weight (and cap) read back
 * from the scheduler when the results have it ("weight 2048 read back"),
 * else the phase's priority text.
 */
void render_victim_weight(const struct model *m, const struct stats *s, size_t phase, char *buf,
			  size_t len);
/* The scheduler read back in phase: "credit2 (cpupool=...); web weight 2048; ..." or "". */
void render_sched_text(const struct model *m, const struct stats *s, size_t phase, char *buf,
		       size_t len);
/* "round 3 cpu: reason; reason" for the n-th invalid run (0-based); false when none. */
bool render_invalid_run(const struct model *m, size_t n, char *buf, size_t len);
/*
 * For a prioritised phase with a disk bomb on a host where the backend said no io weight
 * works: "CPU weight only: no I/O weight on this host", the caveat shown beside its verdict
 * (the backend's whole note in *why when given). Where an io weight works and the victim's
 * disk share was measured (io-share.h): "I/O weight did not take effect: victim's disk share
 * ..." or "I/O weight took effect: ...". NULL otherwise.
 */
const char *render_io_caveat(const struct model *m, size_t phase, const char **why);
/*
 * One bomb's achieved load over a phase's valid rounds: "cpu at 96 % of requested" (with
 * lowest: " (lowest round 90 %)"), or for a bomb with no requested rate (disk, net) what it
 * did, "disk at 12.3 MiB/s"; "disk: not reported" when it gave neither.
 */
void render_load_text(const struct stats_load *l, bool lowest, char *buf, size_t len);
/* True when a run's probe reported figures. */
bool render_run_reported(const struct model_run *r);

/* Charts (render-charts.c); *id numbers the charts of one document. */
void render_chart_degradation(struct sbuf *o, const struct model *m, const struct stats *s,
			      unsigned *id, bool success);
void render_chart_cdf(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id,
		      size_t phase);
void render_chart_boxes(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id);
void render_chart_timeline(struct sbuf *o, const struct model *m, unsigned *id, size_t run,
			   bool failures);
/* Sensitivity curves in each output (render-curves.c); nothing when the run has none. */
struct json_writer;
void render_html_curves(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id);
void render_json_curves(struct json_writer *w, const struct model *m, const struct stats *s);
void render_md_curves(struct sbuf *o, const struct model *m, const struct stats *s);
void render_term_curves(struct sbuf *o, const struct model *m, const struct stats *s);
/* Time-to-protect in each output (render-protect.c); nothing when no phase changes a setting. */
void render_html_protect(struct sbuf *o, const struct model *m, const struct stats *s,
			 unsigned *id);
void render_json_protect(struct json_writer *w, const struct model *m, const struct stats *s);
void render_md_protect(struct sbuf *o, const struct model *m, const struct stats *s);
void render_term_protect(struct sbuf *o, const struct model *m, const struct stats *s);

void render_chart_sweep(struct sbuf *o, const struct model *m, const struct stats *s, unsigned *id,
			size_t sweep, bool success);
