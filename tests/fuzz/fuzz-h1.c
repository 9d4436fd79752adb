// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the native HTTP/1.1 engine's response parser
 * (probes/h1.c): what a hostile or broken victim can answer. The parser is
 * static in h1.c, so this file includes it.
 *
 * The input is the byte stream a server sends. It is fed twice, as
 * do_read() would receive it: once in the largest pieces the connection
 * buffer takes, once in small pieces of pseudo-random sizes. Both must
 * reach the same outcome (a parser that depends on how TCP split the
 * stream is a bug), the buffer must never be full while the parser asks
 * for more, and a finished response's leftover bytes are parsed as the
 * next response (exercising 1xx, chunked, trailers and Content-Length
 * paths in sequence).
 */
#include <stdint.h>
#include <stdlib.h>

#include "../../probes/h1.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RESPONSES 64

struct outcome {
	int result; /* last parse() result: 1 done, 0 more, <0 error */
	size_t n;   /* responses completed */
	long status[MAX_RESPONSES];
	uint64_t bytes[MAX_RESPONSES];
	uint64_t eof_bytes; /* body bytes of an until-close response at the end */
	bool keep_alive;
};

static void reset(struct h1_conn *c)
{
	c->st = H1_HEAD;
	c->status = 0;
	c->bytes = 0;
	c->remaining = 0;
	c->keep_alive = true;
}

/* Feeds data in pieces of at most step (0: as much as fits), like do_read(). */
static void feed(const uint8_t *data, size_t size, uint32_t seed, struct outcome *o)
{
	struct h1_conn c = { .fd = -1 };
	size_t pos = 0;
	int ret = 0;

	memset(o, 0, sizeof(*o));
	c.buf = malloc(H1_BUF);
	if (!c.buf)
		abort();
	reset(&c);
	while (pos < size) {
		size_t room = H1_BUF - c.blen, n = size - pos;

		if (room == 0)
			abort(); /* recv() of 0 bytes would read as "closed by the server" */
		if (seed) {
			seed = seed * 1103515245u + 12345u;
			if (n > 1 + (seed >> 16) % 97)
				n = 1 + (seed >> 16) % 97;
		}
		if (n > room)
			n = room;
		memcpy(c.buf + c.blen, data + pos, n);
		c.blen += n;
		pos += n;
		for (;;) {
			ret = parse(&c);
			if (ret != 1)
				break;
			if (o->n < MAX_RESPONSES) {
				o->status[o->n] = c.status;
				o->bytes[o->n] = c.bytes;
			}
			o->n++;
			reset(&c);
			if (!c.blen)
				break;
		}
		if (ret < 0)
			break;
		if (c.blen > H1_BUF)
			abort();
	}
	o->result = ret;
	o->keep_alive = c.keep_alive;
	if (ret == 0 && c.st == H1_BODY_EOF)
		o->eof_bytes = c.bytes;
	free(c.buf);
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
	if (whole.eof_bytes != pieces.eof_bytes)
		abort();
	return 0;
}
