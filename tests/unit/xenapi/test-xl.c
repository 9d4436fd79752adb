// SPDX-License-Identifier: MIT
/* xl output parsing (real Xen 4.17 formats), Xen's limits, dom0 validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ssh-cmd.h"
#include "xl.h"

static const char xl_info[] = "host                   : xenlab\n"
			      "release                : 6.1.0-27-amd64\n"
			      "machine                : x86_64\n"
			      "nr_cpus                : 2\n"
			      "max_cpu_id             : 1\n"
			      "xen_major              : 4\n"
			      "xen_minor              : 17\n"
			      "xen_extra              : .5-pre\n"
			      "xen_version            : 4.17.5-pre\n"
			      "xen_scheduler          : credit2\n"
			      "xen_commandline        : smap=0 smep=0 console=com1 sched=credit2\n";

static void parse_info_reads_scheduler_cpus_version(void **state)
{
	struct xl_info info;

	assert_int_equal(xl_parse_info(xl_info, &info), 0);
	assert_string_equal(info.scheduler, "credit2");
	assert_int_equal(info.nr_cpus, 2);
	assert_int_equal(info.xen_major, 4);
	assert_int_equal(info.xen_minor, 17);
	assert_string_equal(info.xen_version, "4.17.5-pre");
	assert_int_equal(xl_parse_info("host : x\nnr_cpus : 4\n", &info), -EBADMSG);
	assert_int_equal(xl_parse_info("", &info), -EBADMSG);
}

static void parse_list_skips_noise_and_keeps_columns(void **state)
{
	const char *out =
		"WARNING: something odd\n"
		"Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
		"Domain-0                                     0  1024     1     r-----      25.3\n"
		"d1                                           1   128     1     -b----       2.1\n"
		"my vm                                       12   512     4     --p---       0.0\n"
		"garbage line\n";
	struct xl_dom *d;
	size_t n;

	assert_int_equal(xl_parse_domains(out, false, &d, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(d[0].name, "Domain-0");
	assert_int_equal(d[0].domid, 0);
	assert_string_equal(d[1].name, "d1");
	assert_int_equal(d[1].vcpus, 1);
	assert_string_equal(d[1].state, "-b----");
	assert_string_equal(d[2].name, "my vm");
	assert_int_equal(d[2].domid, 12);
	assert_int_equal(d[2].vcpus, 4);
	assert_true(d[0].cpu_s == 25.3);
	assert_true(d[1].cpu_s == 2.1);
	assert_true(d[2].cpu_s == 0.0);
	free(d);
	assert_int_equal(xl_parse_domains("no header here\n", false, &d, &n), -EBADMSG);
}

static void parse_sched_credit_with_cpupool_headers(void **state)
{
	const char *out = "Cpupool Pool-0: tslice=30ms ratelimit=1000us migration-delay=0us\n"
			  "Name                                ID Weight  Cap\n"
			  "Domain-0                             0    256    0\n"
			  "d1                                   1   1024   10\n"
			  "Cpupool p1: tslice=30ms ratelimit=1000us migration-delay=0us\n"
			  "Name                                ID Weight  Cap\n"
			  "d2                                   2  65535  200\n";
	struct xl_dom *d;
	size_t n;

	assert_int_equal(xl_parse_domains(out, true, &d, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(d[1].weight, 1024);
	assert_int_equal(d[1].cap, 10);
	assert_string_equal(d[2].name, "d2");
	assert_int_equal(d[2].weight, 65535);
	assert_int_equal(d[2].cap, 200);
	free(d);
}

static void check_params_enforces_xen_limits_table(void **state)
{
	static const struct {
		int weight, cap, cpus, rc;
	} cases[] = {
		{ 1, 0, 2, 0 },		 { 65535, 200, 2, 0 },
		{ 0, -1, 2, -ERANGE },	 { 65536, -1, 2, -ERANGE },
		{ -1, 201, 2, -ERANGE }, { -1, -1, 2, 0 },
		{ 256, 800, -1, 0 },	 { 256, XEN_CAP_MAX + 1, -1, -ERANGE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sched_params p = { cases[i].weight, cases[i].cap };
		struct backend_err err = { 0 };

		if (xl_check_params(&p, cases[i].cpus, &err) != cases[i].rc)
			fail_msg("case %zu", i);
		if (cases[i].rc)
			assert_string_equal(err.code, "ERANGE");
	}
}

static void scheduler_commands_and_caps(void **state)
{
	assert_string_equal(xl_sched_cmd("credit"), "sched-credit");
	assert_string_equal(xl_sched_cmd("credit2"), "sched-credit2");
	assert_null(xl_sched_cmd("rtds"));
	assert_null(xl_sched_cmd("null"));
	assert_true(xl_cap_supported("credit", 4, 1));
	assert_true(xl_cap_supported("credit2", 4, 17));
	assert_true(xl_cap_supported("credit2", 4, 10));
	assert_false(xl_cap_supported("credit2", 4, 9));
	assert_true(xl_cap_supported("credit2", -1, -1));
	assert_false(xl_cap_supported("rtds", 4, 17));
	assert_string_equal(xl_sched_static("credit2"), "credit2");
	assert_string_equal(xl_sched_static("weird"), "other");
	assert_string_equal(xl_sched_static(NULL), "other");
}

static void dom0_must_be_a_plain_destination(void **state)
{
	assert_true(ssh_target_valid("root@xenhost"));
	assert_true(ssh_target_valid("xenhost.example.org"));
	assert_false(ssh_target_valid("-oProxyCommand=x"));
	assert_false(ssh_target_valid("root@host; rm -rf /"));
	assert_false(ssh_target_valid("a b"));
	assert_false(ssh_target_valid(""));
	assert_false(ssh_target_valid(NULL));
}

static void parse_pools_finds_a_domains_pool_and_its_parameters(void **state)
{
	const char *out = "Cpupool Pool-0: tslice=30ms ratelimit=1000us migration-delay=0us\n"
			  "Name                                ID Weight  Cap\n"
			  "Domain-0                             0    256    0\n"
			  "my vm                                4    256    0\n"
			  "Cpupool p1: tslice=5ms ratelimit=500us migration-delay=0us\n"
			  "Name                                ID Weight  Cap\n"
			  "v1                                   1   1024   10\n"
			  "Cpupool p2: ratelimit=1000us\n"
			  "Name                                ID Weight  Cap\n"
			  "v2                                   2    256    0\n";
	struct backend_sched_details d;

	(void)state;
	assert_int_equal(xl_parse_pools(out, "v1", &d), 0);
	assert_string_equal(d.cpupool, "p1");
	assert_int_equal(d.tslice_ms, 5);
	assert_int_equal(d.ratelimit_us, 500);
	assert_int_equal(xl_parse_pools(out, "2", &d), 0); /* by domain id */
	assert_string_equal(d.cpupool, "p2");
	assert_int_equal(d.tslice_ms, -1); /* credit2 has none */
	assert_int_equal(d.ratelimit_us, 1000);
	assert_int_equal(xl_parse_pools(out, "my vm", &d), 0);
	assert_string_equal(d.cpupool, "Pool-0");
	assert_int_equal(xl_parse_pools(out, "v3", &d), -ENOENT);
	assert_int_equal(xl_parse_pools(out, "my", &d), -ENOENT);
	assert_int_equal(xl_parse_pools("", "v1", &d), -ENOENT);
}

