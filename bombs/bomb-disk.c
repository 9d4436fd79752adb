// SPDX-License-Identifier: MIT
/*
 * disk: each worker writes and reads back one file under --dir, block by
 * block, sequentially, wrapping at --size / threads. The file is created
 * unlinked (O_TMPFILE, or unlinked right after creation), so it is gone
 * when the bomb ends, however it ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bomb.h"
#include "clock.h"
#include "duty.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "sysinfo.h"

#define DISK_ALIGN	4096
#define DISK_SYNC_SLICE (8ULL << 20) /* written back at a time before reading */

enum {
	DISK_MIXED,
	DISK_WRITE,
	DISK_READ
}; /* the first is the default */

struct disk_worker {
	struct bomb_ctx *ctx;
	unsigned idx;
	pthread_t tid;
	int fd;
	uint64_t wbytes, rbytes, ops; /* atomic */
	int err;		      /* -errno that ended the worker early */
	char what[96];
} __attribute__((aligned(64)));

struct disk_state {
	unsigned nthreads;
	struct disk_worker *w;
	uint64_t wbytes, rbytes, ops;
};

/* Opens an unlinked file in dir: O_TMPFILE, else a named file unlinked at once. */
static int disk_open_tmp(const char *dir, bool direct)
{
	int flags = O_RDWR | O_CLOEXEC | (direct ? O_DIRECT : 0);
	char path[PATH_MAX + 64];
	int fd;

	fd = open(dir, flags | O_TMPFILE, 0600);
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT && errno != EINVAL)
		return -errno;
	snprintf(path, sizeof(path), "%s/.isolab-bomb-%d-XXXXXX", dir, (int)getpid());
	fd = mkostemp(path, O_CLOEXEC | (direct ? O_DIRECT : 0));
	if (fd < 0)
		return -errno;
	(void)unlink(path);
	return fd;
}

static int disk_check(struct bomb_config *cfg)
{
	struct stat st;
	uint64_t free_b, ram;
	char a[32];
	int fd;

	if (stat(cfg->dir, &st) || !S_ISDIR(st.st_mode) || access(cfg->dir, W_OK | X_OK)) {
		log_error("--dir '%s': not a writable directory", cfg->dir);
		return -EINVAL;
	}
	if (cfg->direct && cfg->block_size % DISK_ALIGN) {
		log_error("--block-size %s: --direct needs a multiple of 4 KiB",
			  fmt_size(cfg->block_size, a, sizeof(a)));
		return -EINVAL;
	}
	fd = disk_open_tmp(cfg->dir, cfg->direct);
	if (fd < 0) {
		log_error("--dir '%s': cannot create a file%s: %s", cfg->dir,
			  cfg->direct ? " with O_DIRECT" : "", strerror(-fd));
		return -EINVAL;
	}
	close(fd);
	if (!cfg->size) {
		if (sys_free_bytes(cfg->dir, &free_b) || sys_meminfo("MemTotal", &ram)) {
			log_error("disk: cannot tell RAM or free space; give --size");
			return -EINVAL;
		}
		cfg->size = ram * 2 < free_b / 2 ? ram * 2 : free_b / 2;
	}
	if (cfg->size / cfg->threads < cfg->block_size) {
		log_error("--size %s: less than one --block-size per thread",
			  fmt_size(cfg->size, a, sizeof(a)));
		return -EINVAL;
	}
	return 0;
}

/* Fills buf with bytes that neither compress nor deduplicate. */
static void disk_fill(unsigned char *buf, size_t len, uint64_t seed)
{
	uint64_t x = seed | 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
}

static int disk_fail(struct disk_worker *w, int err, const char *what)
{
	w->err = err;
	snprintf(w->what, sizeof(w->what), "%s", what);
	return err;
}

