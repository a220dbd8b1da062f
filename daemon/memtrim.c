/* memtrim.c: malloc_trim after large frees (memtrim.h). */
#include "config.h"

#include <malloc.h>
#include <stddef.h>

#include <event2/event.h>

#include "memtrim.h"

static struct event	*memtrim_ev;
static size_t		 memtrim_pending;	/* freed since the last trim */

static void
memtrim_run(evutil_socket_t fd, short ev, void *arg)
{
	memtrim_pending = 0;
	(void)malloc_trim(0);
}

int
memtrim_init(struct event_base *base)
{
	if ((memtrim_ev = evtimer_new(base, memtrim_run, NULL)) == NULL)
		return -1;
	return 0;
}

void
memtrim_freed(size_t bytes)
{
	struct timeval delay = { MEMTRIM_DELAY_MS / 1000,
	    MEMTRIM_DELAY_MS % 1000 * 1000 };

	if (memtrim_ev == NULL)
		return;
	memtrim_pending += bytes;
	if (memtrim_pending >= MEMTRIM_MIN &&
	    !evtimer_pending(memtrim_ev, NULL))
		/* If it cannot be added, the next free tries again. */
		(void)evtimer_add(memtrim_ev, &delay);
}
