// SPDX-License-Identifier: MIT
/* summary.csv: tidy, one row per phase x round (docs/reports.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "render.h"

#define MAX_BOMB_COLS 64

static const char *const columns[] = {
	"phase",
	"round",
	"bombs",
	"priority",
	"requests",
	"ok",
	"failed",
	"success_pct",
	"throughput_rps",
	"p50_ms",
	"p90_ms",
	"p99_ms",
	"p999_ms",
	"mean_ms",
	"stdev_ms",
	"status",
	"dnr",
	"weight_ratio",
	"order",
	"valid",
	"invalid",
	"good_pct",
	"offered",
	"good",
	"slo_ms",
	"victim_cpu_share_pct",
};

static void row(struct sbuf *o, const struct model *m, const struct model_run *r,
		const char **bombs, size_t n_bombs)
{
	const struct model_phase *ph = &m->phases[r->phase];
	const struct model_probe *p = &r->probe;
	const struct model_latency *l = &p->lat;
	char buf[1024];
	size_t used = 0;
	bool lat = p->present && l->present;

	sbuf_csv(o, ph->name);
	sbuf_printf(o, ",%u,", r->round);
	render_phase_bombs(ph, buf, sizeof(buf));
	sbuf_csv(o, buf);
	sbuf_putn(o, ",", 1);
	sbuf_csv(o, ph->priority ? ph->priority : "equal");
	if (p->present)
		sbuf_printf(o, ",%llu,%llu,%llu", (unsigned long long)p->requests,
			    (unsigned long long)p->ok, (unsigned long long)p->failed);
	else
		sbuf_puts(o, ",,,");
	sbuf_csv_num(o, p->present ? p->success_pct : NAN);
	sbuf_csv_num(o, p->present ? p->throughput_rps : NAN);
	sbuf_csv_num(o, lat ? l->p50 : NAN);
	sbuf_csv_num(o, lat ? l->p90 : NAN);
	sbuf_csv_num(o, lat ? l->p99 : NAN);
	sbuf_csv_num(o, lat ? l->p999 : NAN);
	sbuf_csv_num(o, lat ? l->mean : NAN);
	sbuf_csv_num(o, lat ? l->stdev : NAN);
	sbuf_putn(o, ",", 1);
	sbuf_csv(o, r->status ? r->status : (p->present ? "ok" : "dnr"));
	buf[0] = '\0';
	for (size_t i = 0; i < r->n_dnr && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "+" : "", r->dnr[i]);
	if (!r->n_dnr && !p->present)
		snprintf(buf, sizeof(buf), "probe");
	sbuf_putn(o, ",", 1);
	sbuf_csv(o, buf);
	sbuf_csv_num(o, ph->weight_ratio);
	if (r->order)
		sbuf_printf(o, ",%u", r->order);
	else
		sbuf_putn(o, ",", 1);
	sbuf_puts(o, r->valid ? ",true," : ",false,");
	buf[0] = '\0';
	used = 0;
	for (size_t i = 0; i < r->n_invalid && used < sizeof(buf); i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s", i ? "; " : "",
				 r->invalid[i]);
	sbuf_csv(o, buf);
	sbuf_csv_num(o, p->present && p->has_good ? p->good_pct : NAN);
	if (p->present && p->has_good)
		sbuf_printf(o, ",%llu,%llu", (unsigned long long)p->offered,
			    (unsigned long long)p->good);
	else
		sbuf_puts(o, ",,");
	sbuf_csv_num(o, p->present ? p->slo_ms : NAN);
	sbuf_csv_num(o, r->victim_cpu_pct);
	for (size_t b = 0; b < n_bombs; b++) {
		double v = NAN;

		for (size_t j = 0; j < r->n_bombs; j++)
			if (!strcmp(r->bombs[j].name, bombs[b]) && r->bombs[j].present)
				v = r->bombs[j].rate;
		sbuf_csv_num(o, v);
	}
	sbuf_puts(o, "\r\n");
}

int render_csv(const struct model *m, const struct stats *s, struct sbuf *o)
{
	const char *bombs[MAX_BOMB_COLS];
	size_t n_bombs = render_bomb_names(m, bombs, MAX_BOMB_COLS);
	char col[256];

	for (size_t i = 0; i < sizeof(columns) / sizeof(columns[0]); i++)
		sbuf_printf(o, "%s%s", i ? "," : "", columns[i]);
	for (size_t b = 0; b < n_bombs; b++) {
		render_bomb_column(m, bombs[b], col, sizeof(col));
		sbuf_printf(o, ",%s", col);
	}
	sbuf_puts(o, "\r\n");
	for (size_t i = 0; i < m->n_runs; i++)
		row(o, m, &m->runs[i], bombs, n_bombs);
	return sbuf_error(o);
}
