/* SPDX-License-Identifier: MIT */
/*
 * A fake XenAPI transport for the provisioning calls' tests: login and
 * logout are answered by themselves; every other call takes the next canned
 * reply, in order, and is recorded (method and parameters) for assertions.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct xapi_session;
struct xmlrpc_value;

#define FAKE_MAX 48

#define OK(value_xml)                                                                              \
	"<methodResponse><params><param><value><struct><member><name>Status</name>"                \
	"<value>Success</value></member><member><name>Value</name>" value_xml "</member>"          \
	"</struct></value></param></params></methodResponse>"
#define FAIL(desc_values)                                                                          \
	"<methodResponse><params><param><value><struct><member><name>Status</name>"                \
	"<value>Failure</value></member><member><name>ErrorDescription</name><value><array>"       \
	"<data>" desc_values "</data></array></value></member></struct></value></param>"           \
	"</params></methodResponse>"
#define S(x)	     "<value>" x "</value>"
#define OK_S(x)	     OK(S(x))
#define OK_VOID	     OK(S(""))
#define ARR(...)     "<value><array><data>" __VA_ARGS__ "</data></array></value>"
#define MEMBER(k, v) "<member><name>" k "</name>" v "</member>"
#define STRUCT(...)  "<value><struct>" __VA_ARGS__ "</struct></value>"
#define BOOL(b)	     "<value><boolean>" #b "</boolean></value>"

/* Resets the fake and returns a new session on it (logged out). */
struct xapi_session *fake_session(void);
/* Queues a reply: a transport error (rc < 0) or an HTTP 200 body. */
void fake_reply(const char *body);
void fake_reply_err(int rc);
/* Frees the session (logging out) and everything recorded. */
void fake_done(struct xapi_session *s);

/* Calls made other than login/logout. */
size_t fake_ncalls(void);
const char *fake_method(size_t i);
/* Parameter j of call i (0 = the session ref). */
const struct xmlrpc_value *fake_param(size_t i, size_t j);
size_t fake_nparams(size_t i);
unsigned fake_logins(void);
/* Replies queued but never asked for. */
size_t fake_unused(void);
