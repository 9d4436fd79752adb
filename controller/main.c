// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the controller lands. */
#include <stdio.h>

#include "report.h"

int main(int argc, char **argv)
{
	if (argc > 1 && argv[1][0] == 'r' && argv[1][1] == 'e' && argv[1][2] == 'p')
		return report_main(argc - 1, argv + 1);
	fprintf(stderr, "isolab: the controller is not built yet\n");
	return 2;
}