static void cpu_time_reads_xl_list_for_one_domain(void **state)
{
	char dir[] = "/tmp/isolab-test-xl-XXXXXX", path[64];
	struct backend_err err = { 0 };
	struct xl_target t = { .dom0 = NULL };
	uint64_t ns = 0;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/xl", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n[ \"$1 $2\" = \"list v1\" ] || { echo \"no such domain\" >&2; exit 1; }\n"
	      "echo 'Name                                        ID   Mem VCPUs\tState\tTime(s)'\n"
	      "echo 'v1                                           3   512     1     -b----     "
	      "123.4'\n",
	      f);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
	setenv("ISOLAB_XL", path, 1);
	assert_int_equal(xl_cpu_time(&t, "v1", &ns, &err), 0);
	assert_int_equal(ns, 123400000000ULL);
	assert_true(xl_cpu_time(&t, "v2", &ns, &err) < 0);
	assert_non_null(strstr(err.msg, "no such domain"));
	unsetenv("ISOLAB_XL");
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_info_reads_scheduler_cpus_version),
		cmocka_unit_test(parse_list_skips_noise_and_keeps_columns),
		cmocka_unit_test(parse_sched_credit_with_cpupool_headers),
		cmocka_unit_test(check_params_enforces_xen_limits_table),
		cmocka_unit_test(scheduler_commands_and_caps),
		cmocka_unit_test(dom0_must_be_a_plain_destination),
		cmocka_unit_test(cpu_time_reads_xl_list_for_one_domain),
		cmocka_unit_test(parse_pools_finds_a_domains_pool_and_its_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
