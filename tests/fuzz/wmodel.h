/*
 * wmodel.h: what a database worker must answer to fuzz_worker's
 * programs, from a model of its own.
 *
 * The model reads the protocol (worker.h, listops.h, todo_term.h), not
 * the worker: it judges each message itself (well-formed, or it closes
 * the link; resent, or written), applies the ops to lists of its own and
 * says what each reply must be.  It shares no code with the worker, the
 * list model or the op replay, so a worker that is wrong in a way its
 * own files and its own recovery agree with is still caught.
 *
 * Replies come in order on each link, but the worker takes in the two
 * links' messages in an order the model cannot know: only a list that
 * one peer alone names is modelled (its state after each of that peer's
 * messages is exact); the others are left to fuzz_worker's other checks.
 */
#ifndef TODOD_WMODEL_H
#define TODOD_WMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct todo_list;

#define WM_PEERS	2
#define WM_LISTS	4		/* "a" to "d" */
#define WM_OPS		4		/* ops of an append, at most */
#define WM_ENTRIES	7		/* entries of a store, at most */

struct wm_date {
	int	year;
	int	month;
	int	day;
};

/* A title, or a raw frame's bytes. */
struct wm_bytes {
	size_t	len;
	uint8_t	p[255];
};

enum wm_op_kind { WM_ADD = 0, WM_UPDATE = 1, WM_DELETE = 2 };

struct wm_op {
	enum wm_op_kind	kind;
	int64_t		id;
	bool		has_date;	/* else nil, or none (delete) */
	bool		has_title;
	struct wm_date	date;
	struct wm_bytes	title;
};

struct wm_entry {
	struct wm_date	date;
	struct wm_bytes	title;
};

enum wm_msg_kind { WM_GET, WM_APPEND, WM_STORE, WM_RAW };

/* A message as its peer sends it.  A store's list holds entries 1..n
 * and next_id n + 1, as a list server builds it. */
struct wm_msg {
	enum wm_msg_kind kind;
	int		 peer;
	int		 list;		/* names[list] */
	int64_t		 seq;
	size_t		 n;		/* ops, or entries */
	struct wm_op	 ops[WM_OPS];
	struct wm_entry	 entries[WM_ENTRIES];
	struct wm_bytes	 raw;
	bool		 request;	/* RAW: it may be a request (the
					 * model cannot tell what it does) */
};

/* A new program; unasked: peer 1 is a new server's link of list 0,
 * answered {get, Name} before anything else is read, and bound to it (a
 * request for another list closes it). */
void	wm_start(bool unasked);
/* The next message, in the order its peer sends it. */
void	wm_message(const struct wm_msg *);
/* Every message is sent: which lists can be modelled. */
void	wm_sent(void);
/* The next reply on a peer's link: {stored, Seq}; an answer to a get (l
 * NULL if it is not a list, found false if it is not_found). */
void	wm_stored(int peer, int64_t seq);
void	wm_answer(int peer, const struct todo_list *l, bool found);
/* Whether a reply the model knows of has yet to come on a peer's link. */
bool	wm_waits(int peer);
/* The worker has closed a peer's link. */
void	wm_closed(int peer);
/* The lists a new server would load, as the worker answered them. */
void	wm_probe(struct todo_list *const lists[WM_LISTS],
	    const bool found[WM_LISTS]);

#endif /* TODOD_WMODEL_H */
