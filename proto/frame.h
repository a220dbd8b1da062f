/*
 * frame.h: {packet, 4} framing over libevent evbuffers.
 *
 * A frame is a 4-byte big-endian payload length L followed by L bytes.
 * L = 0 and L > max are errors the caller answers and closes on; an
 * oversize L is refused from the header alone.
 */
#ifndef TODOD_FRAME_H
#define TODOD_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define FRAME_HDR		4
#define FRAME_DEFAULT_MAX	(1024 * 1024)

enum frame_status {
	FRAME_READY = 0,	/* a whole frame is buffered */
	FRAME_NEED_MORE = 1,	/* wait for more bytes */
	FRAME_EMPTY = -1,	/* L = 0 */
	FRAME_TOOBIG = -2,	/* L > max */
	FRAME_NOMEM = -3	/* whole, but no memory to make it contiguous */
};

/*
 * Look at the front of `in`.  On FRAME_READY, *payload points to the L
 * contiguous payload bytes (made contiguous inside the evbuffer) and
 * *len is L; the frame stays in the buffer until frame_drain().  On
 * FRAME_NOMEM, *len is L too (*payload NULL), so that the frame can be
 * skipped.
 */
int	frame_next(struct evbuffer *in, size_t max, uint8_t **payload,
	    size_t *len);
/* What frame_next() would return, from the header alone (nothing is
 * made contiguous): FRAME_READY when the frame is whole (*len: L). */
int	frame_peek(struct evbuffer *in, size_t max, uint32_t *len);
/* Remove the frame of payload length len returned by frame_next(). */
void	frame_drain(struct evbuffer *in, size_t len);
/* Append header and payload.  Returns 0, or -1 on allocation failure. */
int	frame_add(struct evbuffer *out, const void *payload, size_t len);

/* The same on plain memory, for code without libevent. */
void	frame_put_len(uint8_t hdr[FRAME_HDR], uint32_t len);
uint32_t frame_get_len(const uint8_t hdr[FRAME_HDR]);

#endif /* TODOD_FRAME_H */
