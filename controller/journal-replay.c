// SPDX-License-Identifier: MIT
/*
 * Replaying a dead run's journal (journal.h). A journal drives kills,
 * scheduler changes and removals as root, so it is never executed blindly:
 *
 * - the file must be ours: a regular file owned by this user, writable by
 *   nobody else, in a state directory writable by nobody else; else nothing
 *   of it runs;
 * - its first line must be "isolab-journal V RUN-ID" with the RUN-ID of its
 *   file name; else nothing of it runs;
 * - a record that does not parse, or that this isolab does not know (a
 *   newer version's), is reported and skipped; so is a process recorded
 *   without a start time, and a directory that is not a plain child of the
 *   state directory. A pid whose start time no longer matches is not the
 *   run's process any more: left alone (said when another process has it).
 * - a last line without its newline is the write the crash cut short (the
 *   change it announced never happened): ignored, with a note.
 *
 * Everything else is still undone. What could not be is listed, one line
 * each; the journal is kept for another try when the failure may pass (an
 * unreachable backend), else set aside as run-ID.journal.bad.
 */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fileio.h"
#include "journal-make.h"
#include "journal-priv.h"
#include "log.h"
#include "proc.h"

struct rec_proc {
	long pid;
	uint64_t start;
	bool done;
};

struct rec_remote {
	char *target;
	char *exec;
	long pgid;
	bool done;
};

struct replay {
	char name[128]; /* the journal's file name, for messages (cleaned) */
	size_t lineno;
	char run_id[FIELD_MAX];
	long version;
	long owner_pid;
	uint64_t owner_start;
	struct backend_config cfg;
	char *cfg_store[2 * BACKEND_MAX_OPTS + 1]; /* the strings cfg points to */
	size_t n_store;
	struct pending sched[JOURNAL_MAX_VMS];
	size_t n_sched;
	struct rec_proc *procs;
	size_t n_procs;
	struct rec_remote *remotes;
	size_t n_remotes;
	char **dirs;
	size_t n_dirs;
	struct made_set made; /* VMs the backend made for the run */
	unsigned problems;    /* what could not be undone, each logged */
	bool retry;	      /* some of it may work next time: keep the journal */
};

/* Control bytes of a journal's strings shown as '?': a message stays one line. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			*s = '?';
}

/* log_msg() of a message that quotes the journal, cleaned. */
__attribute__((format(printf, 2, 3))) static void say(enum log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean(msg);
	log_msg(level, "%s", msg);
}

/* Logs one thing that could not be undone and counts it. */
__attribute__((format(printf, 3, 4))) static void problem(struct replay *rp, bool retry,
							  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clean(msg);
	log_error("restore: %s: %s", rp->name, msg);
	rp->problems++;
	rp->retry |= retry;
}

static void replay_done(struct replay *rp)
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
		problem(rp, false, "line %zu: '%s': a record this isolab does not know: skipped",
			rp->lineno, shown);
	else if (r < 0)
		problem(rp, false, "line %zu: '%s': does not parse: skipped", rp->lineno, shown);
	return 0;
}

/* Splits text into lines (a torn last one ignored) and parses them; -EBADMSG: no header. */
static int parse_all(struct replay *rp, char *text, size_t len)
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
			problem(rp, false, "line %zu: holds a NUL byte: skipped", rp->lineno);
		} else {
			r = replay_line(rp, p);
		}
		if (r < 0)
			return r;
		p = nl + 1;
	}
	return rp->version ? 0 : -EBADMSG;
}

/* true while pid is the recorded process and not yet dead (zombie) */
static bool proc_running(pid_t pid, uint64_t start)
{
	char path[64], *text = NULL, *close;
	size_t len;
	bool running = false;

	if (proc_start_time(pid) != start)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (file_read_all(path, 4096, &text, &len) < 0)
		return false;
	close = strrchr(text, ')');
	running = close && close[1] == ' ' && close[2] != 'Z' && close[2] != 'X';
	free(text);
	return running;
}

