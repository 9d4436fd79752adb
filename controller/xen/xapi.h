/* SPDX-License-Identifier: MIT */
/*
 * A XenAPI session over XML-RPC: login, calls with xapi's result
 * conventions (Status/Value/ErrorDescription), recovery, logout.
 *
 * Recovery, per call: SESSION_INVALID -> log in again once and retry;
 * HOST_IS_SLAVE -> move to the coordinator address it names (scheme and
 * port kept) and log in there; connection errors and HTTP 5xx -> retry with
 * exponential backoff, at most max_retries times. Everything else fails
 * with the XenAPI error code in err->code and its parameters in err->msg,
 * returning -EREMOTEIO.
 *
 * The password is never stored: the session asks get_password() for it at
 * each login and wipes the buffer and the request right after.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xmlrpc.h"

struct backend_err;
struct xapi_transport;
struct xapi_session;

#define XAPI_PASSWORD_MAX 1024

struct xapi_session_config {
	const char *url; /* http(s)://host[:port][/path] */
	const char *user;
	/* Writes the NUL-terminated password into buf; 0 or -errno with err filled. */
	int (*get_password)(void *arg, char *buf, size_t size, struct backend_err *err);
	void *password_arg;
	const char *version;  /* API version sent at login, default "1.0" */
	unsigned max_retries; /* default 3 (0 means default; use no_retry for none) */
	bool no_retry;
	uint64_t backoff_ns;		   /* first backoff, doubled each time; default 200 ms */
	unsigned max_redirects;		   /* HOST_IS_SLAVE hops, default 2 */
	uint64_t (*sleep_fn)(uint64_t ns); /* tests: record instead of sleeping */
};

struct xapi_stats {
	unsigned long calls; /* XML-RPC round trips, logins included */
	unsigned long retries;
	unsigned long relogins;
	unsigned long redirects;
};

/* Takes ownership of t (also on failure). NULL on allocation failure. */
struct xapi_session *xapi_session_new(const struct xapi_session_config *cfg,
				      struct xapi_transport *t);
/* Logs out (errors ignored) and frees; NULL is a no-op. */
void xapi_session_free(struct xapi_session *s);

int xapi_login(struct xapi_session *s, struct backend_err *err);
int xapi_logout(struct xapi_session *s, struct backend_err *err);
bool xapi_logged_in(const struct xapi_session *s);

/*
 * Calls method(session_ref, args...) and returns the unwrapped Value in
 * *result (caller frees). args are borrowed. Logs in first if needed.
 */
int xapi_call(struct xapi_session *s, const char *method, const struct xmlrpc_value *const *args,
	      size_t nargs, struct xmlrpc_value **result, struct backend_err *err);
/* Same with string arguments only, NULL-terminated. result may be NULL to discard. */
int xapi_call_str(struct xapi_session *s, const char *method, struct xmlrpc_value **result,
		  struct backend_err *err, ...) __attribute__((sentinel));

/* The URL in use (changes after HOST_IS_SLAVE). */
const char *xapi_session_url(const struct xapi_session *s);
void xapi_session_stats(const struct xapi_session *s, struct xapi_stats *out);

/*
 * Unwraps one XenAPI result struct: 0 and *value (borrowed) on Success;
 * -EREMOTEIO with err->code = ErrorDescription[0] and the parameters in
 * err->msg on Failure; -EBADMSG when the struct is not a XenAPI result.
 */
int xapi_unwrap(const char *method, const struct xmlrpc_value *res,
		const struct xmlrpc_value **value, struct backend_err *err);

/* "https://a:443/x" with host replaced by addr (IPv6 gets brackets); malloc'd or NULL. */
char *xapi_url_with_host(const char *url, const char *addr);
