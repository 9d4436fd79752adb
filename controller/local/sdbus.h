/* SPDX-License-Identifier: MIT */
/*
 * The two things the local backend asks systemd for, over sd-bus: a
 * transient scope unit with Delegate=yes holding one process (the run's
 * cgroup subtree), and stopping it again. As root it talks to PID 1 over
 * its private socket (/run/systemd/private, as systemctl does), so a host
 * without a D-Bus daemon works too; otherwise over the system bus.
 *
 * Built without libsystemd (HAVE_LIBSYSTEMD 0), the fallbacks below refuse with
 * one line saying how to get it (apt-get install libsystemd-dev, rebuild).
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "backend.h"
#include "config.h"

/* true when systemd is the running service manager: what sd_booted() checks. */
static inline bool sdbus_systemd_running(void)
{
	struct stat st;

	return lstat("/run/systemd/system", &st) == 0 && S_ISDIR(st.st_mode);
}

#if HAVE_LIBSYSTEMD

/*
 * StartTransientUnit(unit, "fail") of a scope holding pid, Delegate=yes,
 * CollectMode=inactive-or-failed, in systemd's default slice for scopes
 * (system.slice). Returns once systemd accepted the job; the caller waits
 * for pid to show up in the scope's cgroup. On refusal err says systemd's
 * own words (err->code is the D-Bus error name) and -errno is returned.
 */
int sdbus_scope_start(const char *unit, const char *description, pid_t pid,
		      struct backend_err *err);

/* StopUnit(unit, "replace"). 0 when systemd stops it or knows no such unit. */
int sdbus_unit_stop(const char *unit, struct backend_err *err);

#else

static inline int sdbus_scope_start(const char *unit, const char *description, pid_t pid,
				    struct backend_err *err)
{
	(void)description;
	(void)pid;
	backend_errf(err, "EOPNOTSUPP",
		     "cannot ask systemd for %s: isolab was built without libsystemd "
		     "(apt-get install libsystemd-dev, then rebuild)",
		     unit);
	return -EOPNOTSUPP;
}

static inline int sdbus_unit_stop(const char *unit, struct backend_err *err)
{
	(void)unit;
	(void)err;
	return 0; /* without libsystemd no scope was ever made */
}

#endif
