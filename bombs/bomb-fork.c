// SPDX-License-Identifier: MIT
/*
 * fork: forker processes (one per --threads) create children continuously;
 * each child asks for SIGKILL when its forker dies and exits at once. A
 * forker forks up to its share of --max-procs, then reaps them all, so the
 * number of processes (forkers + children) never exceeds --max-procs.
 * Counters live in a shared anonymous mapping.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bomb.h"
#include "clock.h"
#include "duty.h"
#include "json.h"
#include "log.h"
#include "proc.h"
#include "sysinfo.h"

#define FORK_DEFAULT_MAX     4096
#define FORK_UNBOUNDED_QUOTA 65536 /* children per batch with --max-procs 0 */
#define FORK_STOP_GRACE_NS   (700 * NSEC_PER_MSEC)

struct fork_slot {
	uint64_t forks;
	uint64_t failures;
} __attribute__((aligned(64)));

struct fork_shared {
	int stop;
	uint64_t live; /* processes of ours alive: forkers + unreaped children */
	uint64_t peak;
	struct fork_slot slot[];
};

struct fork_state {
	struct fork_shared *sh;
	size_t shlen;
	unsigned nforkers;
	pid_t *pids;
	uint64_t forks, failures, peak;
};

static int fork_check(struct bomb_config *cfg)
{
	if (!cfg->max_procs_set) {
		uint64_t room;

		cfg->max_procs = FORK_DEFAULT_MAX;
		if (!sys_pids_room(&room)) {
			uint64_t margin = room / 10 > 32 ? room / 10 : 32;

			room = room > margin ? room - margin : 0;
			if (room < cfg->max_procs)
				cfg->max_procs = room;
			if (cfg->max_procs < 2) {
				log_error("fork: the pids limit leaves no room (give --max-procs)");
				return -EINVAL;
			}
		}
	}
	if (!cfg->threads)
		cfg->threads = bomb_cpus();
	/* every forker needs room for itself and one child */
	if (cfg->max_procs && cfg->threads > cfg->max_procs / 2)
		cfg->threads = (unsigned)(cfg->max_procs / 2);
	return 0;
}

static uint64_t fork_quota(const struct bomb_config *cfg, unsigned nforkers)
{
	if (!cfg->max_procs)
		return FORK_UNBOUNDED_QUOTA;
	return (cfg->max_procs - nforkers) / nforkers;
}

