// SPDX-License-Identifier: MIT
/*
 * The provisioning calls (controller/xenapi/xapi-vm.c) against canned
 * replies: what each sends (method, argument order, types) and what each
 * does with every kind of answer: success, a XenAPI failure code, an answer
 * of the wrong shape, a transport error.
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
#include "fake-xapi.h"
#include "xapi-vm.h"
#include "xapi.h"
#include "xmlrpc.h"

static struct xapi_session *s;
static struct backend_err err;

static int setup(void **state)
{
	(void)state;
	s = fake_session();
	assert_non_null(s);
	memset(&err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_done(s);
	return 0;
}

/* Call i was method with the session first, then these string parameters. */
static void assert_call(size_t i, const char *method, ...)
{
	const char *want;
	size_t j = 1;
	va_list ap;

	assert_true(i < fake_ncalls());
	assert_string_equal(fake_method(i), method);
	assert_non_null(strstr(xmlrpc_get_str(fake_param(i, 0)), "OpaqueRef:session-"));
	va_start(ap, method);
	while ((want = va_arg(ap, const char *)) != NULL) {
		const char *got = xmlrpc_get_str(fake_param(i, j));

		if (!got || strcmp(got, want))
			fail_msg("call %zu (%s) param %zu: want '%s', got '%s'", i, method, j, want,
				 got ? got : "(not a string)");
		j++;
	}
	va_end(ap);
}

static void assert_bool_param(size_t i, size_t j, bool want)
{
	const struct xmlrpc_value *v = fake_param(i, j);

	assert_non_null(v);
	assert_int_equal(v->type, XMLRPC_BOOL);
	assert_int_equal(v->b, want);
}

static void assert_failed(int rc, int want_rc, const char *code)
{
	if (rc != want_rc || strcmp(err.code, code))
		fail_msg("want %d %s, got %d %s: %s", want_rc, code, rc, err.code, err.msg);
}

/* ---- clone / copy / provision ---- */

static void clone_sends_vm_and_name_and_returns_the_new_ref(void **state)
{
	char *ref = NULL;

	(void)state;
	fake_reply(OK_S("OpaqueRef:clone-1"));
	assert_int_equal(xapi_vm_clone(s, "OpaqueRef:tpl", "isolab-r1-noisy-1", &ref, &err), 0);
	assert_call(0, "VM.clone", "OpaqueRef:tpl", "isolab-r1-noisy-1", NULL);
	assert_int_equal(fake_nparams(0), 3);
	assert_string_equal(ref, "OpaqueRef:clone-1");
	free(ref);
}

static void clone_failures_carry_the_xenapi_code(void **state)
{
	static const struct {
		const char *reply;
		int rc;
		const char *code;
	} cases[] = {
		{ FAIL(S("VM_BAD_POWER_STATE") S("OpaqueRef:tpl") S("halted") S("running")),
		  -EREMOTEIO, "VM_BAD_POWER_STATE" },
		{ FAIL(S("OPERATION_NOT_ALLOWED") S("no clone today")), -EREMOTEIO,
		  "OPERATION_NOT_ALLOWED" },
		{ FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:tpl")), -EREMOTEIO,
		  "HANDLE_INVALID" },
		{ FAIL(S("SR_FULL") S("8589934592") S("0")), -EREMOTEIO, "SR_FULL" },
		{ OK_S("OpaqueRef:NULL"), -EBADMSG, "BAD_RESPONSE" },
		{ OK_S("not-a-ref"), -EBADMSG, "BAD_RESPONSE" },
		{ OK("<value><int>7</int></value>"), -EBADMSG, "BAD_RESPONSE" },
		{ "<html>proxy</html>", -EBADMSG, "BAD_RESPONSE" },
	};
	char *ref = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		teardown(NULL);
		setup(NULL);
		fake_reply(cases[i].reply);
		assert_failed(xapi_vm_clone(s, "OpaqueRef:tpl", "n", &ref, &err), cases[i].rc,
			      cases[i].code);
		assert_null(ref);
	}
	/* the XenAPI parameters reach the message */
	teardown(NULL);
	setup(NULL);
	fake_reply(FAIL(S("VM_BAD_POWER_STATE") S("OpaqueRef:tpl") S("halted") S("running")));
	(void)xapi_vm_clone(s, "OpaqueRef:tpl", "n", &ref, &err);
	assert_non_null(strstr(err.msg, "VM.clone"));
	assert_non_null(strstr(err.msg, "halted, running"));
}

