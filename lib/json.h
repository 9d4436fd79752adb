/* SPDX-License-Identifier: MIT */
/*
 * Streaming JSON writer. Output accumulates in memory (capped) and is written
 * out at the end with json_fput() or json_write_file(), so a result is either
 * complete or absent. The writer keeps track of commas and nesting; misuse
 * (a value without a key inside an object, unbalanced ends) sets an error
 * that json_error() reports, it never aborts.
 *
 * Strings are escaped per RFC 8259; invalid UTF-8 bytes become U+FFFD.
 * Doubles that are NaN or infinite are written as null.
 *
 * With JSON_TEXT the same calls write human text instead, so that one
 * printing function gives either (as iproute2's print_* do): members are
 * key=value separated by single spaces; the document's own braces are
 * left out; an object member's members are flattened under its key
 * (latency.p99_ms=4.2, an empty one is key={}); arrays are key=[a b], an
 * object inside one {k=v}. Strings are bare when they are made of letters,
 * digits and ._:/@+-% only (and are not null/true/false), else quoted and
 * escaped as in JSON. Numbers, true, false and null read as in JSON.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

enum {
	JSON_PRETTY = 1 << 0, /* indent two spaces, one member per line */
	JSON_TEXT = 1 << 1,   /* human key=value text (above); JSON_PRETTY is ignored */
};

/* Returns NULL on allocation failure. Free with json_free(). */
struct json_writer *json_new(unsigned flags);
void json_free(struct json_writer *w);

/* 0, or a negative errno: -ENOMEM, -E2BIG (cap reached), -EINVAL (misuse). */
int json_error(const struct json_writer *w);
/* The text so far (NUL-terminated, owned by the writer). */
const char *json_data(const struct json_writer *w, size_t *len);
/* Writes the document plus a newline to f; 0 or negative errno. */
int json_fput(const struct json_writer *w, FILE *f);
/* Writes the document atomically (temp file, fsync, rename); 0 or -errno. */
int json_write_file(const struct json_writer *w, const char *path);

void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);

void json_str(struct json_writer *w, const char *s); /* NULL writes null */
void json_strn(struct json_writer *w, const char *s, size_t len);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* Inserts an already-serialised JSON value verbatim (caller vouches for it). */
void json_raw(struct json_writer *w, const char *text, size_t len);

/* key + value shorthands */
void json_kv_str(struct json_writer *w, const char *key, const char *s);
void json_kv_int(struct json_writer *w, const char *key, int64_t v);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_double(struct json_writer *w, const char *key, double v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);
void json_kv_null(struct json_writer *w, const char *key);
/* key: [lo, hi] (a confidence interval), or null unless both ends are finite. */
void json_kv_interval(struct json_writer *w, const char *key, double lo, double hi);
