/* SPDX-License-Identifier: MIT */
/* The XenAPI backend's options (its backend_opt table) and their checks. */
#pragma once

#include "backend.h"

/* The options, indexed so that the code reads them by row, never by a repeated string. */
enum {
	XO_URL,
	XO_USER,
	XO_PASSWORD_FILE,
	XO_PASSWORD,
	XO_CA_FILE,
	XO_INSECURE,
	XO_DOM0
};

extern const struct backend_opt xenapi_opts[];

#define OPT(cfg, i) backend_cfg_get(cfg, xenapi_opts[i].key)

/* The URL, the user and dom0 as a session needs them; 0 or -EINVAL with err filled. */
int xenapi_check_config(const struct backend_config *cfg, struct backend_err *err);
