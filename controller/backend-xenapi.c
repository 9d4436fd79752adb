// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the xenapi backend lands: refuses to open. */
#include "backend.h"

#include <errno.h>

static int xenapi_open(const struct backend_config *cfg, struct backend **out,
		       struct backend_err *err)
{
	backend_errf(err, "ENOSYS", "the xenapi backend is not built yet");
	return -ENOSYS;
}

const struct backend_ops backend_xenapi_ops = {
	.name = "xenapi",
	.open = xenapi_open,
};
