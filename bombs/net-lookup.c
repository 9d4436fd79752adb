// SPDX-License-Identifier: MIT
/* Name lookup for the dynamic build (see net.h). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "net.h"

int net_lookup_name(const char *host, uint16_t port, int socktype, struct net_addr *out, char *why,
		    size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char portstr[8];
	int r;

	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	r = getaddrinfo(host, portstr, &hints, &res);
	if (r || !res) {
		snprintf(why, whylen, "cannot resolve '%s': %s", host, gai_strerror(r));
		return -EINVAL;
	}
	memcpy(&out->ss, res->ai_addr, res->ai_addrlen);
	out->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}
