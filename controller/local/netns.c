// SPDX-License-Identifier: MIT
/* Named network namespaces, a bridge and veth pairs, set up through iproute2. */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "proc.h"

#define IP_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define IP_OUT_MAX    (64 * 1024)
#define BATCH_MAX     (64 * 1024)

static int ns_path(const char *name, char *buf, size_t len)
{
	int n;

	if (!name || !*name || strchr(name, '/') || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return -EINVAL;
	n = snprintf(buf, len, "%s/%s", NETNS_DIR, name);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

bool netns_exists(const char *name)
{
	char p[512];

	return ns_path(name, p, sizeof(p)) == 0 && access(p, F_OK) == 0;
}

int netns_open(const char *name)
{
	char p[512];
	int r = ns_path(name, p, sizeof(p));
	int fd;

	if (r < 0)
		return r;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int netns_del(const char *name)
{
	char p[512];
	int r = ns_path(name, p, sizeof(p));

	if (r < 0)
		return r;
	/* EINVAL: not a mount point (a half-made namespace); the file still goes */
	if (umount2(p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(p) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int netns_remove_prefix(const char *prefix, int *removed)
{
	DIR *d = opendir(NETNS_DIR);
	struct dirent *de;
	size_t pl = strlen(prefix);
	int ret = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		int r;

		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, pl) != 0)
			continue;
		r = netns_del(de->d_name);
		if (r < 0 && ret == 0)
			ret = r;
		else if (r == 0 && removed)
			(*removed)++;
	}
	closedir(d);
	return ret;
}

/* Runs `ip [-n ns] -batch -` with the given commands; ip's own words go into err. */
static int ip_batch(const char *ns, const char *cmds, struct backend_err *err)
{
	const char *const with_ns[] = { "ip", "-n", ns, "-batch", "-", NULL };
	const char *const host[] = { "ip", "-batch", "-", NULL };
	const char *const *av = ns ? with_ns : host;
	char *out = NULL;
	int status = 0;
	int r = proc_run(av, cmds, true, IP_TIMEOUT_NS, IP_OUT_MAX, &out, &status);

	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		r = -EIO;
	if (r < 0) {
		size_t len = out ? strlen(out) : 0;

		while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
			out[--len] = '\0';
		backend_errf(err, r == -ENOENT ? "ENOENT" : "EIO", "netns: ip%s%s failed: %s",
			     ns ? " -n " : "", ns ? ns : "",
			     r == -EIO && len ? out
			     : r == -ENOENT   ? "iproute2 'ip' not found"
					      : strerror(-r));
	}
	free(out);
	return r;
}

/* Appends a formatted line to a fixed buffer; -E2BIG when full. */
static int line_add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int line_add(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *len)
		return -E2BIG;
	*len += (size_t)n;
	return 0;
}

int netns_switch_add(const char *sw, struct backend_err *err)
{
	char buf[256];
	int r;

	snprintf(buf, sizeof(buf), "netns add %s\n", sw);
	r = ip_batch(NULL, buf, err);
	if (r < 0)
		return r;
	snprintf(buf, sizeof(buf), "link add %s type bridge\nlink set %s up\n", NETNS_BRIDGE,
		 NETNS_BRIDGE);
	r = ip_batch(sw, buf, err);
	if (r < 0)
		(void)netns_del(sw);
	return r;
}

int netns_attach(const char *sw, const char *name, size_t idx, const char *cidr,
		 struct backend_err *err)
{
	char *buf = malloc(BATCH_MAX);
	size_t len = 0;
	int r;

	if (!buf) {
		backend_errf(err, "ENOMEM", "netns: out of memory");
		return -ENOMEM;
	}
	r = line_add(buf, BATCH_MAX, &len, "netns add %s\n", name);
	if (r == 0)
		r = ip_batch(NULL, buf, err);
	if (r < 0)
		goto out;
	/* the switch side: a veth whose peer lands in the VM as eth0 */
	len = 0;
	r = line_add(buf, BATCH_MAX, &len,
		     "link add vm%zu type veth peer name eth0 netns %s\n"
		     "link set vm%zu master %s up\n",
		     idx, name, idx, NETNS_BRIDGE);
	if (r == 0)
		r = ip_batch(sw, buf, err);
	if (r < 0)
		goto out;
	/* the VM: its address, eth0 and lo up; no route beyond the bridge's subnet */
	len = 0;
	r = line_add(buf, BATCH_MAX, &len,
		     "link set lo up\naddr add %s dev eth0\nlink set eth0 up\n", cidr);
	if (r == 0)
		r = ip_batch(name, buf, err);
out:
	if (r == -E2BIG)
		backend_errf(err, "E2BIG", "netns: names too long for one ip batch");
	if (r < 0)
		(void)netns_del(name); /* its veth end goes with it, and the peer with that */
	free(buf);
	return r;
}
