// SPDX-License-Identifier: MIT
/*
 * The xl backend's neighbours on demand: `xl create CONFIG name="isolab-RUN-VM"
 * [pool="P"] [KEY=VALUE...]` per VM (the name carries the run: the tag by
 * which a restore finds it), `xl destroy` after; a domain already gone
 * counts as done, a domain whose name lacks the run's tag is never touched.
 * `xl create -n` checks a configuration without making anything, and the
 * host (xl info, xl list) answers `isolab hosts`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "clock.h"
#include "log.h"
#include "parse.h"
#include "xl-priv.h"

#define CREATE_NS	 (600 * NSEC_PER_SEC) /* an emulated dom0 takes ~10 s, a loaded one more */
#define RESTORE_GRACE_NS (15 * NSEC_PER_SEC)  /* for a create cut short to show its domain */
#define MAX_OVERRIDES	 10
#define OVERRIDE_MAX	 320

const struct backend_opt xl_make_opts[] = {
	{ .key = "config",
	  .type = BOPT_STRING,
	  .help = "the xl domain configuration (a path in dom0) each copy is created from" },
	{ .key = "pool",
	  .type = BOPT_STRING,
	  .help = "the cpupool the copies run in (pool=\"P\" for xl create)" },
	{ .key = "xl.",
	  .type = BOPT_STRING,
	  .flags = BOPT_PREFIX,
	  .help = "xl.KEY = VALUE: KEY=VALUE on xl create's command line ({n}: the member)" },
	{ .key = NULL },
};

static bool is_number(const char *v)
{
	return *v && strspn(v, "0123456789") == strlen(v);
}

/* One xl configuration line: key=123 or key="text" (the scenario refused quotes inside). */
static void override(char *buf, const char *key, const char *value)
{
	snprintf(buf, OVERRIDE_MAX, is_number(value) ? "%s=%s" : "%s=\"%s\"", key, value);
}

/* xl create [-n] CONFIG name="id" [pool="P"] [KEY=VALUE...] into args (NULL-terminated). */
static int create_args(const struct backend_make *m, const char *id, bool dry,
		       char (*store)[OVERRIDE_MAX], const char **args, struct backend_err *err)
{
	const char *config = backend_make_get(m, "config"), *pool = backend_make_get(m, "pool");
	size_t n = 0, k = 0;

	args[n++] = "create";
	if (dry)
		args[n++] = "-n";
	args[n++] = config;
	override(store[k], "name", id);
	args[n++] = store[k++];
	if (pool) {
		override(store[k], "pool", pool);
		args[n++] = store[k++];
	}
	for (size_t i = 0; i < m->n_keys; i++) {
		if (strncmp(m->keys[i].key, "xl.", 3) != 0)
			continue;
		if (k == MAX_OVERRIDES) {
			backend_errf(err, "EINVAL", "xl: at most %d xl.KEY overrides per VM",
				     MAX_OVERRIDES - 2);
			return -E2BIG;
		}
		override(store[k], m->keys[i].key + 3, m->keys[i].value);
		args[n++] = store[k++];
	}
	args[n] = NULL;
	return 0;
}

int xl_provision(struct backend *b, const struct backend_make *m, char *id, size_t len,
		 struct backend_err *err)
{
	char store[MAX_OVERRIDES][OVERRIDE_MAX];
	const char *args[MAX_OVERRIDES + 4];
	char *out = NULL;
	int rc;

	if (backend_made_name(m->run_id, m->name, id, len) < 0) {
		backend_errf(err, "EINVAL", "xl: the name isolab-%s-%s is too long", m->run_id,
			     m->name);
		id[0] = '\0';
		return -EINVAL;
	}
	rc = m->note ? m->note(m->note_arg, m->name, "name", id) : 0;
	if (rc) {
		backend_errf(err, "EIO", "xl: cannot journal %s: %s", id, strerror(-rc));
		return rc;
	}
	rc = create_args(m, id, false, store, args, err);
	if (!rc)
		rc = xl_exec_t(&b->target, args, CREATE_NS, &out, err);
	free(out);
	/* without this fact a restore knows the create may still be under way in dom0 */
	if (!rc && m->note && m->note(m->note_arg, m->name, "created", "yes") < 0)
		log_warn("xl: cannot journal that %s was created", id);
	return rc;
}

/* Whether domain id exists now: xl domid answers, or says there is none. */
static int domain_exists(struct backend *b, const char *id, bool *exists, struct backend_err *err)
{
	const char *args[] = { "domid", id, NULL };
	char *out = NULL;
	int rc = xl_exec(&b->target, args, &out, err);

	free(out);
	if (rc == 0) {
		*exists = true;
		return 0;
	}
	if (strstr(err->msg, "does not exist") || strstr(err->msg, "invalid domain")) {
		*exists = false;
		return 0;
	}
	return rc;
}