static void clone_transport_error_is_returned(void **state)
{
	char *ref = NULL;

	(void)state;
	fake_reply_err(-ECONNRESET);
	assert_int_equal(xapi_vm_clone(s, "OpaqueRef:tpl", "n", &ref, &err), -ECONNRESET);
	assert_null(ref);
}

static void copy_sends_the_sr_or_a_null_ref(void **state)
{
	char *ref = NULL;

	(void)state;
	fake_reply(OK_S("OpaqueRef:c1"));
	fake_reply(OK_S("OpaqueRef:c2"));
	fake_reply(FAIL(S("HANDLE_INVALID") S("SR") S("OpaqueRef:sr")));
	assert_int_equal(xapi_vm_copy(s, "OpaqueRef:tpl", "a", "OpaqueRef:sr", &ref, &err), 0);
	free(ref);
	assert_int_equal(xapi_vm_copy(s, "OpaqueRef:tpl", "b", NULL, &ref, &err), 0);
	free(ref);
	ref = NULL;
	assert_call(0, "VM.copy", "OpaqueRef:tpl", "a", "OpaqueRef:sr", NULL);
	assert_call(1, "VM.copy", "OpaqueRef:tpl", "b", "OpaqueRef:NULL", NULL);
	assert_failed(xapi_vm_copy(s, "OpaqueRef:tpl", "c", "OpaqueRef:sr", &ref, &err), -EREMOTEIO,
		      "HANDLE_INVALID");
	assert_null(ref);
}

static void provision_and_template_flag(void **state)
{
	(void)state;
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("VM_REQUIRES_SR") S("OpaqueRef:c") S("OpaqueRef:sr")));
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("ONLY_PROVISION_TEMPLATE")));
	assert_int_equal(xapi_vm_provision(s, "OpaqueRef:c", &err), 0);
	assert_call(0, "VM.provision", "OpaqueRef:c", NULL);
	assert_failed(xapi_vm_provision(s, "OpaqueRef:c", &err), -EREMOTEIO, "VM_REQUIRES_SR");
	assert_int_equal(xapi_vm_set_is_a_template(s, "OpaqueRef:c", false, &err), 0);
	assert_call(2, "VM.set_is_a_template", "OpaqueRef:c", NULL);
	assert_bool_param(2, 2, false);
	assert_failed(xapi_vm_provision(s, "OpaqueRef:c", &err), -EREMOTEIO,
		      "ONLY_PROVISION_TEMPLATE");
}

static void session_invalid_mid_provision_logs_in_again_and_completes(void **state)
{
	(void)state;
	fake_reply(FAIL(S("SESSION_INVALID") S("OpaqueRef:session-1")));
	fake_reply(OK_VOID);
	assert_int_equal(xapi_vm_provision(s, "OpaqueRef:c", &err), 0);
	assert_int_equal(fake_logins(), 2);
	assert_int_equal(fake_ncalls(), 2);
	/* the retry carries the new session */
	assert_string_equal(xmlrpc_get_str(fake_param(1, 0)), "OpaqueRef:session-2");
}

static void session_invalid_twice_fails_with_its_code(void **state)
{
	(void)state;
	fake_reply(FAIL(S("SESSION_INVALID") S("OpaqueRef:session-1")));
	fake_reply(FAIL(S("SESSION_INVALID") S("OpaqueRef:session-2")));
	assert_failed(xapi_vm_start(s, "OpaqueRef:c", NULL, &err), -EREMOTEIO, "SESSION_INVALID");
}

/* ---- tag, place, start ---- */

