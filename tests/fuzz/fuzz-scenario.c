// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the scenario parser (controller/scenario*.c): the
 * INI dialect, sweeps, twins and ${VM} references, as a user (or whoever
 * wrote the file they were given) can write them.
 *
 * A refusal is one line "FILE:LINE: ..." or "FILE: ...", with a line
 * number inside the file. What is accepted must hold together: one
 * victim, every tool in an existing VM with a known kind, every phase's
 * bombs and priorities naming sections that exist, every ${VM} in an
 * option naming a VM, weights and caps in Xen's ranges; the run's ${VM}
 * substitution leaves no reference to a VM and cuts nothing short.
 * Selecting phases by name and --quick keep it so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run-priv.h"
#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FILE_NAME "fuzz.ini"

static void check_error(const char *err, size_t size)
{
	const char *p = err + strlen(FILE_NAME);
	char *end;
	long line;

	if (strncmp(err, FILE_NAME ":", strlen(FILE_NAME) + 1) != 0 || strchr(err, '\n'))
		abort();
	if (p[1] >= '0' && p[1] <= '9') {
		line = strtol(p + 1, &end, 10);
		/* a line of the file: at most one more than its newlines */
		if (line < 1 || *end != ':' || (size_t)line > size + 1)
			abort();
	}
}

static void check_refs(const struct scenario *s, const char *v)
{
	while ((v = strstr(v, "${"))) {
		const char *end = strchr(v, '}');
		char name[SCN_MAX_NAME];

		if (!end || (size_t)(end - v - 2) >= sizeof(name))
			abort();
		memcpy(name, v + 2, (size_t)(end - v - 2));
		name[end - v - 2] = '\0';
		if (!scenario_vm(s, name))
			abort();
		v = end + 1;
	}
}

static void check_tool(const struct scenario *s, const struct scn_tool *t)
{
	if (!t->name || !t->kind || !t->vm || !scenario_vm(s, t->vm))
		abort();
	for (size_t i = 0; i < t->n_opts; i++) {
		if (!t->opts[i].key[0] || t->opts[i].key[0] == '-' || !t->opts[i].value)
			abort();
		check_refs(s, t->opts[i].value);
	}
}

static void check_scenario(const struct scenario *s)
{
	size_t victims = 0;

	if (!s->name || !s->backend || !s->has_probe || !s->n_phases || !scenario_victim(s))
		abort();
	for (size_t i = 0; i < s->n_vms; i++) {
		victims += s->vms[i].role == SCN_ROLE_VICTIM;
		if (!s->vms[i].name || !s->vms[i].ident)
			abort();
	}
	if (victims != 1)
		abort();
	for (size_t i = 0; i < s->n_bombs; i++)
		check_tool(s, &s->bombs[i]);
	check_tool(s, &s->probe);
	for (size_t i = 0; i < s->n_phases; i++) {
		const struct scn_phase *ph = &s->phases[i];

		for (size_t k = 0; k < ph->n_bombs; k++)
			if (!scenario_bomb(s, ph->bombs[k]))
				abort();
		for (size_t k = 0; k < ph->n_prio; k++) {
			if (!scenario_vm(s, ph->prio[k].vm))
				abort();
			if (ph->prio[k].weight != -1 &&
			    (ph->prio[k].weight < 1 || ph->prio[k].weight > 65535))
				abort();
			if (ph->prio[k].cap < -1)
				abort();
		}
	}
	(void)scenario_estimate_s(s);
}

/* ${VM} substitution as a run does it: whole, every known VM replaced, no ${VM} left. */
static void check_subst(const struct scenario *s, const struct scn_tool *t)
{
	struct run R = { .s = (struct scenario *)s };

	for (size_t i = 0; i < t->n_opts; i++) {
		char *v = run_subst(&R, t->opts[i].value);

		if (!v)
			abort();
		for (size_t k = 0; k < s->n_vms; k++) {
			char ref[SCN_MAX_NAME + 4];

			snprintf(ref, sizeof(ref), "${%s}", s->vms[k].name);
			if (strstr(v, ref) && !strstr(run_vm_addr(&R, &s->vms[k]), ref))
				abort();
		}
		if (!strstr(t->opts[i].value, "${") && strcmp(v, t->opts[i].value) != 0)
			abort(); /* without a reference, nothing changes, nothing is cut */
		free(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s = NULL;
	char err[1024];
	char list[512];

	if (scenario_parse(FILE_NAME, (const char *)data, size, &s, err, sizeof(err)) != 0) {
		check_error(err, size);
		return 0;
	}
	check_scenario(s);
	for (size_t i = 0; i < s->n_bombs; i++)
		check_subst(s, &s->bombs[i]);
	check_subst(s, &s->probe);
	scenario_make_quick(s);
	/* keep the first and the last phase, by name */
	snprintf(list, sizeof(list), "%s,%s", s->phases[0].name, s->phases[s->n_phases - 1].name);
	if (!strchr(s->phases[0].name, ',') && !strchr(s->phases[s->n_phases - 1].name, ',')) {
		if (scenario_select_phases(s, list, err, sizeof(err)) != 0 || !s->n_phases)
			abort();
		check_scenario(s);
	}
	scenario_free(s);
	return 0;
}
