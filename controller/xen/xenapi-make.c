// SPDX-License-Identifier: MIT
/*
 * The XenAPI backend's neighbours on demand: a copy of a template per VM
 * (VM.clone, or VM.copy to an SR), VM.provision, tagged (name-label
 * isolab-RUN-NAME, other_config isolab_run = RUN), placed (VM.set_affinity
 * and VM.start_on the victim's host or a named one; VM.start anywhere
 * otherwise), its address from VM_guest_metrics. Unmade in xapi's order:
 * VM.hard_shutdown, VDI.destroy of the disks only it uses, VM.destroy; a VM
 * already gone counts as done, a VM without this run's tag is never touched.
 * Also the pool's hosts, for `isolab hosts` and `isolab check`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "xapi-vm.h"
#include "xapi.h"
#include "xenapi-priv.h"

#define POLL_NS		 (1 * NSEC_PER_SEC)
#define RESTORE_GRACE_NS (15 * NSEC_PER_SEC) /* for a clone cut short to show its copy */

const struct backend_opt xenapi_make_opts[] = {
	{ .key = "template",
	  .type = BOPT_STRING,
	  .help = "the XenAPI template to copy (name-label or UUID)" },
	{ .key = "sr",
	  .type = BOPT_STRING,
	  .help = "VM.copy the template's disks into this SR (name-label or UUID) instead of "
		  "VM.clone" },
	{ .key = "host",
	  .type = BOPT_STRING,
	  .help = "where the copy runs: with-victim (the victim's host) or a host's name-label" },
	{ .key = NULL },
};

static int oom(struct backend_err *err)
{
	backend_errf(err, "ENOMEM", "xenapi: out of memory");
	return -ENOMEM;
}

/* Prefixes err->msg with what was being done ("making noisy-1: ..."); returns rc. */
__attribute__((format(printf, 3, 4))) static int ctx(struct backend_err *err, int rc,
						     const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	const char *m = err->msg;
	size_t used;
	va_list ap;

	if (strncmp(m, "xenapi: ", 8) == 0)
		m += 8;
	used = (size_t)snprintf(msg, sizeof(msg), "xenapi: ");
	va_start(ap, fmt);
	used += (size_t)vsnprintf(msg + used, sizeof(msg) - used, fmt, ap);
	va_end(ap);
	if (used + 3 < sizeof(msg)) {
		size_t ml = strlen(m);

		memcpy(msg + used, ": ", 2);
		used += 2;
		if (ml > sizeof(msg) - used - 1)
			ml = sizeof(msg) - used - 1;
		memcpy(msg + used, m, ml);
		msg[used + ml] = '\0';
	}
	memcpy(err->msg, msg, sizeof(msg));
	return rc;
}

static struct xenapi_made *made_find(struct backend *b, const char *id)
{
	for (size_t i = 0; i < b->n_made; i++)
		if (strcmp(b->made[i].id, id) == 0)
			return &b->made[i];
	return NULL;
}

static struct xenapi_made *made_add(struct backend *b, const char *id)
{
	struct xenapi_made *m = made_find(b, id), *n;

	if (m)
		return m;
	n = realloc(b->made, (b->n_made + 1) * sizeof(*n));
	if (!n)
		return NULL;
	b->made = n;
	m = &n[b->n_made++];
	memset(m, 0, sizeof(*m));
	strncat(m->id, id, sizeof(m->id) - 1);
	return m;
}

void xenapi_made_free(struct backend *b)
{
	for (size_t i = 0; i < b->n_made; i++) {
		free(b->made[i].ref);
		free(b->made[i].ip);
	}
	free(b->made);
	b->made = NULL;
	b->n_made = 0;
}

const char *xenapi_vm_addr(struct backend *b, const char *vm)
{
	struct xenapi_made *m = b && vm ? made_find(b, vm) : NULL;

	return m ? m->ip : NULL;
}

