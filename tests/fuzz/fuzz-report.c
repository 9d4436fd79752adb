// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for what `isolab report` reads (reports/): a results
 * directory with manifest.json and each tool's JSON (histograms,
 * timelines), as a broken run, another version or a hostile guest may
 * leave it.
 *
 * The input is a small archive: manifest.json first, then any number of
 *   "\n==> runs/1-baseline/probe.json <==\n" + that file's bytes
 * written into a scratch directory. The target loads it, computes the
 * statistics and renders every format in memory, as `isolab report` does,
 * and checks what a reader of the report relies on: summary.json parses as
 * JSON, no '<' from the input reaches report.html unescaped (the
 * dictionary plants "<fz" in strings), and the terminal verdict table holds
 * no control character (an ESC from a phase name would drive the terminal).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "model.h"
#include "render.h"
#include "sbuf.h"
#include "stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 64
#define MAX_DIRS  (MAX_FILES * 4)

static char root[64];
static char *written[MAX_FILES + 1];
static size_t n_written;
static char *dirs[MAX_DIRS];
static size_t n_dirs;

static void cleanup(void)
{
	for (size_t i = 0; i < n_written; i++) {
		(void)unlink(written[i]);
		free(written[i]);
	}
	n_written = 0;
	while (n_dirs > 0) { /* deepest last made, first removed */
		(void)rmdir(dirs[--n_dirs]);
		free(dirs[n_dirs]);
	}
}

static void remove_root(void)
{
	cleanup();
	(void)rmdir(root);
}

/* A name the archive may use: relative, plain characters, no "..", at most 4 levels. */
static bool good_name(const char *s, size_t n)
{
	unsigned slashes = 0;

	if (n == 0 || n > 128 || s[0] == '/' || s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == '+' || c == '/'))
			return false;
		if (c == '/' && (++slashes > 4 || s[i + 1] == '/'))
			return false;
		if (c == '.' && i + 1 < n && s[i + 1] == '.')
			return false;
	}
	return true;
}

static void put(const char *name, size_t nlen, const uint8_t *body, size_t len)
{
	char path[256];
	int fd;

	if (n_written >= MAX_FILES || !good_name(name, nlen))
		return;
	snprintf(path, sizeof(path), "%s/%.*s", root, (int)nlen, name);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) == 0 && n_dirs < MAX_DIRS) {
			dirs[n_dirs] = strdup(path);
			if (dirs[n_dirs])
				n_dirs++;
		}
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	written[n_written] = strdup(path);
	if (written[n_written])
		n_written++;
	if (len && write(fd, body, len) != (ssize_t)len)
		abort();
	close(fd);
}

static void unpack(const uint8_t *data, size_t size)
{
	static const char mark[] = "\n==> ", end[] = " <==\n";
	const uint8_t *name = (const uint8_t *)"manifest.json", *p = data;
	size_t nlen = strlen("manifest.json");

	for (;;) {
		const uint8_t *next = memmem(p, size - (size_t)(p - data), mark, 5);
		const uint8_t *body_end = next ? next : data + size;
		const uint8_t *close;

		put((const char *)name, nlen, p, (size_t)(body_end - p));
		if (!next)
			return;
		name = next + 5;
		close = memmem(name, size - (size_t)(name - data), end, 5);
		if (!close)
			return;
		nlen = (size_t)(close - name);
		p = close + 5;
	}
}

static int init(void)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	snprintf(root, sizeof(root), "%s/isolab-fuzz-report-XXXXXX", tmp);
	if (!mkdtemp(root))
		abort();
	atexit(remove_root);
	return 1;
}

static void check_outputs(const struct model *m, const struct stats *s)
{
	int (*const render[])(const struct model *, const struct stats *,
			      struct sbuf *) = { render_csv, render_json, render_md, render_html,
						 render_term };

	for (size_t i = 0; i < sizeof(render) / sizeof(render[0]); i++) {
		struct sbuf b;
		int r;

		sbuf_init(&b);
		r = render[i](m, s, &b);
		if (r == 0 && sbuf_error(&b) == 0) {
			if (render[i] == render_json) {
				json_error_t jerr;
				json_t *j = json_loadb(b.buf, b.len, 0, &jerr);

				if (!j) {
					fprintf(stderr, "summary.json does not parse: %d:%d: %s\n",
						jerr.line, jerr.column, jerr.text);
					abort();
				}
				json_decref(j);
			}
			if (render[i] == render_html && b.len >= 3 &&
			    memmem(b.buf, b.len, "<fz", 3))
				abort(); /* a string from the input became markup */
			if (render[i] == render_term)
				for (size_t c = 0; c < b.len; c++)
					if ((unsigned char)b.buf[c] < ' ' && b.buf[c] != '\n')
						abort(); /* a control character reaches the terminal */
		}
		sbuf_done(&b);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct stats_config cfg = STATS_CONFIG_DEFAULT;
	struct model *m = NULL;
	struct stats *s = NULL;
	char err[512];

	if (!ready)
		ready = init();
	unpack(data, size);
	if (model_load(root, &m, err, sizeof(err)) == 0) {
		if (stats_compute(m, &cfg, &s) == 0)
			check_outputs(m, s);
		stats_free(s);
		model_free(m);
	}
	cleanup();
	return 0;
}
