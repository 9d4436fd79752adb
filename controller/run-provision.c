// SPDX-License-Identifier: MIT
/*
 * Neighbours on demand for a run: the VMs a scenario gives provisioning keys
 * (template = ..., config = ...) are made by the backend before the first
 * phase and destroyed after the last, each step journalled first so that
 * `isolab restore` after a crash destroys what was made and only that.
 *
 * Order: check the keys against the backend's make_opts (FILE:LINE, exit 2);
 * ask the backend whether it can make them (the template exists, the host
 * has room: exit 2 for a name that names nothing, 1 when the pool refuses),
 * before anything is made; make each VM; wait until each is up with an
 * address; copy the tools to the ones reached over ssh. Any failure destroys
 * every VM made so far. Strict on purpose: a group that lost members would
 * measure fewer hogs than the scenario says. A backend with provision_all
 * (local) makes every VM of the scenario this way, after its prepare()
 * planned them: the same journal records and the same restore path.
 */
#include "run-provision.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "exec-table.h"
#include "exec.h"
#include "journal.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "proc.h"
#include "run-priv.h"
#include "scenario-group.h"
#include "scenario.h"
#include "shell.h"
#include "sig.h"

#define READY_DEFAULT_NS (600 * NSEC_PER_SEC)
#define MAKE_KEYS_MAX	 32

/* Codes that mean the scenario names something the pool does not have: bad input. */
static bool input_code(const char *code)
{
	static const char *const codes[] = { "NO_TEMPLATE", "NO_SR",   "NO_HOST", "AMBIGUOUS",
					     "NO_CONFIG",   "NO_POOL", "EINVAL",  NULL };

	for (size_t i = 0; codes[i]; i++)
		if (strcmp(code, codes[i]) == 0)
			return true;
	return false;
}

static const struct backend_opt *make_opt(const struct backend_ops *ops, const char *key)
{
	for (const struct backend_opt *o = ops->make_opts; o && o->key; o++) {
		size_t n = strlen(o->key);

		if ((o->flags & BOPT_PREFIX) ? strncmp(key, o->key, n) == 0 && key[n]
					     : strcmp(key, o->key) == 0)
			return o;
	}
	return NULL;
}

/* "template, sr, host" for messages */
static const char *make_keys(const struct backend_ops *ops, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (const struct backend_opt *o = ops->make_opts; o && o->key && n < len; o++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s%s", n ? ", " : "", o->key,
				      (o->flags & BOPT_PREFIX) ? "KEY" : "");
	return buf;
}