int xl_wait_ready(struct backend *b, const char *id, uint64_t deadline_ns, struct backend_err *err)
{
	const char *args[] = { "list", id, NULL };

	for (;;) {
		struct xl_dom *d = NULL;
		size_t n = 0;
		char *out = NULL;
		int rc = xl_exec(&b->target, args, &out, err);

		if (rc == 0)
			rc = xl_parse_domains(out, false, &d, &n);
		free(out);
		if (rc == 0 && n == 1 && !strpbrk(d[0].state, "cds")) {
			free(d);
			return 0;
		}
		if (rc == 0 && n == 1) {
			backend_errf(err, "DOMAIN_DOWN", "xl: %s is in state %s while booting", id,
				     d[0].state);
			free(d);
			return -EHOSTDOWN;
		}
		if (rc &&
		    (strstr(err->msg, "invalid domain") || strstr(err->msg, "does not exist"))) {
			/* created, then gone: it crashed while booting (on_crash = destroy) */
			backend_errf(
				err, "DOMAIN_GONE",
				"xl: %s was created but is gone: it crashed or shut down while "
				"booting (see its console log in dom0)",
				id);
			free(d);
			return -EHOSTDOWN;
		}
		free(d);
		if (clock_now_ns() + NSEC_PER_SEC > deadline_ns)
			return rc ? rc : -ETIMEDOUT;
		(void)clock_sleep_until(clock_now_ns() + NSEC_PER_SEC);
	}
}

static int unmake(struct backend *b, const char *run, const char *id, struct backend_err *err)
{
	const char *args[] = { "destroy", id, NULL };
	char prefix[BACKEND_ID_MAX], *out = NULL;
	bool exists = false;
	int rc;

	if (backend_made_name(run, "", prefix, sizeof(prefix)) < 0 ||
	    strncmp(id, prefix, strlen(prefix)) != 0 || !id[strlen(prefix)]) {
		backend_errf(err, "EPERM", "xl: '%s' does not carry run %s's tag: left alone", id,
			     run);
		return -EPERM;
	}
	rc = domain_exists(b, id, &exists, err);
	if (rc || !exists)
		return rc;
	rc = xl_exec(&b->target, args, &out, err);
	free(out);
	if (rc && domain_exists(b, id, &exists, err) == 0 && !exists)
		rc = 0; /* gone meanwhile */
	return rc;
}

int xl_unprovision(struct backend *b, const char *id, struct backend_err *err)
{
	return unmake(b, b->run_id, id, err);
}

/*
 * A create the dead run started and never saw finish may still be building
 * the domain in dom0 (over ssh it outlives isolab): give it a moment to show.
 */
static int wait_inflight(struct backend *b, const char *id, struct backend_err *err)
{
	uint64_t until = clock_now_ns() + RESTORE_GRACE_NS;
	bool exists = false;
	int rc;

	while (!(rc = domain_exists(b, id, &exists, err)) && !exists && clock_now_ns() < until)
		(void)clock_sleep_until(clock_now_ns() + NSEC_PER_SEC);
	return rc;
}

int xl_unmake_facts(struct backend *b, const char *run_id, const struct backend_kv *facts, size_t n,
		    struct backend_err *err)
{
	const char *id = NULL;
	bool created = false;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(facts[i].key, "name") == 0)
			id = facts[i].value;
		created |= strcmp(facts[i].key, "created") == 0;
	}
	if (!id) {
		backend_errf(err, "EINVAL", "xl: the journal names no domain (no name fact)");
		return -EINVAL;
	}
	if (!created && (rc = wait_inflight(b, id, err)) != 0)
		return rc;
	return unmake(b, run_id, id, err);
}

/* A number after `key` in text ("max_memkb": 131072 / free_memory : 742), or -1. */
static int64_t number_after(const char *text, const char *key)
{
	const char *p = text ? strstr(text, key) : NULL;
	int64_t v;
	char num[24];
	size_t n;

	if (!p)
		return -1;
	p += strlen(key);
	p += strspn(p, "\": \t");
	n = strspn(p, "0123456789");
	if (!n || n >= sizeof(num))
		return -1;
	memcpy(num, p, n);
	num[n] = '\0';
	return parse_i64(num, 0, INT64_MAX, &v) ? -1 : v;
}

static int xl_text(struct backend *b, const char *cmd, char **out, struct backend_err *err)
{
	const char *args[] = { cmd, NULL };

	return xl_exec(&b->target, args, out, err);
}

