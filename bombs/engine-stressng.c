// SPDX-License-Identifier: MIT
#include "engine-stressng.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "duty.h"
#include "log.h"
#include "parse.h"
#include "progress.h"
#include "sig.h"

#define SNG_MAX_ARGS 40
#define SNG_MAX_HELD 256 /* stressor processes paused by the duty cycle */
#define SNG_YAML_MAX (256U << 10)
#define SNG_TICK_NS  (50 * NSEC_PER_MSEC)
#define SNG_GRACE_NS (800 * NSEC_PER_MSEC) /* after SIGINT, before SIGKILL */
#define SNG_LATE_NS  (5 * NSEC_PER_SEC)	   /* past its own timeout: stop it */

bool sng_find(char *buf, size_t len)
{
	const char *path = getenv("PATH");
	char dirs[4096];

	snprintf(dirs, sizeof(dirs), "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		snprintf(buf, len, "%s/stress-ng", d);
		if (!access(buf, X_OK))
			return true;
	}
	return false;
}

int sng_parse_yaml(const char *text, struct sng_metrics *m)
{
	const char *p = strstr(text, "- stressor:");

	m->n = 0;
	if (!p)
		return -ENOENT;
	p = strchr(p, '\n');
	while (p && *++p) {
		const char *eol = strchr(p, '\n'), *colon, *k, *v;
		char key[64], val[64];
		size_t kl, vl;
		double d;

		if (!eol)
			eol = p + strlen(p);
		k = p;
		while (k < eol && *k == ' ')
			k++;
		/* the block ends at the next list item or a less indented line */
		if (k - p < 6 || *k == '-')
			break;
		colon = memchr(k, ':', (size_t)(eol - k));
		if (colon && m->n < sizeof(m->kv) / sizeof(m->kv[0])) {
			kl = (size_t)(colon - k);
			v = colon + 1;
			while (v < eol && *v == ' ')
				v++;
			vl = (size_t)(eol - v);
			if (kl < sizeof(key) && vl && vl < sizeof(val)) {
				memcpy(key, k, kl);
				key[kl] = '\0';
				memcpy(val, v, vl);
				val[vl] = '\0';
				if (!parse_double(val, -1e300, 1e300, &d)) {
					snprintf(m->kv[m->n].key, sizeof(m->kv[m->n].key), "%s",
						 key);
					m->kv[m->n].value = d;
					m->n++;
				}
			}
		}
		p = *eol ? eol : NULL;
	}
	return 0;
}

