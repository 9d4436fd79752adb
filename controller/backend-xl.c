// SPDX-License-Identifier: MIT
/* PLACEHOLDER until the xl backend lands: refuses to open. */
#include "backend.h"

#include <errno.h>

static int xl_open(const struct backend_config *cfg, struct backend **out, struct backend_err *err)
{
	backend_errf(err, "ENOSYS", "the xl backend is not built yet");
	return -ENOSYS;
}

const struct backend_ops backend_xl_ops = {
	.name = "xl",
	.open = xl_open,
};
