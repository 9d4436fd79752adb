// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the reports land. */
#include "report.h"

#include <errno.h>
#include <stdio.h>

int report_main(int argc, char **argv)
{
	fprintf(stderr, "isolab: report is not built yet\n");
	return 1;
}

int report_render_dir(const char *run_dir, const char *out_dir, unsigned formats)
{
	return -ENOSYS;
}