static void tag_and_affinity_send_their_arguments_in_order(void **state)
{
	(void)state;
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("MAP_DUPLICATE_KEY") S("VM") S("other_config") S("OpaqueRef:c")
				S("isolab_run")));
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("HANDLE_INVALID") S("host") S("OpaqueRef:gone")));
	assert_int_equal(xapi_vm_add_to_other_config(s, "OpaqueRef:c", XAPI_TAG_KEY, "r1", &err),
			 0);
	assert_call(0, "VM.add_to_other_config", "OpaqueRef:c", "isolab_run", "r1", NULL);
	assert_failed(xapi_vm_add_to_other_config(s, "OpaqueRef:c", XAPI_TAG_KEY, "r1", &err),
		      -EREMOTEIO, "MAP_DUPLICATE_KEY");
	assert_int_equal(xapi_vm_set_affinity(s, "OpaqueRef:c", "OpaqueRef:h1", &err), 0);
	assert_call(2, "VM.set_affinity", "OpaqueRef:c", "OpaqueRef:h1", NULL);
	assert_failed(xapi_vm_set_affinity(s, "OpaqueRef:c", "OpaqueRef:gone", &err), -EREMOTEIO,
		      "HANDLE_INVALID");
}

static void assert_can_boot_here_reports_memory_and_sr(void **state)
{
	(void)state;
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("HOST_NOT_ENOUGH_FREE_MEMORY") S("1073741824") S("536870912")));
	fake_reply(FAIL(S("VM_REQUIRES_SR") S("OpaqueRef:c") S("OpaqueRef:local2")));
	assert_int_equal(xapi_vm_assert_can_boot_here(s, "OpaqueRef:c", "OpaqueRef:h1", &err), 0);
	assert_call(0, "VM.assert_can_boot_here", "OpaqueRef:c", "OpaqueRef:h1", NULL);
	assert_failed(xapi_vm_assert_can_boot_here(s, "OpaqueRef:c", "OpaqueRef:h1", &err),
		      -EREMOTEIO, "HOST_NOT_ENOUGH_FREE_MEMORY");
	assert_non_null(strstr(err.msg, "1073741824, 536870912"));
	assert_failed(xapi_vm_assert_can_boot_here(s, "OpaqueRef:c", "OpaqueRef:h1", &err),
		      -EREMOTEIO, "VM_REQUIRES_SR");
}

static void start_is_never_paused_nor_forced(void **state)
{
	(void)state;
	fake_reply(OK_VOID);
	fake_reply(OK_VOID);
	assert_int_equal(xapi_vm_start(s, "OpaqueRef:c", NULL, &err), 0);
	assert_call(0, "VM.start", "OpaqueRef:c", NULL);
	assert_int_equal(fake_nparams(0), 4);
	assert_bool_param(0, 2, false);
	assert_bool_param(0, 3, false);
	assert_int_equal(xapi_vm_start(s, "OpaqueRef:c", "OpaqueRef:h1", &err), 0);
	assert_call(1, "VM.start_on", "OpaqueRef:c", "OpaqueRef:h1", NULL);
	assert_int_equal(fake_nparams(1), 5);
	assert_bool_param(1, 3, false);
	assert_bool_param(1, 4, false);
}

static void start_failures_carry_the_xenapi_code(void **state)
{
	static const char *const replies[][2] = {
		{ FAIL(S("VM_BAD_POWER_STATE") S("OpaqueRef:c") S("halted") S("running")),
		  "VM_BAD_POWER_STATE" },
		{ FAIL(S("HOST_NOT_ENOUGH_FREE_MEMORY") S("1073741824") S("0")),
		  "HOST_NOT_ENOUGH_FREE_MEMORY" },
		{ FAIL(S("VM_REQUIRES_SR") S("OpaqueRef:c") S("OpaqueRef:sr")), "VM_REQUIRES_SR" },
		{ FAIL(S("OPERATION_NOT_ALLOWED") S("busy")), "OPERATION_NOT_ALLOWED" },
		{ FAIL(S("NO_HOSTS_AVAILABLE")), "NO_HOSTS_AVAILABLE" },
		{ FAIL(S("VM_IS_TEMPLATE") S("OpaqueRef:c") S("start")), "VM_IS_TEMPLATE" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		fake_reply(replies[i][0]);
		assert_failed(xapi_vm_start(s, "OpaqueRef:c", i % 2 ? "OpaqueRef:h" : NULL, &err),
			      -EREMOTEIO, replies[i][1]);
	}
}

static void resident_on_null_means_not_running(void **state)
{
	char *h = NULL;

	(void)state;
	fake_reply(OK_S("OpaqueRef:h1"));
	fake_reply(OK_S("OpaqueRef:NULL"));
	fake_reply(FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:v")));
	assert_int_equal(xapi_vm_resident_on(s, "OpaqueRef:v", &h, &err), 0);
	assert_call(0, "VM.get_resident_on", "OpaqueRef:v", NULL);
	assert_string_equal(h, "OpaqueRef:h1");
	free(h);
	h = NULL;
	assert_failed(xapi_vm_resident_on(s, "OpaqueRef:v", &h, &err), -ENOENT, "NOT_RUNNING");
	assert_null(h);
	assert_failed(xapi_vm_resident_on(s, "OpaqueRef:v", &h, &err), -EREMOTEIO,
		      "HANDLE_INVALID");
}

/* ---- the guest's address ---- */

static void guest_ip_prefers_0_ip_then_ipv4_then_ipv6(void **state)
{
	static const char *const nets[][2] = {
		{ OK(STRUCT(MEMBER("0/ipv6/0", S("fe80::1")) MEMBER("0/ip", S("10.0.0.5")))),
		  "10.0.0.5" },
		{ OK(STRUCT(MEMBER("1/ip", S("192.168.0.9")) MEMBER("0/ipv4/0", S("10.0.0.6")))),
		  "10.0.0.6" },
		{ OK(STRUCT(MEMBER("0/ipv6/0", S("fd00::7")))), "fd00::7" },
	};

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		char *ip = NULL;

		fake_reply(OK_S("OpaqueRef:gm"));
		fake_reply(nets[i][0]);
		assert_int_equal(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), 0);
		assert_string_equal(ip, nets[i][1]);
		free(ip);
	}
	assert_call(0, "VM.get_guest_metrics", "OpaqueRef:c", NULL);
	assert_call(1, "VM_guest_metrics.get_networks", "OpaqueRef:gm", NULL);
}

