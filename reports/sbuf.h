/* SPDX-License-Identifier: MIT */
/*
 * A growing text buffer for the renderers. Errors are sticky: after an
 * allocation failure or the cap, every append is a no-op and sbuf_error()
 * says why, so renderers append freely and check once at the end.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#define SBUF_MAX (256u << 20) /* no report is larger than this */

struct sbuf {
	char *buf;
	size_t len, cap;
	int err; /* 0, -ENOMEM or -E2BIG */
};

void sbuf_init(struct sbuf *b);
void sbuf_done(struct sbuf *b);
int sbuf_error(const struct sbuf *b);
void sbuf_putn(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with &, <, >, " and ' escaped for HTML/XML; NULL appends nothing. */
void sbuf_xml(struct sbuf *b, const char *s);
/* Appends s as one RFC 4180 CSV field: quoted when it holds a comma, quote or line break. */
void sbuf_csv(struct sbuf *b, const char *s);
/* Appends a comma, then v (%.6g) unless it is NaN or infinite: the next CSV number field. */
void sbuf_csv_num(struct sbuf *b, double v);
/* Appends " s |": a Markdown table cell, its pipes escaped, line breaks as spaces. */
void sbuf_md_cell(struct sbuf *b, const char *s);
struct json_writer;
/*
 * Appends w's document and a newline, then frees w (NULL: -ENOMEM). 0, or
 * the writer's error, or the buffer's.
 */
int sbuf_json(struct sbuf *b, struct json_writer *w);
/* Writes the buffer to path atomically; 0 or -errno. */
int sbuf_write_file(const struct sbuf *b, const char *path);
