// SPDX-License-Identifier: MIT
/*
 * `isolab advise`: checks the scenario, the phase and the knob, searches the
 * knob one run per step, writes advise.{json,md,html} next to the steps'
 * results directories and prints the answer.
 */
#include "advise.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "fileio.h"
#include "log.h"
#include "optlist.h"
#include "parse.h"
#include "scenario.h"
#include "sig.h"

#define ME "isolab advise"

#define WEIGHT_RESOLUTION 1.189207115 /* 2^(1/4): a quarter of a doubling */
#define CAP_RESOLUTION	  5.0	      /* % of a CPU */
#define DEFAULT_MAX_TIME  (20 * 60 * NSEC_PER_SEC)
#define MAX_STEPS	  24

enum {
	OPT_PHASE = 0x200,
	OPT_KNOB,
	OPT_SLO,
	OPT_TARGET,
	OPT_MAX_TIME,
	OPT_STEP_ROUNDS,
	OPT_RESOLUTION,
	OPT_START,
	OPT_MAX_CAP,
};

static const char help[] =
	"Usage: isolab advise SCENARIO --phase NAME [options]\n"
	"The smallest victim weight (or the largest neighbour cap) at which the victim\n"
	"still meets its SLO under the phase's bombs: bracketing, then bisection (log scale\n"
	"for weights, linear for caps), each value one run of the baseline and the phase,\n"
	"rounds added until it is decided. Every setting is journalled and restored.\n"
	"\n"
	"      --phase NAME       the phase whose bombs the victim must withstand\n"
	"      --knob KEY         weight.VM (default: weight of the victim) or cap.VM\n"
	"      --slo DURATION     a response is good within this (default: the scenario's)\n"
	"      --target P         meets: at least P % good (default: within the min\n"
	"                         effect of the baseline, paired by round)\n"
	"      --max-time DUR     stop searching after this long (default 20m)\n"
	"      --step-rounds N    rounds one value may take, 3-100 (default 8)\n"
	"      --resolution R     stop when the bracket is this narrow: a ratio > 1 for\n"
	"                         weights (default 1.19), cap points >= 1 (default 5)\n"
	"      --start V          the first value (default 256, or --max-cap for caps)\n"
	"      --max-cap P        caps: the top of the range (default 100: one CPU)\n"
	"  -r, --results DIR      where advise-<time>/ goes (default: results)\n"
	"  -h, --help\n";

static const struct option own[] = {
	{ "phase", required_argument, NULL, OPT_PHASE },
	{ "knob", required_argument, NULL, OPT_KNOB },
	{ "slo", required_argument, NULL, OPT_SLO },
	{ "target", required_argument, NULL, OPT_TARGET },
	{ "max-time", required_argument, NULL, OPT_MAX_TIME },
	{ "step-rounds", required_argument, NULL, OPT_STEP_ROUNDS },
	{ "resolution", required_argument, NULL, OPT_RESOLUTION },
	{ "start", required_argument, NULL, OPT_START },
	{ "max-cap", required_argument, NULL, OPT_MAX_CAP },
	{ "results", required_argument, NULL, 'r' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, ME ": --%s '%s': %s\n", opt, arg, want);
	return 2;
}