static void guest_ip_not_yet_is_eagain(void **state)
{
	char *ip = NULL;

	(void)state;
	fake_reply(OK_S("OpaqueRef:NULL")); /* no guest agent report yet */
	fake_reply(OK_S("OpaqueRef:gm"));
	fake_reply(OK(STRUCT(MEMBER("0/ip", S(""))))); /* reported, no address yet */
	fake_reply(OK_S("OpaqueRef:gm"));
	fake_reply(OK("<value><struct></struct></value>"));
	for (int i = 0; i < 3; i++) {
		assert_failed(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), -EAGAIN,
			      "NO_GUEST_IP");
		assert_null(ip);
	}
	assert_int_equal(fake_ncalls(), 5); /* NULL metrics: networks not asked */
}

static void guest_ip_errors(void **state)
{
	char *ip = NULL;

	(void)state;
	fake_reply(OK_S("OpaqueRef:gm"));
	fake_reply(FAIL(S("HANDLE_INVALID") S("VM_guest_metrics") S("OpaqueRef:gm")));
	fake_reply(OK_S("OpaqueRef:gm"));
	fake_reply(OK(ARR(S("0/ip"))));
	fake_reply(OK("<value><int>3</int></value>"));
	fake_reply(FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:c")));
	assert_failed(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), -EREMOTEIO, "HANDLE_INVALID");
	assert_failed(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), -EBADMSG, "BAD_RESPONSE");
	assert_failed(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), -EBADMSG, "BAD_RESPONSE");
	assert_failed(xapi_vm_guest_ip(s, "OpaqueRef:c", &ip, &err), -EREMOTEIO, "HANDLE_INVALID");
	assert_null(ip);
}

/* ---- unmake ---- */

