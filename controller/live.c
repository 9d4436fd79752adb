// SPDX-License-Identifier: MIT
/* Following the probe's request log for the live progress line. */
#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "hist.h"
#include "parse.h"

struct live {
	char *path;
	int fd;
	bool header_seen;
	char line[1024];
	size_t len;
	bool overlong;
	struct hist *h;
	uint64_t ok;
	uint64_t failed;
};

struct live *live_new(const char *csv_path)
{
	struct live *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->fd = -1;
	l->path = strdup(csv_path);
	l->h = hist_new();
	if (!l->path || !l->h) {
		live_free(l);
		return NULL;
	}
	return l;
}

void live_free(struct live *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	hist_free(l->h);
	free(l->path);
	free(l);
}

/* "t_s,latency_ms,uncorrected_ms,status,bytes,result,..." */
static void take_line(struct live *l)
{
	char *f[6], *save = NULL, *p = l->line;
	size_t n = 0;
	double ms;

	l->line[l->len] = '\0';
	if (!l->header_seen) {
		l->header_seen = true;
		if (strncmp(l->line, "t_s,", 4) == 0)
			return;
	}
	for (char *t = strtok_r(p, ",", &save); t && n < 6; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n < 6 || parse_double(f[1], 0, 1e9, &ms) < 0)
		return;
	if (strcmp(f[5], "ok") == 0) {
		l->ok++;
		hist_record(l->h, (uint64_t)(ms * 1e6));
	} else {
		l->failed++;
	}
}

void live_poll(struct live *l)
{
	char buf[16384];
	ssize_t n;

	if (l->fd < 0) {
		l->fd = open(l->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (l->fd < 0)
			return;
	}
	while ((n = read(l->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (!l->overlong)
					take_line(l);
				l->len = 0;
				l->overlong = false;
			} else if (l->len + 1 < sizeof(l->line)) {
				l->line[l->len++] = buf[i];
			} else {
				l->overlong = true;
			}
		}
	}
}

bool live_get(const struct live *l, double *p99_ms, double *success_pct, uint64_t *requests)
{
	uint64_t total = l->ok + l->failed;

	if (!total)
		return false;
	*p99_ms = ns_to_ms(hist_percentile(l->h, 99.0));
	*success_pct = 100.0 * (double)l->ok / (double)total;
	*requests = total;
	return true;
}