/* The guest VM (not a template, snapshot or dom0) called name: its resident host. */
static int victim_host(struct backend *b, const char *name, char **host, struct backend_err *err)
{
	struct xapi_refs refs = { 0 };
	struct xapi_vm_rec r;
	char *found = NULL;
	size_t n = 0;
	int rc;

	if (!name) {
		backend_errf(err, "EINVAL", "xenapi: host = with-victim, but there is no victim");
		return -EINVAL;
	}
	rc = xapi_vm_find_by_name(b->s, name, &refs, err);
	for (size_t i = 0; !rc && i < refs.n; i++) {
		rc = xapi_vm_get(b->s, refs.v[i], &r, err);
		if (rc)
			break;
		if (!r.is_a_template && !r.is_a_snapshot && !r.is_control_domain && n++ == 0) {
			found = r.resident_on;
			r.resident_on = NULL;
		}
		xapi_vm_rec_done(&r);
	}
	xapi_refs_done(&refs);
	if (!rc && n != 1) {
		backend_errf(err, n ? "AMBIGUOUS" : "NO_HOST",
			     "xenapi: host = with-victim: %s VM named '%s' in pool '%s'",
			     n ? "more than one" : "no", name, b->pool);
		rc = n ? -ENOTUNIQ : -ENOENT;
	} else if (!rc && strcmp(found, XAPI_NULL_REF) == 0) {
		backend_errf(err, "VM_BAD_POWER_STATE",
			     "xenapi: host = with-victim: the victim '%s' is not running, so it "
			     "has no host",
			     name);
		rc = -EHOSTDOWN;
	}
	if (rc)
		free(found);
	else
		*host = found;
	return rc;
}

/* The host key: with-victim or a host's name-label. *ref NULL when not given. */
static int target_host(struct backend *b, const struct backend_make *m, char **ref, char *name,
		       size_t len, struct backend_err *err)
{
	const char *key = backend_make_get(m, "host");
	struct xapi_host *h = NULL;
	size_t n = 0;
	int rc;

	*ref = NULL;
	if (!key)
		return 0;
	if (strcmp(key, "with-victim") == 0) {
		rc = victim_host(b, m->victim, ref, err);
		if (rc)
			return rc;
	}
	rc = xapi_hosts_list(b->s, &h, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		if (*ref ? strcmp(h[i].ref, *ref) == 0 : strcmp(h[i].name, key) == 0) {
			snprintf(name, len, "%s", h[i].name);
			if (!*ref && !(*ref = strdup(h[i].ref)))
				rc = oom(err);
			break;
		}
	if (!rc && !*ref) {
		char list[256] = "";

		for (size_t i = 0, o = 0; i < n && o < sizeof(list); i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "",
					      h[i].name);
		backend_errf(err, "NO_HOST", "xenapi: host = %s: no such host in pool '%s' (%s)",
			     key, b->pool, list);
		rc = -ENOENT;
	}
	xapi_hosts_free(h, n);
	if (rc) {
		free(*ref);
		*ref = NULL;
	}
	return rc;
}

/* The copy's ref after a call that may have worked without its answer arriving. */
static int adopt_by_name(struct backend *b, const char *id, char **ref)
{
	struct xapi_refs refs = { 0 };
	struct backend_err e2 = { 0 };
	int rc = xapi_vm_find_by_name(b->s, id, &refs, &e2);

	if (!rc && refs.n == 1 && (*ref = strdup(refs.v[0]))) {
		log_warn("xenapi: %s: the answer to the copy was lost, but the copy exists", id);
		rc = 0;
	} else {
		rc = -EIO;
	}
	xapi_refs_done(&refs);
	return rc;
}

/* Clone (or copy), provision, make it a VM, tag it. */
static int make_copy(struct backend *b, const struct backend_make *m, struct xenapi_made *md,
		     const struct xapi_vm_rec *t, const char *sr, struct backend_err *err)
{
	char *ref = NULL;
	int rc;

	rc = sr ? xapi_vm_copy(b->s, t->ref, md->id, sr, &ref, err)
		: xapi_vm_clone(b->s, t->ref, md->id, &ref, err);
	if (rc && rc != -EREMOTEIO && rc != -EBADMSG && rc != -ENOMEM &&
	    adopt_by_name(b, md->id, &ref) == 0)
		rc = 0;
	if (rc)
		return ctx(err, rc, "%s of template '%s'", sr ? "VM.copy" : "VM.clone", t->name);
	md->ref = ref;
	rc = m->note ? m->note(m->note_arg, m->name, "ref", ref) : 0;
	if (rc) {
		backend_errf(err, "EIO", "xenapi: cannot journal %s: %s", md->id, strerror(-rc));
		return rc;
	}
	rc = xapi_vm_provision(b->s, ref, err);
	if (rc)
		return ctx(err, rc, "VM.provision of %s", md->id);
	rc = xapi_vm_set_is_a_template(b->s, ref, false, err);
	if (rc)
		return ctx(err, rc, "VM.set_is_a_template of %s", md->id);
	rc = xapi_vm_add_to_other_config(b->s, ref, XAPI_TAG_KEY, m->run_id, err);
	if (rc)
		return ctx(err, rc, "tagging %s", md->id);
	return 0;
}

/* Pinned to host (affinity, then start_on it: xapi's VM.start would fall back to another). */
static int place_and_start(struct backend *b, struct xenapi_made *md, const char *host,
			   const char *host_name, struct backend_err *err)
{
	int rc;

	if (!host) {
		rc = xapi_vm_start(b->s, md->ref, NULL, err);
		return rc ? ctx(err, rc, "VM.start of %s", md->id) : 0;
	}
	rc = xapi_vm_set_affinity(b->s, md->ref, host, err);
	if (!rc)
		rc = xapi_vm_assert_can_boot_here(b->s, md->ref, host, err);
	if (!rc)
		rc = xapi_vm_start(b->s, md->ref, host, err);
	return rc ? ctx(err, rc, "starting %s on host %s", md->id, host_name) : 0;
}

int xenapi_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
		     struct backend_err *err)
{
	const char *tpl = backend_make_get(m, "template"), *sr_key = backend_make_get(m, "sr");
	struct xapi_vm_rec t = { 0 };
	struct xenapi_made *md;
	char *sr = NULL, *host = NULL, host_name[128] = "";
	int rc;

