// SPDX-License-Identifier: MIT
/* /proc/self/cgroup lines: v1 controller lists, the v2 "0::" line, short buffers, junk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-path.h"

static void cgroup_path_parse_table(void **state)
{
	static const char hybrid[] = "12:pids:/user.slice/p\n"
				     "4:memory:/process_api/abc\n"
				     "2:cpu,cpuacct:/x\n"
				     "1:name=systemd:/init.scope\n"
				     "0::/init.scope\n";
	static const struct {
		const char *text;
		const char *ctrl; /* NULL = the v2 line */
		size_t len;
		int ret;
		const char *want;
	} cases[] = {
		{ hybrid, "memory", 64, 0, "/process_api/abc" },
		{ hybrid, "cpuacct", 64, 0, "/x" }, /* in a comma list */
		{ hybrid, "cpu", 64, 0, "/x" },
		{ hybrid, "name=systemd", 64, 0, "/init.scope" },
		{ hybrid, NULL, 64, 0, "/init.scope" },
		{ "3:cpuset:/a\n", "cpu", 64, -ENOENT, NULL },	    /* not a prefix match */
		{ "3:cpu:/a\n", "cpuset", 64, -ENOENT, NULL },	    /* nor the other way */
		{ "4:memory:/a\n", NULL, 64, -ENOENT, NULL },	    /* no v2 line */
		{ "5::/a\n", NULL, 64, -ENOENT, NULL },		    /* v2 is hierarchy 0 only */
		{ "0::\n", NULL, 64, -ENOENT, NULL },		    /* no path */
		{ "0::/a/b/c", NULL, 64, 0, "/a/b/c" },		    /* no final newline */
		{ "0::/abcdefgh\n", NULL, 8, -ENAMETOOLONG, NULL }, /* out too small */
		{ "0::/abcdef\n", NULL, 8, 0, "/abcdef" },	    /* exactly fits */
		{ "garbage", "cpu", 64, -ENOENT, NULL },
		{ "garbage\n0::/ok\n", NULL, 64, 0, "/ok" },
		{ "", NULL, 64, -ENOENT, NULL },
		{ "0:/no-second-colon\n", NULL, 64, -ENOENT, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[64] = "";
		int r = cgroup_path_parse(cases[i].text, cases[i].ctrl, out, cases[i].len);

		if (r != cases[i].ret || (cases[i].want && strcmp(out, cases[i].want) != 0))
			fail_msg("case %zu: got %d '%s', want %d '%s'", i, r, out, cases[i].ret,
				 cases[i].want ? cases[i].want : "");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cgroup_path_parse_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
