// SPDX-License-Identifier: MIT
/* XML-RPC codec: table-driven decoding of every type, malformed input, encoding round trips. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xmlrpc.h"

static int parse_value(const char *value_xml, struct xmlrpc_value **out)
{
	char doc[8192], why[160];
	bool fault;

	snprintf(doc, sizeof(doc),
		 "<?xml version=\"1.0\"?>\n<methodResponse><params><param>%s</param></params>"
		 "</methodResponse>",
		 value_xml);
	return xmlrpc_parse_response(doc, strlen(doc), sizeof(doc), out, &fault, why, sizeof(why));
}

static struct xmlrpc_value *arr2(struct xmlrpc_value *a, struct xmlrpc_value *b)
{
	struct xmlrpc_value *arr = xmlrpc_array();

	assert_int_equal(xmlrpc_array_append(arr, a), 0);
	assert_int_equal(xmlrpc_array_append(arr, b), 0);
	return arr;
}

static struct xmlrpc_value *st1(const char *k, struct xmlrpc_value *v)
{
	struct xmlrpc_value *st = xmlrpc_struct();

	assert_int_equal(xmlrpc_struct_set(st, k, v), 0);
	return st;
}

static void decode_every_type_table(void **state)
{
	struct {
		const char *xml;
		struct xmlrpc_value *want;
	} cases[] = {
		{ "<value>bare</value>", xmlrpc_string("bare") },
		{ "<value></value>", xmlrpc_string("") },
		{ "<value/>", xmlrpc_string("") },
		{ "<value>  spaced \n</value>", xmlrpc_string("  spaced \n") },
		{ "<value><string>a &amp; b &lt;c&gt; &quot;&apos;</string></value>",
		  xmlrpc_string("a & b <c> \"'") },
		{ "<value><string>caf&#xE9; \xe2\x82\xac &#128512;</string></value>",
		  xmlrpc_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") },
		{ "<value><string/></value>", xmlrpc_string("") },
		{ "<value><![CDATA[<x>&]]></value>", xmlrpc_string("<x>&") },
		{ "<value><int>42</int></value>", xmlrpc_int(42) },
		{ "<value><i4>-7</i4></value>", xmlrpc_int(-7) },
		{ "<value><int> +5 </int></value>", xmlrpc_int(5) },
		{ "<value><int>-2147483648</int></value>", xmlrpc_int(INT32_MIN) },
		{ "<value><i8>9223372036854775807</i8></value>", xmlrpc_int(INT64_MAX) },
		{ "<value><i8>-9223372036854775808</i8></value>", xmlrpc_int(INT64_MIN) },
		{ "<value><boolean>1</boolean></value>", xmlrpc_bool(true) },
		{ "<value><boolean>0</boolean></value>", xmlrpc_bool(false) },
		{ "<value><double>-1.5</double></value>", xmlrpc_double(-1.5) },
		{ "<value><double>1e3</double></value>", xmlrpc_double(1000.0) },
		{ "<value><dateTime.iso8601>20261122T00:18:12Z</dateTime.iso8601></value>",
		  xmlrpc_datetime("20261122T00:18:12Z") },
		{ "<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>",
		  xmlrpc_datetime("19980717T14:08:55") },
		{ "<value><base64>aGVsbG8=</base64></value>", xmlrpc_base64("hello", 5) },
		{ "<value><base64>AAEC\n</base64></value>", xmlrpc_base64("\0\1\2", 3) },
		{ "<value><base64></base64></value>", xmlrpc_base64("", 0) },
		{ "<value><nil/></value>", xmlrpc_nil() },
		{ "<value><!-- c --><int>1</int></value>", xmlrpc_int(1) },
		{ "<value><array><data/></array></value>", xmlrpc_array() },
		{ "<value><array><data><value>a</value><value><int>1</int></value></data></array>"
		  "</value>",
		  arr2(xmlrpc_string("a"), xmlrpc_int(1)) },
		{ "<value><struct/></value>", xmlrpc_struct() },
		{ "<value><struct>\n <member><name>k</name><value>v</value></member>\n</struct>"
		  "</value>",
		  st1("k", xmlrpc_string("v")) },
		{ "<value><struct><member><name>Status</name><value>Success</value></member>"
		  "<member><name>Value</name><value><array><data><value><struct><member><name>w"
		  "</name><value>256</value></member></struct></value><value><nil/></value>"
		  "</data></array></value></member></struct></value>",
		  NULL /* built below */ },
	};
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct xmlrpc_value *nested = xmlrpc_struct();

	assert_int_equal(xmlrpc_struct_set(nested, "Status", xmlrpc_string("Success")), 0);
	assert_int_equal(xmlrpc_struct_set(nested, "Value",
					   arr2(st1("w", xmlrpc_string("256")), xmlrpc_nil())),
			 0);
	cases[n - 1].want = nested;
	for (size_t i = 0; i < n; i++) {
		struct xmlrpc_value *got = NULL;

		assert_non_null(cases[i].want);
		if (parse_value(cases[i].xml, &got) != 0)
			fail_msg("case %zu did not parse: %s", i, cases[i].xml);
		if (!xmlrpc_equal(got, cases[i].want))
			fail_msg("case %zu decoded wrong: %s", i, cases[i].xml);
		xmlrpc_free(got);
		xmlrpc_free(cases[i].want);
	}
}

