// SPDX-License-Identifier: MIT
/*
 * The XenAPI backend: XenServer / XCP-ng pools over XML-RPC.
 *
 * Weight and cap live in a VM's VCPUs_params map (keys "weight", "cap").
 * xapi applies them when a domain is built, so a change to a running VM
 * takes effect now only through `xl sched-credit[2]` in the dom0 of its host
 * (ssh to `dom0 = user@host`, domain id from VM.get_domid); without dom0
 * access the change is stored and applies at the VM's next start, and
 * sched_get reports live = false.
 *
 * The password comes from a 0600 file or ISOLAB_XENAPI_PASSWORD; it is read
 * at each login and wiped straight after (the file is re-read for a
 * re-login; the environment value is kept in a locked page until close).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "cred.h"
#include "ssh-cmd.h"
#include "transport.h"
#include "xapi-vm.h"
#include "xapi.h"
#include "xenapi-priv.h"
#include "xenapi-opts.h"
#include "xl.h"

/* ---- helpers ---- */

static int oom(struct backend_err *err)
{
	backend_errf(err, "ENOMEM", "xenapi: out of memory");
	return -ENOMEM;
}

static int str_int(const char *s, int min, int max, int dflt)
{
	int64_t v;

	if (!s || !*s)
		return dflt;
	return parse_i64(s, min, max, &v) ? -1 : (int)v;
}

/* Effective weight/cap from a VCPUs_params map: a key not set means Xen's default. */
static void params_from_map(const struct xmlrpc_value *map, struct sched_params *out)
{
	out->weight = str_int(xmlrpc_struct_get_str(map, "weight"), XEN_WEIGHT_MIN, XEN_WEIGHT_MAX,
			      XEN_WEIGHT_DEFAULT);
	out->cap = str_int(xmlrpc_struct_get_str(map, "cap"), 0, XEN_CAP_MAX, 0);
}

static void parse_version(struct backend *b, const char *v)
{
	int64_t maj, min;
	char buf[32], *dot, *dot2;

	if (!v)
		return;
	snprintf(b->xen_version, sizeof(b->xen_version), "%s", v);
	snprintf(buf, sizeof(buf), "%s", v);
	dot = strchr(buf, '.');
	if (!dot)
		return;
	*dot = '\0';
	dot2 = strpbrk(dot + 1, ".-");
	if (dot2)
		*dot2 = '\0';
	if (!parse_i64(buf, 0, 1000, &maj) && !parse_i64(dot + 1, 0, 1000, &min)) {
		b->xen_major = (int)maj;
		b->xen_minor = (int)min;
	}
}

/* Pool name, coordinator's scheduler, Xen version and CPU count. */
static int read_pool(struct backend *b, struct backend_err *err)
{
	struct xmlrpc_value *pools = NULL, *host = NULL;
	const struct xmlrpc_value *pool;
	const char *master, *name, *sched;
	int rc;

	rc = xapi_call_str(b->s, "pool.get_all_records", &pools, err, NULL);
	if (rc)
		return rc;
	if (pools->type != XMLRPC_STRUCT || pools->st.n < 1) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: pool.get_all_records: no pool");
		rc = -EBADMSG;
		goto out_free;
	}
	pool = pools->st.m[0].value;
	name = xmlrpc_struct_get_str(pool, "name_label");
	master = xmlrpc_struct_get_str(pool, "master");
	b->pool = strdup(name && *name ? name : pools->st.m[0].name);
	if (!b->pool) {
		rc = oom(err);
		goto out_free;
	}
	if (!master) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: the pool has no master");
		rc = -EBADMSG;
		goto out_free;
	}
	rc = xapi_call_str(b->s, "host.get_record", &host, err, master, NULL);
	if (rc)
		goto out_free;
	sched = xmlrpc_struct_get_str(host, "sched_policy");
	snprintf(b->sched, sizeof(b->sched), "%s", sched && *sched ? sched : "credit");
	parse_version(b, xmlrpc_struct_get_str(xmlrpc_struct_get(host, "software_version"), "xen"));
	b->nr_cpus =
		str_int(xmlrpc_struct_get_str(xmlrpc_struct_get(host, "cpu_info"), "cpu_count"), 1,
			1 << 20, -1);