static bool default_owner_alive(pid_t pid, uint64_t start)
{
	return pid > 0 && start != 0 && proc_start_time(pid) == start;
}

/* 1. processes first: nothing of the dead run may act any more */
static void kill_procs(struct replay *rp)
{
	for (size_t i = 0; i < rp->n_procs; i++) {
		struct rec_proc *p = &rp->procs[i];
		uint64_t now;

		if (p->done)
			continue;
		if (p->start == 0) {
			p->done = true;
			problem(rp, false,
				"process %ld was recorded without its start time: not "
				"killed (it cannot be told from another process with that pid)",
				p->pid);
			continue;
		}
		now = proc_start_time((pid_t)p->pid);
		if (now != p->start) {
			if (now)
				log_warn("restore: %s: pid %ld is another process now (started "
					 "later): left alone",
					 rp->name, p->pid);
			p->done = true;
			continue;
		}
		log_info("restore: killing leftover process group %ld", p->pid);
		(void)kill(-(pid_t)p->pid, SIGKILL);
		(void)kill((pid_t)p->pid, SIGKILL);
	}
	/* wait (bounded) until they are gone or zombies */
	for (int tries = 0; tries < 100; tries++) {
		bool any = false;

		for (size_t i = 0; i < rp->n_procs; i++)
			if (!rp->procs[i].done &&
			    proc_running((pid_t)rp->procs[i].pid, rp->procs[i].start))
				any = true;
		if (!any)
			break;
		(void)proc_reap_children();
		(void)usleep(50000);
	}
}

/* Process groups an executor started elsewhere, through that executor. */
static void kill_remotes(struct replay *rp, const struct journal_env *env)
{
	for (size_t i = 0; i < rp->n_remotes; i++) {
		struct rec_remote *rr = &rp->remotes[i];
		const struct exec_ops *x = env && env->find_exec ? env->find_exec(rr->exec) : NULL;
		int r;

		if (rr->done)
			continue;
		if (!x || !x->kill_remote) {
			problem(rp, false, "no executor '%.32s' to kill process group %ld on %.64s",
				rr->exec, rr->pgid, rr->target);
			continue;
		}
		say(LOG_LVL_INFO, "restore: killing remote process group %ld on %.64s", rr->pgid,
		    rr->target);
		r = x->kill_remote(rr->target, rr->pgid);
		if (r == -EINVAL) /* the executor refuses the target: no retry helps */
			problem(rp, false,
				"'%.64s' is not a %s target: process group %ld not killed",
				rr->target, x->name, rr->pgid);
		else if (r < 0)
			problem(rp, true, "could not reach %.64s to kill process group %ld",
				rr->target, rr->pgid);
	}
}

/*
 * 2. scheduler settings, through the backend opened as the run opened it.
 * False when the backend could not be reached at all.
 */
static bool restore_sched(struct replay *rp, const struct backend_ops *ops)
{
	struct backend_err err = { 0 };
	struct backend *b = NULL;

	if (ops->open(&rp->cfg, &b, &err) < 0) {
		problem(rp, true, "backend %s: %s: no setting restored", ops->name, err.msg);
		return false;
	}
	for (size_t i = 0; i < rp->n_sched; i++) {
		const struct pending *p = &rp->sched[i];
		int r;

		if (made_has_id(&rp->made, p->vm))
			continue; /* the run made it: it is destroyed next, not restored */
		r = ops->sched_set(b, p->vm, &p->orig, &err);
		if (r == -ENOENT)
			/* the VM is gone, and its setting with it (a systemd scope is
			 * removed with its groups once the killed tools are gone) */
			say(LOG_LVL_WARN, "restore: %.64s: gone, nothing to set back (%s)", p->vm,
			    err.msg);
		else if (r < 0)
			problem(rp, true, "%s: setting back weight %d cap %d failed: %s", p->vm,
				p->orig.weight, p->orig.cap, err.msg);
		else
			say(LOG_LVL_INFO, "restore: %.64s: weight %d cap %d restored", p->vm,
			    p->orig.weight, p->orig.cap);
	}
	ops->close(b);
	return true;
}

