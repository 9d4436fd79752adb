// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *log_progname = "isolab";
static enum log_level log_threshold = LOG_LVL_INFO;

void log_init(const char *prog, enum log_level level)
{
	if (prog) {
		const char *slash = strrchr(prog, '/');

		log_progname = slash ? slash + 1 : prog;
	}
	log_threshold = level;
}

void log_set_level(enum log_level level)
{
	log_threshold = level;
}

enum log_level log_get_level(void)
{
	return log_threshold;
}

const char *log_prog(void)
{
	return log_progname;
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char buf[1024];
	int saved = errno;
	int n;

	if (level > log_threshold)
		return;
	/* one write per message so lines from threads do not interleave */
	n = snprintf(buf, sizeof(buf), "%s: %s", log_progname,
		     level == LOG_LVL_WARN ? "warning: " : "");
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = 0;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	n = (int)strlen(buf);
	if (n > 0 && buf[n - 1] != '\n' && (size_t)n + 1 < sizeof(buf)) {
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	fputs(buf, stderr);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