static void teardown_calls_and_their_failures(void **state)
{
	(void)state;
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("VM_BAD_POWER_STATE") S("OpaqueRef:c") S("paused, suspended, running")
				S("halted")));
	fake_reply(OK_VOID);
	fake_reply(FAIL(S("VDI_IN_USE") S("OpaqueRef:d") S("destroy")));
	fake_reply(FAIL(S("OPERATION_NOT_ALLOWED") S("VDI is on a read-only ISO SR")));
	fake_reply(OK_VOID);
	fake_reply(
		FAIL(S("VM_BAD_POWER_STATE") S("OpaqueRef:c") S("halted, suspended") S("running")));
	fake_reply(FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:c")));
	assert_int_equal(xapi_vm_hard_shutdown(s, "OpaqueRef:c", &err), 0);
	assert_call(0, "VM.hard_shutdown", "OpaqueRef:c", NULL);
	assert_failed(xapi_vm_hard_shutdown(s, "OpaqueRef:c", &err), -EREMOTEIO,
		      "VM_BAD_POWER_STATE");
	assert_int_equal(xapi_vdi_destroy(s, "OpaqueRef:d", &err), 0);
	assert_call(2, "VDI.destroy", "OpaqueRef:d", NULL);
	assert_failed(xapi_vdi_destroy(s, "OpaqueRef:d", &err), -EREMOTEIO, "VDI_IN_USE");
	assert_failed(xapi_vdi_destroy(s, "OpaqueRef:d", &err), -EREMOTEIO,
		      "OPERATION_NOT_ALLOWED");
	assert_int_equal(xapi_vm_destroy(s, "OpaqueRef:c", &err), 0);
	assert_call(5, "VM.destroy", "OpaqueRef:c", NULL);
	assert_failed(xapi_vm_destroy(s, "OpaqueRef:c", &err), -EREMOTEIO, "VM_BAD_POWER_STATE");
	assert_failed(xapi_vm_destroy(s, "OpaqueRef:c", &err), -EREMOTEIO, "HANDLE_INVALID");
}

#define VBD_REC(type, vdi) OK(STRUCT(MEMBER("type", S(type)) MEMBER("VDI", S(vdi))))

static void own_disks_skip_cds_empty_drives_and_shared_disks(void **state)
{
	struct xapi_refs own = { 0 };

	(void)state;
	fake_reply(
		OK(ARR(S("OpaqueRef:b1") S("OpaqueRef:b2") S("OpaqueRef:b3") S("OpaqueRef:b4"))));
	fake_reply(VBD_REC("Disk", "OpaqueRef:d1")); /* ours alone */
	fake_reply(OK(ARR(S("OpaqueRef:b1"))));
	fake_reply(OK_S("OpaqueRef:c"));
	fake_reply(VBD_REC("CD", "OpaqueRef:iso")); /* the ISO library's */
	fake_reply(VBD_REC("Disk", "OpaqueRef:NULL"));
	fake_reply(VBD_REC("Disk", "OpaqueRef:d4")); /* also attached to another VM */
	fake_reply(OK(ARR(S("OpaqueRef:b4") S("OpaqueRef:x9"))));
	fake_reply(OK_S("OpaqueRef:c"));
	fake_reply(OK_S("OpaqueRef:other"));
	assert_int_equal(xapi_vm_own_disks(s, "OpaqueRef:c", &own, &err), 0);
	assert_int_equal(own.n, 1);
	assert_string_equal(own.v[0], "OpaqueRef:d1");
	assert_call(0, "VM.get_VBDs", "OpaqueRef:c", NULL);
	assert_call(1, "VBD.get_record", "OpaqueRef:b1", NULL);
	assert_call(2, "VDI.get_VBDs", "OpaqueRef:d1", NULL);
	assert_call(3, "VBD.get_VM", "OpaqueRef:b1", NULL);
	assert_int_equal(fake_unused(), 0);
	xapi_refs_done(&own);
	xapi_refs_done(&own); /* twice is harmless */
}

static void own_disks_errors(void **state)
{
	static const char *const script[][4] = {
		{ OK(S("not a set")), NULL },
		{ FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:c")), NULL },
		{ OK(ARR(S("OpaqueRef:b1"))), OK(STRUCT(MEMBER("type", S("Disk")))), NULL },
		{ OK(ARR(S("OpaqueRef:b1"))), FAIL(S("HANDLE_INVALID") S("VBD") S("OpaqueRef:b1")),
		  NULL },
		{ OK(ARR(S("OpaqueRef:b1"))), VBD_REC("Disk", "OpaqueRef:d1"),
		  OK(ARR("<value><int>1</int></value>")), NULL },
	};
	static const char *const codes[] = { "BAD_RESPONSE", "HANDLE_INVALID", "BAD_RESPONSE",
					     "HANDLE_INVALID", "BAD_RESPONSE" };

	(void)state;
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		struct xapi_refs own = { 0 };

		teardown(NULL);
		setup(NULL);
		for (size_t j = 0; script[i][j]; j++)
			fake_reply(script[i][j]);
		assert_int_not_equal(xapi_vm_own_disks(s, "OpaqueRef:c", &own, &err), 0);
		assert_string_equal(err.code, codes[i]);
		assert_null(own.v);
	}
}

