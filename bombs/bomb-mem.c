// SPDX-License-Identifier: MIT
/*
 * mem: allocates and touches memory up to --bytes, then keeps re-touching it
 * so it stays resident. fill paces allocation page by page (one write per
 * page, under the duty cycle) as the Isolation Benchmark Suite's memory bomb
 * does; bandwidth allocates everything, then memsets it as fast as it can.
 * A failed allocation is a measurement (alloc_failures), not an error.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bomb.h"
#include "clock.h"
#include "duty.h"
#include "fileio.h"
#include "json.h"
#include "log.h"
#include "memstream.h"
#include "parse.h"
#include "sysinfo.h"

#define MEM_CHUNK      (64ULL << 20) /* one mmap */
#define MEM_STEP_PAGES 64	     /* pages touched between clock reads */
#define MEM_SET_SLICE  (1ULL << 20)  /* bytes written between looks at the clock */
#define MEM_HUGE_PAGE  (2ULL << 20)

enum {
	MEM_FILL,
	MEM_BANDWIDTH
};

struct mem_chunk {
	char *p;
	size_t len;
};

struct mem_worker {
	struct bomb_ctx *ctx;
	struct mem_state *s;
	unsigned idx;
	pthread_t tid;
	uint64_t resident; /* bytes touched at least once (atomic) */
	uint64_t touched;  /* bytes written, re-touches included (atomic) */
	uint64_t failures;
	uint64_t steady_ns;	 /* when everything was resident (0: never) */
	uint64_t steady_touched; /* touched at that time */
} __attribute__((aligned(64)));

struct mem_state {
	size_t page;
	size_t nchunks;
	struct mem_chunk *chunks;
	unsigned nthreads; /* started */
	unsigned stride;   /* workers, fixed before any starts: chunk i is worker i % stride's */
	struct mem_worker *w;
	uint64_t resident, touched, failures, rss;
	uint64_t huge;	    /* of rss, on transparent huge pages */
	double steady_rate; /* bytes/s once resident, summed over workers; < 0: none */
	double fill_s;	    /* from the start until every worker held its share */
};

/* 90 % of what we may use: the tighter of the cgroup limit and MemAvailable. */
static int mem_default_bytes(uint64_t *out)
{
	uint64_t avail = 0, limit;
	bool have = !sys_meminfo("MemAvailable", &avail);

	if (!sys_mem_limit(&limit) && (!have || limit < avail)) {
		avail = limit;
		have = true;
	}
	if (!have)
		return -ENOENT;
	*out = avail / 10 * 9;
	return 0;
}

static int mem_check(struct bomb_config *cfg)
{
	if (!cfg->threads)
		cfg->threads = cfg->mode == MEM_BANDWIDTH ? bomb_cpus() : 1;
	if (!cfg->bytes) {
		if (mem_default_bytes(&cfg->bytes) || cfg->bytes < 4096) {
			log_error("mem: cannot tell how much memory may be used; give --bytes");
			return -EINVAL;
		}
	}
	return 0;
}

/* Writes one byte per page of [p, p+len), n pages at most; returns pages done. */
static size_t touch_pages(char *p, size_t len, size_t page, size_t n, unsigned char v)
{
	size_t done = 0;

	for (size_t off = 0; off < len && done < n; off += page, done++)
		__atomic_store_n(&p[off], (char)v, __ATOMIC_RELAXED);
	return done;
}

/* Touches chunk c from offset *off, a step at a time, until done or stopped. */
static bool touch_chunk(struct mem_worker *w, struct mem_chunk *c, const struct duty *d, bool first,
			unsigned char v)
{
	size_t page = w->s->page;

	for (size_t off = 0; off < c->len;) {
		size_t n = touch_pages(c->p + off, c->len - off, page, MEM_STEP_PAGES, v);
		uint64_t bytes = (uint64_t)n * page;

		off += n * page;
		if (first)
			__atomic_fetch_add(&w->resident, bytes, __ATOMIC_RELAXED);
		__atomic_fetch_add(&w->touched, bytes, __ATOMIC_RELAXED);
		if (bomb_should_stop(w->ctx))
			return false;
		(void)duty_pause(d, w->ctx);
	}
	return true;
}