/* 3. what the backend made for the run (cgroups, namespaces), found by name */
static void cleanup_backend(struct replay *rp, const struct backend_ops *ops)
{
	struct backend_err err = { 0 };
	int r;

	if (!ops->cleanup_run)
		return;
	r = ops->cleanup_run(&rp->cfg, rp->run_id, &err);
	if (r < 0)
		problem(rp, true, "%s leftovers of run %s: %s", ops->name, rp->run_id, err.msg);
	else if (r > 0)
		log_info("restore: removed %d leftover objects of run %s", r, rp->run_id);
}

/* 4. a directory the run made: only a plain directory right inside the state dir */
static void remove_dir(struct replay *rp, const char *state_dir, const char *path)
{
	size_t n = strlen(state_dir);
	const char *leaf = path + n + 1;
	struct stat st;
	int r;

	if (strncmp(path, state_dir, n) != 0 || path[n] != '/' || !*leaf || strchr(leaf, '/') ||
	    strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0) {
		problem(rp, false,
			"directory '%.200s' is not inside the state directory %.200s: "
			"not removed",
			path, state_dir);
		return;
	}
	if (lstat(path, &st) < 0)
		return; /* already gone */
	if (!S_ISDIR(st.st_mode)) {
		problem(rp, false, "'%.200s' is not a directory the run made: not removed", path);
		return;
	}
	r = file_remove_tree(path);
	if (r < 0)
		problem(rp, true, "cannot remove '%.200s': %s", path, strerror(-r));
}

static void replay_undo(struct replay *rp, const char *state_dir, const struct journal_env *env)
{
	const struct backend_ops *ops = NULL;

	kill_procs(rp);
	kill_remotes(rp, env);
	rp->cfg.run_id = rp->run_id;
	if (rp->cfg.name) {
		ops = env && env->find ? env->find(rp->cfg.name) : NULL;
		if (!ops && (rp->n_sched || rp->made.n || !env || !env->find))
			/* VMs it made live on: keep the journal for an isolab that knows it */
			problem(rp, rp->made.n > 0,
				"unknown backend '%.64s': %zu setting(s) not restored, %zu VM(s) "
				"it made not destroyed",
				rp->cfg.name, rp->n_sched, rp->made.n);
	}
	if (ops && rp->n_sched && !restore_sched(rp, ops))
		return; /* unreachable: keep everything for the next try */
	if (ops && made_undo(&rp->made, ops, &rp->cfg, rp->run_id) < 0)
		problem(rp, true, "not every VM run %s made was destroyed", rp->run_id);
	if (ops)
		cleanup_backend(rp, ops);
	for (size_t i = 0; i < rp->n_dirs; i++)
		remove_dir(rp, state_dir, rp->dirs[i]);
}

