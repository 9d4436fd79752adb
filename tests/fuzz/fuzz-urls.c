// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the probe's URL and query list readers
 * (probes/urls.c): what a victim's /urls answer or a user's list file can
 * hold. The first input byte picks the reader and whether a --base is
 * given; with a base, the first line is the base URL.
 *
 * Whatever the reader accepts must be usable: every URL is absolute
 * ("scheme://host..."), holds no whitespace or control character, is no
 * longer than a line plus the base, and with a base is on base's host. Every refusal says why in a message
 * that carries no control character from the input (it reaches a terminal).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *u, const char *base)
{
	const char *sep = strstr(u, "://");
	size_t n = strlen(u);

	if (!sep || sep == u || n > PROBE_LIST_MAX_LINE + (base ? strlen(base) : 0) + 1)
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)u[i] <= ' ' || u[i] == 0x7f)
			abort(); /* whitespace or a control character */
	/* with a base, every URL is on base's host: the same scheme://authority */
	if (base) {
		size_t bo = strcspn(strstr(base, "://") + 3, "/") +
			    (size_t)(strstr(base, "://") - base) + 3;
		size_t uo = strcspn(sep + 3, "/") + (size_t)(sep - u) + 3;

		if (bo != uo || strncasecmp(u, base, bo) != 0)
			abort();
	}
}

/* A message fit for a terminal: no control characters from the input. */
static void check_message(const char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < ' ' || *err == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **list = NULL, *base = NULL, err[256] = "";
	const char *text;
	size_t n = 0, len;
	unsigned mode;
	int ret;

	if (size < 1)
		return 0;
	mode = data[0] % 3;
	text = (const char *)data + 1;
	len = size - 1;
	if (mode == 1) { /* first line: --base */
		const char *nl = memchr(text, '\n', len);
		size_t bl = nl ? (size_t)(nl - text) : len;

		if (memchr(text, '\0', bl))
			return 0; /* a command-line argument holds no NUL */
		base = strndup(text, bl);
		if (!base)
			return 0;
		text += nl ? bl + 1 : bl;
		len -= nl ? bl + 1 : bl;
	}
	if (mode == 2) {
		ret = probe_parse_queries(text, len, &list, &n, err, sizeof(err));
		for (size_t i = 0; ret == 0 && i < n; i++)
			if (!list[i][0] || strlen(list[i]) > PROBE_LIST_MAX_LINE)
				abort();
	} else {
		ret = probe_parse_urls(text, len, base, &list, &n, err, sizeof(err));
		for (size_t i = 0; ret == 0 && i < n; i++)
			check_url(list[i], base);
	}
	if (ret != 0 && !err[0])
		abort(); /* every refusal says why */
	check_message(err);
	probe_list_free(list, n);
	free(base);
	return 0;
}
