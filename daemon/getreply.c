/*
 * getreply.c: a database worker's answer to {get, Name}, as a list.
 */
#include "config.h"

#include <sys/mman.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/*
 * A mapped file cut short by someone else while it is read: its pages
 * past the new end raise SIGBUS.  todod never writes a list file in
 * place (store.h), but the data directory is the operator's, and a file
 * on disk is input: the read of a mapping is guarded, and a fault inside
 * it makes the file unreadable instead of the process dead.
 */
static sigjmp_buf		 gr_jmp;
static volatile sig_atomic_t	 gr_guarded;
static const uint8_t		*gr_lo, *gr_hi;
static struct sigaction		 gr_old;	/* the handler before */
static volatile sig_atomic_t	 gr_installed;	/* reset by the handler */

#ifdef TODOD_FAULTS
void	(*getreply_fault_mapped)(int);
#endif

static void
gr_sigbus(int sig, siginfo_t *si, void *uc)
{
	const uint8_t *at = si->si_addr;

	/* A fault (si_code > 0, from the kernel) in the mapping read. */
	if (gr_guarded && si->si_code > 0 && at >= gr_lo && at < gr_hi) {
		gr_guarded = 0;
		siglongjmp(gr_jmp, 1);
	}
	/* Anything else goes where it would without this handler: raised
	 * again, it is delivered as the handler returns. */
	gr_installed = 0;
	(void)sigaction(SIGBUS, &gr_old, NULL);
	(void)raise(sig);
}

/*
 * The handler stays installed from the first mapped read on (a list
 * server never forks), so that a read costs no system call for it; it
 * does nothing outside a guarded read.
 */
static int
gr_install(void)
{
	struct sigaction sa;

	if (gr_installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = gr_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &gr_old) == -1)
		return -1;
	gr_installed = 1;
	return 0;
}

/* Parse the mapping p of size bytes: as store_parse, or GETREPLY_FAULT. */
static int
gr_parse_mapped(struct etf_arena *a, const uint8_t *p, size_t size,
    size_t max_file, struct todo_list **out, const char **why)
{
	sigset_t bus;
	int rc;

	if (gr_install() == -1) {
		*why = "cannot guard the mapping of the list's file";
		return GETREPLY_ERROR;
	}
	gr_lo = p;
	gr_hi = p + size;
	/* The signal mask is not saved (that is a system call): only
	 * SIGBUS, blocked while its handler runs, needs unblocking after a
	 * jump out of it. */
	if (sigsetjmp(gr_jmp, 0) == 0) {
		gr_guarded = 1;
		rc = store_parse(a, p, size, max_file, out, why) == STORE_OK ?
		    GETREPLY_OK : GETREPLY_CORRUPT;
		gr_guarded = 0;
	} else {
		sigemptyset(&bus);
		sigaddset(&bus, SIGBUS);
		(void)sigprocmask(SIG_UNBLOCK, &bus, NULL);
		/* What was built of the list is lost (not freed). */
		*out = NULL;
		*why = "its file was cut short while it was read";
		rc = GETREPLY_FAULT;
	}
	return rc;
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
	 * it is read; if someone else cuts the file short meanwhile, the
	 * read is guarded (gr_parse_mapped).
	 */
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		*why = "cannot map the list's file";
		return GETREPLY_ERROR;
	}
#ifdef TODOD_FAULTS
	if (getreply_fault_mapped != NULL)
		getreply_fault_mapped(fd);
#endif
	rc = gr_parse_mapped(a, p, size, max_file, out, why);
	munmap(p, size);
	return rc;
}
