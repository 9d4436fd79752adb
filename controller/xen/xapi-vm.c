// SPDX-License-Identifier: MIT
/* XenAPI calls for provisioning: clone/copy, provision, place, start, address, unmake; hosts. */
#include "xapi-vm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "parse.h"
#include "xapi.h"
#include "xmlrpc.h"

#define MAX_ARGS 4

static int oom(struct backend_err *err)
{
	backend_errf(err, "ENOMEM", "xenapi: out of memory");
	return -ENOMEM;
}

static int bad(struct backend_err *err, const char *method, const char *what)
{
	backend_errf(err, "BAD_RESPONSE", "xenapi: %s: %s", method, what);
	return -EBADMSG;
}

static bool is_ref(const char *s)
{
	return s && strncmp(s, "OpaqueRef:", 10) == 0 && strcmp(s, XAPI_NULL_REF) != 0;
}

bool xapi_looks_like_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	}
	return true;
}

void xapi_refs_done(struct xapi_refs *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i]);
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static int refs_push(struct xapi_refs *r, const char *s)
{
	char **v = realloc(r->v, (r->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->v = v;
	v[r->n] = strdup(s);
	if (!v[r->n])
		return -ENOMEM;
	r->n++;
	return 0;
}

/*
 * One call with string arguments followed by optional booleans (nbools of
 * them, in order). *res may be NULL to discard the value.
 */
static int call(struct xapi_session *s, const char *method, const char *const *args, size_t n,
		const bool *bools, size_t nbools, struct xmlrpc_value **res,
		struct backend_err *err)
{
	struct xmlrpc_value *p[MAX_ARGS] = { 0 };
	size_t total = n + nbools;
	int rc = 0;

	if (total > MAX_ARGS) {
		backend_errf(err, "E2BIG", "xenapi: %s: too many arguments", method);
		return -E2BIG;
	}
	for (size_t i = 0; i < total; i++) {
		p[i] = i < n ? xmlrpc_string(args[i]) : xmlrpc_bool(bools[i - n]);
		if (!p[i])
			rc = -ENOMEM;
	}
	if (rc)
		rc = oom(err);
	else
		rc = xapi_call(s, method, (const struct xmlrpc_value *const *)p, total, res, err);
	for (size_t i = 0; i < total; i++)
		xmlrpc_free(p[i]);
	return rc;
}

static int call_void(struct xapi_session *s, const char *method, const char *const *args, size_t n,
		     struct backend_err *err)
{
	return call(s, method, args, n, NULL, 0, NULL, err);
}

/* A call whose answer is a string; with want_ref it must be a live OpaqueRef. */
static int call_str(struct xapi_session *s, const char *method, const char *const *args, size_t n,
		    bool want_ref, char **out, struct backend_err *err)
{
	struct xmlrpc_value *res = NULL;
	const char *v;
	int rc;

	rc = call(s, method, args, n, NULL, 0, &res, err);
	if (rc)
		return rc;
	v = xmlrpc_get_str(res);
	if (!v || (want_ref && !is_ref(v)))
		rc = bad(err, method,
			 want_ref ? "answer is not a reference" : "answer is not a string");
	else if (!(*out = strdup(v)))
		rc = oom(err);
	xmlrpc_free(res);
	return rc;
}

/* A call whose answer is a set of strings. */
static int call_refs(struct xapi_session *s, const char *method, const char *arg,
		     struct xapi_refs *out, struct backend_err *err)
{
	struct xapi_refs r = { 0 };
	struct xmlrpc_value *res = NULL;
	int rc;

	rc = call(s, method, &arg, 1, NULL, 0, &res, err);
	if (rc)
		return rc;
	if (res->type != XMLRPC_ARRAY)
		rc = bad(err, method, "answer is not a set");
	for (size_t i = 0; !rc && i < xmlrpc_array_len(res); i++) {
		const char *v = xmlrpc_get_str(xmlrpc_array_get(res, i));

		if (!v)
			rc = bad(err, method, "set member is not a string");
		else if (refs_push(&r, v))
			rc = oom(err);
	}
	xmlrpc_free(res);
	if (rc)
		xapi_refs_done(&r);
	else
		*out = r;
	return rc;
}

/* xapi sends 64-bit integers as strings; accept <int> too. */
static bool get_u64(const struct xmlrpc_value *v, uint64_t *out)
{
	const char *s = xmlrpc_get_str(v);

	if (v && v->type == XMLRPC_INT && v->i >= 0) {
		*out = (uint64_t)v->i;
		return true;
	}
	return s && parse_u64(s, 0, UINT64_MAX, out) == 0;
}

static bool get_bool(const struct xmlrpc_value *st, const char *key)
{
	const struct xmlrpc_value *v = xmlrpc_struct_get(st, key);

	return v && v->type == XMLRPC_BOOL && v->b;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

void xapi_vm_rec_done(struct xapi_vm_rec *r)
{
	if (!r)
		return;
	free(r->ref);
	free(r->name);
	free(r->uuid);
	free(r->power_state);
	free(r->resident_on);
	free(r->tag);
	memset(r, 0, sizeof(*r));
}

static int vm_rec_from(const char *ref, const struct xmlrpc_value *v, struct xapi_vm_rec *out,
		       struct backend_err *err)
{
	const char *name = xmlrpc_struct_get_str(v, "name_label");
	const char *ps = xmlrpc_struct_get_str(v, "power_state");
	const char *res = xmlrpc_struct_get_str(v, "resident_on");
	const char *tag = xmlrpc_struct_get_str(xmlrpc_struct_get(v, "other_config"), XAPI_TAG_KEY);
	struct xapi_vm_rec r = { 0 };
	uint64_t u;

	if (!name || !ps)
		return bad(err, "VM.get_record", "record without name_label or power_state");
	r.ref = strdup(ref);
	r.name = strdup(name);
	r.uuid = dup_or_null(xmlrpc_struct_get_str(v, "uuid"));
	r.power_state = strdup(ps);
	r.resident_on = strdup(res ? res : XAPI_NULL_REF);
	r.tag = dup_or_null(tag);
	if (!r.ref || !r.name || !r.power_state || !r.resident_on || (tag && !r.tag) ||
	    (xmlrpc_struct_get_str(v, "uuid") && !r.uuid)) {
		xapi_vm_rec_done(&r);
		return oom(err);
	}
	r.is_a_template = get_bool(v, "is_a_template");
	r.is_a_snapshot = get_bool(v, "is_a_snapshot");
	r.is_control_domain = get_bool(v, "is_control_domain");
	if (get_u64(xmlrpc_struct_get(v, "memory_static_max"), &u))
		r.memory_static_max = u;
	r.vcpus =
		get_u64(xmlrpc_struct_get(v, "VCPUs_at_startup"), &u) && u < 1u << 20 ? (int)u : -1;
	*out = r;
	return 0;
}

int xapi_vm_get(struct xapi_session *s, const char *ref, struct xapi_vm_rec *out,
		struct backend_err *err)
{
	struct xmlrpc_value *res = NULL;
	int rc;

	rc = call(s, "VM.get_record", &ref, 1, NULL, 0, &res, err);
	if (rc)
		return rc;
	if (res->type != XMLRPC_STRUCT)
		rc = bad(err, "VM.get_record", "answer is not a record");
	else
		rc = vm_rec_from(ref, res, out, err);
	xmlrpc_free(res);
	return rc;
}

int xapi_vm_find_by_name(struct xapi_session *s, const char *name, struct xapi_refs *out,
			 struct backend_err *err)
{
	return call_refs(s, "VM.get_by_name_label", name, out, err);
}

static bool is_template(const struct xapi_vm_rec *r)
{
	return r->is_a_template && !r->is_a_snapshot;
}

/* A UUID: VM.get_by_uuid, then it must be a template. */
static int template_by_uuid(struct xapi_session *s, const char *uuid, struct xapi_vm_rec *out,
			    struct backend_err *err)
{
	struct xapi_vm_rec r;
	char *ref = NULL;
	int rc;

	rc = call_str(s, "VM.get_by_uuid", &uuid, 1, true, &ref, err);
	if (rc == -EREMOTEIO && strcmp(err->code, "UUID_INVALID") == 0) {
		backend_errf(err, "NO_TEMPLATE", "xenapi: no template with UUID %s (UUID_INVALID)",
			     uuid);
		return -ENOENT;
	}
	if (rc)
		return rc;
	rc = xapi_vm_get(s, ref, &r, err);
	free(ref);
	if (rc)
		return rc;
	if (!is_template(&r)) {
		backend_errf(err, "NO_TEMPLATE", "xenapi: %s ('%s') is a %s, not a template", uuid,
			     r.name, r.is_a_snapshot ? "snapshot" : "VM");
		xapi_vm_rec_done(&r);
		return -ENOENT;
	}
	*out = r;
	return 0;
}

int xapi_template_find(struct xapi_session *s, const char *name, struct xapi_vm_rec *out,
		       struct backend_err *err)
{
	struct xapi_vm_rec found = { 0 }, r;
	struct xapi_refs refs = { 0 };
	size_t n_templates = 0;
	int rc;

	if (xapi_looks_like_uuid(name))
		return template_by_uuid(s, name, out, err);
	rc = xapi_vm_find_by_name(s, name, &refs, err);
	for (size_t i = 0; !rc && i < refs.n; i++) {
		rc = xapi_vm_get(s, refs.v[i], &r, err);
		if (rc)
			break;
		if (is_template(&r) && n_templates++ == 0)
			found = r;
		else
			xapi_vm_rec_done(&r);
	}
	if (!rc && n_templates == 0) {
		backend_errf(err, "NO_TEMPLATE", "xenapi: no template named '%s'%s", name,
			     refs.n ? " (only VMs or snapshots of that name)" : "");
		rc = -ENOENT;
	} else if (!rc && n_templates > 1) {
		backend_errf(err, "AMBIGUOUS",
			     "xenapi: %zu templates are named '%s'; give the template's UUID",
			     n_templates, name);
		rc = -ENOTUNIQ;
	}
	xapi_refs_done(&refs);
	if (rc)
		xapi_vm_rec_done(&found);
	else
		*out = found;
	return rc;
}

int xapi_sr_find(struct xapi_session *s, const char *name, char **ref, struct backend_err *err)
{
	struct xapi_refs refs = { 0 };
	int rc;

	if (xapi_looks_like_uuid(name)) {
		rc = call_str(s, "SR.get_by_uuid", &name, 1, true, ref, err);
		if (rc == -EREMOTEIO && strcmp(err->code, "UUID_INVALID") == 0) {
			backend_errf(err, "NO_SR", "xenapi: no SR with UUID %s (UUID_INVALID)",
				     name);
			rc = -ENOENT;
		}
		return rc;
	}
	rc = call_refs(s, "SR.get_by_name_label", name, &refs, err);
	if (rc)
		return rc;
	if (refs.n == 0) {
		backend_errf(err, "NO_SR", "xenapi: no SR named '%s'", name);
		rc = -ENOENT;
	} else if (refs.n > 1) {
		backend_errf(err, "AMBIGUOUS", "xenapi: %zu SRs are named '%s'; give the SR's UUID",
			     refs.n, name);
		rc = -ENOTUNIQ;
	} else if (!is_ref(refs.v[0])) {
		rc = bad(err, "SR.get_by_name_label", "set member is not a reference");
	} else {
		*ref = refs.v[0];
		refs.v[0] = NULL;
	}
	xapi_refs_done(&refs);
	return rc;
}

int xapi_vm_clone(struct xapi_session *s, const char *vm, const char *new_name, char **ref,
		  struct backend_err *err)
{
	const char *a[] = { vm, new_name };

	return call_str(s, "VM.clone", a, 2, true, ref, err);
}

int xapi_vm_copy(struct xapi_session *s, const char *vm, const char *new_name, const char *sr,
		 char **ref, struct backend_err *err)
{
	const char *a[] = { vm, new_name, sr ? sr : XAPI_NULL_REF };

	return call_str(s, "VM.copy", a, 3, true, ref, err);
}

int xapi_vm_provision(struct xapi_session *s, const char *vm, struct backend_err *err)
{
	return call_void(s, "VM.provision", &vm, 1, err);
}

int xapi_vm_set_is_a_template(struct xapi_session *s, const char *vm, bool value,
			      struct backend_err *err)
{
	return call(s, "VM.set_is_a_template", &vm, 1, &value, 1, NULL, err);
}

int xapi_vm_add_to_other_config(struct xapi_session *s, const char *vm, const char *key,
				const char *value, struct backend_err *err)
{
	const char *a[] = { vm, key, value };

	return call_void(s, "VM.add_to_other_config", a, 3, err);
}

int xapi_vm_set_affinity(struct xapi_session *s, const char *vm, const char *host,
			 struct backend_err *err)
{
	const char *a[] = { vm, host };

	return call_void(s, "VM.set_affinity", a, 2, err);
}

int xapi_vm_assert_can_boot_here(struct xapi_session *s, const char *vm, const char *host,
				 struct backend_err *err)
{
	const char *a[] = { vm, host };

	return call_void(s, "VM.assert_can_boot_here", a, 2, err);
}

int xapi_vm_start(struct xapi_session *s, const char *vm, const char *host, struct backend_err *err)
{
	static const bool flags[] = { false, false }; /* start_paused, force */
	const char *a[] = { vm, host };

	if (host)
		return call(s, "VM.start_on", a, 2, flags, 2, NULL, err);
	return call(s, "VM.start", a, 1, flags, 2, NULL, err);
}

int xapi_vm_resident_on(struct xapi_session *s, const char *vm, char **host,
			struct backend_err *err)
{
	char *h = NULL;
	int rc;

	rc = call_str(s, "VM.get_resident_on", &vm, 1, false, &h, err);
	if (rc)
		return rc;
	if (!is_ref(h)) {
		backend_errf(err, "NOT_RUNNING", "xenapi: the VM is not resident on any host");
		free(h);
		return -ENOENT;
	}
	*host = h;
	return 0;
}

int xapi_vm_guest_ip(struct xapi_session *s, const char *vm, char **ip, struct backend_err *err)
{
	static const char *const keys[] = { "0/ip", "0/ipv4/0", "0/ipv6/0" };
	struct xmlrpc_value *nets = NULL;
	const char *gm_arg;
	char *gm = NULL;
	int rc;

	rc = call_str(s, "VM.get_guest_metrics", &vm, 1, false, &gm, err);
	if (rc)
		return rc;
	if (!is_ref(gm)) {
		free(gm);
		backend_errf(err, "NO_GUEST_IP", "xenapi: the guest agent has not reported yet");
		return -EAGAIN;
	}
	gm_arg = gm;
	rc = call(s, "VM_guest_metrics.get_networks", &gm_arg, 1, NULL, 0, &nets, err);
	free(gm);
	if (rc)
		return rc;
	if (nets->type != XMLRPC_STRUCT) {
		rc = bad(err, "VM_guest_metrics.get_networks", "answer is not a map");
		goto out_free;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = xmlrpc_struct_get_str(nets, keys[i]);

		if (v && *v) {
			*ip = strdup(v);
			rc = *ip ? 0 : oom(err);
			goto out_free;
		}
	}
	backend_errf(err, "NO_GUEST_IP", "xenapi: the guest reported no address yet");
	rc = -EAGAIN;
out_free:
	xmlrpc_free(nets);
	return rc;
}

int xapi_vm_hard_shutdown(struct xapi_session *s, const char *vm, struct backend_err *err)
{
	return call_void(s, "VM.hard_shutdown", &vm, 1, err);
}

int xapi_vdi_destroy(struct xapi_session *s, const char *vdi, struct backend_err *err)
{
	return call_void(s, "VDI.destroy", &vdi, 1, err);
}

int xapi_vm_destroy(struct xapi_session *s, const char *vm, struct backend_err *err)
{
	return call_void(s, "VM.destroy", &vm, 1, err);
}

/* Whether every VBD of vdi belongs to vm. */
static int vdi_only_on(struct xapi_session *s, const char *vdi, const char *vm, bool *only,
		       struct backend_err *err)
{
	struct xapi_refs vbds = { 0 };
	int rc;

	rc = call_refs(s, "VDI.get_VBDs", vdi, &vbds, err);
	*only = true;
	for (size_t i = 0; !rc && *only && i < vbds.n; i++) {
		const char *arg = vbds.v[i];
		char *owner = NULL;

		rc = call_str(s, "VBD.get_VM", &arg, 1, false, &owner, err);
		if (!rc)
			*only = strcmp(owner, vm) == 0;
		free(owner);
	}
	xapi_refs_done(&vbds);
	return rc;
}

/* The VDI behind one VBD when it is a disk (not a CD, not empty); NULL otherwise. */
static int vbd_disk(struct xapi_session *s, const char *vbd, char **vdi, struct backend_err *err)
{
	struct xmlrpc_value *rec = NULL;
	const char *type, *v;
	int rc;

	*vdi = NULL;
	rc = call(s, "VBD.get_record", &vbd, 1, NULL, 0, &rec, err);
	if (rc)
		return rc;
	type = xmlrpc_struct_get_str(rec, "type");
	v = xmlrpc_struct_get_str(rec, "VDI");
	if (!type || !v)
		rc = bad(err, "VBD.get_record", "record without type or VDI");
	else if (strcmp(type, "Disk") == 0 && is_ref(v) && !(*vdi = strdup(v)))
		rc = oom(err);
	xmlrpc_free(rec);
	return rc;
}

int xapi_vm_own_disks(struct xapi_session *s, const char *vm, struct xapi_refs *out,
		      struct backend_err *err)
{
	struct xapi_refs vbds = { 0 }, own = { 0 };
	int rc;

	rc = call_refs(s, "VM.get_VBDs", vm, &vbds, err);
	for (size_t i = 0; !rc && i < vbds.n; i++) {
		char *vdi = NULL;
		bool only = false;

		rc = vbd_disk(s, vbds.v[i], &vdi, err);
		if (!rc && vdi)
			rc = vdi_only_on(s, vdi, vm, &only, err);
		if (!rc && vdi && only && refs_push(&own, vdi))
			rc = oom(err);
		free(vdi);
	}
	xapi_refs_done(&vbds);
	if (rc)
		xapi_refs_done(&own);
	else
		*out = own;
	return rc;
}

/* ---- hosts ---- */

void xapi_hosts_free(struct xapi_host *h, size_t n)
{
	if (!h)
		return;
	for (size_t i = 0; i < n; i++) {
		free(h[i].ref);
		free(h[i].name);
		free(h[i].address);
		free(h[i].sched);
		xapi_refs_done(&h[i].resident);
	}
	free(h);
}

static int all_records(struct xapi_session *s, const char *cls, struct xmlrpc_value **out,
		       struct backend_err *err)
{
	char method[64];
	int rc;

	snprintf(method, sizeof(method), "%s.get_all_records", cls);
	rc = xapi_call_str(s, method, out, err, NULL);
	if (!rc && (*out)->type != XMLRPC_STRUCT) {
		xmlrpc_free(*out);
		*out = NULL;
		rc = bad(err, method, "answer is not a map of records");
	}
	return rc;
}

/* Names of the guests (not control domains) resident on host ref. */
static int resident_names(const struct xmlrpc_value *vms, const char *ref, struct xapi_refs *out)
{
	for (size_t i = 0; i < vms->st.n; i++) {
		const struct xmlrpc_value *v = vms->st.m[i].value;
		const char *on = xmlrpc_struct_get_str(v, "resident_on");
		const char *name = xmlrpc_struct_get_str(v, "name_label");

		if (on && name && strcmp(on, ref) == 0 && !get_bool(v, "is_control_domain") &&
		    refs_push(out, name))
			return -ENOMEM;
	}
	return 0;
}

static int host_from(struct xapi_session *s, const char *ref, const struct xmlrpc_value *rec,
		     const struct xmlrpc_value *metrics, const struct xmlrpc_value *vms,
		     struct xapi_host *h, struct backend_err *err)
{
	const char *name = xmlrpc_struct_get_str(rec, "name_label");
	const char *addr = xmlrpc_struct_get_str(rec, "address");
	const char *sched = xmlrpc_struct_get_str(rec, "sched_policy");
	const char *mref = xmlrpc_struct_get_str(rec, "metrics");
	const struct xmlrpc_value *m = mref ? xmlrpc_struct_get(metrics, mref) : NULL;
	struct xmlrpc_value *free_mem = NULL;
	uint64_t u;
	int rc;

	if (!name)
		return bad(err, "host.get_all_records", "host without name_label");
	h->ref = strdup(ref);
	h->name = strdup(name);
	h->address = strdup(addr ? addr : "");
	h->sched = strdup(sched ? sched : "");
	if (!h->ref || !h->name || !h->address || !h->sched ||
	    resident_names(vms, ref, &h->resident))
		return oom(err);
	h->enabled = get_bool(rec, "enabled");
	h->cpus = -1;
	if (get_u64(xmlrpc_struct_get(xmlrpc_struct_get(rec, "cpu_info"), "cpu_count"), &u) &&
	    u < 1u << 20)
		h->cpus = (int)u;
	else if (xmlrpc_array_len(xmlrpc_struct_get(rec, "host_CPUs")))
		h->cpus = (int)xmlrpc_array_len(xmlrpc_struct_get(rec, "host_CPUs"));
	if (get_u64(xmlrpc_struct_get(m, "memory_total"), &u))
		h->mem_total = u;
	rc = call(s, "host.compute_free_memory", &ref, 1, NULL, 0, &free_mem, err);
	if (!rc && !get_u64(free_mem, &h->mem_free))
		rc = bad(err, "host.compute_free_memory", "answer is not a number");
	xmlrpc_free(free_mem);
	return rc;
}

int xapi_hosts_list(struct xapi_session *s, struct xapi_host **out, size_t *n,
		    struct backend_err *err)
{
	struct xmlrpc_value *hosts = NULL, *metrics = NULL, *vms = NULL;
	struct xapi_host *h = NULL;
	size_t count = 0;
	int rc;

	rc = all_records(s, "host", &hosts, err);
	if (!rc)
		rc = all_records(s, "host_metrics", &metrics, err);
	if (!rc)
		rc = all_records(s, "VM", &vms, err);
	if (rc)
		goto out_free;
	h = calloc(hosts->st.n ? hosts->st.n : 1, sizeof(*h));
	if (!h) {
		rc = oom(err);
		goto out_free;
	}
	for (; count < hosts->st.n; count++) {
		rc = host_from(s, hosts->st.m[count].name, hosts->st.m[count].value, metrics, vms,
			       &h[count], err);
		if (rc) {
			count++; /* free the partly filled one too */
			break;
		}
	}
	if (!rc) {
		*out = h;
		*n = count;
		h = NULL;
	}
out_free:
	xapi_hosts_free(h, count);
	xmlrpc_free(hosts);
	xmlrpc_free(metrics);
	xmlrpc_free(vms);
	return rc;
}
