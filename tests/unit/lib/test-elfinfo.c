// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "elfinfo.h"
#include "fileio.h"

static const char *static_exe; /* argv[1]: static-true, linked with -static */
static char dir[] = "/tmp/isolab-test-elfinfo-XXXXXX";

/* Writes the first n bytes of src (all when n is 0), then patch at off, to dir/name. */
static const char *copy_of(const char *src, size_t n, size_t off, const void *patch, size_t plen,
			   const char *name)
{
	static char path[256];
	char *data = NULL;
	size_t len = 0;

	assert_int_equal(file_read_all(src, 64 << 20, &data, &len), 0);
	if (n && n < len)
		len = n;
	if (patch) {
		assert_true(off + plen <= len);
		memcpy(data + off, patch, plen);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(file_write_atomic(path, data, len, 0755), 0);
	free(data);
	return path;
}

static void elfinfo_is_static_true_for_a_static_executable(void **state)
{
	assert_true(elfinfo_is_static(static_exe));
}

static void elfinfo_is_static_false_for_a_dynamic_executable(void **state)
{
	/* this test links cmocka and libc dynamically */
	assert_false(elfinfo_is_static("/proc/self/exe"));
	assert_false(elfinfo_is_static("/bin/sh"));
}

static void elfinfo_is_static_false_for_scripts_dirs_and_missing_files(void **state)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/script", dir);
	assert_int_equal(file_write_atomic(path, "#!/bin/sh\nexit 0\n", 17, 0755), 0);
	assert_false(elfinfo_is_static(path));
	assert_false(elfinfo_is_static(dir));
	assert_false(elfinfo_is_static("/nonexistent/isolab-bomb"));
	assert_false(elfinfo_is_static("/dev/null"));
}

static void elfinfo_is_static_false_for_truncated_or_foreign_headers(void **state)
{
	static const unsigned char other_class = 1; /* ELFCLASS32 on a 64-bit host */
	static const unsigned char huge[8] = { 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0 };

	assert_false(elfinfo_is_static(copy_of(static_exe, 16, 0, NULL, 0, "short-ehdr")));
	/* the whole header, but the program headers cut off */
	assert_false(elfinfo_is_static(copy_of(static_exe, 80, 0, NULL, 0, "short-phdrs")));
	assert_false(elfinfo_is_static(copy_of(static_exe, 0, 4, &other_class, 1, "class32")));
	/* e_phoff (offset 32 in a 64-bit header) past the end of the file */
	assert_false(elfinfo_is_static(copy_of(static_exe, 0, 32, huge, sizeof(huge), "phoff")));
	/* an intact copy is static again: the patches above were what made them fail */
	assert_true(elfinfo_is_static(copy_of(static_exe, 0, 0, NULL, 0, "intact")));
}

static int cleanup(void)
{
	static const char *const names[] = { "script", "short-ehdr", "short-phdrs", "class32",
					     "phoff",  "intact",     NULL };
	char path[256];

	for (size_t i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);
	}
	return rmdir(dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(elfinfo_is_static_true_for_a_static_executable),
		cmocka_unit_test(elfinfo_is_static_false_for_a_dynamic_executable),
		cmocka_unit_test(elfinfo_is_static_false_for_scripts_dirs_and_missing_files),
		cmocka_unit_test(elfinfo_is_static_false_for_truncated_or_foreign_headers),
	};
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: test-elfinfo STATIC_EXECUTABLE\n");
		return 2;
	}
	static_exe = argv[1];
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (cleanup() < 0)
		perror("cleanup");
	return r;
}
