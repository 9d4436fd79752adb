// SPDX-License-Identifier: MIT
/* Name lookup for the static build: glibc's NSS cannot be linked statically. */
#include <errno.h>
#include <stdio.h>

#include "net.h"

int net_lookup_name(const char *host, uint16_t port, int socktype, struct net_addr *out, char *why,
		    size_t whylen)
{
	snprintf(why, whylen, "'%s' is not a numeric address (this static build resolves no names)",
		 host);
	return -EINVAL;
}
