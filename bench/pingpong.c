/*
 * pingpong.c: the floor under todod's round trip.
 *
 * Two processes exchange a frame back and forth over a Unix stream
 * socket: the parent writes a {packet, 4} frame of REQ bytes and waits for
 * the child's frame of REPLY bytes, which the child sends as soon as it has
 * read the whole request.  Nothing else happens: no event loop, no codec,
 * no work.  The round trip of a todod request with the same sizes cannot
 * be faster, so todo-bench -c 1 -P 1 is compared with the p50 printed here.
 *
 *   pingpong [-j] [-n count] [-q req-bytes] [-r reply-bytes] [-u path]
 *
 * -u binds a socket at path and has the child connect to it (the path
 * todo-bench takes); without it the two ends are a socketpair.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

#define WARMUP	1000
#define MAXSZ	(1024 * 1024)

static int
full_read(int fd, uint8_t *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = read(fd, p, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
full_write(int fd, const uint8_t *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		r = write(fd, p, n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* A frame: 4-byte big-endian length, then len bytes. */
static uint8_t *
frame_new(size_t len)
{
	uint8_t *f;

	if ((f = calloc(1, len + 4)) == NULL)
		return NULL;
	f[0] = (uint8_t)(len >> 24);
	f[1] = (uint8_t)(len >> 16);
	f[2] = (uint8_t)(len >> 8);
	f[3] = (uint8_t)len;
	f[4] = 131;
	return f;
}

/* The child: read a frame, answer with the reply frame, until EOF. */
static void __attribute__((noreturn))
echo(int fd, size_t reply)
{
	uint8_t *in, *out, hdr[4];
	size_t len;

	in = malloc(MAXSZ);
	out = frame_new(reply);
	if (in == NULL || out == NULL)
		_exit(1);
	while (full_read(fd, hdr, 4) == 0) {
		len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 |
		    (size_t)hdr[2] << 8 | hdr[3];
		if (len > MAXSZ || full_read(fd, in, len) == -1 ||
		    full_write(fd, out, reply + 4) == -1)
			_exit(1);
	}
	_exit(0);
}

static int
connect_pair(const char *path, int fds[2])
{
	struct sockaddr_un sun;
	int l;

	if (path == NULL)
		return socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, path, strlen(path));
	unlink(path);
	if ((l = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(l, 1) == -1 ||
	    (fds[0] = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fds[0], (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    (fds[1] = accept(l, NULL, NULL)) == -1)
		return -1;
	close(l);
	unlink(path);
	return 0;
}

static uint64_t
pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)((p / 100.0) * (double)n);

	return v[i < n ? i : n - 1];
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	size_t req = 32, reply = 32, i, n = 100000;
	uint64_t *lat, t0, sum = 0;
	uint8_t *out, *in;
	int ch, fds[2], json = 0, status;
	pid_t pid;

	while ((ch = getopt(argc, argv, "jn:q:r:u:")) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			break;
		case 'q':
			req = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reply = strtoul(optarg, NULL, 10);
			break;
		case 'u':
			path = optarg;
			break;
		default:
			fprintf(stderr, "usage: pingpong [-j] [-n count] "
			    "[-q req-bytes] [-r reply-bytes] [-u path]\n");
			return 2;
		}
	}
	if (n < 1 || n > 100000000 || req < 1 || req > MAXSZ || reply < 1 ||
	    reply > MAXSZ) {
		fprintf(stderr, "pingpong: -n 1..1e8, -q and -r 1..%d\n",
		    MAXSZ);
		return 2;
	}
	if (connect_pair(path, fds) == -1) {
		perror("pingpong: socket");
		return 1;
	}
	if ((pid = fork()) == -1) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		echo(fds[1], reply);
	}
	close(fds[1]);
	out = frame_new(req);
	in = malloc(reply + 4);
	lat = calloc(n, sizeof(*lat));
	if (out == NULL || in == NULL || lat == NULL)
		return 1;
	for (i = 0; i < n + WARMUP; i++) {
		t0 = now_ns();
		if (full_write(fds[0], out, req + 4) == -1 ||
		    full_read(fds[0], in, reply + 4) == -1) {
			fprintf(stderr, "pingpong: the echo process died\n");
			return 1;
		}
		if (i >= WARMUP) {
			lat[i - WARMUP] = now_ns() - t0;
			sum += lat[i - WARMUP];
		}
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	qsort(lat, n, sizeof(*lat), cmp_u64);
	if (json)
		printf("{\"count\": %zu, \"request_bytes\": %zu, "
		    "\"reply_bytes\": %zu, \"mean\": %.2f, \"p50\": %.2f, "
		    "\"p90\": %.2f, \"p99\": %.2f, \"max\": %.2f}\n", n, req,
		    reply, (double)sum / (double)n / 1e3,
		    pct(lat, n, 50) / 1e3, pct(lat, n, 90) / 1e3,
		    pct(lat, n, 99) / 1e3, lat[n - 1] / 1e3);
	else
		printf("pingpong: %zu round trips, %zu-byte request, "
		    "%zu-byte reply: p50 %.1f us, p90 %.1f us, p99 %.1f us, "
		    "mean %.1f us\n", n, req, reply, pct(lat, n, 50) / 1e3,
		    pct(lat, n, 90) / 1e3, pct(lat, n, 99) / 1e3,
		    (double)sum / (double)n / 1e3);
	return 0;
}
