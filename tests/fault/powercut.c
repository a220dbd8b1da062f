/*
 * powercut: what a power cut leaves of acknowledged changes, on a real
 * file system.
 *
 * The kill tests cannot tell the disk from the page cache: a process
 * killed leaves its writes in the cache, synced or not.  Here the data
 * directory is an ext4 file system in a loop device, and the file
 * system is shut down under load with EXT4_IOC_SHUTDOWN without
 * flushing its journal: whatever was not on the device at that moment
 * is gone, as in a power cut, and the calls on the way fail.  Then
 * todod is killed, the file system mounted again (its journal
 * replayed), todod started on it, and every list checked against the
 * clients' logs (fmodel.h): every acknowledged change is there.
 *
 *   powercut [--trials N] [--clients N] [--lists N]
 *
 * Each trial makes a new file system; the shutdown comes after a random
 * part of a second of load, in every other trial with a client asking
 * for checkpoints (sync) meanwhile.  POWERCUT_TRIALS sets the default number of
 * trials (3, as `make check` runs it); a loss is a matter of timing, so
 * a thorough run takes many more.  Needs root, mkfs.ext4 and loop
 * devices: without them it says why and exits 77 (skipped).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fload.h"
#include "harness.h"

/* <linux/ext4.h> is not installed: the ioctl and its flag, as the
 * kernel defines them (also XFS_IOC_GOINGDOWN). */
#define PC_IOC_SHUTDOWN		_IOR('X', 125, uint32_t)
#define PC_SHUTDOWN_NOLOGFLUSH	2

#define PC_SKIP			77
#define PC_IMAGE_BYTES		(256 << 20)
#define PC_CMD_MS		60000

struct pc {
	int	 trials, clients, lists;
	char	 base[128];	/* the run's directory */
	char	 image[160];	/* base/ext4.img */
	char	 mnt[160];	/* base/mnt */
	char	 data[192];	/* base/mnt/data */
	bool	 mounted;
};

static void
usage(void)
{
	fprintf(stderr, "usage: powercut [--trials N] [--clients N] "
	    "[--lists N]\n");
	exit(2);
}

/* Run a command, its output to /dev/null, within PC_CMD_MS: its exit
 * status, 127 if it cannot be run, -1 if it had to be killed. */
static int
run(const char *const *argv)
{
	int64_t	 end = h_now_ms() + h_ms(PC_CMD_MS);
	pid_t	 pid;
	int	 st, fd;

	if ((pid = fork()) == -1)
		return 127;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (;;) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (h_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		h_pause_ms(10);
	}
}

static int
mount_it(struct pc *pc)
{
	const char *const argv[] = { "mount", "-t", "ext4", "-o", "loop",
	    pc->image, pc->mnt, NULL };

	if (run(argv) != 0)
		return -1;
	pc->mounted = true;
	return 0;
}

/* Unmount, waiting for the last user to let go.  0 or -1. */
static int
umount_it(struct pc *pc)
{
	int64_t	end = h_now_ms() + h_ms(20000);

	if (!pc->mounted)
		return 0;
	while (umount2(pc->mnt, 0) == -1) {
		if (errno != EBUSY || h_now_ms() >= end)
			return -1;
		h_pause_ms(20);
	}
	pc->mounted = false;
	return 0;
}