static int own_opt(struct advise_opts *o, int c, const char *arg)
{
	uint64_t u;
	int64_t i;

	switch (c) {
	case OPT_PHASE:
		o->phase = arg;
		return 0;
	case OPT_KNOB:
		o->knob = arg;
		return 0;
	case OPT_SLO:
		return parse_duration(arg, 100000, 60 * NSEC_PER_SEC, &o->slo_ns) < 0
			       ? bad("slo", arg, "expected a duration from 100us to 60s")
			       : 0;
	case OPT_TARGET:
		return parse_double(arg, 0, 100, &o->target) < 0
			       ? bad("target", arg, "expected a share of good responses, 0-100")
			       : 0;
	case OPT_MAX_TIME:
		return parse_duration(arg, 60 * NSEC_PER_SEC, 7 * 24 * 3600 * NSEC_PER_SEC,
				      &o->max_time_ns) < 0
			       ? bad("max-time", arg, "expected a duration from 1m to 7 days")
			       : 0;
	case OPT_STEP_ROUNDS:
		if (parse_u64(arg, 3, 100, &u) < 0)
			return bad("step-rounds", arg, "expected 3-100");
		o->step_rounds = (unsigned)u;
		return 0;
	case OPT_RESOLUTION:
		return parse_double(arg, 1.0001, 1000, &o->resolution) < 0
			       ? bad("resolution", arg, "expected a number above 1")
			       : 0;
	case OPT_START:
		if (parse_i64(arg, 1, XEN_WEIGHT_MAX, &i) < 0)
			return bad("start", arg, "expected 1-65535");
		o->start = (int)i;
		return 0;
	case OPT_MAX_CAP:
		if (parse_i64(arg, 1, XEN_CAP_MAX, &i) < 0)
			return bad("max-cap", arg, "expected 1-25600 (% of one CPU)");
		o->max_cap = (int)i;
		return 0;
	case 'r':
		o->results_root = arg;
		return 0;
	default:
		return -ENOENT;
	}
}

/* 0 and the options; 1 after --help; else the exit status. */
static int parse(int argc, char **argv, struct advise_opts *o, struct cli_backend *cb)
{
	struct option opts[CLI_MAX_OPTIONS];
	int c, r;

	cli_options(own, opts, CLI_MAX_OPTIONS);
	if (optlist_requested(argc, argv, opts))
		return 1;
	while ((c = getopt_long(argc, argv, ":r:hf:", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			cli_backend_help(stdout);
			return 1;
		}
		r = own_opt(o, c, optarg);
		if (r == -ENOENT)
			r = cli_backend_opt(cb, c, optarg);
		if (r == -ENOENT)
			return cli_bad_option(ME, argv, c);
		if (r)
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, ME ": missing SCENARIO (see --help)\n");
		return 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, ME ": one scenario, got '%s' too\n", argv[optind + 1]);
		return 2;
	}
	if (!o->phase) {
		fprintf(stderr, ME ": missing --phase NAME (the phase whose bombs to withstand)\n");
		return 2;
	}
	if (cb->scenario_file) {
		fprintf(stderr, ME ": give the scenario as an argument, not -f\n");
		return 2;
	}
	o->scenario_path = argv[optind];
	return cli_backend_validate(cb, ME) < 0 ? 2 : 0;
}

static const struct scn_phase *find_phase(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_phases; i++)
		if (!strcmp(s->phases[i].name, name))
			return &s->phases[i];
	return NULL;
}

/* The baseline: the phase named so, else the first without bombs or priority. */
static const char *baseline_of(const struct scenario *s)
{
	if (find_phase(s, "baseline"))
		return "baseline";
	for (size_t i = 0; i < s->n_phases; i++)
		if (!s->phases[i].n_bombs && !s->phases[i].n_prio && !s->phases[i].aa_of)
			return s->phases[i].name;
	return NULL;
}