out_free:
	xmlrpc_free(pools);
	xmlrpc_free(host);
	return rc;
}

static void xenapi_close(struct backend *b)
{
	if (!b)
		return;
	xenapi_made_free(b);
	xapi_session_free(b->s); /* logs out */
	xapi_cred_free(b->cred);
	free(b->user);
	free(b->pool);
	free(b->dom0);
	free(b);
}

static int xenapi_open(const struct backend_config *cfg, struct backend **out,
		       struct backend_err *err)
{
	const char *url = OPT(cfg, XO_URL), *dom0 = OPT(cfg, XO_DOM0);
	bool insecure = backend_cfg_flag(cfg, xenapi_opts[XO_INSECURE].key);
	struct xapi_http_opts hopts = { .ca_file = OPT(cfg, XO_CA_FILE), .insecure = insecure };
	struct xapi_session_config scfg = {
		.url = url,
		.user = OPT(cfg, XO_USER),
		.get_password = xapi_cred_get,
	};
	struct xapi_transport *t;
	struct backend *b;
	const char *env;
	int rc;

	rc = xenapi_check_config(cfg, err);
	if (rc)
		return rc;
	env = getenv("ISOLAB_XENAPI_TIMEOUT");
	if (env && parse_duration(env, 100 * NSEC_PER_MSEC, 3600 * NSEC_PER_SEC,
				  &hopts.total_timeout_ns)) {
		backend_errf(err, "EINVAL", "xenapi: ISOLAB_XENAPI_TIMEOUT '%s': %s", env,
			     parse_duration_hint());
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		return oom(err);
	b->nr_cpus = -1;
	b->xen_major = b->xen_minor = -1;
	snprintf(b->run_id, sizeof(b->run_id), "%s", cfg->run_id ? cfg->run_id : "");
	b->insecure = insecure;
	b->user = strdup(scfg.user);
	b->dom0 = dom0 ? strdup(dom0) : NULL;
	if (!b->user || (dom0 && !b->dom0)) {
		rc = oom(err);
		goto out_close;
	}
	b->cred = xapi_cred_new(OPT(cfg, XO_PASSWORD_FILE), err);
	if (!b->cred) {
		rc = err && strcmp(err->code, "ENOMEM") == 0 ? -ENOMEM : -EINVAL;
		goto out_close;
	}
	if (insecure)
		log_warn("xenapi: --insecure: the TLS certificate of %s is NOT verified; anyone on "
			 "the path can read the password",
			 url);
	else if (strncmp(url, "http://", 7) == 0)
		log_warn("xenapi: %s is plain HTTP: the password travels unencrypted", url);
	t = xapi_http_new(&hopts, err);
	if (!t) {
		rc = -ENOMEM;
		goto out_close;
	}
	scfg.password_arg = b->cred;
	b->s = xapi_session_new(&scfg, t);
	if (!b->s) {
		rc = oom(err);
		goto out_close;
	}
	rc = xapi_login(b->s, err);
	if (!rc)
		rc = read_pool(b, err);
	if (rc)
		goto out_close;
	*out = b;
	return 0;
out_close:
	xenapi_close(b);
	return rc;
}

static int xenapi_caps(struct backend *b, struct backend_caps *out, struct backend_err *err)
{
	bool credit2 = strcmp(b->sched, "credit2") == 0;
	struct backend_caps c = {
		.weight = xl_sched_cmd(b->sched) != NULL,
		.cap = xl_cap_supported(b->sched, b->xen_major, b->xen_minor),
		.live = b->dom0 != NULL,
		.scheduler = xl_sched_static(b->sched),
	};
	size_t used;

	used = (size_t)snprintf(c.notes, sizeof(c.notes),
				"pool '%s', host.sched_policy %s: weight is a proportional share "
				"under contention; cap is %% of one physical CPU for the whole VM "
				"(0 = none)%s.",
				b->pool, b->sched,
				credit2 ? ", enforced by credit2 with a budget refilled every 10 ms"
					: "");
	if (!c.cap && used < sizeof(c.notes))
		used += (size_t)snprintf(c.notes + used, sizeof(c.notes) - used,
					 " Caps are unavailable on this scheduler/Xen %s.",
					 b->xen_version);
	if (!b->dom0 && used < sizeof(c.notes))
		snprintf(c.notes + used, sizeof(c.notes) - used,
			 " No dom0 configured: xapi stores VCPUs_params and applies them when a "
			 "VM starts, so changes to running VMs take effect at their next start.");
	*out = c;
	return 0;
}

/* Host ref -> name_label, for list_vms. */
static const char *host_name(const struct xmlrpc_value *hosts, const char *ref)
{
	const char *n =
		xmlrpc_struct_get_str(xmlrpc_struct_get(hosts, ref ? ref : ""), "name_label");

	return n;
}

static bool is_guest(const struct xmlrpc_value *rec)
{
	const struct xmlrpc_value *t = xmlrpc_struct_get(rec, "is_a_template");
	const struct xmlrpc_value *c = xmlrpc_struct_get(rec, "is_control_domain");
	const struct xmlrpc_value *s = xmlrpc_struct_get(rec, "is_a_snapshot");

	return !(t && t->type == XMLRPC_BOOL && t->b) && !(c && c->type == XMLRPC_BOOL && c->b) &&
	       !(s && s->type == XMLRPC_BOOL && s->b);
}

static int cmp_vm(const void *a, const void *b)
{
	return strcmp(((const struct vm_info *)a)->name, ((const struct vm_info *)b)->name);
}

static int xenapi_list_vms(struct backend *b, struct vm_info **out, size_t *n,
			   struct backend_err *err)
{
	struct xmlrpc_value *recs = NULL, *hosts = NULL;
	struct vm_info *vms = NULL;
	size_t cnt = 0;
	int rc;

