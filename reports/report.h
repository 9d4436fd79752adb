/* SPDX-License-Identifier: MIT */
/* Reports: turn a results directory (docs/results.md) into HTML, CSV, Markdown, JSON. */
#pragma once

enum {
	REPORT_HTML = 1 << 0,
	REPORT_CSV = 1 << 1,
	REPORT_MD = 1 << 2,
	REPORT_JSON = 1 << 3,
	REPORT_ALL = REPORT_HTML | REPORT_CSV | REPORT_MD | REPORT_JSON,
};

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
