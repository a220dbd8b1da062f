/*
 * chan.h: an internal channel between two todod processes.
 *
 * A channel is one end of a connected stream socket (a socketpair made by
 * the supervisor) driven by the process's event loop.  Messages are ETF
 * terms in frames: a 4-byte big-endian header whose low 31 bits are the
 * payload length and whose high bit says that one file descriptor travels
 * with the message (SCM_RIGHTS, sent with the frame's first byte).  Without
 * descriptors this is exactly the public {packet, 4} framing, so a channel
 * can also talk to a peer that only knows plain frames (the database
 * workers).
 *
 * Received descriptors wait in a queue until the frame that carries them
 * is complete; a frame that announces a descriptor that did not arrive, a
 * truncated control message, or a payload that is not one valid term is a
 * bug in the peer: the channel reports it closed (internal peers are
 * trusted to be correct, not to be alive).
 */
#ifndef TODOD_CHAN_H
#define TODOD_CHAN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct etf_buf;
struct etf_term;
struct chan;

/* A message: the term (valid until the callback returns) and the
 * descriptor it carried (-1 if none; the callback owns it). */
typedef void	(*chan_msg_cb)(struct chan *, const struct etf_term *, int fd,
		    void *arg);
/* The peer went away (EOF, error or protocol violation).  The callback
 * may chan_free() the channel. */
typedef void	(*chan_close_cb)(struct chan *, void *arg);

/* A channel on the stream socket fd (owned from now on, unless NULL is
 * returned).  fd may be in blocking mode: every read and write of the
 * channel is MSG_DONTWAIT, and descriptors received are close-on-exec. */
struct chan	*chan_new(struct event_base *, int fd, size_t max_msg,
		    chan_msg_cb, chan_close_cb, void *arg);
/* A connected pair for a channel between two processes: stream,
 * non-blocking, close-on-exec.  0, or -1 with errno. */
int		 chan_socketpair(int sv[2]);
/* Read what is there already and deliver it, as if the event loop had
 * found the channel readable: for a new channel whose peer has written
 * ahead, one pass of the loop sooner.  The callbacks may run. */
void		 chan_read_now(struct chan *);
/*
 * Hold a channel: from the message being delivered on, none is delivered
 * and nothing more is read until chan_resume(), which has the event loop
 * deliver what waits, in order, from its next pass.  For a process that
 * changes what its messages mean (a list server that released its list
 * and serves the next as a spare) between two messages of one read.
 * The channel's writes go on as usual.
 */
void		 chan_hold(struct chan *);
void		 chan_resume(struct chan *);
/* Queue a message (payload: version byte and term) with an optional
 * descriptor; the channel closes its copy of fd once the message is
 * written.  Returns 0, or -1 (no memory; fd is closed). */
int		 chan_send(struct chan *, const struct etf_buf *payload, int fd);
int		 chan_send_raw(struct chan *, const void *payload, size_t len,
		    int fd);
/*
 * chan_send() for a message that must not be lost: a step of the
 * processes' protocol whose peer would otherwise wait for it for good (a
 * store that is never acknowledged, a sync never answered, a connection
 * given back and never taken).  With no memory to queue it, or an
 * encoding that ran out of memory, the process exits (fatalx), as for any
 * allocation it cannot do without: the supervisor starts it again, and
 * the restart brings both ends back in step.  Only a caller that has a
 * way back from a lost message uses chan_send() itself (a spawn request,
 * whose loss closes its link; a ping, asked again at the next tick).
 */
void		 chan_send_or_exit(struct chan *,
		    const struct etf_buf *payload, int fd);
/* One sendmsg(2) of n bytes with the descriptor fd (unless -1) on their
 * first byte, MSG_NOSIGNAL | flags: its result. */
ssize_t		 chan_sendmsg(int sock, const void *p, size_t n, int fd,
		    int flags);
/*
 * For a socket whose reader is a chan but whose writer is not (a worker
 * writes to list servers from its own buffers): build the frame of a
 * message of at most CHAN_FDNOW_MAX bytes with the descriptor fd into
 * frame (4 + len bytes) and send it at once, only when nothing else waits
 * to be written on the socket.  Returns how many of the frame's bytes
 * went (the descriptor went with the first; the rest is the caller's to
 * write next), or -1 with errno (EAGAIN: nothing went, descriptor
 * included).  The caller keeps and closes its fd.
 */
#define CHAN_FDNOW_MAX	256
ssize_t		 chan_send_fd_now(int sock, uint8_t *frame,
		    const void *payload, size_t len, int fd);
/*
 * Send a message now, on a channel with nothing queued, to learn whether
 * its peer is there: 0 if it went or is queued (the socket full, or the
 * rest of a partial write; the channel owns fd), -1 with errno if the
 * peer is gone (EPIPE) or there is no memory (ENOMEM): nothing went,
 * nothing is queued, and the caller keeps fd.
 * With something queued already, the message is queued behind it, as
 * by chan_send().
 */
int		 chan_send_first(struct chan *, const struct etf_buf *payload,
		    int fd);
/* The argument of the callbacks, from now on (a channel that passes
 * from one owner to another). */
void		 chan_set_arg(struct chan *, void *arg);
/* Write everything queued, blocking: on shutdown paths, and where a
 * message must be out before the process goes on (a list server's
 * {got}, before it reads the connection handed over). */
void		 chan_flush(struct chan *);
void		 chan_free(struct chan *);

#endif /* TODOD_CHAN_H */
