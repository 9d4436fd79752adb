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
	OPT_MIN_DEGR,
	OPT_CONFIDENCE,
	OPT_RESAMPLES,
	OPT_SEED,
};

static const struct option options[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, 'f' },
	{ "protected-pct", required_argument, NULL, OPT_PROTECTED },
	{ "partial-pct", required_argument, NULL, OPT_PARTIAL },
	{ "min-degradation-pct", required_argument, NULL, OPT_MIN_DEGR },
	{ "confidence", required_argument, NULL, OPT_CONFIDENCE },
	{ "resamples", required_argument, NULL, OPT_RESAMPLES },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ 0 },
};

static const char usage[] =
	"Usage: isolab report RUN_DIR [options]\n"
	"Turns a results directory into summary.csv, summary.json, summary.md, report.html.\n"
	"\n"
	"  -o, --out DIR                 write there instead of RUN_DIR (created if needed)\n"
	"  -f, --format LIST             comma list of html,csv,md,json (default: all)\n"
	"      --protected-pct P         recovered >= P %% of the loss: protected (default 80)\n"
	"      --partial-pct P           recovered >= P %%: partly protected (default 20)\n"
	"      --min-degradation-pct P   p99 rise / success drop below P %%: unaffected "
	"(default 10)\n"
	"      --confidence P            interval level in %% (default 95)\n"
	"      --resamples N             bootstrap resamples, 100-100000 (default 1000)\n"
	"      --seed N                  bootstrap seed (default fixed: output is reproducible)\n"
	"  -q, --quiet                   no summary line on stderr\n"
	"  -h, --help                    this help\n"
	"\n"
	"Exit: 0 written, 1 writing failed, 2 bad usage or bad input.\n";

static int parse_formats(const char *s, unsigned *out)
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

static int parse_pct(const char *opt, const char *arg, double max, double *out)
{
	if (parse_double(arg, 0, max, out) < 0) {
		fprintf(stderr, "isolab report: --%s '%s': not a number within 0-%g\n", opt, arg,
			max);
		return -EINVAL;
	}
	return 0;
}

/* 0 and the config; 1 when --help/--version was handled; -EINVAL after a message. */
static int parse_args(int argc, char **argv, struct report_config *cfg)
{
	uint64_t u;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:qhV", options, NULL)) != -1) {
		switch (c) {
		case 'o':
			cfg->out_dir = optarg;
			break;
		case 'f':
			if (parse_formats(optarg, &cfg->formats) < 0) {
				fprintf(stderr,
					"isolab report: --format '%s': use a comma list of "
					"html,csv,md,json\n",
					optarg);
				return -EINVAL;
			}
			break;
		case OPT_PROTECTED:
			if (parse_pct("protected-pct", optarg, 100, &cfg->stats.protected_pct))
				return -EINVAL;
			break;
		case OPT_PARTIAL:
			if (parse_pct("partial-pct", optarg, 100, &cfg->stats.partial_pct))
				return -EINVAL;
			break;
		case OPT_MIN_DEGR:
			if (parse_pct("min-degradation-pct", optarg, 1000,
				      &cfg->stats.min_degradation_pct))
				return -EINVAL;
			break;
		case OPT_CONFIDENCE:
			if (parse_pct("confidence", optarg, 99.9, &cfg->stats.confidence_pct))
				return -EINVAL;
			break;
		case OPT_RESAMPLES:
			if (parse_u64(optarg, 100, 100000, &u) < 0) {
				fprintf(stderr, "isolab report: --resamples '%s': use 100-100000\n",
					optarg);
				return -EINVAL;
			}
			cfg->stats.resamples = (unsigned)u;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, 0, UINT64_MAX, &cfg->stats.seed) < 0) {
				fprintf(stderr, "isolab report: --seed '%s': not a number\n",
					optarg);
				return -EINVAL;
			}
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
			if (optopt && optopt < 0x100)
				fprintf(stderr,
					"isolab report: bad option '-%c' or missing value\n",
					optopt);
			else
				fprintf(stderr, "isolab report: bad option '%s' or missing value\n",
					argv[optind - 1]);
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

/*
 * Loads, computes and writes. Returns 0, -EINVAL/-ENOENT/-ENOTDIR for bad
 * input (err says what), or another -errno for a failure to write.
 */
static int render_all(const struct report_config *cfg, struct model **mout, char *err,
		      size_t errlen)
{
	const char *out = cfg->out_dir ? cfg->out_dir : cfg->run_dir;
	struct model *m = NULL;
	struct stats *s = NULL;
	int r;

	r = model_load(cfg->run_dir, &m, err, errlen);
	if (r)
		return r;
	r = stats_compute(m, &cfg->stats, &s);
	if (r) {
		snprintf(err, errlen, "%s: computing statistics: %s", cfg->run_dir, strerror(-r));
		goto out;
	}
	if (cfg->out_dir) {
		r = file_mkdirs(cfg->out_dir, 0755);
		if (r) {
			snprintf(err, errlen, "%s: %s", cfg->out_dir, strerror(-r));
			r = bad_input(r) ? -EIO : r; /* a failure to write, not bad input */
			goto out;
		}
	}
	for (size_t i = 0; i < N_OUTPUTS; i++) {
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
		if (r) {
			r = bad_input(r) ? -EIO : r;
			goto out;
		}
	}
out:
	stats_free(s);
	if (!r && mout)
		*mout = m;
	else
		model_free(m);
	return r;
}

int report_main(int argc, char **argv)
{
	struct report_config cfg = { .formats = REPORT_ALL, .stats = STATS_CONFIG_DEFAULT };
	struct model *m = NULL;
	char err[512] = "";
	int r;

	if (optlist_requested(argc, argv, options))
		return 0;
	r = parse_args(argc, argv, &cfg);
	if (r)
		return r > 0 ? 0 : 2;
	r = render_all(&cfg, &m, err, sizeof(err));
	if (r) {
		fprintf(stderr, "isolab report: %s\n", err[0] ? err : strerror(-r));
		return bad_input(r) ? 2 : 1;
	}
	if (!cfg.quiet)
		fprintf(stderr, "isolab report: %s%s: %zu phases, %zu runs -> %s\n",
			m->run_id ? m->run_id : cfg.run_dir, m->partial ? " (partial)" : "",
			m->n_phases, m->n_runs, cfg.out_dir ? cfg.out_dir : cfg.run_dir);
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
	char err[512] = "";
	int r;

	if (!run_dir)
		return -EINVAL;
	r = render_all(&cfg, NULL, err, sizeof(err));
	if (r)
		log_error("report: %s", err[0] ? err : strerror(-r));
	return r;
}
