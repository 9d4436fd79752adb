// SPDX-License-Identifier: MIT
/* manifest.json (docs/results.md): written after every run, so a crash keeps what was measured. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "json.h"
#include "run-priv.h"
#include "scenario-knob.h"
#include "run-provision.h"
#include "scenario.h"

static void write_host(struct json_writer *w)
{
	struct utsname u;
	struct sysinfo si;
	char host[256] = "";

	(void)gethostname(host, sizeof(host) - 1);
	json_key(w, "host");
	json_obj_begin(w);
	json_kv_str(w, "hostname", host);
	if (uname(&u) == 0) {
		char k[600];

		snprintf(k, sizeof(k), "%s %s %s", u.sysname, u.release, u.machine);
		json_kv_str(w, "kernel", k);
	}
	json_kv_int(w, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	if (sysinfo(&si) == 0)
		json_kv_uint(w, "mem_bytes", (uint64_t)si.totalram * si.mem_unit);
	json_kv_str(w, "cgroup",
		    access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ? "v2" : "v1");
	json_obj_end(w);
}

static void write_tool(struct json_writer *w, const struct scn_tool *t, bool with_name)
{
	json_obj_begin(w);
	if (with_name)
		json_kv_str(w, "name", t->name);
	json_kv_str(w, "vm", t->vm);
	json_kv_str(w, "kind", t->kind);
	json_key(w, "options");
	json_obj_begin(w);
	for (size_t i = 0; i < t->n_opts; i++)
		json_kv_str(w, t->opts[i].key, t->opts[i].value);
	json_obj_end(w);
	json_obj_end(w);
}

static void write_prio(struct json_writer *w, const struct scn_phase *ph)
{
	bool any_w = false, any_c = false;

	if (!ph->n_prio) {
		json_kv_null(w, "priority");
		return;
	}
	for (size_t i = 0; i < ph->n_prio; i++) {
		any_w |= ph->prio[i].weight >= 0;
		any_c |= ph->prio[i].cap >= 0;
	}
	json_key(w, "priority");
	json_obj_begin(w);
	for (int pass = 0; pass < 2; pass++) {
		if (!(pass ? any_c : any_w))
			continue;
		json_key(w, pass ? "cap" : "weight");
		json_obj_begin(w);
		for (size_t i = 0; i < ph->n_prio; i++) {
			int v = pass ? ph->prio[i].cap : ph->prio[i].weight;

			if (v >= 0)
				json_kv_int(w, ph->prio[i].vm, v);
		}
		json_obj_end(w);
	}
	json_obj_end(w);
}

static void write_phases(struct json_writer *w, const struct scenario *s)
{
	json_key(w, "phases");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_phases; i++) {
		const struct scn_phase *ph = &s->phases[i];

		json_obj_begin(w);
		json_kv_str(w, "name", ph->name);
		json_key(w, "bombs");
		json_arr_begin(w);
		for (size_t k = 0; k < ph->n_bombs; k++)
			json_str(w, ph->bombs[k]);
		json_arr_end(w);
		if (ph->twin)
			json_kv_str(w, "twin", ph->twin);
		if (ph->aa_of)
			json_kv_str(w, "aa_of", ph->aa_of);
		write_prio(w, ph);
		if (ph->sweep_key) {
			json_key(w, "sweep");
			json_obj_begin(w);
			json_kv_str(w, "key", ph->sweep_key);
			json_kv_int(w, "value", ph->sweep_value);
			json_obj_end(w);
		} else {
			json_kv_null(w, "sweep");
		}
		scn_knob_json(w, ph);
		if (ph->hogs_group) {
			json_key(w, "hogs");
			json_obj_begin(w);
			json_kv_str(w, "group", ph->hogs_group);
			json_kv_int(w, "count", ph->hogs);
			json_obj_end(w);
		}
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void write_runs(struct json_writer *w, const struct run *R)
{
	json_key(w, "runs");
	json_arr_begin(w);
	for (size_t i = 0; i < R->n_recs; i++) {
		const struct run_rec *rec = &R->recs[i];
		const struct plan_run *pr = &R->plan.runs[rec->idx];
		const struct scn_phase *ph = &R->s->phases[pr->phase];
		char p[256];

		if (!rec->status)
			continue; /* still running */
		json_obj_begin(w);
		json_kv_uint(w, "round", pr->round);
		json_kv_str(w, "phase", ph->name);
		json_kv_str(w, "dir", pr->dir);
		json_kv_str(w, "status", rec->status);
		json_kv_str(w, "started", rec->started);
		json_kv_str(w, "ended", rec->ended);
		snprintf(p, sizeof(p), "%s/probe.json", pr->dir);
		if (rec->probe_ok)
			json_kv_str(w, "probe", p);
		else
			json_kv_null(w, "probe");
		json_key(w, "bombs");
		json_obj_begin(w);
		for (size_t k = 0; k < ph->n_bombs; k++)
			if (rec->bomb_ok[k]) {
				snprintf(p, sizeof(p), "%s/bomb-%s.json", pr->dir, ph->bombs[k]);
				json_kv_str(w, ph->bombs[k], p);
			}
		json_obj_end(w);
		json_key(w, "dnr");
		json_arr_begin(w);
		if (!rec->probe_ok && strcmp(rec->status, "interrupted") != 0)
			json_str(w, "probe");
		for (size_t k = 0; k < ph->n_bombs; k++)
			if (!rec->bomb_ok[k] && strcmp(rec->status, "interrupted") != 0)
				json_str(w, ph->bombs[k]);
		json_arr_end(w);
		manifest_run_mech_json(w, pr->order, &rec->mech);
		run_at_json(w, ph, rec);
		json_obj_end(w);
	}
	json_arr_end(w);
}

