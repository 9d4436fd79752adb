// SPDX-License-Identifier: MIT
/*
 * Scenario groups and provisioning keys: [group] into members, bombs and
 * priorities on a group, hogs.GROUP (fixed and swept, with paired twins),
 * and every bad input named with FILE:LINE.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"

/* lines 1-9; a [group] or [bomb] appended starts at line 10 */
#define HEAD                                                                                       \
	"[vm web]\nrole = victim\n[vm client]\nrole = probe\n[probe]\nvm = client\nkind = http\n"  \
	"[bomb cpu]\nkind = cpu\n"
#define GROUP3 "[group g]\ncount = 3\n" /* lines 10-11 */

static int parse(const char *text, struct scenario **s, char *err, size_t len)
{
	return scenario_parse("t.ini", text, strlen(text), s, err, len);
}

static const struct {
	const char *name;
	const char *text;
	const char *expect;
} bad[] = {
	{ "no_count", HEAD "vm = g\n[group g]\n", "t.ini:11: [group g] has no count" },
	{ "count_zero", HEAD "vm = g\n[group g]\ncount = 0\n",
	  "t.ini:12: count: '0' (expected 1-64 neighbours" },
	{ "count_over_cap", HEAD "vm = g\n[group g]\ncount = 65\n",
	  "t.ini:12: count: '65' (expected 1-64 neighbours" },
	{ "count_junk", HEAD "vm = g\n[group g]\ncount = many\n", "t.ini:12: count: 'many'" },
	{ "member_name_given", HEAD "vm = g\n[group g]\ncount = 2\nname = x\n",
	  "t.ini:13: name: a group's members are named g-1..g-N" },
	{ "group_of_victims", HEAD "vm = g\n[group g]\ncount = 2\nrole = victim\n",
	  "t.ini:13: role: 'victim' (a group's members are neighbours" },
	{ "group_clashes_with_vm", HEAD "vm = web\n[group web]\ncount = 2\n",
	  "t.ini:11: [group web] clashes with [vm web] at line 1" },
	{ "member_clashes_with_vm",
	  HEAD "vm = g\n[vm g-2]\nrole = neighbor\n[group g]\ncount = 2\n",
	  "t.ini:13: [group g]: member g-2 clashes with [vm g-2] at line 11" },
	{ "unknown_group_key", HEAD "vm = g\n[group g]\ncount = 2\ncolour = red\n",
	  "t.ini:13: unknown key 'colour' in [group g]" },
	{ "bad_placeholder", HEAD "vm = g\n[group g]\ncount = 2\naddr = 10.0.0.{n+x}\n",
	  "t.ini:13: addr: '{n+x}'" },
	{ "bad_member_value", HEAD "vm = g\n[group g]\ncount = 2\nmemory_max = {n}\n",
	  "t.ini:13: memory_max: '1'" },
	{ "template_and_config",
	  HEAD "vm = g\n[group g]\ncount = 2\ntemplate = t\nconfig = /a.cfg\n",
	  "t.ini:14: config: with template at line 13" },
	{ "sr_without_template", HEAD "vm = n\n[vm n]\nrole = neighbor\nsr = nfs\n",
	  "t.ini:13: sr: only with template = NAME" },
	{ "host_without_template", HEAD "vm = g\n[group g]\ncount = 2\nhost = with-victim\n",
	  "t.ini:13: host: only with template = NAME" },
	{ "pool_without_config", HEAD "vm = n\n[vm n]\nrole = neighbor\npool = p1\n",
	  "t.ini:13: pool: only with config = PATH" },
	{ "config_relative", HEAD "vm = n\n[vm n]\nrole = neighbor\nconfig = n.cfg\n",
	  "t.ini:13: config: 'n.cfg' (expected an absolute path" },
	{ "xl_name_is_ours", HEAD "vm = n\n[vm n]\nrole = neighbor\nconfig = /n.cfg\nxl.name = x\n",
	  "t.ini:14: xl.name: set by isolab" },
	{ "xl_bad_key", HEAD "vm = n\n[vm n]\nrole = neighbor\nconfig = /n.cfg\nxl.Extra = x\n",
	  "t.ini:14: xl.Extra: 'Extra' is not an xl configuration key" },
	{ "template_with_quote_inside", HEAD "vm = n\n[vm n]\nrole = neighbor\ntemplate = a\"b\n",
	  "t.ini:13: template: 'a\"b' (expected 1-255 characters" },
	{ "template_on_victim", "[vm web]\nrole = victim\ntemplate = t\n",
	  "t.ini:3: template: only neighbours are made by isolab (the victim VM must exist)" },
	{ "probe_on_group", "[vm web]\nrole = victim\n[group g]\ncount = 2\n[probe]\nvm = g\n",
	  "t.ini:6: vm: 'g' is a [group] (the probe runs in one VM)" },
	{ "ref_to_group", HEAD "vm = g\nto = ${g}:1\n" GROUP3,
	  "t.ini:11: to: ${g} names a [group] (expected one VM, e.g. ${g-1})" },
	{ "hogs_unknown_group", HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nhogs.zz = 1\n",
	  "t.ini:15: hogs.zz: 'zz' names no [group] section" },
	{ "hogs_over_count", HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nhogs.g = 4\n",
	  "t.ini:15: hogs.g: '4' (expected 1-3: group g has 3 members)" },
	{ "hogs_sweep_over_count", HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nhogs.g = 1, 8\n",
	  "t.ini:15: hogs.g: '8' (expected 1-3" },
	{ "hogs_zero", HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nhogs.g = 0\n",
	  "t.ini:15: hogs.g: '0'" },
	{ "hogs_without_group_bomb",
	  HEAD "vm = web\n" GROUP3 "[phase p]\nbombs = cpu\nhogs.g = 1\n",
	  "t.ini:13: hogs.g: no bomb of [phase p] runs on group g" },
	{ "hogs_and_weight_sweep",
	  HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nweight.web = 256, 512\nhogs.g = 1, 2\n",
	  "t.ini:16: hogs.g: only one key per phase may sweep (already weight.web at line 15)" },
	{ "twin_sweeps_other_values",
	  HEAD "vm = g\n" GROUP3 "[phase h]\nbombs = cpu\nhogs.g = 1, 2\n[phase h2]\nbombs = cpu\n"
	       "hogs.g = 1, 3\ntwin = h\n",
	  "t.ini:19: twin: 'h' sweeps (expected one phase, or one sweeping the same key" },
	{ "weight_on_unknown", HEAD "vm = g\n" GROUP3 "[phase p]\nweight.gg = 128\n",
	  "t.ini:14: weight.gg: 'gg' names no [vm] or [group] section" },
};

