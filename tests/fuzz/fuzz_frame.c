/*
 * fuzz_frame.c: libFuzzer target for the {packet, 4} framer.
 *
 * The input is a byte stream delivered to an evbuffer in chunks whose
 * sizes come from the input itself; every frame the framer returns must
 * be the next frame of the stream, of at most the maximum size, and each
 * payload goes through the decoder too.
 */
#include "config.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

#include "etf.h"
#include "frame.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct etf_arena *a;
	struct evbuffer *in;
	const struct etf_term *t;
	size_t max, pos = 2, expect = 2, chunk, len;
	uint8_t *p;
	int st;

	if (size < 2)
		return 0;
	if (a == NULL && (a = etf_arena_new()) == NULL)
		abort();
	max = (size_t)data[0] * 64 + 1;
	chunk = (size_t)data[1] % 17 + 1;
	if ((in = evbuffer_new()) == NULL)
		abort();
	while (pos < size) {
		len = size - pos < chunk ? size - pos : chunk;
		if (evbuffer_add(in, data + pos, len) != 0)
			abort();
		pos += len;
		while ((st = frame_next(in, max, &p, &len)) == FRAME_READY) {
			if (len == 0 || len > max ||
			    frame_get_len(data + expect) != len ||
			    memcmp(p, data + expect + FRAME_HDR, len) != 0)
				abort();
			etf_arena_reset(a);
			(void)etf_decode(a, p, len, 1 << 16, &t);
			frame_drain(in, len);
			expect += FRAME_HDR + len;
		}
		if (st == FRAME_EMPTY || st == FRAME_TOOBIG) {
			if (frame_get_len(data + expect) != 0 &&
			    frame_get_len(data + expect) <= max)
				abort();
			break;
		}
		if (st != FRAME_NEED_MORE)
			abort();
	}
	evbuffer_free(in);
	return 0;
}
