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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fileio.h"
#include "journal-make.h"
#include "journal-parse.h"
#include "journal-priv.h"
#include "log.h"
#include "proc.h"

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
			replay_problem(
				rp, false,
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
			replay_problem(rp, false,
				       "no executor '%.32s' to kill process group %ld on %.64s",
				       rr->exec, rr->pgid, rr->target);
			continue;
		}
		replay_say(LOG_LVL_INFO, "restore: killing remote process group %ld on %.64s",
			   rr->pgid, rr->target);
		r = x->kill_remote(rr->target, rr->pgid);
		if (r == -EINVAL) /* the executor refuses the target: no retry helps */
			replay_problem(rp, false,
				       "'%.64s' is not a %s target: process group %ld not killed",
				       rr->target, x->name, rr->pgid);
		else if (r < 0)
			replay_problem(rp, true, "could not reach %.64s to kill process group %ld",
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
		replay_problem(rp, true, "backend %s: %s: no setting restored", ops->name, err.msg);
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
			replay_say(LOG_LVL_WARN, "restore: %.64s: gone, nothing to set back (%s)",
				   p->vm, err.msg);
		else if (r < 0)
			replay_problem(rp, true, "%s: setting back weight %d cap %d failed: %s",
				       p->vm, p->orig.weight, p->orig.cap, err.msg);
		else
			replay_say(LOG_LVL_INFO, "restore: %.64s: weight %d cap %d restored", p->vm,
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
		replay_problem(rp, true, "%s leftovers of run %s: %s", ops->name, rp->run_id,
			       err.msg);
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
		replay_problem(rp, false,
			       "directory '%.200s' is not inside the state directory %.200s: "
			       "not removed",
			       path, state_dir);
		return;
	}
	if (lstat(path, &st) < 0)
		return; /* already gone */
	if (!S_ISDIR(st.st_mode)) {
		replay_problem(rp, false, "'%.200s' is not a directory the run made: not removed",
			       path);
		return;
	}
	r = file_remove_tree(path);
	if (r < 0)
		replay_problem(rp, true, "cannot remove '%.200s': %s", path, strerror(-r));
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
			replay_problem(
				rp, rp->made.n > 0,
				"unknown backend '%.64s': %zu setting(s) not restored, %zu VM(s) "
				"it made not destroyed",
				rp->cfg.name, rp->n_sched, rp->made.n);
	}
	if (ops && rp->n_sched && !restore_sched(rp, ops))
		return; /* unreachable: keep everything for the next try */
	if (ops && made_undo(&rp->made, ops, &rp->cfg, rp->run_id) < 0)
		replay_problem(rp, true, "not every VM run %s made was destroyed", rp->run_id);
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
		replay_say(LOG_LVL_ERROR,
			   "restore: %s: not replayed: %s, owned by uid %u, mode %04o (expected "
			   "a %s of uid %u that nobody else can write)",
			   path,
			   S_ISLNK(st.st_mode) ? "a symlink"
			   : dir	       ? "a directory"
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
	replay_clean(rp->name);
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
	r = replay_parse(rp, text, len);
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
