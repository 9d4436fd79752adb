// SPDX-License-Identifier: MIT
/* The table of scheduler backends. Adding a backend is a file and a row. */
#include "backend.h"

#include <string.h>

extern const struct backend_ops backend_local_ops;
extern const struct backend_ops backend_xenapi_ops;
extern const struct backend_ops backend_xl_ops;

const struct backend_ops *const backend_table[] = {
	&backend_local_ops,
	&backend_xenapi_ops,
	&backend_xl_ops,
	NULL,
};

const struct backend_ops *backend_find(const char *name)
{
	for (size_t i = 0; name && backend_table[i]; i++)
		if (strcmp(backend_table[i]->name, name) == 0)
			return backend_table[i];
	return NULL;
}
