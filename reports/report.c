// SPDX-License-Identifier: MIT
/* `isolab report`: read a results directory, compute, render the chosen formats. */
#include "report.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fileio.h"
#include "log.h"
#include "model.h"
#include "optlist.h"
#include "parse.h"
#include "render.h"
#include "stats.h"

struct report_config {
	const char *run_dir;
	const char *out_dir;
	unsigned formats;
	bool quiet;
	struct stats_config stats;
};

static const struct {
	unsigned flag;
	const char *name;
	const char *file;
	int (*render)(const struct model *m, const struct stats *s, struct sbuf *out);
} outputs[] = {
	{ REPORT_CSV, "csv", "summary.csv", render_csv },
	{ REPORT_JSON, "json", "summary.json", render_json },
	{ REPORT_MD, "md", "summary.md", render_md },
	{ REPORT_HTML, "html", "report.html", render_html },
};

#define N_OUTPUTS (sizeof(outputs) / sizeof(outputs[0]))

enum {
	OPT_PROTECTED = 0x100,
	OPT_PARTIAL,
	OPT_MIN_EFFECT,
	OPT_CONFIDENCE,
	OPT_SLO_TARGET,
};

static const struct option options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "min-effect", required_argument, NULL, OPT_MIN_EFFECT },
	{ "min-degradation-pct", required_argument, NULL, OPT_MIN_EFFECT }, /* its old name */
	{ "protected-pct", required_argument, NULL, OPT_PROTECTED },
	{ "partial-pct", required_argument, NULL, OPT_PARTIAL },
	{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
	{ "slo-target", required_argument, NULL, OPT_SLO_TARGET },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static const char usage[] =
	"Usage: isolab report RUN_DIR [options]\n"
	"Turns a results directory into summary.csv, summary.json, summary.md, report.html.\n"
	"\n"
	"Prints the verdicts on stdout, then a summary line on stderr.\n"
	"\n"
	"  -o, --out DIR         write there instead of RUN_DIR (created if needed)\n"
	"  -f, --format LIST     comma list of html,csv,md,json (default: all)\n"
	"      --min-effect P    smallest effect that counts, in points of good % (or % of\n"
	"                        the baseline's good/s), 0-100 (default: the scenario's, else 5)\n"
	"      --protected-pct P protected: within min(min effect, 100-P % of the loss) of\n"
	"                        the baseline (default 80)\n"
	"      --partial-pct P   surely recovering less than P % of the loss: not protected\n"
	"                        (default 20)\n"
	"      --confidence P    interval level in %, 50-99.9 (default 90: each verdict is a\n"
	"                        one-sided test at 5 %)\n"
	"      --slo-target P    sensitivity curves: the victim meets its SLO when at least\n"
	"                        P % of its responses are good (default: within the min\n"
	"                        effect of the reference)\n"
	"  -q, --quiet           neither the verdicts nor the summary line\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit: 0 written, 1 writing failed, 2 bad usage or bad input.\n";

void report_bad_option(const char *me, char **argv)
{
	if (optopt && optopt < 0x100)
		fprintf(stderr, "%s: bad option '-%c' or missing value\n", me, optopt);
	else
		fprintf(stderr, "%s: bad option '%s' or missing value\n", me, argv[optind - 1]);
}

int report_parse_formats(const char *s, unsigned *out)
{
	unsigned f = 0;
	const char *p = s;

	if (!*s)
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;

		if (n == 3 && !strncmp(p, "all", 3)) {
			f |= REPORT_ALL;
		} else {
			for (i = 0; i < N_OUTPUTS; i++)
				if (strlen(outputs[i].name) == n && !strncmp(p, outputs[i].name, n))
					break;
			if (i == N_OUTPUTS)
				return -EINVAL;
			f |= outputs[i].flag;
		}
		p += n;
		if (*p == ',' && *++p == '\0')
			return -EINVAL;
	}
	*out = f;
	return 0;
}

