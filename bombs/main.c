// SPDX-License-Identifier: MIT
/* isolab-bomb KIND [options]: one bounded noisy neighbour, one JSON result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "bomb.h"
#include "clock.h"
#include "engine-stressng.h"
#include "json.h"
#include "log.h"
#include "options.h"
#include "proc.h"
#include "progress.h"
#include "run.h"
#include "sig.h"

struct render {
	const struct bomb_config *cfg;
	struct bomb_ctx *ctx;	       /* native */
	const struct sng_metrics *sng; /* stress-ng */
	double sng_elapsed_s;
};

static void render_metrics(void *arg, struct json_writer *w)
{
	struct render *r = arg;

	if (r->ctx) {
		r->cfg->ops->metrics_json(r->ctx, w);
	} else if (r->sng && r->sng->n) {
		r->cfg->ops->sng_metrics_json(r->cfg, r->sng, r->sng_elapsed_s, w);
		json_kv_double(w, "stress_ng_elapsed_s", r->sng_elapsed_s);
	}
}

/* The human summary: the metrics as key=value pairs on stderr. */
static void print_human(const struct bomb_config *cfg, const struct bomb_outcome *out,
			struct render *rd)
{
	struct json_writer *w = json_new(0);
	const char *text;

	fprintf(stderr, "isolab-bomb %s (%s): %s after %.2f s%s%s\n", cfg->ops->name,
		cfg->engine == BOMB_ENGINE_STRESSNG ? "stress-ng" : "native",
		result_status_name(out->status), (double)out->elapsed_ns / 1e9,
		out->status == RESULT_FAILED ? ": " : "",
		out->status == RESULT_FAILED ? out->error : "");
	if (!w)
		return;
	json_obj_begin(w);
	render_metrics(rd, w);
	json_obj_end(w);
	text = json_data(w, NULL);
	if (!json_error(w) && text && strlen(text) > 2) {
		fputs("  ", stderr);
		for (const char *p = text + 1; p[1]; p++) {
			if (*p == '"')
				continue;
			fputc(*p == ':' ? '=' : *p == ',' ? ' ' : *p, stderr);
		}
		fputc('\n', stderr);
	}
	json_free(w);
}

int main(int argc, char **argv)
{
	struct bomb_config cfg;
	struct bomb_outcome out;
	struct bomb_ctx ctx = { 0 };
	struct sng_metrics sng;
	struct render rd = { .cfg = &cfg };
	char sng_path[4096];
	int r;

	log_init("isolab-bomb", LOG_LVL_INFO);
	bomb_config_init(&cfg);
	r = bomb_parse_args(argc, argv, &cfg);
	if (r == BOMB_ARGS_EXIT)
		return 0;
	if (r < 0)
		return 2;
	if (cfg.engine == BOMB_ENGINE_STRESSNG && !cfg.ops->sng_args) {
		log_error(
			"--engine stress-ng: kind %s has no stress-ng counterpart (stress-ng runs "
			"both ends itself: use it with net-send)",
			cfg.ops->name);
		return 2;
	}
	if (cfg.quiet)
		log_set_level(LOG_LVL_ERROR);
	r = sig_install_stop();
	if (r) {
		log_error("installing signal handlers failed: %s", strerror(-r));
		return 1;
	}
	/* orphans of our children come back to us, so that every one is reaped */
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	progress_init(!cfg.quiet);

	if (cfg.engine == BOMB_ENGINE_STRESSNG) {
		if (!sng_find(sng_path, sizeof(sng_path))) {
			memset(&out, 0, sizeof(out));
			out.status = RESULT_FAILED;
			out.started_wall_ns = clock_wall_ns();
			snprintf(
				out.error, sizeof(out.error),
				"--engine stress-ng: stress-ng is not installed (not found in PATH)");
			log_error("%s", out.error);
		} else {
			sng_run(&cfg, sng_path, &out, &sng, &rd.sng_elapsed_s);
			rd.sng = &sng;
		}
	} else {
		ctx.cfg = &cfg;
		bomb_run(&ctx, &out);
		rd.ctx = &ctx;
	}
	while (proc_reap_children() > 0)
		;

	if (cfg.json) {
		r = bomb_print_result(&cfg, &out, render_metrics, &rd, stdout);
		if (r) {
			log_error("writing the result failed: %s", strerror(-r));
			out.status = RESULT_FAILED;
		}
	}
	if (!cfg.quiet && !(cfg.json && out.status != RESULT_FAILED))
		print_human(&cfg, &out, &rd);
	else if (out.status == RESULT_FAILED && cfg.quiet)
		log_error("%s failed: %s", cfg.ops->name, out.error);
	if (rd.ctx && cfg.ops->free)
		cfg.ops->free(&ctx);
	return out.status == RESULT_FAILED ? 1 : 0;
}
