// SPDX-License-Identifier: MIT
/* Transient scopes through sd-bus: see sdbus.h. Built only with libsystemd. */
#include "sdbus.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-bus.h>

#include "backend.h"

#define SD_PRIVATE_SOCKET "/run/systemd/private"

/* PID 1's private socket as root (no D-Bus daemon needed), else the system bus. */
static int bus_open(sd_bus **out)
{
	sd_bus *bus = NULL;
	int r;

	if (geteuid() == 0 && access(SD_PRIVATE_SOCKET, F_OK) == 0) {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, "unix:path=" SD_PRIVATE_SOCKET);
		if (r >= 0)
			r = sd_bus_start(bus);
		if (r >= 0) {
			*out = bus;
			return 0;
		}
		bus = sd_bus_flush_close_unref(bus);
	}
	r = sd_bus_open_system(&bus);
	if (r < 0)
		return r;
	*out = bus;
	return 0;
}

static void bus_errf(struct backend_err *err, const sd_bus_error *e, int r, const char *what,
		     const char *unit)
{
	if (e && sd_bus_error_is_set(e))
		backend_errf(err, e->name, "systemd refused to %s %s: %s", what, unit,
			     e->message ? e->message : e->name);
	else
		backend_errf(err, strerrorname_np(-r) ? strerrorname_np(-r) : "EIO",
			     "cannot ask systemd to %s %s: %s", what, unit, strerror(-r));
}

static int append_scope_props(sd_bus_message *m, const char *unit, const char *description,
			      pid_t pid)
{
	int r = sd_bus_message_append(m, "ss", unit, "fail");

	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Description", "s", description);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "Delegate", "b", 1);
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0); /* no auxiliary units */
	return r;
}

int sdbus_scope_start(const char *unit, const char *description, pid_t pid, struct backend_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	int r = bus_open(&bus);

	if (r < 0) {
		bus_errf(err, NULL, r, "start", unit);
		return r;
	}
	r = sd_bus_message_new_method_call(
		bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
		"org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = append_scope_props(m, unit, description, pid);
	if (r < 0) {
		bus_errf(err, NULL, r, "start", unit);
		goto out;
	}
	r = sd_bus_call(bus, m, 0, &e, &reply);
	if (r < 0)
		bus_errf(err, &e, r, "start", unit);
out:
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}

int sdbus_unit_stop(const char *unit, struct backend_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	sd_bus *bus = NULL;
	int r = bus_open(&bus);

	if (r < 0) {
		bus_errf(err, NULL, r, "stop", unit);
		return r;
	}
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "StopUnit", &e, &reply, "ss",
			       unit, "replace");
	if (r < 0 && sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit"))
		r = 0; /* gone already: systemd collects an empty scope by itself */
	else if (r < 0)
		bus_errf(err, &e, r, "stop", unit);
	sd_bus_error_free(&e);
	sd_bus_message_unref(reply);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? r : 0;
}
