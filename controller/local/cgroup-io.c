// SPDX-License-Identifier: MIT
/* Which device a directory is on and which io weight knob works there: see cgroup-io.h. */
#include "cgroup-io.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgroup.h"
#include "fileio.h"

/* The first line of dir/file, trimmed, into buf; false when unreadable. */
static bool read_line(const char *dir, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX], *text = NULL;

	if (snprintf(p, sizeof(p), "%s/%s", dir, file) >= (int)sizeof(p) ||
	    file_read_all(p, 4096, &text, NULL) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, len, "%s", text);
	free(text);
	return true;
}

/* "mq-deadline [bfq] none" -> "bfq" */
static void active_sched(const char *line, char *buf, size_t len)
{
	const char *a = strchr(line, '['), *b = a ? strchr(a, ']') : NULL;

	if (a && b)
		snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	else
		snprintf(buf, len, "%.31s", line); /* a single scheduler is shown bare */
}

/* Does io.cost.qos (lines "MAJ:MIN enable=1 ctrl=... ") enable io.cost on dev? */
static bool io_cost_on(const char *cgroup_mount, const char *dev)
{
	char p[PATH_MAX], *text = NULL, *save = NULL;
	size_t dl = strlen(dev);
	bool on = false;

	if (!cgroup_mount ||
	    snprintf(p, sizeof(p), "%s/io.cost.qos", cgroup_mount) >= (int)sizeof(p) ||
	    file_read_all(p, 64 * 1024, &text, NULL) < 0)
		return false;
	for (char *ln = strtok_r(text, "\n", &save); ln && !on; ln = strtok_r(NULL, "\n", &save))
		on = strncmp(ln, dev, dl) == 0 && ln[dl] == ' ' && strstr(ln, " enable=1");
	free(text);
	return on;
}

void cg_io_probe(const char *sys_root, const char *cgroup_mount, const char *path,
		 struct cg_io_dev *out)
{
	char link[PATH_MAX], disk[PATH_MAX], *real, line[256];
	struct stat st;

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", path);
	/* a state directory not made yet will be made in its nearest existing parent */
	snprintf(link, sizeof(link), "%s", path);
	while (stat(link, &st) < 0) {
		char *slash = strrchr(link, '/');

		if (errno != ENOENT || !slash || slash == link) {
			snprintf(out->fs_note, sizeof(out->fs_note), "missing (%s)",
				 strerror(errno));
			return;
		}
		*slash = '\0';
	}
	snprintf(link, sizeof(link), "%s/dev/block/%u:%u", sys_root, major(st.st_dev),
		 minor(st.st_dev));
	real = realpath(link, NULL);
	if (!real) {
		/* tmpfs, overlayfs, btrfs subvolumes: an anonymous device */
		snprintf(out->fs_note, sizeof(out->fs_note), "not on a block device");
		return;
	}
	snprintf(disk, sizeof(disk), "%s", real);
	free(real);
	if (snprintf(link, sizeof(link), "%s/partition", disk) < (int)sizeof(link) &&
	    access(link, F_OK) == 0)
		*strrchr(disk, '/') = '\0'; /* a partition: its disk has the queue */
	snprintf(out->name, sizeof(out->name), "%s", strrchr(disk, '/') + 1);
	if (!read_line(disk, "dev", out->dev, sizeof(out->dev)))
		snprintf(out->dev, sizeof(out->dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
	if (read_line(disk, "queue/scheduler", line, sizeof(line)))
		active_sched(line, out->sched, sizeof(out->sched));
	out->io_cost = io_cost_on(cgroup_mount, out->dev);
}

const char *cg_io_knob_for(const struct cg_io_dev *d)
{
	if (strcmp(d->sched, "bfq") == 0)
		return "io.bfq.weight";
	if (d->io_cost)
		return "io.weight";
	return NULL;
}

const char *cg_io_why_none(const struct cg_io_dev *d, char *buf, size_t len)
{
	if (d->name[0])
		snprintf(
			buf, len,
			"CPU weight only: no I/O weight on this host: %.63s (%.23s, holding "
			"%.128s, where disk bombs write) uses %.31s without io.cost (modprobe bfq; "
			"echo bfq > /sys/block/%.63s/queue/scheduler makes io weights work)",
			d->name, d->dev, d->path, d->sched[0] ? d->sched : "an unknown scheduler",
			d->name);
	else
		snprintf(buf, len,
			 "CPU weight only: no I/O weight on this host: %.128s, where disk bombs "
			 "write, is %.63s",
			 d->path, d->fs_note);
	return buf;
}

void cg_choose_io(struct cg_sys *s, const char *path, bool probe)
{
	const struct cg_io_dev *fake = cg_test_hooks()->io_dev;
	int h = s->ctrl_hier[CG_IO];
	const char *knob;

	if (h < 0 || s->hier[h].version != 2)
		return; /* v1: blkio.weight / blkio.bfq.weight exist only where they work */
	s->io_knob[0] = '\0';
	if (fake)
		s->io = *fake;
	else if (probe)
		cg_io_probe("/sys", s->hier[h].mount, path, &s->io);
	else
		snprintf(s->io.fs_note, sizeof(s->io.fs_note), "not known (a test tree)");
	knob = cg_io_knob_for(&s->io);
	if (knob)
		snprintf(s->io_knob, sizeof(s->io_knob), "%s", knob);
	else
		cg_io_why_none(&s->io, s->io_note, sizeof(s->io_note));
}
