/* SPDX-License-Identifier: MIT */
/*
 * The victim's /urls answer, checked before the probe gets it: the victim
 * is the system under test, and may be hostile. One clear error rather than
 * a probe that chokes on junk or, worse, measures some other host.
 */
#pragma once

#include <stddef.h>

#define URLS_CHECK_MAX_BYTES (8u << 20) /* the whole answer */
#define URLS_CHECK_MAX_LINE  8192	/* as the probe's list reader */

/*
 * Checks text (len bytes, not NUL-terminated): no NUL or control character
 * but tab and CR; one entry per line (blank lines and '#' comments skipped)
 * without inner whitespace, each a path ("/wiki/A", "Main_Page") or an
 * absolute URL on origin ("http://198.18.0.1:8080", scheme://authority
 * compared exactly, scheme and host case-insensitively); at least one entry.
 * Returns 0, or -EINVAL with "line N: ..." (never quoting a control
 * character) in err, or -EFBIG when text is over URLS_CHECK_MAX_BYTES.
 */
int urls_check(const char *text, size_t len, const char *origin, char *err, size_t errlen);
