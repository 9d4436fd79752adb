// SPDX-License-Identifier: MIT
/* ${VM} substitution in tool options (controller/run-tools.c): whole, never cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run-priv.h"
#include "scenario.h"

static const char scn[] = "[vm web]\nrole = victim\naddr = 10.0.0.2\n"
			  "[vm peer]\nrole = neighbor\naddr = 10.0.0.3\n"
			  "[probe]\nvm = web\nkind = http\n[phase p]\n";

static struct scenario *load(void)
{
	struct scenario *s = NULL;
	char err[256];

	assert_int_equal(scenario_parse("t.ini", scn, strlen(scn), &s, err, sizeof(err)), 0);
	return s;
}

static void subst_replaces_every_reference(void **state)
{
	struct scenario *s = load();
	struct run R = { .s = s };
	char *v = run_subst(&R, "${peer}:5201,${web}:1 ${nobody} ${peer");

	assert_string_equal(v, "10.0.0.3:5201,10.0.0.2:1 ${nobody} ${peer");
	free(v);
	scenario_free(s);
}

/* Before: values were cut at 1023 bytes without a word, another argument than given. */
static void subst_never_cuts_a_long_value(void **state)
{
	struct scenario *s = load();
	struct run R = { .s = s };
	size_t n = 6000;
	char *in = malloc(n + 8), *v;

	assert_non_null(in);
	memset(in, 'a', n);
	memcpy(in + n, "${web}", 7);
	v = run_subst(&R, in);
	assert_non_null(v);
	assert_int_equal(strlen(v), n + strlen("10.0.0.2"));
	assert_string_equal(v + n, "10.0.0.2");
	free(v);
	free(in);
	scenario_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(subst_replaces_every_reference),
		cmocka_unit_test(subst_never_cuts_a_long_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
