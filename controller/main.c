// SPDX-License-Identifier: MIT
/* isolab: the command line. One getopt_long table per subcommand, beside its help. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "fileio.h"
#include "log.h"
#include "optlist.h"
#include "report.h"
#include "xenapi/cred.h"
#include "run.h"
#include "scenario.h"

static const char main_help[] =
	"Usage: isolab COMMAND [options]\n"
	"\n"
	"Noisy-neighbour isolation experiments: bombs beside a victim, a probe measuring it,\n"
	"scheduler priorities (Xen credit weight/cap or cgroups) set per phase.\n"
	"\n"
	"Commands:\n"
	"  run [SCENARIO]        run an experiment (the built-in default without a file)\n"
	"  check SCENARIO        validate a scenario and the backend connection\n"
	"  vms                   list the backend's VMs\n"
	"  sched get VM          show a VM's weight and cap\n"
	"  sched set VM --weight W [--cap C]\n"
	"  restore               undo what dead runs left behind (journal replay)\n"
	"  deploy SCENARIO       copy the tools to the scenario's ssh guests\n"
	"  report RUN_DIR        render a results directory (HTML, CSV, Markdown, JSON)\n"
	"\n"
	"  isolab COMMAND --help  for each command's options; --version\n";

static const char run_help[] =
	"Usage: isolab run [SCENARIO] [options]\n"
	"  -q, --quick            short run (<= 2 min on 2 cores): 1 round, 3 s phases\n"
	"      --print-default    write the built-in default scenario to stdout and exit\n"
	"  -r, --results DIR      parent of the run directory (default: results)\n"
	"      --phases LIST      run only these phases (comma-separated names)\n"
	"      --json             print a one-line JSON summary before the run directory\n"
	"      --no-report        do not render the report at the end\n" CLI_BACKEND_HELP
	"  -h, --help\n"
	"The last line on stdout is the run directory. Exit 0 complete, 1 failed or partial,\n"
	"2 bad usage or input.\n";

static int cmd_run(int argc, char **argv)
{
	enum {
		OPT_PRINT = 256,
		OPT_JSON,
		OPT_PHASES,
		OPT_NOREPORT
	};
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "print-default", no_argument, NULL, OPT_PRINT },
		{ "results", required_argument, NULL, 'r' },
		{ "phases", required_argument, NULL, OPT_PHASES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-report", no_argument, NULL, OPT_NOREPORT },
		{ "help", no_argument, NULL, 'h' },
		CLI_BACKEND_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_backend cb = { 0 };
	struct run_opts ro = { 0 };
	struct scenario *s = NULL;
	const char *phases = NULL;
	bool quick = false, print = false;
	char err[1024], *text = NULL;
	size_t len;
	int c, r;

	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":qr:hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case OPT_PRINT:
			print = true;
			break;
		case 'r':
			ro.results_root = optarg;
			break;
		case OPT_PHASES:
			phases = optarg;
			break;
		case OPT_JSON:
			ro.json = true;
			break;
		case OPT_NOREPORT:
			ro.no_report = true;
			break;
		case 'h':
			fputs(run_help, stdout);
			return 0;
		default:
			r = cli_backend_opt(&cb, c, optarg);
			if (r == 0)
				break;
			if (r != -ENOENT)
				return 2;
			return cli_bad_option("isolab run", argv, c);
		}
	}
	if (print) {
		if (optind < argc) {
			fprintf(stderr, "isolab run: --print-default takes no scenario\n");
			return 2;
		}
		fputs(scenario_default_text(quick), stdout);
		return 0;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "isolab run: one scenario at most, got '%s' too\n",
			argv[optind + 1]);
		return 2;
	}
	if (cb.scenario_file) {
		fprintf(stderr, "isolab run: give the scenario as an argument, not -f\n");
		return 2;
	}
	if (optind < argc) {
		r = file_read_all(argv[optind], 1 << 20, &text, &len);
		if (r < 0) {
			fprintf(stderr, "isolab run: %s: %s\n", argv[optind],
				r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
			return 2;
		}
		r = scenario_parse(argv[optind], text, len, &s, err, sizeof(err));
	} else {
		text = strdup(scenario_default_text(quick));
		if (!text)
			return 1;
		r = scenario_parse("<default>", text, strlen(text), &s, err, sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "isolab run: %s\n", err);
		free(text);
		return 2;
	}
	if (quick)
		scenario_make_quick(s);
	if (phases && scenario_select_phases(s, phases, err, sizeof(err)) < 0) {
		fprintf(stderr, "isolab run: %s\n", err);
		r = 2;
		goto out;
	}
	r = cli_backend_validate(&cb, "isolab run");
	if (r < 0) {
		r = 2;
		goto out;
	}
	ro.override = cb.given ? &cb.cfg : NULL;
	r = run_scenario(s, text, &ro);
out:
	scenario_free(s);
	free(text);
	return r;
}

static const char check_help[] = "Usage: isolab check SCENARIO [options]\n"
				 "Validates the scenario and the backend connection without "
				 "starting anything.\n"
				 "      --list-phases      print the phase names, one per line "
				 "(no backend)\n" CLI_BACKEND_HELP "  -h, --help\n"
				 "Exit 0 valid, 2 on any error (one line naming FILE:LINE).\n";

/* The scenario's phases after sweeps, one per line: what --phases accepts. */
static void print_phases(const struct scenario *s)
{
	for (size_t i = 0; i < s->n_phases; i++)
		printf("%s\n", s->phases[i].name);
}

