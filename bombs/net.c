// SPDX-License-Identifier: MIT
#include "net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "json.h"

int net_resolve(const char *host, uint16_t port, int socktype, bool passive, struct net_addr *out,
		char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char portstr[8];
	int r;

	if (passive)
		hints.ai_flags |= AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	r = getaddrinfo(*host ? host : NULL, portstr, &hints, &res);
	if (r || !res) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host, gai_strerror(r));
		return -EINVAL;
	}
	/* for "any", prefer IPv6 (dual stack), else whatever came first */
	struct addrinfo *pick = res;

	if (!*host)
		for (struct addrinfo *a = res; a; a = a->ai_next)
			if (a->ai_family == AF_INET6) {
				pick = a;
				break;
			}
	memcpy(&out->ss, pick->ai_addr, pick->ai_addrlen);
	out->len = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
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