/* A new file system on the image; PC_SKIP when this machine cannot. */
static int
make_fs(struct pc *pc)
{
	const char *const mkfs[] = { "mkfs.ext4", "-q", "-F", pc->image,
	    NULL };
	int	fd, r;

	unlink(pc->image);
	if ((fd = open(pc->image, O_RDWR | O_CREAT | O_EXCL, 0600)) == -1 ||
	    ftruncate(fd, PC_IMAGE_BYTES) == -1) {
		fprintf(stderr, "powercut: %s: %s\n", pc->image,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	close(fd);
	if ((r = run(mkfs)) != 0) {
		fprintf(stderr, "powercut: skipped: mkfs.ext4 %s\n",
		    r == 127 ? "cannot be run" : "failed");
		return PC_SKIP;
	}
	if (mount_it(pc) == -1) {
		fprintf(stderr, "powercut: skipped: cannot mount a loop "
		    "device here\n");
		return PC_SKIP;
	}
	return 0;
}

/* Shut the file system down, its journal not flushed. */
static int
cut(struct pc *pc)
{
	uint32_t flag = PC_SHUTDOWN_NOLOGFLUSH;
	int	 fd, r;

	if ((fd = open(pc->mnt, O_RDONLY | O_DIRECTORY)) == -1)
		return -1;
	r = ioctl(fd, PC_IOC_SHUTDOWN, &flag);
	close(fd);
	return r;
}

/*
 * Until end, sync requests one after another (checkpoints: list files
 * written and renamed into place, journals removed), so that the cut may
 * fall in one: how many were answered; *cp the connection, open still
 * if a sync is in flight.
 */
static int
sync_until(const char *sock, int64_t end, struct conn **cp)
{
	struct conn	*c;
	int		 n = 0, ms;

	if ((*cp = c = conn_open_path(sock)) == NULL)
		return -1;
	while ((ms = (int)(end - h_now_ms())) > 0) {
		if (conn_sendf(c, "sync") == -1 || conn_recv(c, ms) == NULL)
			break;
		conn_reset(c);
		n++;
	}
	if ((ms = (int)(end - h_now_ms())) > 0)
		h_pause_ms(ms);
	return n;
}

static bool
progressed(void *arg)
{
	struct fl_cfg	*cfg = ((void **)arg)[0];
	struct fl_client *cls = ((void **)arg)[1];

	return fl_progress(cfg, cls) >= 300 || fl_failure(cfg, cls) != NULL;
}

/* One trial: 0 if nothing acknowledged was lost, 1 if something was,
 * -1 if the trial could not be run, PC_SKIP. */
static int
trial(struct pc *pc, int n)
{
	struct daemon	*d;
	struct fl_cfg	 cfg;
	struct fl_client *cls;
	struct fm_report rep;
	struct conn	*sc = NULL;
	const char	*f;
	void		*arg[2];
	bool		 stopped = false;
	char		 err[512], how[64] = "";
	int		 r = -1, wait_ms, syncs;

	if ((r = make_fs(pc)) != 0)
		return r;
	r = -1;
	if ((d = daemon_start("-d", pc->data, "--sync", "always", NULL)) ==
	    NULL) {
		fprintf(stderr, "powercut: %s\n", h_err());
		umount_it(pc);
		return -1;
	}
	fl_cfg_init(&cfg, d->sock, pc->clients, pc->lists, "P");
	if ((cls = fl_start(&cfg)) == NULL) {
		daemon_free(d);
		umount_it(pc);
		return -1;
	}
	arg[0] = &cfg;
	arg[1] = cls;
	if (!h_poll(h_ms(20000), progressed, arg) ||
	    (f = fl_failure(&cfg, cls)) != NULL) {
		f = fl_failure(&cfg, cls);
		fprintf(stderr, "powercut: trial %d: before the cut: %s\n", n,
		    f != NULL ? f : "the clients made no progress");
		goto out;
	}
	/* Not a synchronisation: where in the load the cut falls; every
	 * other trial with checkpoints asked for meanwhile. */
	wait_ms = (int)(random() % 700);
	if (n % 2 == 0) {
		syncs = sync_until(d->sock, h_now_ms() + wait_ms, &sc);
		snprintf(how, sizeof how, " (syncs answered: %d)", syncs);
	} else
		h_pause_ms(wait_ms);
	if (cut(pc) == -1) {
		fprintf(stderr, "powercut: skipped: EXT4_IOC_SHUTDOWN: %s\n",
		    strerror(errno));
		r = PC_SKIP;
		goto out;
	}
	/* What the clients are told from now on is the cut's doing: only
	 * the final check counts. */
	atomic_store(&cfg.going_down, 1);
	fl_stop(&cfg, cls);
	stopped = true;
	if (sc != NULL)
		conn_close(sc);
	sc = NULL;
	daemon_kill(d);
	if (umount_it(pc) == -1 || mount_it(pc) == -1) {
		fprintf(stderr, "powercut: trial %d: cannot mount the file "
		    "system again\n", n);
		goto out;
	}
	if (daemon_restart(d) == -1) {
		fprintf(stderr, "powercut: trial %d: starting again: %s\n", n,
		    h_err());
		daemon_print_log(d);
		goto out;
	}
	if (fl_verify(&cfg, cls, NULL, 0, &rep, err, sizeof err) == -1) {
		fprintf(stderr, "powercut: trial %d: reading back: %s\n", n,
		    err);
		goto out;
	}
	printf("trial %d: cut after %d ms more%s; acknowledged changes %llu, "
	    "entries read back %llu, lost %llu\n", n, wait_ms, how,
	    (unsigned long long)rep.acked_changes,
	    (unsigned long long)rep.entries_seen,
	    (unsigned long long)rep.lost);
	r = fm_report_ok(&rep) ? 0 : 1;
	if (r != 0)
		printf("trial %d: phantoms %llu, duplicate ids %llu, "
		    "duplicate entries %llu, wrong %llu\n", n,
		    (unsigned long long)rep.phantoms,
		    (unsigned long long)rep.dup_ids,
		    (unsigned long long)rep.dup_entries,
		    (unsigned long long)rep.wrong);
	if (daemon_stop(d) == -1) {
		fprintf(stderr, "powercut: trial %d: stop: %s\n", n, h_err());
		daemon_print_log(d);
		r = r == 0 ? -1 : r;
	}
out:
	if (sc != NULL)
		conn_close(sc);
	if (!stopped)
		fl_stop(&cfg, cls);
	fl_free(&cfg, cls);
	daemon_free(d);
	if (umount_it(pc) == -1 && r == 0) {
		fprintf(stderr, "powercut: cannot unmount %s\n", pc->mnt);
		r = -1;
	}
	return r;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "trials", required_argument, NULL, 't' },
		{ "clients", required_argument, NULL, 'c' },
		{ "lists", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 }
	};
	static struct pc pc;
	const char	*env = getenv("POWERCUT_TRIALS");
	int		 ch, i, r = 0, failed = 0;

	pc.trials = 3;
	pc.clients = 16;
	pc.lists = 16;
	if (env != NULL && h_intarg(env, 1, 100000, &pc.trials) == -1)
		usage();
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if ((ch == 't' && h_intarg(optarg, 1, 100000, &pc.trials) ==
		    0) || (ch == 'c' && h_intarg(optarg, 1, 1000,
		    &pc.clients) == 0) || (ch == 'n' && h_intarg(optarg, 1,
		    FL_MAX_LISTS - 8, &pc.lists) == 0))
			continue;
		usage();
	}
	if (optind != argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("TODOD") == NULL) {
		fprintf(stderr, "powercut: set TODOD to the todod program\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "powercut: skipped: needs root (mount)\n");
		return PC_SKIP;
	}
	if (h_valgrind()) {
		fprintf(stderr, "powercut: skipped under valgrind\n");
		return PC_SKIP;
	}
	srandom((unsigned)getpid());
	snprintf(pc.base, sizeof pc.base, "%s/powercut.XXXXXX", h_tmpbase());
	if (mkdtemp(pc.base) == NULL) {
		fprintf(stderr, "powercut: %s: %s\n", pc.base, strerror(errno));
		return 1;
	}
	snprintf(pc.image, sizeof pc.image, "%s/ext4.img", pc.base);
	snprintf(pc.mnt, sizeof pc.mnt, "%s/mnt", pc.base);
	snprintf(pc.data, sizeof pc.data, "%s/data", pc.mnt);
	if (mkdir(pc.mnt, 0700) == -1) {
		fprintf(stderr, "powercut: %s: %s\n", pc.mnt, strerror(errno));
		return 1;
	}
	for (i = 1; i <= pc.trials; i++) {
		if ((r = trial(&pc, i)) == PC_SKIP || r == -1)
			break;
		failed += r;
	}
	if (umount_it(&pc) == 0)
		h_rmtree(pc.base);
	if (r == PC_SKIP)
		return PC_SKIP;
	if (r == -1) {
		printf("result: FAIL: trial %d could not be run\n", i);
		return 1;
	}
	printf("result: %s: %d trials, %d of them lost acknowledged "
	    "changes\n",
	    failed ? "FAIL" : "PASS", pc.trials, failed);
	return failed ? 1 : 0;
}
