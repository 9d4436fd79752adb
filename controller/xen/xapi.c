// SPDX-License-Identifier: MIT
/* XenAPI session: login, calls, recovery (relogin, redirect, retry), logout. */
#include "xapi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "backend.h"
#include "transport.h"

struct xapi_session {
	struct xapi_session_config cfg;
	char *url;
	char *user;
	char *version;
	struct xapi_transport *t;
	char *ref; /* OpaqueRef of the session, NULL when logged out */
	struct xapi_stats stats;
};

static uint64_t real_sleep(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000ULL),
			       .tv_nsec = (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	return ns;
}

struct xapi_session *xapi_session_new(const struct xapi_session_config *cfg,
				      struct xapi_transport *t)
{
	struct xapi_session *s;

	if (!cfg || !cfg->url || !cfg->user || !cfg->get_password) {
		xapi_transport_free(t);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		xapi_transport_free(t);
		return NULL;
	}
	s->cfg = *cfg;
	s->t = t;
	s->url = strdup(cfg->url);
	s->user = strdup(cfg->user);
	s->version = strdup(cfg->version ? cfg->version : "1.0");
	if (!s->url || !s->user || !s->version || !t) {
		xapi_session_free(s);
		return NULL;
	}
	if (!s->cfg.max_retries)
		s->cfg.max_retries = 3;
	if (s->cfg.no_retry)
		s->cfg.max_retries = 0;
	if (!s->cfg.backoff_ns)
		s->cfg.backoff_ns = 200000000ULL;
	if (!s->cfg.max_redirects)
		s->cfg.max_redirects = 2;
	if (!s->cfg.sleep_fn)
		s->cfg.sleep_fn = real_sleep;
	s->cfg.url = s->cfg.user = s->cfg.version = NULL; /* use our copies */
	return s;
}

void xapi_session_free(struct xapi_session *s)
{
	if (!s)
		return;
	if (s->ref)
		(void)xapi_logout(s, NULL);
	xapi_transport_free(s->t);
	free(s->url);
	free(s->user);
	free(s->version);
	free(s);
}

bool xapi_logged_in(const struct xapi_session *s)
{
	return s && s->ref;
}

const char *xapi_session_url(const struct xapi_session *s)
{
	return s->url;
}

void xapi_session_stats(const struct xapi_session *s, struct xapi_stats *out)
{
	*out = s->stats;
}

/* Writes "a, b, c" of the array items from index 1 into buf. */
static void join_params(const struct xmlrpc_value *arr, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < xmlrpc_array_len(arr) && used < len; i++) {
		const char *p = xmlrpc_get_str(xmlrpc_array_get(arr, i));
		int n = snprintf(buf + used, len - used, "%s%s", i > 1 ? ", " : "", p ? p : "?");

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

int xapi_unwrap(const char *method, const struct xmlrpc_value *res,
		const struct xmlrpc_value **value, struct backend_err *err)
{
	const char *status = xmlrpc_struct_get_str(res, "Status");
	const struct xmlrpc_value *desc;
	const char *code;
	char params[400];

	if (!status) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: %s: answer without Status", method);
		return -EBADMSG;
	}
	if (strcmp(status, "Success") == 0) {
		*value = xmlrpc_struct_get(res, "Value");
		if (!*value) {
			backend_errf(err, "BAD_RESPONSE", "xenapi: %s: Success without Value",
				     method);
			return -EBADMSG;
		}
		return 0;
	}
	desc = xmlrpc_struct_get(res, "ErrorDescription");
	code = xmlrpc_get_str(xmlrpc_array_get(desc, 0));
	if (strcmp(status, "Failure") != 0 || !code) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: %s: Status '%.40s' without error code",
			     method, status);
		return -EBADMSG;
	}
	join_params(desc, params, sizeof(params));
	backend_errf(err, code, "xenapi: %s failed: %s%s%s%s", method, code, params[0] ? " (" : "",
		     params, params[0] ? ")" : "");
	return -EREMOTEIO;
}

/* ErrorDescription[i] of a Failure, or NULL. */
static const char *fail_param(const struct xmlrpc_value *res, size_t i)
{
	return xmlrpc_get_str(xmlrpc_array_get(xmlrpc_struct_get(res, "ErrorDescription"), i));
}

static bool is_failure(const struct xmlrpc_value *res, const char *code)
{
	const char *c = fail_param(res, 0);

	return c && strcmp(c, code) == 0;
}

/*
 * One XML-RPC exchange with transport retries. On 0, *resp owns the parsed
 * XenAPI result struct (not unwrapped yet).
 */