/* One pass over the file; returns 0, or -errno. *len shrinks on ENOSPC. */
static int disk_pass(struct disk_worker *w, unsigned char *buf, uint64_t *len, bool write_pass,
		     const struct duty *d)
{
	const struct bomb_config *cfg = w->ctx->cfg;
	size_t bs = (size_t)cfg->block_size;
	bool sync_as_we_go = cfg->mode != DISK_WRITE && !cfg->direct && !cfg->fsync;
	uint64_t synced = 0;

	for (uint64_t off = 0; off + bs <= *len && !bomb_should_stop(w->ctx); off += bs) {
		ssize_t n;

		if (write_pass) {
			buf[0]++; /* every block differs */
			n = pwrite(w->fd, buf, bs, (off_t)off);
			if (n < 0 && errno == ENOSPC && off >= bs) {
				*len = off; /* the disk is full: the file ends here */
				break;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return disk_fail(w, -errno, "write");
			if (cfg->fsync && fdatasync(w->fd))
				return disk_fail(w, -errno, "fdatasync");
			__atomic_fetch_add(&w->wbytes, (uint64_t)n, __ATOMIC_RELAXED);
			/*
			 * Reads must reach the disk, so written data goes out as we
			 * go, a slice at a time: one fdatasync of the whole file
			 * before the read pass could block a stop for seconds.
			 */
			if (sync_as_we_go && off + bs - synced >= DISK_SYNC_SLICE) {
				(void)sync_file_range(
					w->fd, (off_t)synced, (off_t)(off + bs - synced),
					SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
						SYNC_FILE_RANGE_WAIT_AFTER);
				synced = off + bs;
			}
		} else {
			n = pread(w->fd, buf, bs, (off_t)off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return disk_fail(w, -errno, "read");
			if (n == 0)
				break;
			__atomic_fetch_add(&w->rbytes, (uint64_t)n, __ATOMIC_RELAXED);
		}
		__atomic_fetch_add(&w->ops, 1, __ATOMIC_RELAXED);
		(void)duty_pause(d, w->ctx);
	}
	return 0;
}

static void *disk_thread(void *arg)
{
	struct disk_worker *w = arg;
	const struct bomb_config *cfg = w->ctx->cfg;
	uint64_t len = cfg->size / cfg->threads / cfg->block_size * cfg->block_size;
	unsigned char *buf = NULL;
	bool write_pass = true; /* reading needs something written first */
	struct duty d;

	if (posix_memalign((void **)&buf, DISK_ALIGN, (size_t)cfg->block_size)) {
		disk_fail(w, -ENOMEM, "allocate a block");
		return NULL;
	}
	disk_fill(buf, (size_t)cfg->block_size, 0x9e3779b97f4a7c15ULL * (w->idx + 1));
	duty_init(&d, cfg->intensity, 0, clock_now_ns());
	while (!bomb_should_stop(w->ctx)) {
		if (!write_pass && !cfg->direct) {
			/* drop the cached pages so that reads go to the disk */
			(void)fdatasync(w->fd);
			(void)posix_fadvise(w->fd, 0, 0, POSIX_FADV_DONTNEED);
		}
		if (disk_pass(w, buf, &len, write_pass, &d))
			break;
		if (cfg->mode == DISK_READ)
			write_pass = false;
		else if (cfg->mode == DISK_MIXED)
			write_pass = !write_pass;
	}
	free(buf);
	return NULL;
}

static int disk_start(struct bomb_ctx *ctx)
{
	const struct bomb_config *cfg = ctx->cfg;
	struct disk_state *s = calloc(1, sizeof(*s));

	if (!s)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	ctx->priv = s;
	s->w = bomb_zalloc(cfg->threads, sizeof(*s->w));
	if (!s->w)
		return bomb_fail(ctx, -ENOMEM, "out of memory");
	for (unsigned i = 0; i < cfg->threads; i++) {
		struct disk_worker *w = &s->w[i];
		int r;

		w->ctx = ctx;
		w->idx = i;
		w->fd = disk_open_tmp(cfg->dir, cfg->direct);
		if (w->fd < 0)
			return bomb_fail(ctx, w->fd,
					 "bomb-disk: creating a file in '%s' failed: %s", cfg->dir,
					 strerror(-w->fd));
		s->nthreads = i + 1;
		r = pthread_create(&w->tid, NULL, disk_thread, w);
		if (r) {
			close(w->fd);
			s->nthreads = i;
			return bomb_fail(ctx, -r, "bomb-disk: starting thread %u failed: %s", i,
					 strerror(r));
		}
	}
	return 0;
}

static void disk_sum(struct disk_state *s)
{
	s->wbytes = s->rbytes = s->ops = 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		s->wbytes += __atomic_load_n(&s->w[i].wbytes, __ATOMIC_RELAXED);
		s->rbytes += __atomic_load_n(&s->w[i].rbytes, __ATOMIC_RELAXED);
		s->ops += __atomic_load_n(&s->w[i].ops, __ATOMIC_RELAXED);
	}
}

static void disk_status(struct bomb_ctx *ctx, char *buf, size_t len)
{
	struct disk_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);
	char a[32], b[32];

	disk_sum(s);
	snprintf(buf, len, "write %sB/s, read %sB/s",
		 bomb_fmt_rate(el > 0 ? (double)s->wbytes / el : 0, a, sizeof(a)),
		 bomb_fmt_rate(el > 0 ? (double)s->rbytes / el : 0, b, sizeof(b)));
}

static int disk_finish(struct bomb_ctx *ctx)
{
	struct disk_state *s = ctx->priv;
	int err = 0;

	if (!s)
		return 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		struct disk_worker *w = &s->w[i];

		(void)pthread_join(w->tid, NULL);
		close(w->fd); /* the file was unlinked: closing removes it */
		if (w->err && !err)
			err = bomb_fail(ctx, w->err, "bomb-disk: %s in '%s' failed: %s", w->what,
					ctx->cfg->dir, strerror(-w->err));
	}
	disk_sum(s);
	return err;
}

static const char *const disk_modes[] = { "mixed", "write", "read", NULL };

