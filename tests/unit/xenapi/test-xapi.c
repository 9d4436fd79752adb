// SPDX-License-Identifier: MIT
/* XenAPI session through a fake transport: unwrapping, error mapping, relogin, redirect, retry. */
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
#include "transport.h"
#include "xapi.h"
#include "xmlrpc.h"

#define MAX_REPLIES 16

/* One canned answer: a transport error, or an HTTP status and body. */
struct canned {
	int rc;
	long status;
	const char *body;
};

struct fake {
	struct xapi_transport base;
	struct canned replies[MAX_REPLIES];
	size_t n, next;
	/* what the client sent */
	char *urls[MAX_REPLIES * 2];
	char *methods[MAX_REPLIES * 2];
	struct xmlrpc_value *params[MAX_REPLIES * 2];
	size_t sent;
	bool freed;
};

static uint64_t sleeps[16];
static size_t nsleeps;

static uint64_t fake_sleep(uint64_t ns)
{
	if (nsleeps < 16)
		sleeps[nsleeps++] = ns;
	return ns;
}

static int fake_post(struct xapi_transport *t, const char *url, const char *body, size_t len,
		     struct xapi_reply *reply, struct backend_err *err)
{
	struct fake *f = (struct fake *)t;
	struct canned *c;

	assert_true(f->sent < MAX_REPLIES * 2);
	f->urls[f->sent] = strdup(url);
	assert_int_equal(xmlrpc_parse_call(body, len, len, &f->methods[f->sent],
					   &f->params[f->sent], NULL, 0),
			 0);
	f->sent++;
	if (f->next >= f->n) {
		backend_errf(err, "ECONNREFUSED", "fake: no more replies");
		return -ECONNREFUSED;
	}
	c = &f->replies[f->next++];
	if (c->rc) {
		backend_errf(err, "FAKE", "fake transport error %d", c->rc);
		return c->rc;
	}
	reply->http_status = c->status;
	reply->body = strdup(c->body);
	reply->len = strlen(c->body);
	return 0;
}

static void fake_free(struct xapi_transport *t)
{
	((struct fake *)t)->freed = true;
}

static struct fake fake;

static void add(int rc, long status, const char *body)
{
	assert_true(fake.n < MAX_REPLIES);
	fake.replies[fake.n++] = (struct canned){ rc, status, body };
}

#define OK(value_xml)                                                                              \
	"<methodResponse><params><param><value><struct><member><name>Status</name>"                \
	"<value>Success</value></member><member><name>Value</name>" value_xml "</member>"          \
	"</struct></value></param></params></methodResponse>"
#define FAIL(desc_values)                                                                          \
	"<methodResponse><params><param><value><struct><member><name>Status</name>"                \
	"<value>Failure</value></member><member><name>ErrorDescription</name><value><array>"       \
	"<data>" desc_values "</data></array></value></member></struct></value></param>"           \
	"</params></methodResponse>"
#define LOGIN_OK(ref) OK("<value>" ref "</value>")

static const char password[] = "pw-\xc3\xa9&<secret>";
static int password_calls;
static int password_rc;

static int get_pw(void *arg, char *buf, size_t size, struct backend_err *err)
{
	password_calls++;
	if (password_rc) {
		backend_errf(err, "EPERM", "no password for you");
		return password_rc;
	}
	snprintf(buf, size, "%s", password);
	return 0;
}

static struct xapi_session *session(const char *url)
{
	struct xapi_session_config cfg = {
		.url = url,
		.user = "root",
		.get_password = get_pw,
		.sleep_fn = fake_sleep,
	};
	struct xapi_session *s = xapi_session_new(&cfg, &fake.base);

	assert_non_null(s);
	return s;
}

static int setup(void **state)
{
	memset(&fake, 0, sizeof(fake));
	fake.base.post = fake_post;
	fake.base.free = fake_free;
	nsleeps = 0;
	password_calls = 0;
	password_rc = 0;
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < fake.sent; i++) {
		free(fake.urls[i]);
		free(fake.methods[i]);
		xmlrpc_free(fake.params[i]);
	}
	return 0;
}

static const char *param_str(size_t call, size_t i)
{
	return xmlrpc_get_str(xmlrpc_array_get(fake.params[call], i));
}

