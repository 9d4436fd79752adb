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
#include "parse.h"
#include "plan.h"
#include "report.h"
#include "advise.h"
#include "compare.h"
#include "cred.h"
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
	"  hosts                 list the backend's hosts (CPUs, free memory, resident VMs)\n"
	"  sched get VM          show a VM's weight and cap\n"
	"  sched set VM --weight W [--cap C]\n"
	"  restore               undo what dead runs left behind (journal replay)\n"
	"  deploy SCENARIO       copy the tools to the scenario's ssh guests\n"
	"  report RUN_DIR        render a results directory (HTML, CSV, Markdown, JSON)\n"
	"  compare RUN_DIR RUN_DIR...  the same phases side by side across runs\n"
	"  advise SCENARIO --phase NAME  the smallest weight (or largest cap) that meets the SLO\n"
	"\n"
	"  isolab COMMAND --help  for each command's options; --version\n";

static const char run_help[] =
	"Usage: isolab run [SCENARIO] [options]\n"
	"  -q, --quick            short run (<= 2 min on 2 cores): 3 rounds of short phases\n"
	"                         (rounds = auto: up to 6 while a verdict is undecided)\n"
	"      --print-default    write the built-in default scenario to stdout and exit\n"
	"  -r, --results DIR      parent of the run directory (default: results)\n"
	"      --phases LIST      run only these phases (comma-separated names)\n"
	"      --seed N           the rounds' phase orders of an earlier run (its manifest's\n"
	"                         design.seed; 0-9007199254740991); default: a fresh one\n"
	"      --json             print a one-line JSON summary before the run directory\n"
	"      --no-report        do not render the report at the end\n";
static const char run_help_tail[] =
	"  -h, --help\n"
	"The last line on stdout is the run directory. Exit 0 complete, 1 failed or partial,\n"
	"2 bad usage or input.\n";

/* A command's --help: its own lines, the backend options, then its tail. */
static void print_help(const char *head, const char *tail)
{
	fputs(head, stdout);
	cli_backend_help(stdout);
	fputs(tail, stdout);
}

enum {
	OPT_PRINT = 256,
	OPT_JSON,
	OPT_PHASES,
	OPT_NOREPORT,
	OPT_SEED
};

struct run_cmd {
	struct cli_backend cb;
	struct run_opts ro;
	const char *phases;
	bool quick, print;
	uint64_t seed;
	bool seed_set;
};

/* `isolab run`'s options; 0, 1 after --help, or the exit status 2. */
static int run_parse(int argc, char **argv, struct run_cmd *a)
{
	static const struct option own[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "print-default", no_argument, NULL, OPT_PRINT },
		{ "results", required_argument, NULL, 'r' },
		{ "phases", required_argument, NULL, OPT_PHASES },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-report", no_argument, NULL, OPT_NOREPORT },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option opts[CLI_MAX_OPTIONS];
	int c, r;

	cli_options(own, opts, CLI_MAX_OPTIONS);
	if (optlist_requested(argc, argv, opts))
		return 1;
	while ((c = getopt_long(argc, argv, ":qr:hf:", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			a->quick = true;
			break;
		case OPT_PRINT:
			a->print = true;
			break;
		case 'r':
			a->ro.results_root = optarg;
			break;
		case OPT_PHASES:
			a->phases = optarg;
			break;
		case OPT_JSON:
			a->ro.json = true;
			break;
		case OPT_NOREPORT:
			a->ro.no_report = true;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, 0, PLAN_SEED_MAX, &a->seed) < 0) {
				fprintf(stderr,
					"isolab run: --seed '%s': expected an integer 0-%llu (a "
					"manifest's design.seed)\n",
					optarg, (unsigned long long)PLAN_SEED_MAX);
				return 2;
			}
			a->seed_set = true;
			break;
		case 'h':
			print_help(run_help, run_help_tail);
			return 1;
		default:
			r = cli_backend_opt(&a->cb, c, optarg);
			if (r == 0)
				break;
			return r != -ENOENT ? 2 : cli_bad_option("isolab run", argv, c);
		}
	}
	return 0;
}

