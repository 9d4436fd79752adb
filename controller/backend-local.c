// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the local backend lands: refuses to open. */
#include "backend.h"

#include <errno.h>

static int local_open(const struct backend_config *cfg, struct backend **out,
		      struct backend_err *err)
{
	backend_errf(err, "ENOSYS", "the local backend is not built yet");
	return -ENOSYS;
}

const struct backend_ops backend_local_ops = {
	.name = "local",
	.open = local_open,
};
