// SPDX-License-Identifier: MIT
/*
 * TEMPORARY (controller): weak stand-ins for the local backend's extras
 * (local.h) so that isolab links while controller/backend-local.c is still
 * a placeholder. The real, strong definitions in backend-local.c win at link
 * time. Remove this file once main has the local backend.
 */
#include <errno.h>

#include "backend.h"
#include "local.h"

__attribute__((weak)) int backend_local_prepare(struct backend *b, const struct local_vm_spec *vms,
						size_t n, struct backend_err *err)
{
	backend_errf(err, "ENOSYS", "the local backend is not built yet");
	return -ENOSYS;
}

__attribute__((weak)) int backend_local_enter(struct backend *b, const char *vm)
{
	return -ENOSYS;
}

__attribute__((weak)) const char *backend_local_vm_addr(struct backend *b, const char *vm)
{
	return NULL;
}

__attribute__((weak)) int backend_local_teardown(struct backend *b, struct backend_err *err)
{
	return 0;
}

__attribute__((weak)) int backend_local_cleanup_run(const char *run_id, const char *cgroup_root,
						    struct backend_err *err)
{
	return 0;
}

__attribute__((weak)) const char *backend_local_probe_protection(struct backend *b)
{
	return "unknown (the local backend is not built yet)";
}
