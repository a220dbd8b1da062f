/*
 * vmcost.c: what a process and a page cost on this machine.
 *
 * todod starts a process per list and each new process faults in the
 * pages it writes; what those cost depends on the machine far more than
 * on todod (a paravirtualized guest may take every page fault through
 * its hypervisor).  bench/compare prints these two figures beside its
 * table, so that runs on different machines can be told apart:
 *
 *   fork     a child that exits at once: fork, exit and waitpid, p50
 *   page     the first write to a fresh anonymous page (a page fault
 *            that allocates and zeroes it), mean over 1 MiB regions
 *
 *   vmcost [-j]		(-j: one line of JSON)
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/wait.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

#define FORKS		200
#define REGIONS		50
#define REGION_BYTES	(1024 * 1024)

/* p50 of fork + _exit + waitpid, in ns; 0 on failure. */
static uint64_t
fork_cost(void)
{
	static uint64_t t[FORKS];
	uint64_t t0;
	pid_t pid;
	int i;

	for (i = 0; i < FORKS; i++) {
		t0 = now_ns();
		if ((pid = fork()) == -1)
			return 0;
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, NULL, 0) != pid)
			return 0;
		t[i] = now_ns() - t0;
	}
	qsort(t, FORKS, sizeof(t[0]), cmp_u64);
	return t[FORKS / 2];
}

/* Mean cost of a first write to a page, in ns; 0 on failure. */
static uint64_t
page_cost(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t t0, total = 0;
	size_t off;
	char *p;
	int i;

	if (psz <= 0)
		return 0;
	for (i = 0; i < REGIONS; i++) {
		p = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 0;
		/* no transparent huge page: one fault per page */
		(void)madvise(p, REGION_BYTES, MADV_NOHUGEPAGE);
		t0 = now_ns();
		for (off = 0; off < REGION_BYTES; off += (size_t)psz)
			((volatile char *)p)[off] = 1;
		total += now_ns() - t0;
		munmap(p, REGION_BYTES);
	}
	return total / ((uint64_t)REGIONS * (REGION_BYTES / (uint64_t)psz));
}

int
main(int argc, char **argv)
{
	int json = argc > 1 && strcmp(argv[1], "-j") == 0;
	uint64_t f, p;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: vmcost [-j]\n");
		return 2;
	}
	f = fork_cost();
	p = page_cost();
	if (f == 0 || p == 0) {
		perror("vmcost");
		return 1;
	}
	if (json)
		printf("{\"fork_us\": %.1f, \"page_us\": %.2f}\n", f / 1e3,
		    p / 1e3);
	else
		printf("fork+exit+wait p50 %.0f us, first write to a page "
		    "%.1f us\n", f / 1e3, p / 1e3);
	return 0;
}
