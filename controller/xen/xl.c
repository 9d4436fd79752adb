// SPDX-License-Identifier: MIT
/* xl in dom0, locally or through ssh: commands and output parsing. */
#include "xl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "parse.h"
#include "proc.h"
#include "shell.h"
#include "ssh-cmd.h"

#define XL_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define XL_MAX_OUT    (1u << 20)
#define XL_MAX_ARGS   16

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

/* xl's first line that says something: not create's "Parsing config from FILE". */
static void first_line(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	while (s && (*s == '\n' || strncmp(s, "Parsing config from ", 20) == 0))
		s = *s == '\n' ? s + 1 : strchr(s, '\n') ? strchr(s, '\n') + 1 : s + strlen(s);
	while (s && s[n] && s[n] != '\n')
		n++;
	snprintf(buf, len, "%.*s", (int)n, s ? s : "");
}

/* The argv that runs `xl args...` here, or through ssh in dom0 (one quoted command line). */
static int xl_argv(const struct xl_target *t, const char *const *args, const char **argv,
		   struct ssh_cmd *c, char *remote, size_t len)
{
	size_t n = 0;

	if (t && t->dom0) {
		const char *words[XL_MAX_ARGS + 2];

		words[n++] = env_or("ISOLAB_XL", "xl");
		for (size_t i = 0; args[i] && i < XL_MAX_ARGS; i++)
			words[n++] = args[i];
		words[n] = NULL;
		remote[0] = '\0';
		if (shell_join(remote, len, words) < 0 || ssh_cmd_argv(c, t->dom0, remote) < 0)
			return -EINVAL;
		for (n = 0; c->argv[n]; n++)
			argv[n] = c->argv[n];
		argv[n] = NULL;
		return 0;
	}
	argv[n++] = env_or("ISOLAB_XL", "xl");
	for (size_t i = 0; args[i] && i < XL_MAX_ARGS; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return 0;
}

/* " sched-credit -d 3 -w 512": the command for messages. */
static void describe_cmd(const char *const *args, char *cmd, size_t len)
{
	size_t used = 0;

	cmd[0] = '\0';
	for (size_t i = 0; args[i] && i < XL_MAX_ARGS; i++) {
		int k = snprintf(cmd + used, len - used, " %s", args[i]);

		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
	}
}

static int exit_error(const struct xl_target *t, const char *cmd, const char *text, int status,
		      struct backend_err *err)
{
	char line[200];

	first_line(text, line, sizeof(line));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(line, sizeof(line), "command not found");
	else if (t && t->dom0 && WIFEXITED(status) && WEXITSTATUS(status) == 255 && !line[0])
		snprintf(line, sizeof(line), "ssh failed");
	backend_errf(err, "XL_FAILED", "xl%s%s%s failed (exit %d): %s", cmd,
		     t && t->dom0 ? " on " : "", t && t->dom0 ? t->dom0 : "",
		     WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), line);
	return -EIO;
}

int xl_exec(const struct xl_target *t, const char *const *args, char **out, struct backend_err *err)
{
	return xl_exec_t(t, args, XL_TIMEOUT_NS, out, err);
}

int xl_exec_t(const struct xl_target *t, const char *const *args, uint64_t timeout_ns, char **out,
	      struct backend_err *err)
{
	const char *argv[XL_MAX_ARGS + SSH_CMD_ARGV_MAX + 2];
	char *text = NULL, cmd[160], remote[1024];
	struct ssh_cmd c;
	int rc, status = 0;

	describe_cmd(args, cmd, sizeof(cmd));
	if (xl_argv(t, args, argv, &c, remote, sizeof(remote)) < 0) {
		backend_errf(err, "EINVAL", "xl%s: cannot build the command for %s", cmd,
			     t && t->dom0 ? t->dom0 : "this host");
		return -EINVAL;
	}
	rc = proc_run(argv, NULL, true, timeout_ns, XL_MAX_OUT, &text, &status);
	if (rc) {
		backend_errf(err, rc == -ETIMEDOUT ? "ETIMEDOUT" : "EXEC", "xl%s%s%s: %s", cmd,
			     t && t->dom0 ? " on " : "", t && t->dom0 ? t->dom0 : "",
			     rc == -ETIMEDOUT ? "timed out" : strerror(-rc));
		free(text);
		return rc;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = exit_error(t, cmd, text, status, err);
		free(text);
		return rc;
	}
	if (!text) {
		text = calloc(1, 1);
		if (!text) {
			backend_errf(err, "ENOMEM", "out of memory");
			return -ENOMEM;
		}
	}
	*out = text;
	return 0;
}