	if (backend_made_name(m->run_id, m->name, id, len) < 0) {
		backend_errf(err, "EINVAL", "xenapi: the name isolab-%s-%s is too long", m->run_id,
			     m->name);
		id[0] = '\0';
		return -EINVAL;
	}
	md = made_add(b, id);
	if (!md)
		return oom(err);
	rc = m->note ? m->note(m->note_arg, m->name, "name", id) : 0;
	if (rc) {
		backend_errf(err, "EIO", "xenapi: cannot journal %s: %s", id, strerror(-rc));
		return rc;
	}
	rc = xapi_template_find(b->s, tpl, &t, err);
	if (!rc && sr_key)
		rc = xapi_sr_find(b->s, sr_key, &sr, err);
	if (!rc)
		rc = target_host(b, m, &host, host_name, sizeof(host_name), err);
	if (!rc)
		rc = make_copy(b, m, md, &t, sr, err);
	if (!rc)
		rc = place_and_start(b, md, host, host_name, err);
	if (rc)
		(void)ctx(err, rc, "making %s", m->name);
	xapi_vm_rec_done(&t);
	free(sr);
	free(host);
	return rc;
}

int xenapi_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns,
		      struct backend_err *err)
{
	struct xenapi_made *md = made_find(b, id);
	uint64_t t0 = clock_now_ns();

	if (!md || !md->ref) {
		backend_errf(err, "ENOENT", "xenapi: %s was not made by this run", id);
		return -ENOENT;
	}
	for (;;) {
		struct xapi_vm_rec r;
		char *ip = NULL;
		int rc = xapi_vm_guest_ip(b->s, md->ref, &ip, err);

		if (rc == 0) {
			free(md->ip);
			md->ip = ip;
			return 0;
		}
		if (rc != -EAGAIN)
			return ctx(err, rc, "waiting for %s's address", id);
		rc = xapi_vm_get(b->s, md->ref, &r, err);
		if (rc)
			return ctx(err, rc, "waiting for %s", id);
		if (strcmp(r.power_state, "Running") != 0) {
			backend_errf(err, "VM_BAD_POWER_STATE",
				     "xenapi: %s is %s while booting (it crashed or shut down)", id,
				     r.power_state);
			xapi_vm_rec_done(&r);
			return -EHOSTDOWN;
		}
		xapi_vm_rec_done(&r);
		if (clock_now_ns() + POLL_NS > deadline_ns) {
			backend_errf(err, "NO_GUEST_IP",
				     "xenapi: %s reported no address within %.0f s "
				     "(VM_guest_metrics networks has no 0/ip: is a guest agent "
				     "installed in the template?)",
				     id, ns_to_s(clock_now_ns() - t0));
			return -ETIMEDOUT;
		}
		(void)clock_sleep_until(clock_now_ns() + POLL_NS);
	}
}

