// SPDX-License-Identifier: MIT
/* compare.csv (tidy), compare.json, compare.md and the terminal table. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "compare-render.h"
#include "config.h"
#include "json.h"
#include "render.h"

#define COMPARE_SCHEMA 1

void cmp_load_text(const struct model *m, char *buf, size_t len)
{
	const struct model_load *l = &m->load;

	if (!l->present || !l->mode || !strcmp(l->mode, "closed"))
		snprintf(buf, len, "closed loop%s",
			 m->precalibration ? " (before calibration)" : "");
	else if (isfinite(l->share_pct) && isfinite(l->rate_rps))
		snprintf(buf, len, "open loop at %g %% of capacity (%.0f req/s)", l->share_pct,
			 l->rate_rps);
	else if (isfinite(l->share_pct))
		snprintf(buf, len, "open loop at %g %% of capacity", l->share_pct);
	else
		snprintf(buf, len, "open loop at %.0f req/s", l->rate_rps);
}

void cmp_diff_text(const struct cmp *c, enum cmp_measure k, const struct cmp_diff *d, char *buf,
		   size_t len)
{
	struct cmp_measure_def def = cmp_measure(c, k);
	bool pts = def.scale == CMP_POINTS;
	const char *u = pts ? (c->closed_loop ? " %" : " pt") : "x";

	if (!isfinite(d->est)) {
		snprintf(buf, len, "-");
		return;
	}
	if (pts && isfinite(d->ci.lo))
		snprintf(buf, len, "%+.1f%s [%+.1f, %+.1f]", d->est, u, d->ci.lo, d->ci.hi);
	else if (pts)
		snprintf(buf, len, "%+.1f%s", d->est, u);
	else if (isfinite(d->ci.lo))
		snprintf(buf, len, "%.2f%s [%.2f, %.2f]", d->est, u, d->ci.lo, d->ci.hi);
	else
		snprintf(buf, len, "%.2f%s", d->est, u);
}

void cmp_value_text(const struct cmp_sample *v, char *buf, size_t len)
{
	char a[32], b[32], m[32];

	if (!isfinite(v->value))
		snprintf(buf, len, "-");
	else if (isfinite(v->ci.lo) && v->ci.lo != v->ci.hi)
		snprintf(buf, len, "%s [%s, %s]", render_num(v->value, m, sizeof(m), "-"),
			 render_num(v->ci.lo, a, sizeof(a), "-"),
			 render_num(v->ci.hi, b, sizeof(b), "-"));
	else
		snprintf(buf, len, "%s", render_num(v->value, m, sizeof(m), "-"));
}

void cmp_needs_text(const struct cmp_diff *d, char *buf, size_t len)
{
	buf[0] = '\0';
	if (d->verdict != CMP_INCONCLUSIVE && d->verdict != CMP_INDICATIVE)
		return;
	if (d->rounds_needed)
		snprintf(buf, len, ", needs ~%u rounds in each run", d->rounds_needed);
	else
		snprintf(buf, len, ", needs many more rounds");
}

void cmp_rule_text(const struct cmp *c, char *buf, size_t len)
{
	snprintf(buf, len,
		 "%g %% Welch t-intervals on the runs' per-round values (rounds of different runs "
		 "are not paired); same within %g%s (%s) or %g %% for ratios; a verdict needs %u "
		 "valid rounds in each run",
		 c->rule.confidence, c->rule.within, c->closed_loop ? " %" : " pt",
		 c->within_source, c->rule.within, c->rule.min_rounds);
}

/* ---- CSV: one row per phase x measure x run ---- */

int cmp_render_csv(const struct cmp *c, struct sbuf *o)
{
	sbuf_puts(o, "phase,measure,unit,run,label,in_all_runs,rounds,value,ci_lo,ci_hi,reference,"
		     "difference,diff_lo,diff_hi,df,verdict,rounds_needed\r\n");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct cmp_row *row = &c->rows[i];

		for (int k = 0; k < CMP_MEASURES; k++) {
			struct cmp_measure_def def = cmp_measure(c, (enum cmp_measure)k);

			for (size_t j = 0; j < c->n_runs; j++) {
				const struct cmp_sample *v = &row->v[j][k];
				const struct cmp_diff *d = &row->d[j][k];

				sbuf_csv(o, row->name);
				sbuf_printf(o, ",%s,", def.key);
				sbuf_csv(o, def.unit);
				sbuf_printf(o, ",%zu,", j + 1);
				sbuf_csv(o, c->runs[j].label);
				sbuf_printf(o, ",%s,", row->common ? "true" : "false");
				if (row->idx[j] != SIZE_MAX)
					sbuf_printf(o, "%zu", v->n);
				sbuf_csv_num(o, v->value);
				sbuf_csv_num(o, v->ci.lo);
				sbuf_csv_num(o, v->ci.hi);
				sbuf_putn(o, ",", 1);
				sbuf_csv(o, c->runs[0].label);
				if (!j) {
					sbuf_puts(o, ",,,,,reference,\r\n");
					continue;
				}
				sbuf_csv_num(o, d->est);
				sbuf_csv_num(o, d->ci.lo);
				sbuf_csv_num(o, d->ci.hi);
				sbuf_csv_num(o, d->df);
				sbuf_printf(o, ",%s,", cmp_verdict_name(d->verdict));
				if (d->verdict == CMP_INCONCLUSIVE || d->verdict == CMP_INDICATIVE)
					sbuf_printf(o, "%u", d->rounds_needed);
				sbuf_puts(o, "\r\n");
			}
		}
	}
	return sbuf_error(o);
}