/* Next line of *p into buf (truncated), advancing *p; false at the end. */
static bool next_line(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e;

	if (!*s)
		return false;
	e = strchr(s, '\n');
	if (!e)
		e = s + strlen(s);
	snprintf(buf, len, "%.*s", (int)(e - s), s);
	*p = *e ? e + 1 : e;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int to_int(const char *s, int min, int max, int *out)
{
	int64_t v;
	int rc = parse_i64(s, min, max, &v);

	if (!rc)
		*out = (int)v;
	return rc;
}

int xl_parse_info(const char *text, struct xl_info *out)
{
	struct xl_info info = { .nr_cpus = -1, .xen_major = -1, .xen_minor = -1 };
	const char *p = text ? text : "";
	char line[512];

	while (next_line(&p, line, sizeof(line))) {
		char *colon = strchr(line, ':'), *k, *v;

		if (!colon)
			continue;
		*colon = '\0';
		k = trim(line);
		v = trim(colon + 1);
		if (strcmp(k, "xen_scheduler") == 0)
			snprintf(info.scheduler, sizeof(info.scheduler), "%s", v);
		else if (strcmp(k, "nr_cpus") == 0)
			(void)to_int(v, 1, 1 << 20, &info.nr_cpus);
		else if (strcmp(k, "xen_major") == 0)
			(void)to_int(v, 0, 1000, &info.xen_major);
		else if (strcmp(k, "xen_minor") == 0)
			(void)to_int(v, 0, 1000, &info.xen_minor);
		else if (strcmp(k, "xen_version") == 0)
			snprintf(info.xen_version, sizeof(info.xen_version), "%s", v);
	}
	if (!info.scheduler[0])
		return -EBADMSG;
	*out = info;
	return 0;
}

/* Splits line in place into at most max blank-separated tokens. */
static size_t tokens(char *line, char **tok, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t && n < max; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	return n;
}

static int parse_dom_line(char *line, bool with_sched, struct xl_dom *d)
{
	char *tok[32], *num;
	size_t n = tokens(line, tok, 32), nnum = with_sched ? 3 : 5, k;

	memset(d, 0, sizeof(*d));
	if (n < nnum + 1)
		return -EINVAL;
	k = n - nnum; /* first numeric column: ID */
	if (to_int(tok[k], 0, 65535, &d->domid))
		return -EINVAL;
	if (with_sched) {
		if (to_int(tok[k + 1], 0, 65535, &d->weight) ||
		    to_int(tok[k + 2], 0, 1 << 24, &d->cap))
			return -EINVAL;
		d->vcpus = -1;
	} else {
		/* ID Mem VCPUs State Time(s) */
		if (to_int(tok[k + 2], 0, 1 << 16, &d->vcpus) || strlen(tok[k + 3]) != 6)
			return -EINVAL;
		snprintf(d->state, sizeof(d->state), "%s", tok[k + 3]);
		num = tok[k + 1];
		if (!*num)
			return -EINVAL;
		if (parse_double(tok[k + 4], 0, 1e12, &d->cpu_s) < 0)
			d->cpu_s = -1;
		d->weight = d->cap = -1;
	}
	/* the name may contain blanks: rejoin the leading tokens */
	for (size_t i = 0, used = 0; i < k; i++) {
		int w = snprintf(d->name + used, sizeof(d->name) - used, "%s%s", i ? " " : "",
				 tok[i]);

		if (w < 0 || (size_t)w >= sizeof(d->name) - used)
			return -EINVAL;
		used += (size_t)w;
	}
	return 0;
}

int xl_parse_domains(const char *text, bool with_sched, struct xl_dom **out, size_t *n)
{
	const char *p = text ? text : "";
	struct xl_dom *doms = NULL, d;
	size_t cnt = 0, cap = 0;
	bool header = false;
	char line[512];

	while (next_line(&p, line, sizeof(line))) {
		char *l = trim(line);

		if (strncmp(l, "Name", 4) == 0 && strstr(l, "ID") &&
		    (with_sched ? strstr(l, "Weight") != NULL : strstr(l, "VCPUs") != NULL)) {
			header = true;
			continue;
		}
		if (!header || parse_dom_line(l, with_sched, &d))
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct xl_dom *nd = realloc(doms, ncap * sizeof(*nd));

			if (!nd) {
				free(doms);
				return -ENOMEM;
			}
			doms = nd;
			cap = ncap;
		}
		doms[cnt++] = d;
	}
	if (!header) {
		free(doms);
		return -EBADMSG;
	}
	*out = doms;
	*n = cnt;
	return 0;
}

