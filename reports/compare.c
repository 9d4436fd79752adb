// SPDX-License-Identifier: MIT
/*
 * `isolab compare`: load every results directory, refuse runs that cannot be
 * compared (no phase in common, different SLOs or loads) unless --force,
 * compute, write compare.{csv,json,md,html}, print the verdicts.
 */
#include "compare.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare-render.h"
#include "compare-stats.h"
#include "config.h"
#include "fileio.h"
#include "optlist.h"
#include "parse.h"
#include "report.h"

#define ME "isolab compare"

struct compare_config {
	const char *out_dir;
	unsigned formats;
	const char *labels;
	double within; /* NaN: the reference's min effect */
	double confidence;
	bool force, quiet;
};

static const struct {
	unsigned flag;
	const char *name, *file;
	int (*render)(const struct cmp *c, struct sbuf *out);
} outputs[] = {
	{ REPORT_CSV, "csv", "compare.csv", cmp_render_csv },
	{ REPORT_JSON, "json", "compare.json", cmp_render_json },
	{ REPORT_MD, "md", "compare.md", cmp_render_md },
	{ REPORT_HTML, "html", "compare.html", cmp_render_html },
};

#define N_OUTPUTS (sizeof(outputs) / sizeof(outputs[0]))

enum {
	OPT_WITHIN = 0x100,
	OPT_CONFIDENCE,
	OPT_FORCE,
};

static const struct option options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "labels", required_argument, NULL, 'l' },
	{ "same-within", required_argument, NULL, OPT_WITHIN },
	{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

static const char usage[] =
	"Usage: isolab compare RUN_DIR RUN_DIR [RUN_DIR...] [options]\n"
	"The same phases side by side across results directories (credit vs credit2, host A\n"
	"vs host B, before vs after a patch). The first RUN_DIR is the reference; each other\n"
	"run is compared with it. Rounds of different runs are not paired: every difference\n"
	"is Welch's t-interval on the runs' per-round values.\n"
	"\n"
	"Prints the verdicts on stdout: better / worse / same within P / inconclusive.\n"
	"\n"
	"  -o, --out DIR         write compare.{html,csv,md,json} there (default: .)\n"
	"  -f, --format LIST     comma list of html,csv,md,json (default: all)\n"
	"  -l, --labels LIST     the runs' names in the outputs, comma-separated, in order\n"
	"                        (default: their run ids)\n"
	"      --same-within P   differences smaller than P count as none: points of good %,\n"
	"                        % for latency and rate ratios (default: the reference's min\n"
	"                        effect, else 5)\n"
	"      --confidence P    interval level in %, 50-99.9 (default 90)\n"
	"      --force           compare runs with different SLOs or loads, or no phase in\n"
	"                        common\n"
	"  -q, --quiet           no verdicts on stdout, no summary line\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit: 0 written, 1 writing failed, 2 bad usage, bad input or runs that cannot be\n"
	"compared.\n";

static int bad_number(const char *opt, const char *arg, double min, double max)
{
	fprintf(stderr, ME ": --%s '%s': not a number within %g-%g\n", opt, arg, min, max);
	return -EINVAL;
}

/* 0 and the config with optind at the first RUN_DIR; 1 after --help; -EINVAL after a message. */
static int parse_args(int argc, char **argv, struct compare_config *cfg)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:l:qh", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			cfg->out_dir = optarg;
			break;
		case 'f':
			if (report_parse_formats(optarg, &cfg->formats) < 0) {
				fprintf(stderr,
					ME
					": --format '%s': use a comma list of html,csv,md,json\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'l':
			cfg->labels = optarg;
			break;
		case OPT_WITHIN:
			if (parse_double(optarg, 0, 100, &cfg->within) < 0)
				return bad_number("same-within", optarg, 0, 100);
			break;
		case OPT_CONFIDENCE:
			if (parse_double(optarg, 50, 99.9, &cfg->confidence) < 0)
				return bad_number("confidence", optarg, 50, 99.9);
			break;
		case OPT_FORCE:
			cfg->force = true;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			report_bad_option(ME, argv);
			return -EINVAL;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, ME ": needs two or more RUN_DIRs (see --help)\n");
		return -EINVAL;
	}
	if (argc - optind > CMP_MAX_RUNS) {
		fprintf(stderr, ME ": at most %d RUN_DIRs (got %d)\n", CMP_MAX_RUNS, argc - optind);
		return -EINVAL;
	}
	return 0;
}

