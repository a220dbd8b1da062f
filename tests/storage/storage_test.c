/* storage_test.c: helpers shared by the storage tests. */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "etf.h"
#include "listfile.h"
#include "storage_test.h"
#include "store.h"
#include "todolist.h"

char *
st_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *path;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (asprintf(&path, "%s/todod-storage-XXXXXX", base) == -1)
		return NULL;
	if (mkdtemp(path) == NULL) {
		free(path);
		return NULL;
	}
	return path;
}

static int
st_rm(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path) == -1 ? 0 : 0;
}

void
st_rmtree(const char *path)
{
	if (path != NULL)
		nftw(path, st_rm, 16, FTW_DEPTH | FTW_PHYS);
}

int
st_count_entries(int dirfd, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int fd, n = 0;

	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0 &&
		    strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

int
st_count_temps(int dirfd)
{
	return st_count_entries(dirfd, STORE_TMP_PREFIX);
}

uint8_t *
st_read_file(int dirfd, const char *file, size_t *len)
{
	struct stat st;
	uint8_t *p;
	ssize_t r;
	int fd;

	if ((fd = openat(dirfd, file, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1 ||
	    (p = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	r = read(fd, p, (size_t)st.st_size + 1);
	close(fd);
	if (r != st.st_size) {
		free(p);
		return NULL;
	}
	*len = (size_t)r;
	return p;
}

int
st_write_file(int dirfd, const char *file, const void *p, size_t len)
{
	int fd;
	ssize_t w;

	if ((fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_TRUNC, 0600)) ==
	    -1)
		return -1;
	w = write(fd, p, len);
	close(fd);
	return w == (ssize_t)len ? 0 : -1;
}

struct todo_list *
st_book_list(void)
{
	static const struct { struct todo_date d; const char *t; } e[] = {
		{ { 2018, 12, 19 }, "Dentist" },
		{ { 2018, 12, 20 }, "Shopping" },
		{ { 2018, 12, 19 }, "Movies" },
	};
	struct todo_list *l;
	size_t i;

	if ((l = todolist_new()) == NULL)
		return NULL;
	for (i = 0; i < 3; i++)
		if (todolist_add(l, e[i].d, e[i].t, strlen(e[i].t), NULL) == -1)
			abort();
	return l;
}

struct todo_list *
st_list_n(int n, const char *tag)
{
	struct todo_list *l;
	struct todo_date d;
	char title[128];
	int i;

	if ((l = todolist_new()) == NULL)
		return NULL;
	for (i = 1; i <= n; i++) {
		d.year = 2000 + i % 30;
		d.month = 1 + i % 12;
		d.day = 1 + i % 28;
		snprintf(title, sizeof(title), "%s %d", tag, i);
		if (todolist_add(l, d, title, strlen(title), NULL) == -1)
			abort();
	}
	return l;
}

/* Extra pairs as a map term, decoded in the arena. */
static const struct etf_term *
st_extra_map(struct etf_arena *a, const struct todo_item *it)
{
	const struct etf_term *m;
	uint8_t *p;

	if ((p = etf_arena_alloc(a, it->extra_len + 6)) == NULL)
		return NULL;
	p[0] = ETF_VERSION;
	p[1] = ETF_TAG_MAP;
	p[2] = (uint8_t)(it->extra_pairs >> 24);
	p[3] = (uint8_t)(it->extra_pairs >> 16);
	p[4] = (uint8_t)(it->extra_pairs >> 8);
	p[5] = (uint8_t)it->extra_pairs;
	if (it->extra_len > 0)
		memcpy(p + 6, it->extra, it->extra_len);
	if (etf_decode(a, p, it->extra_len + 6, 0, &m) != ETF_OK)
		return NULL;
	return m;
}

/* The same extra pairs, in whatever order. */
static bool
st_extras_equal(const struct todo_item *x, const struct todo_item *y)
{
	const struct etf_term *mx, *my;
	struct etf_arena *a;
	bool eq;

	if (x->extra_pairs != y->extra_pairs)
		return false;
	if (x->extra_pairs == 0 || (x->extra_len == y->extra_len &&
	    memcmp(x->extra, y->extra, x->extra_len) == 0))
		return true;
	if ((a = etf_arena_new()) == NULL)
		return false;
	mx = st_extra_map(a, x);
	my = st_extra_map(a, y);
	eq = mx != NULL && my != NULL && etf_equal(mx, my);
	etf_arena_free(a);
	return eq;
}

bool
st_list_equal(const struct todo_list *a, const struct todo_list *b)
{
	const struct todo_item *x, *y;

	if (todolist_size(a) != todolist_size(b) ||
	    todolist_next_id(a) != todolist_next_id(b))
		return false;
	for (x = todolist_first(a), y = todolist_first(b);
	    x != NULL && y != NULL;
	    x = todolist_next(a, x), y = todolist_next(b, y)) {
		if (x->id != y->id || x->date.year != y->date.year ||
		    x->date.month != y->date.month ||
		    x->date.day != y->date.day ||
		    x->title_len != y->title_len ||
		    memcmp(x->title, y->title, x->title_len) != 0 ||
		    !st_extras_equal(x, y))
			return false;
	}
	return x == NULL && y == NULL;
}

uint8_t *
st_encode(const struct todo_list *l, size_t *len)
{
	struct etf_buf b;

	etf_buf_init(&b);
	listfile_encode(&b, l);
	if (b.oom) {
		etf_buf_free(&b);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

uint8_t *
st_compress(const uint8_t *etf, size_t len, size_t *zlen)
{
	size_t plen;
	uLongf n;
	uint8_t *z;

	if (len < 1)
		return NULL;
	plen = len - 1;			/* the term, without its version */
	n = compressBound((uLong)plen);
	if ((z = malloc(6 + n)) == NULL)
		return NULL;
	z[0] = ETF_VERSION;
	z[1] = ETF_TAG_COMPRESSED;
	z[2] = (uint8_t)(plen >> 24);
	z[3] = (uint8_t)(plen >> 16);
	z[4] = (uint8_t)(plen >> 8);
	z[5] = (uint8_t)plen;
	if (compress2(z + 6, &n, etf + 1, (uLong)plen, 9) != Z_OK) {
		free(z);
		return NULL;
	}
	*zlen = 6 + n;
	return z;
}

bool
st_have_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save, *full;
	bool found = false;

	if (path == NULL || (copy = strdup(path)) == NULL)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir != NULL && !found;
	    dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&full, "%s/%s", dir, name) == -1)
			break;
		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}
