// SPDX-License-Identifier: MIT
/*
 * Allocation failures: every malloc/calloc/realloc/strdup made by the
 * XML-RPC codec and the XenAPI session (wrapped at link time with
 * -Wl,--wrap) is made to fail in turn; each must surface as -ENOMEM (or a
 * NULL constructor), never a crash, and leave no leak (ASan checks at exit).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "backend.h"
#include "oom-wrap.h"
#include "transport.h"
#include "xapi.h"
#include "xmlrpc.h"

static const char rich[] =
	"<methodResponse><params><param><value><struct>"
	"<member><name>Status</name><value>Success</value></member>"
	"<member><name>Value</name><value><struct><member><name>OpaqueRef:1</name><value><struct>"
	"<member><name>name_label</name><value>caf&#xE9;</value></member>"
	"<member><name>VCPUs_params</name><value><struct><member><name>weight</name><value>512"
	"</value></member></struct></value></member>"
	"<member><name>b</name><value><base64>aGVsbG8=</base64></value></member>"
	"<member><name>l</name><value><array><data><value><i8>1</i8></value><value><nil/>"
	"</value><value><double>0.5</double></value><value><boolean>1</boolean></value>"
	"<value><string>s</string></value></data></array></value></member>"
	"</struct></value></member></struct></value></member>"
	"</struct></value></param></params></methodResponse>";

static void parse_survives_every_allocation_failure(void **state)
{
	static const char call[] = "<methodCall><methodName>m</methodName><params><param>"
				   "<value>x</value></param></params></methodCall>";
	long k;

	for (k = 0;; k++) {
		struct xmlrpc_value *v = NULL, *params = NULL;
		char *text = NULL, *method = NULL;
		size_t len;
		bool fault;
		int rc;

		oom_arm(k);
		rc = xmlrpc_parse_response(rich, strlen(rich), 1 << 20, &v, &fault, NULL, 0);
		if (!rc)
			rc = xmlrpc_encode_response(v, false, &text, &len);
		if (!rc)
			rc = xmlrpc_parse_call(call, strlen(call), 1 << 20, &method, &params, NULL,
					       0);
		oom_disarm();
		if (oom_failed())
			assert_int_equal(rc, -ENOMEM);
		else
			assert_int_equal(rc, 0);
		xmlrpc_free(v);
		xmlrpc_free(params);
		free(text);
		free(method);
		if (!oom_failed())
			break;
	}
	assert_true(k > 10); /* the loop really went through many allocations */
}

static struct xmlrpc_value *build_tree(void)
{
	struct xmlrpc_value *st = xmlrpc_struct(), *arr = xmlrpc_array();

	/* no checks on purpose: NULL propagates to the top as -ENOMEM */
	(void)xmlrpc_array_append(arr, xmlrpc_string("a"));
	(void)xmlrpc_array_append(arr, xmlrpc_base64("\0\1", 2));
	(void)xmlrpc_array_append(arr, xmlrpc_datetime("20261122T00:00:00Z"));
	if (xmlrpc_struct_set(st, "list", arr) || xmlrpc_struct_set(st, "s", xmlrpc_secret("pw")) ||
	    xmlrpc_array_len(xmlrpc_struct_get(st, "list")) != 3) {
		xmlrpc_free(st);
		return NULL;
	}
	return st;
}

static void build_and_encode_survive_every_allocation_failure(void **state)
{
	for (long k = 0;; k++) {
		struct xmlrpc_value *t, *d = NULL;
		char *text = NULL;
		size_t len;
		int rc = -ENOMEM;

		oom_arm(k);
		t = build_tree();
		if (t) {
			const struct xmlrpc_value *p = t;

			rc = xmlrpc_encode_call("VM.set_VCPUs_params", &p, 1, &text, &len);
			if (!rc) {
				d = xmlrpc_dup(t);
				rc = d ? 0 : -ENOMEM;
			}
		}
		oom_disarm();
		assert_int_equal(rc, oom_failed() ? -ENOMEM : 0);
		xmlrpc_free(t);
		xmlrpc_free(d);
		free(text);
		if (!oom_failed())
			break;
	}
}

/* A transport that answers login, one call and logout. */
static int oom_post(struct xapi_transport *t, const char *url, const char *body, size_t len,
		    struct xapi_reply *reply, struct backend_err *err)
{
	static const char login[] = "<methodResponse><params><param><value><struct><member><name>"
				    "Status</name><value>Success</value></member><member><name>"
				    "Value</name><value>OpaqueRef:s</value></member></struct>"
				    "</value></param></params></methodResponse>";
	char *b = strdup(login);

	if (!b) {
		backend_errf(err, "ENOMEM", "fake: out of memory");
		return -ENOMEM;
	}
	reply->http_status = 200;
	reply->body = b;
	reply->len = strlen(b);
	return 0;
}

static void oom_free(struct xapi_transport *t)
{
	free(t);
}

static int pw(void *arg, char *buf, size_t size, struct backend_err *err)
{
	snprintf(buf, size, "secret");
	return 0;
}

static void session_survives_every_allocation_failure(void **state)
{
	for (long k = 0;; k++) {
		struct xapi_session_config cfg = { .url = "https://pool.example",
						   .user = "root",
						   .get_password = pw,
						   .no_retry = true };
		struct backend_err err = { 0 };
		struct xmlrpc_value *res = NULL;
		struct xapi_transport *t;
		struct xapi_session *s;
		int rc = -ENOMEM;
		bool in_call;

		oom_arm(k);
		t = calloc(1, sizeof(*t));
		if (t) {
			t->post = oom_post;
			t->free = oom_free;
		}
		s = t ? xapi_session_new(&cfg, t) : NULL;
		if (s)
			rc = xapi_call_str(s, "VM.get_by_name_label", &res, &err, "victim", NULL);
		in_call = oom_failed();
		xapi_session_free(s); /* a failure in its logout is ignored */
		oom_disarm();
		if (rc && !in_call)
			fail_msg("k=%ld rc=%d %s: %s", k, rc, err.code, err.msg);
		assert_int_equal(rc, in_call ? -ENOMEM : 0);
		xmlrpc_free(res);
		if (!oom_failed())
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_survives_every_allocation_failure),
		cmocka_unit_test(build_and_encode_survive_every_allocation_failure),
		cmocka_unit_test(session_survives_every_allocation_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