/* The runs' names: --labels, else run ids (made distinct). */
static int set_labels(struct cmp *c, const char *list)
{
	const char *p = list;

	for (size_t j = 0; j < c->n_runs; j++) {
		const struct model *m = c->runs[j].m;
		size_t n;
		int r;

		if (list) {
			n = strcspn(p, ",");
			if (!n || (!p[n] && j + 1 < c->n_runs)) {
				fprintf(stderr,
					ME ": --labels '%s': give one non-empty name per RUN_DIR "
					   "(%zu)\n",
					list, c->n_runs);
				return -EINVAL;
			}
			r = asprintf(&c->runs[j].label, "%.*s", (int)n, p);
			p += n + (p[n] == ',');
		} else {
			r = asprintf(&c->runs[j].label, "%s", m->run_id ? m->run_id : m->dir);
		}
		if (r < 0)
			return -ENOMEM;
		for (size_t k = 0; k < j; k++)
			if (!strcmp(c->runs[k].label, c->runs[j].label)) {
				char *l;

				if (asprintf(&l, "%s #%zu", c->runs[j].label, j + 1) < 0)
					return -ENOMEM;
				free(c->runs[j].label);
				c->runs[j].label = l;
			}
	}
	if (list && *p) {
		fprintf(stderr, ME ": --labels '%s': more names than RUN_DIRs (%zu)\n", list,
			c->n_runs);
		return -EINVAL;
	}
	return 0;
}

/* The SLO a run was judged against: the manifest's load, else its probes'; NaN when none. */
static double run_slo(const struct model *m)
{
	if (isfinite(m->load.slo_ms))
		return m->load.slo_ms;
	for (size_t i = 0; i < m->n_runs; i++)
		if (m->runs[i].probe.present && isfinite(m->runs[i].probe.slo_ms))
			return m->runs[i].probe.slo_ms;
	return NAN;
}

static bool differ(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) != isnan(b);
	return fabs(a - b) > 1e-9 * fmax(fabs(a), fabs(b));
}

static bool loads_differ(const struct model *a, const struct model *b)
{
	char ta[128], tb[128];

	cmp_load_text(a, ta, sizeof(ta));
	cmp_load_text(b, tb, sizeof(tb));
	if (strncmp(ta, tb, 6)) /* open against closed */
		return true;
	if (!strncmp(ta, "closed", 6))
		return false;
	if (isfinite(a->load.share_pct) || isfinite(b->load.share_pct))
		return differ(a->load.share_pct, b->load.share_pct);
	return differ(a->load.rate_rps, b->load.rate_rps);
}

