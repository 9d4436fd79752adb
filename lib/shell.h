/* SPDX-License-Identifier: MIT */
/*
 * Quoting for a POSIX shell: the one way any value reaches a remote shell
 * (ssh runs its command line through the guest's login shell). A word made
 * only of [A-Za-z0-9_@%+=:,./-] is left as it is (so logs stay readable);
 * anything else is put in single quotes, each ' written as '\''. Inside
 * single quotes a POSIX shell (sh, dash, bash, ksh, zsh) expands nothing:
 * no $, `, \, ;, newline or glob is special there. A NUL byte cannot be
 * passed to a program at all and is refused.
 */
#pragma once

#include <stddef.h>

/*
 * Appends the n bytes of s as one quoted shell word to the NUL-terminated
 * string in buf (cap bytes in all). Returns 0, -EINVAL when s holds a NUL
 * byte, or -E2BIG when it does not fit (buf is then left as it was).
 */
int shell_quote_n(char *buf, size_t cap, const char *s, size_t n);
/* shell_quote_n() of a C string. */
int shell_quote(char *buf, size_t cap, const char *s);

/*
 * Appends every argv[i] quoted, separated by single spaces (a space first when
 * buf is not empty): the command line that runs argv through sh -c. 0 or -E2BIG.
 */
int shell_join(char *buf, size_t cap, const char *const argv[]);
