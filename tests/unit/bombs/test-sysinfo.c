// SPDX-License-Identifier: MIT
/* cgroup paths and limit files, as the mem and fork defaults read them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-path.h"
#include "sysinfo.h"

static const char v1[] = "9:name=systemd:/\n"
			 "8:pids:/user.slice/p\n"
			 "4:memory:/process_api/abc\n"
			 "2:cpu,cpuacct:/x\n"
			 "0::/\n";
static const char v2[] = "0::/system.slice/isolab-web.scope\n";

static void sys_cgroup_path_finds_v1_controllers(void **state)
{
	char out[64];

	assert_int_equal(cgroup_path_parse(v1, "memory", out, sizeof(out)), 0);
	assert_string_equal(out, "/process_api/abc");
	assert_int_equal(cgroup_path_parse(v1, "pids", out, sizeof(out)), 0);
	assert_string_equal(out, "/user.slice/p");
	/* a controller in a comma list */
	assert_int_equal(cgroup_path_parse(v1, "cpuacct", out, sizeof(out)), 0);
	assert_string_equal(out, "/x");
	/* "cpu" must not match "cpuset" or a prefix */
	assert_int_equal(cgroup_path_parse("3:cpuset:/a\n", "cpu", out, sizeof(out)), -ENOENT);
}

static void sys_cgroup_path_finds_the_v2_line(void **state)
{
	char out[64];

	assert_int_equal(cgroup_path_parse(v2, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/system.slice/isolab-web.scope");
	assert_int_equal(cgroup_path_parse(v1, NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "/");
	assert_int_equal(cgroup_path_parse("4:memory:/a\n", NULL, out, sizeof(out)), -ENOENT);
	assert_int_equal(cgroup_path_parse(v2, "memory", out, sizeof(out)), -ENOENT);
}

static void sys_cgroup_path_rejects_a_short_buffer(void **state)
{
	char out[8];

	assert_int_equal(cgroup_path_parse(v2, NULL, out, sizeof(out)), -ENAMETOOLONG);
}

static void sys_parse_limit_table(void **state)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t want;
	} cases[] = {
		{ "1073741824\n", 0, 1073741824 },
		{ "4096", 0, 4096 },
		{ "max\n", -ENOENT, 0 },
		{ "9223372036854771712\n", -ENOENT, 0 }, /* v1 "unlimited" */
		{ "", -EINVAL, 0 },
		{ "12abc\n", -EINVAL, 0 },
		{ "-1\n", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;

		assert_int_equal(sys_parse_limit(cases[i].in, &v), cases[i].ret);
		assert_int_equal(v, cases[i].ret ? 7 : cases[i].want);
	}
}

static void sys_meminfo_reads_memtotal(void **state)
{
	uint64_t total = 0, avail = 0;

	assert_int_equal(sys_meminfo("MemTotal", &total), 0);
	assert_int_equal(sys_meminfo("MemAvailable", &avail), 0);
	assert_true(total >= 64ULL << 20);
	assert_true(avail <= total);
	assert_int_equal(sys_meminfo("NoSuchField", &total), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sys_cgroup_path_finds_v1_controllers),
		cmocka_unit_test(sys_cgroup_path_finds_the_v2_line),
		cmocka_unit_test(sys_cgroup_path_rejects_a_short_buffer),
		cmocka_unit_test(sys_parse_limit_table),
		cmocka_unit_test(sys_meminfo_reads_memtotal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