/* ---- lookups ---- */

#define VM_REC(name, tpl, snap)                                                                    \
	OK(STRUCT(MEMBER("name_label", S(name)) MEMBER("uuid", S("u")) MEMBER("power_state",       \
									      S("Halted"))         \
			  MEMBER("is_a_template", BOOL(tpl)) MEMBER("is_a_snapshot", BOOL(snap))   \
				  MEMBER("memory_static_max",                                      \
					 S("1073741824")) MEMBER("VCPUs_at_startup", S("2"))       \
					  MEMBER("resident_on", S("OpaqueRef:NULL"))               \
						  MEMBER("other_config",                           \
							 STRUCT(MEMBER("isolab_run", S("r1"))))))

static void template_find_by_name_skips_vms_and_snapshots(void **state)
{
	struct xapi_vm_rec t = { 0 };

	(void)state;
	fake_reply(OK(ARR(S("OpaqueRef:vm") S("OpaqueRef:snap") S("OpaqueRef:tpl"))));
	fake_reply(VM_REC("isolab-neighbour", 0, 0));
	fake_reply(VM_REC("isolab-neighbour", 1, 1));
	fake_reply(VM_REC("isolab-neighbour", 1, 0));
	assert_int_equal(xapi_template_find(s, "isolab-neighbour", &t, &err), 0);
	assert_call(0, "VM.get_by_name_label", "isolab-neighbour", NULL);
	assert_call(3, "VM.get_record", "OpaqueRef:tpl", NULL);
	assert_string_equal(t.ref, "OpaqueRef:tpl");
	assert_true(t.is_a_template);
	assert_false(t.is_a_snapshot);
	assert_int_equal(t.memory_static_max, 1073741824ULL);
	assert_int_equal(t.vcpus, 2);
	assert_string_equal(t.tag, "r1");
	assert_string_equal(t.resident_on, "OpaqueRef:NULL");
	xapi_vm_rec_done(&t);
}

static void template_find_none_ambiguous_and_bad_records(void **state)
{
	struct xapi_vm_rec t = { 0 };

	(void)state;
	fake_reply(OK(ARR("")));
	assert_failed(xapi_template_find(s, "nope", &t, &err), -ENOENT, "NO_TEMPLATE");
	assert_non_null(strstr(err.msg, "no template named 'nope'"));
	fake_reply(OK(ARR(S("OpaqueRef:vm"))));
	fake_reply(VM_REC("x", 0, 0));
	assert_failed(xapi_template_find(s, "x", &t, &err), -ENOENT, "NO_TEMPLATE");
	assert_non_null(strstr(err.msg, "only VMs"));
	fake_reply(OK(ARR(S("OpaqueRef:t1") S("OpaqueRef:t2"))));
	fake_reply(VM_REC("dup", 1, 0));
	fake_reply(VM_REC("dup", 1, 0));
	assert_failed(xapi_template_find(s, "dup", &t, &err), -ENOTUNIQ, "AMBIGUOUS");
	fake_reply(OK(ARR(S("OpaqueRef:t1"))));
	fake_reply(OK(STRUCT(MEMBER("uuid", S("u")))));
	assert_failed(xapi_template_find(s, "t", &t, &err), -EBADMSG, "BAD_RESPONSE");
	fake_reply(OK(ARR(S("OpaqueRef:t1"))));
	fake_reply(FAIL(S("HANDLE_INVALID") S("VM") S("OpaqueRef:t1")));
	assert_failed(xapi_template_find(s, "t", &t, &err), -EREMOTEIO, "HANDLE_INVALID");
	assert_null(t.ref);
}