static void write_scenario(struct json_writer *w, const struct run *R)
{
	const struct scenario *s = R->s;

	json_key(w, "scenario");
	json_obj_begin(w);
	json_kv_str(w, "file", "scenario.ini");
	json_kv_str(w, "source", s->file);
	json_kv_str(w, "name", s->name);
	json_kv_double(w, "duration_s", ns_to_s(s->duration_ns));
	json_kv_double(w, "warmup_s", ns_to_s(s->warmup_ns));
	json_kv_double(w, "cooldown_s", ns_to_s(s->cooldown_ns));
	json_kv_uint(w, "rounds", R->plan.rounds ? R->plan.rounds : s->rounds);
	json_obj_end(w);
	manifest_design_json(w, s, &R->design, R->plan.rounds);
}

static void write_backend(struct json_writer *w, const struct run *R)
{
	json_key(w, "backend");
	json_obj_begin(w);
	json_kv_str(w, "name", R->cfg.name);
	if (R->caps_ok) {
		json_kv_str(w, "scheduler", R->caps.scheduler);
		json_kv_bool(w, "weight", R->caps.weight);
		json_kv_bool(w, "cap", R->caps.cap);
		json_kv_bool(w, "live", R->caps.live);
		json_kv_str(w, "notes", R->caps.notes);
	}
	/* the options the backend's table marks for the manifest (never a secret) */
	for (const struct backend_opt *o = R->ops ? R->ops->opts : NULL; o && o->key; o++)
		if (o->manifest && backend_cfg_get(&R->cfg, o->key))
			json_kv_str(w, o->manifest, backend_cfg_get(&R->cfg, o->key));
	if (R->b && R->ops->describe) {
		/* the backend's own facts, nested so that its keys never collide with ours */
		json_key(w, "details");
		json_obj_begin(w);
		R->ops->describe(R->b, w);
		json_obj_end(w);
	}
	json_obj_end(w);
	if (R->probe_protection[0])
		json_kv_str(w, "probe_protection", R->probe_protection);
	else
		json_kv_null(w, "probe_protection");
}

static void write_vms(struct json_writer *w, const struct scenario *s)
{
	json_key(w, "vms");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_vms; i++) {
		const struct scn_vm *vm = &s->vms[i];

		json_obj_begin(w);
		json_kv_str(w, "name", vm->name);
		json_kv_str(w, "role", scn_role_name(vm->role));
		json_kv_str(w, "id", vm->ident);
		if (vm->target)
			json_kv_str(w, run_vm_exec(vm)->target_key, vm->target);
		if (vm->memory_max)
			json_kv_uint(w, "memory_max_bytes", vm->memory_max);
		if (vm->pids_max)
			json_kv_uint(w, "pids_max", vm->pids_max);
		if (vm->group)
			json_kv_str(w, "group", vm->group);
		json_obj_end(w);
	}
	json_arr_end(w);
}

int manifest_write(const struct run *R, bool final)
{
	const struct scenario *s = R->s;
	struct json_writer *w = json_new(JSON_PRETTY);
	char path[PATH_MAX + 32], ts[40];
	int r;

	if (!w)
		return -ENOMEM;
	json_obj_begin(w);
	json_kv_str(w, "tool", "isolab");
	json_kv_str(w, "version", ISOLAB_VERSION);
	json_kv_str(w, "run_id", R->run_id);
	json_kv_str(w, "status", final ? R->status : "partial");
	json_kv_str(w, "started", clock_iso8601(R->started_wall, ts, sizeof(ts)));
	if (final)
		json_kv_str(w, "ended", clock_iso8601(clock_wall_ns(), ts, sizeof(ts)));
	else
		json_kv_null(w, "ended");
	json_kv_double(w, "elapsed_s", ns_to_s(clock_now_ns() - R->started_mono));
	json_kv_double(w, "controller_cpu_s", ns_to_s(clock_process_cpu_ns()));
	write_scenario(w, R);
	write_host(w);
	write_backend(w, R);
	write_vms(w, s);
	if (R->n_made)
		run_made_json(R, w);
	json_key(w, "bombs");
	json_arr_begin(w);
	for (size_t i = 0; i < s->n_bombs; i++)
		write_tool(w, &s->bombs[i], true);
	json_arr_end(w);
	json_key(w, "probe");
	write_tool(w, &s->probe, false);
	if (R->victim_url[0])
		json_kv_str(w, "victim_url", R->victim_url);
	write_phases(w, s);
	write_runs(w, R);
	json_obj_end(w);

	snprintf(path, sizeof(path), "%s/manifest.json", R->dir);
	r = json_error(w);
	if (r == 0)
		r = json_write_file(w, path);
	json_free(w);
	return r;
}