static void bad_input_is_one_file_line_error(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scenario *s = NULL;
		char err[1024] = "";
		int r = parse(bad[i].text, &s, err, sizeof(err));

		if (r != -EINVAL || !strstr(err, bad[i].expect) || strchr(err, '\n')) {
			print_error("case %s: r=%d err='%s' expected '%s'\n", bad[i].name, r, err,
				    bad[i].expect);
			fail();
		}
		assert_null(s);
	}
}

static void group_makes_members_with_their_own_values(void **state)
{
	struct scenario *s = NULL;
	char err[512];
	const char *text = HEAD "vm = web\n"
				"[group noisy]\ncount = 3\ntemplate = \"isolab-neighbour\"\n"
				"host = with-victim\naddr = 10.9.0.{n+20}\nssh = root@{addr}\n"
				"memory_max = 64M\n[phase base]\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s->n_groups, 1);
	assert_string_equal(s->groups[0].name, "noisy");
	assert_int_equal(s->groups[0].count, 3);
	assert_int_equal(s->n_vms, 5);
	for (unsigned i = 1; i <= 3; i++) {
		char name[16], addr[16];
		const struct scn_vm *vm;

		snprintf(name, sizeof(name), "noisy-%u", i);
		snprintf(addr, sizeof(addr), "10.9.0.%u", 20 + i);
		vm = scenario_vm(s, name);
		assert_non_null(vm);
		assert_string_equal(vm->ident, name);
		assert_string_equal(vm->group, "noisy");
		assert_int_equal(vm->member, i);
		assert_int_equal(vm->role, SCN_ROLE_NEIGHBOR);
		assert_string_equal(vm->addr, addr);
		assert_string_equal(vm->exec, "ssh");
		assert_string_equal(vm->target, "root@{addr}"); /* resolved once it is up */
		assert_int_equal(vm->memory_max, 64ULL << 20);
		assert_string_equal(scenario_vm_make(vm, "template")->value, "isolab-neighbour");
		assert_int_equal(scenario_vm_make(vm, "template")->line, 13);
		assert_string_equal(scenario_vm_make(vm, "host")->value, "with-victim");
		assert_null(scenario_vm_make(vm, "config"));
	}
	assert_int_equal(scenario_vm(s, "web")->n_make, 0);
	scenario_free(s);
}

