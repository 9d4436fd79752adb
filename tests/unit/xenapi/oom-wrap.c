// SPDX-License-Identifier: MIT
/* Allocation failure injection through the linker's --wrap (oom-wrap.h). */
#include "oom-wrap.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

/* volatile: the compiler assumes malloc() leaves globals alone and would cache them */
static volatile long fail_at = -1, count;
static volatile bool failed;

static bool inject(void)
{
	if (fail_at >= 0 && count++ == fail_at) {
		failed = true;
		return true;
	}
	return false;
}

void *__wrap_malloc(size_t n)
{
	return inject() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return inject() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return inject() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return inject() ? NULL : __real_strdup(s);
}

void oom_arm(long k)
{
	fail_at = k;
	count = 0;
	failed = false;
}

void oom_disarm(void)
{
	fail_at = -1;
}

bool oom_failed(void)
{
	return failed;
}