/* Builds argv: stress-ng, the kind's arguments, timeout and metrics options. */
static int sng_argv(const struct bomb_config *cfg, const char *path, const char *ypath, char *buf,
		    size_t len, char *tbuf, size_t tlen, const char **argv)
{
	size_t n = 0;
	int r = cfg->ops->sng_args(cfg, buf, len);
	uint64_t secs;

	if (r)
		return r;
	argv[n++] = path;
	for (char *save = NULL, *a = strtok_r(buf, "\n", &save); a && n < SNG_MAX_ARGS - 10;
	     a = strtok_r(NULL, "\n", &save))
		argv[n++] = a;
	/* whole seconds; 0 runs until signalled, as ours */
	secs = (cfg->duration_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
	snprintf(tbuf, tlen, "%llus", (unsigned long long)secs);
	argv[n++] = "--timeout";
	argv[n++] = secs ? tbuf : "0";
	argv[n++] = "--metrics-brief";
	argv[n++] = "--yaml";
	argv[n++] = ypath;
	argv[n] = NULL;
	return 0;
}

static void __attribute__((noreturn))
sng_child(const struct bomb_config *cfg, const char **argv, pid_t parent)
{
	int out = 2;

	(void)setpgid(0, 0);
	if (sig_parent_death(SIGKILL, parent))
		_exit(127);
	if (cfg->quiet)
		out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	/* stdout is for our JSON: its chatter goes to stderr (or nowhere with
	 * --quiet; its own --quiet would drop the YAML too) */
	if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* The stressor processes stopped for the idle part of a duty period. */
struct sng_held {
	pid_t pid[SNG_MAX_HELD];
	int n;
	bool group; /* no /proc/PID/task/PID/children: signal the group */
};

/*
 * Pauses (SIGSTOP) or resumes (SIGCONT) stress-ng's stressors: its direct
 * children, read from /proc/PID/task/PID/children. Not the process group:
 * some stressors' children call setsid() and would escape a group SIGCONT,
 * staying stopped for good, with their stressor waiting on them.
 */
static void sng_pause(pid_t pid, struct sng_held *h, bool stop)
{
	char path[64], buf[SNG_MAX_HELD * 12];
	ssize_t len;
	int fd;

	if (!stop) {
		if (h->group)
			(void)kill(-pid, SIGCONT);
		for (int i = 0; i < h->n; i++)
			(void)kill(h->pid[i], SIGCONT);
		h->n = 0;
		return;
	}
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		h->group = true;
		(void)kill(-pid, SIGSTOP);
		return;
	}
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[len > 0 ? len : 0] = '\0';
	h->n = 0;
	for (char *save = NULL, *t = strtok_r(buf, " \n", &save); t && h->n < SNG_MAX_HELD;
	     t = strtok_r(NULL, " \n", &save)) {
		uint64_t v;

		if (!parse_u64(t, 1, INT32_MAX, &v) && !kill((pid_t)v, SIGSTOP))
			h->pid[h->n++] = (pid_t)v;
	}
}

static void sng_read_yaml(int yfd, struct sng_metrics *m)
{
	char *text = malloc(SNG_YAML_MAX + 1);
	ssize_t n;

	m->n = 0;
	if (!text)
		return;
	n = pread(yfd, text, SNG_YAML_MAX, 0);
	if (n > 0) {
		text[n] = '\0';
		(void)sng_parse_yaml(text, m);
	}
	free(text);
}

/* A running stress-ng: its pid (and process group), YAML memfd, start time. */
struct sng_proc {
	pid_t pid;
	int yfd;
	uint64_t start_ns;
};

static int sng_fail(struct bomb_outcome *out, const char *what, int err)
{
	out->status = RESULT_FAILED;
	snprintf(out->error, sizeof(out->error), "%s%s%s", what, err ? ": " : "",
		 err ? strerror(err) : "");
	return -1;
}

/* Starts stress-ng in its own process group; 0, or -1 with out failed. */
static int sng_spawn(const struct bomb_config *cfg, const char *path, struct sng_proc *sp,
		     struct bomb_outcome *out)
{
	char buf[1024], tbuf[32], ypath[64];
	const char *argv[SNG_MAX_ARGS];
	pid_t self = getpid();

	/*
	 * stress-ng writes its YAML by path: give it our memfd through /proc,
	 * so there is no file to remove, whatever happens.
	 */
	sp->yfd = memfd_create("isolab-bomb-yaml", MFD_CLOEXEC);
	if (sp->yfd < 0)
		return sng_fail(out, "memfd_create failed", errno);
	snprintf(ypath, sizeof(ypath), "/proc/%d/fd/%d", (int)self, sp->yfd);
	if (sng_argv(cfg, path, ypath, buf, sizeof(buf), tbuf, sizeof(tbuf), argv)) {
		close(sp->yfd);
		return sng_fail(out, "stress-ng arguments too long", 0);
	}
	sp->start_ns = clock_now_ns();
	sp->pid = fork();
	if (sp->pid == 0)
		sng_child(cfg, argv, self);
	if (sp->pid < 0) {
		int err = errno;

		close(sp->yfd);
		return sng_fail(out, "fork failed", err);
	}
	(void)setpgid(sp->pid, sp->pid); /* also in the child: whichever runs first */
	return 0;
}

/* The duty cycle by SIGSTOP/SIGCONT; returns how long to sleep. */
static uint64_t sng_duty(const struct duty *d, pid_t pid, struct sng_held *held, bool *stopped,
			 uint64_t now)
{
	uint64_t off = duty_off_ns(d, now), tick;

	if (off && !*stopped) {
		sng_pause(pid, held, true);
		*stopped = true;
	} else if (!off && *stopped) {
		sng_pause(pid, held, false);
		*stopped = false;
	}
	tick = off ? off : d->on_ns - (now - d->start_ns) % d->period_ns;
	return tick > SNG_TICK_NS ? SNG_TICK_NS : tick;
}

/*
 * Watches stress-ng until it exits: the duration (its own --timeout, and
 * ours a little later), our stop signals (SIGINT to it, SIGKILL to its
 * group after a grace), the duty cycle, the progress line.
 */
static void sng_watch(const struct bomb_config *cfg, const struct sng_proc *sp)
{
	bool duty_signals = cfg->intensity < 100 && !cfg->ops->sng_own_intensity;
	bool stopped = false, asked = false;
	struct sng_held held = { 0 };
	uint64_t deadline, asked_at = 0;
	pid_t pid = sp->pid;
	struct duty d;

	duty_init(&d, cfg->intensity, 0, sp->start_ns);
	deadline = cfg->duration_ns ? sp->start_ns + cfg->duration_ns + SNG_LATE_NS : 0;
	for (;;) {
		uint64_t now = clock_now_ns(), tick = SNG_TICK_NS;
		siginfo_t si = { 0 };

		/* WNOWAIT: its group is killed below before the pid can be reused */
		if (!waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid)
			break;
		if ((sig_stop_requested() || (deadline && now >= deadline)) && !asked) {
			if (stopped)
				sng_pause(pid, &held, false);
			stopped = false;
			(void)kill(pid, SIGINT);
			asked = true;
			asked_at = now;
		}
		if (asked && now - asked_at > SNG_GRACE_NS) {
			(void)kill(-pid, SIGKILL);
			break;
		}
		if (duty_signals && !asked)
			tick = sng_duty(&d, pid, &held, &stopped, now);
		if (progress_enabled()) {
			char t[32];

			fmt_duration(now - sp->start_ns, t, sizeof(t));
			progress_update("%s (stress-ng): running for %s", cfg->ops->name, t);
		}
		(void)clock_sleep(tick);
	}
	progress_done();
}

/* How it ended: ok with metrics, interrupted by us, or failed and why. */
static void sng_status(const char *path, int status, const struct sng_metrics *m,
		       struct bomb_outcome *out)
{
	if (sig_stop_requested()) {
		out->status = RESULT_INTERRUPTED;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && m->n) {
		out->status = RESULT_OK;
	} else {
		out->status = RESULT_FAILED;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(out->error, sizeof(out->error), "could not run %s", path);
		else if (WIFEXITED(status))
			snprintf(out->error, sizeof(out->error),
				 "stress-ng exited with status %d%s", WEXITSTATUS(status),
				 m->n ? "" : " and no metrics");
		else
			snprintf(out->error, sizeof(out->error),
				 "stress-ng was killed by signal %d",
				 WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	}
}

void sng_run(const struct bomb_config *cfg, const char *path, struct bomb_outcome *out,
	     struct sng_metrics *m, double *elapsed_s)
{
	struct sng_proc sp;
	double wall;
	int status = 0;

	memset(out, 0, sizeof(*out));
	m->n = 0;
	*elapsed_s = 0;
	out->started_wall_ns = clock_wall_ns();
	if (sng_spawn(cfg, path, &sp, out))
		return;
	bomb_ready(cfg->ready_fd);
	sng_watch(cfg, &sp);
	/* its stressors are in its group; nothing of it may outlive us */
	(void)kill(-sp.pid, SIGKILL);
	while (waitpid(sp.pid, &status, 0) < 0 && errno == EINTR)
		;
	out->elapsed_ns = clock_now_ns() - sp.start_ns;
	*elapsed_s = ns_to_s(out->elapsed_ns);
	sng_read_yaml(sp.yfd, m);
	close(sp.yfd);
	if (m->n && sng_get(m, "wall-clock-time", &wall) && wall > 0)
		*elapsed_s = wall;
	sng_status(path, status, m, out);
}