static void xl_keys_substitute_the_member_number(void **state)
{
	struct scenario *s = NULL;
	char err[512];
	const char *text =
		HEAD "vm = d\n[group d]\ncount = 2\nconfig = /etc/xen/neighbour.cfg\n"
		     "pool = p1\nxl.extra = console=hvc0 lab.ip=10.9.0.{n+30}\n[phase b]\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_string_equal(scenario_vm_make(scenario_vm(s, "d-2"), "xl.extra")->value,
			    "console=hvc0 lab.ip=10.9.0.32");
	assert_string_equal(scenario_vm_make(scenario_vm(s, "d-1"), "pool")->value, "p1");
	assert_string_equal(scenario_vm(s, "d-1")->exec, "local");
	scenario_free(s);
}

static void bomb_on_group_runs_on_each_member(void **state)
{
	struct scenario *s = NULL;
	char err[512];
	const char *text = HEAD "vm = g\nload = 50\n" GROUP3 "[bomb mem]\nvm = web\nkind = mem\n"
				"[phase all]\nbombs = all\n[phase two]\nbombs = cpu\nhogs.g = 2\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s->n_bombs, 4);
	assert_null(scenario_bomb(s, "cpu"));
	assert_string_equal(s->bombs[0].name, "cpu@g-1");
	assert_string_equal(s->bombs[2].name, "cpu@g-3");
	assert_string_equal(s->bombs[2].vm, "g-3");
	assert_string_equal(s->bombs[2].base, "cpu");
	assert_string_equal(s->bombs[2].group, "g");
	assert_int_equal(s->bombs[2].member, 3);
	assert_string_equal(s->bombs[2].opts[0].value, "50"); /* options copied */
	assert_string_equal(s->bombs[3].name, "mem");
	assert_null(s->bombs[3].base);
	assert_int_equal(s->phases[0].n_bombs, 4);
	assert_int_equal(s->phases[1].n_bombs, 2);
	assert_string_equal(s->phases[1].bombs[1], "cpu@g-2");
	assert_int_equal(s->phases[1].hogs, 2);
	scenario_free(s);
}

/* The phase named name, found by name: the plan may add phases of its own (an A/A twin). */
static const struct scn_phase *phase_named(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n_phases; i++)
		if (strcmp(s->phases[i].name, name) == 0)
			return &s->phases[i];
	fail_msg("no phase '%s'", name);
	return NULL;
}