int xl_cpu_time(const struct xl_target *t, const char *dom, uint64_t *ns, struct backend_err *err)
{
	const char *args[] = { "list", dom, NULL };
	struct xl_dom *doms = NULL;
	char *text = NULL;
	size_t nd = 0;
	int rc = xl_exec(t, args, &text, err);

	if (rc)
		return rc;
	rc = xl_parse_domains(text, false, &doms, &nd);
	free(text);
	if (rc == -ENOMEM) {
		backend_errf(err, "ENOMEM", "out of memory");
		return rc;
	}
	if (rc || nd != 1 || doms[0].cpu_s < 0) {
		free(doms);
		backend_errf(err, "XL_OUTPUT",
			     "xl list %s: no Time(s) for the domain in its output", dom);
		return -EBADMSG;
	}
	*ns = (uint64_t)(doms[0].cpu_s * 1e9 + 0.5);
	free(doms);
	return 0;
}

/* "tslice=30ms" / "ratelimit=1000us" in a Cpupool line: the number, -1 when absent. */
static int pool_param(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	int v = 0, n = 0;

	if (!p)
		return -1;
	for (p += strlen(key); *p >= '0' && *p <= '9' && n < 9; p++, n++)
		v = v * 10 + (*p - '0');
	return n ? v : -1;
}

/* Whether tok[0..n-1] joined with single blanks is name. */
static bool name_is(char *const *tok, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(tok[i]);

		if (strncmp(name, tok[i], len) != 0)
			return false;
		name += len;
		if (i + 1 < n && *name++ != ' ')
			return false;
	}
	return n > 0 && *name == '\0';
}

int xl_parse_pools(const char *text, const char *dom, struct backend_sched_details *out)
{
	struct backend_sched_details cur = { .tslice_ms = -1, .ratelimit_us = -1 };
	const char *p = text ? text : "";
	char line[512];

	while (next_line(&p, line, sizeof(line))) {
		char *l = trim(line), *tok[8];
		size_t n;

		if (strncmp(l, "Cpupool ", 8) == 0) {
			size_t len = strcspn(l + 8, ":");

			snprintf(cur.cpupool, sizeof(cur.cpupool), "%.*s", (int)len, l + 8);
			cur.tslice_ms = pool_param(l, "tslice=");
			cur.ratelimit_us = pool_param(l, "ratelimit=");
			continue;
		}
		n = tokens(l, tok, 8);
		/* a domain line: NAME ID WEIGHT CAP; the name may hold blanks */
		if (n >= 4 && (strcmp(tok[n - 3], dom) == 0 || name_is(tok, n - 3, dom))) {
			*out = cur;
			return 0;
		}
	}
	return -ENOENT;
}

int xl_sched_details(const struct xl_target *t, const char *scheduler, const char *dom,
		     struct backend_sched_details *out, struct backend_err *err)
{
	const char *cmds[2] = { xl_sched_cmd(scheduler), NULL };
	int rc = -ENOENT;

	if (!cmds[0])
		cmds[0] = "sched-credit";
	cmds[1] = strcmp(cmds[0], "sched-credit") == 0 ? "sched-credit2" : "sched-credit";
	for (int i = 0; i < 2 && rc == -ENOENT; i++) {
		const char *args[] = { cmds[i], NULL };
		char *text = NULL;

		rc = xl_exec(t, args, &text, err);
		if (rc == 0)
			rc = xl_parse_pools(text, dom, out);
		free(text);
	}
	if (rc == -ENOENT)
		backend_errf(err, "ENOENT", "xl: domain %s is in no credit or credit2 cpupool",
			     dom);
	return rc;
}

