/* fuzzdir.c: a data directory for the fuzz targets (fuzzdir.h). */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fuzzdir.h"
#include "listfile.h"
#include "store.h"
#include "todolist.h"
#include "worker.h"

static char	dir[PATH_MAX];

static DIR *
open_again(int dirfd)
{
	DIR *d;
	int fd;

	if ((fd = dup(dirfd)) == -1 || (d = fdopendir(fd)) == NULL)
		abort();
	rewinddir(d);
	return d;
}

void
fuzzdir_clear(int dirfd)
{
	struct dirent *de;
	DIR *d;

	d = open_again(dirfd);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    unlinkat(dirfd, de->d_name, 0) == -1)
			abort();
	closedir(d);
}

static void
cleanup(void)
{
	int dirfd;

	if ((dirfd = store_open_dir(dir)) != -1) {
		fuzzdir_clear(dirfd);
		close(dirfd);
		rmdir(dir);
	}
}

int
fuzzdir_new(const char *prefix)
{
	const char *tmp;
	int n, dirfd;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	n = snprintf(dir, sizeof(dir), "%s/%s.XXXXXX", tmp, prefix);
	if (n < 0 || (size_t)n >= sizeof(dir) || mkdtemp(dir) == NULL ||
	    (dirfd = store_open_dir(dir)) == -1)
		abort();
	atexit(cleanup);
	return dirfd;
}

void
fuzzdir_put(int dirfd, const char *name, const uint8_t *p, size_t len)
{
	int fd;

	if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1 || (len > 0 && write(fd, p, len) != (ssize_t)len) ||
	    close(fd) == -1)
		abort();
}

static uint8_t *
read_file(int dirfd, const char *name, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY)) == -1 ||
	    fstat(fd, &st) == -1)
		abort();
	if ((p = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	if (read(fd, p, (size_t)st.st_size) != (ssize_t)st.st_size)
		abort();
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

void
fuzzdir_check(int dirfd, const char *keep, const uint8_t *keep_bytes,
    size_t keep_len)
{
	struct todo_list *l;
	struct dirent *de;
	const char *why;
	uint8_t *p;
	size_t len;
	DIR *d;

	d = open_again(dirfd);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')	/* journals, temp files */
			continue;
		p = read_file(dirfd, de->d_name, &len);
		if (keep != NULL && strcmp(de->d_name, keep) == 0 &&
		    len == keep_len && memcmp(p, keep_bytes, len) == 0) {
			free(p);
			continue;
		}
		if ((l = listfile_parse(p, len, &why)) == NULL) {
			fprintf(stderr, "%s: %s\n", de->d_name, why);
			abort();
		}
		todolist_free(l);
		free(p);
	}
	closedir(d);
}

uint64_t
fuzzdir_digest(int dirfd)
{
	struct dirent *de;
	uint64_t sum = 0;
	uint32_t crc;
	uint8_t *p;
	size_t len;
	DIR *d;

	d = open_again(dirfd);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		p = read_file(dirfd, de->d_name, &len);
		crc = (uint32_t)crc32_z(0L, (const uint8_t *)de->d_name,
		    strlen(de->d_name) + 1);
		crc = (uint32_t)crc32_z(crc, p, len);
		sum += (uint64_t)crc * 2654435761u + len;
		free(p);
	}
	closedir(d);
	return sum;
}

struct todo_list *
fuzzdir_list(int dirfd, const char *name)
{
	struct todo_list *l;
	const char *why;
	uint8_t *p;
	size_t len;
	int fd;

	if ((fd = openat(dirfd, name, O_RDONLY)) == -1) {
		if (errno != ENOENT || (l = todolist_new()) == NULL)
			abort();
		return l;
	}
	close(fd);
	p = read_file(dirfd, name, &len);
	if ((l = listfile_parse(p, len, &why)) == NULL) {
		fprintf(stderr, "%s: %s\n", name, why);
		abort();
	}
	free(p);
	return l;
}

struct worker *
fuzzdir_worker(struct event_base *base, int dirfd, size_t journal_max,
    size_t ckpt_pass)
{
	static struct worker_counters ctr;	/* outlives the worker */
	struct worker_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	memset(&ctr, 0, sizeof(ctr));
	cfg.dirfd = dirfd;
	cfg.nworkers = 1;
	cfg.max_frame = FUZZDIR_MAX_FRAME;
	cfg.journal_max = journal_max;
	cfg.ckpt_pass = ckpt_pass;
	return worker_new(base, &cfg, &ctr);
}

bool
fuzzdir_start_stop(struct event_base *base, int dirfd)
{
	struct worker *w;

	if ((w = fuzzdir_worker(base, dirfd, 0, 0)) == NULL)
		return false;	/* refused (logged) */
	(void)worker_shutdown(w);
	worker_free(w);
	return true;
}