	rc = xapi_call_str(b->s, "VM.get_all_records", &recs, err, NULL);
	if (!rc)
		rc = xapi_call_str(b->s, "host.get_all_records", &hosts, err, NULL);
	if (rc)
		goto out_free;
	if (recs->type != XMLRPC_STRUCT) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: VM.get_all_records: not a map");
		rc = -EBADMSG;
		goto out_free;
	}
	vms = calloc(recs->st.n ? recs->st.n : 1, sizeof(*vms));
	if (!vms) {
		rc = oom(err);
		goto out_free;
	}
	for (size_t i = 0; i < recs->st.n; i++) {
		const struct xmlrpc_value *rec = recs->st.m[i].value;
		const char *name = xmlrpc_struct_get_str(rec, "name_label");
		const char *ps = xmlrpc_struct_get_str(rec, "power_state");
		const char *hname = host_name(hosts, xmlrpc_struct_get_str(rec, "resident_on"));
		struct vm_info *vm = &vms[cnt];

		if (!is_guest(rec))
			continue;
		cnt++;
		vm->name = strdup(name ? name : "");
		vm->id = strdup(recs->st.m[i].name);
		vm->power_state = ps ? strdup(ps) : NULL;
		vm->host = hname ? strdup(hname) : NULL;
		if (!vm->name || !vm->id || (ps && !vm->power_state) || (hname && !vm->host)) {
			rc = oom(err);
			goto out_free;
		}
		vm->vcpus = str_int(xmlrpc_struct_get_str(rec, "VCPUs_at_startup"), 0, 1 << 16, -1);
		params_from_map(xmlrpc_struct_get(rec, "VCPUs_params"), &vm->sched);
	}
	qsort(vms, cnt, sizeof(*vms), cmp_vm);
	*out = vms;
	*n = cnt;
	vms = NULL;
out_free:
	vm_info_array_free(vms, cnt);
	xmlrpc_free(recs);
	xmlrpc_free(hosts);
	return rc;
}

/* The guest VM called name (or with that uuid / OpaqueRef): its ref and record. */
static int resolve(struct backend *b, const char *name, char **ref_out,
		   struct xmlrpc_value **rec_out, struct backend_err *err)
{
	struct xmlrpc_value *refs = NULL, *rec = NULL, *one = NULL;
	char *found = NULL;
	size_t matches = 0;
	int rc;