/* ---- JSON ---- */

static void json_run(struct json_writer *w, const struct cmp_run *cr)
{
	const struct model *m = cr->m;
	char load[160];

	cmp_load_text(m, load, sizeof(load));
	json_obj_begin(w);
	json_kv_str(w, "label", cr->label);
	json_kv_str(w, "dir", cr->dir);
	json_kv_str(w, "run_id", m->run_id);
	json_kv_str(w, "backend", m->backend);
	json_kv_str(w, "scheduler", m->scheduler);
	json_kv_str(w, "hostname", m->hostname);
	json_kv_str(w, "kernel", m->kernel);
	json_kv_uint(w, "rounds", cr->s->rounds);
	json_kv_str(w, "load", load);
	json_kv_double(w, "rate_rps", m->load.rate_rps);
	json_kv_double(w, "slo_ms", m->load.slo_ms);
	json_kv_bool(w, "indicative", cr->s->indicative);
	json_kv_str(w, "measure", cr->s->measure);
	json_obj_end(w);
}

static void json_measure(struct json_writer *w, const struct cmp *c, const struct cmp_row *row,
			 enum cmp_measure k)
{
	struct cmp_measure_def def = cmp_measure(c, k);

	json_key(w, def.key);
	json_obj_begin(w);
	json_kv_str(w, "unit", def.unit);
	json_kv_str(w, "difference", def.scale == CMP_POINTS ? "b - a" : "b / a");
	json_kv_bool(w, "higher_is_better", def.higher_better);
	json_key(w, "runs");
	json_arr_begin(w);
	for (size_t j = 0; j < c->n_runs; j++) {
		const struct cmp_sample *v = &row->v[j][k];
		const struct cmp_diff *d = &row->d[j][k];

		json_obj_begin(w);
		json_kv_str(w, "run", c->runs[j].label);
		json_kv_uint(w, "rounds", row->idx[j] != SIZE_MAX ? v->n : 0);
		json_kv_double(w, "value", v->value);
		json_kv_interval(w, "ci", v->ci.lo, v->ci.hi);
		if (j) {
			json_key(w, "vs_reference");
			json_obj_begin(w);
			json_kv_double(w, "estimate", d->est);
			json_kv_interval(w, "ci", d->ci.lo, d->ci.hi);
			json_kv_double(w, "df", d->df);
			json_kv_str(w, "verdict", cmp_verdict_name(d->verdict));
			json_kv_uint(w, "rounds_needed", d->rounds_needed);
			json_obj_end(w);
		}
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
}

static void json_row(struct json_writer *w, const struct cmp *c, const struct cmp_row *row)
{
	json_obj_begin(w);
	json_kv_str(w, "name", row->name);
	json_kv_bool(w, "in_all_runs", row->common);
	json_key(w, "verdicts");
	json_arr_begin(w);
	for (size_t j = 1; j < c->n_runs; j++)
		json_str(w, cmp_verdict_name(row->d[j][CMP_GOOD].verdict));
	json_arr_end(w);
	json_key(w, "own_verdicts");
	json_arr_begin(w);
	for (size_t j = 0; j < c->n_runs; j++) {
		const struct cmp_run *cr = &c->runs[j];

		if (row->idx[j] == SIZE_MAX || !cr->s->phases[row->idx[j]].has_cmp)
			json_null(w);
		else
			json_str(w, verdict_name(cr->s->phases[row->idx[j]].verdict));
	}
	json_arr_end(w);
	json_key(w, "measures");
	json_obj_begin(w);
	for (int k = 0; k < CMP_MEASURES; k++)
		json_measure(w, c, row, (enum cmp_measure)k);
	json_obj_end(w);
	json_obj_end(w);
}

static void json_strs(struct json_writer *w, const char *key, char *const *v, size_t n)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		json_str(w, v[i]);
	json_arr_end(w);
}

