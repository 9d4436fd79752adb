// SPDX-License-Identifier: MIT
/*
 * The xl backend: plain Xen hosts without xapi. Weight and cap through
 * `xl sched-credit` / `xl sched-credit2`, run in the local dom0 or through
 * ssh to `dom0 = user@host`; the scheduler and CPU count from `xl info`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "json.h"
#include "ssh-cmd.h"
#include "xl-priv.h"
#include "xl.h"

static void xl_close(struct backend *b)
{
	if (!b)
		return;
	free(b->dom0);
	free(b);
}

static int xl_open(const struct backend_config *cfg, struct backend **out, struct backend_err *err)
{
	static const char *const info_args[] = { "info", NULL };
	const char *dom0 = backend_cfg_get(cfg, XL_OPT_DOM0);
	struct backend *b;
	char *text = NULL;
	int rc;

	if (dom0 && !ssh_target_valid(dom0)) {
		backend_errf(err, "EINVAL",
			     "xl: dom0 '%s' is not a valid ssh destination (user@host)", dom0);
		return -EINVAL;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		backend_errf(err, "ENOMEM", "xl: out of memory");
		return -ENOMEM;
	}
	snprintf(b->run_id, sizeof(b->run_id), "%s", cfg->run_id ? cfg->run_id : "");
	if (dom0) {
		b->dom0 = strdup(dom0);
		if (!b->dom0) {
			backend_errf(err, "ENOMEM", "xl: out of memory");
			rc = -ENOMEM;
			goto out_free;
		}
		b->target.dom0 = b->dom0;
	}
	rc = xl_exec(&b->target, info_args, &text, err);
	if (rc)
		goto out_free;
	rc = xl_parse_info(text, &b->info);
	free(text);
	if (rc) {
		backend_errf(err, "XL_OUTPUT", "xl info: no xen_scheduler line in its output");
		goto out_free;
	}
	*out = b;
	return 0;
out_free:
	xl_close(b);
	return rc;
}

static int xl_caps(struct backend *b, struct backend_caps *out, struct backend_err *err)
{
	bool weights = xl_sched_cmd(b->info.scheduler) != NULL;
	struct backend_caps c = {
		.weight = weights,
		.cap = xl_cap_supported(b->info.scheduler, b->info.xen_major, b->info.xen_minor),
		.live = true,
		.scheduler = xl_sched_static(b->info.scheduler),
	};

	if (!weights)
		snprintf(c.notes, sizeof(c.notes),
			 "Xen scheduler '%s' has no credit weights or caps; isolab sets them only "
			 "on credit and credit2",
			 b->info.scheduler);
	else if (!c.cap)
		snprintf(c.notes, sizeof(c.notes),
			 "Xen %d.%d's credit2 has no caps (they came with Xen 4.10); weights only",
			 b->info.xen_major, b->info.xen_minor);
	else
		snprintf(c.notes, sizeof(c.notes),
			 "%s: weight is a proportional share under contention; cap is the "
			 "domain's limit in %% of one physical CPU (0 = none, at most %d here)%s",
			 b->info.scheduler,
			 b->info.nr_cpus > 0 ? 100 * b->info.nr_cpus : XEN_CAP_MAX,
			 strcmp(b->info.scheduler, "credit2") == 0
				 ? "; credit2 enforces caps with a budget refilled every 10 ms"
				 : "");
	*out = c;
	return 0;
}

static const char *power_state(const char *st)
{
	if (strchr(st, 'd'))
		return "Dying";
	if (strchr(st, 'c'))
		return "Crashed";
	if (strchr(st, 's'))
		return "Shutdown";
	if (strchr(st, 'p'))
		return "Paused";
	return "Running";
}

static int xl_list_vms(struct backend *b, struct vm_info **out, size_t *n, struct backend_err *err)
{
	static const char *const list_args[] = { "list", NULL };
	const char *sched_args[] = { NULL, NULL };
	struct xl_dom *doms = NULL, *sched = NULL;
	size_t nd = 0, ns = 0, cnt = 0;
	struct vm_info *vms = NULL;
	char *text = NULL;
	int rc;

	rc = xl_exec(&b->target, list_args, &text, err);
	if (rc)
		return rc;
	rc = xl_parse_domains(text, false, &doms, &nd);
	free(text);
	if (rc) {
		backend_errf(err, rc == -ENOMEM ? "ENOMEM" : "XL_OUTPUT",
			     "xl list: cannot read its output");
		return rc;
	}
	/* weights are best effort, from both credit schedulers: cpupools may differ */
	for (int k = 0; k < 2; k++) {
		struct xl_dom *more = NULL, *all;
		size_t nm = 0;

		sched_args[0] = k ? "sched-credit2" : "sched-credit";
		if (xl_exec(&b->target, sched_args, &text, NULL))
			continue;
		rc = xl_parse_domains(text, true, &more, &nm);
		free(text);
		if (rc || !nm) {
			free(more);
			continue;
		}
		all = realloc(sched, (ns + nm) * sizeof(*all));
		if (!all) {
			free(more);
			rc = -ENOMEM;
			goto out_nomem;
		}
		memcpy(all + ns, more, nm * sizeof(*all));
		sched = all;
		ns += nm;
		free(more);
	}
	rc = 0;
	vms = calloc(nd ? nd : 1, sizeof(*vms));
	if (!vms) {
		rc = -ENOMEM;
		goto out_nomem;
	}
	for (size_t i = 0; i < nd; i++) {
		struct vm_info *vm = &vms[cnt];
		char id[16];

		if (doms[i].domid == 0)
			continue; /* the control domain */
		snprintf(id, sizeof(id), "%d", doms[i].domid);
		vm->name = strdup(doms[i].name);
		vm->id = strdup(id);
		vm->power_state = strdup(power_state(doms[i].state));
		vm->host =
			strdup(b->dom0 ? strchr(b->dom0, '@') ? strchr(b->dom0, '@') + 1 : b->dom0
				       : "localhost");
		vm->vcpus = doms[i].vcpus;
		vm->sched.weight = -1;
		vm->sched.cap = -1;
		cnt++;
		if (!vm->name || !vm->id || !vm->power_state || !vm->host) {
			rc = -ENOMEM;
			goto out_nomem;
		}
		for (size_t j = 0; j < ns; j++) {
			if (sched[j].domid == doms[i].domid) {
				vm->sched.weight = sched[j].weight;
				vm->sched.cap = sched[j].cap;
			}
		}
	}
	free(doms);
	free(sched);
	*out = vms;
	*n = cnt;
	return 0;
