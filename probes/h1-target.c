// SPDX-License-Identifier: MIT
/* The native engine's targets: URL splitting, one resolution per host, prebuilt requests. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "h1-target.h"

#define MAX_REQUEST_BYTES 16384

/* Splits "http://host[:port]/path" into host (brackets removed), port and path. */
static int split_url(const char *url, char *host, size_t hostlen, char *port, size_t portlen,
		     const char **path)
{
	const char *auth = url + 7, *end, *colon, *h = auth;
	size_t n;

	if (strncasecmp(url, "http://", 7) != 0)
		return -EINVAL;
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return -EINVAL; /* credentials: libcurl handles them */
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return -EINVAL;
		n = (size_t)(rb - h - 1);
		if (n == 0 || n >= hostlen)
			return -EINVAL;
		memcpy(host, h + 1, n);
		host[n] = '\0';
		colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon ? colon : end) - h);
		if (n == 0 || n >= hostlen)
			return -EINVAL;
		memcpy(host, h, n);
		host[n] = '\0';
	}
	if (colon) {
		n = (size_t)(end - colon - 1);
		if (n == 0 || n >= portlen || strspn(colon + 1, "0123456789") < n)
			return -EINVAL;
		memcpy(port, colon + 1, n);
		port[n] = '\0';
	} else {
		snprintf(port, portlen, "80");
	}
	*path = end;
	return 0;
}

bool h1_url_supported(const char *url)
{
	char host[256], port[8];
	const char *path;

	return split_url(url, host, sizeof(host), port, sizeof(port), &path) == 0;
}

static int add_addr(struct h1_targets *ts, const char *host, const char *port, unsigned *idx)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char hp[300];
	struct h1_addr *a, *grown;

	snprintf(hp, sizeof(hp), "%s|%s", host, port);
	for (size_t i = 0; i < ts->naddrs; i++) {
		if (strcmp(ts->addrs[i].hostport, hp) == 0) {
			*idx = (unsigned)i;
			return 0;
		}
	}
	grown = realloc(ts->addrs, (ts->naddrs + 1) * sizeof(*ts->addrs));
	if (!grown)
		return -ENOMEM;
	ts->addrs = grown;
	a = &ts->addrs[ts->naddrs];
	memset(a, 0, sizeof(*a));
	snprintf(a->hostport, sizeof(a->hostport), "%s", hp);
	a->gai_error = getaddrinfo(host, port, &hints, &res);
	if (a->gai_error == 0) {
		memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
		a->len = res->ai_addrlen;
		freeaddrinfo(res);
	} else if (a->gai_error == EAI_MEMORY) {
		return -ENOMEM;
	}
	*idx = (unsigned)ts->naddrs++;
	return 0;
}

/* "GET /path HTTP/1.1" with Host, User-Agent and Accept, in a buffer of its size. */
static int build_request(struct h1_target *t, const char *host, const char *port, const char *path)
{
	const char *p = *path == '/' ? path : "/";
	size_t plen = *path == '/' ? strcspn(path, "#") : 1;
	bool v6 = strchr(host, ':') != NULL;
	bool port80 = strcmp(port, "80") == 0;
	char req[MAX_REQUEST_BYTES];
	int n;

	if (*path == '?') { /* "http://h?q" means "/?q" */
		p = path;
		plen = strcspn(path, "#");
	}
	n = snprintf(req, sizeof(req),
		     "GET %s%.*s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n"
		     "User-Agent: isolab-probe/" ISOLAB_VERSION "\r\nAccept: */*\r\n\r\n",
		     *path == '?' ? "/" : "", (int)plen, p, v6 ? "[" : "", host, v6 ? "]" : "",
		     port80 ? "" : ":", port80 ? "" : port);
	if (n < 0 || (size_t)n >= sizeof(req))
		return -EINVAL;
	t->req = malloc((size_t)n + 1);
	if (!t->req)
		return -ENOMEM;
	memcpy(t->req, req, (size_t)n + 1);
	t->req_len = (size_t)n;
	return 0;
}

int h1_targets_build(struct h1_targets *ts, char *const *urls, size_t n)
{
	char host[256], port[8];
	const char *path;
	int ret;

	ts->t = calloc(n, sizeof(*ts->t));
	if (!ts->t)
		return -ENOMEM;
	ts->n = n;
	for (size_t i = 0; i < n; i++) {
		struct h1_target *t = &ts->t[i];

		if (split_url(urls[i], host, sizeof(host), port, sizeof(port), &path) < 0)
			return -EINVAL;
		ret = add_addr(ts, host, port, &t->addr);
		if (ret < 0)
			return ret;
		t->url = urls[i];
		ret = build_request(t, host, port, path);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void h1_targets_free(struct h1_targets *ts)
{
	for (size_t i = 0; ts->t && i < ts->n; i++)
		free(ts->t[i].req);
	free(ts->t);
	free(ts->addrs);
	memset(ts, 0, sizeof(*ts));
}
