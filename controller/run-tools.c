// SPDX-License-Identifier: MIT
/*
 * Starting tools for a run: where a VM is and how to reach it, argv building,
 * ${VM} substitution, and the victim service that lives for the whole run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "exec.h"
#include "fileio.h"
#include "exec-table.h"
#include "log.h"
#include "proc.h"
#include "run-priv.h"
#include "run.h"
#include "scenario.h"
#include "shell.h"
#include "urls-check.h"

#define VICTIM_READY_NS (120 * NSEC_PER_SEC)
#define URLS_MAX	URLS_CHECK_MAX_BYTES

const char *run_vm_ident(const struct run *R, const char *name)
{
	const struct scn_vm *vm = scenario_vm(R->s, name);

	return vm ? vm->ident : name;
}

const struct exec_ops *run_vm_exec(const struct scn_vm *vm)
{
	const struct exec_ops *x = exec_find(vm->exec);

	return x ? x : exec_default();
}

/* Where the VM's services are reached from the others. */
const char *run_vm_addr(const struct run *R, const struct scn_vm *vm)
{
	static char host[256];
	const struct exec_ops *x = run_vm_exec(vm);
	const char *a;

	if (vm->addr)
		return vm->addr;
	if (vm->target && x->target_host && x->target_host(vm->target, host, sizeof(host)))
		return host;
	if (R->b && R->ops->vm_addr && (a = R->ops->vm_addr(R->b, vm->ident)))
		return a;
	return "127.0.0.1";
}

uint64_t run_connect_ns(const struct run *R)
{
	uint64_t c = 0;

	for (size_t i = 0; i < R->s->n_vms; i++) {
		const struct exec_ops *x = run_vm_exec(&R->s->vms[i]);

		if (x->connect_ns > c)
			c = x->connect_ns;
	}
	return c;
}

uint64_t run_stop_grace_ns(const struct run *R)
{
	uint64_t grace = 5 * NSEC_PER_SEC;

	for (size_t i = 0; i < R->s->n_vms; i++) {
		const struct exec_ops *x = run_vm_exec(&R->s->vms[i]);

		if (x->stop_grace_ns > grace)
			grace = x->stop_grace_ns;
	}
	return grace;
}

/* The address of the VM "${name}" names (n bytes at v), NULL when it names none. */
static const char *subst_of(const struct run *R, const char *v, size_t n)
{
	char name[SCN_MAX_NAME];

	if (n >= sizeof(name))
		return NULL;
	memcpy(name, v, n);
	name[n] = '\0';
	return scenario_vm(R->s, name) ? run_vm_addr(R, scenario_vm(R->s, name)) : NULL;
}

/*
 * Replaces every ${vm} with that VM's address (a ${...} naming no VM stays as
 * it is); caller frees. Never cut short (a truncated argument is another
 * argument): NULL only when out of memory.
 */
char *run_subst(const struct run *R, const char *v)
{
	size_t need = 1, n;
	char *out, *o;
	const char *p, *end, *rep;

	for (p = v; *p;) {
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}'))) {
			rep = subst_of(R, p + 2, (size_t)(end - p - 2));
			need += rep ? strlen(rep) : (size_t)(end - p + 1);
			p = end + 1;
		} else {
			need++;
			p++;
		}
	}
	out = malloc(need);
	if (!out)
		return NULL;
	for (p = v, o = out; *p;) {
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}'))) {
			rep = subst_of(R, p + 2, (size_t)(end - p - 2));
			n = rep ? strlen(rep) : (size_t)(end - p + 1);
			memcpy(o, rep ? rep : p, n);
			o += n;
			p = end + 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

void run_arg(struct run_args *a, const char *s)
{
	if (a->n + 1 >= sizeof(a->v) / sizeof(a->v[0])) {
		a->oom = true;
		return;
	}
	a->v[a->n] = strdup(s);
	if (!a->v[a->n])
		a->oom = true;
	else
		a->n++;
	a->v[a->n] = NULL;
}

