// SPDX-License-Identifier: MIT
/* The advice in every output: JSON, Markdown, HTML (a chart of the steps), the terminal. */
#include "advise-out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "json.h"
#include "render.h"
#include "svg.h"

static const struct advise_step *step_of(const struct advise_result *a, int value)
{
	for (size_t i = a->n_steps; i-- > 0;)
		if (a->steps[i].value == value)
			return &a->steps[i];
	return NULL;
}

static const char *unit(const struct advise_result *a)
{
	return strcmp(a->measure, "good_pct") ? " good/s" : " % good";
}

/* "weight 512 fails (93.1 % good [91.0, 95.2])" */
static size_t step_text(const struct advise_result *a, int value, const char *verb, char *buf,
			size_t len)
{
	const struct advise_step *s = step_of(a, value);
	const char *knob = a->is_weight ? "weight" : "cap";

	if (!s)
		return (size_t)snprintf(buf, len, "%s %d %s", knob, value, verb);
	if (isfinite(s->good_lo))
		return (size_t)snprintf(buf, len, "%s %d %s (%.1f%s [%.1f, %.1f])", knob, value,
					verb, s->good, unit(a), s->good_lo, s->good_hi);
	return (size_t)snprintf(buf, len, "%s %d %s (%.1f%s)", knob, value, verb, s->good, unit(a));
}

void advise_answer_text(const struct advise_result *a, char *buf, size_t len)
{
	const struct advise_search *s = &a->search;
	const char *vm = strchr(a->knob, '.') ? strchr(a->knob, '.') + 1 : a->knob;
	char f[200] = "", m[200] = "";

	/* an undecided step bounds the search like a failure, but is not called one */
	if (s->fails >= 0)
		step_text(a, s->fails,
			  step_of(a, s->fails) && step_of(a, s->fails)->outcome == ADVISE_UNDECIDED
				  ? "does not surely meet it"
				  : "fails",
			  f, sizeof(f));
	if (s->meets >= 0)
		step_text(a, s->meets, "meets it", m, sizeof(m));
	switch (s->end) {
	case ADVISE_CONVERGED:
		snprintf(buf, len, "%s, %s: recommend %s %d for %s", f, m,
			 a->is_weight ? "weight" : "cap", s->meets, vm);
		break;
	case ADVISE_ALL:
		snprintf(buf, len, "%s%s: %s", m, a->is_weight ? ", the lowest weight" : ", no cap",
			 a->is_weight ? "no priority is needed" : "no cap is needed");
		break;
	case ADVISE_NONE:
		snprintf(buf, len, "%s, the end of the range: no %s meets the SLO under phase %s",
			 f, a->is_weight ? "weight" : "cap", a->phase);
		break;
	case ADVISE_STUCK:
		snprintf(
			buf, len,
			"%s %d could not be decided with the rounds a step may take; so far: %s%s%s",
			a->is_weight ? "weight" : "cap", s->undecided, f[0] ? f : "no failure",
			m[0] ? ", " : "", m);
		break;
	case ADVISE_CONFLICT:
		snprintf(buf, len,
			 "contradictory: %s, yet %s (noise, or a victim that is not monotone in "
			 "the knob): rerun with more rounds",
			 f, m);
		break;
	default:
		snprintf(buf, len, "stopped (%s) after %zu steps; so far: %s%s%s",
			 a->interrupted ? "interrupted" : advise_end_name(s->end), a->n_steps,
			 f[0] ? f : "no failure", m[0] ? ", " : "", m[0] ? m : ", nothing met it");
		break;
	}
}

/* ---- JSON ---- */

static const char *outcome_name(enum advise_outcome o)
{
	return o == ADVISE_MEETS ? "meets" : o == ADVISE_FAILS ? "fails" : "undecided";
}

static void kv_value(struct json_writer *w, const char *k, int v)
{
	if (v >= 0)
		json_kv_int(w, k, v);
	else
		json_kv_null(w, k);
}