static void template_find_by_uuid(void **state)
{
	static const char uuid[] = "0b5e2a7c-1d2e-4f00-9abc-0123456789ab";
	struct xapi_vm_rec t = { 0 };

	(void)state;
	fake_reply(OK_S("OpaqueRef:tpl"));
	fake_reply(VM_REC("isolab-neighbour", 1, 0));
	assert_int_equal(xapi_template_find(s, uuid, &t, &err), 0);
	assert_call(0, "VM.get_by_uuid", uuid, NULL);
	xapi_vm_rec_done(&t);
	fake_reply(FAIL(S("UUID_INVALID") S("VM") S("0b5e2a7c-1d2e-4f00-9abc-0123456789ab")));
	assert_failed(xapi_template_find(s, uuid, &t, &err), -ENOENT, "NO_TEMPLATE");
	fake_reply(OK_S("OpaqueRef:vm"));
	fake_reply(VM_REC("victim", 0, 0));
	assert_failed(xapi_template_find(s, uuid, &t, &err), -ENOENT, "NO_TEMPLATE");
	assert_non_null(strstr(err.msg, "is a VM, not a template"));
	fake_reply(FAIL(S("SESSION_INVALID") S("x")));
	fake_reply(FAIL(S("SESSION_INVALID") S("y")));
	assert_failed(xapi_template_find(s, uuid, &t, &err), -EREMOTEIO, "SESSION_INVALID");
	assert_null(t.ref);
}

static void sr_find_by_name_and_uuid(void **state)
{
	static const char uuid[] = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
	char *sr = NULL;

	(void)state;
	fake_reply(OK(ARR(S("OpaqueRef:sr1"))));
	assert_int_equal(xapi_sr_find(s, "nfs-shared", &sr, &err), 0);
	assert_call(0, "SR.get_by_name_label", "nfs-shared", NULL);
	assert_string_equal(sr, "OpaqueRef:sr1");
	free(sr);
	sr = NULL;
	fake_reply(OK(ARR(S("OpaqueRef:a") S("OpaqueRef:b"))));
	assert_failed(xapi_sr_find(s, "Local storage", &sr, &err), -ENOTUNIQ, "AMBIGUOUS");
	fake_reply(OK(ARR("")));
	assert_failed(xapi_sr_find(s, "none", &sr, &err), -ENOENT, "NO_SR");
	fake_reply(OK(ARR(S("garbage"))));
	assert_failed(xapi_sr_find(s, "g", &sr, &err), -EBADMSG, "BAD_RESPONSE");
	fake_reply(OK_S("OpaqueRef:sr9"));
	assert_int_equal(xapi_sr_find(s, uuid, &sr, &err), 0);
	assert_call(4, "SR.get_by_uuid", uuid, NULL);
	free(sr);
	sr = NULL;
	fake_reply(FAIL(S("UUID_INVALID") S("SR") S("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")));
	assert_failed(xapi_sr_find(s, uuid, &sr, &err), -ENOENT, "NO_SR");
	assert_null(sr);
}

static void find_by_name_returns_every_match(void **state)
{
	struct xapi_refs r = { 0 };

	(void)state;
	fake_reply(OK(ARR(S("OpaqueRef:a") S("OpaqueRef:b"))));
	assert_int_equal(xapi_vm_find_by_name(s, "isolab-r1-noisy-1", &r, &err), 0);
	assert_int_equal(r.n, 2);
	xapi_refs_done(&r);
}

/* ---- hosts ---- */

#define HOST(name, addr, metrics, cpus)                                                            \
	STRUCT(MEMBER("name_label", S(name)) MEMBER("address", S(addr))                            \
		       MEMBER("sched_policy", S("credit")) MEMBER("enabled", BOOL(1))              \
			       MEMBER("metrics", S(metrics))                                       \
				       MEMBER("cpu_info", STRUCT(MEMBER("cpu_count", S(cpus)))))
#define GUEST(name, on, dom0)                                                                      \
	STRUCT(MEMBER("name_label", S(name)) MEMBER("resident_on", S(on))                          \
		       MEMBER("is_control_domain", BOOL(dom0)))

