// SPDX-License-Identifier: MIT
/* file_remove_tree(): the one way a run's scratch directory goes, without a shell. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fileio.h"

static char base[256];

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static void put(const char *rel, const char *text)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/%s", base, rel);
	assert_int_equal(file_write_atomic(p, text, strlen(text), 0600), 0);
}

static void remove_tree_removes_everything_below_and_follows_no_link(void **state)
{
	char tree[300], p[512], outside[300];

	(void)state;
	snprintf(base, sizeof(base), "/tmp/isolab-test-fileio-%d", (int)getpid());
	snprintf(tree, sizeof(tree), "%s/tree", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(p, sizeof(p), "%s/a/b/c", tree);
	assert_int_equal(file_mkdirs(p, 0700), 0);
	assert_int_equal(file_mkdirs(outside, 0700), 0);
	put("tree/top.txt", "x");
	put("tree/a/b/c/deep.db", "y");
	put("tree/a/b/.hidden", "z");
	put("tree/a/b/name with spaces; $(x)", "w");
	put("outside/keep", "k");
	snprintf(p, sizeof(p), "%s/a/link-to-outside", tree);
	assert_int_equal(symlink(outside, p), 0);
	snprintf(p, sizeof(p), "%s/a/dangling", tree);
	assert_int_equal(symlink("/nonexistent/isolab", p), 0);

	assert_int_equal(file_remove_tree(tree), 0);
	assert_false(exists(tree));
	snprintf(p, sizeof(p), "%s/keep", outside);
	assert_true(exists(p)); /* the link went, not what it pointed to */
	/* gone already, a plain file, a link: all fine */
	assert_int_equal(file_remove_tree(tree), 0);
	put("file", "f");
	snprintf(p, sizeof(p), "%s/file", base);
	assert_int_equal(file_remove_tree(p), 0);
	assert_false(exists(p));
	snprintf(p, sizeof(p), "%s/link", base);
	assert_int_equal(symlink(outside, p), 0);
	assert_int_equal(file_remove_tree(p), 0);
	assert_false(exists(p));
	assert_true(exists(outside));
	assert_int_equal(file_remove_tree(base), 0);
	assert_false(exists(base));
}

static void remove_tree_reports_what_it_cannot_remove(void **state)
{
	(void)state;
	/* a path through a file is no directory to remove */
	assert_int_equal(file_remove_tree("/proc/self/status/x"), -ENOTDIR);
	/* part of a read-only filesystem: refused, not ignored */
	assert_true(file_remove_tree("/proc/self/status") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(remove_tree_removes_everything_below_and_follows_no_link),
		cmocka_unit_test(remove_tree_reports_what_it_cannot_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