static int cmd_check(int argc, char **argv)
{
	enum {
		OPT_LIST_PHASES = 256
	};
	static const struct option opts[] = {
		{ "list-phases", no_argument, NULL, OPT_LIST_PHASES },
		{ "help", no_argument, NULL, 'h' },
		CLI_BACKEND_OPTIONS,
		{ NULL, 0, NULL, 0 },
	};
	struct cli_backend cb = { 0 };
	struct scenario *s = NULL;
	bool list_phases = false;
	char err[1024];
	int c, r;

	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":hf:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(check_help, stdout);
			return 0;
		}
		if (c == OPT_LIST_PHASES) {
			list_phases = true;
			continue;
		}
		r = cli_backend_opt(&cb, c, optarg);
		if (r == -ENOENT)
			return cli_bad_option("isolab check", argv, c);
		if (r < 0)
			return 2;
	}
	if (argc - optind != 1) {
		fprintf(stderr, "isolab check: expected exactly one SCENARIO file\n");
		return 2;
	}
	if (cli_backend_validate(&cb, "isolab check") < 0)
		return 2;
	r = scenario_load(argv[optind], &s, err, sizeof(err));
	if (r < 0) {
		fprintf(stderr, "isolab check: %s\n", err);
		return 2;
	}
	if (list_phases) {
		print_phases(s);
		scenario_free(s);
		return 0;
	}
	r = cli_check_backend(s, cb.given ? &cb.cfg : NULL);
	scenario_free(s);
	return r;
}

static const char restore_help[] =
	"Usage: isolab restore\n"
	"Replays the journals of dead runs in $ISOLAB_STATE_DIR (default /var/lib/isolab):\n"
	"kills their leftover processes, restores scheduler settings, removes cgroups,\n"
	"namespaces and files. Exit 0 when everything was undone, 1 otherwise.\n";

static int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(restore_help, stdout);
			return 0;
		}
		return cli_bad_option("isolab restore", argv, c);
	}
	if (optind < argc) {
		fprintf(stderr, "isolab restore: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return run_restore(true);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "run", cmd_run },	    { "check", cmd_check },
		{ "vms", cli_cmd_vms },	    { "sched", cli_cmd_sched },
		{ "restore", cmd_restore }, { "deploy", cli_cmd_deploy },
		{ "report", report_main },
	};

	log_init("isolab", LOG_LVL_INFO);
	xapi_cred_capture_env();
	if (argc < 2) {
		fputs(main_help, stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("isolab %s\n", ISOLAB_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--list-commands") == 0) { /* hidden: completion, man page test */
		for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			printf("%s\n", cmds[i].name);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			optind = 1;
			opterr = cmds[i].fn == report_main; /* ours print one line themselves */
			return cmds[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "isolab: unknown command '%s' (see isolab --help)\n", argv[1]);
	return 2;
}