static void login_sends_user_password_version_originator(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_login(s, &err), 0);
	assert_true(xapi_logged_in(s));
	assert_string_equal(fake.methods[0], "session.login_with_password");
	assert_string_equal(param_str(0, 0), "root");
	assert_string_equal(param_str(0, 1), password);
	assert_string_equal(param_str(0, 2), "1.0");
	assert_string_equal(param_str(0, 3), "isolab");
	xapi_session_free(s);
	/* logout on free, with the session's ref */
	assert_int_equal(fake.sent, 2);
	assert_string_equal(fake.methods[1], "session.logout");
	assert_string_equal(param_str(1, 0), "OpaqueRef:s1");
	assert_true(fake.freed);
}

static void call_prepends_session_and_unwraps_value(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };
	struct xmlrpc_value *res = NULL;

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200,
	    OK("<value><struct><member><name>weight</name><value>512</value></member>"
	       "</struct></value>"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_call_str(s, "VM.get_VCPUs_params", &res, &err, "OpaqueRef:vm", NULL),
			 0);
	assert_string_equal(fake.methods[1], "VM.get_VCPUs_params");
	assert_string_equal(param_str(1, 0), "OpaqueRef:s1");
	assert_string_equal(param_str(1, 1), "OpaqueRef:vm");
	assert_string_equal(xmlrpc_struct_get_str(res, "weight"), "512");
	xmlrpc_free(res);
	xapi_session_free(s);
}

static void failure_maps_code_and_params(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };
	struct xmlrpc_value *res = NULL;

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200,
	    FAIL("<value>HANDLE_INVALID</value><value>VM</value><value>OpaqueRef:x</value>"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_call_str(s, "VM.get_record", &res, &err, "OpaqueRef:x", NULL),
			 -EREMOTEIO);
	assert_null(res);
	assert_string_equal(err.code, "HANDLE_INVALID");
	assert_non_null(strstr(err.msg, "VM.get_record"));
	assert_non_null(strstr(err.msg, "(VM, OpaqueRef:x)"));
	xapi_session_free(s);
}

static void session_invalid_relogs_in_once_and_retries(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };
	struct xmlrpc_value *res = NULL;
	struct xapi_stats st;

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, FAIL("<value>SESSION_INVALID</value><value>OpaqueRef:s1</value>"));
	add(0, 200, LOGIN_OK("OpaqueRef:s2"));
	add(0, 200, OK("<value>Running</value>"));
	assert_int_equal(xapi_call_str(s, "VM.get_power_state", &res, &err, "OpaqueRef:v", NULL),
			 0);
	assert_string_equal(xmlrpc_get_str(res), "Running");
	assert_int_equal(fake.sent, 4);
	assert_string_equal(fake.methods[2], "session.login_with_password");
	assert_string_equal(param_str(3, 0), "OpaqueRef:s2");
	assert_int_equal(password_calls, 2); /* asked again, never kept */
	xapi_session_stats(s, &st);
	assert_int_equal(st.relogins, 1);
	xmlrpc_free(res);
	xapi_session_free(s);
}

static void session_invalid_twice_fails(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, FAIL("<value>SESSION_INVALID</value><value>OpaqueRef:s1</value>"));
	add(0, 200, LOGIN_OK("OpaqueRef:s2"));
	add(0, 200, FAIL("<value>SESSION_INVALID</value><value>OpaqueRef:s2</value>"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_call_str(s, "VM.get_all", NULL, &err, NULL), -EREMOTEIO);
	assert_string_equal(err.code, "SESSION_INVALID");
	assert_int_equal(fake.sent, 4);
	xapi_session_free(s);
}

static void host_is_slave_on_login_moves_to_coordinator(void **state)
{
	struct xapi_session *s = session("https://member.example:8443/");
	struct backend_err err = { 0 };

	add(0, 200, FAIL("<value>HOST_IS_SLAVE</value><value>10.0.0.1</value>"));
	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_login(s, &err), 0);
	assert_string_equal(fake.urls[0], "https://member.example:8443/");
	assert_string_equal(fake.urls[1], "https://10.0.0.1:8443/");
	assert_string_equal(xapi_session_url(s), "https://10.0.0.1:8443/");
	xapi_session_free(s);
	assert_string_equal(fake.urls[2], "https://10.0.0.1:8443/");
}

