/*
 * route_int.h: the inside of the cache's routing table, shared by its
 * parts:
 *
 *   route.c        routes, handoffs, links to the list servers
 *   route_wait.c   connections waiting for room at --max-lists
 *   route_watch.c  servers that stop taking connections or answering
 *   route_reply.c  the replies to lists and stats
 */
#ifndef TODOD_ROUTE_INT_H
#define TODOD_ROUTE_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>

#include "etf.h"
#include "names.h"
#include "route.h"
#include "uidcount.h"

struct chan;
struct event;
struct event_base;
struct todod_config;

/* Servers that may fail to start in a row for one list, the connections
 * sent to it handed from one to the next, before they are told busy. */
#define ROUTE_START_TRIES	3

/* Descriptors kept beside the live servers' (clients being routed, the
 * process's own); half of a descriptor limit under twice this. */
#define ROUTE_FD_RESERVE	1024

/* How long a connection for a list with no server waits for room at
 * --max-lists (a server to become idle, to be stopped for it) before it
 * is told busy.  A server whose client has just closed is busy until it
 * has read the close: a client that goes from one list to the next
 * would otherwise be told busy by that race. */
#define ROUTE_WAIT_MS		500

/*
 * A client connection the cache keeps aside, with what it has read of
 * it and how it is to be attached: as a copy of one handed to a server
 * that has not confirmed it, or while it waits for room.
 */
struct kept {
	int			 fd;		/* -1 once given on */
	uid_t			 uid;
	const char		*error;		/* attach with this error */
	uint8_t			*input;
	size_t			 inlen;
	/* A re-attach: the list it comes from, where it goes back if its
	 * new list's server cannot be started (fblen 0: none). */
	size_t			 fblen;
	uint8_t			 fb[NAME_MAX_BYTES];
};

/*
 * A handoff the server has not confirmed yet ({got, N}): the cache keeps
 * a duplicate of the descriptor and the input, so that a connection sent
 * to a server that dies before it takes it is not lost.  A server
 * confirms before it reads the connection, so no request is done twice.
 */
struct inflight {
	TAILQ_ENTRY(inflight)	 entry;
	uint64_t		 seq;
	int64_t			 since;		/* CLOCK_MONOTONIC, ms */
	struct kept		 c;
};

struct route {
	RB_ENTRY(route)		 entry;
	uint8_t			 name[NAME_MAX_BYTES];
	size_t			 len;
	pid_t			 pid;		/* 0: not known yet */
	int			 failed_starts;	/* in a row, for this name */
	struct chan		*chan;
	uint64_t		 sent;		/* handoffs sent */
	uint64_t		 seen;		/* ... it reported received */
	int			 reported;	/* an {idle, Seen} came */
	struct uidcount		 held;		/* users of its connections */
	TAILQ_ENTRY(route)	 lru;		/* least recently used first */
	TAILQ_HEAD(, inflight)	 inflight;
	int			 stalled;	/* logged as not taking them */
	int64_t			 pinged;	/* ping unanswered since, or 0 */
	int			 ping_ticks;	/* watch ticks since the ping */
	int			 mute;		/* logged as not answering */
	int64_t			 mute_since;	/* its unanswered ping's time */
	/* Linked by the supervisor to a cache started again: the server's
	 * first message may be {conns, [Uid]}, and no other may be. */
	int			 conns_due;
	/* Told to stop (route_stop): out of the table, its link read
	 * until the server closes it, for what it sent before the stop. */
	int			 stopping;
};

/* A connection waiting for room (ROUTE_WAIT_MS), oldest first. */
struct waiter {
	TAILQ_ENTRY(waiter)	 entry;
	int64_t			 until;		/* CLOCK_MONOTONIC, ms */
	size_t			 len;
	uint8_t			 name[NAME_MAX_BYTES];	/* its list */
	struct kept		 c;
};

RB_HEAD(route_tree, route);
/* Generated in route.c. */
RB_PROTOTYPE(route_tree, route, entry, route_cmp)

/* The routing table (route.c). */
struct route_state {
	struct event_base		*base;
	const struct todod_config	*cfg;
	struct chan			*sup;
	TAILQ_HEAD(, route)	 lru;	/* every route, least recently used first */
	struct route_tree		 tree;
	size_t				 nroutes;
	size_t				 max_lists;	/* live servers at most */
	TAILQ_HEAD(, waiter)		 waiters;	/* for room, oldest first */
	size_t				 nwaiters;
	struct event			*wait_ev;	/* the oldest's deadline */
	struct event			*watch_ev;	/* route_watch() */
	struct etf_buf			 msg;
	int				 serving;	/* route_go() */
};

extern struct route_state rt;

/* route.c */
struct route	*route_find(const void *, size_t);
int		 route_is_idle(const struct route *);
/* Send a list server a message that is one atom: chan_send()'s result. */
int		 route_send_atom(struct chan *, const char *atom);
int		 route_room(struct route **old);
int		 kept_init(struct kept *, int fd, uid_t, const void *input,
		    size_t inlen, const char *error,
		    const struct route_fallback *);
void		 kept_clear(struct kept *);
void		 kept_attach(struct kept *, const void *, size_t,
		    int may_wait);
void		 kept_refuse(struct kept *);

/* route_watch.c */
void		 route_watch(evutil_socket_t, short, void *);
void		 route_watch_arm(void);
/* A {got, N} came: the stall of its handoffs may be over. */
void		 route_took(struct route *);
/* A pong came. */
void		 route_pong(struct route *);
/* The server is linked to a cache started again: asked afresh. */
void		 route_relinked(struct route *);
/* How long the server has not taken a connection or answered, once
 * logged; else 0. */
int64_t		 route_stalled_ms(const struct route *, int64_t now);

/* route_wait.c */
int		 route_wait(const void *, size_t, int fd, uid_t,
		    const void *input, size_t inlen, const char *error,
		    const struct route_fallback *);
void		 route_wake(void);
void		 route_wait_expired(evutil_socket_t, short, void *);

#endif /* TODOD_ROUTE_INT_H */
