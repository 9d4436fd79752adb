// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the bombs land. */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "isolab-bomb: not built yet\n");
	return 2;
}
