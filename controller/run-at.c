// SPDX-License-Identifier: MIT
/* at.TIME: a weight or cap changed while the probe measures, journalled, timed, recorded. */
#include "run-at.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "exec.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "run-priv.h"
#include "scenario.h"

void run_at_init(struct run_at_state *st, const struct scn_phase *ph, uint64_t start_at)
{
	st->ph = ph;
	st->start_at = start_at;
	st->next = 0;
}

void run_at_wait_probe(const struct scn_phase *ph, struct tool_proc *probe)
{
	struct tool_proc *pp = probe;

	if (!ph->n_at || probe->pid <= 0)
		return;
	exec_wait_ready(&pp, 1, 10 * NSEC_PER_SEC);
	if (!probe->ready)
		log_warn("the probe did not report ready: at.TIME is timed from its start");
}

uint64_t run_at_pump_ns(const struct run_at_state *st, uint64_t wait_ns, uint64_t now)
{
	uint64_t next = run_at_next(st);

	if (next <= now)
		return 0;
	return next - now < wait_ns ? next - now : wait_ns;
}

uint64_t run_at_next(const struct run_at_state *st)
{
	if (!st->ph || st->next >= st->ph->n_at || st->next >= RUN_AT_MAX)
		return UINT64_MAX;
	return st->start_at + st->ph->at[st->next].t_ns;
}

static double since(const struct run_at_state *st, uint64_t t)
{
	return t >= st->start_at ? ns_to_s(t - st->start_at) : -ns_to_s(st->start_at - t);
}

/* One change: read and journal the original, then set. */
static void apply_one(struct run *R, struct run_at_state *st, const struct scn_at *at,
		      struct run_at_done *d)
{
	const char *id = run_vm_ident(R, at->vm);
	struct sched_params orig, want = { .weight = at->weight ? at->value : -1,
					   .cap = at->weight ? -1 : at->value };
	struct backend_err err = { 0 };
	bool live;
	int r;

	r = R->ops->sched_get(R->b, id, &orig, &live, &err);
	if (r == 0)
		r = journal_sched(R->j, id, &orig); /* journal first: a crash restores it */
	d->issued_s = since(st, clock_now_ns());
	if (r == 0)
		r = R->ops->sched_set(R->b, id, &want, &err);
	d->applied_s = since(st, clock_now_ns());
	d->ok = r == 0;
	if (r < 0)
		snprintf(d->error, sizeof(d->error), "%.159s", err.msg[0] ? err.msg : strerror(-r));
}

void run_at_due(struct run *R, struct run_at_state *st, uint64_t now, struct run_rec *rec)
{
	while (run_at_next(st) <= now) {
		const struct scn_at *at = &st->ph->at[st->next];
		struct run_at_done *d = &rec->at[st->next];

		apply_one(R, st, at, d);
		rec->n_at = ++st->next;
		if (!d->ok) {
			log_error("phase %s: at %.3g s: cannot set %s %d on %s: %s", st->ph->name,
				  ns_to_s(at->t_ns), at->weight ? "weight" : "cap", at->value,
				  at->vm, d->error);
			validity_add(&rec->mech.validity,
				     "the change at %.3g s (%s.%s=%d) failed: %s",
				     ns_to_s(at->t_ns), at->weight ? "weight" : "cap", at->vm,
				     at->value, d->error);
		}
	}
}

static void kv_time(struct json_writer *w, const char *k, double v)
{
	if (isfinite(v))
		json_kv_double(w, k, v);
	else
		json_kv_null(w, k);
}

void run_at_json(struct json_writer *w, const struct scn_phase *ph, const struct run_rec *rec)
{
	if (!ph->n_at)
		return;
	json_key(w, "at");
	json_arr_begin(w);
	for (size_t i = 0; i < ph->n_at && i < RUN_AT_MAX; i++) {
		const struct run_at_done *d = i < rec->n_at ? &rec->at[i] : NULL;

		json_obj_begin(w);
		json_kv_double(w, "t_s", ns_to_s(ph->at[i].t_ns));
		kv_time(w, "issued_s", d ? d->issued_s : NAN);
		kv_time(w, "applied_s", d ? d->applied_s : NAN);
		json_kv_bool(w, "ok", d && d->ok);
		json_kv_str(w, "error", d && !d->ok ? d->error : (d ? NULL : "not reached"));
		json_obj_end(w);
	}
	json_arr_end(w);
}
