/* SPDX-License-Identifier: MIT */
/* `isolab hosts` output (cli-hosts.c): one list of hosts, rendered as a table or JSON. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "backend.h"

/* The hosts of backend (its name) as a table, or one JSON object. 0 or -errno. */
int cli_hosts_print(FILE *f, const char *backend, const struct backend_host *h, size_t n,
		    bool json);
