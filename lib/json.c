// SPDX-License-Identifier: MIT
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"

#define JSON_MAX_DEPTH 64
#define JSON_MAX_BYTES (256u << 20) /* hard cap on one document */
#define JSON_TEXT_PATH 512	    /* JSON_TEXT: longest dotted key */

enum json_frame {
	FRAME_TOP,
	FRAME_OBJ,
	FRAME_ARR,
};

struct json_writer {
	char *buf;
	size_t len, cap;
	int err;
	unsigned flags;
	int depth;
	enum json_frame frame[JSON_MAX_DEPTH];
	bool first[JSON_MAX_DEPTH]; /* no member written yet in this frame */
	bool have_key;		    /* a key was written, its value is due */
	bool top_done;
	/* JSON_TEXT only */
	char path[JSON_TEXT_PATH];	  /* the flattened objects' keys, dotted, then the key */
	size_t path_len[JSON_MAX_DEPTH];  /* where this frame's keys start in path */
	size_t path_base[JSON_MAX_DEPTH]; /* where the printed part of path starts */
	bool braced[JSON_MAX_DEPTH];	  /* the frame shows its brackets */
	bool sep;			  /* a space is due before the next item */
};

static bool is_text(const struct json_writer *w)
{
	return w->flags & JSON_TEXT;
}

struct json_writer *json_new(unsigned flags)
{
	struct json_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cap = 256;
	w->buf = malloc(w->cap);
	if (!w->buf) {
		free(w);
		return NULL;
	}
	w->buf[0] = '\0';
	w->flags = flags;
	w->frame[0] = FRAME_TOP;
	w->first[0] = true;
	return w;
}

void json_free(struct json_writer *w)
{
	if (!w)
		return;
	free(w->buf);
	free(w);
}

int json_error(const struct json_writer *w)
{
	if (w->err)
		return w->err;
	if (w->depth != 0 || w->have_key)
		return -EINVAL;
	return 0;
}

const char *json_data(const struct json_writer *w, size_t *len)
{
	if (len)
		*len = w->len;
	return w->buf;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->err)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap;
		char *nb;

		while (w->len + n + 1 > cap)
			cap *= 2;
		if (cap > JSON_MAX_BYTES) {
			w->err = -E2BIG;
			return;
		}
		nb = realloc(w->buf, cap);
		if (!nb) {
			w->err = -ENOMEM;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void newline(struct json_writer *w)
{
	if (!(w->flags & JSON_PRETTY) || is_text(w))
		return;
	put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		put(w, "  ", 2);
}

/* JSON_TEXT: an item starts: the separator, then "key=" in an object. */
static void text_item(struct json_writer *w)
{
	if (w->err)
		return;
	if (w->sep)
		put(w, " ", 1);
	if (w->frame[w->depth] == FRAME_OBJ) {
		puts_(w, w->path + w->path_base[w->depth]);
		put(w, "=", 1);
	}
	w->sep = true;
}

/* Commas (JSON) and misuse checks before every value. */
static void check_slot(struct json_writer *w)
{
	enum json_frame f = w->frame[w->depth];

	if (w->err)
		return;
	switch (f) {
	case FRAME_TOP:
		if (w->top_done)
			w->err = -EINVAL;
		w->top_done = true;
		break;
	case FRAME_OBJ:
		if (!w->have_key)
			w->err = -EINVAL;
		w->have_key = false;
		break;
	case FRAME_ARR:
		if (!w->first[w->depth] && !is_text(w))
			put(w, ",", 1);
		w->first[w->depth] = false;
		newline(w);
		break;
	}
}

/* Called before every value: commas or separators, keys, misuse checks. */
static void before_value(struct json_writer *w)
{
	check_slot(w);
	if (is_text(w))
		text_item(w);
}

/* JSON_TEXT: may s go out bare (unquoted)? */
static bool text_bare(const char *s, size_t n)
{
	if (!n || (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "true", 4))) ||
	    (n == 5 && !memcmp(s, "false", 5)))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:/@+-%", c)) ||
		    !c)
			return false;
	}
	return true;
}

