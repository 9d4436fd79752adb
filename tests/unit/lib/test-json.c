// SPDX-License-Identifier: MIT
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"
#include "json.h"

static const char *text(struct json_writer *w)
{
	return json_data(w, NULL);
}

static void json_writes_nested_compact(void **state)
{
	struct json_writer *w = json_new(0);

	assert_non_null(w);
	json_obj_begin(w);
	json_kv_str(w, "tool", "isolab-bomb");
	json_kv_int(w, "neg", -3);
	json_kv_uint(w, "big", UINT64_MAX);
	json_kv_double(w, "half", 0.5);
	json_kv_bool(w, "yes", true);
	json_kv_null(w, "nothing");
	json_key(w, "list");
	json_arr_begin(w);
	json_int(w, 1);
	json_obj_begin(w);
	json_obj_end(w);
	json_arr_begin(w);
	json_arr_end(w);
	json_arr_end(w);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	assert_string_equal(text(w), "{\"tool\":\"isolab-bomb\",\"neg\":-3,"
				     "\"big\":18446744073709551615,\"half\":0.5,\"yes\":true,"
				     "\"nothing\":null,\"list\":[1,{},[]]}");
	json_free(w);
}

static void json_escapes_controls_quotes_and_bad_utf8(void **state)
{
	struct json_writer *w = json_new(0);

	json_arr_begin(w);
	json_str(w, "a\"b\\c\n\t\x01");
	json_str(w, "caf\xc3\xa9 \xe2\x82\xac");  /* valid: café € */
	json_str(w, "bad\xff\xc3(x\xed\xa0\x80"); /* invalid byte, truncated seq, surrogate */
	json_str(w, NULL);
	json_strn(w, "nul\0in", 6);
	json_arr_end(w);
	assert_int_equal(json_error(w), 0);
	assert_string_equal(text(w), "[\"a\\\"b\\\\c\\n\\t\\u0001\",\"caf\xc3\xa9 \xe2\x82\xac\","
				     "\"bad\xef\xbf\xbd\xef\xbf\xbd(x\xef\xbf\xbd\xef\xbf\xbd"
				     "\xef\xbf\xbd\",null,\"nul\\u0000in\"]");
	json_free(w);
}

static void json_writes_nan_and_inf_as_null(void **state)
{
	struct json_writer *w = json_new(0);

	json_arr_begin(w);
	json_double(w, NAN);
	json_double(w, INFINITY);
	json_double(w, -INFINITY);
	json_double(w, 1e300);
	json_arr_end(w);
	assert_string_equal(text(w), "[null,null,null,1e+300]");
	json_free(w);
}

static void json_kv_interval_is_a_pair_or_null(void **state)
{
	struct json_writer *w = json_new(0);

	json_obj_begin(w);
	json_kv_interval(w, "ci", -1.5, 2.25);
	json_kv_interval(w, "lo_nan", NAN, 2);
	json_kv_interval(w, "hi_inf", 1, INFINITY);
	json_kv_double(w, "nan", NAN);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	assert_string_equal(text(w),
			    "{\"ci\":[-1.5,2.25],\"lo_nan\":null,\"hi_inf\":null,\"nan\":null}");
	json_free(w);
}

static void json_flags_misuse(void **state)
{
	struct json_writer *w = json_new(0);

	/* a value without a key inside an object */
	json_obj_begin(w);
	json_int(w, 1);
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);

	/* unbalanced: not closed */
	w = json_new(0);
	json_arr_begin(w);
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);

	/* wrong closer */
	w = json_new(0);
	json_arr_begin(w);
	json_obj_end(w);
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);

	/* key outside an object, and two top-level values */
	w = json_new(0);
	json_key(w, "k");
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);
	w = json_new(0);
	json_int(w, 1);
	json_int(w, 2);
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);

	/* dangling key */
	w = json_new(0);
	json_obj_begin(w);
	json_key(w, "k");
	json_obj_end(w);
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);
}

static void json_refuses_too_deep_nesting(void **state)
{
	struct json_writer *w = json_new(0);

	for (int i = 0; i < 100; i++)
		json_arr_begin(w);
	assert_int_equal(json_error(w), -E2BIG);
	json_free(w);
}