void run_arg_own(struct run_args *a, char *s)
{
	if (!s || a->n + 1 >= sizeof(a->v) / sizeof(a->v[0])) {
		free(s);
		a->oom = true;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void run_argf(struct run_args *a, const char *fmt, ...)
{
	char buf[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	run_arg(a, buf);
}

void run_args_free(struct run_args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

void run_tool_opts(const struct run *R, struct run_args *a, const struct scn_tool *t)
{
	for (size_t i = 0; i < t->n_opts; i++) {
		run_argf(a, "--%s", t->opts[i].key);
		run_arg_own(a, run_subst(R, t->opts[i].value));
	}
}

bool run_has_opt(const struct scn_tool *t, const char *key)
{
	for (size_t i = 0; i < t->n_opts; i++)
		if (strcmp(t->opts[i].key, key) == 0)
			return true;
	return false;
}

int run_start_tool(struct run *R, const struct scn_vm *vm, struct run_args *a,
		   const char *stderr_path, struct tool_proc *p)
{
	int r;

	if (a->oom)
		return -ENOMEM;
	r = run_vm_exec(vm)->start(&R->x, vm->ident, vm->target, a->v, stderr_path, p);
	if (r < 0)
		log_error("%s: cannot start %s in vm %s: %s", p->label, a->v[0], vm->name,
			  strerror(-r));
	return r;
}

/* ---- the probe ---- */

/* The probe options of the load: --rate (open loop) and --slo. */
static void load_args(const struct run *R, struct run_args *a)
{
	const struct scn_load *l = &R->design.load;
	double rate = l->rate_rps;

	if (!R->design.load_ok)
		return;
	/* load = P% in the phase: that share of the calibrated capacity instead */
	if (R->phase && R->phase->load_pct > 0 && R->design.cal.ok &&
	    R->design.cal.capacity_rps > 0)
		rate = R->design.cal.capacity_rps * R->phase->load_pct / 100.0;
	if (l->open) {
		run_arg(a, "--rate");
		run_argf(a, "%.3f", rate);
	}
	if (l->slo_ns) {
		run_arg(a, "--slo");
		run_argf(a, "%lluus", (unsigned long long)(l->slo_ns / NSEC_PER_USEC));
	}
}

int run_start_probe(struct run *R, const char *dir, bool calibrate, uint64_t duration_ns,
		    uint64_t warmup_ns, struct tool_proc *probe)
{
	char path[RUN_PATH_MAX + 512];
	int r = 0;

	const struct scn_tool *t = &R->s->probe;
	const struct scn_vm *vm = scenario_vm(R->s, t->vm);
	struct run_args a = { 0 };

	run_arg(&a, "isolab-probe");
	run_arg(&a, t->kind);
	if (strcmp(t->kind, "http") == 0 && R->s->probe_target &&
	    strcmp(R->s->probe_target, "victim") == 0) {
		run_arg(&a, "--urls");
		run_arg(&a, R->urls_file);
		run_arg(&a, "--base");
		run_arg(&a, R->victim_url);
	} else if (R->s->probe_target && strcmp(R->s->probe_target, "victim") != 0) {
		char *copy = strdup(R->s->probe_target), *tok, *save = NULL;

		for (tok = copy ? strtok_r(copy, " ,\t", &save) : NULL; tok;
		     tok = strtok_r(NULL, " ,\t", &save)) {
			run_arg(&a, "--url");
			run_arg_own(&a, run_subst(R, tok));
		}
		free(copy);
	}
	run_arg(&a, "--duration");
	run_argf(&a, "%llums", (unsigned long long)(duration_ns / NSEC_PER_MSEC));
	run_arg(&a, "--warmup");
	run_argf(&a, "%llums", (unsigned long long)(warmup_ns / NSEC_PER_MSEC));
	run_arg(&a, "--json");
	run_arg(&a, "--quiet");
	if (!calibrate && R->phase && R->phase->n_at) {
		/* at.TIME is timed from when the probe really starts its load */
		run_arg(&a, "--ready-fd");
		run_arg(&a, "2");
	}
	if (!calibrate)
		load_args(R, &a); /* --rate, --slo */
	if (!calibrate && !run_vm_exec(vm)->remote) {
		run_arg(&a, "--log");
		run_argf(&a, "%s/probe-requests.csv", dir);
	}
	run_tool_opts(R, &a, t);
	snprintf(path, sizeof(path), "%s/probe.stderr", dir);
	if (run_start_tool(R, vm, &a, path, probe) < 0)
		r = -EIO;
	run_args_free(&a);
	return r;
}

/* ---- the victim service ---- */

/* fetch_urls_child()'s exit codes, read back by fetch_here() */
enum {
	FETCH_OK,
	FETCH_IO,
	FETCH_TOO_BIG,
	FETCH_NOT_200
};

/* In a child inside the probe VM: GET /urls from the victim into path. */
static int fetch_urls_child(const char *addr, uint16_t port, const char *path)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 20 };
	char req[128], *buf = malloc(URLS_MAX + 1), *body, extra;
	size_t len = 0;
	ssize_t n;
	int fd;

	if (!buf || inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return FETCH_IO;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return FETCH_IO;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return FETCH_IO;
	n = snprintf(req, sizeof(req), "GET /urls HTTP/1.0\r\nHost: %s\r\n\r\n", addr);
	if (write(fd, req, (size_t)n) != n)
		return FETCH_IO;
	while (len < URLS_MAX && (n = read(fd, buf + len, URLS_MAX - len)) > 0)
		len += (size_t)n;
	/* a full buffer with more to come: refused, never cut (half a URL is another URL) */
	if (len == URLS_MAX && read(fd, &extra, 1) > 0)
		return FETCH_TOO_BIG;
	buf[len] = '\0';
	if (len < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || strncmp(buf + 8, " 200", 4) != 0)
		return FETCH_NOT_200;
	body = memmem(buf, len, "\r\n\r\n", 4);
	if (!body)
		return FETCH_NOT_200;
	body += 4;
	return file_write_atomic(path, body, len - (size_t)(body - buf), 0644) < 0 ? FETCH_IO
										   : FETCH_OK;
}

/* Fetches /urls into path from this host, or from inside vm's network when vm is given. */
struct fetch {
	struct run *R;
	const struct scn_vm *vm;
	const char *addr;
	const char *path;
};

static int fetch_enter(void *arg)
{
	const struct fetch *f = arg;

	if (!f->vm || !f->R->ops->enter)
		return 0;
	return f->R->ops->enter(f->R->b, f->vm->ident);
}

static int fetch_run(void *arg)
{
	const struct fetch *f = arg;

	return fetch_urls_child(f->addr, f->R->s->victim_port, f->path);
}

static int fetch_here(struct run *R, const struct scn_vm *vm, const char *addr, const char *path)
{
	struct fetch f = { .R = R, .vm = vm, .addr = addr, .path = path };
	struct proc_spawn sp = {
		.fn = fetch_run,
		.fd_in = PROC_FD_NULL,
		.fd_out = PROC_FD_NULL,
		.fd_err = PROC_FD_INHERIT,
		.parent_death_sig = SIGKILL,
		.in_child = fetch_enter,
		.arg = &f,
		.in_child_what = "cannot enter the probe VM",
	};
	pid_t pid = proc_spawn(&sp);
	int st, r;

	if (pid < 0)
		return pid;
	r = proc_wait_timeout(pid, 30 * NSEC_PER_SEC, &st);
	if (r == -ETIMEDOUT) {
		(void)kill(pid, SIGKILL);
		(void)proc_wait_timeout(pid, NSEC_PER_SEC, &st);
		return r;
	}
	if (r < 0)
		return r;
	if (!WIFEXITED(st))
		return -EIO;
	switch (WEXITSTATUS(st)) {
	case FETCH_OK:
		return 0;
	case FETCH_TOO_BIG:
		return -EFBIG;
	case FETCH_NOT_200:
		return -EPROTO;
	default:
		return -EIO;
	}
}

/* Runs cmd (values quoted) in vm through its executor's oneshot. */
static int oneshot(struct run *R, const struct scn_vm *vm, const char *cmd, const char *stdin_data)
{
	const struct exec_ops *x = run_vm_exec(vm);

	if (!x->oneshot)
		return -EOPNOTSUPP;
	return x->oneshot(&R->x, vm->ident, vm->target, cmd, stdin_data, 30 * NSEC_PER_SEC);
}

/* "PREFIX 'quoted value'" into buf; -E2BIG when it does not fit. */
static int cmd_with(char *buf, size_t len, const char *prefix, const char *value)
{
	int n = snprintf(buf, len, "%s ", prefix);

	if (n < 0 || (size_t)n >= len)
		return -E2BIG;
	return shell_quote(buf, len, value);
}

/* Reads the fetched list at path and checks it (urls-check.h); logs why not. */
static int check_fetched(struct run *R, const char *path, char **text, size_t *len)
{
	char err[256];
	int r = file_read_all(path, URLS_MAX, text, len);

	if (r == 0)
		r = urls_check(*text, *len, R->victim_url, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-r));
	if (r < 0) {
		log_error("the victim's %s/urls: %s", R->victim_url, err);
		free(*text);
		*text = NULL;
	}
	return r;
}

/* Logs why fetch_here() failed, in words. */
static int fetch_failed(struct run *R, const struct scn_vm *where, int r)
{
	log_error("cannot fetch %s/urls%s%s: %s", R->victim_url, where ? " from vm " : "",
		  where ? where->name : "",
		  r == -EFBIG	 ? "the answer is larger than 8 MiB"
		  : r == -EPROTO ? "the victim did not answer with HTTP 200"
				 : strerror(-r));
	return r;
}

/*
 * Puts the victim's /urls where the probe reads it: fetched inside the probe
 * VM on this host; for a remote probe fetched here and uploaded, or (when
 * this host cannot reach the victim) fetched there with the guest's curl.
 * What is fetched here is checked (urls_check()); what the guest's curl
 * fetches, the probe checks itself (with --base, other hosts are refused).
 */
static int fetch_urls(struct run *R, const struct scn_vm *probe_vm, const char *addr)
{
	char local[RUN_PATH_MAX + 32], cmd[RUN_PATH_MAX + 512], url[300], *text = NULL;
	size_t len;
	int r;

	snprintf(local, sizeof(local), "%s/urls.txt", R->state_sub);
	if (!run_vm_exec(probe_vm)->remote) {
		snprintf(R->urls_file, sizeof(R->urls_file), "%s", local);
		r = fetch_here(R, probe_vm, addr, local);
		if (r < 0)
			return fetch_failed(R, probe_vm, r);
		r = check_fetched(R, local, &text, &len);
		free(text);
		return r;
	}
	snprintf(R->urls_file, sizeof(R->urls_file), "/tmp/isolab-urls-%s.txt", R->run_id);
	/* the controller fetches and uploads it, so guests need no HTTP client ... */
	r = fetch_here(R, NULL, addr, local);
	if (r == -EFBIG || r == -EPROTO)
		return fetch_failed(R, NULL, r); /* the victim answered: no point asking again */
	if (r == 0) {
		r = check_fetched(R, local, &text, &len);
		if (r < 0)
			return r;
		r = cmd_with(cmd, sizeof(cmd), "cat >", R->urls_file);
		if (r == 0)
			r = oneshot(R, probe_vm, cmd, text);
		free(text);
		if (r == 0)
			return 0;
	}
	/* ... unless this host cannot reach the victim: then the probe guest's curl */
	snprintf(url, sizeof(url), "http://%s:%u/urls", addr, R->s->victim_port);
	r = cmd_with(cmd, sizeof(cmd), "curl -fsS --max-filesize 8388608 --noproxy '*' -o",
		     R->urls_file);
	if (r == 0 && strlen(cmd) + 2 < sizeof(cmd)) {
		strcat(cmd, " ");
		r = shell_quote(cmd, sizeof(cmd), url);
	}
	if (r == 0)
		r = oneshot(R, probe_vm, cmd, NULL);
	return r < 0 ? fetch_failed(R, probe_vm, r) : 0;
}

/* A free TCP port on loopback (for a victim that shares the host's network namespace). */
static uint16_t free_loopback_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	uint16_t port = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

int run_start_victim(struct run *R)
{
	const struct scn_vm *vm = scenario_victim(R->s);
	const struct scn_vm *pvm = scenario_vm(R->s, R->s->probe.vm);
	const struct exec_ops *x = run_vm_exec(vm);
	struct run_args a = { 0 };
	char errp[RUN_PATH_MAX + 64];
	int r;

	tool_proc_init(&R->victim, "victim");
	if (!x->remote && !(R->ops->vm_addr && R->ops->vm_addr(R->b, vm->ident)) &&
	    !R->s->victim_port_set) {
		/* on the host itself: two runs (or anything else) must not fight over 8080 */
		uint16_t port = free_loopback_port();

		if (port)
			R->s->victim_port = port;
	}
	run_arg(&a, "isolab-victim");
	run_arg(&a, "--listen");
	/* inside its own VM: its address there; a guest over ssh: every interface */
	run_argf(&a, "%s:%u", x->remote && !vm->addr ? "0.0.0.0" : run_vm_addr(R, vm),
		 R->s->victim_port);
	run_arg(&a, "--db");
	if (x->remote)
		run_argf(&a, "/tmp/isolab-victim-%s.db", R->run_id);
	else
		run_argf(&a, "%s/victim.db", R->state_sub);
	run_arg(&a, "--pages");
	run_argf(&a, "%u", R->s->victim_pages);
	run_arg(&a, "--ready-fd");
	run_arg(&a, "2");
	run_arg(&a, "--quiet");
	snprintf(errp, sizeof(errp), "%s/victim.stderr", R->dir);
	r = run_start_tool(R, vm, &a, errp, &R->victim);
	run_args_free(&a);
	if (r < 0)
		return r;
	R->victim_started = true;
	log_info("starting isolab-victim in vm %s (%u pages)", vm->name, R->s->victim_pages);
	{
		struct tool_proc *pp = &R->victim;

		exec_wait_ready(&pp, 1, VICTIM_READY_NS);
	}
	if (!R->victim.ready) {
		log_error("isolab-victim in vm %s did not become ready (see %s)", vm->name, errp);
		return -EIO;
	}
	snprintf(R->victim_url, sizeof(R->victim_url), "http://%s:%u", run_vm_addr(R, vm),
		 R->s->victim_port);
	return fetch_urls(R, pvm, run_vm_addr(R, vm)); /* logs its own errors */
}

/* rm -f PATH[*] in vm; glob adds a '*' outside the quotes (the .db-journal and -wal files). */
static int rm_in(struct run *R, const struct scn_vm *vm, const char *path, bool glob)
{
	char cmd[RUN_PATH_MAX + 128];
	size_t n;
	int r = cmd_with(cmd, sizeof(cmd), "rm -f", path);

	n = strlen(cmd);
	if (r == 0 && glob) {
		if (n + 2 > sizeof(cmd))
			return -E2BIG;
		memcpy(cmd + n, "*", 2);
	}
	return r < 0 ? r : oneshot(R, vm, cmd, NULL);
}

void run_stop_victim(struct run *R)
{
	struct tool_proc *pp = &R->victim;
	const struct scn_vm *vm = scenario_victim(R->s);
	const struct scn_vm *pvm = scenario_vm(R->s, R->s->probe.vm);
	char db[128];

	if (!R->victim_started)
		return;
	exec_stop_all(&R->x, &pp, 1, run_stop_grace_ns(R));
	tool_proc_done(&R->victim);
	R->victim_started = false;
	/* what the run put on remote machines (local files go with the scratch dir) */
	if (run_vm_exec(vm)->remote) {
		snprintf(db, sizeof(db), "/tmp/isolab-victim-%s.db", R->run_id);
		if (rm_in(R, vm, db, true) < 0)
			log_warn("could not remove the victim database in vm %s", vm->name);
	}
	if (run_vm_exec(pvm)->remote)
		(void)rm_in(R, pvm, R->urls_file, false);
}