	if (!name || !*name) {
		backend_errf(err, "EINVAL", "xenapi: empty VM name");
		return -EINVAL;
	}
	if (strncmp(name, "OpaqueRef:", 10) == 0) {
		refs = xmlrpc_array();
		rc = refs ? xmlrpc_array_append(refs, xmlrpc_string(name)) : -ENOMEM;
		if (rc) {
			xmlrpc_free(refs);
			return oom(err);
		}
	} else {
		rc = xapi_call_str(b->s, "VM.get_by_name_label", &refs, err, name, NULL);
		if (rc)
			return rc;
		if (!xmlrpc_array_len(refs) && xapi_looks_like_uuid(name)) {
			rc = xapi_call_str(b->s, "VM.get_by_uuid", &one, err, name, NULL);
			if (!rc)
				rc = xmlrpc_array_append(refs, one);
			if (rc)
				goto out_free;
		}
	}
	for (size_t i = 0; i < xmlrpc_array_len(refs); i++) {
		const char *ref = xmlrpc_get_str(xmlrpc_array_get(refs, i));
		struct xmlrpc_value *r = NULL;

		if (!ref)
			continue;
		rc = xapi_call_str(b->s, "VM.get_record", &r, err, ref, NULL);
		if (rc)
			goto out_free;
		if (!is_guest(r)) {
			xmlrpc_free(r);
			continue;
		}
		matches++;
		if (!found) {
			found = strdup(ref);
			rec = r;
			if (!found) {
				rc = oom(err);
				goto out_free;
			}
		} else {
			xmlrpc_free(r);
		}
	}
	if (matches == 0) {
		backend_errf(err, "ENOENT", "xenapi: no VM named '%s' in pool '%s'", name, b->pool);
		rc = -ENOENT;
	} else if (matches > 1) {
		backend_errf(err, "EEXIST",
			     "xenapi: %zu VMs are named '%s'; give its uuid or OpaqueRef instead",
			     matches, name);
		rc = -EEXIST;
	}
	if (rc)
		goto out_free;
	*ref_out = found;
	*rec_out = rec;
	found = NULL;
	rec = NULL;
out_free:
	free(found);
	xmlrpc_free(rec);
	xmlrpc_free(refs);
	return rc;
}

static bool is_running(const struct xmlrpc_value *rec)
{
	const char *ps = xmlrpc_struct_get_str(rec, "power_state");

	return ps && (strcmp(ps, "Running") == 0 || strcmp(ps, "Paused") == 0);
}

/* The scheduler of the VM's host, for the xl command. */
static const char *vm_sched(struct backend *b, const struct xmlrpc_value *rec)
{
	(void)rec; /* xapi pools run one sched_policy (the coordinator's) */
	return b->sched;
}

/*
 * The dom0 that runs this VM's domain: b->dom0 with "{host}" replaced by the
 * resident host's address, or b->dom0 itself when its host part names the
 * resident host (address, name-label or hostname). Domain ids are per host:
 * xl on another host's dom0 would change the wrong domain, so a VM on a
 * host dom0 does not reach gives 0 (not live). 1 with buf written, or -errno.
 */
static int vm_dom0(struct backend *b, const char *vm, const struct xmlrpc_value *rec, char *buf,
		   size_t len, struct backend_err *err)
{
	const char *resident = xmlrpc_struct_get_str(rec, "resident_on");
	const char *addr, *label, *hostname, *want, *tmpl;
	struct xmlrpc_value *host = NULL;
	int rc;

	if (!b->dom0 || !resident)
		return 0;
	rc = xapi_call_str(b->s, "host.get_record", &host, err, resident, NULL);
	if (rc)
		return rc;
	addr = xmlrpc_struct_get_str(host, "address");
	label = xmlrpc_struct_get_str(host, "name_label");
	hostname = xmlrpc_struct_get_str(host, "hostname");
	tmpl = strstr(b->dom0, "{host}");
	want = strchr(b->dom0, '@') ? strchr(b->dom0, '@') + 1 : b->dom0;
	if (tmpl && addr) {
		snprintf(buf, len, "%.*s%s%s", (int)(tmpl - b->dom0), b->dom0, addr, tmpl + 6);
		rc = ssh_target_valid(buf) ? 1 : 0;
	} else if (!tmpl && ((addr && strcasecmp(want, addr) == 0) ||
			     (label && strcasecmp(want, label) == 0) ||
			     (hostname && strcasecmp(want, hostname) == 0))) {
		snprintf(buf, len, "%s", b->dom0);
		rc = 1;
	}
	if (rc == 0)
		log_warn("xenapi: VM '%s' runs on host %s (%s), which dom0 %s is not: xl is not "
			 "used for it (use dom0 = USER@{host} for a pool)",
			 vm, label ? label : "?", addr ? addr : "?", b->dom0);
	xmlrpc_free(host);
	return rc;
}