static int rpc(struct xapi_session *s, const char *method, const struct xmlrpc_value *const *params,
	       size_t n, bool secret, struct xmlrpc_value **resp, struct backend_err *err)
{
	struct xapi_reply reply = { 0 };
	struct xmlrpc_value *v = NULL;
	char *body, why[160];
	size_t len;
	bool fault;
	int rc;

	rc = xmlrpc_encode_call(method, params, n, &body, &len);
	if (rc) {
		backend_errf(err, rc == -ENOMEM ? "ENOMEM" : "EINVAL",
			     "xenapi: %s: cannot encode the request%s", method,
			     rc == -ENOMEM ? "" : " (invalid UTF-8 or control characters)");
		return rc;
	}
	for (unsigned attempt = 0;; attempt++) {
		s->stats.calls++;
		rc = s->t->post(s->t, s->url, body, len, &reply, err);
		if (!rc && reply.http_status >= 500) {
			backend_errf(err, "HTTP_5XX", "xenapi: %s: HTTP status %ld from %s", method,
				     reply.http_status, s->url);
			free(reply.body);
			reply.body = NULL;
			rc = -EAGAIN;
		}
		if (!rc || !(rc == -EAGAIN || xapi_transport_retriable(rc)) ||
		    attempt >= s->cfg.max_retries)
			break;
		s->stats.retries++;
		s->cfg.sleep_fn(s->cfg.backoff_ns << (attempt < 10 ? attempt : 10));
	}
	if (secret)
		explicit_bzero(body, len);
	free(body);
	if (rc)
		return rc == -EAGAIN ? -EIO : rc;
	if (reply.http_status != 200) {
		backend_errf(err, "HTTP_STATUS", "xenapi: %s: HTTP status %ld from %s", method,
			     reply.http_status, s->url);
		rc = -EPROTO;
		goto out_free_body;
	}
	rc = xmlrpc_parse_response(reply.body, reply.len, XMLRPC_MAX_INPUT, &v, &fault, why,
				   sizeof(why));
	if (rc == -ENOMEM) {
		backend_errf(err, "ENOMEM", "xenapi: %s: out of memory", method);
		goto out_free_body;
	}
	if (rc) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: %s: malformed answer from %s: %s",
			     method, s->url, rc == -EFBIG ? "too large" : why);
		rc = -EBADMSG;
		goto out_free_body;
	}
	if (fault) {
		const struct xmlrpc_value *fc = xmlrpc_struct_get(v, "faultCode");
		const char *fs = xmlrpc_struct_get_str(v, "faultString");

		backend_errf(err, "XMLRPC_FAULT", "xenapi: %s: XML-RPC fault %lld: %s", method,
			     fc && fc->type == XMLRPC_INT ? (long long)fc->i : 0LL, fs ? fs : "");
		xmlrpc_free(v);
		rc = -EREMOTEIO;
		goto out_free_body;
	}
	if (v->type != XMLRPC_STRUCT) {
		backend_errf(err, "BAD_RESPONSE", "xenapi: %s: answer is not a XenAPI result",
			     method);
		xmlrpc_free(v);
		rc = -EBADMSG;
		goto out_free_body;
	}
	*resp = v;
out_free_body:
	free(reply.body);
	return rc;
}

char *xapi_url_with_host(const char *url, const char *addr)
{
	CURLU *u = curl_url();
	char *res = NULL, *out = NULL, *host = NULL;

	if (!u || !addr || !*addr)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (strchr(addr, ':') && addr[0] != '[') {
		if (asprintf(&host, "[%s]", addr) < 0) {
			host = NULL;
			goto out;
		}
	}
	if (curl_url_set(u, CURLUPART_HOST, host ? host : addr, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_URL, &res, 0) != CURLUE_OK)
		goto out;
	out = strdup(res);
out:
	curl_free(res);
	free(host);
	curl_url_cleanup(u);
	return out;
}

static int move_to(struct xapi_session *s, const char *addr, struct backend_err *err)
{
	char *url = xapi_url_with_host(s->url, addr);

	if (!url) {
		backend_errf(err, "HOST_IS_SLAVE",
			     "xenapi: %s is a pool member; cannot use coordinator address '%.60s'",
			     s->url, addr ? addr : "");
		return -EREMOTEIO;
	}
	free(s->url);
	s->url = url;
	s->stats.redirects++;
	return 0;
}