/* Ours: a regular file of this user that nobody else may write. 0 or -EPERM (logged). */
static int check_owner(const char *path, bool dir)
{
	struct stat st;

	if ((dir ? stat(path, &st) : lstat(path, &st)) < 0)
		return -errno;
	if ((dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		say(LOG_LVL_ERROR,
		    "restore: %s: not replayed: %s, owned by uid %u, mode %04o (expected "
		    "a %s of uid %u that nobody else can write)",
		    path,
		    S_ISLNK(st.st_mode) ? "a symlink"
		    : dir		? "a directory"
					: "a file",
		    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
		    dir ? "directory" : "regular file", (unsigned)geteuid());
		return -EPERM;
	}
	return 0;
}

/* The run id in ".../run-ID.journal" into buf; false when the name is not like that. */
static bool id_of_path(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	size_t n;

	base = base ? base + 1 : path;
	n = strlen(base);
	if (strncmp(base, "run-", 4) != 0 || n < 12 || strcmp(base + n - 8, ".journal") != 0 ||
	    n - 12 >= len)
		return false;
	memcpy(buf, base + 4, n - 12);
	buf[n - 12] = '\0';
	return true;
}

/* What is left to do after the undo: 1 done, -EAGAIN kept for a retry, -EPROTO set aside. */
static int settle(struct replay *rp, const char *path)
{
	char bad[PATH_MAX];

	if (!rp->problems) {
		if (unlink(path) < 0 && errno != ENOENT)
			return -errno;
		return 1;
	}
	if (rp->retry) {
		log_error("restore: %s: %u thing(s) could not be undone (above); the journal is "
			  "kept for another `isolab restore`",
			  rp->name, rp->problems);
		return -EAGAIN;
	}
	snprintf(bad, sizeof(bad), "%s.bad", path);
	if (rename(path, bad) < 0)
		return -errno;
	log_error("restore: %s: %u thing(s) could not be undone (above); everything else was; "
		  "the journal is kept as %s",
		  rp->name, rp->problems, bad);
	return -EPROTO;
}

int journal_replay_file(const char *path, const struct journal_env *env, bool force)
{
	bool (*alive)(pid_t, uint64_t) =
		env && env->owner_alive ? env->owner_alive : default_owner_alive;
	struct replay *rp = calloc(1, sizeof(*rp));
	char *text = NULL, *dir = NULL, *slash, id[FIELD_MAX];
	size_t len;
	int r;

	if (!rp)
		return -ENOMEM;
	snprintf(rp->name, sizeof(rp->name), "%s",
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path);
	clean(rp->name);
	r = check_owner(path, false);
	if (r < 0)
		goto out;
	r = file_read_all(path, JOURNAL_MAX_FILE, &text, &len);
	if (r < 0) {
		log_error("restore: %s: %s", path,
			  r == -EFBIG ? "larger than 4 MiB: not a journal of isolab"
				      : strerror(-r));
		goto out;
	}
	r = parse_all(rp, text, len);
	if (r == 0 && (!id_of_path(path, id, sizeof(id)) || strcmp(id, rp->run_id) != 0))
		r = -EBADMSG;
	if (r == -EBADMSG) {
		char bad[PATH_MAX];

		snprintf(bad, sizeof(bad), "%s.bad", path);
		r = rename(path, bad) < 0 ? -errno : -EPROTO;
		log_error(
			"restore: %s: not an isolab journal of run '%s' (its first line must "
			"be 'isolab-journal VERSION RUN-ID' with the RUN-ID of its name): nothing "
			"of it was run; kept as %s",
			rp->name, id_of_path(path, id, sizeof(id)) ? id : "?", bad);
		goto out;
	}
	if (r < 0)
		goto out;
	if (!force && alive((pid_t)rp->owner_pid, rp->owner_start)) {
		r = 0;
		goto out;
	}
	dir = strdup(path);
	if (!dir) {
		r = -ENOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	replay_undo(rp, slash ? dir : ".", env);
	r = settle(rp, path);
out:
	free(dir);
	free(text);
	replay_done(rp);
	free(rp);
	return r;
}

int journal_replay_dir(const char *state_dir, const struct journal_env *env)
{
	struct dirent *de;
	int count = 0, ret = 0;
	DIR *d;

	d = opendir(state_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	/* a state dir others can write could hold anyone's journal: none of it runs */
	ret = check_owner(state_dir, true);
	if (ret < 0) {
		closedir(d);
		return ret;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char *path;
		int r;

		if (strncmp(de->d_name, "run-", 4) != 0 || n < 12 ||
		    strcmp(de->d_name + n - 8, ".journal") != 0)
			continue;
		if (asprintf(&path, "%s/%s", state_dir, de->d_name) < 0) {
			ret = -ENOMEM;
			break;
		}
		r = journal_replay_file(path, env, false);
		free(path);
		if (r > 0)
			count++;
		else if (r < 0 && !ret)
			ret = r;
	}
	closedir(d);
	return ret < 0 ? ret : count;
}