static void hogs_sweep_pairs_equal_and_prioritised(void **state)
{
	struct scenario *s = NULL;
	size_t n_swept = 0;
	char err[512];
	const char *text =
		HEAD "vm = g\n" GROUP3 "[phase baseline]\n"
		     "[phase hogs]\nbombs = cpu\nhogs.g = 1, 2, 3\n"
		     "[phase hogs+prio]\nbombs = cpu\nhogs.g = 1, 2, 3\nweight.web = 1024\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	for (size_t i = 0; i < s->n_phases; i++)
		n_swept += s->phases[i].sweep_key && !strcmp(s->phases[i].sweep_key, "hogs.g");
	assert_int_equal(n_swept, 6); /* 1, 2, 3 hogs, equal and prioritised */
	for (unsigned k = 1; k <= 3; k++) {
		const struct scn_phase *eq, *pr;
		char name[64], pname[64];

		snprintf(name, sizeof(name), "hogs[hogs.g=%u]", k);
		snprintf(pname, sizeof(pname), "hogs+prio[hogs.g=%u]", k);
		eq = phase_named(s, name);
		pr = phase_named(s, pname);
		assert_null(eq->twin);
		assert_int_equal(eq->n_bombs, k);
		assert_string_equal(eq->sweep_key, "hogs.g");
		assert_int_equal(eq->sweep_value, (int)k);
		assert_string_equal(pr->twin, name); /* the same number of hogs */
		assert_int_equal(pr->n_bombs, k);
		assert_int_equal(pr->hogs, k);
		assert_string_equal(pr->hogs_group, "g");
		assert_int_equal(pr->n_prio, 1);
	}
	/* a sweep over other values does not pair */
	scenario_free(s);
	s = NULL;
	assert_int_equal(parse(HEAD "vm = g\n" GROUP3 "[phase hogs]\nbombs = cpu\nhogs.g = 1, 2\n"
				    "[phase hogs+prio]\nbombs = cpu\nhogs.g = 1, 3\n",
			       &s, err, sizeof(err)),
			 0);
	assert_null(phase_named(s, "hogs+prio[hogs.g=1]")->twin);
	assert_null(phase_named(s, "hogs+prio[hogs.g=3]")->twin);
	scenario_free(s);
}

static void weight_on_group_sets_every_member(void **state)
{
	struct scenario *s = NULL;
	char err[512];
	const char *text = HEAD "vm = g\n" GROUP3 "[phase p]\nbombs = cpu\nweight.g = 128\n"
				"cap.g = 50\nweight.g-2 = 512\n[phase sw]\nbombs = cpu\n"
				"weight.g = 64, 128\n";

	(void)state;
	assert_int_equal(parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(s->phases[0].n_prio, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct scn_prio *p = &s->phases[0].prio[i];

		assert_int_equal(p->weight, strcmp(p->vm, "g-2") == 0 ? 512 : 128);
		assert_int_equal(p->cap, 50);
		assert_non_null(strstr(p->vm, "g-"));
	}
	assert_string_equal(s->phases[2].name, "sw[weight.g=128]");
	assert_int_equal(s->phases[2].n_prio, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(s->phases[2].prio[i].weight, 128);
	scenario_free(s);
}

static void local_group_needs_no_provisioning_keys(void **state)
{
	struct scenario *s = NULL;
	char err[512];

	(void)state;
	assert_int_equal(parse(HEAD "vm = g\n[group g]\ncount = 64\n[phase p]\nbombs = cpu\n", &s,
			       err, sizeof(err)),
			 0);
	assert_int_equal(s->n_vms, 66);
	assert_int_equal(s->n_bombs, 64);
	assert_string_equal(s->vms[65].name, "g-64");
	assert_int_equal(s->vms[65].n_make, 0);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_input_is_one_file_line_error),
		cmocka_unit_test(group_makes_members_with_their_own_values),
		cmocka_unit_test(xl_keys_substitute_the_member_number),
		cmocka_unit_test(bomb_on_group_runs_on_each_member),
		cmocka_unit_test(hogs_sweep_pairs_equal_and_prioritised),
		cmocka_unit_test(weight_on_group_sets_every_member),
		cmocka_unit_test(local_group_needs_no_provisioning_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