const char *xl_sched_cmd(const char *scheduler)
{
	if (scheduler && strcmp(scheduler, "credit") == 0)
		return "sched-credit";
	if (scheduler && strcmp(scheduler, "credit2") == 0)
		return "sched-credit2";
	return NULL;
}

const char *xl_sched_static(const char *scheduler)
{
	static const char *const names[] = { "credit", "credit2", "rtds", "arinc653", "null" };

	for (size_t i = 0; scheduler && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(scheduler, names[i]) == 0)
			return names[i];
	return "other";
}

bool xl_cap_supported(const char *scheduler, int xen_major, int xen_minor)
{
	if (scheduler && strcmp(scheduler, "credit") == 0)
		return true;
	if (scheduler && strcmp(scheduler, "credit2") == 0)
		return xen_major < 0 || xen_major > 4 || (xen_major == 4 && xen_minor >= 10);
	return false;
}

int xl_check_params(const struct sched_params *p, int nr_cpus, struct backend_err *err)
{
	int cap_max = nr_cpus > 0 && nr_cpus <= XEN_CAP_MAX / 100 ? 100 * nr_cpus : XEN_CAP_MAX;

	if (p->weight >= 0 && (p->weight < XEN_WEIGHT_MIN || p->weight > XEN_WEIGHT_MAX)) {
		backend_errf(err, "ERANGE", "weight %d out of range %d..%d", p->weight,
			     XEN_WEIGHT_MIN, XEN_WEIGHT_MAX);
		return -ERANGE;
	}
	if (p->cap >= 0 && p->cap > cap_max) {
		backend_errf(err, "ERANGE", "cap %d out of range 0..%d (100 per physical CPU)",
			     p->cap, cap_max);
		return -ERANGE;
	}
	return 0;
}

static int sched_once(const struct xl_target *t, const char *cmd, const char *dom,
		      const struct sched_params *p, struct sched_params *out,
		      struct backend_err *err)
{
	const char *args[10];
	char w[16], c[16], *text = NULL;
	struct xl_dom *doms = NULL;
	size_t n = 0, nd;
	int rc;

	args[n++] = cmd;
	args[n++] = "-d";
	args[n++] = dom;
	if (p && p->weight >= 0) {
		snprintf(w, sizeof(w), "%d", p->weight);
		args[n++] = "-w";
		args[n++] = w;
	}
	if (p && p->cap >= 0) {
		snprintf(c, sizeof(c), "%d", p->cap);
		args[n++] = "-c";
		args[n++] = c;
	}
	args[n] = NULL;
	if (p && (p->weight >= 0 || p->cap >= 0)) {
		rc = xl_exec(t, args, &text, err);
		free(text);
		text = NULL;
		if (rc)
			return rc;
		args[3] = NULL; /* read back */
	}
	rc = xl_exec(t, args, &text, err);
	if (rc)
		return rc;
	rc = xl_parse_domains(text, true, &doms, &nd);
	free(text);
	if (rc == -ENOMEM) {
		backend_errf(err, "ENOMEM", "out of memory");
		return rc;
	}
	if (rc || nd != 1) {
		free(doms);
		backend_errf(err, "XL_OUTPUT",
			     "xl %s -d %s: cannot read weight/cap from its output", cmd, dom);
		return -EBADMSG;
	}
	out->weight = doms[0].weight;
	out->cap = doms[0].cap;
	free(doms);
	return 0;
}

int xl_sched(const struct xl_target *t, const char *scheduler, const char *dom,
	     const struct sched_params *p, struct sched_params *out, struct backend_err *err)
{
	const char *cmd = xl_sched_cmd(scheduler);
	const char *other;
	struct backend_err first;
	int rc;

	if (!cmd) {
		backend_errf(err, "ENOTSUP", "scheduler '%s' has no weights or caps in xl",
			     scheduler ? scheduler : "?");
		return -ENOTSUP;
	}
	rc = sched_once(t, cmd, dom, p, out, &first);
	if (rc != -EIO) {
		if (rc && err)
			*err = first;
		return rc;
	}
	/* the domain may sit in a cpupool run by the other credit scheduler */
	other = strcmp(cmd, "sched-credit") == 0 ? "sched-credit2" : "sched-credit";
	rc = sched_once(t, other, dom, p, out, NULL);
	if (rc && err)
		*err = first;
	return rc;
}
