/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1 / v2 / hybrid detection and the knobs the local backend turns.
 *
 * A "hierarchy" is one mounted cgroup tree: the v2 tree (at the root on a
 * pure v2 host, at <root>/unified on a hybrid one) or one v1 tree per
 * controller (<root>/cpu, <root>/memory, ...). Each controller we use (cpu,
 * memory, io, pids) is served by at most one hierarchy; a cgroup group (one
 * "VM") is one directory per hierarchy in use.
 *
 * Runs live in a parent directory isolab-<run> and VMs below it,
 * isolab-<run>/isolab-<run>-<vm>. On a pure v2 host run by systemd, the
 * root belongs to systemd: the parent goes into a transient scope
 * isolab-<run>.scope with Delegate=yes (cgroup-scope.h). On v2 without
 * systemd the parent sits at the root of the mount (the root is exempt from
 * the "no internal processes" rule, so the parent can enable controllers
 * for its children); on v1 it sits in this process's own cgroup of that
 * hierarchy, so limits placed on us still bound the VMs.
 *
 * Weights are given in Xen credit units (1-65535, 256 = default) and caps in
 * percent of one CPU (0 = none); the mapping functions below are pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup-io.h"

struct backend_err;

#define CG_PATH_MAX   512
#define CG_MAX_HIER   6
#define CG_CFS_PERIOD 100000 /* us, for cpu.max and cpu.cfs_period_us */
#define CG_NAME_MAX   64     /* run ids and vm names */

enum cg_ctrl {
	CG_CPU,
	CG_MEMORY,
	CG_IO,
	CG_PIDS,
	CG_NR_CTRL,
};

enum cg_mode {
	CG_MODE_NONE,	/* no usable cgroup mount */
	CG_MODE_V1,	/* every controller we use is on v1 (an empty v2 mount may exist) */
	CG_MODE_V2,	/* pure v2 */
	CG_MODE_HYBRID, /* controllers split between v1 and v2 */
};

struct cg_hier {
	int version;		 /* 1 or 2 */
	char mount[CG_PATH_MAX]; /* the hierarchy's directory */
	char base[CG_PATH_MAX];	 /* where runs are created: mount or a cgroup below it */
	unsigned ctrls;		 /* 1 << enum cg_ctrl, controllers usable here */
};

enum cg_place {
	CG_PLACE_DIRECT,  /* runs are made in cg_hier.base: no service manager owns the tree */
	CG_PLACE_SYSTEMD, /* pure v2 under systemd: each run in its own delegated scope */
};

struct cg_sys {
	char root[CG_PATH_MAX];
	enum cg_mode mode;
	enum cg_place place;
	struct cg_hier hier[CG_MAX_HIER];
	size_t n_hier;
	int ctrl_hier[CG_NR_CTRL]; /* index into hier[], -1 when unavailable */
	bool has_cfs;		   /* cpu bandwidth (cap) */
	bool has_memsw;		   /* v1 memory.memsw.limit_in_bytes */
	bool has_cgroup_kill;	   /* v2 cgroup.kill */
	char io_knob[32];	   /* "io.weight", "blkio.weight", ..., "" when none works */
	struct cg_io_dev io;	   /* v2: the device the disk bombs write to */
	char io_note[512];	   /* v2 without a working knob: "CPU weight only: ..." */
	char notes[1024];	   /* what is unavailable and why, "; "-separated */
	unsigned noted;		   /* 1 << enum cg_ctrl: notes already say why it is missing */
	unsigned undelegated;	   /* v2, direct: offered by the kernel, not enabled for children */
	bool ns_root;		   /* v2: the mount's root is not the host's (a container) */
};

/* One VM (or run parent): its directory in each hierarchy ("" = not used). */
struct cg_group {
	char dir[CG_MAX_HIER][CG_PATH_MAX];
};

struct cg_systemd_ops;

/* Test seam: fake trees have no kernel filling new directories with knob files. */
struct cg_test_hooks {
	void (*after_mkdir)(const char *dir, void *arg);
	void (*before_rmdir)(const char *dir, void *arg);
	void *arg;
	/* non-NULL: a fake systemd runs the fake tree (v2 trees get CG_PLACE_SYSTEMD) */
	const struct cg_systemd_ops *systemd;
	/* non-NULL: the device a fake v2 tree's disk bombs write to (else: none known) */
	const struct cg_io_dev *io_dev;
};
/* The hooks in force (tests); all NULL otherwise. */
const struct cg_test_hooks *cg_test_hooks(void);
void cg_set_test_hooks(const struct cg_test_hooks *hooks); /* NULL = none */