static void put_escaped(struct json_writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	put(w, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];
		size_t seq = 0;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		put(w, (const char *)p + i - run, run);
		run = 0;
		if (c < 0x80) {
			char esc[7] = { '\\', 0 };

			switch (c) {
			case '"':
				esc[1] = '"';
				break;
			case '\\':
				esc[1] = '\\';
				break;
			case '\n':
				esc[1] = 'n';
				break;
			case '\r':
				esc[1] = 'r';
				break;
			case '\t':
				esc[1] = 't';
				break;
			case '\b':
				esc[1] = 'b';
				break;
			case '\f':
				esc[1] = 'f';
				break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
			}
			puts_(w, esc);
			i++;
			continue;
		}
		/* validate one UTF-8 sequence; invalid bytes become U+FFFD */
		if (c >= 0xc2 && c <= 0xdf)
			seq = 2;
		else if (c >= 0xe0 && c <= 0xef)
			seq = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			seq = 4;
		if (seq && i + seq <= n) {
			bool ok = true;

			for (size_t k = 1; k < seq; k++)
				if ((p[i + k] & 0xc0) != 0x80)
					ok = false;
			/* overlongs, surrogates and > U+10FFFF */
			if (ok && c == 0xe0 && p[i + 1] < 0xa0)
				ok = false;
			if (ok && c == 0xed && p[i + 1] >= 0xa0)
				ok = false;
			if (ok && c == 0xf0 && p[i + 1] < 0x90)
				ok = false;
			if (ok && c == 0xf4 && p[i + 1] >= 0x90)
				ok = false;
			if (ok) {
				put(w, (const char *)p + i, seq);
				i += seq;
				continue;
			}
		}
		puts_(w, "\xef\xbf\xbd");
		i++;
	}
	put(w, (const char *)p + i - run, run);
	put(w, "\"", 1);
}

/* JSON_TEXT: a new frame's place in the dotted path; flat frames print nothing. */
static void text_open(struct json_writer *w, bool flat, char c)
{
	int d = w->depth;
	size_t n = strlen(w->path);

	w->braced[d] = !flat;
	if (flat && d > 1) { /* a member of a flattened object: "key." */
		if (n + 2 > sizeof(w->path)) {
			w->err = -E2BIG;
			return;
		}
		w->path[n++] = '.';
		w->path[n] = '\0';
	}
	w->path_len[d] = flat ? n : strlen(w->path);
	w->path_base[d] = flat ? w->path_base[d - 1] : w->path_len[d];
	if (!flat) {
		put(w, &c, 1);
		w->sep = false;
	}
}

static void open_frame(struct json_writer *w, enum json_frame f, char c)
{
	/* JSON_TEXT: an object that is an object's member (or the document) is flattened */
	bool flat = is_text(w) && f == FRAME_OBJ && w->frame[w->depth] != FRAME_ARR;

	if (flat)
		check_slot(w);
	else
		before_value(w);
	if (w->err)
		return;
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->err = -E2BIG;
		return;
	}
	if (!is_text(w))
		put(w, &c, 1);
	w->depth++;
	w->frame[w->depth] = f;
	w->first[w->depth] = true;
	if (is_text(w))
		text_open(w, flat, c);
}

/* JSON_TEXT: closing frame d (already popped to d - 1). */
static void text_close(struct json_writer *w, int d, bool empty, char c)
{
	if (w->braced[d]) {
		put(w, &c, 1);
		w->sep = true;
	} else if (empty && d > 1) {		    /* an empty member object: key={} */
		w->path[w->path_len[d] - 1] = '\0'; /* drop the '.' */
		text_item(w);
		puts_(w, "{}");
	}
}

static void close_frame(struct json_writer *w, enum json_frame f, char c)
{
	bool empty;

	if (w->err)
		return;
	if (w->depth == 0 || w->frame[w->depth] != f || w->have_key) {
		w->err = -EINVAL;
		return;
	}
	empty = w->first[w->depth];
	w->depth--;
	if (is_text(w)) {
		text_close(w, w->depth + 1, empty, c);
		return;
	}
	if (!empty)
		newline(w);
	put(w, &c, 1);
}