static void host_is_slave_during_a_call_moves_and_logs_in_again(void **state)
{
	struct xapi_session *s = session("https://member.example");
	struct backend_err err = { 0 };
	struct xmlrpc_value *res = NULL;

	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, FAIL("<value>HOST_IS_SLAVE</value><value>10.0.0.9</value>"));
	add(0, 200, LOGIN_OK("OpaqueRef:s2"));
	add(0, 200, OK("<value>ok</value>"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_call_str(s, "VM.get_all", &res, &err, NULL), 0);
	assert_string_equal(xmlrpc_get_str(res), "ok");
	assert_string_equal(fake.methods[2], "session.login_with_password");
	assert_string_equal(fake.urls[2], "https://10.0.0.9/");
	assert_string_equal(param_str(3, 0), "OpaqueRef:s2");
	xmlrpc_free(res);
	xapi_session_free(s);
}

static void host_is_slave_ipv6_address_gets_brackets(void **state)
{
	struct xapi_session *s = session("https://member.example");
	struct backend_err err = { 0 };

	add(0, 200, FAIL("<value>HOST_IS_SLAVE</value><value>fd00::1</value>"));
	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_login(s, &err), 0);
	assert_string_equal(fake.urls[1], "https://[fd00::1]/");
	xapi_session_free(s);
}

static void host_is_slave_loop_is_bounded(void **state)
{
	struct xapi_session *s = session("https://a.example");
	struct backend_err err = { 0 };

	for (int i = 0; i < 5; i++)
		add(0, 200, FAIL("<value>HOST_IS_SLAVE</value><value>b.example</value>"));
	assert_int_equal(xapi_login(s, &err), -EREMOTEIO);
	assert_string_equal(err.code, "HOST_IS_SLAVE");
	assert_int_equal(fake.sent, 3); /* first try + 2 hops */
	assert_false(xapi_logged_in(s));
	xapi_session_free(s);
	assert_int_equal(fake.sent, 3); /* nothing to log out of */
}

static void connection_errors_retried_with_backoff(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	add(-ECONNREFUSED, 0, NULL);
	add(-ECONNRESET, 0, NULL);
	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_login(s, &err), 0);
	assert_int_equal(nsleeps, 2);
	assert_int_equal(sleeps[0], 200000000ULL);
	assert_int_equal(sleeps[1], 400000000ULL);
	xapi_session_free(s);
}

static void connection_errors_give_up_after_max_retries(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	for (int i = 0; i < 6; i++)
		add(-ETIMEDOUT, 0, NULL);
	assert_int_equal(xapi_login(s, &err), -ETIMEDOUT);
	assert_int_equal(fake.sent, 4);
	assert_int_equal(nsleeps, 3);
	assert_int_equal(sleeps[2], 800000000ULL);
	xapi_session_free(s);
}

static void http_5xx_retried_then_reported(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	add(0, 503, "busy");
	add(0, 200, LOGIN_OK("OpaqueRef:s1"));
	add(0, 200, OK("<value></value>"));
	assert_int_equal(xapi_login(s, &err), 0);
	assert_int_equal(nsleeps, 1);
	xapi_session_free(s);

	teardown(state);
	setup(state);
	s = session("https://pool.example");
	for (int i = 0; i < 4; i++)
		add(0, 500, "oops");
	assert_int_equal(xapi_login(s, &err), -EIO);
	assert_string_equal(err.code, "HTTP_5XX");
	assert_non_null(strstr(err.msg, "500"));
	xapi_session_free(s);
}

