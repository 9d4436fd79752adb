/* SPDX-License-Identifier: MIT */
/*
 * Where the XenAPI password comes from: a file that only its owner can read
 * (mode 0600), re-read at each login, or ISOLAB_XENAPI_PASSWORD, copied at
 * open into an mlock'ed, MADV_DONTDUMP page that xapi_cred_free() wipes.
 * The password is never stored anywhere else by isolab.
 */
#pragma once

#include <stddef.h>

struct backend_err;
struct xapi_cred;

/*
 * password_file NULL: the environment. NULL on failure with err filled (no
 * password at all, environment value too long, out of memory). The file is
 * only checked at the first xapi_cred_get().
 */
struct xapi_cred *xapi_cred_new(const char *password_file, struct backend_err *err);
/* Wipes and frees; NULL is a no-op. */
void xapi_cred_free(struct xapi_cred *c);

/*
 * Moves ISOLAB_XENAPI_PASSWORD out of the environment (called first thing in
 * main) so that no tool, ssh or xl started later inherits it; xapi_cred_new()
 * then uses the captured copy.
 */
void xapi_cred_capture_env(void);

/*
 * The get_password callback of struct xapi_session_config (arg is the
 * xapi_cred): the NUL-terminated password in buf. A file is refused
 * (-EPERM) when group or others may access it, -EINVAL when empty or not a
 * regular file, -EFBIG when it does not fit. buf is wiped on failure.
 */
int xapi_cred_get(void *arg, char *buf, size_t size, struct backend_err *err);