/*
 * bandwidth: on transparent huge pages where the kernel has them. With 4 KiB
 * pages a streaming store misses the TLB every 64 lines, and in a VM every
 * miss is a two-level page walk: on 2 vCPUs, 2 x 256 MiB, the bomb wrote
 * 2.2-3.4 GB/s on small pages and 6.6-9 GB/s on huge ones (stress-ng
 * --memrate asks for them too). The mapping starts on a 2 MiB boundary so
 * that all of it can be huge. The price is a slower first touch in a VM
 * whose host takes back free memory (free page reporting): a huge page
 * fresh from the kernel faults in the host for every 4 KiB of it; filling on
 * small pages and collapsing them after (MADV_COLLAPSE) was slower still.
 */
static void *map_huge(size_t len)
{
	size_t extra = MEM_HUGE_PAGE;
	char *p =
		mmap(NULL, len + extra, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t head;

	if (p == MAP_FAILED)
		return p;
	head = (size_t)(-(uintptr_t)p & (MEM_HUGE_PAGE - 1));
	if (head)
		(void)munmap(p, head);
	if (extra - head)
		(void)munmap(p + head + len, extra - head);
	p += head;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

static bool map_chunk(struct mem_worker *w, struct mem_chunk *c)
{
	void *p = w->ctx->cfg->mode == MEM_BANDWIDTH ? map_huge(c->len)
						     : mmap(NULL, c->len, PROT_READ | PROT_WRITE,
							    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		w->failures++;
		return false;
	}
	c->p = p;
	return true;
}

static void set_chunk(struct mem_worker *w, struct mem_chunk *c, const struct duty *d,
		      unsigned char v)
{
	size_t slice = MEM_SET_SLICE;

	for (size_t off = 0; off < c->len && !bomb_should_stop(w->ctx); off += slice) {
		size_t n = c->len - off < slice ? c->len - off : slice;

		mem_stream_set(c->p + off, n, v);
		__atomic_fetch_add(&w->touched, n, __ATOMIC_RELAXED);
		(void)duty_pause(d, w->ctx);
	}
}

/* One pass over this worker's chunks; false when it holds none. */
static bool rewrite(struct mem_worker *w, const struct duty *d, unsigned char v)
{
	struct mem_state *s = w->s;
	bool any = false;

	for (size_t i = w->idx; i < s->nchunks && !bomb_should_stop(w->ctx); i += s->stride) {
		struct mem_chunk *c = &s->chunks[i];

		if (!c->p)
			continue;
		any = true;
		if (w->ctx->cfg->mode == MEM_BANDWIDTH)
			set_chunk(w, c, d, v);
		else
			(void)touch_chunk(w, c, d, false, v);
	}
	return any;
}

static void *mem_thread(void *arg)
{
	struct mem_worker *w = arg;
	struct mem_state *s = w->s;
	struct duty d;
	unsigned char v = 1;

	duty_init(&d, w->ctx->cfg->intensity, 0, clock_now_ns());
	/* allocate: this worker's chunks are idx, idx + stride, ... */
	for (size_t i = w->idx; i < s->nchunks && !bomb_should_stop(w->ctx); i += s->stride) {
		if (!map_chunk(w, &s->chunks[i]))
			break; /* keep what we have: the limit is the measurement */
		if (!touch_chunk(w, &s->chunks[i], &d, true, v))
			break;
	}
	/* keep it resident */
	w->steady_touched = __atomic_load_n(&w->touched, __ATOMIC_RELAXED);
	w->steady_ns = clock_now_ns();
	while (!bomb_should_stop(w->ctx))
		if (!rewrite(w, &d, ++v))
			(void)clock_sleep(10 * NSEC_PER_MSEC);
	return NULL;
}

static int mem_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct mem_state *s = calloc(1, sizeof(*s));
	long page = sysconf(_SC_PAGESIZE);
	uint64_t chunk;

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	s->page = page > 0 ? (size_t)page : 4096;
	/* chunks of at most MEM_CHUNK, at least one per thread */
	chunk = (cfg->bytes / cfg->threads + s->page - 1) / s->page * s->page;
	chunk = chunk > MEM_CHUNK ? MEM_CHUNK : chunk < s->page ? s->page : chunk;
	s->nchunks = (size_t)((cfg->bytes + chunk - 1) / chunk);
	s->chunks = calloc(s->nchunks, sizeof(*s->chunks));
	s->w = bomb_zalloc(cfg->threads, sizeof(*s->w));
	if (!s->chunks || !s->w)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	for (size_t i = 0; i < s->nchunks; i++) {
		uint64_t left = cfg->bytes - (uint64_t)i * chunk;

		s->chunks[i].len = (size_t)(left < chunk ? left : chunk);
	}
	/* with fewer chunks than threads, some threads would idle: use fewer */
	s->stride = cfg->threads < s->nchunks ? cfg->threads : (unsigned)s->nchunks;
	s->nthreads = 0;
	for (unsigned i = 0; i < s->stride; i++) {
		int r;

		s->w[i] = (struct mem_worker){ .ctx = ctx, .s = s, .idx = i };
		s->nthreads = i + 1;
		r = pthread_create(&s->w[i].tid, NULL, mem_thread, &s->w[i]);
		if (r) {
			s->nthreads = i;
			return bomb_fail(ctx, -r, "bomb-mem: starting thread %u failed: %s", i,
					 strerror(r));
		}
	}
	return 0;
}

static void mem_sum(struct mem_state *s)
{
	s->resident = s->touched = 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->resident += __atomic_load_n(&s->w[i].resident, __ATOMIC_RELAXED);
		s->touched += __atomic_load_n(&s->w[i].touched, __ATOMIC_RELAXED);
	}
}