/* A halted VM is what we want; HANDLE_INVALID means it is gone. */
static bool gone_or_halted(const struct backend_err *err)
{
	return strcmp(err->code, "HANDLE_INVALID") == 0 ||
	       strcmp(err->code, "VM_BAD_POWER_STATE") == 0;
}

/* One VM: stop, its own disks, the VM. 0 when nothing of it is left. */
static int unmake_ref(struct backend *b, const char *ref, const char *id, struct backend_err *err)
{
	struct xapi_refs disks = { 0 };
	struct xapi_vm_rec r;
	int rc = xapi_vm_get(b->s, ref, &r, err);

	if (rc)
		return strcmp(err->code, "HANDLE_INVALID") == 0 ? 0
								: ctx(err, rc, "reading %s", id);
	if (strcmp(r.name, id) != 0 || r.is_control_domain ||
	    (r.tag && strcmp(r.tag, b->run_id) != 0 && b->run_id[0])) {
		log_warn("xenapi: %s is '%s' (tag %s), not this run's copy: left alone", ref,
			 r.name, r.tag ? r.tag : "none");
		xapi_vm_rec_done(&r);
		return 0;
	}
	if (strcmp(r.power_state, "Halted") != 0) {
		rc = xapi_vm_hard_shutdown(b->s, ref, err);
		if (rc && !gone_or_halted(err))
			goto out_ctx_shutdown;
	}
	rc = xapi_vm_own_disks(b->s, ref, &disks, err);
	if (rc && strcmp(err->code, "HANDLE_INVALID") == 0)
		rc = 0;
	else if (rc)
		goto out_ctx_disks;
	for (size_t i = 0; i < disks.n; i++) {
		rc = xapi_vdi_destroy(b->s, disks.v[i], err);
		if (rc && strcmp(err->code, "HANDLE_INVALID") != 0) {
			rc = ctx(err, rc, "VDI.destroy of %s's disk %s", id, disks.v[i]);
			goto out_free;
		}
	}
	rc = xapi_vm_destroy(b->s, ref, err);
	if (rc && strcmp(err->code, "HANDLE_INVALID") == 0)
		rc = 0;
	else if (rc)
		rc = ctx(err, rc, "VM.destroy of %s", id);
	goto out_free;
out_ctx_shutdown:
	rc = ctx(err, rc, "VM.hard_shutdown of %s", id);
	goto out_free;
out_ctx_disks:
	rc = ctx(err, rc, "finding %s's disks", id);
out_free:
	xapi_refs_done(&disks);
	xapi_vm_rec_done(&r);
	return rc;
}

/* Every VM named id (and ref, when known), only when id carries run's tag in its name. */
static int unmake(struct backend *b, const char *run, const char *id, const char *ref,
		  struct backend_err *err)
{
	struct xapi_refs refs = { 0 };
	char prefix[BACKEND_ID_MAX];
	int rc, ret = 0;

	if (backend_made_name(run, "", prefix, sizeof(prefix)) < 0 ||
	    strncmp(id, prefix, strlen(prefix)) != 0 || !id[strlen(prefix)]) {
		backend_errf(err, "EPERM", "xenapi: '%s' does not carry run %s's tag: left alone",
			     id, run);
		return -EPERM;
	}
	rc = xapi_vm_find_by_name(b->s, id, &refs, err);
	if (rc)
		return ctx(err, rc, "finding %s", id);
	if (ref && strcmp(ref, XAPI_NULL_REF) != 0) {
		bool listed = false;

		for (size_t i = 0; i < refs.n; i++)
			listed |= strcmp(refs.v[i], ref) == 0;
		if (!listed && (rc = unmake_ref(b, ref, id, err)) < 0)
			ret = rc;
	}
	for (size_t i = 0; i < refs.n; i++) {
		rc = unmake_ref(b, refs.v[i], id, err);
		if (rc < 0 && !ret)
			ret = rc;
	}
	xapi_refs_done(&refs);
	return ret;
}

int xenapi_unprovision(struct backend *b, const char *id, struct backend_err *err)
{
	struct xenapi_made *md = made_find(b, id);

	return unmake(b, b->run_id, id, md ? md->ref : NULL, err);
}

/*
 * A VM.clone the dead run sent and never saw answered may still be running
 * in xapi: give the copy a moment to appear under its name.
 */
