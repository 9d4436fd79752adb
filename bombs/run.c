// SPDX-License-Identifier: MIT
#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "json.h"
#include "log.h"
#include "options.h"
#include "parse.h"
#include "progress.h"
#include "sig.h"

#define MONITOR_TICK_NS (50 * NSEC_PER_MSEC)

void bomb_ready(int fd)
{
	static const char line[] = "isolab-ready\n";

	if (fd < 0)
		return;
	if (write(fd, line, sizeof(line) - 1) != (ssize_t)(sizeof(line) - 1))
		log_warn("writing the ready line to fd %d failed: %s", fd, strerror(errno));
}

static void show_progress(struct bomb_ctx *ctx, uint64_t now)
{
	const struct bomb_config *cfg = ctx->cfg;
	char status[128] = "", left[32];

	if (!progress_enabled())
		return;
	if (cfg->ops->status)
		cfg->ops->status(ctx, status, sizeof(status));
	if (cfg->duration_ns) {
		uint64_t end = ctx->start_ns + cfg->duration_ns;

		fmt_duration(end > now ? end - now : 0, left, sizeof(left));
		progress_update("%s: %s, %s left", cfg->ops->name, status, left);
	} else {
		fmt_duration(now - ctx->start_ns, left, sizeof(left));
		progress_update("%s: %s, %s (until signalled)", cfg->ops->name, status, left);
	}
}

void bomb_run(struct bomb_ctx *ctx, struct bomb_outcome *out)
{
	const struct bomb_config *cfg = ctx->cfg;
	const struct bomb_ops *ops = cfg->ops;
	uint64_t deadline, now;
	int r;

	memset(out, 0, sizeof(*out));
	out->started_wall_ns = clock_wall_ns();
	ctx->start_ns = clock_now_ns();
	r = ops->start(ctx);
	/* the load runs now: measure from here */
	now = clock_now_ns();
	ctx->start_ns = now;
	deadline = now + cfg->duration_ns;
	if (!r) {
		bool ready = false;

		while (!bomb_should_stop(ctx)) {
			uint64_t tick = MONITOR_TICK_NS;

			if (!ready && (!ops->running || ops->running(ctx))) {
				bomb_ready(cfg->ready_fd);
				ready = true;
			}
			now = clock_now_ns();
			if (cfg->duration_ns) {
				if (now >= deadline)
					break;
				if (deadline - now < tick)
					tick = deadline - now;
			}
			show_progress(ctx, now);
			(void)clock_sleep(tick);
		}
	}
	bomb_set_stop(ctx);
	ctx->end_ns = clock_now_ns();
	progress_done();
	if (ops->finish) {
		int f = ops->finish(ctx);

		if (!r)
			r = f;
	}
	out->elapsed_ns = ctx->end_ns - ctx->start_ns;
	if (r) {
		out->status = RESULT_FAILED;
		snprintf(out->error, sizeof(out->error), "%s",
			 ctx->error[0] ? ctx->error : strerror(-r));
	} else if (sig_stop_requested()) {
		out->status = RESULT_INTERRUPTED;
	} else {
		out->status = RESULT_OK;
	}
}

static void result_metrics(const struct bomb_result *res, struct json_writer *w)
{
	const struct bomb_ops *ops = res->cfg->ops;

	json_obj_begin(w);
	if (res->ctx) {
		ops->metrics_json(res->ctx, w);
	} else if (res->sng.n) {
		ops->sng_metrics_json(res->cfg, &res->sng, res->sng_elapsed_s, w);
		json_kv_double(w, "stress_ng_elapsed_s", res->sng_elapsed_s);
	}
	json_obj_end(w);
}

static void result_json(const struct bomb_result *res, struct json_writer *w)
{
	const struct bomb_config *cfg = res->cfg;
	const struct bomb_outcome *out = &res->out;

	result_begin(w, "isolab-bomb", cfg->ops->name,
		     cfg->engine == BOMB_ENGINE_STRESSNG ? "stress-ng" : "native", out->status,
		     out->status == RESULT_FAILED ? out->error : NULL, out->started_wall_ns,
		     out->elapsed_ns);
	json_key(w, "options");
	json_obj_begin(w);
	bomb_options_json(bomb_common_options, cfg, w);
	bomb_options_json(cfg->ops->options, cfg, w);
	json_obj_end(w);
	json_key(w, "metrics");
	result_metrics(res, w);
	json_obj_end(w);
}

/* "isolab-bomb cpu (native): ok after 1.00 s", then "  ops=... ops_per_s=..." */
static int result_human(const struct bomb_result *res, const struct json_writer *w, FILE *f)
{
	const struct bomb_outcome *out = &res->out;
	size_t len;
	const char *text = json_data(w, &len);

	fprintf(f, "isolab-bomb %s (%s): %s after %.2f s%s%s\n", res->cfg->ops->name,
		res->cfg->engine == BOMB_ENGINE_STRESSNG ? "stress-ng" : "native",
		result_status_name(out->status), (double)out->elapsed_ns / 1e9,
		out->status == RESULT_FAILED ? ": " : "",
		out->status == RESULT_FAILED ? out->error : "");
	if (len)
		fprintf(f, "  %s\n", text);
	return fflush(f) ? -errno : 0;
}

int bomb_result_print(const struct bomb_result *res, enum bomb_format fmt, FILE *f)
{
	struct json_writer *w = json_new(fmt == BOMB_FORMAT_HUMAN ? JSON_TEXT : 0);
	int r;

	if (!w)
		return -ENOMEM;
	if (fmt == BOMB_FORMAT_HUMAN)
		result_metrics(res, w);
	else
		result_json(res, w);
	r = json_error(w);
	if (!r)
		r = fmt == BOMB_FORMAT_HUMAN ? result_human(res, w, f) : json_fput(w, f);
	if (!r && fflush(f))
		r = -errno;
	json_free(w);
	return r;
}
