// SPDX-License-Identifier: MIT
/* The fake transport of fake-xapi.h. */
#include "fake-xapi.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "transport.h"
#include "xapi.h"
#include "xmlrpc.h"

struct canned {
	int rc;
	const char *body;
};

static struct {
	struct xapi_transport base;
	struct canned replies[FAKE_MAX];
	size_t n, next;
	char *methods[FAKE_MAX];
	struct xmlrpc_value *params[FAKE_MAX];
	size_t calls;
	unsigned logins;
	unsigned session_no;
} fake;

static char *answer(const char *xml)
{
	return strdup(xml);
}

static int fake_post(struct xapi_transport *t, const char *url, const char *body, size_t len,
		     struct xapi_reply *reply, struct backend_err *err)
{
	struct xmlrpc_value *params = NULL;
	char *method = NULL, login[256];
	struct canned *c;
	int rc;

	(void)t;
	(void)url;
	rc = xmlrpc_parse_call(body, len, len, &method, &params, NULL, 0);
	if (rc) {
		backend_errf(err, rc == -ENOMEM ? "ENOMEM" : "FAKE",
			     "fake: cannot parse the request");
		return rc;
	}
	reply->http_status = 200;
	if (strcmp(method, "session.login_with_password") == 0 ||
	    strcmp(method, "session.logout") == 0) {
		bool in = strcmp(method, "session.login_with_password") == 0;

		if (in)
			fake.logins++;
		snprintf(login, sizeof(login), OK(S("OpaqueRef:session-%u")), ++fake.session_no);
		reply->body = answer(in ? login : OK_VOID);
		free(method);
		xmlrpc_free(params);
		if (!reply->body) {
			backend_errf(err, "ENOMEM", "fake: out of memory");
			return -ENOMEM;
		}
		reply->len = strlen(reply->body);
		return 0;
	}
	if (fake.calls < FAKE_MAX) {
		fake.methods[fake.calls] = method;
		fake.params[fake.calls] = params;
		fake.calls++;
	} else {
		free(method);
		xmlrpc_free(params);
	}
	if (fake.next >= fake.n) {
		backend_errf(err, "ECONNREFUSED", "fake: no more replies");
		return -ECONNREFUSED;
	}
	c = &fake.replies[fake.next++];
	if (c->rc) {
		backend_errf(err, "FAKE", "fake transport error %d", c->rc);
		return c->rc;
	}
	reply->body = answer(c->body);
	if (!reply->body) {
		backend_errf(err, "ENOMEM", "fake: out of memory");
		return -ENOMEM;
	}
	reply->len = strlen(c->body);
	return 0;
}

static void fake_free(struct xapi_transport *t)
{
	(void)t;
}

static uint64_t no_sleep(uint64_t ns)
{
	return ns;
}

static int get_pw(void *arg, char *buf, size_t size, struct backend_err *err)
{
	(void)arg;
	(void)err;
	snprintf(buf, size, "pw");
	return 0;
}

static void forget(void)
{
	for (size_t i = 0; i < fake.calls; i++) {
		free(fake.methods[i]);
		xmlrpc_free(fake.params[i]);
	}
	memset(&fake, 0, sizeof(fake));
}

struct xapi_session *fake_session(void)
{
	struct xapi_session_config cfg = {
		.url = "https://pool.example",
		.user = "root",
		.get_password = get_pw,
		.sleep_fn = no_sleep,
		.no_retry = true,
	};

	forget();
	fake.base.post = fake_post;
	fake.base.free = fake_free;
	return xapi_session_new(&cfg, &fake.base);
}

void fake_reply(const char *body)
{
	if (fake.n < FAKE_MAX)
		fake.replies[fake.n++] = (struct canned){ 0, body };
}

void fake_reply_err(int rc)
{
	if (fake.n < FAKE_MAX)
		fake.replies[fake.n++] = (struct canned){ rc, NULL };
}

void fake_done(struct xapi_session *s)
{
	xapi_session_free(s);
	forget();
}

size_t fake_ncalls(void)
{
	return fake.calls;
}

const char *fake_method(size_t i)
{
	return i < fake.calls ? fake.methods[i] : "";
}

const struct xmlrpc_value *fake_param(size_t i, size_t j)
{
	return i < fake.calls ? xmlrpc_array_get(fake.params[i], j) : NULL;
}

size_t fake_nparams(size_t i)
{
	return i < fake.calls ? xmlrpc_array_len(fake.params[i]) : 0;
}

unsigned fake_logins(void)
{
	return fake.logins;
}

size_t fake_unused(void)
{
	return fake.n - fake.next;
}
