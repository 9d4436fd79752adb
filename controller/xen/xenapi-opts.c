// SPDX-License-Identifier: MIT
/* The XenAPI backend's options: one table drives [global], the command line and the journal. */
#include "xenapi-opts.h"

#include <errno.h>
#include <string.h>

#include "ssh-cmd.h"
#include "xl.h"

const struct backend_opt xenapi_opts[] = {
	[XO_URL] = { .key = "xenapi_url",
		     .type = BOPT_URL,
		     .cli = "url",
		     .metavar = "URL",
		     .help = "XenAPI pool, https://HOST",
		     .manifest = "pool",
		     .flags = BOPT_OWN },
	[XO_USER] = { .key = "xenapi_user",
		      .type = BOPT_STRING,
		      .cli = "user",
		      .metavar = "USER",
		      .help = "XenAPI user",
		      .manifest = "user",
		      .flags = BOPT_OWN },
	[XO_PASSWORD_FILE] = { .key = "xenapi_password_file",
			       .type = BOPT_STRING,
			       .cli = "password-file",
			       .metavar = "F",
			       .help = "XenAPI password (mode 0600; or $ISOLAB_XENAPI_PASSWORD)",
			       .flags = BOPT_OWN },
	[XO_PASSWORD] = { .key = "xenapi_password",
			  .type = BOPT_REFUSED,
			  .help = "passwords never go into a scenario (expected "
				  "xenapi_password_file = FILE, mode 0600)" },
	[XO_CA_FILE] = { .key = "ca_file",
			 .type = BOPT_STRING,
			 .cli = "ca-file",
			 .metavar = "FILE",
			 .help = "CA bundle for the pool's certificate" },
	[XO_INSECURE] = { .key = "insecure",
			  .type = BOPT_BOOL,
			  .cli = "insecure",
			  .help = "do not verify the certificate (warned on every run)" },
	[XO_DOM0] = XL_OPT_DOM0_ROW,
	{ .key = NULL },
};

int xenapi_check_config(const struct backend_config *cfg, struct backend_err *err)
{
	const char *url = OPT(cfg, XO_URL), *user = OPT(cfg, XO_USER), *dom0 = OPT(cfg, XO_DOM0);
	const char *at, *rest;

	if (!url || !*url) {
		backend_errf(err, "EINVAL", "xenapi: no URL (--url https://HOST or xenapi_url)");
		return -EINVAL;
	}
	if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
		backend_errf(err, "EINVAL", "xenapi: URL '%s' must start with https:// or http://",
			     url);
		return -EINVAL;
	}
	rest = strstr(url, "://") + 3;
	at = strchr(rest, '@');
	if (at && at < rest + strcspn(rest, "/")) {
		backend_errf(err, "EINVAL",
			     "xenapi: credentials in the URL are refused; use --user and "
			     "--password-file");
		return -EINVAL;
	}
	if (!user || !*user) {
		backend_errf(err, "EINVAL", "xenapi: no user (--user USER or xenapi_user)");
		return -EINVAL;
	}
	if (dom0 && !ssh_target_valid(dom0)) {
		backend_errf(err, "EINVAL", "xenapi: dom0 '%s' is not a valid ssh destination",
			     dom0);
		return -EINVAL;
	}
	return 0;
}
