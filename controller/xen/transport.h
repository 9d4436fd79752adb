/* SPDX-License-Identifier: MIT */
/*
 * How XML-RPC requests reach a server: one function pointer, so that unit
 * tests feed canned replies and isolab uses libcurl (HTTPS, keep-alive).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct backend_err;

/* One answer. body is malloc'd and NUL-terminated; the caller frees it. */
struct xapi_reply {
	long http_status;
	char *body;
	size_t len;
};

struct xapi_transport {
	/*
	 * POSTs body to url. Returns 0 once an HTTP answer arrived (any status),
	 * else a negative errno with err filled:
	 *   -ECONNREFUSED, -ECONNRESET, -ETIMEDOUT, -EHOSTUNREACH: worth a retry
	 *   -EFBIG (answer over the size cap), -EPERM (TLS verification failed),
	 *   -EINVAL (bad URL), -ENOMEM: not worth a retry
	 */
	int (*post)(struct xapi_transport *t, const char *url, const char *body, size_t len,
		    struct xapi_reply *reply, struct backend_err *err);
	void (*free)(struct xapi_transport *t);
};

struct xapi_http_opts {
	const char *ca_file;	     /* NULL: system store */
	bool insecure;		     /* no certificate/host verification */
	uint64_t connect_timeout_ns; /* 0: 10 s */
	uint64_t total_timeout_ns;   /* per request, 0: 60 s */
	size_t max_response;	     /* 0: 16 MiB */
};

/* libcurl transport with one reused handle (keep-alive). NULL on failure. */
struct xapi_transport *xapi_http_new(const struct xapi_http_opts *opts, struct backend_err *err);
/* NULL is a no-op. */
void xapi_transport_free(struct xapi_transport *t);

/* true for the errors that xapi_transport.post documents as worth a retry. */
bool xapi_transport_retriable(int rc);
