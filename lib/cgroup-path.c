// SPDX-License-Identifier: MIT
/* /proc/self/cgroup lines (cgroup-path.h). */
#include "cgroup-path.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Whether the comma-separated list (len bytes) holds word exactly. */
static bool list_has(const char *list, size_t len, const char *word)
{
	size_t wl = strlen(word);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (n == wl && memcmp(p, word, n) == 0)
			return true;
		p += n + 1;
	}
	return false;
}

int cgroup_path_parse(const char *text, const char *controller, char *out, size_t len)
{
	const char *line = text;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		const char *eol = nl ? nl : line + strlen(line);
		const char *c1 = memchr(line, ':', (size_t)(eol - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(eol - c1 - 1)) : NULL;

		if (c2) {
			size_t ctl_len = (size_t)(c2 - c1 - 1), plen = (size_t)(eol - c2 - 1);
			bool v2 = ctl_len == 0 && c1 - line == 1 && line[0] == '0';
			bool match = controller ? list_has(c1 + 1, ctl_len, controller) : v2;

			if (match) {
				if (plen == 0)
					return -ENOENT;
				if (plen + 1 > len)
					return -ENAMETOOLONG;
				memcpy(out, c2 + 1, plen);
				out[plen] = '\0';
				return 0;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}