/* The cpupool exists (xl cpupool-list's first column). */
static int check_pool(struct backend *b, const char *pool, struct backend_err *err)
{
	char *out = NULL, line[256];
	const char *p;
	int rc = xl_text(b, "cpupool-list", &out, err);

	for (p = out; !rc && p && *p;) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strncmp(line, pool, strlen(pool)) == 0 &&
		    (line[strlen(pool)] == ' ' || line[strlen(pool)] == '\t')) {
			free(out);
			return 0;
		}
		p += n + (p[n] == '\n');
	}
	free(out);
	if (!rc) {
		backend_errf(err, "NO_POOL", "xl: no cpupool '%s' (xl cpupool-list)", pool);
		rc = -ENOENT;
	}
	return rc;
}

int xl_check_make(struct backend *b, const struct backend_make *m, unsigned count, char *out,
		  size_t len, struct backend_err *err)
{
	char store[MAX_OVERRIDES][OVERRIDE_MAX], *dry = NULL, *info = NULL, s1[32], s2[32];
	const char *args[MAX_OVERRIDES + 4], *pool = backend_make_get(m, "pool");
	int64_t kb, free_mb;
	int rc;

	rc = create_args(m, "isolab-check", true, store, args, err);
	if (!rc && pool)
		rc = check_pool(b, pool, err);
	if (!rc && (rc = xl_exec(&b->target, args, &dry, err)) != 0) {
		snprintf(err->code, sizeof(err->code), "NO_CONFIG"); /* xl refused it: input */
		rc = -ENOENT;
	}
	if (!rc)
		rc = xl_text(b, "info", &info, err);
	if (rc)
		goto out_free;
	kb = number_after(dry, "\"max_memkb\"");
	free_mb = number_after(info, "free_memory");
	if (kb <= 0 || free_mb < 0) {
		snprintf(out, len, "config %s accepted by xl create -n; memory not known",
			 backend_make_get(m, "config"));
		goto out_free;
	}
	snprintf(out, len,
		 "config %s (%s each) accepted by xl create -n; dom0 has %s free: room "
		 "for %lld, %u asked",
		 backend_make_get(m, "config"), fmt_size((uint64_t)kb << 10, s1, sizeof(s1)),
		 fmt_size((uint64_t)free_mb << 20, s2, sizeof(s2)),
		 (long long)((free_mb << 10) / kb), count);
	if ((free_mb << 10) / kb < count) {
		backend_errf(err, "HOST_NOT_ENOUGH_FREE_MEMORY", "xl: %s", out);
		rc = -ENOSPC;
	}
out_free:
	free(dry);
	free(info);
	return rc;
}

/* The value of `xl info`'s line KEY (at a line start), "" when absent. */
static char *info_str(const char *info, const char *key)
{
	size_t kl = strlen(key), n;
	const char *p = info;

	while (p && strncmp(p, key, kl) != 0)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (!p)
		return strdup("");
	p += kl;
	p += strspn(p, " \t:");
	n = strcspn(p, "\n");
	return strndup(p, n);
}

int xl_hosts(struct backend *b, struct backend_host **out, size_t *n, struct backend_err *err)
{
	struct backend_host *h = calloc(1, sizeof(*h));
	struct xl_dom *d = NULL;
	char *info = NULL, *list = NULL;
	int64_t total_mb, free_mb;
	size_t nd = 0;
	int rc;

	if (!h) {
		backend_errf(err, "ENOMEM", "xl: out of memory");
		return -ENOMEM;
	}
	rc = xl_text(b, "info", &info, err);
	if (!rc)
		rc = xl_text(b, "list", &list, err);
	if (!rc && (rc = xl_parse_domains(list, false, &d, &nd)) != 0)
		backend_errf(err, "XL_OUTPUT", "xl list: cannot read its output");
	if (rc)
		goto out_free;
	h->name = info_str(info, "host");
	h->address = strdup(b->dom0 ? strchr(b->dom0, '@') ? strchr(b->dom0, '@') + 1 : b->dom0
				    : "localhost");
	h->sched = strdup(b->info.scheduler);
	h->enabled = true;
	h->cpus = b->info.nr_cpus;
	total_mb = number_after(info, "total_memory");
	free_mb = number_after(info, "free_memory");
	h->mem_total = total_mb > 0 ? (uint64_t)total_mb << 20 : 0;
	h->mem_free = free_mb > 0 ? (uint64_t)free_mb << 20 : 0;
	h->resident = calloc(nd + 1, sizeof(*h->resident));
	rc = h->name && h->address && h->sched && h->resident ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < nd; i++)
		if (d[i].domid != 0 && !(h->resident[h->n_resident++] = strdup(d[i].name)))
			rc = -ENOMEM;
	if (rc)
		backend_errf(err, "ENOMEM", "xl: out of memory");
out_free:
	free(info);
	free(list);
	free(d);
	if (rc) {
		backend_hosts_free(h, 1);
		return rc;
	}
	*out = h;
	*n = 1;
	return 0;
}
