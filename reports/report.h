/* SPDX-License-Identifier: MIT */
/* Reports: turn a results directory (docs/results.md) into HTML, CSV, Markdown, JSON. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

struct stats_config;

/* The output formats, of `isolab report` and `isolab compare` alike. */
enum {
	REPORT_HTML = 1 << 0,
	REPORT_CSV = 1 << 1,
	REPORT_MD = 1 << 2,
	REPORT_JSON = 1 << 3,
	REPORT_ALL = REPORT_HTML | REPORT_CSV | REPORT_MD | REPORT_JSON,
};

/*
 * A --format value: a comma list of html, csv, md, json or all, into REPORT_*
 * flags. 0, or -EINVAL (empty, an unknown name, a trailing comma).
 */
int report_parse_formats(const char *s, unsigned *out);
/*
 * After getopt_long() returned '?' or ':': "ME: bad option '-x' or missing
 * value" on stderr, naming the option as the user wrote it.
 */
void report_bad_option(const char *me, char **argv);

/*
 * `isolab report RUN_DIR [--out DIR] [--format html,csv,md,json] ...`;
 * argv[0] is "report". Returns the exit status (0 ok, 1 failed, 2 bad usage).
 */
int report_main(int argc, char **argv);

/*
 * What `isolab run` calls at the end of every run. out_dir NULL = run_dir.
 * Returns 0 or a negative errno; logs its own errors.
 */
int report_render_dir(const char *run_dir, const char *out_dir, unsigned formats);

/*
 * The verdict table (docs/reports.md "On the terminal"): one line per bomb
 * phase, the A/A noise line, the invalid runs. cfg NULL = the defaults (min
 * effect from the scenario). 0 or a negative errno (bad input is logged in
 * one line and returns -EINVAL/-ENOENT/-ENOTDIR; nothing is printed then).
 */
int report_print_verdicts(FILE *f, const char *run_dir, const struct stats_config *cfg);

/*
 * For rounds = auto, after each round: are all verdicts decided? A verdict is
 * undecided while it is inconclusive or indicative (fewer valid rounds than
 * design.min_valid_rounds, at least 3). Every bomb phase's effect, every
 * protection and the A/A count. 0 or a negative errno (logged).
 */
int report_verdicts_decided(const char *run_dir, const struct stats_config *cfg, bool *all_decided,
			    unsigned *n_undecided);
