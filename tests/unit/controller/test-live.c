// SPDX-License-Identifier: MIT
/* The live figures follow the probe's CSV log as it grows, partial lines included. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "live.h"

static void append(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void live_follows_a_growing_log(void **state)
{
	char path[128];
	struct live *l;
	double p99, okp;
	uint64_t n;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/isolab-test-live-%d.csv", (int)getpid());
	(void)unlink(path);
	l = live_new(path);
	assert_non_null(l);
	live_poll(l); /* no file yet */
	assert_false(live_get(l, &p99, &okp, &n));
	append(path, "t_s,latency_ms,uncorrected_ms,status,bytes,result,error,target\n");
	for (int i = 1; i <= 99; i++) {
		char line[128];

		snprintf(line, sizeof(line), "0.%02d,%d.000,%d.000,200,100,ok,,http://x/\n", i, i,
			 i);
		append(path, line);
	}
	append(path, "1.0,5000.0,5000.0,0,0,timeout,too slow,http://x/\n1.1,100.0,1");
	live_poll(l);
	assert_true(live_get(l, &p99, &okp, &n));
	assert_int_equal(n, 100); /* the partial last line is not counted yet */
	assert_true(p99 > 97.5 && p99 < 99.5);
	assert_true(okp > 98.9 && okp < 99.1);
	append(path, "00.0,100.0,200,1,ok,,http://x/\ngarbage line\n");
	live_poll(l);
	assert_true(live_get(l, &p99, &okp, &n));
	assert_int_equal(n, 101);
	live_free(l);
	(void)unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(live_follows_a_growing_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