static void decode_rejects_malformed_table(void **state)
{
	static const char *const bad_values[] = {
		"<value><int>2147483648</int></value>",
		"<value><int>12a</int></value>",
		"<value><int></int></value>",
		"<value><int>--1</int></value>",
		"<value><i8>9223372036854775808</i8></value>",
		"<value><boolean>2</boolean></value>",
		"<value><boolean>true</boolean></value>",
		"<value><double>nan</double></value>",
		"<value><double>inf</double></value>",
		"<value><double>0x10</double></value>",
		"<value><double>1e999</double></value>",
		"<value><base64>a</base64></value>",
		"<value><base64>a===</base64></value>",
		"<value><base64>aGVs*G8=</base64></value>",
		"<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>",
		"<value><foo>1</foo></value>",
		"<value>text<int>1</int></value>",
		"<value><int>1</int><int>2</int></value>",
		"<value><nil>x</nil></value>",
		"<value><int><b>1</b></int></value>",
		"<value><struct><member><name>k</name></member></struct></value>",
		"<value><struct><member><value>v</value></member></struct></value>",
		"<value><struct><item/></struct></value>",
		"<value><array><value>1</value></array></value>",
		"<value><array><data><int>1</int></data></array></value>",
		"<value><array><data/><data/></array></value>",
		"<value><struct>junk<member><name>k</name><value>v</value></member></struct></value>",
	};

	for (size_t i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		struct xmlrpc_value *got = NULL;
		int rc = parse_value(bad_values[i], &got);

		if (rc != -EBADMSG)
			fail_msg("case %zu: rc %d, want -EBADMSG: %s", i, rc, bad_values[i]);
		assert_null(got);
	}
}

static void decode_rejects_bad_documents_table(void **state)
{
	static const char *const docs[] = {
		"",
		"not xml at all",
		"<methodResponse><params><param><value>x</value>",
		"<methodCall><methodName>x</methodName></methodCall>",
		"<methodResponse/>",
		"<methodResponse><params/></methodResponse>",
		"<methodResponse><params><param/></params></methodResponse>",
		"<methodResponse><params><param><value>a</value></param><param><value>b</value>"
		"</param></params></methodResponse>",
		"<methodResponse><params><param><value>a</value><value>b</value></param></params>"
		"</methodResponse>",
		"<methodResponse><fault><value>oops</value></fault></methodResponse>",
		"<methodResponse><bogus/></methodResponse>",
		"<!DOCTYPE r [<!ENTITY a \"b\">]><methodResponse><params><param><value>&a;</value>"
		"</param></params></methodResponse>",
		"<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><methodResponse><params>"
		"<param><value>&e;</value></param></params></methodResponse>",
		"<methodResponse><params><param><value>\xff\xfe</value></param></params>"
		"</methodResponse>",
		"<methodResponse><params><param><value>&undefined;</value></param></params>"
		"</methodResponse>",
	};

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct xmlrpc_value *got = NULL;
		char why[160];
		bool fault;
		int rc = xmlrpc_parse_response(docs[i], strlen(docs[i]), 1 << 20, &got, &fault, why,
					       sizeof(why));

		if (rc != -EBADMSG)
			fail_msg("doc %zu: rc %d, want -EBADMSG", i, rc);
		assert_true(why[0] != '\0');
		assert_null(got);
	}
}

