/* SPDX-License-Identifier: MIT */
/*
 * Network namespaces for the local backend: one named namespace per VM and
 * one "switch" namespace holding a bridge, every VM linked to the bridge by a
 * veth pair (eth0 in the VM, vm<i> on the bridge). Named namespaces are
 * iproute2's: bind mounts under /run/netns, created with `ip netns add`, so
 * `ip netns exec NAME ...` works on them for diagnosis. Nothing is added to
 * the host's own network namespace.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct backend_err;

#define NETNS_DIR    "/run/netns"
#define NETNS_BRIDGE "br0"

bool netns_exists(const char *name);
/* An fd on the namespace (O_RDONLY | O_CLOEXEC), or -errno. */
int netns_open(const char *name);
/* Removes a named namespace as `ip netns del` does; 0 when it is absent. */
int netns_del(const char *name);
/* Removes every namespace whose name starts with prefix; *removed grows by the count. */
int netns_remove_prefix(const char *prefix, int *removed);

/* Creates the switch namespace sw with bridge br0 up; on failure removes sw again. */
int netns_switch_add(const char *sw, struct backend_err *err);
/*
 * Creates namespace name with lo up and eth0 = cidr (e.g. "198.18.0.1/24"), linked to sw's
 * bridge by the veth vm<idx>. On failure removes name again (and the veth with it).
 */
int netns_attach(const char *sw, const char *name, size_t idx, const char *cidr,
		 struct backend_err *err);
