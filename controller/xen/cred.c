// SPDX-License-Identifier: MIT
/* The XenAPI password: a 0600 file re-read at each login, or the environment in a locked page. */
#include "cred.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "xapi.h"

struct xapi_cred {
	char *password_file;
	char *env_pw; /* locked page holding ISOLAB_XENAPI_PASSWORD, or NULL */
	size_t env_pw_size;
};

static int password_from_file(const char *path, char *buf, size_t size, struct backend_err *err)
{
	struct stat st;
	size_t len = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		backend_errf(err, rc == -ENOENT ? "ENOENT" : "EACCES",
			     "xenapi: password file '%s': %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		backend_errf(err, "EINVAL", "xenapi: password file '%s' is not a regular file",
			     path);
		rc = -EINVAL;
		goto out_close;
	}
	if (st.st_mode & 077) {
		backend_errf(err, "EPERM",
			     "xenapi: password file '%s' has mode %04o: it must be 0600 "
			     "(chmod 600 '%s')",
			     path, (unsigned)(st.st_mode & 07777), path);
		rc = -EPERM;
		goto out_close;
	}
	/* read(2) straight into buf: no stdio buffer keeps a copy */
	while (len < size - 1 && (r = read(fd, buf + len, size - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			backend_errf(err, "EIO", "xenapi: reading '%s': %s", path, strerror(-rc));
			goto out_close;
		}
		len += (size_t)r;
	}
	if (len == size - 1) {
		backend_errf(err, "EFBIG", "xenapi: password file '%s' is too long", path);
		rc = -EFBIG;
		goto out_close;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (!len) {
		backend_errf(err, "EINVAL", "xenapi: password file '%s' is empty", path);
		rc = -EINVAL;
	}
out_close:
	close(fd);
	if (rc)
		explicit_bzero(buf, size);
	return rc;
}

int xapi_cred_get(void *arg, char *buf, size_t size, struct backend_err *err)
{
	struct xapi_cred *c = arg;

	if (c->password_file)
		return password_from_file(c->password_file, buf, size, err);
	if (strlen(c->env_pw) >= size) {
		explicit_bzero(buf, size);
		backend_errf(err, "EFBIG", "xenapi: ISOLAB_XENAPI_PASSWORD is too long");
		return -EFBIG;
	}
	strcpy(buf, c->env_pw);
	return 0;
}

void xapi_cred_free(struct xapi_cred *c)
{
	if (!c)
		return;
	if (c->env_pw) {
		explicit_bzero(c->env_pw, c->env_pw_size);
		munmap(c->env_pw, c->env_pw_size);
	}
	free(c->password_file);
	free(c);
}

static int env_pw_keep(struct xapi_cred *b, const char *pw, struct backend_err *err)
{
	size_t len = strlen(pw), size = (size_t)sysconf(_SC_PAGESIZE);

	if (len >= XAPI_PASSWORD_MAX || len >= size) {
		backend_errf(err, "EFBIG", "xenapi: ISOLAB_XENAPI_PASSWORD is too long");
		return -EFBIG;
	}
	b->env_pw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b->env_pw == MAP_FAILED) {
		b->env_pw = NULL;
		backend_errf(err, "ENOMEM", "xenapi: out of memory");
		return -ENOMEM;
	}
	b->env_pw_size = size;
	(void)mlock(b->env_pw, size);		       /* best effort: not swapped */
	(void)madvise(b->env_pw, size, MADV_DONTDUMP); /* not in core dumps */
	memcpy(b->env_pw, pw, len + 1);
	return 0;
}

/* The environment's password, moved out of environ by xapi_cred_capture_env(). */
static char *captured_pw;

void xapi_cred_capture_env(void)
{
	char *env = getenv("ISOLAB_XENAPI_PASSWORD");

	if (!env || captured_pw)
		return;
	captured_pw = strdup(env);
	/* wipe the original too: environ's copy would outlive unsetenv() in memory */
	explicit_bzero(env, strlen(env));
	(void)unsetenv("ISOLAB_XENAPI_PASSWORD");
}

struct xapi_cred *xapi_cred_new(const char *password_file, struct backend_err *err)
{
	const char *env = captured_pw ? captured_pw : getenv("ISOLAB_XENAPI_PASSWORD");
	struct xapi_cred *c = calloc(1, sizeof(*c));

	if (!c)
		goto out_nomem;
	if (password_file) {
		c->password_file = strdup(password_file);
		if (!c->password_file)
			goto out_nomem;
		return c;
	}
	if (!env || !*env) {
		backend_errf(err, "EINVAL",
			     "xenapi: no password: use --password-file FILE (mode 0600) or "
			     "ISOLAB_XENAPI_PASSWORD");
		xapi_cred_free(c);
		return NULL;
	}
	if (env_pw_keep(c, env, err)) {
		xapi_cred_free(c);
		return NULL;
	}
	return c;
out_nomem:
	xapi_cred_free(c);
	backend_errf(err, "ENOMEM", "xenapi: out of memory");
	return NULL;
}