static int vm_domid(struct backend *b, const char *ref, char *buf, size_t len,
		    struct backend_err *err)
{
	struct xmlrpc_value *v = NULL;
	int64_t domid;
	int rc;

	rc = xapi_call_str(b->s, "VM.get_domid", &v, err, ref, NULL);
	if (rc)
		return rc;
	if (!xmlrpc_get_str(v) || parse_i64(xmlrpc_get_str(v), 1, 65535, &domid)) {
		backend_errf(err, "EINVAL", "xenapi: VM.get_domid gave '%.20s', not a domain id",
			     xmlrpc_get_str(v) ? xmlrpc_get_str(v) : "?");
		rc = -EINVAL;
	} else {
		snprintf(buf, len, "%lld", (long long)domid);
	}
	xmlrpc_free(v);
	return rc;
}

static int xenapi_sched_get(struct backend *b, const char *vm, struct sched_params *out, bool *live,
			    struct backend_err *err)
{
	struct xmlrpc_value *rec = NULL, *map = NULL;
	struct sched_params got;
	char *ref = NULL, domid[16], dom0[300];
	bool is_live = false;
	int rc;

	rc = resolve(b, vm, &ref, &rec, err);
	if (rc)
		return rc;
	rc = xapi_call_str(b->s, "VM.get_VCPUs_params", &map, err, ref, NULL);
	if (rc)
		goto out_free;
	params_from_map(map, &got);
	rc = is_running(rec) ? vm_dom0(b, vm, rec, dom0, sizeof(dom0), err) : 0;
	if (rc == 1) {
		struct xl_target t = { .dom0 = dom0 };

		rc = vm_domid(b, ref, domid, sizeof(domid), err);
		if (!rc)
			rc = xl_sched(&t, vm_sched(b, rec), domid, NULL, &got, err);
		is_live = rc == 0;
	}
	if (rc)
		goto out_free;
	*out = got;
	*live = is_live;
out_free:
	free(ref);
	xmlrpc_free(rec);
	xmlrpc_free(map);
	return rc;
}

/* Through xl in the VM's dom0: xapi's VM_metrics have no CPU time, only a utilisation snapshot. */
static int xenapi_vm_cpu_time(struct backend *b, const char *vm, uint64_t *ns, const char **source,
			      struct backend_err *err)
{
	struct xmlrpc_value *rec = NULL;
	char *ref = NULL, domid[16], dom0[300];
	int rc = resolve(b, vm, &ref, &rec, err);

	if (!rc && (!is_running(rec) || vm_dom0(b, vm, rec, dom0, sizeof(dom0), err) != 1)) {
		backend_errf(err, "ENOTSUP",
			     "no dom0 %s to ask for its CPU time (dom0 = user@host)",
			     b->dom0 ? "of the host it runs on" : "configured");
		rc = -ENOTSUP;
	}
	if (!rc && !(rc = vm_domid(b, ref, domid, sizeof(domid), err))) {
		*source = "xl list (dom0)";
		rc = xl_cpu_time(&(struct xl_target){ .dom0 = dom0 }, domid, ns, err);
	}
	free(ref);
	xmlrpc_free(rec);
	return rc;
}

/* The VM's cpupool and its time slice, through xl in its dom0. */
static int xenapi_sched_details(struct backend *b, const char *vm,
				struct backend_sched_details *out, struct backend_err *err)
{
	struct xmlrpc_value *rec = NULL;
	char *ref = NULL, domid[16], dom0[300];
	int rc = resolve(b, vm, &ref, &rec, err);

