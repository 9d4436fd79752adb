/* SPDX-License-Identifier: MIT */
/*
 * Whether an io weight means anything here. On cgroup v2 a group's io weight
 * takes effect only on a device whose I/O scheduler is BFQ (io.bfq.weight)
 * or that has io.cost enabled (io.weight); on anything else (mq-deadline,
 * none: the default for most disks) both knobs are accepted and do nothing.
 * So the local backend looks at the device that holds the directory the
 * disk bombs write to, and picks the knob that works there, or none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define CG_IO_PATH "/var/tmp" /* isolab-bomb disk's default --dir */

struct cg_io_dev {
	char path[256];	  /* the directory asked about */
	char name[64];	  /* the whole disk holding it ("vda"), "" when not a block device */
	char dev[24];	  /* its "major:minor" */
	char sched[32];	  /* its I/O scheduler ("bfq", "mq-deadline", "none"), "" unknown */
	bool io_cost;	  /* the v2 root's io.cost.qos enables io.cost on it */
	char fs_note[64]; /* why there is no device, e.g. "not on a block device" */
};

/*
 * Finds the device holding path through sys_root ("/sys": dev/block/M:m, the disk's queue/
 * scheduler) and whether cgroup_mount's io.cost.qos enables io.cost on it. Never fails:
 * what it cannot tell stays "" (and fs_note says why when path has no block device).
 */
void cg_io_probe(const char *sys_root, const char *cgroup_mount, const char *path,
		 struct cg_io_dev *out);

/* The v2 knob that works on d: "io.bfq.weight" (BFQ), "io.weight" (io.cost), or NULL. */
const char *cg_io_knob_for(const struct cg_io_dev *d);

/* known (a test's fake device) when given, else what cg_io_probe() finds. */
void cg_io_probe_or(const struct cg_io_dev *known, const char *sys_root, const char *cgroup_mount,
		    const char *path, struct cg_io_dev *out);

/* Why no knob works on d, in one line starting "CPU weight only: no I/O weight on this host";
 * returns buf. */
const char *cg_io_why_none(const struct cg_io_dev *d, char *buf, size_t len);