static void wait_inflight(struct backend *b, const char *id)
{
	uint64_t until = clock_now_ns() + RESTORE_GRACE_NS;
	struct backend_err e = { 0 };

	for (;;) {
		struct xapi_refs refs = { 0 };
		bool found = xapi_vm_find_by_name(b->s, id, &refs, &e) == 0 && refs.n > 0;

		xapi_refs_done(&refs);
		if (found || clock_now_ns() >= until)
			return;
		(void)clock_sleep_until(clock_now_ns() + POLL_NS);
	}
}

int xenapi_unmake_facts(struct backend *b, const char *run_id, const struct backend_kv *facts,
			size_t n, struct backend_err *err)
{
	const char *id = NULL, *ref = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(facts[i].key, "name") == 0)
			id = facts[i].value;
		else if (strcmp(facts[i].key, "ref") == 0)
			ref = facts[i].value;
	}
	if (!id) {
		backend_errf(err, "EINVAL", "xenapi: the journal names no VM (no name fact)");
		return -EINVAL;
	}
	snprintf(b->run_id, sizeof(b->run_id), "%s", run_id);
	if (!ref)
		wait_inflight(b, id);
	return unmake(b, run_id, id, ref, err);
}

/* Room on h for copies of need bytes each. */
static unsigned room(const struct xapi_host *h, uint64_t need)
{
	uint64_t n = need && h->enabled ? h->mem_free / need : 0;

	return n < 100000 ? (unsigned)n : 100000;
}

int xenapi_check_make(struct backend *b, const struct backend_make *m, unsigned count, char *out,
		      size_t len, struct backend_err *err)
{
	struct xapi_vm_rec t = { 0 };
	struct xapi_host *h = NULL;
	char *sr = NULL, *host = NULL, hname[128] = "", s1[32], s2[32];
	size_t n = 0;
	unsigned fit = 0;
	uint64_t free_mem = 0;
	int rc;

	rc = xapi_template_find(b->s, backend_make_get(m, "template"), &t, err);
	if (!rc && backend_make_get(m, "sr"))
		rc = xapi_sr_find(b->s, backend_make_get(m, "sr"), &sr, err);
	if (!rc)
		rc = target_host(b, m, &host, hname, sizeof(hname), err);
	if (!rc)
		rc = xapi_hosts_list(b->s, &h, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		if (!host || strcmp(h[i].ref, host) == 0) {
			fit += room(&h[i], t.memory_static_max);
			free_mem += h[i].mem_free;
		}
	if (!rc) {
		snprintf(out, len,
			 "template '%s' (%d vCPU, %s); %s%s%s has %s free: room for %u, %u asked",
			 t.name, t.vcpus, fmt_size(t.memory_static_max, s1, sizeof(s1)),
			 host ? "host " : "the pool", hname,
			 host && !strcmp(backend_make_get(m, "host"), "with-victim")
				 ? " (the victim's)"
				 : "",
			 fmt_size(free_mem, s2, sizeof(s2)), fit, count);
		if (fit < count) {
			backend_errf(err, "HOST_NOT_ENOUGH_FREE_MEMORY", "xenapi: %s", out);
			rc = -ENOSPC;
		}
	}
	xapi_hosts_free(h, n);
	xapi_vm_rec_done(&t);
	free(sr);
	free(host);
	return rc;
}

int xenapi_hosts(struct backend *b, struct backend_host **out, size_t *n, struct backend_err *err)
{
	struct backend_host *bh;
	struct xapi_host *h = NULL;
	size_t cnt = 0;
	int rc = xapi_hosts_list(b->s, &h, &cnt, err);

	if (rc)
		return rc;
	bh = calloc(cnt ? cnt : 1, sizeof(*bh));
	if (!bh) {
		xapi_hosts_free(h, cnt);
		return oom(err);
	}
	/* the strings move over: xapi_hosts_free frees what is left */
	for (size_t i = 0; i < cnt; i++) {
		bh[i] = (struct backend_host){
			.name = h[i].name,
			.address = h[i].address,
			.sched = h[i].sched,
			.enabled = h[i].enabled,
			.cpus = h[i].cpus,
			.mem_total = h[i].mem_total,
			.mem_free = h[i].mem_free,
			.resident = h[i].resident.v,
			.n_resident = h[i].resident.n,
		};
		h[i].name = h[i].address = h[i].sched = NULL;
		h[i].resident.v = NULL;
		h[i].resident.n = 0;
	}
	xapi_hosts_free(h, cnt);
	*out = bh;
	*n = cnt;
	return 0;
}
