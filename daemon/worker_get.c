/*
 * worker_get.c: a database worker's answer to {get, Name} (worker.h): the
 * list's file as it is (its descriptor, or its bytes), or the file and
 * the ops journaled since its last checkpoint, or the list with those
 * ops applied.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "chan.h"
#include "etf.h"
#include "journal.h"
#include "listfile.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "todolist.h"
#include "worker_int.h"

void
wk_reply_error(struct etf_buf *b, const char *reason)
{
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "error");
	etf_put_atom(b, reason);
}

/* The list term of a file's bytes (as it is, unless compressed). */
static void
worker_put_file(struct etf_buf *b, const struct todo_list *l,
    const uint8_t *data, size_t len)
{
	if (data[1] == ETF_TAG_COMPRESSED)
		listfile_put(b, l);	/* no compression inside a term */
	else
		etf_buf_append(b, data + 1, len - 1);
}

/*
 * Send {file, Size} with the file's descriptor at once, ahead of the
 * peer's output (empty, so the order holds); b is the reply buffer,
 * empty, and left empty.  1 if it went (any part the socket did not take
 * follows in the output), 0 if not, -1 if the rest found no memory.
 */
static int
worker_send_fd(struct wpeer *p, int fd, size_t size, struct etf_buf *b)
{
	uint8_t frame[4 + CHAN_FDNOW_MAX];
	ssize_t n;
	int rc = 0;

	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "file");
	etf_put_int(b, (int64_t)size);
	if (!b->oom && (n = chan_send_fd_now(p->fd, frame, b->p, b->len,
	    fd)) >= 0) {
		rc = 1;
		if ((size_t)n < 4 + b->len && evbuffer_add(p->out, frame + n,
		    4 + b->len - (size_t)n) != 0)
			rc = -1;
	}
	etf_buf_reset(b);
	return rc;
}

/*
 * A get of a list with nothing journaled: the file as it is, undecoded
 * (the list server decodes it, and finds it corrupt if it is: one
 * decode instead of two on the way to a cold list).  Its descriptor if
 * the peer's output is empty (1: sent, nothing in b), else {ok,
 * FileBytes} in b (0); not_found or an error in b (0).  -1: the peer is
 * to be closed (a frame was cut short).
 */
static int
worker_get_file(struct worker *w, struct wreq *r, struct etf_buf *b)
{
	char file[NAME_FILE_BUFSZ];
	uint8_t *data;
	size_t len, size;
	int fd, rc, sent, err;

	rc = store_open_read(w->cfg.dirfd, r->name, r->namelen, w->max_file,
	    &fd, &size);
	if (rc == STORE_ABSENT) {
		etf_put_version(b);
		etf_put_atom(b, "not_found");
		return 0;
	}
	if (rc == STORE_OK && r->peer != NULL &&
	    evbuffer_get_length(r->peer->out) == 0 &&
	    (sent = worker_send_fd(r->peer, fd, size, b)) != 0) {
		close(fd);
		return sent;
	}
	if (rc == STORE_OK) {
		rc = store_read_fd(fd, size, w->max_file, &data, &len);
		err = errno;
		close(fd);
		errno = err;
	}
	if (rc != STORE_OK) {
		err = errno;
		name_to_file(r->name, r->namelen, file, sizeof(file));
		log_warn("cannot read %s", file);
		wk_reply_error(b, store_errno_atom(err));
		return 0;
	}
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	etf_put_binary(b, data, len);
	free(data);
	return 0;
}

/*
 * Load the file of a list with journaled ops for a get: 0 with *l (an
 * empty list if there is no file; *data NULL then), or 1 with an error
 * reply in b.
 */