/* Detects what root (NULL = /sys/fs/cgroup) offers. Never fails on a missing controller:
 * that goes to notes. -ENOENT when root has no cgroup mount at all. Only the real root
 * (NULL) or a fake tree with a fake systemd can be CG_PLACE_SYSTEMD. */
int cg_detect(const char *root, struct cg_sys *out);

const char *cg_mode_name(enum cg_mode mode);			  /* "v1", "v2", "hybrid", "none" */
const char *cg_ctrl_name(const struct cg_sys *s, enum cg_ctrl c); /* "cpu", "io"/"blkio", ... */
bool cg_has(const struct cg_sys *s, enum cg_ctrl c);
/* Version of the hierarchy serving c, 0 when unavailable. */
int cg_ctrl_version(const struct cg_sys *s, enum cg_ctrl c);

/* true when s is a valid run id / vm name: [A-Za-z0-9_.-], 1..CG_NAME_MAX, not "." / "..". */
bool cg_name_valid(const char *s);
/* true when name is a run's systemd scope unit, isolab-<run>.scope */
bool cg_is_scope_name(const char *name);

/* Directories of the run parent and of one VM. -ENAMETOOLONG when they do not fit. */
int cg_run_group(const struct cg_sys *s, const char *run, struct cg_group *out);
int cg_vm_group(const struct cg_sys *s, const char *run, const char *vm, struct cg_group *out);

/* One cgroup directory (a fake tree gets its knob files). -EEXIST when it exists. */
int cg_mkdir(const char *dir, struct backend_err *err);
/* Creates the run parent (enabling our controllers for its children on v2). -EEXIST when
 * the run exists already. */
int cg_create_run(const struct cg_sys *s, const struct cg_group *run, struct backend_err *err);
int cg_create_vm(const struct cg_sys *s, const struct cg_group *vm, struct backend_err *err);

/* Knob files. exists/read take a directory and a file name; read returns a malloc'd string
 * (NULL when unreadable); write is one write(2) of val, errors described in err. */
bool cg_knob_exists(const char *dir, const char *file);
char *cg_knob_read(const char *dir, const char *file);
int cg_knob_write(const char *dir, const char *knob, const char *val, struct backend_err *err);
/* true when word is one of the space/comma/newline-separated words of list */
bool cg_list_has(const char *list, const char *word);
/* "ENOENT" for -ENOENT, for backend_err codes. */
const char *cg_errno_name(int neg_errno);
/* What a missing controller costs, in words ("io weight unavailable"). */
const char *cg_ctrl_loss(enum cg_ctrl c);

/* Opens each hierarchy's cgroup.procs of g for writing (O_CLOEXEC); fds[i] = -1 where unused. */
int cg_open_procs(const struct cg_sys *s, const struct cg_group *g, int fds[CG_MAX_HIER]);
/* Async-signal-safe: moves the caller into every cgroup whose procs fd is open. */
int cg_enter_fds(const int fds[CG_MAX_HIER]);

/*
 * Kills every process in dir and below (SIGKILL, by PID from cgroup.procs) and removes the
 * directories, children first. 0 when dir does not exist. *removed (may be NULL) grows by
 * the number of directories removed and processes killed.
 */
int cg_remove_tree(const char *dir, int *removed);

/* true when dir (a cgroup directory) or one below it holds a process. */
bool cg_populated(const char *dir);

/*
 * Calls fn for every run parent directory isolab-<run> (run == NULL: every isolab-*) found
 * anywhere in hierarchy h, up to a few levels deep, without descending into run parents.
 * A run's systemd scope (isolab-<run>.scope) is not a run parent: the scan looks inside.
 * Stops and returns fn's value when non-zero.
 */
int cg_scan_runs(const struct cg_sys *s, size_t h, const char *run,
		 int (*fn)(const char *dir, const char *run_name, void *arg), void *arg);
