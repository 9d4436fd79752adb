// SPDX-License-Identifier: MIT
/* The restore journal: append + fsync before every change (replay: journal-replay.c). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "journal-make.h"
#include "journal-priv.h"
#include "log.h"
#include "proc.h"

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
	r = append(j, "isolab-journal %d %s", JOURNAL_VERSION, e1);
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
