// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the native HTTP/1.1 engine's response parser
 * (probes/h1-parse.c, through h1-parse.h): what a hostile or broken victim
 * can answer.
 *
 * The input is the byte stream a server sends. It is fed twice, the way
 * probes/h1.c's do_read() and feed() hand it over (a buffer of H1_HEAD_MAX
 * bytes, the unused tail kept, an incomplete line moved to the front when
 * the buffer is full): once in the largest pieces the buffer takes, once in
 * small pieces of pseudo-random sizes. Both must reach the same outcome (a
 * parser that depends on how TCP split the stream is a bug), the buffer
 * must never be full while the parser asks for more, *used never exceeds
 * what it was given, and a finished response's leftover bytes are parsed as
 * the next response (1xx, chunked, trailers and Content-Length in sequence).
 * At the end of the input the stream closes: h1_parse_eof_ends() decides.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h1-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUF_SIZE      H1_HEAD_MAX /* as probes/h1.c's H1_BUF */
#define MAX_RESPONSES 64

struct outcome {
	int result; /* last h1_parse() result */
	size_t n;   /* responses completed */
	int status[MAX_RESPONSES];
	uint64_t bytes[MAX_RESPONSES];
	bool eof_ends;	    /* the close at the end completes the last response */
	uint64_t eof_bytes; /* its body bytes */
};

struct stream {
	char *buf;
	size_t off, blen; /* unparsed bytes are buf[off, blen) */
	struct h1_resp r;
};

/* Parses what is buffered; false when the parser refused the stream. */
static bool parse_buffered(struct stream *s, struct outcome *o)
{
	for (;;) {
		size_t used = 0, avail = s->blen - s->off;
		int ret = h1_parse(&s->r, s->buf + s->off, avail, &used);

		if (used > avail)
			abort();
		s->off += used;
		if (s->off == s->blen)
			s->off = s->blen = 0;
		o->result = ret;
		if (ret < 0)
			return false;
		if (ret == H1_PARSE_MORE) {
			/* MORE keeps at most an incomplete line: never a full buffer of it */
			if (s->off == 0 && s->blen == BUF_SIZE)
				abort();
			return true;
		}
		if (o->n < MAX_RESPONSES) {
			o->status[o->n] = s->r.status;
			o->bytes[o->n] = s->r.bytes;
		}
		o->n++;
		h1_resp_init(&s->r);
		if (s->blen == s->off)
			return true;
	}
}

/* Feeds data in pieces of at most a pseudo-random size (seed 0: as much as fits). */
static void feed(const uint8_t *data, size_t size, uint32_t seed, struct outcome *o)
{
	struct stream s = { 0 };
	size_t pos = 0;

	memset(o, 0, sizeof(*o));
	o->result = H1_PARSE_MORE;
	s.buf = malloc(BUF_SIZE);
	if (!s.buf)
		abort();
	h1_resp_init(&s.r);
	while (pos < size) {
		size_t room, n = size - pos;

		if (s.blen == BUF_SIZE && s.off) {
			memmove(s.buf, s.buf + s.off, s.blen - s.off);
			s.blen -= s.off;
			s.off = 0;
		}
		room = BUF_SIZE - s.blen;
		if (room == 0)
			abort(); /* recv() of 0 bytes would read as "closed by the server" */
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			if (n > 1 + (seed >> 16) % 97)
				n = 1 + (seed >> 16) % 97;
		}
		if (n > room)
			n = room;
		memcpy(s.buf + s.blen, data + pos, n);
		s.blen += n;
		pos += n;
		if (!parse_buffered(&s, o))
			break;
	}
	if (o->result == H1_PARSE_MORE && h1_parse_eof_ends(&s.r)) {
		o->eof_ends = true;
		o->eof_bytes = s.r.bytes;
	}
	free(s.buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, pieces;
	uint32_t seed = 1;

	for (size_t i = 0; i < size && i < 8; i++)
		seed = seed * 31 + data[i];
	feed(data, size, 0, &whole);
	feed(data, size, seed | 1, &pieces);
	if (whole.result != pieces.result || whole.n != pieces.n)
		abort();
	for (size_t i = 0; i < whole.n && i < MAX_RESPONSES; i++)
		if (whole.status[i] != pieces.status[i] || whole.bytes[i] != pieces.bytes[i])
			abort();
	if (whole.eof_ends != pieces.eof_ends || whole.eof_bytes != pieces.eof_bytes)
		abort();
	return 0;
}
