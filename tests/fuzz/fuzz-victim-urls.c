// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the controller's check of the victim's /urls answer
 * (controller/urls-check.c), against the probe's own list reader
 * (probes/urls.c): whatever the controller lets through, the probe must
 * read with the victim as --base, and every URL it then measures is on the
 * victim. A refusal says why in one line without control characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe.h"
#include "urls-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ORIGIN "http://198.18.0.1:8080"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "", perr[256] = "", **list = NULL;
	size_t n = 0;
	int r;

	r = urls_check((const char *)data, size, ORIGIN, err, sizeof(err));
	if (r != 0) {
		if (!err[0] || strchr(err, '\n'))
			abort();
		for (const char *e = err; *e; e++)
			if ((unsigned char)*e < ' ' || *e == 0x7f)
				abort();
		return 0;
	}
	if (probe_parse_urls((const char *)data, size, ORIGIN, &list, &n, perr, sizeof(perr)) !=
		    0 ||
	    n == 0)
		abort(); /* the controller passed a list the probe refuses */
	for (size_t i = 0; i < n; i++)
		if (strncasecmp(list[i], ORIGIN, strlen(ORIGIN)) != 0 ||
		    (list[i][strlen(ORIGIN)] != '/' && list[i][strlen(ORIGIN)] != '\0'))
			abort(); /* a URL off the victim */
	probe_list_free(list, n);
	return 0;
}
