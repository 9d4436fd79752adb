/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

struct bomb_config;

/* The options of cfg as one JSON object, malloc'd; NULL when out of memory. */
char *fuzz_bomb_options_json(const struct bomb_config *cfg, size_t *len);