static void disk_metrics_json(const struct bomb_ctx *ctx, struct json_writer *w)
{
	const struct disk_state *s = ctx->priv;
	double el = bomb_elapsed_s(ctx);

	json_kv_uint(w, "bytes_written", s ? s->wbytes : 0);
	json_kv_uint(w, "bytes_read", s ? s->rbytes : 0);
	json_kv_double(w, "write_bytes_per_s", s && el > 0 ? (double)s->wbytes / el : 0);
	json_kv_double(w, "read_bytes_per_s", s && el > 0 ? (double)s->rbytes / el : 0);
	json_kv_double(w, "iops", s && el > 0 ? (double)s->ops / el : 0);
}

static void disk_free(struct bomb_ctx *ctx)
{
	struct disk_state *s = ctx->priv;

	if (s)
		free(s->w);
	free(s);
	ctx->priv = NULL;
}

static int disk_sng_args(const struct bomb_config *cfg, char *buf, size_t len)
{
	uint64_t ws = cfg->block_size > (4ULL << 20) ? (4ULL << 20) : cfg->block_size;
	int n;

	n = snprintf(buf, len,
		     "--hdd\n%u\n--hdd-bytes\n%llu\n--hdd-write-size\n%llu\n--temp-path\n%s\n"
		     "--hdd-opts\nwr-seq,rd-seq%s%s",
		     cfg->threads, (unsigned long long)(cfg->size / cfg->threads),
		     (unsigned long long)ws, cfg->dir, cfg->direct ? ",direct" : "",
		     cfg->fsync ? ",fsync" : "");
	return n < 0 || (size_t)n >= len ? -E2BIG : 0;
}

static void disk_sng_metrics(const struct bomb_config *cfg, const struct sng_metrics *m, double el,
			     struct json_writer *w)
{
	double rd = 0, wr = 0, ops = 0;

	(void)sng_get(m, "mbsec-read-rate", &rd);
	(void)sng_get(m, "mbsec-write-rate", &wr);
	(void)sng_get(m, "bogo-ops", &ops);
	/* stress-ng's hdd MB/sec is 2^20 bytes per second, per instance */
	json_kv_double(w, "write_bytes_per_s", wr * 1048576.0 * cfg->threads);
	json_kv_double(w, "read_bytes_per_s", rd * 1048576.0 * cfg->threads);
	json_kv_double(w, "iops", el > 0 ? ops / el : 0);
}

static const struct bomb_option disk_options[] = {
	{ .name = "dir",
	  .type = BOMB_OPT_PATH,
	  .metavar = "PATH",
	  .help = "where the files go; they are unlinked from the start, so nothing is left behind",
	  .def = "/var/tmp",
	  BOMB_FIELD(dir),
	  .json = "dir" },
	{ .name = "size",
	  .type = BOMB_OPT_SIZE,
	  .metavar = "SIZE",
	  .help = "bytes in all files",
	  .min = 4096,
	  .max = 1ULL << 50,
	  .def_text = "twice RAM, at most half the free space",
	  BOMB_FIELD(size),
	  .json = "size_bytes" },
	{ .name = "block-size",
	  .type = BOMB_OPT_SIZE,
	  .metavar = "SIZE",
	  .help = "bytes per read/write",
	  .min = 512,
	  .max = 64ULL << 20,
	  .def = "1M",
	  BOMB_FIELD(block_size),
	  .json = "block_size_bytes" },
	{ .name = "direct",
	  .type = BOMB_OPT_FLAG,
	  .help = "O_DIRECT (block size a multiple of 4K)",
	  BOMB_FIELD(direct),
	  .json = "direct" },
	{ .name = "fsync",
	  .type = BOMB_OPT_FLAG,
	  .help = "fdatasync after every write",
	  BOMB_FIELD(fsync),
	  .json = "fsync" },
	{ .name = "mode",
	  .type = BOMB_OPT_CHOICE,
	  .help = "write, read (after one write pass) or mixed (alternate write and read passes)",
	  .choices = disk_modes,
	  .def = "mixed",
	  BOMB_FIELD(mode),
	  .json = "mode" },
	BOMB_OPT_THREADS("files written in parallel", "1", NULL),
	{ 0 },
};

const struct bomb_ops bomb_disk_ops = {
	.name = "disk",
	.summary = "writes and reads back files under a directory",
	.options = disk_options,
	.notes =
		"metrics: bytes_written, bytes_read, write_bytes_per_s, read_bytes_per_s, iops\n"
		"stress-ng: --hdd N --hdd-bytes SIZE/N --hdd-write-size BS --hdd-opts wr-seq,rd-seq\n",
	.check = disk_check,
	.start = disk_start,
	.status = disk_status,
	.finish = disk_finish,
	.metrics_json = disk_metrics_json,
	.free = disk_free,
	.sng_args = disk_sng_args,
	.sng_metrics_json = disk_sng_metrics,
};