static void decode_rejects_nesting_deeper_than_limit(void **state)
{
	size_t depth = XMLRPC_MAX_DEPTH + 5, len = 0;
	char *doc = malloc(depth * 60 + 200);
	struct xmlrpc_value *got = NULL;
	bool fault;

	assert_non_null(doc);
	len += (size_t)sprintf(doc + len, "<methodResponse><params><param>");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(doc + len, "<value><array><data>");
	for (size_t i = 0; i < depth; i++)
		len += (size_t)sprintf(doc + len, "</data></array></value>");
	len += (size_t)sprintf(doc + len, "</param></params></methodResponse>");
	assert_int_equal(xmlrpc_parse_response(doc, len, 1 << 20, &got, &fault, NULL, 0), -EBADMSG);
	free(doc);
}

static void decode_refuses_input_over_cap(void **state)
{
	const char *doc = "<methodResponse><params><param><value>x</value></param></params>"
			  "</methodResponse>";
	struct xmlrpc_value *got = NULL;
	bool fault;

	assert_int_equal(xmlrpc_parse_response(doc, strlen(doc), 10, &got, &fault, NULL, 0),
			 -EFBIG);
	assert_int_equal(
		xmlrpc_parse_response(doc, strlen(doc), strlen(doc), &got, &fault, NULL, 0), 0);
	xmlrpc_free(got);
}

static void decode_fault_sets_flag(void **state)
{
	const char *doc = "<methodResponse><fault><value><struct><member><name>faultCode</name>"
			  "<value><int>4</int></value></member><member><name>faultString</name>"
			  "<value><string>Too many parameters.</string></value></member></struct>"
			  "</value></fault></methodResponse>";
	struct xmlrpc_value *got = NULL;
	bool fault = false;

	assert_int_equal(xmlrpc_parse_response(doc, strlen(doc), 4096, &got, &fault, NULL, 0), 0);
	assert_true(fault);
	assert_int_equal(xmlrpc_struct_get(got, "faultCode")->i, 4);
	assert_string_equal(xmlrpc_struct_get_str(got, "faultString"), "Too many parameters.");
	xmlrpc_free(got);
}

static struct xmlrpc_value *every_type(void)
{
	struct xmlrpc_value *st = xmlrpc_struct(), *arr = xmlrpc_array();

	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_string("a & <b> \"c\" 'd' caf\xc3\xa9")),
			 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_string("")), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_string(" tab\there\r\nline ")), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_int(-2147483648LL)), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_int(1LL << 40)), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_bool(true)), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_double(0.1)), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_datetime("20261122T00:18:12Z")), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_base64("\0\xff\x10", 3)), 0);
	assert_int_equal(xmlrpc_array_append(arr, xmlrpc_nil()), 0);
	assert_int_equal(xmlrpc_struct_set(st, "list", arr), 0);
	assert_int_equal(xmlrpc_struct_set(st, "empty", xmlrpc_struct()), 0);
	assert_int_equal(xmlrpc_struct_set(st, "k&<>", xmlrpc_string("v")), 0);
	return st;
}

static void encode_response_round_trips_every_type(void **state)
{
	struct xmlrpc_value *v = every_type(), *got = NULL;
	char *text;
	size_t len;
	bool fault = true;

	assert_int_equal(xmlrpc_encode_response(v, false, &text, &len), 0);
	assert_non_null(strstr(text, "<i8>1099511627776</i8>"));
	assert_non_null(strstr(text, "<int>-2147483648</int>"));
	assert_int_equal(xmlrpc_parse_response(text, len, len, &got, &fault, NULL, 0), 0);
	assert_false(fault);
	assert_true(xmlrpc_equal(v, got));
	free(text);
	xmlrpc_free(got);
	xmlrpc_free(v);
}