out_nomem:
	backend_errf(err, "ENOMEM", "xl: out of memory");
	vm_info_array_free(vms, cnt);
	free(doms);
	free(sched);
	return rc;
}

static int xl_sched_get(struct backend *b, const char *vm, struct sched_params *out, bool *live,
			struct backend_err *err)
{
	struct sched_params got;
	int rc;

	if (!vm || !*vm || vm[0] == '-') {
		backend_errf(err, "EINVAL", "xl: bad VM name '%s'", vm ? vm : "");
		return -EINVAL;
	}
	rc = xl_sched(&b->target, b->info.scheduler, vm, NULL, &got, err);
	if (rc)
		return rc;
	*out = got;
	*live = true;
	return 0;
}

static int xl_vm_cpu_time(struct backend *b, const char *vm, uint64_t *ns, const char **source,
			  struct backend_err *err)
{
	if (!vm || !*vm || vm[0] == '-') {
		backend_errf(err, "EINVAL", "xl: bad VM name '%s'", vm ? vm : "");
		return -EINVAL;
	}
	*source = "xl list";
	return xl_cpu_time(&b->target, vm, ns, err);
}

static int xl_vm_sched_details(struct backend *b, const char *vm, struct backend_sched_details *out,
			       struct backend_err *err)
{
	return xl_sched_details(&b->target, b->info.scheduler, vm, out, err);
}

static int xl_sched_set(struct backend *b, const char *vm, const struct sched_params *p,
			struct backend_err *err)
{
	struct sched_params want = *p, got;
	int rc;

	if (!vm || !*vm || vm[0] == '-') {
		backend_errf(err, "EINVAL", "xl: bad VM name '%s'", vm ? vm : "");
		return -EINVAL;
	}
	rc = xl_check_params(p, b->info.nr_cpus, err);
	if (rc)
		return rc;
	if (want.cap >= 0 &&
	    !xl_cap_supported(b->info.scheduler, b->info.xen_major, b->info.xen_minor)) {
		backend_errf(err, "ENOTSUP", "xl: scheduler %s on Xen %d.%d has no caps",
			     b->info.scheduler, b->info.xen_major, b->info.xen_minor);
		return -ENOTSUP;
	}
	if (want.weight < 0 && want.cap < 0)
		return 0;
	rc = xl_sched(&b->target, b->info.scheduler, vm, &want, &got, err);
	if (rc)
		return rc;
	if ((want.weight >= 0 && got.weight != want.weight) ||
	    (want.cap >= 0 && got.cap != want.cap)) {
		backend_errf(err, "VERIFY",
			     "xl: %s reads back weight %d cap %d after setting weight %d cap %d",
			     vm, got.weight, got.cap, want.weight, want.cap);
		return -EIO;
	}
	return 0;
}

static void xl_describe(struct backend *b, struct json_writer *w)
{
	/* the controller writes name and scheduler itself */
	json_kv_str(w, "dom0", b->dom0 ? b->dom0 : "local");
	json_kv_str(w, "xen_scheduler", b->info.scheduler);
	if (b->info.xen_version[0])
		json_kv_str(w, "xen_version", b->info.xen_version);
	if (b->info.nr_cpus > 0)
		json_kv_int(w, "nr_cpus", b->info.nr_cpus);
}

static const struct backend_opt xl_opts[] = {
	XL_OPT_DOM0_ROW,
	{ .key = NULL },
};

/* After a crash: destroy the domain a dead run noted (xl_open as the run did). */
static int xl_unprovision_noted(const struct backend_config *cfg, const char *run_id,
				const struct backend_kv *facts, size_t n, struct backend_err *err)
{
	struct backend *b = NULL;
	int rc = xl_open(cfg, &b, err);

	if (rc)
		return rc;
	rc = xl_unmake_facts(b, run_id, facts, n, err);
	xl_close(b);
	return rc;
}

const struct backend_ops backend_xl_ops = {
	.name = "xl",
	.summary = "plain Xen hosts (xl sched-credit/credit2)",
	.opts = xl_opts,
	.open = xl_open,
	.close = xl_close,
	.caps = xl_caps,
	.list_vms = xl_list_vms,
	.sched_get = xl_sched_get,
	.sched_set = xl_sched_set,
	.describe = xl_describe,
	.make_opts = xl_make_opts,
	.provision = xl_provision,
	.wait_ready = xl_wait_ready,
	.unprovision = xl_unprovision,
	.unprovision_noted = xl_unprovision_noted,
	.check_make = xl_check_make,
	.hosts = xl_hosts,
	.vm_cpu_time = xl_vm_cpu_time,
	.sched_details = xl_vm_sched_details,
};