void json_obj_begin(struct json_writer *w)
{
	open_frame(w, FRAME_OBJ, '{');
}

void json_obj_end(struct json_writer *w)
{
	close_frame(w, FRAME_OBJ, '}');
}

void json_arr_begin(struct json_writer *w)
{
	open_frame(w, FRAME_ARR, '[');
}

void json_arr_end(struct json_writer *w)
{
	close_frame(w, FRAME_ARR, ']');
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->err)
		return;
	if (w->frame[w->depth] != FRAME_OBJ || w->have_key || !key) {
		w->err = -EINVAL;
		return;
	}
	if (is_text(w)) {
		size_t at = w->path_len[w->depth], n = strlen(key);

		if (at + n + 1 > sizeof(w->path)) {
			w->err = -E2BIG;
			return;
		}
		memcpy(w->path + at, key, n + 1);
		w->first[w->depth] = false;
		w->have_key = true;
		return;
	}
	if (!w->first[w->depth])
		put(w, ",", 1);
	w->first[w->depth] = false;
	newline(w);
	put_escaped(w, key, strlen(key));
	puts_(w, (w->flags & JSON_PRETTY) ? ": " : ":");
	w->have_key = true;
}

void json_strn(struct json_writer *w, const char *s, size_t len)
{
	before_value(w);
	if (is_text(w) && text_bare(s, len))
		put(w, s, len);
	else
		put_escaped(w, s, len);
}

void json_str(struct json_writer *w, const char *s)
{
	if (!s) {
		json_null(w);
		return;
	}
	json_strn(w, s, strlen(s));
}

void json_int(struct json_writer *w, int64_t v)
{
	char b[32];

	before_value(w);
	snprintf(b, sizeof(b), "%" PRId64, v);
	puts_(w, b);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	char b[32];

	before_value(w);
	snprintf(b, sizeof(b), "%" PRIu64, v);
	puts_(w, b);
}

void json_double(struct json_writer *w, double v)
{
	char b[40];

	before_value(w);
	if (!isfinite(v)) {
		puts_(w, "null");
		return;
	}
	/* shortest round-trippable form is not needed: 10 significant digits */
	snprintf(b, sizeof(b), "%.10g", v);
	if (strchr(b, 'n') || strchr(b, 'i')) /* paranoia: never emit nan/inf */
		snprintf(b, sizeof(b), "null");
	puts_(w, b);
}

void json_bool(struct json_writer *w, bool v)
{
	before_value(w);
	puts_(w, v ? "true" : "false");
}

void json_null(struct json_writer *w)
{
	before_value(w);
	puts_(w, "null");
}

void json_raw(struct json_writer *w, const char *text, size_t len)
{
	before_value(w);
	put(w, text, len);
}

void json_kv_str(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_str(w, s);
}

void json_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_kv_double(struct json_writer *w, const char *key, double v)
{
	json_key(w, key);
	json_double(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

void json_kv_null(struct json_writer *w, const char *key)
{
	json_key(w, key);
	json_null(w);
}

void json_kv_interval(struct json_writer *w, const char *key, double lo, double hi)
{
	json_key(w, key);
	if (!isfinite(lo) || !isfinite(hi)) {
		json_null(w);
		return;
	}
	json_arr_begin(w);
	json_double(w, lo);
	json_double(w, hi);
	json_arr_end(w);
}

int json_fput(const struct json_writer *w, FILE *f)
{
	int err = json_error(w);

	if (err)
		return err;
	if (fwrite(w->buf, 1, w->len, f) != w->len || fputc('\n', f) == EOF || fflush(f) != 0)
		return -EIO;
	return 0;
}

int json_write_file(const struct json_writer *w, const char *path)
{
	int err = json_error(w);
	char *tmp;

	if (err)
		return err;
	tmp = malloc(w->len + 2);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, w->buf, w->len);
	tmp[w->len] = '\n';
	err = file_write_atomic(path, tmp, w->len + 1, 0644);
	free(tmp);
	return err;
}