int xapi_login(struct xapi_session *s, struct backend_err *err)
{
	for (unsigned hops = 0;; hops++) {
		struct xmlrpc_value *p[4] = { 0 }, *resp = NULL;
		const struct xmlrpc_value *val;
		char pw[XAPI_PASSWORD_MAX];
		int rc;

		rc = s->cfg.get_password(s->cfg.password_arg, pw, sizeof(pw), err);
		if (rc) {
			explicit_bzero(pw, sizeof(pw));
			return rc;
		}
		p[0] = xmlrpc_string(s->user);
		p[1] = xmlrpc_secret(pw);
		explicit_bzero(pw, sizeof(pw));
		p[2] = xmlrpc_string(s->version);
		p[3] = xmlrpc_string("isolab");
		if (!p[0] || !p[1] || !p[2] || !p[3]) {
			rc = -ENOMEM;
			backend_errf(err, "ENOMEM", "xenapi: out of memory");
		} else {
			rc = rpc(s, "session.login_with_password",
				 (const struct xmlrpc_value *const *)p, 4, true, &resp, err);
		}
		for (int i = 0; i < 4; i++)
			xmlrpc_free(p[i]);
		if (rc)
			return rc;
		if (is_failure(resp, "HOST_IS_SLAVE") && hops < s->cfg.max_redirects) {
			rc = move_to(s, fail_param(resp, 1), err);
			xmlrpc_free(resp);
			if (rc)
				return rc;
			continue;
		}
		rc = xapi_unwrap("session.login_with_password", resp, &val, err);
		if (!rc && !xmlrpc_get_str(val)) {
			backend_errf(err, "BAD_RESPONSE", "xenapi: login returned no session");
			rc = -EBADMSG;
		}
		if (!rc) {
			free(s->ref);
			s->ref = strdup(xmlrpc_get_str(val));
			if (!s->ref) {
				backend_errf(err, "ENOMEM", "xenapi: out of memory");
				rc = -ENOMEM;
			}
		}
		xmlrpc_free(resp);
		return rc;
	}
}

int xapi_logout(struct xapi_session *s, struct backend_err *err)
{
	struct xmlrpc_value *ref, *resp = NULL;
	const struct xmlrpc_value *val;
	int rc;

	if (!s->ref)
		return 0;
	ref = xmlrpc_string(s->ref);
	free(s->ref);
	s->ref = NULL;
	if (!ref) {
		backend_errf(err, "ENOMEM", "xenapi: out of memory");
		return -ENOMEM;
	}
	rc = rpc(s, "session.logout", (const struct xmlrpc_value *const *)&ref, 1, false, &resp,
		 err);
	xmlrpc_free(ref);
	if (!rc)
		rc = xapi_unwrap("session.logout", resp, &val, err);
	xmlrpc_free(resp);
	return rc;
}

int xapi_call(struct xapi_session *s, const char *method, const struct xmlrpc_value *const *args,
	      size_t nargs, struct xmlrpc_value **result, struct backend_err *err)
{
	const struct xmlrpc_value **p;
	bool relogged = false;
	unsigned hops = 0;
	int rc;

	p = calloc(nargs + 1, sizeof(*p));
	if (!p) {
		backend_errf(err, "ENOMEM", "xenapi: out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < nargs; i++)
		p[i + 1] = args[i];
	for (;;) {
		struct xmlrpc_value *ref, *resp = NULL, *copy;
		const struct xmlrpc_value *val;

		if (!s->ref) {
			rc = xapi_login(s, err);
			if (rc)
				break;
		}
		ref = xmlrpc_string(s->ref);
		if (!ref) {
			backend_errf(err, "ENOMEM", "xenapi: out of memory");
			rc = -ENOMEM;
			break;
		}
		p[0] = ref;
		rc = rpc(s, method, p, nargs + 1, false, &resp, err);
		xmlrpc_free(ref);
		if (rc)
			break;
		if (is_failure(resp, "SESSION_INVALID") && !relogged) {
			xmlrpc_free(resp);
			free(s->ref);
			s->ref = NULL;
			relogged = true;
			s->stats.relogins++;
			continue;
		}
		if (is_failure(resp, "HOST_IS_SLAVE") && hops++ < s->cfg.max_redirects) {
			rc = move_to(s, fail_param(resp, 1), err);
			xmlrpc_free(resp);
			if (rc)
				break;
			free(s->ref); /* a session belongs to the host that made it */
			s->ref = NULL;
			continue;
		}
		rc = xapi_unwrap(method, resp, &val, err);
		if (!rc && result) {
			copy = xmlrpc_dup(val);
			if (!copy) {
				backend_errf(err, "ENOMEM", "xenapi: out of memory");
				rc = -ENOMEM;
			} else {
				*result = copy;
			}
		}
		xmlrpc_free(resp);
		break;
	}
	free(p);
	return rc;
}

int xapi_call_str(struct xapi_session *s, const char *method, struct xmlrpc_value **result,
		  struct backend_err *err, ...)
{
	struct xmlrpc_value *args[8];
	size_t n = 0;
	const char *a;
	va_list ap;
	int rc = 0;

	va_start(ap, err);
	while ((a = va_arg(ap, const char *)) != NULL) {
		if (n == sizeof(args) / sizeof(args[0])) {
			rc = -E2BIG;
			break;
		}
		args[n] = xmlrpc_string(a);
		if (!args[n]) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	va_end(ap);
	if (rc)
		backend_errf(err, rc == -ENOMEM ? "ENOMEM" : "E2BIG", "xenapi: %s: bad arguments",
			     method);
	else
		rc = xapi_call(s, method, (const struct xmlrpc_value *const *)args, n, result, err);
	for (size_t i = 0; i < n; i++)
		xmlrpc_free(args[i]);
	return rc;
}
