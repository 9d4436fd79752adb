// SPDX-License-Identifier: MIT
#include "optlist.h"

#include <string.h>

void optlist_print(const struct option *opts, FILE *f)
{
	for (const struct option *o = opts; o->name; o++)
		fprintf(f, "--%s\n", o->name);
}

bool optlist_requested(int argc, char **argv, const struct option *opts)
{
	if (argc != 2 || strcmp(argv[1], "--list-options") != 0)
		return false;
	optlist_print(opts, stdout);
	return true;
}
