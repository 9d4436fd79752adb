// SPDX-License-Identifier: MIT
/* isolab-bomb KIND [options]: one bounded noisy neighbour, one JSON result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include "bomb.h"
#include "clock.h"
#include "engine-stressng.h"
#include "log.h"
#include "options.h"
#include "proc.h"
#include "progress.h"
#include "run.h"
#include "sig.h"

/* Runs the kind natively or through stress-ng; res->out says how it went. */
static void run(struct bomb_result *res, struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = res->cfg;
	char sng_path[4096];

	if (cfg->engine != BOMB_ENGINE_STRESSNG) {
		ctx->cfg = cfg;
		bomb_run(ctx, &res->out);
		res->ctx = ctx;
	} else if (!sng_find(sng_path, sizeof(sng_path))) {
		memset(&res->out, 0, sizeof(res->out));
		res->out.status = RESULT_FAILED;
		res->out.started_wall_ns = clock_wall_ns();
		snprintf(res->out.error, sizeof(res->out.error),
			 "--engine stress-ng: stress-ng is not installed (not found in PATH)");
		log_error("%s", res->out.error);
	} else {
		sng_run(cfg, sng_path, &res->out, &res->sng, &res->sng_elapsed_s);
	}
}

int main(int argc, char **argv)
{
	struct bomb_config cfg;
	struct bomb_ctx ctx = { 0 };
	struct bomb_result res = { .cfg = &cfg };
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

	run(&res, &ctx);
	while (proc_reap_children() > 0)
		;

	/* the result is complete: now render it, JSON on stdout, text on stderr */
	if (cfg.json) {
		r = bomb_result_print(&res, BOMB_FORMAT_JSON, stdout);
		if (r) {
			log_error("writing the result failed: %s", strerror(-r));
			res.out.status = RESULT_FAILED;
		}
	}
	if (!cfg.quiet && !(cfg.json && res.out.status != RESULT_FAILED))
		(void)bomb_result_print(&res, BOMB_FORMAT_HUMAN, stderr);
	else if (res.out.status == RESULT_FAILED && cfg.quiet)
		log_error("%s failed: %s", cfg.ops->name, res.out.error);
	if (res.ctx && cfg.ops->free)
		cfg.ops->free(&ctx);
	return res.out.status == RESULT_FAILED ? 1 : 0;
}
