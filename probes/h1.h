/* SPDX-License-Identifier: MIT */
/* isolab-probe http's native engine: cleartext HTTP/1.1 over epoll (h1.c). */
#pragma once

#include <stdbool.h>

struct probe_config;
struct probe_worker;

/* true when every URL is plain http:// that the native engine can fetch. */
bool h1_supported(const struct probe_config *cfg);
/* Builds the requests and resolves the hosts (once); 0 or -errno. */
int h1_prepare(const struct probe_config *cfg);
void h1_work(struct probe_worker *w);
void h1_cleanup(void);
