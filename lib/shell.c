// SPDX-License-Identifier: MIT
/* Quoting for a POSIX shell (shell.h says why it looks the way it does). */
#include "shell.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool plain(const char *s, size_t n)
{
	if (n == 0)
		return false; /* the empty word must be written '' */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_@%+=:,./-", c)))
			return false;
	}
	return true;
}

int shell_quote_n(char *buf, size_t cap, const char *s, size_t n)
{
	size_t o = strnlen(buf, cap), need = 0;

	if (o >= cap)
		return -E2BIG;
	if (memchr(s, '\0', n))
		return -EINVAL;
	if (plain(s, n)) {
		if (o + n + 1 > cap)
			return -E2BIG;
		memcpy(buf + o, s, n);
		buf[o + n] = '\0';
		return 0;
	}
	/* '...' around it, and 4 bytes ('\'') for each quote inside */
	need = 2;
	for (size_t i = 0; i < n; i++)
		need += s[i] == '\'' ? 4 : 1;
	if (o + need + 1 > cap)
		return -E2BIG;
	buf[o++] = '\'';
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(buf + o, "'\\''", 4);
			o += 4;
		} else {
			buf[o++] = s[i];
		}
	}
	buf[o++] = '\'';
	buf[o] = '\0';
	return 0;
}

int shell_quote(char *buf, size_t cap, const char *s)
{
	return shell_quote_n(buf, cap, s, strlen(s));
}

int shell_join(char *buf, size_t cap, const char *const argv[])
{
	size_t start = strnlen(buf, cap);

	for (size_t i = 0; argv[i]; i++) {
		size_t o = strnlen(buf, cap);
		int r;

		if (o > 0) {
			if (o + 2 > cap)
				goto out_too_big;
			buf[o] = ' ';
			buf[o + 1] = '\0';
		}
		r = shell_quote(buf, cap, argv[i]);
		if (r < 0)
			goto out_too_big;
	}
	return 0;
out_too_big:
	if (start < cap)
		buf[start] = '\0';
	return -E2BIG;
}
