/* SPDX-License-Identifier: MIT */
/* What net-send and net-recv share: addresses and per-thread counters. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct json_writer;

/*
 * TCP: 512 KiB per send() and a receiver woken only once 128 KiB wait
 * (SO_RCVLOWAT). One stream over loopback, sender and receiver on their own
 * CPUs, CPU seconds per GB (send / recv): 128 KiB sends and a wakeup per
 * segment 0.25-0.28 / 0.21-0.24; this 0.16-0.21 / 0.12-0.14; iperf3 3.12
 * 0.32-0.40 / 0.19-0.25. The receiver woke 3 300 times per GB, now ~900.
 */
#define NET_TCP_MSG_DEFAULT (512U << 10)
#define NET_TCP_RCVLOWAT    (128 << 10)
#define NET_UDP_MSG_DEFAULT 1472U /* one Ethernet frame */
#define NET_UDP_MSG_MAX	    65507U
#define NET_POLL_MS	    100 /* blocking calls wake up this often to see a stop */

struct net_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Per-thread figures, written by one thread, read by the monitor (atomic). */
struct net_counter {
	uint64_t bytes;
	uint64_t packets;
	uint64_t errors;
	uint64_t first_ns; /* first byte moved, 0 before */
	uint64_t last_ns;
} __attribute__((aligned(64)));

/*
 * Resolves host ("" = any address, for listening) and port for socktype
 * (SOCK_STREAM/SOCK_DGRAM). Returns 0 or -EINVAL with a reason in why.
 */
int net_resolve(const char *host, uint16_t port, int socktype, bool passive, struct net_addr *out,
		char *why, size_t whylen);

/*
 * Host names (not numeric addresses): getaddrinfo in the dynamic build
 * (net-lookup.c); the static build has no NSS, so it says so
 * (net-lookup-static.c). Same contract as net_resolve().
 */
int net_lookup_name(const char *host, uint16_t port, int socktype, struct net_addr *out, char *why,
		    size_t whylen);

void net_count(struct net_counter *c, uint64_t bytes);

/* Sums counters; the window is first byte to last byte over all of them. */
struct net_totals {
	uint64_t bytes, packets, errors;
	uint64_t first_ns, last_ns;
};
void net_sum(const struct net_counter *c, unsigned n, struct net_totals *t);

/* bits_per_s, packets_per_s over the active window (elapsed_s if empty). */
void net_metrics_json(const struct net_totals *t, double elapsed_s, const char *bytes_key,
		      const char *packets_key, struct json_writer *w);
