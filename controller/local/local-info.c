// SPDX-License-Identifier: MIT
/* What the local backend says about itself: its notes and how the probe VM is protected. */
#include "local-priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgroup-knob.h"
#include "io-weight.h"

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

/* "0-2,5": a CPU set as ranges (cut short, with "...", when buf is too small). */
static const char *cpus_text(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE; c++) {
		int end = c;
		int n;

		if (!CPU_ISSET(c, set))
			continue;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		n = end > c ? snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c, end)
			    : snprintf(buf + used, len - used, "%s%d", used ? "," : "", c);
		if (n < 0 || (size_t)n >= len - used) {
			snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			break;
		}
		used += (size_t)n;
		c = end;
	}
	return buf;
}

void local_build_protection(struct backend *b, const char *probe)
{
	const struct cg_sys *s = &b->sys;
	char cpu[192] = "no cpu controller, so no CPU protection";
	char io[96] = "";
	char vmname[LOCAL_NS_MAX + 8];
	char pin[96] = "", pcpus[32], vcpus[48];

	if (probe)
		snprintf(vmname, sizeof(vmname), "isolab-%s-%s", b->run, probe);
	else
		snprintf(vmname, sizeof(vmname), "of the probe VM");
	if (cg_has(s, CG_CPU)) {
		int v = cg_ctrl_version(s, CG_CPU);
		uint64_t top = cg_weight_from_xen(v, XEN_WEIGHT_MAX);
		uint64_t def = cg_weight_from_xen(v, XEN_WEIGHT_DEFAULT);

		if (b->pinned)
			snprintf(cpu, sizeof(cpu),
				 "%s=%llu, a default VM's (on a CPU of its own it needs no more, "
				 "and more would draw the run's weight off the VMs' CPUs)",
				 local_cpu_knob(b), (unsigned long long)def);
		else
			snprintf(cpu, sizeof(cpu),
				 "%s=%llu, the top of the range (%llux a default VM's %llu)",
				 local_cpu_knob(b), (unsigned long long)top,
				 (unsigned long long)((top + def / 2) / def),
				 (unsigned long long)def);
	}
	if (cg_has(s, CG_IO) && s->io_knob[0])
		snprintf(io, sizeof(io), ", %s=%llu", s->io_knob,
			 (unsigned long long)io_weight_from_xen(s->io_knob, XEN_WEIGHT_MAX));
	if (b->pinned)
		snprintf(pin, sizeof(pin), " on CPU %s (the other VMs on CPUs %s)",
			 cpus_text(&b->probe_cpus, pcpus, sizeof(pcpus)),
			 cpus_text(&b->vm_cpus, vcpus, sizeof(vcpus)));
	snprintf(b->protection, sizeof(b->protection),
		 "the probe runs in its own cgroup %s%s with %s%s; it has no memory or pids limit "
		 "unless the scenario sets one, its processes get oom_score_adj %s so the OOM "
		 "killer takes a bomb first, and bombs are held by their own cgroups' memory and "
		 "pids limits",
		 vmname, pin, cpu, io, LOCAL_PROBE_OOM_ADJ);
}
