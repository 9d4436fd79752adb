// SPDX-License-Identifier: MIT
/* The restore journal: append + fsync before every change, replay after a crash. */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fileio.h"
#include "journal-make.h"
#include "log.h"
#include "proc.h"

#define JOURNAL_MAX_FILE (4 << 20)
#define JOURNAL_MAX_VMS	 256
#define FIELD_MAX	 1024

struct pending {
	char *vm;
	struct sched_params orig;
};

struct journal {
	int fd;
	char *path;
	char *state_dir;
	struct pending *pend;
	size_t n_pend;
};

const char *journal_state_dir(void)
{
	const char *d = getenv("ISOLAB_STATE_DIR");

	return d && *d ? d : "/var/lib/isolab";
}

/* Percent-encodes a field: space, '%', control bytes. "-" stands for NULL/empty. */
static void enc(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (!s || !*s) {
		snprintf(out, len, "-");
		return;
	}
	for (; *s && o + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch <= ' ' || ch == '%' || ch == 0x7f || (ch == '-' && o == 0 && !s[1]))
			o += (size_t)snprintf(out + o, len - o, "%%%02X", ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
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

/* Decodes in place; "-" becomes "". */
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

__attribute__((format(printf, 2, 3))) static int append(struct journal *j, const char *fmt, ...)
{
	char line[4 * FIELD_MAX];
	va_list ap;
	int n;
	ssize_t w;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		return -E2BIG;
	line[n++] = '\n';
	w = write(j->fd, line, (size_t)n);
	if (w < 0)
		return -errno;
	if (w != n)
		return -EIO;
	if (fdatasync(j->fd) < 0)
		return -errno;
	return 0;
}

int journal_create(const char *state_dir, const char *run_id, const struct backend_config *cfg,
		   struct journal **out)
{
	struct journal *j = calloc(1, sizeof(*j));
	char e1[FIELD_MAX], e2[FIELD_MAX];
	int r;

	if (!j)
		return -ENOMEM;
	j->fd = -1;
	r = file_mkdirs(state_dir, 0700);
	if (r < 0)
		goto out_free;
	if (asprintf(&j->path, "%s/run-%s.journal", state_dir, run_id) < 0) {
		j->path = NULL;
		r = -ENOMEM;
		goto out_free;
	}
	j->state_dir = strdup(state_dir);
	if (!j->state_dir) {
		r = -ENOMEM;
		goto out_free;
	}
	j->fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0) {
		r = -errno;
		goto out_free;
	}
	enc(run_id, e1, sizeof(e1));
	r = append(j, "isolab-journal 1 %s", e1);
	if (r == 0)
		r = append(j, "owner %ld %llu", (long)getpid(),
			   (unsigned long long)proc_start_time(getpid()));
	if (r == 0 && cfg->name) {
		enc(cfg->name, e2, sizeof(e2));
		r = append(j, "backend name %s", e2);
	}
	/* every option the backend was opened with: replay opens it the same way */
	for (size_t i = 0; r == 0 && i < cfg->n_opts; i++) {
		if (!cfg->opts[i].value)
			continue;
		enc(cfg->opts[i].key, e1, sizeof(e1));
		enc(cfg->opts[i].value, e2, sizeof(e2));
		r = append(j, "backend %s %s", e1, e2);
	}
	if (r < 0)
		goto out_unlink;
	*out = j;
	return 0;
out_unlink:
	(void)unlink(j->path);
out_free:
	if (j->fd >= 0)
		close(j->fd);
	free(j->path);
	free(j->state_dir);
	free(j);
	return r;
}

const char *journal_path(const struct journal *j)
{
	return j->path;
}

int journal_sched(struct journal *j, const char *vm, const struct sched_params *orig)
{
	char e[FIELD_MAX];
	struct pending *np;
	int r;

	for (size_t i = 0; i < j->n_pend; i++)
		if (strcmp(j->pend[i].vm, vm) == 0)
			return 0; /* the first original is the one to go back to */
	if (j->n_pend >= JOURNAL_MAX_VMS)
		return -E2BIG;
	np = realloc(j->pend, (j->n_pend + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	j->pend = np;
	np[j->n_pend].vm = strdup(vm);
	if (!np[j->n_pend].vm)
		return -ENOMEM;
	np[j->n_pend].orig = *orig;
	enc(vm, e, sizeof(e));
	r = append(j, "sched %s %d %d", e, orig->weight, orig->cap);
	if (r < 0) {
		free(np[j->n_pend].vm);
		return r;
	}
	j->n_pend++;
	return 0;
}

size_t journal_pending(const struct journal *j)
{
	return j->n_pend;
}

int journal_restore_sched(struct journal *j, const struct backend_ops *ops, struct backend *b,
			  struct backend_err *err)
{
	int ret = 0;
	size_t keep = 0;

	for (size_t i = 0; i < j->n_pend; i++) {
		struct pending *p = &j->pend[i];
		char e[FIELD_MAX];
		int r = ops->sched_set(b, p->vm, &p->orig, err);

		if (r == 0) {
			enc(p->vm, e, sizeof(e));
			r = append(j, "restored %s", e);
		}
		if (r < 0) {
			if (!ret)
				ret = r;
			j->pend[keep++] = *p; /* try again at the next restore */
			continue;
		}
		free(p->vm);
	}
	j->n_pend = keep;
	return ret;
}

int journal_proc(struct journal *j, pid_t pid, uint64_t start_time)
{
	return append(j, "proc %ld %llu", (long)pid, (unsigned long long)start_time);
}

int journal_proc_done(struct journal *j, pid_t pid)
{
	return append(j, "proc-done %ld", (long)pid);
}

int journal_remote(struct journal *j, const char *exec, const char *target, long pgid)
{
	char e[FIELD_MAX], x[FIELD_MAX];

	enc(target, e, sizeof(e));
	enc(exec, x, sizeof(x));
	return append(j, "remote %s %ld %s", e, pgid, x);
}

int journal_remote_done(struct journal *j, const char *target, long pgid)
{
	char e[FIELD_MAX];

	enc(target, e, sizeof(e));
	return append(j, "remote-done %s %ld", e, pgid);
}

int journal_dir(struct journal *j, const char *path)
{
	char e[FIELD_MAX];

	enc(path, e, sizeof(e));
	return append(j, "dir %s", e);
}

int journal_make(struct journal *j, const char *vm, const char *key, const char *value)
{
	char e1[FIELD_MAX], e2[FIELD_MAX], e3[FIELD_MAX];

	enc(vm, e1, sizeof(e1));
	enc(key, e2, sizeof(e2));
	enc(value, e3, sizeof(e3));
	return append(j, "make %s %s %s", e1, e2, e3);
}

int journal_unmade(struct journal *j, const char *vm)
{
	char e[FIELD_MAX];

	enc(vm, e, sizeof(e));
	return append(j, "unmade %s", e);
}

static void journal_free(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	for (size_t i = 0; i < j->n_pend; i++)
		free(j->pend[i].vm);
	free(j->pend);
	free(j->path);
	free(j->state_dir);
	free(j);
}

void journal_finish(struct journal *j)
{
	if (!j)
		return;
	if (unlink(j->path) < 0 && errno != ENOENT)
		log_warn("journal: cannot remove '%s': %s", j->path, strerror(errno));
	journal_free(j);
}

void journal_abandon(struct journal *j)
{
	if (j)
		journal_free(j);
}

/* ---- replay ---- */

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
	char run_id[FIELD_MAX];
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
};

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
	return backend_cfg_set(&rp->cfg, k, v);
}

static int add_sched(struct replay *rp, char **f)
{
	long a, b;

	if (parse_long(f[2], &a) || parse_long(f[3], &b))
		return -EINVAL;
	for (size_t i = 0; i < rp->n_sched; i++)
		if (strcmp(rp->sched[i].vm, f[1]) == 0)
			return 0;
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
	struct rec_proc *np = realloc(rp->procs, (rp->n_procs + 1) * sizeof(*np));
	long a, b;

	if (!np)
		return -ENOMEM;
	rp->procs = np;
	if (parse_long(f[1], &a) || parse_long(f[2], &b) || a <= 1)
		return -EINVAL;
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

	if (parse_long(f[2], &a) || a <= 1)
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
	char **nd = realloc(rp->dirs, (rp->n_dirs + 1) * sizeof(*nd));

	if (!nd)
		return -ENOMEM;
	rp->dirs = nd;
	nd[rp->n_dirs] = strdup(path);
	return nd[rp->n_dirs++] ? 0 : -ENOMEM;
}

static int replay_line(struct replay *rp, char *line)
{
	char *f[5] = { 0 }, *save = NULL;
	size_t n = 0;
	long a;

	for (char *t = strtok_r(line, " ", &save); t && n < 5; t = strtok_r(NULL, " ", &save))
		f[n++] = t;
	if (n == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		dec(f[i]);
	if (strcmp(f[0], "isolab-journal") == 0 && n >= 3) {
		snprintf(rp->run_id, sizeof(rp->run_id), "%s", f[2]);
	} else if (strcmp(f[0], "owner") == 0 && n >= 3) {
		if (parse_long(f[1], &rp->owner_pid) || parse_long(f[2], &a))
			return -EINVAL;
		rp->owner_start = (uint64_t)a;
	} else if (strcmp(f[0], "backend") == 0 && n >= 3) {
		return set_cfg(rp, f[1], f[2]);
	} else if (strcmp(f[0], "sched") == 0 && n >= 4) {
		return add_sched(rp, f);
	} else if (strcmp(f[0], "restored") == 0 && n >= 2) {
		sched_restored(rp, f[1]);
	} else if (strcmp(f[0], "proc") == 0 && n >= 3) {
		return add_proc(rp, f);
	} else if (strcmp(f[0], "proc-done") == 0 && n >= 2) {
		return proc_done(rp, f);
	} else if ((strcmp(f[0], "remote") == 0 || strcmp(f[0], "remote-done") == 0) && n >= 3) {
		return add_remote(rp, f, n, f[0][6] == '-');
	} else if (strcmp(f[0], "dir") == 0 && n >= 2) {
		return add_dir(rp, f[1]);
	} else if (strcmp(f[0], "make") == 0 && n >= 4) {
		return made_add(&rp->made, f[1], f[2], f[3]);
	} else if (strcmp(f[0], "unmade") == 0 && n >= 2) {
		made_gone(&rp->made, f[1]);
	}
	/* unknown or truncated last line (crash mid-write): ignored */
	return 0;
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

/* Removes a directory the run made, only when it lies inside the state dir. */
static int remove_dir(const char *state_dir, const char *path)
{
	size_t n = strlen(state_dir);

	if (strncmp(path, state_dir, n) != 0 || path[n] != '/' || strstr(path, "/../"))
		return -EPERM;
	return file_remove_tree(path);
}

/* 1. processes first: nothing of the dead run may act any more */
static void kill_procs(struct replay *rp)
{
	for (size_t i = 0; i < rp->n_procs; i++) {
		struct rec_proc *p = &rp->procs[i];

		if (p->done || proc_start_time((pid_t)p->pid) != p->start)
			continue;
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

		if (rr->done)
			continue;
		if (!x || !x->kill_remote) {
			log_warn("restore: no executor '%s' to kill group %ld on %s", rr->exec,
				 rr->pgid, rr->target);
			continue;
		}
		log_info("restore: killing remote process group %ld on %s", rr->pgid, rr->target);
		if (x->kill_remote(rr->target, rr->pgid) < 0)
			log_warn("restore: could not reach %s to kill group %ld", rr->target,
				 rr->pgid);
	}
}

/*
 * 2. scheduler settings, through the backend opened as the run opened it.
 * *opened tells whether the backend could be reached at all.
 */
static int restore_sched(struct replay *rp, const struct backend_ops *ops, bool *opened)
{
	struct backend_err err = { 0 };
	struct backend *b = NULL;
	int ret = 0, r;

	*opened = false;
	r = ops->open(&rp->cfg, &b, &err);
	if (r < 0) {
		log_error("restore: backend %s: %s", ops->name, err.msg);
		return r;
	}
	*opened = true;
	for (size_t i = 0; i < rp->n_sched; i++) {
		const struct pending *p = &rp->sched[i];

		if (made_has_id(&rp->made, p->vm))
			continue; /* the run made it: it is destroyed next, not restored */
		r = ops->sched_set(b, p->vm, &p->orig, &err);
		if (r == -ENOENT) {
			/* the VM is gone, and its setting with it (a systemd scope is
			 * removed with its groups once the killed tools are gone) */
			log_warn("restore: %s: gone, nothing to set back (%s)", p->vm, err.msg);
		} else if (r < 0) {
			log_error("restore: %s: setting back weight %d cap %d failed: %s", p->vm,
				  p->orig.weight, p->orig.cap, err.msg);
			ret = r;
		} else {
			log_info("restore: %s: weight %d cap %d restored", p->vm, p->orig.weight,
				 p->orig.cap);
		}
	}
	ops->close(b);
	return ret;
}

/* 3. what the backend made for the run (cgroups, namespaces), found by name */
static int cleanup_backend(struct replay *rp, const struct backend_ops *ops)
{
	struct backend_err err = { 0 };
	int r;

	if (!ops->cleanup_run || !rp->run_id[0])
		return 0;
	r = ops->cleanup_run(&rp->cfg, rp->run_id, &err);
	if (r < 0)
		log_error("restore: %s leftovers of run %s: %s", ops->name, rp->run_id, err.msg);
	else if (r > 0)
		log_info("restore: removed %d leftover objects of run %s", r, rp->run_id);
	return r < 0 ? r : 0;
}

static int replay_undo(struct replay *rp, const char *state_dir, const struct journal_env *env)
{
	const struct backend_ops *ops = NULL;
	int ret = 0, r;

	kill_procs(rp);
	kill_remotes(rp, env);
	rp->cfg.run_id = rp->run_id;
	if (rp->cfg.name) {
		ops = env && env->find ? env->find(rp->cfg.name) : NULL;
		if (!ops && (rp->n_sched || rp->made.n || !env || !env->find)) {
			log_error("restore: run %s used unknown backend '%s'", rp->run_id,
				  rp->cfg.name);
			return -EINVAL;
		}
	}
	if (ops && rp->n_sched) {
		bool opened;

		ret = restore_sched(rp, ops, &opened);
		if (!opened)
			return ret; /* unreachable: keep everything for the next try */
	}
	if (ops) {
		r = made_undo(&rp->made, ops, &rp->cfg, rp->run_id);
		ret = ret ? ret : r;
	}
	if (ops) {
		r = cleanup_backend(rp, ops);
		ret = ret ? ret : r;
	}
	/* 4. directories */
	for (size_t i = 0; i < rp->n_dirs; i++) {
		r = remove_dir(state_dir, rp->dirs[i]);
		if (r < 0) {
			log_error("restore: cannot remove '%s': %s", rp->dirs[i], strerror(-r));
			ret = ret ? ret : r;
		}
	}
	return ret;
}

int journal_replay_file(const char *path, const struct journal_env *env, bool force)
{
	bool (*alive)(pid_t, uint64_t) =
		env && env->owner_alive ? env->owner_alive : default_owner_alive;
	struct replay *rp = calloc(1, sizeof(*rp));
	char *text = NULL, *line, *save = NULL, *dir = NULL, *slash;
	size_t len;
	int r;

	if (!rp)
		return -ENOMEM;
	r = file_read_all(path, JOURNAL_MAX_FILE, &text, &len);
	if (r < 0)
		goto out;
	for (line = strtok_r(text, "\n", &save); line && r == 0; line = strtok_r(NULL, "\n", &save))
		r = replay_line(rp, line);
	if (r < 0) {
		log_error("restore: '%s' is damaged: %s", path, strerror(-r));
		goto out;
	}
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
	r = replay_undo(rp, slash ? dir : ".", env);
	if (r == 0) {
		if (unlink(path) < 0 && errno != ENOENT)
			r = -errno;
		else
			r = 1;
	}
out:
	free(dir);
	free(text);
	replay_done(rp);
	free(rp);
	return r;
}

int journal_replay_dir(const char *state_dir, const struct journal_env *env)
{
	DIR *d = opendir(state_dir);
	struct dirent *de;
	int count = 0, ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
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
