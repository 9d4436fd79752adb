/* SPDX-License-Identifier: MIT */
/*
 * Running Xen's `xl` toolstack, in the local dom0 or over ssh to a remote
 * one, and parsing its output. Shared by the xl backend and by the XenAPI
 * backend's live changes (xapi does not apply VCPUs_params to a running VM).
 *
 * The xl program can be overridden with ISOLAB_XL (tests use a fake xl that
 * mimics real output); ssh is isolab's one ssh command line (exec/ssh-cmd.h),
 * its target checked with ssh_target_valid().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

/* The option both Xen backends take: where dom0 is (backend_opt row). */
#define XL_OPT_DOM0 "dom0"
#define XL_OPT_DOM0_ROW                                                                            \
	{                                                                                          \
		.key = XL_OPT_DOM0, .type = BOPT_SSH, .cli = "dom0", .metavar = "USER@HOST",       \
		.help = "ssh to dom0 for xl and live XenAPI changes",                              \
	}

struct xl_target {
	const char *dom0; /* user@host for ssh, NULL = run locally */
};

/*
 * Runs `xl ARGS...` (args NULL-terminated) with a 30 s timeout, output
 * (stdout and stderr) in *out (caller frees). 0 when xl exited 0, else -errno
 * with err naming the command and xl's first line of output.
 */
int xl_exec(const struct xl_target *t, const char *const *args, char **out,
	    struct backend_err *err);
/* The same with its own timeout (xl create of a guest takes longer than 30 s when emulated). */
int xl_exec_t(const struct xl_target *t, const char *const *args, uint64_t timeout_ns, char **out,
	      struct backend_err *err);

struct xl_info {
	char scheduler[32];	  /* xen_scheduler: "credit", "credit2", ... */
	int nr_cpus;		  /* -1 unknown */
	int xen_major, xen_minor; /* -1 unknown */
	char xen_version[32];
};

/* Parses `xl info`; -EBADMSG when xen_scheduler is missing. */
int xl_parse_info(const char *text, struct xl_info *out);

struct xl_dom {
	char name[128];
	int domid;
	int vcpus;	 /* xl list only */
	char state[8];	 /* xl list only, e.g. "-b----" */
	double cpu_s;	 /* xl list only: Time(s), the domain's CPU time (0.1 s steps) */
	int weight, cap; /* xl sched-credit{,2} only */
};

/*
 * Parses `xl list` (with_sched false) or `xl sched-credit[2]` (true) into a
 * malloc'd array. Lines that do not fit (Cpupool headers, warnings) are
 * skipped. -EBADMSG when the header line is missing.
 */
int xl_parse_domains(const char *text, bool with_sched, struct xl_dom **out, size_t *n);

/*
 * The CPU time domain dom has used (all its vCPUs), from `xl list DOM`'s
 * Time(s) column: 0.1 s steps. 0 or -errno with err filled.
 */
int xl_cpu_time(const struct xl_target *t, const char *dom, uint64_t *ns, struct backend_err *err);

/*
 * From `xl sched-credit` / `xl sched-credit2` without -d (every pool, a
 * "Cpupool NAME: tslice=30ms ratelimit=1000us ..." line before its domains):
 * the pool of domain dom (name or id) and its time slice and rate limit.
 * -ENOENT when dom is in none of them.
 */
int xl_parse_pools(const char *text, const char *dom, struct backend_sched_details *out);
/* Runs that (the scheduler's command, then the other credit one) for dom. 0 or -errno. */
int xl_sched_details(const struct xl_target *t, const char *scheduler, const char *dom,
		     struct backend_sched_details *out, struct backend_err *err);

/* "sched-credit" or "sched-credit2" for a scheduler name; NULL when xl has no weights for it. */
const char *xl_sched_cmd(const char *scheduler);

/*
 * A static name for scheduler ("credit", "credit2", "rtds", "arinc653",
 * "null", else "other"): backend_caps.scheduler may outlive the backend.
 */
const char *xl_sched_static(const char *scheduler);

/* Whether caps work on this scheduler and Xen version (credit2 caps came with Xen 4.10). */
bool xl_cap_supported(const char *scheduler, int xen_major, int xen_minor);

/*
 * Validates p against Xen's ranges: weight 1..65535, cap 0..100*nr_cpus
 * (nr_cpus <= 0: XEN_CAP_MAX). -ERANGE with err filled.
 */
int xl_check_params(const struct sched_params *p, int nr_cpus, struct backend_err *err);

/*
 * Reads (p == NULL) or sets then reads back the weight/cap of domain dom
 * through `xl SCHEDCMD -d dom [-w W] [-c C]`. When the command for
 * scheduler fails, the other credit scheduler is tried (a domain may sit in
 * a cpupool with another scheduler). *out gets what xl reports afterwards.
 */
int xl_sched(const struct xl_target *t, const char *scheduler, const char *dom,
	     const struct sched_params *p, struct sched_params *out, struct backend_err *err);
