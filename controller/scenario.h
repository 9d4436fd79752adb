/* SPDX-License-Identifier: MIT */
/*
 * Scenario files: an INI dialect in the spirit of fio job files. Sections
 * [global], [vm NAME], [group NAME], [probe], [bomb NAME], [phase NAME];
 * "key = value", comments start with ';' or '#'. The parser is our own so
 * that every error names FILE:LINE and what was expected.
 *
 * A [phase] may sweep one key ("weight.web = 256, 512, 1024", or the number
 * of a group's members that run their bomb, "hogs.noisy = 1, 2, 4"): it
 * expands into one phase per value, named "NAME[weight.web=512]".
 *
 * A [group NAME] with count = N stands for N neighbour VMs NAME-1..NAME-N,
 * each with the group's keys ("{n}" in a value is the member's number,
 * "{n+K}" that plus K). A bomb whose vm is a group is N bombs BOMB@NAME-i,
 * one on each member; weight.NAME / cap.NAME set every member. A [vm] or
 * [group] with provisioning keys (template, config, ...) is made by the
 * backend at the start of a run and destroyed at its end.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "backend.h"
#include "scenario-design.h"

#define SCN_MAX_NAME  64
#define SCN_MAX_GROUP 64 /* members of one [group]: more is refused, not truncated */

enum scn_role {
	SCN_ROLE_VICTIM,
	SCN_ROLE_NEIGHBOR,
	SCN_ROLE_PROBE,
};

/* One tool option passed through as "--key value"; or one provisioning key. */
struct scn_opt {
	char *key;
	char *value;
	int line; /* where it was given (provisioning keys: checked by the backend later) */
};

struct scn_vm {
	char *name;
	enum scn_role role;
	char *ident;	     /* backend identity (cgroup/name-label); defaults to name */
	char *exec;	     /* executor name (exec-table.h): "local", "ssh", ... */
	char *target;	     /* where the executor runs it (ssh: user@host), NULL = none */
	char *addr;	     /* address the victim service listens on / is reached at */
	uint64_t memory_max; /* bytes, 0 = no limit */
	uint64_t pids_max;   /* 0 = no limit */
	int line;
	char *group;	      /* the [group] it is a member of, NULL for a [vm] */
	unsigned member;      /* its number in the group, 1..count (0 for a [vm]) */
	struct scn_opt *make; /* provisioning keys (template, config, sr, ...); none: it exists */
	size_t n_make;
};

struct scn_group {
	char *name;
	unsigned count; /* 1..SCN_MAX_GROUP */
	int line;
};

/* A bomb or the probe: which VM, which kind, and its own options. */
struct scn_tool {
	char *name; /* BOMB@VM for one member's copy of a group's bomb */
	char *vm;
	char *kind;
	struct scn_opt *opts;
	size_t n_opts;
	int line;
	char *base;	 /* a member's copy: the [bomb] name, else NULL */
	char *group;	 /* a member's copy: the group */
	unsigned member; /* a member's copy: the member's number */
};

/* A phase's priority for one VM; -1 = not given. */
struct scn_prio {
	char *vm;
	int weight;
	int cap;
};

/* A bomb's --intensity in a phase (intensity.BOMB = N). */
struct scn_intensity {
	char *bomb;
	int pct; /* 1-100; a sweep's 0 removes the bomb from the phase instead */
};

/* A setting changed part-way through the measurement (at.TIME = weight.VM=N). */
struct scn_at {
	uint64_t t_ns; /* from the start of the measurement window */
	char *vm;
	bool weight; /* else the cap */
	int value;
	int line;
};

struct scn_phase {
	char *name;
	char **bombs; /* names of [bomb] sections */
	size_t n_bombs;
	struct scn_prio *prio;
	size_t n_prio;
	char *twin;	 /* equal-weight phase this one is compared with, or NULL */
	char *sweep_key; /* "weight.web" for a sweep member, else NULL */
	char *aa_of;	 /* the A/A twin of this phase ("baseline~aa" of "baseline"), else NULL */
	int sweep_value;
	int line;
	struct scn_intensity *intensity; /* intensity.BOMB (scenario-knob.c) */
	size_t n_intensity;
	double load_pct;   /* load = P%: the probe's load in this phase; 0 = the scenario's */
	struct scn_at *at; /* at.TIME, in time order */
	size_t n_at;
	char *hogs_group; /* hogs.GROUP: only members 1..hogs run their bombs */
	unsigned hogs;
};