int run_make_validate(const struct scenario *s, const struct backend_ops *ops, char *err,
		      size_t len)
{
	char keys[256];

	for (size_t i = 0; i < s->n_vms; i++) {
		const struct scn_vm *vm = &s->vms[i];

		for (size_t k = 0; k < vm->n_make; k++) {
			const struct scn_opt *o = &vm->make[k];
			const struct backend_opt *row = make_opt(ops, o->key);
			char why[256];

			if (strcmp(o->key, "ready_timeout") == 0)
				continue; /* the run's own: checked by the scenario */
			if (!ops->make_opts) {
				snprintf(err, len,
					 "%s:%d: %s: backend %s makes no VMs from a template or "
					 "configuration (its VMs are %s)",
					 s->file, o->line, o->key, ops->name,
					 ops->prepare ? "made for every run anyway: drop the key"
						      : "the ones that exist");
				return -EINVAL;
			}
			if (!row) {
				snprintf(err, len,
					 "%s:%d: %s: not a key of backend %s (expected %s)",
					 s->file, o->line, o->key, ops->name,
					 make_keys(ops, keys, sizeof(keys)));
				return -EINVAL;
			}
			if (backend_opt_check(row, o->value, why, sizeof(why)) < 0) {
				snprintf(err, len, "%s:%d: %s: '%s' (%s)", s->file, o->line, o->key,
					 o->value, why);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int run_make_spec(const struct scenario *s, const struct scn_vm *vm, const char *run_id,
		  struct backend_kv *kv, size_t cap, struct backend_make *m)
{
	const struct scn_vm *victim = scenario_victim(s);

	if (vm->n_make > cap)
		return -E2BIG;
	for (size_t k = 0; k < vm->n_make; k++) {
		kv[k].key = vm->make[k].key;
		kv[k].value = vm->make[k].value;
	}
	memset(m, 0, sizeof(*m));
	m->name = vm->name;
	m->ident = vm->ident;
	m->run_id = run_id;
	m->keys = kv;
	m->n_keys = vm->n_make;
	m->victim = victim ? victim->ident : NULL;
	return 0;
}

int run_make_check(const struct scenario *s, const struct backend_ops *ops, struct backend *b,
		   FILE *out, FILE *errf)
{
	char err[1024];

	if (run_make_validate(s, ops, err, sizeof(err)) < 0) {
		fprintf(errf, "isolab check: %s\n", err);
		return 2;
	}
	for (size_t i = 0; ops->check_make && i < s->n_vms; i++) {
		const struct scn_vm *vm = &s->vms[i];
		const struct scn_group *g = vm->group ? scenario_group(s, vm->group) : NULL;
		struct backend_kv kv[MAKE_KEYS_MAX];
		struct backend_err e = { 0 };
		struct backend_make m;
		char line[512];
		int r;

		if (!vm->n_make || (g && vm->member != 1))
			continue;
		r = run_make_spec(s, vm, "check", kv, MAKE_KEYS_MAX, &m);
		if (r == 0)
			r = ops->check_make(b, &m, g ? g->count : 1, line, sizeof(line), &e);
		if (r < 0) {
			fprintf(errf, "isolab check: %s:%d: %s %s: %s [%s]\n", s->file,
				g ? g->line : vm->make[0].line, g ? "group" : "vm",
				g ? g->name : vm->name, e.msg, e.code);
			return r == -ENOSPC || !strcmp(e.code, "HOST_NOT_ENOUGH_FREE_MEMORY") ? 1
											      : 2;
		}
		fprintf(out, "%s %s: %s\n", g ? "group" : "vm", g ? g->name : vm->name, line);
	}
	return 0;
}

static int note(void *arg, const char *vm, const char *key, const char *value)
{
	struct run *R = arg;

	return R->j ? journal_make(R->j, vm, key, value) : 0;
}

/* The first line of the VM's provisioning keys, for FILE:LINE messages. */
static int vm_line(const struct scn_vm *vm)
{
	return vm->n_make ? vm->make[0].line : vm->line;
}

/* Before anything is made: can the backend make them all? 0, -EINVAL (input) or -errno. */
static int check_all(struct run *R)
{
	const struct scenario *s = R->s;

	if (!R->ops->check_make)
		return 0;
	for (size_t i = 0; i < s->n_vms; i++) {
		const struct scn_vm *vm = &s->vms[i];
		const struct scn_group *g = vm->group ? scenario_group(s, vm->group) : NULL;
		struct backend_kv kv[MAKE_KEYS_MAX];
		struct backend_err err = { 0 };
		struct backend_make m;
		char line[512];
		int r;

		if (!vm->n_make || (g && vm->member != 1))
			continue; /* a group is asked once, for all its members */
		r = run_make_spec(s, vm, R->run_id, kv, MAKE_KEYS_MAX, &m);
		if (r == 0)
			r = R->ops->check_make(R->b, &m, g ? g->count : 1, line, sizeof(line),
					       &err);
		if (r < 0) {
			log_error("%s:%d: %s %s: %s [%s]", s->file, g ? g->line : vm_line(vm),
				  g ? "group" : "vm", g ? g->name : vm->name, err.msg, err.code);
			return input_code(err.code) ? -EINVAL : r;
		}
		log_info("%s %s: %s", g ? "group" : "vm", g ? g->name : vm->name, line);
	}
	return 0;
}

static uint64_t ready_timeout(const struct scn_vm *vm)
{
	const struct scn_opt *o = scenario_vm_make(vm, "ready_timeout");
	uint64_t ns;

	if (o && parse_duration(o->value, NSEC_PER_SEC, 24 * 3600 * NSEC_PER_SEC, &ns) == 0)
		return ns;
	return READY_DEFAULT_NS;
}

static enum log_level lvl(const struct run *R)
{
	return R->ops->provision_all ? LOG_LVL_DEBUG : LOG_LVL_INFO;
}

/* The backend makes this VM for the run: it has provisioning keys, or the backend makes all. */
static bool to_make(const struct run *R, const struct scn_vm *vm)
{
	return vm->n_make > 0 || (R->ops->provision_all && R->ops->provision);
}

static int make_one(struct run *R, size_t vi, struct run_made *md)
{
	struct scn_vm *vm = &R->s->vms[vi];
	struct backend_kv kv[MAKE_KEYS_MAX];
	struct backend_err err = { 0 };
	struct backend_make m;
	uint64_t t0 = clock_now_ns();
	int r;

	md->vm = vi;
	r = run_make_spec(R->s, vm, R->run_id, kv, MAKE_KEYS_MAX, &m);
	if (r < 0)
		return r;
	m.note = note;
	m.note_arg = R;
	/* a backend that makes every VM (local) says so per VM at debug level only */
	log_msg(lvl(R), "vm %s: making it (%s backend)", vm->name, R->ops->name);
	r = R->ops->provision(R->b, &m, md->id, sizeof(md->id), &err);
	md->made = md->id[0] != '\0'; /* something may exist: unprovision looks */
	md->provision_s = ns_to_s(clock_now_ns() - t0);
	if (r < 0) {
		log_error("%s:%d: vm %s: %s [%s]", R->s->file, vm_line(vm), vm->name, err.msg,
			  err.code);
		return input_code(err.code) ? -EINVAL : r;
	}
	log_msg(lvl(R), "vm %s: made as %s in %.1f s", vm->name, md->id, md->provision_s);
	return 0;
}

/* The first line of `tool --version` here, for comparing with the guest's. */
static int local_version(const char *path, char *buf, size_t len)
{
	const char *argv[] = { path, "--version", NULL };
	char *out = NULL;
	int st = 0, r = proc_run(argv, NULL, true, 10 * NSEC_PER_SEC, 4096, &out, &st);

	if (r == 0 && out) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(buf, len, "%s", out);
	}
	free(out);
	return r == 0 && buf[0] ? 0 : -EIO;
}

/* The guest runs the same isolab-bomb already (on the PATH the executor gives it). */
static bool guest_has(struct run *R, const struct scn_vm *vm, const struct exec_ops *x,
		      const char *version)
{
	char q[300] = "", cmd[400];

	if (!x->oneshot || shell_quote(q, sizeof(q), version) < 0)
		return false;
	/* the PATH the ssh executor gives the tools: ~/isolab/bin first */
	snprintf(cmd, sizeof(cmd),
		 "PATH=\"$HOME/isolab/bin:$PATH\"; test \"$(isolab-bomb --version 2>/dev/null)\" = "
		 "%s",
		 q);
	return x->oneshot(&R->x, vm->ident, vm->target, cmd, NULL, 30 * NSEC_PER_SEC) == 0;
}

/*
 * A made VM reached over ssh gets isolab-bomb (neighbours run nothing else), as
 * `isolab deploy` copies it, unless the same version is there already; retried
 * until its sshd answers or the deadline.
 */
static int deploy_one(struct run *R, struct scn_vm *vm, uint64_t deadline)
{
	const struct exec_ops *x = run_vm_exec(vm);
	char path[PATH_MAX], version[256] = "", why[512] = "";
	const char *paths[1] = { path };

	if (!x->deploy || !vm->target)
		return 0;
	if (exec_find_tool("isolab-bomb", path, sizeof(path)) < 0 ||
	    local_version(path, version, sizeof(version)) < 0) {
		log_error("vm %s: isolab-bomb not found to copy (build it first)", vm->name);
		return -ENOENT;
	}
	for (;;) {
		if (guest_has(R, vm, x, version)) {
			log_info("vm %s: %s is there already", vm->name, version);
			return 0;
		}
		if (x->deploy(vm->target, paths, 1, why, sizeof(why)) == 0) {
			log_info("vm %s: isolab-bomb copied to %s", vm->name, vm->target);
			return 0;
		}
		if (clock_now_ns() + 2 * NSEC_PER_SEC > deadline || sig_stop_requested())
			break;
		(void)clock_sleep_until(clock_now_ns() + 2 * NSEC_PER_SEC);
	}
	log_error("vm %s: copying isolab-bomb to %s failed: %s", vm->name, vm->target, why);
	return -EIO;
}

/* Up, addressed, tools copied; its identity and ssh target from here on are the made VM's. */
static int ready_one(struct run *R, struct run_made *md)
{
	struct scn_vm *vm = &R->s->vms[md->vm];
	uint64_t t0 = clock_now_ns(), deadline = t0 + ready_timeout(vm);
	struct backend_err err = { 0 };
	const char *addr = NULL;
	char *id, *target = NULL;
	bool copy;
	int r = 0;

	if (R->ops->wait_ready)
		r = R->ops->wait_ready(R->b, md->id, deadline, &err);
	if (r < 0) {
		log_error("%s:%d: vm %s (%s): %s [%s]", R->s->file, vm_line(vm), vm->name, md->id,
			  err.msg, err.code);
		return r;
	}
	id = strdup(md->id);
	if (!id)
		return -ENOMEM;
	free(vm->ident);
	vm->ident = id;
	if (R->ops->vm_addr)
		addr = R->ops->vm_addr(R->b, md->id);
	if (vm->target && strstr(vm->target, "{addr}")) {
		if (!addr && !vm->addr) {
			log_error("%s:%d: vm %s: ssh = %s, but the backend knows no address for it",
				  R->s->file, vm->line, vm->name, vm->target);
			return -EINVAL;
		}
		target = scn_subst_addr(vm->target, vm->addr ? vm->addr : addr);
		if (!target)
			return -ENOMEM;
		free(vm->target);
		vm->target = target;
	}
	/* a template's copy gets the tools; a provision_all backend's VMs keep the user's */
	copy = !R->ops->provision_all;
	if (copy && !run_vm_exec(vm)->remote)
		log_warn(
			"vm %s: made on %s, but its tools run on this host (exec = %s): give ssh = "
			"root@{addr} to run them in the copy",
			vm->name, R->ops->name, run_vm_exec(vm)->name);
	r = copy ? deploy_one(R, vm, deadline) : 0;
	md->ready_s = ns_to_s(clock_now_ns() - t0);
	if (r == 0)
		log_msg(lvl(R), "vm %s: up%s%s after %.1f s more", vm->name, addr ? " at " : "",
			addr ? addr : "", md->ready_s);
	return r;
}

int run_provision(struct run *R)
{
	char err[1024];
	size_t n = 0;
	int r;

	for (size_t i = 0; i < R->s->n_vms; i++)
		n += to_make(R, &R->s->vms[i]);
	if (!n)
		return 0;
	if (run_make_validate(R->s, R->ops, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return -EINVAL;
	}
	r = check_all(R);
	if (r < 0)
		return r;
	R->made = calloc(n, sizeof(*R->made));
	if (!R->made)
		return -ENOMEM;
	for (size_t i = 0; i < R->s->n_vms && !sig_stop_requested(); i++) {
		if (!to_make(R, &R->s->vms[i]))
			continue;
		r = make_one(R, i, &R->made[R->n_made++]);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < R->n_made && !sig_stop_requested(); i++) {
		r = ready_one(R, &R->made[i]);
		if (r < 0)
			return r;
	}
	return sig_stop_requested() ? -EINTR : 0;
}

bool run_unprovision(struct run *R)
{
	bool ok = true;

	if (!R->ops || !R->ops->unprovision)
		return true;
	for (size_t i = R->n_made; i-- > 0;) {
		struct run_made *md = &R->made[i];
		const struct scn_vm *vm = &R->s->vms[md->vm];
		struct backend_err err = { 0 };
		uint64_t t0 = clock_now_ns();

		if (!md->made || md->gone)
			continue;
		if (R->ops->unprovision(R->b, md->id, &err) < 0) {
			log_error("vm %s (%s) not destroyed: %s [%s]; `isolab restore` tries again",
				  vm->name, md->id, err.msg, err.code);
			ok = false;
			continue;
		}
		md->gone = true;
		md->destroy_s = ns_to_s(clock_now_ns() - t0);
		if (R->j && journal_unmade(R->j, vm->name) < 0)
			log_warn("vm %s: cannot journal that it is gone", vm->name);
		log_msg(lvl(R), "vm %s: destroyed (%s)", vm->name, md->id);
	}
	return ok;
}

void run_made_json(const struct run *R, struct json_writer *w)
{
	json_key(w, "made");
	json_arr_begin(w);
	for (size_t i = 0; i < R->n_made; i++) {
		const struct run_made *md = &R->made[i];

		json_obj_begin(w);
		json_kv_str(w, "vm", R->s->vms[md->vm].name);
		json_kv_str(w, "group", R->s->vms[md->vm].group);
		json_kv_str(w, "id", md->id);
		json_kv_double(w, "provision_s", md->provision_s);
		json_kv_double(w, "ready_s", md->ready_s);
		json_kv_double(w, "destroy_s", md->destroy_s);
		json_kv_bool(w, "destroyed", md->gone);
		json_obj_end(w);
	}
	json_arr_end(w);
}
