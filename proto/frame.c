/*
 * frame.c: {packet, 4} framing: a 4-byte big-endian payload length, then
 * the payload.  The framer knows lengths only; terms are the codec's.
 */
#include "config.h"

#include <event2/buffer.h>

#include "frame.h"

void
frame_put_len(uint8_t hdr[FRAME_HDR], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

uint32_t
frame_get_len(const uint8_t hdr[FRAME_HDR])
{
	return (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 |
	    (uint32_t)hdr[2] << 8 | hdr[3];
}

int
frame_peek(struct evbuffer *in, size_t max, uint32_t *len)
{
	uint8_t hdr[FRAME_HDR];
	size_t have = evbuffer_get_length(in);

	*len = 0;
	if (have < FRAME_HDR ||
	    evbuffer_copyout(in, hdr, FRAME_HDR) != FRAME_HDR)
		return FRAME_NEED_MORE;
	*len = frame_get_len(hdr);
	if (*len == 0)
		return FRAME_EMPTY;
	if (*len > max)
		return FRAME_TOOBIG;
	return have - FRAME_HDR < *len ? FRAME_NEED_MORE : FRAME_READY;
}

int
frame_next(struct evbuffer *in, size_t max, uint8_t **payload, size_t *len)
{
	uint8_t *p;
	uint32_t l;
	int rc;

	*payload = NULL;
	*len = 0;
	if ((rc = frame_peek(in, max, &l)) != FRAME_READY)
		return rc;
	/* Not NEED_MORE: the frame is whole, and no more bytes would come
	 * to end the wait. */
	if ((p = evbuffer_pullup(in, (ev_ssize_t)FRAME_HDR + l)) == NULL) {
		*len = l;
		return FRAME_NOMEM;
	}
	*payload = p + FRAME_HDR;
	*len = l;
	return FRAME_READY;
}

void
frame_drain(struct evbuffer *in, size_t len)
{
	evbuffer_drain(in, FRAME_HDR + len);
}

int
frame_add(struct evbuffer *out, const void *payload, size_t len)
{
	uint8_t hdr[FRAME_HDR];

	if (len > UINT32_MAX)
		return -1;
	frame_put_len(hdr, (uint32_t)len);
	if (evbuffer_expand(out, FRAME_HDR + len) != 0 ||
	    evbuffer_add(out, hdr, FRAME_HDR) != 0)
		return -1;
	if (len > 0 && evbuffer_add(out, payload, len) != 0)
		return -1;
	return 0;
}
