// SPDX-License-Identifier: MIT
/*
 * Allocation failures in the provisioning calls: every malloc/calloc/
 * realloc/strdup made while finding a template, cloning, reading the
 * guest's address, listing a clone's disks and listing hosts is made to
 * fail in turn (wrapped at link time); each must end in -ENOMEM or another
 * clean error, never a crash, never a leak (ASan checks at exit), and write
 * no output parameter.
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
#include "fake-xapi.h"
#include "xapi-vm.h"
#include "xapi.h"
#include "xmlrpc.h"

#define VM_REC(name)                                                                               \
	OK(STRUCT(MEMBER("name_label", S(name)) MEMBER("uuid", S("u"))                             \
			  MEMBER("power_state", S("Halted")) MEMBER("is_a_template", BOOL(1))      \
				  MEMBER("other_config", STRUCT(MEMBER("isolab_run", S("r1"))))))

static void queue_script(void)
{
	fake_reply(OK(ARR(S("OpaqueRef:tpl"))));
	fake_reply(VM_REC("isolab-neighbour"));
	fake_reply(OK_S("OpaqueRef:c"));
	fake_reply(OK_S("OpaqueRef:gm"));
	fake_reply(OK(STRUCT(MEMBER("0/ip", S("10.0.0.5")))));
	fake_reply(OK(ARR(S("OpaqueRef:b1"))));
	fake_reply(OK(STRUCT(MEMBER("type", S("Disk")) MEMBER("VDI", S("OpaqueRef:d1")))));
	fake_reply(OK(ARR(S("OpaqueRef:b1"))));
	fake_reply(OK_S("OpaqueRef:c"));
	fake_reply(OK(STRUCT(MEMBER("OpaqueRef:h1", STRUCT(MEMBER("name_label", S("xs1")) MEMBER(
							    "metrics", S("OpaqueRef:m1")))))));
	fake_reply(OK(STRUCT(MEMBER("OpaqueRef:m1", STRUCT(MEMBER("memory_total", S("1024")))))));
	fake_reply(OK(STRUCT(MEMBER("OpaqueRef:v1", STRUCT(MEMBER("name_label", S("victim")) MEMBER(
							    "resident_on", S("OpaqueRef:h1")))))));
	fake_reply(OK_S("512"));
}

/* Runs the whole script; 0 when every step succeeded. */
static int script(struct xapi_session *s)
{
	struct backend_err err;
	struct xapi_vm_rec t = { 0 };
	struct xapi_refs own = { 0 };
	struct xapi_host *h = NULL;
	char *ref = NULL, *ip = NULL;
	size_t n = 0;
	int rc;

	/* each step's output stays untouched when that step fails */
	rc = xapi_template_find(s, "isolab-neighbour", &t, &err);
	if (rc)
		assert_null(t.ref);
	if (!rc && (rc = xapi_vm_clone(s, t.ref, "isolab-r1-noisy-1", &ref, &err)))
		assert_null(ref);
	if (!rc && (rc = xapi_vm_guest_ip(s, ref, &ip, &err)))
		assert_null(ip);
	if (!rc && (rc = xapi_vm_own_disks(s, ref, &own, &err)))
		assert_null(own.v);
	if (!rc && (rc = xapi_hosts_list(s, &h, &n, &err)))
		assert_null(h);
	if (!rc) {
		assert_string_equal(ip, "10.0.0.5");
		assert_int_equal(own.n, 1);
		assert_int_equal(n, 1);
		assert_int_equal(h[0].mem_free, 512);
	} else {
		if (rc != -ENOMEM || strcmp(err.code, "ENOMEM"))
			fail_msg("want -ENOMEM, got %d %s: %s", rc, err.code, err.msg);
	}
	xapi_hosts_free(h, n);
	xapi_refs_done(&own);
	free(ip);
	free(ref);
	xapi_vm_rec_done(&t);
	return rc;
}

static void every_allocation_failure_is_clean(void **state)
{
	long k;

	(void)state;
	for (k = 0; k < 100000; k++) {
		struct xapi_session *s = fake_session();
		int rc;

		assert_non_null(s);
		queue_script();
		oom_arm(k);
		rc = script(s);
		oom_disarm();
		fake_done(s);
		if (!oom_failed()) {
			assert_int_equal(rc, 0);
			break;
		}
		/* a failed allocation ends the script with an error, never a success */
		if (rc == 0)
			fail_msg("allocation %ld failed but the script succeeded", k);
	}
	assert_true(k > 50); /* the script allocates: the loop really injected */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_allocation_failure_is_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