static void mem_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct mem_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char a[32], r[32];

	mem_sum(s);
	snprintf(buf, len, "%s resident, %sB/s touched", fmt_size(s->resident, a, sizeof(a)),
		 bomb_fmt_rate(el > 0 ? (double)s->touched / el : 0, r, sizeof(r)));
}

/* "Key:   123 kB" from a /proc file, in bytes; 0 when absent. */
static uint64_t read_kib_field(const char *path, const char *key)
{
	char *text = NULL, *p;
	size_t len;
	uint64_t kib = 0;

	if (file_read_all(path, 1 << 16, &text, &len))
		return 0;
	p = strstr(text, key);
	if (p) {
		char num[24];
		size_t i = 0;

		p += strlen(key);
		while (*p == ' ' || *p == '\t')
			p++;
		while (p[i] >= '0' && p[i] <= '9' && i < sizeof(num) - 1) {
			num[i] = p[i];
			i++;
		}
		num[i] = '\0';
		if (parse_u64(num, 0, UINT64_MAX / 1024, &kib))
			kib = 0;
	}
	free(text);
	return kib * 1024;
}

static int mem_finish(struct bomb_ctx *ctx)
{
	struct mem_state *s = ctx->priv;

	if (!s)
		return 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		(void)pthread_join(s->w[i].tid, NULL);
		s->failures += s->w[i].failures;
	}
	mem_sum(s);
	s->rss = read_kib_field("/proc/self/status", "VmRSS:");
	s->huge = read_kib_field("/proc/self/smaps_rollup", "AnonHugePages:");
	s->steady_rate = -1;
	s->fill_s = -1;
	for (unsigned i = 0; i < s->nthreads; i++) {
		const struct mem_worker *w = &s->w[i];
		double fill;

		if (!w->steady_ns || ctx->end_ns <= w->steady_ns + NSEC_PER_MSEC) {
			s->steady_rate = -1; /* someone never got there: no steady state */
			s->fill_s = -1;
			break;
		}
		fill = w->steady_ns > ctx->start_ns ? ns_to_s(w->steady_ns - ctx->start_ns) : 0;
		s->fill_s = fill > s->fill_s ? fill : s->fill_s;
		s->steady_rate = (s->steady_rate < 0 ? 0 : s->steady_rate) +
				 (double)(w->touched - w->steady_touched) /
					 ns_to_s(ctx->end_ns - w->steady_ns);
	}
	for (size_t i = 0; s->chunks && i < s->nchunks; i++) {
		if (s->chunks[i].p)
			(void)munmap(s->chunks[i].p, s->chunks[i].len);
		s->chunks[i].p = NULL;
	}
	return 0;
}

static const char *const mem_modes[] = { "fill", "bandwidth", NULL };