int cmp_render_json(const struct cmp *c, struct sbuf *out)
{
	struct json_writer *w = json_new(JSON_PRETTY);

	if (!w)
		return -ENOMEM;
	json_obj_begin(w);
	json_kv_str(w, "tool", "isolab-compare");
	json_kv_str(w, "version", ISOLAB_VERSION);
	json_kv_int(w, "schema_version", COMPARE_SCHEMA);
	json_key(w, "rule");
	json_obj_begin(w);
	json_kv_str(w, "name", "welch");
	json_kv_bool(w, "paired", false);
	json_kv_double(w, "confidence_pct", c->rule.confidence);
	json_kv_double(w, "same_within", c->rule.within);
	json_kv_str(w, "same_within_source", c->within_source);
	json_kv_uint(w, "min_rounds", c->rule.min_rounds);
	json_obj_end(w);
	json_kv_bool(w, "forced", c->forced);
	json_kv_str(w, "reference", c->runs[0].label);
	json_key(w, "runs");
	json_arr_begin(w);
	for (size_t j = 0; j < c->n_runs; j++)
		json_run(w, &c->runs[j]);
	json_arr_end(w);
	json_strs(w, "mismatches", c->mismatch, c->n_mismatch);
	json_strs(w, "notes", c->notes, c->n_notes);
	json_key(w, "phases");
	json_arr_begin(w);
	for (size_t i = 0; i < c->n_rows; i++)
		json_row(w, c, &c->rows[i]);
	json_arr_end(w);
	json_obj_end(w);
	return sbuf_json(out, w);
}

/* ---- Markdown ---- */

static void md_runs(struct sbuf *o, const struct cmp *c)
{
	sbuf_puts(o, "| run | results | backend | scheduler | host | rounds | load | SLO |\n"
		     "|---|---|---|---|---|---:|---|---:|\n");
	for (size_t j = 0; j < c->n_runs; j++) {
		const struct model *m = c->runs[j].m;
		char buf[160];

		sbuf_puts(o, "|");
		sbuf_md_cell(o, c->runs[j].label);
		sbuf_md_cell(o, c->runs[j].dir);
		sbuf_md_cell(o, m->backend ? m->backend : "-");
		sbuf_md_cell(o, m->scheduler ? m->scheduler : "-");
		sbuf_md_cell(o, m->hostname ? m->hostname : "-");
		snprintf(buf, sizeof(buf), "%u", c->runs[j].s->rounds);
		sbuf_md_cell(o, buf);
		cmp_load_text(m, buf, sizeof(buf));
		sbuf_md_cell(o, buf);
		if (isfinite(m->load.slo_ms))
			snprintf(buf, sizeof(buf), "%g ms", m->load.slo_ms);
		else
			snprintf(buf, sizeof(buf), "-");
		sbuf_md_cell(o, buf);
		sbuf_puts(o, "\n");
	}
}

static void md_measure(struct sbuf *o, const struct cmp *c, enum cmp_measure k)
{
	struct cmp_measure_def def = cmp_measure(c, k);
	char buf[160], need[80];

	sbuf_printf(o, "\n### %s (%s)\n\n| phase |", def.title, def.unit);
	for (size_t j = 0; j < c->n_runs; j++)
		sbuf_md_cell(o, c->runs[j].label);
	for (size_t j = 1; j < c->n_runs; j++) {
		snprintf(buf, sizeof(buf), "%s %s %s", c->runs[j].label,
			 def.scale == CMP_POINTS ? "−" : "/", c->runs[0].label);
		sbuf_md_cell(o, buf);
	}
	sbuf_puts(o, "\n|---|");
	for (size_t j = 1; j < 2 * c->n_runs; j++)
		sbuf_puts(o, "---:|");
	sbuf_puts(o, "\n");
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct cmp_row *row = &c->rows[i];

		sbuf_puts(o, "|");
		sbuf_md_cell(o, row->name);
		for (size_t j = 0; j < c->n_runs; j++) {
			cmp_value_text(&row->v[j][k], buf, sizeof(buf));
			sbuf_md_cell(o, row->idx[j] == SIZE_MAX ? "not in this run" : buf);
		}
		for (size_t j = 1; j < c->n_runs; j++) {
			const struct cmp_diff *d = &row->d[j][k];
			char txt[400];

			cmp_diff_text(c, k, d, buf, sizeof(buf));
			cmp_needs_text(d, need, sizeof(need));
			snprintf(txt, sizeof(txt), "**%s** %s%s", cmp_verdict_name(d->verdict), buf,
				 need);
			sbuf_md_cell(o, txt);
		}
		sbuf_puts(o, "\n");
	}
}