/* The scenario to run: the file given, else the built-in default. *text is its source. */
static int run_load(int argc, char **argv, bool quick, struct scenario **s, char **text)
{
	char err[1024];
	size_t len;
	int r;

	if (optind < argc) {
		r = file_read_all(argv[optind], 1 << 20, text, &len);
		if (r < 0) {
			fprintf(stderr, "isolab run: %s: %s\n", argv[optind],
				r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
			return 2;
		}
		r = scenario_parse(argv[optind], *text, len, s, err, sizeof(err));
	} else {
		*text = strdup(scenario_default_text(quick));
		if (!*text)
			return 1;
		r = scenario_parse("<default>", *text, strlen(*text), s, err, sizeof(err));
	}
	if (r < 0) {
		fprintf(stderr, "isolab run: %s\n", err);
		return 2;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	struct run_cmd a = { 0 };
	struct scenario *s = NULL;
	char err[1024], *text = NULL;
	int r;

	r = run_parse(argc, argv, &a);
	if (r)
		return r == 1 ? 0 : r;
	if (a.print) {
		if (optind < argc) {
			fprintf(stderr, "isolab run: --print-default takes no scenario\n");
			return 2;
		}
		fputs(scenario_default_text(a.quick), stdout);
		return 0;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "isolab run: one scenario at most, got '%s' too\n",
			argv[optind + 1]);
		return 2;
	}
	if (a.cb.scenario_file) {
		fprintf(stderr, "isolab run: give the scenario as an argument, not -f\n");
		return 2;
	}
	r = run_load(argc, argv, a.quick, &s, &text);
	if (r)
		goto out;
	if (a.quick)
		scenario_make_quick(s);
	s->design.seed = a.seed;
	s->design.seed_set = a.seed_set;
	r = 2;
	if (a.phases && scenario_select_phases(s, a.phases, err, sizeof(err)) < 0) {
		fprintf(stderr, "isolab run: %s\n", err);
		goto out;
	}
	if (cli_backend_validate(&a.cb, "isolab run") < 0)
		goto out;
	a.ro.override = a.cb.given ? &a.cb.cfg : NULL;
	r = run_scenario(s, text, &a.ro);
out:
	scenario_free(s);
	free(text);
	return r;
}

static const char check_help[] = "Usage: isolab check SCENARIO [options]\n"
				 "Validates the scenario and the backend connection without "
				 "starting anything.\n"
				 "      --list-phases      print the phase names, one per line "
				 "(no backend)\n";
static const char check_help_tail[] = "  -h, --help\n"
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
	static const struct option own[] = {
		{ "list-phases", no_argument, NULL, OPT_LIST_PHASES },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct option opts[CLI_MAX_OPTIONS];
	struct cli_backend cb = { 0 };
	struct scenario *s = NULL;
	bool list_phases = false;
	char err[1024];
	int c, r;

	cli_options(own, opts, CLI_MAX_OPTIONS);
	if (optlist_requested(argc, argv, opts))
		return 0;
	while ((c = getopt_long(argc, argv, ":hf:", opts, NULL)) != -1) {
		if (c == 'h') {
			print_help(check_help, check_help_tail);
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
		{ "run", cmd_run },	     { "check", cmd_check },
		{ "vms", cli_cmd_vms },	     { "sched", cli_cmd_sched },
		{ "restore", cmd_restore },  { "deploy", cli_cmd_deploy },
		{ "hosts", cli_cmd_hosts },  { "report", report_main },
		{ "compare", compare_main }, { "advise", advise_main },
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
			/* ours print one line themselves */
			opterr = cmds[i].fn == report_main || cmds[i].fn == compare_main;
			return cmds[i].fn(argc - 1, argv + 1);
		}
	fprintf(stderr, "isolab: unknown command '%s' (see isolab --help)\n", argv[1]);
	return 2;
}