static void json_pretty_indents(void **state)
{
	struct json_writer *w = json_new(JSON_PRETTY);

	json_obj_begin(w);
	json_kv_int(w, "a", 1);
	json_key(w, "b");
	json_arr_begin(w);
	json_int(w, 2);
	json_arr_end(w);
	json_obj_end(w);
	assert_string_equal(text(w), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
	json_free(w);
}

static void json_write_file_is_complete_and_atomic(void **state)
{
	char dir[] = "/tmp/isolab-test-json-XXXXXX", path[128], *back = NULL;
	struct json_writer *w = json_new(0);
	size_t len;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.json", dir);
	json_obj_begin(w);
	json_kv_str(w, "k", "v");
	/* incomplete document: nothing is written */
	assert_int_equal(json_write_file(w, path), -EINVAL);
	assert_int_equal(access(path, F_OK), -1);
	json_obj_end(w);
	assert_int_equal(json_write_file(w, path), 0);
	assert_int_equal(file_read_all(path, 1024, &back, &len), 0);
	assert_string_equal(back, "{\"k\":\"v\"}\n");
	free(back);
	unlink(path);
	rmdir(dir);
	json_free(w);
}

/* JSON_TEXT: the same calls, human text: what the old JSON rewrite broke. */
static void json_text_flattens_objects_and_quotes_strings(void **state)
{
	struct json_writer *w = json_new(JSON_TEXT | JSON_PRETTY);

	assert_non_null(w);
	json_obj_begin(w);
	json_kv_uint(w, "n", 3);
	json_key(w, "lat");
	json_obj_begin(w);
	json_kv_double(w, "p50_ms", 0.5);
	json_key(w, "tail");
	json_obj_begin(w);
	json_kv_double(w, "p99_ms", 2);
	json_obj_end(w);
	json_key(w, "none");
	json_obj_begin(w);
	json_obj_end(w);
	json_obj_end(w);
	json_kv_str(w, "commas", "a,b, c");
	json_kv_str(w, "quotes", "say \"hi\"=x");
	json_kv_str(w, "bare", "/var/tmp:5000");
	json_kv_str(w, "empty", "");
	json_kv_str(w, "word", "null");
	json_kv_bool(w, "yes", true);
	json_kv_null(w, "nothing");
	json_key(w, "list");
	json_arr_begin(w);
	json_int(w, -1);
	json_obj_begin(w);
	json_kv_str(w, "k", "v w");
	json_key(w, "in");
	json_obj_begin(w);
	json_kv_int(w, "x", 1);
	json_obj_end(w);
	json_obj_end(w);
	json_arr_begin(w);
	json_arr_end(w);
	json_arr_end(w);
	json_kv_uint(w, "after", 4);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	assert_string_equal(text(w), "n=3 lat.p50_ms=0.5 lat.tail.p99_ms=2 lat.none={} "
				     "commas=\"a,b, c\" quotes=\"say \\\"hi\\\"=x\" "
				     "bare=/var/tmp:5000 empty=\"\" word=\"null\" yes=true "
				     "nothing=null list=[-1 {k=\"v w\" in.x=1} []] after=4");
	json_free(w);

	/* an empty document is empty; misuse is still caught */
	w = json_new(JSON_TEXT);
	json_obj_begin(w);
	json_obj_end(w);
	assert_int_equal(json_error(w), 0);
	assert_string_equal(text(w), "");
	json_free(w);
	w = json_new(JSON_TEXT);
	json_obj_begin(w);
	json_int(w, 1); /* no key */
	assert_int_equal(json_error(w), -EINVAL);
	json_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_writes_nested_compact),
		cmocka_unit_test(json_escapes_controls_quotes_and_bad_utf8),
		cmocka_unit_test(json_writes_nan_and_inf_as_null),
		cmocka_unit_test(json_kv_interval_is_a_pair_or_null),
		cmocka_unit_test(json_flags_misuse),
		cmocka_unit_test(json_refuses_too_deep_nesting),
		cmocka_unit_test(json_pretty_indents),
		cmocka_unit_test(json_write_file_is_complete_and_atomic),
		cmocka_unit_test(json_text_flattens_objects_and_quotes_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