struct scenario {
	char *file; /* as given, for messages ("<default>" for the built-in) */
	char *name;

	/* [global] */
	char *backend;	       /* the backend's name (backend-table.h) */
	struct scn_opt *bopts; /* backend options by key (backend_opt rows), as given */
	size_t n_bopts;
	char *results;	      /* results directory root, NULL = "results" */
	uint64_t duration_ns; /* probe measurement per phase and round */
	uint64_t warmup_ns;
	uint64_t cooldown_ns;
	unsigned rounds;
	uint16_t victim_port;
	bool victim_port_set; /* given in the file (else a free one is picked on the host) */
	unsigned victim_pages;

	struct scn_vm *vms; /* [vm]s, then every group's members */
	size_t n_vms;
	struct scn_group *groups;
	size_t n_groups;
	struct scn_tool *bombs;
	size_t n_bombs;
	struct scn_tool probe;
	bool has_probe;
	char *probe_target; /* "victim" or URLs (the probe's "target" key) */
	struct scn_phase *phases;
	size_t n_phases;

	struct scn_design design; /* load, SLO, rounds (scenario-design.h) */
};

/*
 * Parses text (len bytes) read from file. On error returns -EINVAL (or
 * -ENOMEM) and writes one line "FILE:LINE: what was expected" into errbuf.
 * *out is written only on success; free it with scenario_free().
 */
int scenario_parse(const char *file, const char *text, size_t len, struct scenario **out,
		   char *errbuf, size_t errlen);
/* Reads and parses a file (at most 1 MiB). */
int scenario_load(const char *path, struct scenario **out, char *errbuf, size_t errlen);
void scenario_free(struct scenario *s);

/* The built-in default scenario's text, full or quick. */
const char *scenario_default_text(bool quick);

/* Applies --quick to any scenario: short durations, one round. */
void scenario_make_quick(struct scenario *s);

/* Keeps only the phases whose names are in the comma-separated list. -ENOENT if one is unknown. */
int scenario_select_phases(struct scenario *s, const char *list, char *errbuf, size_t errlen);

/* Lookups by name: NULL when there is none. Inline, so every part of the parser can use them. */
static inline const struct scn_vm *scenario_vm(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].name && name && strcmp(s->vms[i].name, name) == 0)
			return &s->vms[i];
	return NULL;
}

static inline const struct scn_tool *scenario_bomb(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_bombs; i++)
		if (s->bombs[i].name && name && strcmp(s->bombs[i].name, name) == 0)
			return &s->bombs[i];
	return NULL;
}

static inline const struct scn_group *scenario_group(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_groups; i++)
		if (name && strcmp(s->groups[i].name, name) == 0)
			return &s->groups[i];
	return NULL;
}

/* The value of vm's provisioning key, NULL when not given. */
static inline const struct scn_opt *scenario_vm_make(const struct scn_vm *vm, const char *key)
{
	for (size_t i = 0; i < vm->n_make; i++)
		if (strcmp(vm->make[i].key, key) == 0)
			return &vm->make[i];
	return NULL;
}

static inline const struct scn_vm *scenario_victim(const struct scenario *s)
{
	for (size_t i = 0; i < s->n_vms; i++)
		if (s->vms[i].role == SCN_ROLE_VICTIM)
			return &s->vms[i];
	return NULL;
}

const char *scn_role_name(enum scn_role role);

/* Fills cfg (name and options) from [global]; the strings stay owned by s. 0 or -E2BIG. */
int scenario_backend_config(const struct scenario *s, struct backend_config *cfg);

/* Seconds the scenario takes, roughly (for ETA and `isolab check`). */
double scenario_estimate_s(const struct scenario *s);