static void note_peak(struct fork_shared *sh, uint64_t now)
{
	uint64_t old = __atomic_load_n(&sh->peak, __ATOMIC_RELAXED);

	while (now > old && !__atomic_compare_exchange_n(&sh->peak, &old, now, true,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static bool forker_should_stop(const struct fork_shared *sh)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED) || sig_stop_requested();
}

/* The forker process's loop; never returns. */
static void __attribute__((noreturn))
forker(struct bomb_ctx *ctx, struct fork_shared *sh, unsigned idx, uint64_t quota, pid_t parent)
{
	struct fork_slot *slot = &sh->slot[idx];
	pid_t self = getpid();
	struct duty d;

	if (sig_parent_death(SIGKILL, parent))
		_exit(1);
	duty_init(&d, ctx->cfg->intensity, 0, clock_now_ns());
	while (!forker_should_stop(sh)) {
		uint64_t n = 0;
		bool failed = false;

		while (n < quota && !forker_should_stop(sh)) {
			uint64_t live = __atomic_add_fetch(&sh->live, 1, __ATOMIC_RELAXED);
			pid_t pid = fork();

			if (pid == 0) {
				(void)sig_parent_death(SIGKILL, self);
				_exit(0);
			}
			if (pid < 0) {
				__atomic_sub_fetch(&sh->live, 1, __ATOMIC_RELAXED);
				__atomic_fetch_add(&slot->failures, 1, __ATOMIC_RELAXED);
				failed = true;
				break; /* EAGAIN and friends: reap, then try again */
			}
			note_peak(sh, live);
			__atomic_fetch_add(&slot->forks, 1, __ATOMIC_RELAXED);
			n++;
			(void)duty_pause(&d, ctx);
		}
		for (; n; n--) {
			if (wait(NULL) < 0 && errno == ECHILD)
				break;
			__atomic_sub_fetch(&sh->live, 1, __ATOMIC_RELAXED);
		}
		if (n) /* children we could not wait for are gone anyway */
			__atomic_sub_fetch(&sh->live, n, __ATOMIC_RELAXED);
		if (failed) /* out of pids or memory: let the system breathe */
			(void)clock_sleep(NSEC_PER_MSEC);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	_exit(0);
}

static int fork_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct fork_state *s = calloc(1, sizeof(*s));
	pid_t self = getpid();
	uint64_t quota;
	void *p;

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	s->pids = calloc(cfg->threads, sizeof(*s->pids));
	if (!s->pids)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	s->shlen = sizeof(struct fork_shared) + cfg->threads * sizeof(struct fork_slot);
	p = mmap(NULL, s->shlen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return bomb_fail(ctx, -errno, "bomb-fork: mmap failed: %s", strerror(errno));
	s->sh = p;
	quota = fork_quota(cfg, cfg->threads);
	/* the forkers count against --max-procs too */
	__atomic_store_n(&s->sh->live, cfg->threads, __ATOMIC_RELAXED);
	note_peak(s->sh, cfg->threads);
	for (unsigned i = 0; i < cfg->threads; i++) {
		pid_t pid = fork();

		if (pid == 0)
			forker(ctx, s->sh, i, quota, self);
		if (pid < 0)
			return bomb_fail(ctx, -errno, "bomb-fork: starting forker %u failed: %s", i,
					 strerror(errno));
		s->pids[s->nforkers++] = pid;
	}
	return 0;
}

static uint64_t fork_forks_now(const struct fork_state *s, uint64_t *failures)
{
	uint64_t forks = 0, fail = 0;

	for (unsigned i = 0; s->sh && i < s->nforkers; i++) {
		forks += __atomic_load_n(&s->sh->slot[i].forks, __ATOMIC_RELAXED);
		fail += __atomic_load_n(&s->sh->slot[i].failures, __ATOMIC_RELAXED);
	}
	if (failures)
		*failures = fail;
	return forks;
}

static void fork_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct fork_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char r[32];

	snprintf(buf, len, "%sforks/s, %llu procs",
		 bomb_fmt_rate(el > 0 ? (double)fork_forks_now(s, NULL) / el : 0, r, sizeof(r)),
		 (unsigned long long)__atomic_load_n(&s->sh->live, __ATOMIC_RELAXED));
}

static int fork_finish(struct bomb_ctx *ctx)
{
	struct fork_state *s = ctx->priv;
	uint64_t deadline = clock_now_ns() + FORK_STOP_GRACE_NS;

	if (!s)
		return 0;
	if (s->sh)
		__atomic_store_n(&s->sh->stop, 1, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < s->nforkers; i++) {
		uint64_t now = clock_now_ns();
		int status;

		if (proc_wait_timeout(s->pids[i], now < deadline ? deadline - now : 0, &status)) {
			(void)kill(s->pids[i], SIGKILL);
			(void)waitpid(s->pids[i], &status, 0);
		}
	}
	if (s->sh) {
		s->forks = fork_forks_now(s, &s->failures);
		s->peak = __atomic_load_n(&s->sh->peak, __ATOMIC_RELAXED);
	}
	return 0;
}

static void fork_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct fork_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);

	json_kv_uint(w, "forks", s ? s->forks : 0);
	json_kv_double(w, "forks_per_s", s && el > 0 ? (double)s->forks / el : 0);
	json_kv_uint(w, "peak_procs", s ? s->peak : 0);
	json_kv_uint(w, "fork_failures", s ? s->failures : 0);
}

static void fork_free(struct bomb_ctx *ctx)
{
	struct fork_state *s = ctx->priv;

	if (s) {
		if (s->sh)
			(void)munmap(s->sh, s->shlen);
		free(s->pids);
	}
	free(s);
	ctx->priv = NULL;
}

static int fork_sng_args(const struct bomb_config *cfg, char *buf, size_t len)
{
	uint64_t quota = fork_quota(cfg, cfg->threads);
	int n;

	quota = quota > 16000 ? 16000 : quota < 1 ? 1 : quota; /* stress-ng's range */
	n = snprintf(buf, len, "--fork\n%u\n--fork-max\n%llu", cfg->threads,
		     (unsigned long long)quota);
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static void fork_sng_metrics(const struct bomb_config *cfg, const struct sng_metrics *m, double el,
			     struct json_writer *w)
{
	double ops = 0;

	(void)sng_get(m, "bogo-ops", &ops);
	json_kv_uint(w, "forks", (uint64_t)ops);
	json_kv_double(w, "forks_per_s", el > 0 ? ops / el : 0);
}

static const struct bomb_option fork_options[] = {
	{ .name = "max-procs",
	  .type = BOMB_OPT_UINT,
	  .metavar = "N",
	  .help = "processes at once, forkers included (0 only in a disposable guest)",
	  .unit = "processes",
	  .min = 2,
	  .max = 4194304,
	  .zero = "unbounded",
	  .def_text = "the smaller of 4096 and the cgroup pids limit minus a margin",
	  BOMB_FIELD(max_procs),
	  .set_off = offsetof(struct bomb_config, max_procs_set),
	  .json = "max_procs" },
	BOMB_OPT_THREADS("forker processes", NULL, "the CPUs we may run on"),
	{ 0 },
};

const struct bomb_ops bomb_fork_ops = {
	.name = "fork",
	.summary = "creates processes continuously (each exits at once)",
	.options = fork_options,
	.notes = "metrics: forks, forks_per_s, peak_procs, fork_failures\n"
		 "stress-ng: --fork N --fork-max (max-procs - N) / N\n",
	.check = fork_check,
	.start = fork_start,
	.status = fork_status,
	.finish = fork_finish,
	.metrics_json = fork_metrics_json,
	.free = fork_free,
	.sng_args = fork_sng_args,
	.sng_metrics_json = fork_sng_metrics,
};
