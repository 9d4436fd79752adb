/* SPDX-License-Identifier: MIT */
/*
 * Whether an io weight means anything here. On cgroup v2 a group's io weight
 * takes effect only on a device whose I/O scheduler is BFQ (io.bfq.weight)
 * or that has io.cost enabled (io.weight); on anything else (mq-deadline,
 * none: the default for most disks) both knobs are accepted and do nothing.
 * So the local backend looks at the device that holds the directory the
 * disk bombs write to (the run's state directory), and picks the knob that
 * works there, or none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct cg_sys;

struct cg_io_dev {
	char path[256];	  /* the directory asked about */
	char name[64];	  /* the whole disk holding it ("vda"), "" when not a block device */
	char dev[24];	  /* its "major:minor" */
	char sched[32];	  /* its I/O scheduler ("bfq", "mq-deadline", "none"), "" unknown */
	bool io_cost;	  /* the v2 root's io.cost.qos enables io.cost on it */
	char fs_note[64]; /* why there is no device, e.g. "not on a block device" */
};

/*
 * On a v2 io controller: probes the device holding path (or its nearest existing parent;
 * with probe false, a test tree: the test hooks' device, else none) and sets s->io,
 * s->io_knob to the knob that works there, or s->io_note to why none does.
 */
void cg_choose_io(struct cg_sys *s, const char *path, bool probe);

/*
 * Finds the device holding path through sys_root ("/sys": dev/block/M:m, the disk's queue/
 * scheduler) and whether cgroup_mount's io.cost.qos enables io.cost on it. Never fails:
 * what it cannot tell stays "" (and fs_note says why when path has no block device).
 */
void cg_io_probe(const char *sys_root, const char *cgroup_mount, const char *path,
		 struct cg_io_dev *out);

/* The v2 knob that works on d: "io.bfq.weight" (BFQ), "io.weight" (io.cost), or NULL. */
const char *cg_io_knob_for(const struct cg_io_dev *d);

/* Why no knob works on d, in one line starting "CPU weight only: no I/O weight on this host";
 * returns buf. */
const char *cg_io_why_none(const struct cg_io_dev *d, char *buf, size_t len);
