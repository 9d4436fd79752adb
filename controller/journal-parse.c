// SPDX-License-Identifier: MIT
/*
 * Reading a dead run's journal into what it recorded (journal-parse.h), for
 * its replay (journal-replay.c). Nothing here acts on the host: a header
 * that is not "isolab-journal V RUN-ID" refuses the whole file; a record
 * that does not parse or that this isolab does not know is listed as a
 * problem and skipped; a last line without its newline (the write a crash
 * cut short) is ignored with a note.
 */
#include "journal-parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal-make.h"
#include "journal-priv.h"
#include "log.h"

/* Control bytes of a journal's strings shown as '?': a message stays one line. */
void replay_clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/* log_msg() of a message that quotes the journal, cleaned. */
void replay_say(enum log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	replay_clean(msg);
	log_msg(level, "%s", msg);
}

/* Logs one thing that could not be undone and counts it. */
void replay_problem(struct replay *rp, bool retry, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	replay_clean(msg);
	log_error("restore: %s: %s", rp->name, msg);
	rp->problems++;
	rp->retry |= retry;
}

void replay_done(struct replay *rp)
{
	for (size_t i = 0; i < rp->n_sched; i++)
		free(rp->sched[i].vm);
	for (size_t i = 0; i < rp->n_store; i++)
		free(rp->cfg_store[i]);
	free(rp->procs);
	for (size_t i = 0; i < rp->n_remotes; i++) {
		free(rp->remotes[i].target);
		free(rp->remotes[i].exec);
	}
	free(rp->remotes);
	for (size_t i = 0; i < rp->n_dirs; i++)
		free(rp->dirs[i]);
	free(rp->dirs);
	made_done(&rp->made);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes a field in place; "-" becomes "". */
static char *dec(char *s)
{
	char *o = s, *p = s;

	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return s;
	}
	while (*p) {
		if (p[0] == '%' && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
			*o++ = (char)(hexval(p[1]) * 16 + hexval(p[2]));
			p += 3;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return s;
}

static int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A run id as isolab makes them, or a test's: [A-Za-z0-9_.-], 1 to 64 bytes. */
static bool run_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static char *keep(struct replay *rp, const char *s)
{
	if (rp->n_store == sizeof(rp->cfg_store) / sizeof(rp->cfg_store[0]))
		return NULL;
	return rp->cfg_store[rp->n_store++] = strdup(s);
}

/* "backend KEY VALUE": the name, or one option, as the run opened its backend. */
static int set_cfg(struct replay *rp, const char *key, const char *val)
{
	char *k, *v;

	if (strcmp(key, "name") == 0) {
		rp->cfg.name = keep(rp, val);
		return rp->cfg.name ? 0 : -ENOMEM;
	}
	k = keep(rp, key);
	v = k ? keep(rp, val) : NULL;
	if (!v)
		return -ENOMEM;
	return backend_cfg_set(&rp->cfg, k, v) < 0 ? -EINVAL : 0;
}

static int add_sched(struct replay *rp, char **f)
{
	long a, b;

	if (parse_long(f[2], &a) || parse_long(f[3], &b) || a < -1 || a > 65535 || b < -1 ||
	    b > 65535 || !f[1][0])
		return -EINVAL;
	for (size_t i = 0; i < rp->n_sched; i++)
		if (strcmp(rp->sched[i].vm, f[1]) == 0)
			return 0; /* the first original is the one to go back to */
	if (rp->n_sched == JOURNAL_MAX_VMS)
		return -E2BIG;
	rp->sched[rp->n_sched].vm = strdup(f[1]);
	if (!rp->sched[rp->n_sched].vm)
		return -ENOMEM;
	rp->sched[rp->n_sched].orig.weight = (int)a;
	rp->sched[rp->n_sched++].orig.cap = (int)b;
	return 0;
}

static void sched_restored(struct replay *rp, const char *vm)
{
	for (size_t i = 0; i < rp->n_sched; i++)
		if (strcmp(rp->sched[i].vm, vm) == 0) {
			free(rp->sched[i].vm);
			rp->sched[i] = rp->sched[--rp->n_sched];
			return;
		}
}

static int add_proc(struct replay *rp, char **f)
{
	struct rec_proc *np;
	long a, b;

	if (parse_long(f[1], &a) || parse_long(f[2], &b) || a <= 1 || b < 0)
		return -EINVAL;
	np = realloc(rp->procs, (rp->n_procs + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	rp->procs = np;
	np[rp->n_procs++] = (struct rec_proc){ .pid = a, .start = (uint64_t)b };
	return 0;
}

static int proc_done(struct replay *rp, char **f)
{
	long a;

	if (parse_long(f[1], &a))
		return -EINVAL;
	for (size_t i = 0; i < rp->n_procs; i++)
		if (rp->procs[i].pid == a)
			rp->procs[i].done = true;
	return 0;
}

/* "remote TARGET PGID [EXEC]" or "remote-done TARGET PGID" */
static int add_remote(struct replay *rp, char **f, size_t n, bool done)
{
	struct rec_remote *nr;
	long a;

	if (parse_long(f[2], &a) || a <= 1 || !f[1][0])
		return -EINVAL;
	if (done) {
		for (size_t i = 0; i < rp->n_remotes; i++)
			if (rp->remotes[i].pgid == a && strcmp(rp->remotes[i].target, f[1]) == 0)
				rp->remotes[i].done = true;
		return 0;
	}
	nr = realloc(rp->remotes, (rp->n_remotes + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	rp->remotes = nr;
	nr += rp->n_remotes++;
	nr->target = strdup(f[1]);
	/* journals written before executors had names: their remote groups were ssh's */
	nr->exec = strdup(n >= 4 && f[3][0] ? f[3] : "ssh");
	nr->pgid = a;
	nr->done = false;
	return nr->target && nr->exec ? 0 : -ENOMEM;
}

static int add_dir(struct replay *rp, const char *path)
{
	char **nd;

	if (!path[0])
		return -EINVAL;
	nd = realloc(rp->dirs, (rp->n_dirs + 1) * sizeof(*nd));
	if (!nd)
		return -ENOMEM;
	rp->dirs = nd;
	nd[rp->n_dirs] = strdup(path);
	return nd[rp->n_dirs++] ? 0 : -ENOMEM;
}

/* "make VM KEY VALUE": -E2BIG (past a sane bound) reads as a record that does not parse. */
static int made_record(struct replay *rp, char **f)
{
	int r = made_add(&rp->made, f[1], f[2], f[3]);

	return r == -E2BIG ? -EINVAL : r;
}

/* The records this isolab writes, with their field counts (the keyword included). */
static const struct {
	const char *name;
	size_t min, max;
} records[] = {
	{ "owner", 3, 3 },  { "backend", 3, 3 },
	{ "sched", 4, 4 },  { "restored", 2, 2 },
	{ "proc", 3, 3 },   { "proc-done", 2, 2 },
	{ "remote", 3, 4 }, { "remote-done", 3, 3 },
	{ "dir", 2, 2 },    { "make", 4, 4 },
	{ "unmade", 2, 2 }, { "isolab-journal", 0, 0 }, /* only as the first line */
};

/* One record after the header: 0, -EINVAL (does not parse), -ENOENT (unknown), -ENOMEM. */
static int record(struct replay *rp, char **f, size_t n)
{
	const char *k = f[0];
	size_t i;
	long a;

	for (i = 0; i < sizeof(records) / sizeof(records[0]); i++)
		if (strcmp(k, records[i].name) == 0)
			break;
	if (i == sizeof(records) / sizeof(records[0]))
		return -ENOENT;
	if (n < records[i].min || n > records[i].max)
		return -EINVAL;
	if (strcmp(k, "owner") == 0) {
		if (parse_long(f[1], &rp->owner_pid) || parse_long(f[2], &a) || a < 0)
			return -EINVAL;
		rp->owner_start = (uint64_t)a;
		return 0;
	}
	if (strcmp(k, "backend") == 0)
		return set_cfg(rp, f[1], f[2]);
	if (strcmp(k, "sched") == 0)
		return add_sched(rp, f);
	if (strcmp(k, "restored") == 0) {
		sched_restored(rp, f[1]);
		return 0;
	}
	if (strcmp(k, "proc") == 0)
		return add_proc(rp, f);
	if (strcmp(k, "proc-done") == 0)
		return proc_done(rp, f);
	if (strcmp(k, "remote") == 0 || strcmp(k, "remote-done") == 0)
		return add_remote(rp, f, n, k[6] == '-');
	if (strcmp(k, "dir") == 0)
		return add_dir(rp, f[1]);
	if (strcmp(k, "make") == 0)
		return made_record(rp, f);
	if (strcmp(k, "unmade") == 0) {
		made_gone(&rp->made, f[1]);
		return 0;
	}
	return -EINVAL;
}

/* The line as it was, for a message: at most 60 bytes, control bytes as '?'. */
static void quote_line(const char *line, char *out, size_t len)
{
	size_t i;

	for (i = 0; line[i] && i + 1 < len && i < 60; i++)
		out[i] = (unsigned char)line[i] < ' ' || line[i] == 0x7f ? '?' : line[i];
	out[i] = '\0';
}

/* Parses one line; only running out of memory stops the replay. */
static int replay_line(struct replay *rp, char *line)
{
	char *f[6] = { 0 }, *save = NULL, shown[64];
	size_t n = 0;
	int r;

	quote_line(line, shown, sizeof(shown));
	for (char *t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		dec(f[i]);
	if (rp->lineno == 1) {
		long v;

		if (strcmp(f[0], "isolab-journal") != 0 || n < 3 || parse_long(f[1], &v) || v < 1 ||
		    !run_id_valid(f[2]))
			return -EBADMSG;
		rp->version = v;
		snprintf(rp->run_id, sizeof(rp->run_id), "%s", f[2]);
		if (v > JOURNAL_VERSION)
			log_warn(
				"restore: %s: written by a newer isolab (journal version %ld; this "
				"one reads %d): undoing what it knows",
				rp->name, v, JOURNAL_VERSION);
		return 0;
	}
	r = n < 6 ? record(rp, f, n) : -EINVAL;
	if (r == -ENOMEM)
		return r;
	if (r == -ENOENT)
		replay_problem(rp, false,
			       "line %zu: '%s': a record this isolab does not know: skipped",
			       rp->lineno, shown);
	else if (r < 0)
		replay_problem(rp, false, "line %zu: '%s': does not parse: skipped", rp->lineno,
			       shown);
	return 0;
}

/* Splits text into lines (a torn last one ignored) and parses them; -EBADMSG: no header. */
int replay_parse(struct replay *rp, char *text, size_t len)
{
	char *p = text, *end = text + len;

	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		int r = 0;

		rp->lineno++;
		if (!nl) {
			/* the crash cut this write short: the change it announced never ran */
			log_info("restore: %s: line %zu was cut short by the crash: ignored",
				 rp->name, rp->lineno);
			break;
		}
		*nl = '\0';
		if (memchr(p, '\0', (size_t)(nl - p))) {
			if (rp->lineno == 1)
				return -EBADMSG;
			replay_problem(rp, false, "line %zu: holds a NUL byte: skipped",
				       rp->lineno);
		} else {
			r = replay_line(rp, p);
		}
		if (r < 0)
			return r;
		p = nl + 1;
	}
	return rp->version ? 0 : -EBADMSG;
}