/* Checks the phase and the knob against the scenario; one line and 2 when wrong. */
static int check(struct advise_ctx *ctx, const struct scenario *s, char *vm, size_t vm_len)
{
	const struct advise_opts *o = ctx->o;
	const struct scn_phase *ph = find_phase(s, o->phase);
	const char *knob = o->knob;

	if (!ph) {
		fprintf(stderr, ME ": --phase %s: no such phase in %s%s\n", o->phase,
			o->scenario_path,
			strchr(o->phase, '[') ? "" : " (a sweep? name one of its members)");
		return 2;
	}
	if (ph->sweep_key || !ph->n_bombs) {
		fprintf(stderr, ME ": --phase %s: %s\n", o->phase,
			ph->sweep_key
				? "a sweep member: advise searches its own knob, give a plain "
				  "phase"
				: "runs no bomb: there is nothing to protect the victim from");
		return 2;
	}
	ctx->baseline = baseline_of(s);
	if (!ctx->baseline) {
		fprintf(stderr, ME ": %s has no baseline phase (no bombs, no priority)\n",
			o->scenario_path);
		return 2;
	}
	if (!knob)
		knob = "weight.";
	ctx->weight = !strncmp(knob, "weight.", 7);
	if (!ctx->weight && strncmp(knob, "cap.", 4)) {
		fprintf(stderr, ME ": --knob '%s': expected weight.VM or cap.VM\n", knob);
		return 2;
	}
	snprintf(vm, vm_len, "%s", knob + (ctx->weight ? 7 : 4));
	if (!vm[0] && ctx->weight && scenario_victim(s))
		snprintf(vm, vm_len, "%s", scenario_victim(s)->name);
	if (!scenario_vm(s, vm)) {
		fprintf(stderr, ME ": --knob '%s': '%s' names no [vm] in %s\n", knob, vm,
			o->scenario_path);
		return 2;
	}
	ctx->vm = vm;
	return 0;
}

/* results/advise-YYYYmmdd-HHMMSS */
static int make_dir(struct advise_ctx *ctx)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	int r;

	gmtime_r(&t, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(ctx->dir, sizeof(ctx->dir), "%s/advise-%s",
		 ctx->o->results_root ? ctx->o->results_root : "results", stamp);
	r = file_mkdirs(ctx->dir, 0755);
	if (r < 0)
		fprintf(stderr, ME ": %s: %s\n", ctx->dir, strerror(-r));
	return r;
}

static int write_out(const struct advise_ctx *ctx, const struct advise_result *a)
{
	static const struct {
		const char *file;
		int (*render)(const struct advise_result *a, struct sbuf *out);
	} outs[] = {
		{ "advise.json", advise_render_json },
		{ "advise.md", advise_render_md },
		{ "advise.html", advise_render_html },
	};
	int ret = 0;

	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char path[600];
		struct sbuf b;
		int r;

		sbuf_init(&b);
		snprintf(path, sizeof(path), "%s/%s", ctx->dir, outs[i].file);
		r = outs[i].render(a, &b);
		if (!r)
			r = sbuf_write_file(&b, path);
		if (r) {
			log_error("advise: %s: %s", path, strerror(-r));
			ret = r;
		}
		sbuf_done(&b);
	}
	return ret;
}

/* The search: one step per value until it ends, the time runs out or a signal comes. */
static void search(struct advise_ctx *ctx, struct advise_result *a)
{
	uint64_t t0 = clock_now_ns();
	int v;

	while (advise_next(&a->search, &v) && a->n_steps < ADVISE_MAX_STEPS) {
		uint64_t used = clock_now_ns() - t0;
		struct advise_step *st = &a->steps[a->n_steps];
		int r;

		if (used >= ctx->o->max_time_ns) {
			advise_stop(&a->search);
			break;
		}
		r = advise_step(ctx, v, ctx->o->max_time_ns - used, st);
		a->n_steps++;
		if (r == -EINTR || sig_stop_requested()) {
			a->interrupted = true;
			advise_stop(&a->search);
			break;
		}
		if (r < 0) {
			st->outcome = ADVISE_UNDECIDED;
			advise_record(&a->search, v, ADVISE_UNDECIDED);
			break;
		}
		/* a value that does not surely meet the SLO is not advised: search on above it */
		advise_record(&a->search, v,
			      st->outcome == ADVISE_UNDECIDED ? ADVISE_FAILS : st->outcome);
		log_info("advise: %s %d %s (%u rounds, %+.1f [%+.1f, %+.1f] against the baseline)",
			 ctx->weight ? "weight" : "cap", v,
			 st->outcome == ADVISE_MEETS   ? "meets the SLO"
			 : st->outcome == ADVISE_FAILS ? "fails"
						       : "undecided",
			 st->rounds, st->diff, st->diff_lo, st->diff_hi);
	}
	a->elapsed_s = ns_to_s(clock_now_ns() - t0);
}

