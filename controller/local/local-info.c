// SPDX-License-Identifier: MIT
/* What the local backend says about itself: its notes and how the probe VM is protected. */
#include "local-priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-knob.h"

void local_notes_add(struct backend *b, const char *fmt, ...)
{
	size_t len = strlen(b->notes);
	va_list ap;

	if (len + 3 >= sizeof(b->notes))
		return;
	if (len) {
		memcpy(b->notes + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(b->notes + len, sizeof(b->notes) - len, fmt, ap);
	va_end(ap);
}

const char *local_cpu_knob(const struct backend *b)
{
	return cg_ctrl_version(&b->sys, CG_CPU) == 2 ? "cpu.weight" : "cpu.shares";
}

void local_build_protection(struct backend *b, const char *probe)
{
	const struct cg_sys *s = &b->sys;
	char cpu[160] = "no cpu controller, so no CPU protection";
	char io[96] = "";
	char vmname[LOCAL_NS_MAX + 8];

	if (probe)
		snprintf(vmname, sizeof(vmname), "isolab-%s-%s", b->run, probe);
	else
		snprintf(vmname, sizeof(vmname), "of the probe VM");
	if (cg_has(s, CG_CPU)) {
		int v = cg_ctrl_version(s, CG_CPU);
		uint64_t top = cg_weight_from_xen(v, XEN_WEIGHT_MAX);
		uint64_t def = cg_weight_from_xen(v, XEN_WEIGHT_DEFAULT);

		snprintf(cpu, sizeof(cpu),
			 "%s=%llu, the top of the range (%llux a default VM's %llu)",
			 local_cpu_knob(b), (unsigned long long)top,
			 (unsigned long long)((top + def / 2) / def), (unsigned long long)def);
	}
	if (cg_has(s, CG_IO) && s->io_knob[0])
		snprintf(io, sizeof(io), ", %s=%llu", s->io_knob,
			 (unsigned long long)cg_io_weight_from_xen(s->io_knob, XEN_WEIGHT_MAX));
	snprintf(b->protection, sizeof(b->protection),
		 "the probe runs in its own cgroup %s with %s%s; it has no memory or pids limit "
		 "unless the scenario sets one, its processes get oom_score_adj %s so the OOM "
		 "killer takes a bomb first, and bombs are held by their own cgroups' memory and "
		 "pids limits",
		 vmname, cpu, io, LOCAL_PROBE_OOM_ADJ);
}
