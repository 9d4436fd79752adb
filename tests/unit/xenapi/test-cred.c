// SPDX-License-Identifier: MIT
/* The XenAPI password source: 0600 files only, newline stripped, environment copy. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"
#include "cred.h"

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/isolab-cred.XXXXXX");
	assert_non_null(mkdtemp(dir));
	unsetenv("ISOLAB_XENAPI_PASSWORD");
	return 0;
}

static int teardown(void **state)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/pw", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	unsetenv("ISOLAB_XENAPI_PASSWORD");
	return 0;
}

static const char *write_pw(const char *text, size_t len, mode_t mode)
{
	static char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/pw", dir);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int get(const char *file, char *buf, size_t size, struct backend_err *err)
{
	struct xapi_cred *c = xapi_cred_new(file, err);
	int rc;

	if (!c)
		return -EINVAL;
	rc = xapi_cred_get(c, buf, size, err);
	xapi_cred_free(c);
	return rc;
}

static void file_0600_read_with_newline_stripped(void **state)
{
	struct backend_err err = { 0 };
	char buf[64];

	assert_int_equal(get(write_pw("s3cret & <x>\r\n", 14, 0600), buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "s3cret & <x>");
	assert_int_equal(get(write_pw("ro", 2, 0400), buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "ro");
}

static void file_readable_by_others_refused_table(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0606, 0601 };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct backend_err err = { 0 };
		char buf[64] = "untouched";

		assert_int_equal(get(write_pw("pw\n", 3, modes[i]), buf, sizeof(buf), &err),
				 -EPERM);
		assert_string_equal(err.code, "EPERM");
		assert_non_null(strstr(err.msg, "0600"));
		assert_null(strstr(err.msg, "pw\n"));
		assert_int_equal(buf[0], '\0'); /* wiped */
	}
}

static void file_empty_missing_too_long_or_not_regular(void **state)
{
	struct backend_err err = { 0 };
	char buf[16], big[64];

	assert_int_equal(get(write_pw("\n", 1, 0600), buf, sizeof(buf), &err), -EINVAL);
	assert_non_null(strstr(err.msg, "empty"));
	memset(big, 'x', sizeof(big));
	assert_int_equal(get(write_pw(big, sizeof(big), 0600), buf, sizeof(buf), &err), -EFBIG);
	assert_int_equal(get("/nonexistent/pw", buf, sizeof(buf), &err), -ENOENT);
	assert_string_equal(err.code, "ENOENT");
	assert_int_equal(get(dir, buf, sizeof(buf), &err), -EINVAL);
}

static void environment_used_without_file(void **state)
{
	struct backend_err err = { 0 };
	struct xapi_cred *c;
	char buf[64];

	assert_null(xapi_cred_new(NULL, &err));
	assert_string_equal(err.code, "EINVAL");
	assert_non_null(strstr(err.msg, "ISOLAB_XENAPI_PASSWORD"));
	setenv("ISOLAB_XENAPI_PASSWORD", "from-env", 1);
	c = xapi_cred_new(NULL, &err);
	assert_non_null(c);
	/* a copy: changing the environment later does not matter */
	setenv("ISOLAB_XENAPI_PASSWORD", "changed", 1);
	assert_int_equal(xapi_cred_get(c, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, "from-env");
	assert_int_equal(xapi_cred_get(c, buf, 4, &err), -EFBIG);
	xapi_cred_free(c);
	xapi_cred_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(file_0600_read_with_newline_stripped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(file_readable_by_others_refused_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(file_empty_missing_too_long_or_not_regular, setup,
						teardown),
		cmocka_unit_test_setup_teardown(environment_used_without_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
