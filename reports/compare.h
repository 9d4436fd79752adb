/* SPDX-License-Identifier: MIT */
/*
 * `isolab compare RUN_DIR RUN_DIR [...]`: the same phases side by side
 * across results directories (docs/reports.md "Comparing runs").
 */
#pragma once

/* argv[0] is "compare". Returns the exit status (0 ok, 1 failed, 2 bad usage or input). */
int compare_main(int argc, char **argv);