static int parse_pct(const char *opt, const char *arg, double min, double max, double *out)
{
	if (parse_double(arg, min, max, out) < 0) {
		fprintf(stderr, "isolab report: --%s '%s': not a number within %g-%g\n", opt, arg,
			min, max);
		return -EINVAL;
	}
	return 0;
}

/* 0 and the config; 1 when --help/--version was handled; -EINVAL after a message. */
static int parse_args(int argc, char **argv, struct report_config *cfg)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:qhV", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			cfg->out_dir = optarg;
			break;
		case 'f':
			if (report_parse_formats(optarg, &cfg->formats) < 0) {
				fprintf(stderr,
					"isolab report: --format '%s': use a comma list of "
					"html,csv,md,json\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_PROTECTED:
			if (parse_pct("protected-pct", optarg, 0, 100, &cfg->stats.protected_pct))
				return -EINVAL;
			break;
		case OPT_PARTIAL:
			if (parse_pct("partial-pct", optarg, 0, 100, &cfg->stats.partial_pct))
				return -EINVAL;
			break;
		case OPT_MIN_EFFECT:
			if (parse_pct("min-effect", optarg, 0, 100, &cfg->stats.min_effect_pct))
				return -EINVAL;
			break;
		case OPT_CONFIDENCE:
			if (parse_pct("confidence", optarg, 50, 99.9, &cfg->stats.confidence_pct))
				return -EINVAL;
			break;
		case OPT_SLO_TARGET:
			if (parse_pct("slo-target", optarg, 0, 100, &cfg->stats.slo_target_pct))
				return -EINVAL;
			break;
		case 'q':
			cfg->quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("isolab report %s\n", ISOLAB_VERSION);
			return 1;
		default:
			report_bad_option("isolab report", argv);
			return -EINVAL;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "isolab report: missing RUN_DIR (see --help)\n");
		return -EINVAL;
	}
	if (optind + 1 < argc) {
		fprintf(stderr, "isolab report: unexpected argument '%s'\n", argv[optind + 1]);
		return -EINVAL;
	}
	cfg->run_dir = argv[optind];
	if (stats_config_check(&cfg->stats)) {
		fprintf(stderr, "isolab report: %s\n", stats_config_check(&cfg->stats));
		return -EINVAL;
	}
	return 0;
}

static bool bad_input(int r)
{
	return r == -EINVAL || r == -ENOENT || r == -ENOTDIR;
}

/* Loads and computes; err says what went wrong (bad input: -EINVAL/-ENOENT/-ENOTDIR). */
static int compute(const char *run_dir, const struct stats_config *sc, struct model **mout,
		   struct stats **sout, char *err, size_t errlen)
{
	struct stats_config def = STATS_CONFIG_DEFAULT;
	int r;

	r = model_load(run_dir, mout, err, errlen);
	if (r)
		return r;
	r = stats_compute(*mout, sc ? sc : &def, sout);
	if (r) {
		snprintf(err, errlen, "%s: computing statistics: %s", run_dir, strerror(-r));
		model_free(*mout);
		*mout = NULL;
	}
	return r;
}

/* Writes the chosen formats; a failure is a failure to write (-EIO or -ENOMEM). */
static int write_all(const struct report_config *cfg, const struct model *m, const struct stats *s,
		     char *err, size_t errlen)
{
	const char *out = cfg->out_dir ? cfg->out_dir : cfg->run_dir;
	int r = 0;

	if (cfg->out_dir) {
		r = file_mkdirs(cfg->out_dir, 0755);
		if (r) {
			snprintf(err, errlen, "%s: %s", cfg->out_dir, strerror(-r));
			return bad_input(r) ? -EIO : r;
		}
	}
	for (size_t i = 0; i < N_OUTPUTS && !r; i++) {
		struct sbuf b;
		char *path;

		if (!(cfg->formats & outputs[i].flag))
			continue;
		sbuf_init(&b);
		r = outputs[i].render(m, s, &b);
		if (!r && asprintf(&path, "%s/%s", out, outputs[i].file) < 0)
			r = -ENOMEM;
		if (!r) {
			r = sbuf_write_file(&b, path);
			if (r)
				snprintf(err, errlen, "%s: %s", path, strerror(-r));
			free(path);
		} else {
			snprintf(err, errlen, "%s: rendering %s: %s", cfg->run_dir, outputs[i].file,
				 strerror(-r));
		}
		sbuf_done(&b);
		if (r)
			r = bad_input(r) ? -EIO : r;
	}
	return r;
}

