/*
 * getreply.c: a database worker's answer to {get, Name}, as a list.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "etf.h"
#include "getreply.h"
#include "listfile.h"
#include "listops.h"
#include "store.h"
#include "todolist.h"

static int
getreply_ok(struct etf_arena *a, const struct etf_term *t, size_t max_file,
    struct todo_list **out, const char **why)
{
	const struct etf_term *v = t->seq.v;

	if (v[1].type == ETF_BINARY) {
		if (t->seq.n != 2)
			return GETREPLY_BAD;
		if (store_parse(a, v[1].bin.p, v[1].bin.len, max_file, out,
		    why) != STORE_OK)
			return GETREPLY_CORRUPT;
		return GETREPLY_OK;
	}
	if (etf_is_atom(&v[1], "nil") && t->seq.n == 3)
		*out = todolist_new();
	else
		*out = listfile_from_term(&v[1], why);
	if (*out == NULL) {
		if (*why == NULL)
			*why = "out of memory";
		return GETREPLY_ERROR;
	}
	if (t->seq.n == 3 && listop_replay_terms(*out, &v[2]) == -1) {
		*why = "its journaled changes do not apply";
		todolist_free(*out);
		*out = NULL;
		return GETREPLY_ERROR;
	}
	return GETREPLY_OK;
}

int
getreply_list(struct etf_arena *a, const struct etf_term *t, size_t max_file,
    struct todo_list **out, const char **why)
{
	const struct etf_term *v = t->type == ETF_TUPLE ? t->seq.v : NULL;

	*out = NULL;
	*why = NULL;
	if (etf_is_atom(t, "not_found")) {
		if ((*out = todolist_new()) == NULL) {
			*why = "out of memory";
			return GETREPLY_ERROR;
		}
		return GETREPLY_OK;
	}
	if ((etf_is_tuple(t, 2) || etf_is_tuple(t, 3)) &&
	    etf_is_atom(&v[0], "ok"))
		return getreply_ok(a, t, max_file, out, why);
	if (etf_is_tuple(t, 2) && etf_is_atom(&v[0], "error") &&
	    v[1].type == ETF_ATOM) {
		*why = v[1].atom.p;
		return GETREPLY_ERROR;
	}
	return GETREPLY_BAD;
}

int
getreply_file(struct etf_arena *a, const struct etf_term *t, int fd,
    size_t max_size, size_t max_file, struct todo_list **out,
    const char **why)
{
	const struct etf_term *v = t->type == ETF_TUPLE ? t->seq.v : NULL;
	size_t size;
	void *p;
	int rc;

	*out = NULL;
	*why = NULL;
	if (!etf_is_tuple(t, 2) || !etf_is_atom(&v[0], "file") ||
	    v[1].type != ETF_INT || v[1].i < 0)
		return GETREPLY_BAD;
	if (store_fd_size(fd, max_size, &size) == STORE_ERR) {
		*why = errno == EFBIG ? "efbig" :
		    "the worker's descriptor is not a list file";
		return GETREPLY_ERROR;
	}
	if ((uint64_t)v[1].i != size) {
		*why = "the worker's file is not the one it named";
		return GETREPLY_ERROR;
	}
	if (size == 0)
		return store_parse(a, NULL, 0, max_file, out, why) ==
		    STORE_OK ? GETREPLY_OK : GETREPLY_CORRUPT;
	/*
	 * Mapped, not read: the bytes are not copied and their pages are
	 * the page cache's.  List files are replaced by rename and never
	 * written in place (store.h), so the mapping does not change while
	 * it is read.
	 */
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		*why = "cannot map the list's file";
		return GETREPLY_ERROR;
	}
	rc = store_parse(a, p, size, max_file, out, why) == STORE_OK ?
	    GETREPLY_OK : GETREPLY_CORRUPT;
	munmap(p, size);
	return rc;
}
