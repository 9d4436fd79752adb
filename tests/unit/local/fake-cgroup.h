/* SPDX-License-Identifier: MIT */
/*
 * Fake cgroup trees in a temp dir for the local backend's unit tests: plain
 * directories and files shaped like /sys/fs/cgroup, plus cgroup.h's test
 * hooks so that a new directory gets the knob files the kernel would give
 * it (v2: only the controllers its parent's cgroup.subtree_control enables).
 */
#pragma once

#include <stdbool.h>

enum fake_kind {
	FAKE_V2,     /* pure v2 at the root */
	FAKE_V1,     /* v1 per controller + an empty v2 at unified/ (this CI host) */
	FAKE_HYBRID, /* cpu and memory on v2 (unified/), blkio and pids on v1 */
	FAKE_NONE,   /* an empty directory */
};

struct fake_opts {
	const char *v2_avail;	/* root cgroup.controllers, default "cpu io memory pids" */
	const char *v2_enabled; /* root cgroup.subtree_control, default = v2_avail */
	bool no_memsw;		/* v1: no memory.memsw.limit_in_bytes */
	bool no_swap_max;	/* v2: no memory.swap.max */
	bool no_cfs;		/* v1: no cpu.cfs_quota_us */
	const char *blkio_knob; /* v1: "blkio.weight" (default), "blkio.bfq.weight", "" = none */
	/* v2: the device of the disk bombs' directory, "vda" with this scheduler (default
	 * "none") and io.cost (default on, unless io_cost_off); io_no_device: on tmpfs */
	const char *io_sched;
	bool io_cost_off;
	bool io_no_device;
};

/* Builds the tree, installs the hooks; returns the root (free with fake_tree_free). */
char *fake_tree_new(enum fake_kind kind, const struct fake_opts *opts);
void fake_tree_free(char *root);
/* cmocka group teardown: removes every tree a failed test left behind. */
int fake_cleanup_all(void **state);

/* Reads root/rel into a malloc'd string (NULL when absent). */
char *fake_read(const char *root, const char *rel);
/* Writes content to root/rel, creating it. Returns 0 or -errno. */
int fake_write(const char *root, const char *rel, const char *content);
bool fake_exists(const char *root, const char *rel);

/* A fake systemd for a FAKE_V2 tree (cgroup-scope.h's seam): scopes in <root>/system.slice. */
struct fake_systemd_opts {
	const char *delegate; /* controllers a scope gets, default the root's cgroup.controllers */
	const char *refuse;   /* start_scope fails with this D-Bus error name */
};
struct fake_systemd_stats {
	int started, stopped;
	char last_unit[96];
	int last_pid;
};
/* Installs it on the current tree (call after fake_tree_new); fake_tree_free removes it. */
void fake_systemd_install(const struct fake_systemd_opts *opts);
const struct fake_systemd_stats *fake_systemd_stats(void);