static int run_advise(struct advise_opts *o, const struct cli_backend *cb, char *text, size_t len)
{
	static struct advise_result a; /* large: not on the stack */
	struct advise_ctx ctx = { .o = o, .text = text, .text_len = len, .slo_ns = o->slo_ns };
	struct scenario *s = NULL;
	char err[1024], vm[SCN_MAX_NAME + 8];
	struct sbuf t;
	int r;

	if (scenario_parse(o->scenario_path, text, len, &s, err, sizeof(err)) < 0) {
		fprintf(stderr, ME ": %s\n", err);
		return 2;
	}
	r = check(&ctx, s, vm, sizeof(vm));
	scenario_free(s);
	if (r)
		return r;
	memset(&a, 0, sizeof(a));
	if (ctx.weight)
		r = advise_search_init(&a.search, ADVISE_LOG, true, XEN_WEIGHT_MIN, XEN_WEIGHT_MAX,
				       o->start > 0 ? o->start : XEN_WEIGHT_DEFAULT,
				       isnan(o->resolution) ? WEIGHT_RESOLUTION : o->resolution,
				       MAX_STEPS);
	else
		r = advise_search_init(&a.search, ADVISE_LINEAR, false, 1, o->max_cap,
				       o->start > 0 ? o->start : o->max_cap,
				       isnan(o->resolution) ? CAP_RESOLUTION : o->resolution,
				       MAX_STEPS);
	if (r < 0) {
		fprintf(stderr, ME ": --start %d lies outside the knob's range 1-%d\n", o->start,
			ctx.weight ? XEN_WEIGHT_MAX : o->max_cap);
		return 2;
	}
	ctx.backend_override = &cb->cfg;
	if (make_dir(&ctx) < 0)
		return 1;
	search(&ctx, &a);
	a.scenario = o->scenario_path;
	a.phase = o->phase;
	snprintf(err, sizeof(err), "%s.%s", ctx.weight ? "weight" : "cap", ctx.vm);
	a.knob = err;
	a.is_weight = ctx.weight;
	a.backend = ctx.backend;
	a.scheduler = ctx.scheduler;
	a.slo_ms = (double)ctx.slo_ns / 1e6;
	a.rate_rps = ctx.rate_rps;
	a.min_effect = ctx.min_effect;
	a.target = o->target;
	a.measure = ctx.measure ? ctx.measure : "good_pct";
	a.confidence = 90;
	a.max_time_s = ns_to_s(o->max_time_ns);
	r = write_out(&ctx, &a);
	sbuf_init(&t);
	if (advise_render_term(&a, &t) == 0)
		fwrite(t.buf, 1, t.len, stdout);
	sbuf_done(&t);
	printf("%s\n", ctx.dir);
	fflush(stdout);
	if (r || a.interrupted)
		return 1;
	return a.search.end == ADVISE_CONVERGED || a.search.end == ADVISE_ALL ||
			       a.search.end == ADVISE_NONE
		       ? 0
		       : 1;
}

int advise_main(int argc, char **argv)
{
	struct advise_opts o = {
		.target = NAN,
		.max_time_ns = DEFAULT_MAX_TIME,
		.step_rounds = 8,
		.resolution = NAN,
		.start = -1,
		.max_cap = 100,
	};
	struct cli_backend cb = { 0 };
	char *text = NULL;
	size_t len;
	int r;

	r = parse(argc, argv, &o, &cb);
	if (r)
		return r == 1 ? 0 : r;
	r = file_read_all(o.scenario_path, 1 << 20, &text, &len);
	if (r < 0) {
		fprintf(stderr, ME ": %s: %s\n", o.scenario_path,
			r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return 2;
	}
	if (!isnan(o.resolution) && o.knob && !strncmp(o.knob, "cap.", 4) && o.resolution < 1) {
		free(text);
		return bad("resolution", "", "cap points must be at least 1");
	}
	r = run_advise(&o, &cb, text, len);
	free(text);
	return r;
}