static void non_retriable_errors_fail_at_once_table(void **state)
{
	static const struct {
		struct canned reply;
		int rc;
		const char *code;
	} cases[] = {
		{ { -EPERM, 0, NULL }, -EPERM, "FAKE" },
		{ { -EFBIG, 0, NULL }, -EFBIG, "FAKE" },
		{ { 0, 404, "not here" }, -EPROTO, "HTTP_STATUS" },
		{ { 0, 200, "<html>proxy login</html>" }, -EBADMSG, "BAD_RESPONSE" },
		{ { 0, 200, "<methodResponse><params><param><value>" }, -EBADMSG, "BAD_RESPONSE" },
		{ { 0, 200,
		    "<methodResponse><params><param><value>x</value></param></params>"
		    "</methodResponse>" },
		  -EBADMSG,
		  "BAD_RESPONSE" },
		{ { 0, 200, OK("<value>x</value>") "" }, 0, "" },
		{ { 0, 200,
		    "<methodResponse><params><param><value><struct><member><name>Status"
		    "</name><value>Failure</value></member></struct></value></param>"
		    "</params></methodResponse>" },
		  -EBADMSG,
		  "BAD_RESPONSE" },
		{ { 0, 200,
		    "<methodResponse><fault><value><struct><member><name>faultCode</name>"
		    "<value><int>-32601</int></value></member><member><name>faultString"
		    "</name><value>no such method</value></member></struct></value>"
		    "</fault></methodResponse>" },
		  -EREMOTEIO,
		  "XMLRPC_FAULT" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct backend_err err = { 0 };
		struct xapi_session *s;

		teardown(state);
		setup(state);
		s = session("https://pool.example");
		fake.replies[fake.n++] = cases[i].reply;
		if (xapi_login(s, &err) != cases[i].rc || strcmp(err.code, cases[i].code))
			fail_msg("case %zu: want %d %s, got %s: %s", i, cases[i].rc, cases[i].code,
				 err.code, err.msg);
		assert_int_equal(fake.sent, 1);
		assert_int_equal(nsleeps, 0);
		fake.n = fake.next; /* no more replies: logout fails quietly */
		xapi_session_free(s);
	}
}

static void password_failure_sends_nothing(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	password_rc = -EPERM;
	assert_int_equal(xapi_login(s, &err), -EPERM);
	assert_string_equal(err.code, "EPERM");
	assert_int_equal(fake.sent, 0);
	xapi_session_free(s);
	assert_int_equal(fake.sent, 0);
}

static void auth_failure_message_has_no_password(void **state)
{
	struct xapi_session *s = session("https://pool.example");
	struct backend_err err = { 0 };

	add(0, 200,
	    FAIL("<value>SESSION_AUTHENTICATION_FAILED</value><value>root</value>"
		 "<value>Authentication failure</value>"));
	assert_int_equal(xapi_login(s, &err), -EREMOTEIO);
	assert_string_equal(err.code, "SESSION_AUTHENTICATION_FAILED");
	assert_null(strstr(err.msg, "secret"));
	assert_null(strstr(err.msg, "pw-"));
	xapi_session_free(s);
}

static void url_with_host_table(void **state)
{
	static const char *const cases[][3] = {
		{ "https://a.example", "10.1.2.3", "https://10.1.2.3/" },
		{ "https://a.example:8443/x", "b", "https://b:8443/x" },
		{ "http://127.0.0.2:5000", "127.0.0.1", "http://127.0.0.1:5000/" },
		{ "https://a", "::1", "https://[::1]/" },
		{ "https://a", "[::1]", "https://[::1]/" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = xapi_url_with_host(cases[i][0], cases[i][1]);

		assert_non_null(u);
		assert_string_equal(u, cases[i][2]);
		free(u);
	}
	assert_null(xapi_url_with_host("https://a", ""));
	assert_null(xapi_url_with_host("https://a", "bad host name!"));
}

static void new_refuses_missing_config(void **state)
{
	struct xapi_session_config cfg = { .url = "https://a" };

	/* the transport is freed also on failure */
	assert_null(xapi_session_new(&cfg, &fake.base));
	assert_true(fake.freed);
	xapi_session_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(login_sends_user_password_version_originator, setup,
						teardown),
		cmocka_unit_test_setup_teardown(call_prepends_session_and_unwraps_value, setup,
						teardown),
		cmocka_unit_test_setup_teardown(failure_maps_code_and_params, setup, teardown),
		cmocka_unit_test_setup_teardown(session_invalid_relogs_in_once_and_retries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(session_invalid_twice_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(host_is_slave_on_login_moves_to_coordinator, setup,
						teardown),
		cmocka_unit_test_setup_teardown(host_is_slave_during_a_call_moves_and_logs_in_again,
						setup, teardown),
		cmocka_unit_test_setup_teardown(host_is_slave_ipv6_address_gets_brackets, setup,
						teardown),
		cmocka_unit_test_setup_teardown(host_is_slave_loop_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(connection_errors_retried_with_backoff, setup,
						teardown),
		cmocka_unit_test_setup_teardown(connection_errors_give_up_after_max_retries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(http_5xx_retried_then_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(non_retriable_errors_fail_at_once_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(password_failure_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(auth_failure_message_has_no_password, setup,
						teardown),
		cmocka_unit_test_setup_teardown(url_with_host_table, setup, teardown),
		cmocka_unit_test_setup_teardown(new_refuses_missing_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