static void hosts_list_joins_hosts_metrics_and_resident_guests(void **state)
{
	struct xapi_host *h = NULL;
	size_t n = 0;

	(void)state;
	fake_reply(OK(STRUCT(
		MEMBER("OpaqueRef:h1", HOST("xs1", "10.0.0.1", "OpaqueRef:m1", "8"))
			MEMBER("OpaqueRef:h2", HOST("xs2", "10.0.0.2", "OpaqueRef:m2", "4")))));
	fake_reply(OK(STRUCT(
		MEMBER("OpaqueRef:m1", STRUCT(MEMBER("memory_total", S("17179869184"))))
			MEMBER("OpaqueRef:m2", STRUCT(MEMBER("memory_total", S("8589934592")))))));
	fake_reply(OK(STRUCT(
		MEMBER("OpaqueRef:v0", GUEST("Control domain", "OpaqueRef:h1", 1))
			MEMBER("OpaqueRef:v1", GUEST("victim", "OpaqueRef:h1", 0))
				MEMBER("OpaqueRef:v2", GUEST("noisy2", "OpaqueRef:h2", 0)))));
	fake_reply(OK_S("11811160064"));
	fake_reply(OK("<value><int>4096</int></value>")); /* an <int> is read too */
	assert_int_equal(xapi_hosts_list(s, &h, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(h[0].name, "xs1");
	assert_string_equal(h[0].address, "10.0.0.1");
	assert_string_equal(h[0].sched, "credit");
	assert_true(h[0].enabled);
	assert_int_equal(h[0].cpus, 8);
	assert_int_equal(h[0].mem_total, 17179869184ULL);
	assert_int_equal(h[0].mem_free, 11811160064ULL);
	assert_int_equal(h[0].resident.n, 1); /* no control domain */
	assert_string_equal(h[0].resident.v[0], "victim");
	assert_string_equal(h[1].resident.v[0], "noisy2");
	assert_int_equal(h[1].mem_free, 4096);
	assert_call(3, "host.compute_free_memory", "OpaqueRef:h1", NULL);
	xapi_hosts_free(h, n);
	xapi_hosts_free(NULL, 0);
}

static void hosts_list_errors(void **state)
{
	static const char *const script[][5] = {
		{ OK(ARR("")), NULL },
		{ FAIL(S("PERMISSION_DENIED")), NULL },
		{ OK(STRUCT(MEMBER("OpaqueRef:h1", HOST("xs1", "a", "OpaqueRef:m1", "8")))),
		  OK(STRUCT("")), FAIL(S("SESSION_INVALID") S("s")),
		  FAIL(S("SESSION_INVALID") S("s")), NULL },
		{ OK(STRUCT(MEMBER("OpaqueRef:h1", STRUCT(MEMBER("address", S("a")))))),
		  OK(STRUCT("")), OK(STRUCT("")), NULL },
		{ OK(STRUCT(MEMBER("OpaqueRef:h1", HOST("xs1", "a", "OpaqueRef:m1", "8")))),
		  OK(STRUCT("")), OK(STRUCT("")), OK_S("lots"), NULL },
	};
	static const char *const codes[] = { "BAD_RESPONSE", "PERMISSION_DENIED", "SESSION_INVALID",
					     "BAD_RESPONSE", "BAD_RESPONSE" };

	(void)state;
	for (size_t i = 0; i < sizeof(script) / sizeof(script[0]); i++) {
		struct xapi_host *h = NULL;
		size_t n = 0;

		teardown(NULL);
		setup(NULL);
		for (size_t j = 0; script[i][j]; j++)
			fake_reply(script[i][j]);
		assert_int_not_equal(xapi_hosts_list(s, &h, &n, &err), 0);
		if (strcmp(err.code, codes[i]))
			fail_msg("case %zu: want %s, got %s: %s", i, codes[i], err.code, err.msg);
		assert_null(h);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(clone_sends_vm_and_name_and_returns_the_new_ref),
		T(clone_failures_carry_the_xenapi_code),
		T(clone_transport_error_is_returned),
		T(copy_sends_the_sr_or_a_null_ref),
		T(provision_and_template_flag),
		T(session_invalid_mid_provision_logs_in_again_and_completes),
		T(session_invalid_twice_fails_with_its_code),
		T(tag_and_affinity_send_their_arguments_in_order),
		T(assert_can_boot_here_reports_memory_and_sr),
		T(start_is_never_paused_nor_forced),
		T(start_failures_carry_the_xenapi_code),
		T(resident_on_null_means_not_running),
		T(guest_ip_prefers_0_ip_then_ipv4_then_ipv6),
		T(guest_ip_not_yet_is_eagain),
		T(guest_ip_errors),
		T(teardown_calls_and_their_failures),
		T(own_disks_skip_cds_empty_drives_and_shared_disks),
		T(own_disks_errors),
		T(template_find_by_name_skips_vms_and_snapshots),
		T(template_find_none_ambiguous_and_bad_records),
		T(template_find_by_uuid),
		T(sr_find_by_name_and_uuid),
		T(find_by_name_returns_every_match),
		T(hosts_list_joins_hosts_metrics_and_resident_guests),
		T(hosts_list_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
