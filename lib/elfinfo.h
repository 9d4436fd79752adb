/* SPDX-License-Identifier: MIT */
/* What an executable needs to run elsewhere: is it linked statically? */
#pragma once

#include <stdbool.h>

/*
 * True when path is an ELF executable of this machine's class and byte order
 * with no program interpreter (PT_INTERP): statically linked, static-pie
 * included (a shared library has none either: give it executables). False
 * for a dynamically linked one, a script, anything unreadable or malformed.
 */
bool elfinfo_is_static(const char *path);
