// SPDX-License-Identifier: MIT
#include "net.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "json.h"

static void set_any(struct net_addr *out, uint16_t port)
{
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(out, 0, sizeof(*out));
	if (fd >= 0) {
		/* IPv6 "any" takes IPv4 too (IPV6_V6ONLY is cleared by the listener) */
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->ss;

		close(fd);
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_any;
		a6->sin6_port = htons(port);
		out->len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)&out->ss;

		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		a4->sin_port = htons(port);
		out->len = sizeof(*a4);
	}
}

int net_resolve(const char *host, uint16_t port, int socktype, bool passive, struct net_addr *out,
		char *why, size_t whylen)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	if (!*host) {
		if (!passive) {
			snprintf(why, whylen, "no host");
			return -EINVAL;
		}
		set_any(out, port);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
		memcpy(&out->ss, &a4, sizeof(a4));
		out->len = sizeof(a4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
		memcpy(&out->ss, &a6, sizeof(a6));
		out->len = sizeof(a6);
		return 0;
	}
	return net_lookup_name(host, port, socktype, out, why, whylen);
}

void net_count(struct net_counter *c, uint64_t bytes)
{
	uint64_t now = clock_now_ns();

	if (!c->first_ns)
		__atomic_store_n(&c->first_ns, now, __ATOMIC_RELAXED);
	__atomic_store_n(&c->last_ns, now, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->bytes, bytes, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->packets, 1, __ATOMIC_RELAXED);
}

void net_sum(const struct net_counter *c, unsigned n, struct net_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < n; i++) {
		uint64_t f = __atomic_load_n(&c[i].first_ns, __ATOMIC_RELAXED);
		uint64_t l = __atomic_load_n(&c[i].last_ns, __ATOMIC_RELAXED);

		t->bytes += __atomic_load_n(&c[i].bytes, __ATOMIC_RELAXED);
		t->packets += __atomic_load_n(&c[i].packets, __ATOMIC_RELAXED);
		t->errors += __atomic_load_n(&c[i].errors, __ATOMIC_RELAXED);
		if (f && (!t->first_ns || f < t->first_ns))
			t->first_ns = f;
		if (l > t->last_ns)
			t->last_ns = l;
	}
}

void net_metrics_json(const struct net_totals *t, double elapsed_s, const char *bytes_key,
		      const char *packets_key, struct json_writer *w)
{
	double active = t->last_ns > t->first_ns ? ns_to_s(t->last_ns - t->first_ns) : 0;

	/* a window shorter than 10 ms says nothing: use the whole run */
	if (active < 0.01)
		active = elapsed_s;
	json_kv_uint(w, bytes_key, t->bytes);
	json_kv_uint(w, packets_key, t->packets);
	json_kv_double(w, "bits_per_s", active > 0 ? (double)t->bytes * 8 / active : 0);
	json_kv_double(w, "packets_per_s", active > 0 ? (double)t->packets / active : 0);
	json_kv_double(w, "active_s", active);
	json_kv_uint(w, "errors", t->errors);
}