int cmp_render_md(const struct cmp *c, struct sbuf *o)
{
	char buf[400];

	sbuf_puts(o, "# Comparing runs\n\n");
	md_runs(o, c);
	cmp_rule_text(c, buf, sizeof(buf));
	sbuf_printf(o, "\nReference: **%s**. %s.\n", c->runs[0].label, buf);
	if (c->forced && c->n_mismatch)
		sbuf_puts(o, "\n**Compared with --force although the runs differ:**\n\n");
	for (size_t i = 0; c->forced && i < c->n_mismatch; i++)
		sbuf_printf(o, "- %s\n", c->mismatch[i]);
	if (c->n_notes)
		sbuf_puts(o, "\nNotes:\n\n");
	for (size_t i = 0; i < c->n_notes; i++)
		sbuf_printf(o, "- %s\n", c->notes[i]);
	sbuf_puts(o, "\n## Verdicts\n\nOn the primary measure, each run against the reference.\n");
	for (int k = 0; k < CMP_MEASURES; k++)
		md_measure(o, c, (enum cmp_measure)k);
	sbuf_puts(o, "\n## Each run's own verdicts\n\n| phase |");
	for (size_t j = 0; j < c->n_runs; j++)
		sbuf_md_cell(o, c->runs[j].label);
	sbuf_puts(o, "\n|---|");
	for (size_t j = 0; j < c->n_runs; j++)
		sbuf_puts(o, "---|");
	sbuf_puts(o, "\n");
	for (size_t i = 0; i < c->n_rows; i++) {
		sbuf_puts(o, "|");
		sbuf_md_cell(o, c->rows[i].name);
		for (size_t j = 0; j < c->n_runs; j++) {
			size_t p = c->rows[i].idx[j];
			const struct stats *s = c->runs[j].s;

			sbuf_md_cell(o, p == SIZE_MAX ? "not in this run"
					: !s->phases[p].has_cmp
						? "baseline"
						: verdict_name(s->phases[p].verdict));
		}
		sbuf_puts(o, "\n");
	}
	return sbuf_error(o);
}

/* ---- terminal ---- */

int cmp_render_term(const struct cmp *c, struct sbuf *o)
{
	struct cmp_measure_def def = cmp_measure(c, CMP_GOOD);
	char buf[200], need[80], slo[48] = "";
	const struct model *ref = c->runs[0].m;

	if (isfinite(ref->load.slo_ms))
		snprintf(slo, sizeof(slo), " (within %g ms)", ref->load.slo_ms);
	sbuf_printf(o,
		    "Compare: %s%s, %s; %g %% Welch intervals (rounds of different runs are "
		    "not paired), same within %g%s\n",
		    def.title, slo, c->closed_loop ? "ratio of means" : "% of the offered load",
		    c->rule.confidence, c->rule.within, def.scale == CMP_POINTS ? " pt" : " %");
	for (size_t j = 0; j < c->n_runs; j++) {
		const struct model *m = c->runs[j].m;

		cmp_load_text(m, buf, sizeof(buf));
		sbuf_printf(o, "  %c %-24s %s %s, %u rounds, %s%s\n", (int)('A' + j),
			    c->runs[j].label, m->backend ? m->backend : "?",
			    m->scheduler ? m->scheduler : "?", c->runs[j].s->rounds, buf,
			    j ? "" : " (reference)");
	}
	for (size_t i = 0; i < c->n_rows; i++) {
		const struct cmp_row *row = &c->rows[i];

		sbuf_printf(o, "  %-16s", row->name);
		for (size_t j = 0; j < c->n_runs; j++) {
			cmp_value_text(&row->v[j][CMP_GOOD], buf, sizeof(buf));
			sbuf_printf(o, " %c %-20s", (int)('A' + j),
				    row->idx[j] == SIZE_MAX ? "(not run)" : buf);
		}
		for (size_t j = 1; j < c->n_runs; j++) {
			const struct cmp_diff *d = &row->d[j][CMP_GOOD];

			cmp_diff_text(c, CMP_GOOD, d, buf, sizeof(buf));
			cmp_needs_text(d, need, sizeof(need));
			/* two runs: one line a phase; more: one line per run against A */
			sbuf_printf(o, "%s%c-A %s %s%s",
				    c->n_runs > 2 ? "\n                   " : " ", (int)('A' + j),
				    cmp_verdict_name(d->verdict), buf, need);
		}
		sbuf_puts(o, "\n");
	}
	for (size_t i = 0; i < c->n_notes; i++)
		sbuf_printf(o, "  note: %s\n", c->notes[i]);
	return sbuf_error(o);
}
