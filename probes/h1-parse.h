/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.x response parser of the native engine (h1-parse.c): finds where a
 * response ends (Content-Length, chunked transfer coding, end of stream)
 * and reads the status and whether the connection may be reused. It keeps
 * no copy of the bytes: the caller hands it what arrived, it says how many
 * it used; an incomplete line stays with the caller until more arrives.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define H1_HEAD_MAX	  16384 /* status line and headers of one response */
#define H1_CHUNK_LINE_MAX 1024	/* a chunk-size line */
#define H1_TRAILERS_MAX	  8192

enum h1_parse_state {
	H1P_STATUS, /* the status line */
	H1P_HEADERS,
	H1P_BODY_LEN,
	H1P_CHUNK_SIZE,
	H1P_CHUNK_DATA,
	H1P_CHUNK_CRLF,
	H1P_TRAILERS,
	H1P_BODY_EOF, /* no length: the body ends when the server closes */
	H1P_DONE,
};

struct h1_resp {
	enum h1_parse_state st;
	int status;	 /* 0 until the status line is read */
	bool keep_alive; /* the connection may carry the next request */
	bool chunked;
	bool has_len;
	uint64_t remaining; /* body or chunk bytes still to come */
	uint64_t bytes;	    /* body bytes (chunk framing excluded) */
	size_t head_bytes;  /* of the current head, against H1_HEAD_MAX */
};

enum {
	H1_PARSE_MORE = 0, /* every byte used or kept: hand more */
	H1_PARSE_DONE = 1, /* the response is complete; bytes after it are not used */
};

void h1_resp_init(struct h1_resp *r);

/*
 * Parses len bytes that follow what it saw before. Returns H1_PARSE_DONE,
 * H1_PARSE_MORE, -EPROTO (not HTTP/1.x) or -E2BIG (headers over
 * H1_HEAD_MAX); *used says how many bytes it took (the rest, on MORE, is an
 * incomplete line to present again, with more bytes after it).
 */
int h1_parse(struct h1_resp *r, const char *buf, size_t len, size_t *used);

/* The server closed the stream: true when that ends the response (no length given). */
bool h1_parse_eof_ends(const struct h1_resp *r);