	if (!rc && (!is_running(rec) || vm_dom0(b, vm, rec, dom0, sizeof(dom0), err) != 1)) {
		backend_errf(err, "ENOTSUP", "no dom0 to ask for the VM's cpupool");
		rc = -ENOTSUP;
	}
	if (!rc && !(rc = vm_domid(b, ref, domid, sizeof(domid), err)))
		rc = xl_sched_details(&(struct xl_target){ .dom0 = dom0 }, vm_sched(b, rec), domid,
				      out, err);
	free(ref);
	xmlrpc_free(rec);
	return rc;
}

/* Sets key to v in map, or removes it when v is Xen's default (a key not set means default). */
static int map_put(struct xmlrpc_value *map, const char *key, int v, int dflt)
{
	char num[16];

	if (v < 0)
		return 0;
	if (v == dflt) {
		for (size_t i = 0; i < map->st.n; i++) {
			if (strcmp(map->st.m[i].name, key) == 0) {
				free(map->st.m[i].name);
				xmlrpc_free(map->st.m[i].value);
				memmove(&map->st.m[i], &map->st.m[i + 1],
					(map->st.n - i - 1) * sizeof(map->st.m[0]));
				map->st.n--;
				break;
			}
		}
		return 0;
	}
	snprintf(num, sizeof(num), "%d", v);
	return xmlrpc_struct_set(map, key, xmlrpc_string(num));
}

/* A running VM without dom0 access: the live call, then say what took effect. */
static int apply_live_without_dom0(struct backend *b, const char *vm, const char *ref,
				   const struct sched_params *p, struct backend_err *err)
{
	struct backend_err e;
	char num[16];
	int rc = 0;

	if (p->weight >= 0) {
		snprintf(num, sizeof(num), "%d", p->weight);
		rc = xapi_call_str(b->s, "VM.add_to_VCPUs_params_live", NULL, &e, ref, "weight",
				   num, NULL);
	}
	if (!rc && p->cap >= 0) {
		snprintf(num, sizeof(num), "%d", p->cap);
		rc = xapi_call_str(b->s, "VM.add_to_VCPUs_params_live", NULL, &e, ref, "cap", num,
				   NULL);
	}
	if (!rc)
		return 0;
	if (strcmp(e.code, "NOT_IMPLEMENTED") != 0 && strcmp(e.code, "MESSAGE_METHOD_UNKNOWN")) {
		if (err)
			*err = e;
		return rc;
	}
	log_warn("xenapi: VM '%s' is running and no dom0 of its host is configured: the new "
		 "weight/cap is stored in VCPUs_params and takes effect at the VM's next start "
		 "(live=false); set dom0 = user@host to apply it now through xl",
		 vm);
	return 0;
}

static int xenapi_sched_set(struct backend *b, const char *vm, const struct sched_params *p,
			    struct backend_err *err)
{
	struct xmlrpc_value *rec = NULL, *map = NULL, *back = NULL;
	const struct xmlrpc_value *args[2];
	struct xl_target t = { 0 };
	struct sched_params got;
	char *ref = NULL, domid[16], dom0[300];
	int rc;