int advise_render_json(const struct advise_result *a, struct sbuf *out)
{
	struct json_writer *w = json_new(JSON_PRETTY);
	char ans[600];

	if (!w)
		return -ENOMEM;
	advise_answer_text(a, ans, sizeof(ans));
	json_obj_begin(w);
	json_kv_str(w, "tool", "isolab-advise");
	json_kv_str(w, "version", ISOLAB_VERSION);
	json_kv_int(w, "schema_version", 1);
	json_kv_str(w, "scenario", a->scenario);
	json_kv_str(w, "phase", a->phase);
	json_kv_str(w, "knob", a->knob);
	json_kv_str(w, "scale", a->search.scale == ADVISE_LOG ? "log" : "linear");
	json_kv_str(w, "backend", a->backend);
	json_kv_str(w, "scheduler", a->scheduler);
	json_kv_double(w, "slo_ms", a->slo_ms);
	json_kv_double(w, "rate_rps", a->rate_rps);
	json_kv_str(w, "measure", a->measure);
	json_key(w, "rule");
	json_obj_begin(w);
	json_kv_str(w, "meets",
		    isfinite(a->target) ? "good_at_least_target" : "within_min_effect_of_baseline");
	json_kv_double(w, "min_effect", a->min_effect);
	json_kv_double(w, "target_pct", a->target);
	json_kv_double(w, "confidence_pct", a->confidence);
	json_kv_double(w, "resolution", a->search.resolution);
	json_obj_end(w);
	json_kv_str(w, "end", a->interrupted ? "interrupted" : advise_end_name(a->search.end));
	json_key(w, "answer");
	json_obj_begin(w);
	kv_value(w, "recommend",
		 a->search.end == ADVISE_CONVERGED || a->search.end == ADVISE_ALL ? a->search.meets
										  : -1);
	kv_value(w, "meets", a->search.meets);
	kv_value(w, "fails", a->search.fails);
	kv_value(w, "undecided", a->search.undecided);
	json_kv_str(w, "text", ans);
	json_obj_end(w);
	json_kv_double(w, "elapsed_s", a->elapsed_s);
	json_kv_double(w, "max_time_s", a->max_time_s);
	json_key(w, "steps");
	json_arr_begin(w);
	for (size_t i = 0; i < a->n_steps; i++) {
		const struct advise_step *s = &a->steps[i];

		json_obj_begin(w);
		json_kv_int(w, "value", s->value);
		json_kv_str(w, "outcome", outcome_name(s->outcome));
		json_kv_uint(w, "rounds", s->rounds);
		json_kv_double(w, "score", s->good);
		json_kv_interval(w, "score_ci", s->good_lo, s->good_hi);
		json_kv_double(w, "baseline", s->base);
		json_kv_double(w, "difference", s->diff);
		json_kv_interval(w, "difference_ci", s->diff_lo, s->diff_hi);
		json_kv_double(w, "victim_cpu_share_pct", s->victim_cpu_pct);
		json_kv_double(w, "elapsed_s", s->elapsed_s);
		json_kv_str(w, "results", s->run_dir);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_obj_end(w);
	return sbuf_json(out, w);
}

/* ---- Markdown and the terminal ---- */

static void rule_text(const struct advise_result *a, char *buf, size_t len)
{
	if (isfinite(a->target))
		snprintf(buf, len, "at least %g %% of the responses good (within %g ms)", a->target,
			 a->slo_ms);
	else
		snprintf(buf, len,
			 "no worse than the baseline by more than %g %s (good = within %g ms), "
			 "paired by round, %g %% intervals",
			 a->min_effect, strcmp(a->measure, "good_pct") ? "%" : "points", a->slo_ms,
			 a->confidence);
}

int advise_render_md(const struct advise_result *a, struct sbuf *o)
{
	char buf[600];

	advise_answer_text(a, buf, sizeof(buf));
	sbuf_printf(o, "# isolab advise: %s under phase %s\n\n**%s**\n\n", a->knob, a->phase, buf);
	rule_text(a, buf, sizeof(buf));
	sbuf_printf(o,
		    "Meets the SLO: %s. Search: %s, then bisection (%s scale) to a bracket of "
		    "%g%s. %zu steps in %.0f s.\n\n| step | %s | rounds | good | vs baseline | "
		    "victim CPU | outcome |\n|---:|---:|---:|---|---|---:|---|\n",
		    buf, a->search.scale == ADVISE_LOG ? "doubling or halving" : "the range's ends",
		    a->search.scale == ADVISE_LOG ? "log" : "linear", a->search.resolution,
		    a->search.scale == ADVISE_LOG ? "x" : "", a->n_steps, a->elapsed_s,
		    a->is_weight ? "weight" : "cap");
	for (size_t i = 0; i < a->n_steps; i++) {
		const struct advise_step *s = &a->steps[i];

		sbuf_printf(
			o,
			"| %zu | %d | %u | %.1f [%.1f, %.1f] | %+.1f [%+.1f, %+.1f] | %.0f %% | **%s** |\n",
			i + 1, s->value, s->rounds, s->good, s->good_lo, s->good_hi, s->diff,
			s->diff_lo, s->diff_hi, s->victim_cpu_pct, outcome_name(s->outcome));
	}
	return sbuf_error(o);
}

int advise_render_term(const struct advise_result *a, struct sbuf *o)
{
	char buf[600];

	for (size_t i = 0; i < a->n_steps; i++) {
		const struct advise_step *s = &a->steps[i];

		sbuf_printf(o,
			    "  step %2zu  %s %-6d %-9s %2u rounds  good %.1f [%.1f, %.1f]  vs "
			    "baseline %+.1f [%+.1f, %+.1f]\n",
			    i + 1, a->is_weight ? "weight" : "cap", s->value,
			    outcome_name(s->outcome), s->rounds, s->good, s->good_lo, s->good_hi,
			    s->diff, s->diff_lo, s->diff_hi);
	}
	advise_answer_text(a, buf, sizeof(buf));
	sbuf_printf(o, "Advice: %s\n", buf);
	return sbuf_error(o);
}

/* ---- HTML ---- */

static void chart(struct sbuf *o, const struct advise_result *a)
{
	static const char *const lg[] = { "meets", "fails", "undecided", "interval over rounds",
					  "recommended" };
	static const int st[] = { 2, 1, 4, 4, 4 };
	static const enum svg_key keys[] = { SVG_KEY_MARKER, SVG_KEY_MARKER, SVG_KEY_MARKER,
					     SVG_KEY_WHISKER, SVG_KEY_REF };
	double lo = INFINITY, hi = 0;
	struct svg_chart c;
	char xl[96];

	for (size_t i = 0; i < a->n_steps; i++) {
		lo = fmin(lo, a->steps[i].value);
		hi = fmax(hi, a->steps[i].value);
	}
	if (!a->n_steps)
		return;
	snprintf(xl, sizeof(xl), "%s (%s scale)", a->knob,
		 a->search.scale == ADVISE_LOG ? "log" : "linear");
	svg_begin(&c, o, 0, 900, 330, "The victim's good responses at each step of the search", 1);
	if (a->search.scale == ADVISE_LOG)
		c.x = (struct svg_axis){ lo / 1.5, hi * 1.5, SVG_LOG, xl };
	else
		c.x = (struct svg_axis){ fmax(0, lo - 10), hi + 10, SVG_LINEAR, xl };
	c.y = (struct svg_axis){ 0, strcmp(a->measure, "good_pct") ? 0 : 100, SVG_LINEAR,
				 "good responses (% of offered)" };
	for (size_t i = 0; i < a->n_steps; i++)
		c.y.max = fmax(c.y.max, a->steps[i].good_hi * 1.1);
	svg_axes(&c, NULL, 0);
	for (size_t i = 0; i < a->n_steps; i++) {
		const struct advise_step *s = &a->steps[i];
		double px = svg_px(&c, s->value);

		svg_whisker(&c, px, s->good_lo, s->good_hi);
		svg_marker(&c, px, svg_py(&c, svg_clamp(&c.y, s->good)),
			   s->outcome == ADVISE_MEETS	? 2
			   : s->outcome == ADVISE_FAILS ? 1
							: 4);
	}
	if (isfinite(a->target))
		svg_hline(&c, a->target, "target");
	if (a->search.meets >= 0 &&
	    (a->search.end == ADVISE_CONVERGED || a->search.end == ADVISE_ALL))
		svg_vline(&c, a->search.meets, "recommended");
	svg_legend(&c, lg, st, keys, 5);
	svg_end(&c, "Each point is one step: the phase's good responses over that step's rounds, "
		    "with its t-interval; the decision is on the difference from the baseline, "
		    "paired by round.");
}

int advise_render_html(const struct advise_result *a, struct sbuf *o)
{
	char buf[600];

	sbuf_puts(o, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'unsafe-inline'; img-src data:\"><title>isolab advise</title>");
	sbuf_printf(o, "<style>%s</style></head><body><main>\n<section id=\"advice\"><h1>Advice: ",
		    render_css);
	sbuf_xml(o, a->knob);
	sbuf_puts(o, " under phase ");
	sbuf_xml(o, a->phase);
	advise_answer_text(a, buf, sizeof(buf));
	sbuf_puts(o, "</h1><p class=\"banner\">");
	sbuf_xml(o, buf);
	sbuf_puts(o, "</p><p>");
	rule_text(a, buf, sizeof(buf));
	sbuf_puts(o, "Meets the SLO: ");
	sbuf_xml(o, buf);
	sbuf_printf(o, ". %zu steps in %.0f s; scenario ", a->n_steps, a->elapsed_s);
	sbuf_xml(o, a->scenario);
	sbuf_puts(o, ", backend ");
	sbuf_xml(o, a->backend ? a->backend : "?");
	sbuf_puts(o, " (");
	sbuf_xml(o, a->scheduler ? a->scheduler : "?");
	sbuf_puts(o, ").</p>");
	chart(o, a);
	sbuf_printf(o,
		    "<table><thead><tr><th>step</th><th>%s</th><th>rounds</th><th>good</th>"
		    "<th>vs baseline</th><th>victim CPU</th><th class=\"l\">outcome</th>"
		    "<th class=\"l\">results</th></tr></thead><tbody>",
		    a->is_weight ? "weight" : "cap");
	for (size_t i = 0; i < a->n_steps; i++) {
		const struct advise_step *s = &a->steps[i];

		sbuf_printf(o,
			    "<tr><td>%zu</td><td>%d</td><td>%u</td><td>%.1f <span class=\"ci\">"
			    "[%.1f–%.1f]</span></td><td>%+.1f <span class=\"ci\">[%+.1f, %+.1f]"
			    "</span></td><td>%.0f %%</td><td class=\"l\"><b>%s</b></td><td "
			    "class=\"l\">",
			    i + 1, s->value, s->rounds, s->good, s->good_lo, s->good_hi, s->diff,
			    s->diff_lo, s->diff_hi, s->victim_cpu_pct, outcome_name(s->outcome));
		sbuf_xml(o, s->run_dir);
		sbuf_puts(o, "</td></tr>");
	}
	sbuf_puts(o, "</tbody></table></section><footer>Generated by isolab advise " ISOLAB_VERSION
		     ".</footer></main></body></html>\n");
	return sbuf_error(o);
}
