/* SPDX-License-Identifier: MIT */
/*
 * Scenario groups and provisioning keys (scenario-group.c): [group NAME]
 * into its members, bombs on a group into one per member, hogs.GROUP and
 * weight/cap on a group into each phase's members.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "scenario-lex.h"

/* template, sr, host, config, pool or xl.KEY: what a backend needs to make a VM. */
bool scn_is_make_key(const char *key);
/* Records provisioning key e on vm (surrounding double quotes dropped). */
int scn_add_make(struct pctx *c, struct scn_vm *vm, const struct entry *e);
/* The provisioning keys of one VM fit together (template xor config, sr/host need template...). */
int scn_check_make(struct pctx *c, const struct scn_vm *vm);

/* How a [vm] section (or a member's copy of its group's) is read: scenario.c's. */
typedef int (*scn_vm_fn)(struct pctx *c, const struct section *sec, struct scn_vm *vm);
/* Every [group]: its members appended to the scenario's VMs, each read by do_vm. */
int scn_do_groups(struct pctx *c, scn_vm_fn do_vm);
/* Bombs whose vm is a group become one bomb per member, BOMB@GROUP-i. After the bombs. */
int scn_expand_group_bombs(struct pctx *c);
/* After the phases are expanded: hogs keep their members' bombs, group priorities per member. */
int scn_finish_groups(struct pctx *c);

/*
 * v with "{n}" replaced by n and "{n+K}" by n+K (K 0..100000); other braces
 * are left for later ("{addr}"). *out is malloc'd. 0, -ENOMEM, or -EINVAL with
 * the reason in why.
 */
int scn_subst_member(const char *v, unsigned n, char **out, char *why, size_t len);
/* s with every "{addr}" replaced by addr; malloc'd, NULL on allocation failure. */
char *scn_subst_addr(const char *s, const char *addr);