	rc = xl_check_params(p, b->nr_cpus, err);
	if (rc)
		return rc;
	if (p->cap > 0 && !xl_cap_supported(b->sched, b->xen_major, b->xen_minor)) {
		backend_errf(err, "ENOTSUP", "xenapi: scheduler %s on Xen %s has no caps", b->sched,
			     b->xen_version);
		return -ENOTSUP;
	}
	if (p->weight < 0 && p->cap < 0)
		return 0;
	rc = resolve(b, vm, &ref, &rec, err);
	if (rc)
		return rc;
	rc = xapi_call_str(b->s, "VM.get_VCPUs_params", &map, err, ref, NULL);
	if (rc)
		goto out_free;
	if (map->type != XMLRPC_STRUCT) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: VCPUs_params of '%s' is not a map", vm);
		rc = -EBADMSG;
		goto out_free;
	}
	if (map_put(map, "weight", p->weight, XEN_WEIGHT_DEFAULT) ||
	    map_put(map, "cap", p->cap, 0)) {
		rc = oom(err);
		goto out_free;
	}
	args[0] = xmlrpc_string(ref);
	args[1] = map;
	if (!args[0]) {
		rc = oom(err);
		goto out_free;
	}
	/* the whole map at once: idempotent, so a retried call cannot fail half-way */
	rc = xapi_call(b->s, "VM.set_VCPUs_params", args, 2, NULL, err);
	xmlrpc_free((struct xmlrpc_value *)args[0]);
	if (rc)
		goto out_free;
	rc = xapi_call_str(b->s, "VM.get_VCPUs_params", &back, err, ref, NULL);
	if (rc)
		goto out_free;
	params_from_map(back, &got);
	if ((p->weight >= 0 && got.weight != p->weight) || (p->cap >= 0 && got.cap != p->cap)) {
		backend_errf(
			err, "VERIFY",
			"xenapi: VCPUs_params of '%s' read back weight %d cap %d after setting "
			"weight %d cap %d",
			vm, got.weight, got.cap, p->weight, p->cap);
		rc = -EIO;
		goto out_free;
	}
	if (!is_running(rec))
		goto out_free;
	rc = vm_dom0(b, vm, rec, dom0, sizeof(dom0), err);
	if (rc <= 0) {
		if (rc == 0)
			rc = apply_live_without_dom0(b, vm, ref, p, err);
		goto out_free;
	}
	t.dom0 = dom0;
	rc = vm_domid(b, ref, domid, sizeof(domid), err);
	if (!rc)
		rc = xl_sched(&t, vm_sched(b, rec), domid, p, &got, err);
	if (!rc &&
	    ((p->weight >= 0 && got.weight != p->weight) || (p->cap >= 0 && got.cap != p->cap))) {
		backend_errf(err, "VERIFY",
			     "xenapi: domain %s of '%s' reads back weight %d cap %d in xl", domid,
			     vm, got.weight, got.cap);
		rc = -EIO;
	}
out_free:
	free(ref);
	xmlrpc_free(rec);
	xmlrpc_free(map);
	xmlrpc_free(back);
	return rc;
}

/* Keys the controller does not write itself (it writes name, scheduler, pool = URL, user). */
static void xenapi_describe(struct backend *b, struct json_writer *w)
{
	json_kv_str(w, "pool_name", b->pool);
	json_kv_str(w, "coordinator_url", xapi_session_url(b->s));
	json_kv_str(w, "sched_policy", b->sched);
	if (b->xen_version[0])
		json_kv_str(w, "xen_version", b->xen_version);
	if (b->nr_cpus > 0)
		json_kv_int(w, "nr_cpus", b->nr_cpus);
	json_kv_str(w, "dom0", b->dom0);
	json_kv_bool(w, "tls_verified", !b->insecure);
}

/* After a crash: open the pool as the dead run did, destroy what it noted. */
static int xenapi_unprovision_noted(const struct backend_config *cfg, const char *run_id,
				    const struct backend_kv *facts, size_t n,
				    struct backend_err *err)
{
	struct backend *b = NULL;
	int rc = xenapi_open(cfg, &b, err);

	if (rc)
		return rc;
	rc = xenapi_unmake_facts(b, run_id, facts, n, err);
	xenapi_close(b);
	return rc;
}

const struct backend_ops backend_xenapi_ops = {
	.name = "xenapi",
	.summary = "XenServer / XCP-ng pools (XML-RPC)",
	.opts = xenapi_opts,
	.open = xenapi_open,
	.close = xenapi_close,
	.caps = xenapi_caps,
	.list_vms = xenapi_list_vms,
	.sched_get = xenapi_sched_get,
	.sched_set = xenapi_sched_set,
	.describe = xenapi_describe,
	.vm_addr = xenapi_vm_addr,
	.make_opts = xenapi_make_opts,
	.provision = xenapi_provision,
	.wait_ready = xenapi_wait_ready,
	.unprovision = xenapi_unprovision,
	.unprovision_noted = xenapi_unprovision_noted,
	.check_make = xenapi_check_make,
	.hosts = xenapi_hosts,
	.vm_cpu_time = xenapi_vm_cpu_time,
	.sched_details = xenapi_sched_details,
};
