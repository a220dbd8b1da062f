/* evadd.c: an event added to the loop, or the process ends (evadd.h). */
#include "config.h"

#include <stddef.h>

#include <event2/event.h>

#include "evadd.h"
#include "log.h"
#include "store_fault.h"

/* Test-only: whether an injected fault fails this add. */
static int
evadd_fault(const struct event *ev)
{
#ifdef TODOD_FAULTS
	return (event_get_events(ev) & EV_WRITE) != 0 &&
	    store_fault_file("TODOD_FAULT_EVADD_FILE");
#else
	(void)ev;
	return 0;
#endif
}

void
event_add_or_exit(struct event *ev, const struct timeval *tv)
{
	if (evadd_fault(ev) || event_add(ev, tv) == -1)
		fatalx("cannot add an event to the loop (no memory, or the "
		    "system's limit on watched descriptors): exiting");
}