static int note(char **v, size_t *n, size_t max, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int note(char **v, size_t *n, size_t max, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= max)
		return 0;
	va_start(ap, fmt);
	r = vasprintf(&v[*n], fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

static void slo_text(double slo, char *buf, size_t len)
{
	if (isfinite(slo))
		snprintf(buf, len, "%g ms", slo);
	else
		snprintf(buf, len, "none");
}

/* What makes run j not comparable with the reference, and what is merely worth knowing. */
static int check_pair(struct cmp *c, size_t j)
{
	const struct model *a = c->runs[0].m, *b = c->runs[j].m;
	const char *la = c->runs[0].label, *lb = c->runs[j].label;
	char ta[128], tb[128];
	int r = 0;

	if (differ(run_slo(a), run_slo(b))) {
		slo_text(run_slo(a), ta, sizeof(ta));
		slo_text(run_slo(b), tb, sizeof(tb));
		r = note(c->mismatch, &c->n_mismatch, 8, "different SLOs (%s: %s, %s: %s)", la, ta,
			 lb, tb);
	}
	if (!r && loads_differ(a, b)) {
		cmp_load_text(a, ta, sizeof(ta));
		cmp_load_text(b, tb, sizeof(tb));
		r = note(c->mismatch, &c->n_mismatch, 8, "different loads (%s: %s, %s: %s)", la, ta,
			 lb, tb);
	}
	if (!r && differ(a->duration_s, b->duration_s))
		r = note(c->notes, &c->n_notes, 16, "phases measured for %g s in %s, %g s in %s",
			 a->duration_s, la, b->duration_s, lb);
	if (!r && isfinite(a->load.rate_rps) && isfinite(b->load.rate_rps) &&
	    differ(a->load.rate_rps, b->load.rate_rps) && !loads_differ(a, b))
		r = note(c->notes, &c->n_notes, 16,
			 "the same share of each run's calibrated capacity is a different rate: "
			 "%.0f req/s in %s, %.0f req/s in %s",
			 a->load.rate_rps, la, b->load.rate_rps, lb);
	if (!r && b->precalibration)
		r = note(c->notes, &c->n_notes, 16,
			 "%s was measured before calibration (closed loop, no SLO): judged on "
			 "good responses per second",
			 lb);
	return r;
}

/* Loads every run; bad input is one line on stderr and -EINVAL. */
static int load_runs(struct cmp *c, char **dirs, size_t n, const struct compare_config *cfg)
{
	struct stats_config sc = STATS_CONFIG_DEFAULT;
	char err[512];
	int r;

	sc.confidence_pct = cfg->confidence;
	for (size_t j = 0; j < n; j++) {
		struct cmp_run *cr = &c->runs[c->n_runs];

		cr->dir = dirs[j];
		r = model_load(dirs[j], &cr->m, err, sizeof(err));
		if (r) {
			fprintf(stderr, ME ": %s\n", err[0] ? err : strerror(-r));
			return r == -ENOMEM ? r : -EINVAL;
		}
		c->n_runs++;
		r = stats_compute(cr->m, &sc, &cr->s);
		if (r) {
			fprintf(stderr, ME ": %s: computing statistics: %s\n", dirs[j],
				strerror(-r));
			return r;
		}
	}
	return 0;
}

static int setup(struct cmp *c, int argc, char **argv, const struct compare_config *cfg)
{
	const struct stats *ref;
	int r;

	r = load_runs(c, argv + optind, (size_t)(argc - optind), cfg);
	if (!r)
		r = set_labels(c, cfg->labels);
	if (r)
		return r;
	ref = c->runs[0].s;
	c->forced = cfg->force;
	c->closed_loop = ref->closed_loop;
	c->rule.confidence = cfg->confidence;
	c->rule.within = isnan(cfg->within) ? ref->rules.min_effect : cfg->within;
	c->within_source = isnan(cfg->within) ? ref->min_effect_source : "option";
	c->rule.min_rounds = ref->rules.min_rounds;
	if (c->runs[0].m->precalibration)
		r = note(c->notes, &c->n_notes, 16,
			 "%s was measured before calibration (closed loop, no SLO): judged on "
			 "good responses per second",
			 c->runs[0].label);
	for (size_t j = 1; j < c->n_runs && !r; j++) {
		c->mixed |= c->runs[j].s->closed_loop != c->closed_loop;
		r = check_pair(c, j);
	}
	return r ? r : cmp_compute(c);
}

/* The one line that refuses; 0 when the comparison may go on. */
static int refuse(const struct cmp *c)
{
	if (c->forced)
		return 0;
	if (c->n_mismatch) {
		fprintf(stderr, ME ": the runs were made with %s; --force to compare anyway\n",
			c->mismatch[0]);
		return -EINVAL;
	}
	if (!c->n_common) {
		fprintf(stderr,
			ME ": %s and %s have no phase in common; --force to show them anyway\n",
			c->runs[0].dir, c->runs[1].dir);
		return -EINVAL;
	}
	return 0;
}

static int write_all(const struct cmp *c, const struct compare_config *cfg)
{
	const char *out = cfg->out_dir ? cfg->out_dir : ".";
	int r = file_mkdirs(out, 0755);

	if (r) {
		fprintf(stderr, ME ": %s: %s\n", out, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < N_OUTPUTS && !r; i++) {
		struct sbuf b;
		char *path = NULL;

		if (!(cfg->formats & outputs[i].flag))
			continue;
		sbuf_init(&b);
		r = outputs[i].render(c, &b);
		if (!r && asprintf(&path, "%s/%s", out, outputs[i].file) < 0)
			r = -ENOMEM;
		if (!r)
			r = sbuf_write_file(&b, path);
		if (r)
			fprintf(stderr, ME ": %s/%s: %s\n", out, outputs[i].file, strerror(-r));
		free(path);
		sbuf_done(&b);
	}
	return r;
}

int compare_main(int argc, char **argv)
{
	struct compare_config cfg = { .formats = REPORT_ALL, .within = NAN, .confidence = 90 };
	struct cmp c = { 0 };
	struct sbuf t;
	int r;

	if (optlist_requested(argc, argv, options))
		return 0;
	r = parse_args(argc, argv, &cfg);
	if (r)
		return r > 0 ? 0 : 2;
	r = setup(&c, argc, argv, &cfg);
	if (!r)
		r = refuse(&c);
	if (r) {
		if (r == -ENOMEM)
			fprintf(stderr, ME ": %s\n", strerror(ENOMEM));
		cmp_done(&c);
		return r == -EINVAL ? 2 : 1;
	}
	r = write_all(&c, &cfg);
	if (!r && !cfg.quiet) {
		sbuf_init(&t);
		r = cmp_render_term(&c, &t);
		if (!r && t.len && fwrite(t.buf, 1, t.len, stdout) != t.len)
			r = -EIO;
		sbuf_done(&t);
		fflush(stdout);
		fprintf(stderr, ME ": %zu runs, %zu phase%s in common -> %s\n", c.n_runs,
			c.n_common, c.n_common == 1 ? "" : "s", cfg.out_dir ? cfg.out_dir : ".");
	}
	cmp_done(&c);
	return r ? 1 : 0;
}