static int
worker_get_load(struct worker *w, struct wreq *r, struct todo_list **l,
    uint8_t **data, size_t *len, struct etf_buf *b)
{
	char file[NAME_FILE_BUFSZ];
	const char *why;
	int rc;

	*l = NULL;
	rc = store_read(w->cfg.dirfd, r->name, r->namelen, w->max_file, data,
	    len);
	if (rc == STORE_ABSENT) {
		*data = NULL;
		if ((*l = todolist_new()) != NULL)
			return 0;
		wk_reply_error(b, "enomem");
		return 1;
	}
	name_to_file(r->name, r->namelen, file, sizeof(file));
	if (rc == STORE_ERR) {
		log_warn("cannot read %s", file);
		wk_reply_error(b, store_errno_atom(errno));
		return 1;
	}
	rc = store_parse(w->arena, *data, *len, w->max_file, l, &why);
	etf_arena_reset(w->arena);
	if (rc != STORE_OK) {
		log_warnx("%s: not a list file (%s): left alone; its changes "
		    "stay in the journal", file, why);
		wk_reply_error(b, "corrupt");
		free(*data);
		return 1;
	}
	return 0;
}

/*
 * {ok, File | nil, Ops}: -1 if the ops do not apply to the file as they
 * are (l is changed then), or the reply would not fit in a frame.
 */
static int
worker_get_plain(struct worker *w, struct wlist *wl, struct todo_list *l,
    const uint8_t *data, size_t len, struct etf_buf *b)
{
	const struct wrec *rec;
	size_t total = len + 64, nops = 0, odd = 0;

	TAILQ_FOREACH(rec, &wl->recs, entry) {
		total += rec->len;
		nops += rec->nops;
	}
	if (total > w->cfg.max_frame || nops > UINT32_MAX)
		return -1;
	etf_put_version(b);
	etf_put_tuple(b, 3);
	etf_put_atom(b, "ok");
	if (data != NULL)
		worker_put_file(b, l, data, len);
	else
		etf_put_atom(b, "nil");
	etf_put_list(b, (uint32_t)nops);
	TAILQ_FOREACH(rec, &wl->recs, entry) {
		if (wk_replay(w, l, rec, true, &odd) == -1)
			return -1;
		/* The ops without the version byte, header and tail. */
		etf_buf_append(b, rec->ops + 6, rec->len - 7);
	}
	etf_put_nil(b);
	/* The file may have been compressed: check what is sent. */
	if (!b->oom && b->len > w->cfg.max_frame)
		return -1;
	return 0;
}

/* {ok, Result}: the ops applied by the worker, as a checkpoint does. */
static void
worker_get_applied(struct worker *w, struct wlist *wl, struct todo_list *l,
    struct etf_buf *b)
{
	const struct wrec *rec;
	size_t odd = 0;

	TAILQ_FOREACH(rec, &wl->recs, entry)
		if (rec->kind == JOURNAL_OPS &&
		    wk_replay(w, l, rec, false, &odd) == -1) {
			wk_reply_error(b, "enomem");
			return;
		}
	etf_put_version(b);
	etf_put_tuple(b, 2);
	etf_put_atom(b, "ok");
	listfile_put(b, l);
	if (!b->oom && b->len > w->cfg.max_frame) {
		etf_buf_reset(b);
		wk_reply_error(b, "efbig");
	}
}

int
wk_reply_get(struct worker *w, struct wreq *r, struct etf_buf *b)
{
	struct wlist *wl;
	struct todo_list *l;
	const char *why;
	uint8_t *data;
	size_t len;
	bool pending;

	wl = wk_list_find(w, r->name, r->namelen);
	pending = wl != NULL && wl->nrecs > 0;
	if (!pending)
		return worker_get_file(w, r, b);
	if (worker_get_load(w, r, &l, &data, &len, b) != 0)
		return 0;
	/* FILE records are left by a recovery that could not read the
	 * file: resolved against it as a checkpoint does, or the ops before
	 * a store would be replayed over the file that replaced them. */
	if (wl->nfile > 0)
		wk_ck_resolve(w, wl, data, len);
	if (worker_get_plain(w, wl, l, data, len, b) == -1) {
		/* l may have been changed: build it again from the bytes
		 * already read (they parsed once, so they parse again). */
		todolist_free(l);
		l = NULL;
		etf_buf_reset(b);
		if (data == NULL)
			l = todolist_new();
		else if (store_parse(w->arena, data, len, w->max_file, &l,
		    &why) != STORE_OK)
			l = NULL;
		etf_arena_reset(w->arena);
		if (l == NULL)
			wk_reply_error(b, "enomem");
		else
			worker_get_applied(w, wl, l, b);
	}
	todolist_free(l);
	free(data);
	return 0;
}