static void mem_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct mem_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);

	json_kv_uint(w, "bytes_resident", s ? s->resident : 0);
	json_kv_uint(w, "bytes_touched", s ? s->touched : 0);
	/* bandwidth: the rate once everything is resident (allocation excluded) */
	if (s && ctx->cfg->mode == MEM_BANDWIDTH && s->steady_rate >= 0)
		json_kv_double(w, "bytes_touched_per_s", s->steady_rate);
	else
		json_kv_double(w, "bytes_touched_per_s", s && el > 0 ? (double)s->touched / el : 0);
	if (s && s->fill_s >= 0)
		json_kv_double(w, "fill_s", s->fill_s);
	else
		json_kv_null(w, "fill_s");
	json_kv_uint(w, "rss_bytes", s ? s->rss : 0);
	json_kv_uint(w, "huge_page_bytes", s ? s->huge : 0);
	json_kv_uint(w, "alloc_failures", s ? s->failures : 0);
}

static void mem_free(struct bomb_ctx *ctx)
{
	struct mem_state *s = ctx->priv;

	if (s) {
		free(s->chunks);
		free(s->w);
	}
	free(s);
	ctx->priv = NULL;
}

static int mem_sng_args(const struct bomb_config *cfg, char *buf, size_t len)
{
	uint64_t per = cfg->bytes / cfg->threads;
	int n;

	per = per < 4096 ? 4096 : per;
	if (cfg->mode == MEM_BANDWIDTH)
		n = snprintf(buf, len, "--memrate\n%u\n--memrate-bytes\n%llu", cfg->threads,
			     (unsigned long long)per);
	else
		n = snprintf(buf, len,
			     "--vm\n%u\n--vm-bytes\n%llu\n--vm-keep\n--vm-method\nwrite64",
			     cfg->threads, (unsigned long long)per);
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static void mem_sng_metrics(const struct bomb_config *cfg, const struct sng_metrics *m, double el,
			    struct json_writer *w)
{
	double mbs = 0, rss_kib = 0, ops = 0;

	(void)sng_get(m, "max-rss", &rss_kib);
	(void)sng_get(m, "bogo-ops", &ops);
	json_kv_uint(w, "bytes_resident", (uint64_t)(rss_kib * 1024));
	if (cfg->mode == MEM_BANDWIDTH && sng_get(m, "memset-mb-per-sec", &mbs)) {
		/* stress-ng's MB is 2^20 bytes; its rate is per instance (geometric mean) */
		json_kv_double(w, "bytes_touched_per_s", mbs * 1048576.0 * cfg->threads);
		json_kv_double(w, "memset_mb_per_s", mbs * cfg->threads);
	} else {
		/* stress-ng's vm bogo ops are not passes over the buffer: no rate */
		json_kv_null(w, "bytes_touched_per_s");
	}
	json_kv_uint(w, "bogo_ops", (uint64_t)ops);
}

static const struct bomb_option mem_options[] = {
	{ .name = "bytes",
	  .type = BOMB_OPT_SIZE,
	  .metavar = "SIZE",
	  .help = "memory to hold",
	  .min = 4096,
	  .max = 1ULL << 50,
	  .def_text = "90 % of the tighter of the cgroup memory limit and MemAvailable",
	  BOMB_FIELD(bytes),
	  .json = "bytes" },
	{ .name = "mode",
	  .type = BOMB_OPT_CHOICE,
	  .help = "fill: page-by-page allocation, then re-touching; bandwidth: streaming stores "
		  "over it as fast as possible",
	  .choices = mem_modes,
	  .def = "fill",
	  BOMB_FIELD(mode),
	  .json = "mode" },
	BOMB_OPT_THREADS("workers", NULL, "1 for fill, the CPUs for bandwidth"),
	{ 0 },
};

const struct bomb_ops bomb_mem_ops = {
	.name = "mem",
	.summary = "allocates and touches memory up to a bound, keeps it resident",
	.options = mem_options,
	.notes =
		"metrics: bytes_resident, bytes_touched (fill: pages x page size), bytes_touched_per_s\n"
		"         (bandwidth: once resident), fill_s, rss_bytes, huge_page_bytes (bandwidth\n"
		"         asks for transparent huge pages), alloc_failures\n"
		"stress-ng: fill = --vm N --vm-bytes B/N --vm-keep; bandwidth = --memrate N --memrate-bytes B/N\n",
	.check = mem_check,
	.start = mem_start,
	.status = mem_status,
	.finish = mem_finish,
	.metrics_json = mem_metrics_json,
	.free = mem_free,
	.sng_args = mem_sng_args,
	.sng_metrics_json = mem_sng_metrics,
};