static int print_table(FILE *f, const struct model *m, const struct stats *s)
{
	struct sbuf b;
	int r;

	sbuf_init(&b);
	r = render_term(m, s, &b);
	if (!r && b.len && fwrite(b.buf, 1, b.len, f) != b.len)
		r = -EIO;
	if (!r && fflush(f))
		r = -EIO;
	sbuf_done(&b);
	return r;
}

int report_main(int argc, char **argv)
{
	struct report_config cfg = { .formats = REPORT_ALL, .stats = STATS_CONFIG_DEFAULT };
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512] = "";
	int r;

	if (optlist_requested(argc, argv, options))
		return 0;
	r = parse_args(argc, argv, &cfg);
	if (r)
		return r > 0 ? 0 : 2;
	r = compute(cfg.run_dir, &cfg.stats, &m, &s, err, sizeof(err));
	if (!r)
		r = write_all(&cfg, m, s, err, sizeof(err));
	if (r) {
		fprintf(stderr, "isolab report: %s\n", err[0] ? err : strerror(-r));
		stats_free(s);
		model_free(m);
		return bad_input(r) ? 2 : 1;
	}
	if (!cfg.quiet) {
		(void)print_table(stdout, m, s);
		fprintf(stderr, "isolab report: %s%s: %zu phases, %zu runs -> %s\n",
			m->run_id ? m->run_id : cfg.run_dir, m->partial ? " (partial)" : "",
			m->n_phases, m->n_runs, cfg.out_dir ? cfg.out_dir : cfg.run_dir);
	}
	stats_free(s);
	model_free(m);
	return 0;
}

int report_render_dir(const char *run_dir, const char *out_dir, unsigned formats)
{
	struct report_config cfg = {
		.run_dir = run_dir,
		.out_dir = out_dir,
		.formats = formats ? formats : REPORT_ALL,
		.stats = STATS_CONFIG_DEFAULT,
	};
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512] = "";
	int r;

	if (!run_dir)
		return -EINVAL;
	r = compute(run_dir, &cfg.stats, &m, &s, err, sizeof(err));
	if (!r)
		r = write_all(&cfg, m, s, err, sizeof(err));
	if (r)
		log_error("report: %s", err[0] ? err : strerror(-r));
	stats_free(s);
	model_free(m);
	return r;
}

int report_print_verdicts(FILE *f, const char *run_dir, const struct stats_config *cfg)
{
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512] = "";
	int r;

	if (!f || !run_dir)
		return -EINVAL;
	r = compute(run_dir, cfg, &m, &s, err, sizeof(err));
	if (r)
		log_error("report: %s", err[0] ? err : strerror(-r));
	else
		r = print_table(f, m, s);
	stats_free(s);
	model_free(m);
	return r;
}

int report_verdicts_decided(const char *run_dir, const struct stats_config *cfg, bool *all_decided,
			    unsigned *n_undecided)
{
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512] = "";
	unsigned total, undecided;
	int r;

	if (!run_dir || !all_decided || !n_undecided)
		return -EINVAL;
	r = compute(run_dir, cfg, &m, &s, err, sizeof(err));
	if (r) {
		log_error("report: %s", err[0] ? err : strerror(-r));
		return r;
	}
	stats_count_undecided(m, s, &total, &undecided);
	/* no verdict at all (no baseline, no runs) cannot get decided by more rounds */
	*all_decided = !undecided;
	*n_undecided = undecided;
	stats_free(s);
	model_free(m);
	return 0;
}