static void encode_call_escapes_and_parses_back(void **state)
{
	struct xmlrpc_value *p[2] = { xmlrpc_string("OpaqueRef:1 & <x>"), every_type() };
	struct xmlrpc_value *params = NULL;
	char *text, *method = NULL;
	size_t len;

	assert_int_equal(xmlrpc_encode_call("VM.get_record", (const struct xmlrpc_value *const *)p,
					    2, &text, &len),
			 0);
	assert_non_null(strstr(text, "<methodName>VM.get_record</methodName>"));
	assert_non_null(strstr(text, "OpaqueRef:1 &amp; &lt;x&gt;"));
	assert_int_equal(xmlrpc_parse_call(text, len, len, &method, &params, NULL, 0), 0);
	assert_string_equal(method, "VM.get_record");
	assert_int_equal(xmlrpc_array_len(params), 2);
	assert_true(xmlrpc_equal(xmlrpc_array_get(params, 0), p[0]));
	assert_true(xmlrpc_equal(xmlrpc_array_get(params, 1), p[1]));
	free(method);
	free(text);
	xmlrpc_free(params);
	xmlrpc_free(p[0]);
	xmlrpc_free(p[1]);
}

static void encode_refuses_what_xml_cannot_carry(void **state)
{
	struct xmlrpc_value *bad[] = {
		xmlrpc_string("invalid \xff utf8"), xmlrpc_string("overlong \xc0\xaf"),
		xmlrpc_string("control \x01"),	    xmlrpc_string("surrogate \xed\xa0\x80"),
		xmlrpc_string_n("nul\0inside", 10), xmlrpc_double(NAN),
		xmlrpc_string("cut \xe2\x82"),
	};
	char *text = NULL;
	size_t len;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct xmlrpc_value *p = bad[i];

		if (xmlrpc_encode_call("m", &p, 1, &text, &len) != -EINVAL)
			fail_msg("case %zu encoded", i);
		xmlrpc_free(bad[i]);
	}
	assert_int_equal(xmlrpc_encode_call("", NULL, 0, &text, &len), -EINVAL);
	assert_null(text);
}

static void containers_take_ownership_and_propagate_null(void **state)
{
	struct xmlrpc_value *arr = xmlrpc_array(), *st = xmlrpc_struct(), *s = xmlrpc_string("x");

	/* a failed constructor (NULL) is an allocation failure */
	assert_int_equal(xmlrpc_array_append(arr, NULL), -ENOMEM);
	assert_int_equal(xmlrpc_struct_set(st, "k", NULL), -ENOMEM);
	/* wrong container: the child is freed, no leak (ASan checks) */
	assert_int_equal(xmlrpc_array_append(st, xmlrpc_string("y")), -EINVAL);
	assert_int_equal(xmlrpc_struct_set(arr, "k", xmlrpc_string("y")), -EINVAL);
	/* setting a key twice replaces the value */
	assert_int_equal(xmlrpc_struct_set(st, "k", s), 0);
	assert_int_equal(xmlrpc_struct_set(st, "k", xmlrpc_int(3)), 0);
	assert_int_equal(st->st.n, 1);
	assert_int_equal(xmlrpc_struct_get(st, "k")->i, 3);
	assert_null(xmlrpc_struct_get_str(st, "k"));
	assert_null(xmlrpc_struct_get(st, "missing"));
	assert_null(xmlrpc_array_get(arr, 0));
	xmlrpc_free(arr);
	xmlrpc_free(st);
	xmlrpc_free(NULL);
}

static void secret_survives_encoding_and_is_flagged(void **state)
{
	struct xmlrpc_value *pw = xmlrpc_secret("hunter2 & <x>"), *dup;
	const struct xmlrpc_value *p = pw;
	char *text;
	size_t len;

	assert_true(pw->secret);
	dup = xmlrpc_dup(pw);
	assert_true(dup->secret);
	assert_int_equal(xmlrpc_encode_call("session.login_with_password", &p, 1, &text, &len), 0);
	assert_non_null(strstr(text, "hunter2 &amp; &lt;x&gt;"));
	explicit_bzero(text, len);
	free(text);
	xmlrpc_free(dup);
	xmlrpc_free(pw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_every_type_table),
		cmocka_unit_test(decode_rejects_malformed_table),
		cmocka_unit_test(decode_rejects_bad_documents_table),
		cmocka_unit_test(decode_rejects_nesting_deeper_than_limit),
		cmocka_unit_test(decode_refuses_input_over_cap),
		cmocka_unit_test(decode_fault_sets_flag),
		cmocka_unit_test(encode_response_round_trips_every_type),
		cmocka_unit_test(encode_call_escapes_and_parses_back),
		cmocka_unit_test(encode_refuses_what_xml_cannot_carry),
		cmocka_unit_test(containers_take_ownership_and_propagate_null),
		cmocka_unit_test(secret_survives_encoding_and_is_flagged),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
