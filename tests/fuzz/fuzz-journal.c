// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the journal reader behind `isolab restore`
 * (controller/journal-replay.c): a journal torn by a crash, damaged, written
 * by a newer isolab, or forged.
 *
 * The input is the journal of run "f" in a scratch state directory; it is
 * replayed through a fake backend and a fake executor. The replay's own
 * actions are fenced: kill() is wrapped (-Wl,--wrap=kill) and only
 * recorded, so a fuzzer that learns a live process's start time kills
 * nothing; usleep() does not sleep. Checks: no kill ever aims at pid 0, 1
 * or -1 (every process); nothing outside the state directory is removed (a
 * sibling directory and its file stay); the journal ends removed (1),
 * set aside as .bad (-EPROTO) or kept for a retry (-EAGAIN), nothing else.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "fileio.h"
#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __wrap_kill(pid_t pid, int sig);
int __wrap_usleep(useconds_t us);

int __wrap_kill(pid_t pid, int sig)
{
	(void)sig;
	if (pid == 0 || pid == 1 || pid == -1)
		abort(); /* the whole process group, init, or every process */
	return 0;
}

int __wrap_usleep(useconds_t us)
{
	(void)us;
	return 0;
}

static int fake_open(const struct backend_config *cfg, struct backend **out,
		     struct backend_err *err)
{
	(void)cfg;
	if (cfg->n_opts > 3) { /* some replays meet an unreachable backend */
		backend_errf(err, "EHOSTUNREACH", "unreachable");
		return -EHOSTUNREACH;
	}
	*out = NULL;
	return 0;
}

static void fake_close(struct backend *b)
{
	(void)b;
}

static int fake_set(struct backend *b, const char *vm, const struct sched_params *p,
		    struct backend_err *err)
{
	(void)b;
	(void)p;
	if (strchr(vm, '!')) {
		backend_errf(err, "EIO", "cannot set");
		return -EIO;
	}
	return 0;
}

static int fake_cleanup(const struct backend_config *cfg, const char *run_id,
			struct backend_err *err)
{
	(void)cfg;
	(void)err;
	if (strcmp(run_id, "f") != 0)
		abort(); /* the run id is the file's, whatever the journal says */
	return 0;
}

static const struct backend_ops fake_ops = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.sched_set = fake_set,
	.cleanup_run = fake_cleanup,
};

static const struct backend_ops *find(const char *name)
{
	return name && (!strcmp(name, "fake") || !strcmp(name, "local")) ? &fake_ops : NULL;
}

static int fake_kill_remote(const char *target, long pgid)
{
	if (pgid <= 1 || !*target)
		abort();
	return target[0] == 'u' ? -EHOSTUNREACH : target[0] == '-' ? -EINVAL : 0;
}

static const struct exec_ops fake_exec = { .name = "ssh", .kill_remote = fake_kill_remote };

static const struct exec_ops *find_exec(const char *name)
{
	return name && !strcmp(name, "ssh") ? &fake_exec : NULL;
}

static bool owner_dead(pid_t pid, uint64_t start)
{
	(void)pid;
	(void)start;
	return false;
}

static const struct journal_env env = { find, find_exec, owner_dead };
static char root[64], state[96], sibling[96], keep[128], path[160], bad[168];

static void remove_all(void)
{
	(void)file_remove_tree(root);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	int r;

	if (!ready) {
		/* tmpfs when there is one: the writes are fsync'd */
		snprintf(root, sizeof(root), "%s/isolab-fuzz-journal-XXXXXX",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (!mkdtemp(root))
			abort();
		snprintf(state, sizeof(state), "%s/state", root);
		snprintf(sibling, sizeof(sibling), "%s/state-x", root);
		snprintf(keep, sizeof(keep), "%s/keep", sibling);
		snprintf(path, sizeof(path), "%s/run-f.journal", state);
		snprintf(bad, sizeof(bad), "%s.bad", path);
		if (file_mkdirs(state, 0700) || file_mkdirs(sibling, 0700) ||
		    file_write_atomic(keep, "k", 1, 0600))
			abort();
		atexit(remove_all);
		ready = true;
	}
	if (file_write_atomic(path, (const char *)data, size, 0600) < 0)
		abort();
	r = journal_replay_file(path, &env, false);
	if (!exists(keep) || !exists(state) || !exists(sibling))
		abort(); /* removed outside the state directory */
	if (r == 1 && exists(path))
		abort();
	if (r == -EPROTO && (exists(path) || !exists(bad)))
		abort();
	if (r == -EAGAIN && !exists(path))
		abort();
	if (r != 1 && r != -EPROTO && r != -EAGAIN && r != -ENOMEM)
		abort();
	(void)unlink(path);
	(void)unlink(bad);
	return 0;
}
