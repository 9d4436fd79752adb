// SPDX-License-Identifier: MIT
/* Helpers every backend shares: errors as data, vm_info ownership. */
#include "backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void backend_errf(struct backend_err *err, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->code, sizeof(err->code), "%s", code ? code : "");
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* one line: fold any newline a remote message carried */
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

void vm_info_done(struct vm_info *vm)
{
	if (!vm)
		return;
	free(vm->name);
	free(vm->id);
	free(vm->power_state);
	free(vm->host);
	memset(vm, 0, sizeof(*vm));
}

void vm_info_array_free(struct vm_info *vms, size_t n)
{
	if (!vms)
		return;
	for (size_t i = 0; i < n; i++)
		vm_info_done(&vms[i]);
	free(vms);
}
