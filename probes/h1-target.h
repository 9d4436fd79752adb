/* SPDX-License-Identifier: MIT */
/*
 * The native engine's targets (h1-target.c): each http:// URL split into
 * its address (resolved once, shared by URLs on the same host and port) and
 * its request bytes, built once so that sending a request is one send().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct h1_addr {
	char hostport[300];
	struct sockaddr_storage sa;
	socklen_t len;
	int gai_error; /* resolving failed: every request fails with "connect" */
};

struct h1_target {
	const char *url; /* the caller's string, not copied */
	char *req;
	size_t req_len;
	unsigned addr; /* index into h1_targets.addrs */
};

struct h1_targets {
	struct h1_target *t;
	size_t n;
	struct h1_addr *addrs;
	size_t naddrs;
};

/* true for "http://host[:port][/path]" without credentials. */
bool h1_url_supported(const char *url);

/*
 * Fills ts (zeroed by the caller) from n URLs, which must stay valid while
 * ts is used. 0, -EINVAL (a URL the engine cannot fetch) or -ENOMEM; a host
 * that does not resolve is not an error here (its requests fail). Free with
 * h1_targets_free() on success and failure alike.
 */
int h1_targets_build(struct h1_targets *ts, char *const *urls, size_t n);
void h1_targets_free(struct h1_targets *ts);
